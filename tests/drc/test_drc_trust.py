"""A DRC a user can trust (issue 11): absence is a finding, a layout of no process is bad input, a marker a fault."""

from __future__ import annotations

import json
import math
from pathlib import Path

import gdstk
import klayout.db as kdb
import numpy as np
import pytest

from maskgen.build import build
from maskgen.drc import run_drc, write_reports
from maskgen.errors import InputError
from maskgen.layout.geometry import snap
from maskgen.outputs.masks import write_masks

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build a template once per module (no DRC): name -> BuildResult."""
    out = tmp_path_factory.mktemp("built")
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = build(TEMPLATES / f"{name}.yaml", out, run_drc=False)
        return cache[name]
    return get


def without(src: Path, dst: Path, pdk, *layers: str) -> Path:
    """A copy of a layout with the given canonical layers deleted (and no manifest beside it)."""
    ly = kdb.Layout()
    ly.read(str(src))
    for name in layers:
        li = ly.find_layer(*pdk.gds(name))
        if li is not None:
            ly.delete_layer(li)
    ly.write(str(dst))
    return dst


def test_cantilever_without_sacrificial_layer_fails(built, pdk, tmp_path):
    """The 004 template with SAC deleted, --process only: SAC.UNDER_BUMP fails (it said n/a, clean)."""
    gds = built("cantilever_wlcsp").files["gds"]
    nosac = without(gds, tmp_path / "nosac.gds", pdk, "SAC")
    result = run_drc(nosac, pdk, process="cantilever_wlcsp")
    assert not result.clean
    rule = result.rule("SAC.UNDER_BUMP")
    assert rule.status == "fail" and rule.count == 1
    [marker] = result.violations_of("SAC.UNDER_BUMP")
    assert "layer SAC (12/0" in marker.message and "step '12B sacrificial layer 140'" in marker.message
    assert run_drc(gds, pdk).clean  # the intact layout (with its manifest) is clean
    ly = kdb.Layout()
    ly.read(str(gds))
    die = kdb.Region(ly.top_cell().begin_shapes_rec(ly.find_layer(*pdk.gds("DIE")))).bbox().to_dtype(ly.dbu)
    assert marker.bbox == (die.left, die.bottom, die.right, die.top)  # the marker sits on the die boundary
    assert "released portion 102, embodiments 1-2, because etch windows 160 are drawn" in rule.reason
    assert result.rule("SUSP.RELEASE").status == "fail"
    assert result.rule("PROCESS.LAYERS").status == "fail"


@pytest.mark.parametrize("manifest", [False, True])
def test_two_step_ball_without_second_solder_mask_fails(built, pdk, tmp_path, manifest):
    """SM2 deleted: SM.NEST fails naming the layer and the laminate step (it said n/a, clean)."""
    res = built("two_step_ball")
    nosm2 = without(res.files["gds"], tmp_path / "nosm2.gds", pdk, "SM2")
    if manifest:
        nosm2.with_suffix(".json").write_text(json.dumps(res.manifest.as_json()), encoding="utf-8")
    result = run_drc(nosm2, pdk, process=None if manifest else "two_step_ball")
    assert result.process_source == ("manifest" if manifest else "--process")
    [marker] = result.violations_of("SM.NEST")
    assert "layer SM2 (32/0" in marker.message and "step 'second solder mask SM2'" in marker.message
    assert not result.clean


def test_wrong_process_is_bad_input(built, pdk, tmp_path):
    """A ball-drop wafer checked as cantilever_wlcsp draws no RDL or PROT: one line, not clean."""
    gds = built("wafer_300mm").files["gds"]
    copy = tmp_path / "ball_wafer.gds"
    copy.write_bytes(gds.read_bytes())
    with pytest.raises(InputError) as err:
        run_drc(copy, pdk, process="cantilever_wlcsp")
    line = err.value.line()
    assert "draws none of its layers RDL 14/0, PROT 15/0" in line and "the layers fit ball_drop" in line
    assert "\n" not in line


def test_mask_file_is_not_a_bump_layout(built, pdk, cli):
    """A mask (one CHROME layer on 1/0, which is PAD's number) is exit 2 with one line, with or without --process."""
    files = write_masks(built("ball_drop"))
    mask = next(f.path for f in files if f.path.name.endswith("_POLY.gds"))
    code, out, err = cli("drc", mask)
    assert code == 2 and "do not tell the process" in err and len(err.strip().splitlines()) == 1
    code, out, err = cli("drc", mask, "--process", "ball_drop")
    assert code == 2 and "draws none of its layers POLY 40/0" in err


def test_bump_with_windows_and_nothing_under_it(drawing, check, kit):
    """No manifest: etch windows 160 round a bump with no sacrificial layer 140 under it is a SAC.UNDER_BUMP fault."""
    kit.cantilever_site(drawing, 0, sac=None)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, process="cantilever_wlcsp")
    [found] = kit.fired(result, "SAC.UNDER_BUMP", -40, 40)
    assert found.message == "no sacrificial layer 140 under bump 120"
    assert "embodiments 1-2" in result.rule("SAC.UNDER_BUMP").reason
    assert any("embodiment inferred" in n for n in result.notes)


def test_bump_with_windows_and_sac_passes(drawing, check, kit):
    """The clean twin of the case above: the same sites, each with its sacrificial layer 140."""
    for x in (0, kit.TWIN):
        kit.cantilever_site(drawing, x)
    drawing.die()
    result = check(drawing, process="cantilever_wlcsp")
    assert result.clean, result.violations
    assert result.rule("SAC.UNDER_BUMP").status == "pass"


# ----------------------------------------------------------------------------- one marker per fault
UBM = 215.0
PITCH = 320.0   # the rule asks 70 + 1.3 x 215 = 349.5 um; the islands are 105 um apart


def _circle(pdk, layer: str, centre: tuple[float, float], diameter: float) -> gdstk.Polygon:
    """A 64-gon whose vertices lie on the circle of `diameter` (um), on a canonical layer."""
    number, datatype = pdk.gds(layer)
    angles = np.arange(64) * 2 * np.pi / 64
    points = np.column_stack([centre[0] + diameter / 2 * np.cos(angles), centre[1] + diameter / 2 * np.sin(angles)])
    return gdstk.Polygon(snap(points, pdk.grid), layer=number, datatype=datatype)


def _rect(pdk, layer: str, x1: float, y1: float, x2: float, y2: float) -> gdstk.Polygon:
    number, datatype = pdk.gds(layer)
    return gdstk.rectangle((x1, y1), (x2, y2), layer=number, datatype=datatype)


def _grid_die(pdk, path: Path, n: int = 12) -> Path:
    """A 12 x 12 ball-drop die of 215 um UBM islands (64-gons) at 320 um pitch: one bump cell, arrayed."""
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    bump = lib.new_cell("BUMP_SITE")
    bump.add(_rect(pdk, "PAD", -100, -100, 100, 100), _rect(pdk, "PASV", -60, -60, 60, 60),
             _circle(pdk, "UBM", (0, 0), UBM), _circle(pdk, "POLY", (0, 0), 250), _circle(pdk, "BUMP", (0, 0), 200))
    top = lib.new_cell("DIE")
    span = (n - 1) * PITCH
    top.add(gdstk.Reference(bump, (-span / 2, -span / 2), columns=n, rows=n, spacing=(PITCH, PITCH)))
    half = span / 2 + 400
    top.add(_rect(pdk, "DIE", -half, -half, half, half))
    lib.write_gds(str(path))
    return path


def test_too_small_pitch_is_one_marker_per_pair(pdk, tmp_path, cli):
    """144 islands 105 um apart: 264 neighbour pairs, one marker each, measured 105 um (was 91,344 edge pairs)."""
    path = _grid_die(pdk, tmp_path / "pitch.gds")
    result = run_drc(path, pdk)
    rule = result.rule("BUMP.PITCH")
    assert rule.count == rule.listed == 2 * 12 * 11
    gaps = set()
    for v in result.violations_of("BUMP.PITCH"):
        assert v.message.startswith("UBM islands at 320 um pitch, ")
        gaps.add(v.message.split(", ")[1])
        assert v.message.endswith("the rule asks a pitch of 70 um + 1.3 x 215 um UBM = 349.5 um (134.5 um apart)")
    # the 64-gon's vertices lie on the 215 um circle: the closest vertices are 105 um apart, up to the grid
    assert len(gaps) == 1 and abs(float(gaps.pop().split(" ")[0]) - 105.0) < 0.01
    assert result.total == 264 and not result.clean
    code, out, _ = cli("drc", path, "--json", tmp_path / "r.json")
    assert code == 1 and "violations: 264 in 1 rule(s)" in out
    assert json.loads((tmp_path / "r.json").read_text())["total"] == 264


def test_marker_cap_is_stated_with_the_true_total(pdk, tmp_path):
    """With a limit of 100 markers the reports list 100 and state the true 264."""
    path = _grid_die(pdk, tmp_path / "pitch.gds")
    result = run_drc(path, pdk, max_markers=100)
    rule = result.rule("BUMP.PITCH")
    assert (rule.count, rule.listed) == (264, 100)
    assert rule.reason == "first 100 of 264 markers listed (marker limit 100)"
    assert "violations: 264 in 1 rule(s); 100 markers listed (limit 100 per rule, hit by BUMP.PITCH)" \
        == result.verdict()
    write_reports(result, lyrdb=tmp_path / "r.lyrdb", json_path=tmp_path / "r.json", junit=tmp_path / "r.xml")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["total"] == 264 and data["listed"] == 100
    assert [(r["count"], r["listed"]) for r in data["rules"] if r["id"] == "BUMP.PITCH"] == [(264, 100)]
    assert "264 violations, first 100 listed (marker limit)" in (tmp_path / "r.lyrdb").read_text()
    assert "... and 254 more (100 listed in the marker database: marker limit)" in (tmp_path / "r.xml").read_text()


def test_round_land_short_enclosure_is_one_marker_per_ubm(pdk, tmp_path):
    """002:c13 fan-out site: a 64-gon RDL land enclosing its 64-gon UBM by 5 um (rule 10) is one marker, measured 5."""
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    top = lib.new_cell("TOP")
    for x, land in ((0.0, 210.0), (1000.0, 222.0)):  # the defect, and its clean twin (11 cos(pi/64) > 10 um)
        px = x - 300
        top.add(_rect(pdk, "PAD", px - 50, -50, px + 50, 50), _rect(pdk, "PASV", px - 30, -30, px + 30, 30),
                _rect(pdk, "INS1", px - 25, -25, px + 25, 25), _rect(pdk, "RDL", px - 40, -10, x, 10),
                _circle(pdk, "RDL", (x, 0), land), _circle(pdk, "UBM", (x, 0), 200),
                _circle(pdk, "SM1", (x, 0), 180), _circle(pdk, "SM2", (x, 0), 240), _circle(pdk, "BUMP", (x, 0), 170))
    top.add(_rect(pdk, "DIE", -500, -500, 1500, 500))
    lib.write_gds(str(tmp_path / "land.gds"))
    result = run_drc(tmp_path / "land.gds", pdk, process="two_step_ball")
    [found] = result.violations_of("RDL.ENCLOSES_UBM")
    assert found.bbox[0] >= -110 and found.bbox[2] <= 110  # at the defect, not at the twin
    measured = float(found.message.split("measured ")[1].split(" ")[0])
    assert abs(measured - 5 * math.cos(math.pi / 64)) < 0.01  # the 64-gons' edges: 5 cos(pi/64) apart, snapped
    assert [r.id for r in result.rules if r.status == "fail"] == ["RDL.ENCLOSES_UBM"], result.violations


# ----------------------------------------------------------------------------- every rule with its layer missing
RULE_TEMPLATE = {
    "PASV.IN_PAD": "ball_drop", "PASV.WIDTH": "ball_drop", "UBM.COVERS_PASV": "ball_drop", "UBM.ISLAND": "ball_drop",
    "STAIR.NEST": "stair_bump", "STAIR.SENSITIVITY": "stair_bump", "SM.NEST": "two_step_ball",
    "BALL.OPENING": "ball_drop", "SAC.UNDER_BUMP": "cantilever_wlcsp", "SUSP.RELEASE": "cantilever_wlcsp",
    "SUSP.ANCHOR": "cantilever_wlcsp", "SUSP.ARMS": "cantilever_wlcsp", "RDL.CONNECT": "cantilever_wlcsp",
    "RDL.WIDTH": "cantilever_wlcsp", "RDL.SPACE": "cantilever_wlcsp", "RDL.ENCLOSES_UBM": "cantilever_wlcsp",
    "BUMP.SPACE": "ball_drop", "BUMP.PITCH": "ball_drop", "DIE.EDGE": "ball_drop", "WAFER.EXCLUSION": "wafer_300mm",
}
"""A shipped template whose process uses each rule that reads layers."""


def _layer_cases():
    import yaml

    from maskgen.input.pdk import load_pdk
    pdk = load_pdk()
    for rule in pdk.deck.rules:
        if rule.id not in RULE_TEMPLATE:
            continue
        process = yaml.safe_load((TEMPLATES / f"{RULE_TEMPLATE[rule.id]}.yaml").read_text())["process"]
        for layer in rule.layers:
            if layer in pdk.process(process).layers() + ["DIE", "REFLOW", "WAFER"]:
                yield rule.id, layer


def test_every_rule_that_reads_layers_has_a_template():
    from maskgen.input.pdk import load_pdk
    assert {r.id for r in load_pdk().deck.rules if r.layers} == set(RULE_TEMPLATE)


@pytest.mark.parametrize(("rule_id", "layer"), sorted(set(_layer_cases())))
def test_rule_fails_when_its_layer_is_missing(rule_id, layer, built, pdk, tmp_path):
    """Delete one layer the rule reads from a clean build (manifest kept): the rule fails naming it, never n/a."""
    res = built(RULE_TEMPLATE[rule_id])
    gds = without(res.files["gds"], tmp_path / "cut.gds", pdk, layer)
    gds.with_suffix(".json").write_text(json.dumps(res.manifest.as_json()), encoding="utf-8")
    drawn = set(res.manifest.as_json()["features"]) | {s["mask"] for s in res.manifest.as_json()["steps"]} | \
        ({"WAFER"} if res.manifest.wafer is not None else set())
    if layer not in drawn:
        pytest.skip(f"{RULE_TEMPLATE[rule_id]} does not draw {layer}")
    try:
        result = run_drc(gds, pdk)
    except InputError as err:  # the layer is all that sets the process apart (POLY of ball drop): bad input
        assert f"draws none of its layers {layer} " in err.line()
        return
    rule = result.rule(rule_id)
    assert rule.status == "fail", rule
    assert any(v.message.startswith(f"layer {layer} (") and "is missing" in v.message
               for v in result.violations_of(rule_id))
