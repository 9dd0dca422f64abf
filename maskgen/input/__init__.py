"""Input: the recipe, the PDK and the files they name (chip GDS, DEF/LEF, ball tables), validated with located one-line
errors and size limits checked before any per-site work.
"""
