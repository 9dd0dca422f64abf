"""maskgen: photomask layouts, design-rule checks and pictures for wafer-bumping and WLCSP processes.

The package follows the pipeline, one folder a stage, each importing only the stages before it:

    input/    recipe, PDK, rule formulas and the files they name  ->  layout/   cells, sites, routing
    design/   families, physics, fan-out plan                     ->  assembly/ die, wafer, test structures
    drc/      claim-derived checks  ->  outputs/  GDS/OASIS, manifest, masks, maps  ->  pictures/

`build.py` runs input -> design -> assembly -> outputs -> drc for one recipe, `sweep.py` for each DOE point,
`cli.py` is the command line (README, "Layout of the project"; tests/test_imports.py holds the order).
"""

__version__ = "0.1.0"
