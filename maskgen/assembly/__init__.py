"""Assembly: the die, the wafer, a sub-array sweep's tiles and the test structures, put together from the Design
(maskgen.design) out of the part cells, bump sites and routes of maskgen.layout, as a gdstk library.
"""
