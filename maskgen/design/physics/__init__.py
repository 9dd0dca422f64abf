"""The physics the masks depend on: solder volume and reflow, stacked-resist exposure bias, cantilever mechanics."""
