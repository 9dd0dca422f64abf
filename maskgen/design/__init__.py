"""Design: from recipe + PDK to the figures the masks depend on: the process families (000 to 004), their physics
(solder volume and reflow, stacked-resist bias, cantilever stiffness), bump types and the RDL fan-out plan.
"""
