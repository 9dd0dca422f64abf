"""maskgen: photomask layouts, design-rule checks and pictures for wafer-bumping and WLCSP processes.

The package follows the pipeline, one folder a stage:

    input/    recipe, PDK and the files they name  ->  design/   families, physics, rule constraints
    layout/   cells, sites, routing, die, wafer    ->  drc/      claim-derived checks
    outputs/  GDS/OASIS, manifest, masks, maps     ;   pictures/ renders and cross-sections

`build.py` runs input -> design -> layout -> outputs -> drc for one recipe, `sweep.py` for each DOE point,
`cli.py` is the command line.
"""

__version__ = "0.1.0"
