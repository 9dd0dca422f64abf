"""Outputs: GDSII/OASIS, .lyp and manifest written atomically, the mask set, plates and reticles, their critical
dimensions, wafer maps and the text the CLI prints.
"""
