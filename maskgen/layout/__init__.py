"""Layout: part cells, bump sites and their JEDEC names, RDL routing, the die, the wafer and the test structures, as a
gdstk library.
"""
