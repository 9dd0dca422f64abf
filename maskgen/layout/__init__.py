"""Layout: part cells named from their arguments, bump sites from the recipe's map, RDL routing and the shape
helpers, drawn from numbers (never from the Design: maskgen.assembly puts the die and wafer together).
"""
