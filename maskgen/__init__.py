"""maskgen: photomask layouts, design-rule checks and pictures for wafer-bumping and WLCSP processes."""

__version__ = "0.1.0"
