"""Run inside Debian's KLayout (klayout -b -rm <installed maskgen.lym> -r this): the maskgen PCells against builds.

Jobs come from the JSON file named by $MASKGEN_JOBS: {"xor": [{family, params, gds, cell}], "bad": [{family,
params}], "check": {python, process}}. Each PCell is instantiated in a fresh layout and XORed, layer by layer,
against the bump cell of the build (both flattened); the results go to $MASKGEN_RESULT as JSON.
"""

import json
import os
import tempfile
from pathlib import Path

import pya

jobs = json.loads(Path(os.environ["MASKGEN_JOBS"]).read_text())
out = {"library": pya.Library.library_by_name("maskgen") is not None, "xor": [], "bad": [], "check": None}
lib = pya.Library.library_by_name("maskgen")
out["pcells"] = sorted(lib.layout().pcell_names()) if lib else []


def layers(ly):
    return {(ly.get_info(li).layer, ly.get_info(li).datatype): li for li in ly.layer_indexes()}


for job in jobs["xor"]:
    ly = pya.Layout()
    top = ly.create_cell("TOP")
    pcell = ly.create_cell(job["family"], "maskgen", job["params"])
    top.insert(pya.CellInstArray(pcell.cell_index(), pya.Trans()))
    built = pya.Layout()
    built.read(job["gds"])
    bump = built.cell(job["cell"])
    mine, theirs = layers(ly), layers(built)
    per_layer = {}
    for key in sorted(set(mine) | set(theirs)):
        a = pya.Region(top.begin_shapes_rec(mine[key])) if key in mine else pya.Region()
        b = pya.Region(bump.begin_shapes_rec(theirs[key])) if key in theirs else pya.Region()
        if a.is_empty() and b.is_empty():
            continue
        per_layer[f"{key[0]}/{key[1]}"] = [(a ^ b).count(), a.count(), b.count(), a.area()]
    out["xor"].append({"family": job["family"], "params": job["params"], "pcell_name": pcell.name,
                       "layers": per_layer})
    if job.get("save"):   # a second placement job["pitch"] um to the right, then saved (the menu entry's input)
        top.insert(pya.CellInstArray(pcell.cell_index(), pya.Trans(round(job["pitch"] / ly.dbu), 0)))
        ly.write(job["save"])

for job in jobs["bad"]:
    ly = pya.Layout()
    pcell = ly.create_cell(job["family"], "maskgen", job["params"])
    shapes = sum(pya.Region(pcell.begin_shapes_rec(li)).count() for li in ly.layer_indexes())
    out["bad"].append({"family": job["family"], "params": job["params"], "shapes": shapes})

if jobs.get("check"):
    # the menu entry's work without the window: maskgen's DRC on a layout holding a placed PCell, markers read back
    from maskgen.klayout_pkg.plugin import run_check
    c = jobs["check"]
    work = Path(tempfile.mkdtemp(prefix="maskgen-pcell-check-"))
    check = run_check(c["python"], Path(c["layout"]), None, work, c["process"])
    rdb = pya.ReportDatabase("")
    rdb.load(str(check.lyrdb))
    cats = {cat.name(): cat.num_items() for cat in rdb.each_category()}
    out["check"] = {"code": check.code, "items": rdb.num_items(), "categories": cats, "output": check.output}

Path(os.environ["MASKGEN_RESULT"]).write_text(json.dumps(out, indent=1))
