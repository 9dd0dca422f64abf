"""maskgen in KLayout: the PCell parameters and drawing, the Salt package, and the library in Debian's KLayout.

The KLayout test runs the desktop application in batch mode on the installed package's own autorun macro
(`klayout -b -rm <home>/salt/maskgen/pymacros/maskgen.lym -r tests/klayout/pcell_check.py`): every PCell, with its
defaults and with edited parameters, XORed layer by layer against the bump cell `maskgen build` wrote for the same
recipe (empty on every layer); bad parameters give maskgen's own line; the menu entry's DRC run on a placed PCell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import klayout.db as kdb
import pytest
import yaml

from maskgen.build import build
from maskgen.errors import InputError
from maskgen.input.pdk import data_root
from maskgen.klayout_pkg.install import MACRO, install, uninstall
from maskgen.klayout_pkg.params import FAMILIES, bump_shapes, params, recipe_data

ROOT = Path(__file__).resolve().parent.parent
KLAYOUT = shutil.which("klayout")

EDITS = {
    "stair_bump": {"stair__dose": 1200.0, "bump__ubm_diameter": 125.0, "bump__pad__shape": "square"},
    "ball_drop": {"bump__ubm_diameter": 260.0, "solder__ball_diameter": 310.0, "ball_drop__polymer_opening": 340.0},
    "two_step_ball": {"two_step__openings": "190, 250", "two_step__rdl__line_width": 25.0},
    "flux_fill": {"flux_fill__resist_opening": 285.0, "bump__pad__shape": "octagon"},
    "cantilever_wlcsp": {"cantilever__line_width": 25.0, "cantilever__support_beams__count": 1},
}
"""Edited parameters per PCell: values the recipe checks accept, other than the template's."""

BAD = [("ball_drop", {"bump__ubm_diameter": 10.0},
        "PCell maskgen.ball_drop: bump.ubm_diameter = 10.0: must be at least 240.1 um (passivation opening 220 + "
        "2 x UBM.COVERS_PASV 10 + circle tolerance)"),
       ("cantilever_wlcsp", {"cantilever__embodiment": 4},
        "PCell maskgen.cantilever_wlcsp: cantilever.elastic_diameter: embodiment 4 has elastic layer 150: give its "
        "diameter (004:c6, c9)")]


def _keys(family: str) -> dict[str, object]:
    return {p.key: p.default for p in params(family)}


def test_every_family_has_a_pcell_with_its_template_keys_as_defaults():
    assert FAMILIES == ("stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp")
    cant = {p.key: p for p in params("cantilever_wlcsp")}
    assert cant["cantilever.embodiment"].default == 2 and cant["cantilever.embodiment"].choices == (1, 2, 3, 4, 5, 6)
    assert cant["cantilever.pad_offset"].kind == "list" and cant["cantilever.pad_offset"].default == "-250, -250"
    assert cant["bump.pad.shape"].choices == ("square", "octagon", "circle")
    assert cant["cantilever.elastic_diameter"].default == 0.0      # not in the template: offered, 0 = not given
    assert (cant["bump.ubm_diameter"].unit, cant["cantilever.pad_offset"].unit, cant["solder.alloy"].unit,
            cant["cantilever.support_beams.count"].unit) == ("um", "um", "", "")
    stair = _keys("stair_bump")
    assert {p.key: p.unit for p in params("stair_bump")}["stair.dose"] == "mJ/cm2"
    assert stair["stair.resists.1.material"] == "AZ40XT" and stair["stair.resists.1.thickness"] == 30.0
    assert _keys("ball_drop")["ball_drop.polymer_opening"] == 330.0
    # the defaults give back the template itself
    for family in FAMILIES:
        tpl = yaml.safe_load((data_root() / "templates" / f"{family}.yaml").read_text())
        assert recipe_data(family, {}) == tpl


def test_pcell_drawing_is_the_build_bump_cell(tmp_path):
    """Without KLayout: the PCell's polygons for edited parameters against the built bump cell (klayout.db XOR)."""
    data = recipe_data("cantilever_wlcsp", EDITS["cantilever_wlcsp"])
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    res = build(tmp_path / "r.yaml", tmp_path, run_drc=False)
    shapes = bump_shapes("cantilever_wlcsp", EDITS["cantilever_wlcsp"])
    assert shapes.cell == res.manifest.as_json()["die"]["bump_cell"]
    ly = kdb.Layout()
    ly.read(str(res.files["gds"]))
    bump = ly.cell(shapes.cell)
    by_layer: dict[tuple[int, int], kdb.Region] = {}
    for lay, dt, pts in shapes.polygons:
        by_layer.setdefault((lay, dt), kdb.Region()).insert(
            kdb.Polygon([kdb.Point(round(x / ly.dbu), round(y / ly.dbu)) for x, y in pts]))
    assert shapes.layer_names[(14, 0)] == "RDL"
    assert len(by_layer) == 9
    for (lay, dt), mine in by_layer.items():
        theirs = kdb.Region(bump.begin_shapes_rec(ly.find_layer(lay, dt)))
        assert (mine ^ theirs).is_empty(), (lay, dt)
    # one beam instead of two: RDL holds the line, one beam and the land
    assert kdb.Region(bump.begin_shapes_rec(ly.find_layer(14, 0))).merged().count() == 1


@pytest.mark.parametrize("family,values,line", BAD, ids=[b[0] for b in BAD])
def test_a_bad_parameter_is_maskgens_one_line(family, values, line):
    with pytest.raises(InputError) as exc:
        bump_shapes(family, values)
    assert exc.value.line() == line


def test_unknown_parameter_and_unreadable_list_are_refused():
    with pytest.raises(InputError, match="cantilever.colour = 'red': unknown parameter; parameters: bump.pad.width"):
        recipe_data("cantilever_wlcsp", {"cantilever.colour": "red"})
    with pytest.raises(InputError, match=r"cantilever.pad_offset = \['a', 'b'\]: pad_offset takes \[x, y\]"):
        bump_shapes("cantilever_wlcsp", {"cantilever__pad_offset": "a, b"})


def test_install_writes_a_salt_package_and_uninstall_removes_it(tmp_path, cli):
    home = tmp_path / "home"
    code, out, err = cli("klayout", "install", "--klayout-home", home)
    assert code == 0, out + err
    pkg = home / "salt" / "maskgen"
    grain = ET.parse(pkg / "grain.xml").getroot()
    assert grain.tag == "salt-grain" and grain.findtext("name") == "maskgen"
    macro = ET.parse(pkg / "pymacros" / MACRO).getroot()
    assert macro.findtext("autorun") == "true" and macro.findtext("interpreter") == "python"
    text = macro.findtext("text")
    compile(text, MACRO, "exec")
    import sysconfig
    assert repr(str(Path(sysconfig.get_paths()["purelib"]).resolve())) in text and repr(sys.executable) in text
    assert install(home) == pkg                          # again: replaced in place
    code, out, err = cli("klayout", "uninstall", "--klayout-home", home)
    assert code == 0 and out.strip() == f"removed {pkg}"
    assert not pkg.exists() and uninstall(home) is None
    code, out, err = cli("klayout", "uninstall", "--klayout-home", home)
    assert code == 0 and out.strip() == f"not installed: {pkg}"
    (pkg / "x").mkdir(parents=True)                     # a folder of that name that is no package: left alone
    code, out, err = cli("klayout", "install", "--klayout-home", home)
    assert code == 2 and err.strip() == f"maskgen: error: {pkg}: exists and is not a Salt package; move it away first"


def _recipes() -> list[tuple[str, dict, Path]]:
    """(family, PCell parameters, recipe) for every PCell's defaults and edits, and embodiments 1-6 of 004."""
    cases = []
    for family in FAMILIES:
        cases.append((family, {}, data_root() / "templates" / f"{family}.yaml"))
        cases.append((family, EDITS[family], None))
    for n in range(1, 7):
        recipe = ROOT / "tests" / "data" / "recipes" / f"cantilever_e{n}.yaml"
        cant = yaml.safe_load(recipe.read_text())["cantilever"]
        values = {"cantilever__embodiment": n}
        if "elastic_diameter" in cant:
            values["cantilever__elastic_diameter"] = float(cant["elastic_diameter"])
        cases.append(("cantilever_wlcsp", values, recipe))
    return cases


@pytest.mark.skipif(KLAYOUT is None and os.environ.get("MASKGEN_REQUIRE_KLAYOUT") != "1",
                    reason="desktop KLayout (klayout -b) is not installed")
def test_pcells_in_klayout_draw_what_maskgen_build_draws(tmp_path):
    assert KLAYOUT, "MASKGEN_REQUIRE_KLAYOUT=1 but no klayout executable on PATH (apt-get install klayout)"
    jobs: dict = {"xor": [], "bad": [{"family": f, "params": v} for f, v, _ in BAD]}
    for i, (family, values, recipe) in enumerate(_recipes()):
        if recipe is None:
            recipe = tmp_path / f"edit_{family}.yaml"
            recipe.write_text(yaml.safe_dump(recipe_data(family, values), sort_keys=False))
        res = build(recipe, tmp_path / "out" / str(i), run_drc=False)
        jobs["xor"].append({"family": family, "params": values, "gds": str(res.files["gds"]),
                            "cell": res.manifest.as_json()["die"]["bump_cell"]})
    placed = tmp_path / "placed_cantilever.gds"
    # embodiment 2 (the template's) placed twice at 250 um, saved for the DRC run: pitch and space are too small
    jobs["xor"][-5].update(save=str(placed), pitch=250.0)
    jobs["check"] = {"python": sys.executable, "layout": str(placed), "process": "cantilever_wlcsp"}
    home = tmp_path / "home"
    pkg = install(home)
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "KLAYOUT_HOME": str(home), "MASKGEN_JOBS": str(tmp_path / "jobs.json"),
           "MASKGEN_RESULT": str(tmp_path / "result.json")}
    proc = subprocess.run([KLAYOUT, "-b", "-rm", str(pkg / "pymacros" / MACRO), "-r",
                           str(ROOT / "tests" / "klayout" / "pcell_check.py")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["library"] and result["pcells"] == sorted(FAMILIES)
    assert len(result["xor"]) == 16
    for job in result["xor"]:
        assert job["layers"], job
        for layer, (xor, mine, theirs, area) in job["layers"].items():
            assert xor == 0 and mine > 0 and theirs > 0 and area > 0, (job["family"], job["params"], layer)
    layers = {j["family"]: set(j["layers"]) for j in result["xor"] if not j["params"]}
    assert layers["ball_drop"] == {"1/0", "2/0", "3/0", "4/0", "5/0", "40/0"}
    assert {"12/0", "14/0", "15/0", "10/0"} <= layers["cantilever_wlcsp"]
    # a bad parameter: an empty cell, and maskgen's line as KLayout reports the PCell's error
    output = proc.stdout + proc.stderr
    for (family, _, line), bad in zip(BAD, result["bad"], strict=True):
        assert bad["shapes"] == 0 and f"ERROR: {line}" in output, (family, output[-2000:])
    # the menu entry's DRC on the placed PCell: the markers load into KLayout's marker database
    check = result["check"]
    assert check["code"] == 1 and check["items"] > 0, check
    failed = {k for k, n in check["categories"].items() if n}
    assert {"BUMP.PITCH", "BUMP.SPACE"} <= failed, check


def test_the_menu_entry_checks_with_the_build_manifest(tmp_path):
    """The check behind "maskgen: check layout", run as KLayout runs it (maskgen drc in a separate process): a
    build's manifest beside the layout gives the process and rule values; the layout alone is refused in one line."""
    from maskgen.klayout_pkg.plugin import drc_command, manifest_beside, run_check

    res = build(data_root() / "templates" / "default.yaml", tmp_path / "out", run_drc=False)
    assert manifest_beside(str(res.files["gds"])) == res.files["json"] and manifest_beside("") is None
    assert drc_command("py", Path("a.gds"), Path("a.lyrdb"), "ball_drop")[-2:] == ["--process", "ball_drop"]
    (tmp_path / "w1").mkdir()
    check = run_check(sys.executable, res.files["gds"], res.files["json"], tmp_path / "w1")
    assert check.code == 0 and "clean: 0 violations" in check.output
    import klayout.rdb as rdb
    markers = rdb.ReportDatabase("")   # the marker database KLayout opens: a category per rule, no marker
    markers.load(str(check.lyrdb))
    assert markers.num_items() == 0 and "'BUMP.SPACE'" in [c.path() for c in markers.each_category()]
    # a mask file (one CHROME layer) without a manifest: maskgen's refusal comes back for KLayout to show
    mask = tmp_path / "mask.gds"
    ly = kdb.Layout()
    ly.create_cell("M").shapes(ly.layer(1, 0)).insert(kdb.Box(0, 0, 1000, 1000))
    ly.write(str(mask))
    (tmp_path / "w2").mkdir()
    check = run_check(sys.executable, mask, None, tmp_path / "w2")
    assert check.code == 2 and check.error.startswith("maskgen: error: ") and len(check.error.splitlines()) == 1
