"""The generated KLayout deck, run by KLayout itself in batch mode, agrees with `maskgen drc` (issue 11).

Needs the desktop KLayout (`klayout -b` runs the Ruby DSL; the PyPI module cannot): `.ci/run`
installs Debian's package and sets MASKGEN_REQUIRE_KLAYOUT=1, so in CI these tests never skip.
Each case is checked as drawn, with the whole drawing in a sub-cell placed rotated by 90 degrees and
mirrored, and as a 1 x 2 array of that sub-cell: both tools must fail the same rules at the same places.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import gdstk
import klayout.db as kdb
import klayout.rdb as rdb
import pytest

from maskgen.build import build
from maskgen.drc import run_drc
from maskgen.drc.lydrc import TEMPLATES as DECK_RULES
from maskgen.drc.lydrc import write_decks
from maskgen.input.checktable import CHECKS

KLAYOUT = shutil.which("klayout")
if KLAYOUT is None and os.environ.get("MASKGEN_REQUIRE_KLAYOUT") == "1":
    raise RuntimeError("MASKGEN_REQUIRE_KLAYOUT=1 but no klayout executable on PATH (apt-get install klayout)")
pytestmark = pytest.mark.skipif(KLAYOUT is None, reason="desktop KLayout (klayout -b) is not installed")

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 150.0
"""um: a deck marker (a raw edge pair) lies this close to maskgen's one marker of the same fault (the fault's
closest pair); defect and twin sites are 1000 um apart, so a marker at the wrong site is never near."""


@pytest.fixture(scope="module")
def decks(tmp_path_factory, pdk) -> Path:
    """Every process's deck, written by `maskgen deck` once."""
    out = tmp_path_factory.mktemp("decks")
    write_decks(pdk, out)
    return out


def run_deck(deck: Path, layout_file: Path) -> dict[str, list[kdb.DBox]]:
    """Run a deck in KLayout batch mode: rule id -> marker boxes (um) in the top cell."""
    report = layout_file.with_suffix(".deck.lyrdb")
    proc = subprocess.run([KLAYOUT, "-b", "-r", str(deck), "-rd", f"input={layout_file}", "-rd", f"report={report}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = rdb.ReportDatabase("")
    db.load(str(report))
    layout = kdb.Layout()
    layout.read(str(layout_file))
    found: dict[str, list[kdb.DBox]] = {}
    for item in db.each_item():
        name = db.category_by_id(item.category_id()).name()
        placements = _to_top(db, item.cell_id(), layout)
        for value in item.each_value():
            if value.is_polygon():
                box = value.polygon().bbox()
            elif value.is_edge_pair():
                box = value.edge_pair().bbox()
            elif value.is_box():
                box = value.box()
            elif value.is_edge():
                box = value.edge().bbox()
            else:
                continue
            found.setdefault(name, []).extend(box.transformed(t) for t in placements)
    return found


def _to_top(db: rdb.ReportDatabase, cell_id: int, layout: kdb.Layout) -> list[kdb.DCplxTrans]:
    """Every placement of a marker database cell in the top cell (deep-mode markers sit in sub-cells, and the
    database records one example context; the layout has them all, array members included)."""
    name = db.cell_by_id(cell_id).name()
    top = layout.top_cell()
    if name == top.name:
        return [kdb.DCplxTrans()]
    target = layout.cell(name).cell_index()
    it = top.begin_instances_rec()
    it.targets = [target]
    found = []
    while not it.at_end():
        if it.inst_cell().cell_index() == target:
            found.append(it.dtrans() * it.inst_dtrans())
        it.next()
    return found


def agree(result, deck_markers: dict[str, list[kdb.DBox]]) -> None:
    """Both tools fail the same deck rules, and each marker of one lies at a marker of the other."""
    ours = {}
    for v in result.violations:
        if v.rule in DECK_RULES:
            ours.setdefault(v.rule, []).append(kdb.DBox(*v.bbox))
    assert sorted(ours) == sorted(deck_markers), (sorted(ours), sorted(deck_markers))

    def near(box: kdb.DBox, others: list[kdb.DBox]) -> bool:
        grown = box.enlarged(TOLERANCE, TOLERANCE)
        return any(grown.overlaps(o) or grown.touches(o) for o in others)
    for rule, boxes in ours.items():
        theirs = deck_markers[rule]
        assert all(near(b, theirs) for b in boxes), (rule, "maskgen marker with no deck marker", boxes, theirs)
        assert all(near(b, boxes) for b in theirs), (rule, "deck marker with no maskgen marker", theirs, boxes)


# ----------------------------------------------------------------------------- every template
TEMPLATE_NAMES = sorted(p.stem for p in (ROOT / "templates").glob("*.yaml"))


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_clean_in_both(name, decks, tmp_path, pdk):
    res = build(ROOT / "templates" / f"{name}.yaml", tmp_path)
    assert res.drc.clean
    deck = decks / f"{res.design.process.name}.drc"
    assert run_deck(deck, res.files["gds"]) == {}


def test_missing_layer_found_by_both(decks, tmp_path, pdk):
    """The cantilever template without its sacrificial layer 140, checked without its manifest."""
    res = build(ROOT / "templates" / "cantilever_wlcsp.yaml", tmp_path, run_drc=False)
    ly = kdb.Layout()
    ly.read(str(res.files["gds"]))
    ly.delete_layer(ly.find_layer(*pdk.gds("SAC")))
    nosac = tmp_path / "nosac.gds"
    ly.write(str(nosac))
    result = run_drc(nosac, pdk, process="cantilever_wlcsp")
    deck = run_deck(decks / "cantilever_wlcsp.drc", nosac)
    assert {"SAC.UNDER_BUMP", "SUSP.RELEASE", "PROCESS.LAYERS"} <= set(deck)
    agree(result, deck)


# ----------------------------------------------------------------------------- seeded defects
def _stairs(kit, d, x, **kw):
    kit.stair_site(d, x, **kw)


CASES = {
    # rule: (process, defect drawer(kit, d, x), clean twin drawer) -- just failing against just passing
    "PASV.IN_PAD": ("stair_bump", lambda k, d, x: k.stair_site(d, x, pasv_shift=12.505),
                    lambda k, d, x: k.stair_site(d, x, pasv_shift=12.5)),
    "PASV.WIDTH": ("stair_bump", lambda k, d, x: k.stair_site(d, x, pasv=39.99),
                   lambda k, d, x: k.stair_site(d, x, pasv=40)),
    "UBM.COVERS_PASV": ("stair_bump", lambda k, d, x: k.stair_site(d, x, ubm=79.99),
                        lambda k, d, x: k.stair_site(d, x, ubm=80)),
    "STAIR.NEST": ("stair_bump", lambda k, d, x: k.stair_site(d, x, prs=(70, 73.99, 90)),
                   lambda k, d, x: k.stair_site(d, x, prs=(70, 74, 90))),
    "SM.NEST": ("two_step_ball", lambda k, d, x: k.sm_site(d, x, openings=(80, 89.99, 104)),
                lambda k, d, x: k.sm_site(d, x, openings=(80, 90, 104))),
    "BALL.OPENING": ("ball_drop", lambda k, d, x: k.ball_site(d, x, opening=89.99),
                     lambda k, d, x: k.ball_site(d, x, opening=90)),
    "SAC.UNDER_BUMP": ("cantilever_wlcsp", lambda k, d, x: k.cantilever_site(d, x, sac=None),
                       lambda k, d, x: k.cantilever_site(d, x)),
    "SUSP.RELEASE": ("cantilever_wlcsp", lambda k, d, x: k.cantilever_site(d, x, windows=("top",)),
                     lambda k, d, x: k.cantilever_site(d, x)),
    "SUSP.ANCHOR": ("cantilever_wlcsp", lambda k, d, x: k.cantilever_site(d, x, ring=True),
                    lambda k, d, x: k.cantilever_site(d, x)),
    "RDL.WIDTH": ("cantilever_wlcsp", lambda k, d, x: k.cantilever_site(d, x, line_width=9.99),
                  lambda k, d, x: k.cantilever_site(d, x, line_width=10)),
    "RDL.SPACE": ("cantilever_wlcsp", lambda k, d, x: k.cantilever_site(d, x, stray_rdl=True),
                  lambda k, d, x: k.cantilever_site(d, x)),
    "RDL.ENCLOSES_UBM": ("cantilever_wlcsp", lambda k, d, x: k.cantilever_site(d, x, ubm=100.01),
                         lambda k, d, x: k.cantilever_site(d, x, ubm=100)),
    "BUMP.SPACE": ("stair_bump", lambda k, d, x: (k.stair_site(d, x, reflow=220), k.stair_site(d, x + 250, reflow=220)),
                   lambda k, d, x: (k.stair_site(d, x), k.stair_site(d, x + 250))),
    "BUMP.PITCH": ("stair_bump", lambda k, d, x: (k.stair_site(d, x), k.stair_site(d, x + 225.99)),
                   lambda k, d, x: (k.stair_site(d, x), k.stair_site(d, x + 226))),
    "DIE.EDGE": ("stair_bump", lambda k, d, x: k.stair_site(d, x - 410.005),
                 lambda k, d, x: k.stair_site(d, x)),
    "UBM.ISLAND": ("stair_bump", lambda k, d, x: (k.stair_site(d, x), d.square("UBM", x, 300, 50)),
                   lambda k, d, x: k.stair_site(d, x)),
}
ELSEWHERE = {"PROCESS.LAYERS": "test_missing_layer_found_by_both", "GRID": "test_grid_off_by_one_nanometre",
             "WAFER.EXCLUSION": "test_die_across_the_flat_exclusion_in_both"}
"""Rules of the table compared by a test of their own, not by a seeded defect of CASES."""


def test_every_rule_of_the_table_is_compared():
    """The deck and maskgen are compared on every rule of the table of checks, each rule by one test."""
    assert set(CASES) | set(ELSEWHERE) == set(CHECKS)
    assert not set(CASES) & set(ELSEWHERE)
    assert all(name in globals() for name in ELSEWHERE.values())


def _placed(kit, pdk, case: str, variant: str, path: Path) -> Path:
    """The defect at x = 0 and its twin at x = TWIN, drawn as is, in a rotated-mirrored sub-cell, or arrayed."""
    process, defect, twin = CASES[case]
    d = kit.Drawing(pdk)
    cell = d.top if variant == "drawn" else d.cell("SITES")
    sub = kit.Drawing(pdk)
    sub.lib, sub.top = d.lib, cell
    defect(kit, sub, 0.0)
    twin(kit, sub, kit.TWIN)
    sub.die(-500, -500, kit.TWIN + 750, 500)
    if variant == "rotated":
        d.top.add(gdstk.Reference(cell, (0, 0), rotation=1.5707963267948966, x_reflection=True))
    elif variant == "arrayed":
        d.top.add(gdstk.Reference(cell, (0, 0), columns=1, rows=2, spacing=(0, 1500)))
    return d.write(path)


@pytest.mark.parametrize("variant", ["drawn", "rotated", "arrayed"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_seeded_defect_same_verdict(case, variant, decks, kit, pdk, tmp_path):
    process = CASES[case][0]
    path = _placed(kit, pdk, case, variant, tmp_path / f"{case}_{variant}.gds")
    result = run_drc(path, pdk, process=process)
    assert result.rule(case).status == "fail", (case, result.rule(case))
    deck = run_deck(decks / f"{process}.drc", path)
    assert case in deck
    agree(result, deck)


def test_grid_off_by_one_nanometre(decks, kit, pdk, tmp_path):
    """A LABEL rectangle 1 nm off the 5 nm grid: GRID in both, at the rectangle."""
    d = kit.Drawing(pdk)
    kit.stair_site(d, 0)
    kit.stair_site(d, kit.TWIN)
    d.die()
    number, datatype = pdk.gds("LABEL")
    d.top.add(gdstk.rectangle((0.001, 200), (20.001, 220), layer=number, datatype=datatype))
    path = d.write(tmp_path / "grid.gds")
    result = run_drc(path, pdk, process="stair_bump")
    deck = run_deck(decks / "stair_bump.drc", path)
    assert set(deck) == {"GRID"}
    agree(result, deck)


def test_lydrc_macro_gives_the_same_markers(decks, kit, tmp_path, pdk):
    """The .lydrc (KLayout's macro form, for its DRC menu) runs in batch mode with the .drc's results."""
    sites = _placed(kit, pdk, "RDL.WIDTH", "drawn", tmp_path / "sites.gds")
    macro = run_deck(decks / "cantilever_wlcsp.lydrc", sites)
    assert "RDL.WIDTH" in macro
    assert macro == run_deck(decks / "cantilever_wlcsp.drc", sites)


def test_die_across_the_flat_exclusion_in_both(decks, tmp_path, pdk):
    """WAFER.EXCLUSION: a 200 mm flat wafer with one die below the flat's 3 mm exclusion."""
    from test_drc_wafer import _wafer_with_dies

    from maskgen.input.recipe import Wafer

    wafer = Wafer(diameter=200, edge_exclusion=3, orientation="flat")
    path = _wafer_with_dies(pdk, tmp_path / "flat.gds", wafer, [(0, 0), (0, -90_900), (10_100, -80_800)])
    result = run_drc(path, pdk, process="ball_drop")
    deck = run_deck(decks / "ball_drop.drc", path)
    assert "WAFER.EXCLUSION" in deck
    ours = {k: v for k, v in deck.items() if k == "WAFER.EXCLUSION"}
    theirs = [kdb.DBox(*v.bbox) for v in result.violations_of("WAFER.EXCLUSION")]
    assert ours["WAFER.EXCLUSION"] == theirs == [kdb.DBox(-5000, -95_900, 5000, -85_900)]


# ----------------------------------------------------------------------------- issue 21: the two used to disagree
def test_sm_nest_strictly_larger_in_both_without_max_offset(kit, tmp_path):
    """SM.NEST with a zero step and no params.max_offset: an SM2 opening equal to SM1 is not strictly larger
    (002:c1). maskgen always asked 1 dbu more; the deck did only when max_offset was set."""
    import shutil

    import yaml

    from maskgen.input.pdk import data_root, load_pdk

    mine = tmp_path / "zero_step"
    shutil.copytree(data_root() / "pdk" / "default", mine)
    rules = yaml.safe_load((mine / "rules.yaml").read_text())
    (sm,) = [r for r in rules["rules"] if r["id"] == "SM.NEST"]
    sm["value"] = 0.0
    sm.pop("params")
    (mine / "rules.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    zero = load_pdk(str(mine))
    d = kit.Drawing(zero)
    kit.sm_site(d, 0, openings=(80, 80, 104))        # SM2 = SM1: not strictly larger
    kit.sm_site(d, kit.TWIN, openings=(80, 80.01, 104))
    d.die()
    path = d.write(tmp_path / "equal.gds")
    result = run_drc(path, zero, process="two_step_ball")
    assert result.rule("SM.NEST").status == "fail"
    out = tmp_path / "decks"
    write_decks(zero, out, "two_step_ball")
    deck = run_deck(out / "two_step_ball.drc", path)
    assert "SM.NEST" in deck
    agree(result, deck)


def test_partial_dies_included_on_purpose_in_both(decks, tmp_path, pdk):
    """WAFER.EXCLUSION with the build manifest's wafer.partial_dies: include: a die across the flat is placed on
    purpose. maskgen drc read that from the manifest beside the layout; the deck flagged the die."""
    import json

    from manifests import full_manifest, wafer_block
    from test_drc_wafer import _wafer_with_dies

    from maskgen.input.recipe import Wafer

    wafer = Wafer(diameter=200, edge_exclusion=3, orientation="flat", partial_dies="include")
    path = _wafer_with_dies(pdk, tmp_path / "partial.gds", wafer, [(0, 0), (0, -90_900)])
    path.with_suffix(".json").write_text(json.dumps(full_manifest({"process": "ball_drop", "pdk": "default",
                                                                   "features": [], "wafer": wafer_block("include")})))
    result = run_drc(path, pdk)
    assert result.rule("WAFER.EXCLUSION").status == "n/a"
    assert "WAFER.EXCLUSION" not in run_deck(decks / "ball_drop.drc", path)
    # the same layout without its manifest: both flag the die across the flat
    path.with_suffix(".json").unlink()
    result = run_drc(path, pdk, process="ball_drop")
    deck = run_deck(decks / "ball_drop.drc", path)
    assert result.rule("WAFER.EXCLUSION").status == "fail" and "WAFER.EXCLUSION" in deck
    agree(result, deck)


def test_the_deck_refuses_a_manifest_wafer_without_partial_dies(decks, tmp_path, pdk):
    """A renamed wafer.partial_dies in the manifest beside the layout stops the deck with the file and key (it used
    to read as 'exclude' and flag the partial die the build placed on purpose), as maskgen drc refuses it."""
    import json

    from manifests import full_manifest, wafer_block
    from test_drc_wafer import _wafer_with_dies

    from maskgen.input.recipe import Wafer

    wafer = Wafer(diameter=200, edge_exclusion=3, orientation="flat", partial_dies="include")
    path = _wafer_with_dies(pdk, tmp_path / "renamed.gds", wafer, [(0, 0), (0, -90_900)])
    block = wafer_block("include")
    block["partial_die"] = block.pop("partial_dies")
    path.with_suffix(".json").write_text(json.dumps(full_manifest({"process": "ball_drop", "pdk": "default",
                                                                   "features": [], "wafer": block})))
    report = tmp_path / "renamed.deck.lyrdb"
    proc = subprocess.run([KLAYOUT, "-b", "-r", str(decks / "ball_drop.drc"), "-rd", f"input={path}", "-rd",
                           f"report={report}"], capture_output=True, text=True, timeout=300)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "renamed.json: wafer.partial_dies = nil" in said, said


# ----------------------------------------------------------------------------- issue 21: embodiments as data
EMBODIMENT_RECIPES = sorted((ROOT / "tests" / "data" / "recipes").glob("cantilever_e*.yaml"))


@pytest.mark.parametrize("recipe", EMBODIMENT_RECIPES, ids=[r.stem for r in EMBODIMENT_RECIPES])
def test_each_embodiment_drawn_and_inferred_from_one_table(recipe, decks, tmp_path, pdk):
    """The cell draws an embodiment's features from `embodiments:` in processes/cantilever_wlcsp.yaml, and
    maskgen drc (without the manifest) and the deck infer the same features back from the drawing."""
    import json

    res = build(recipe, tmp_path)
    assert res.drc.clean
    manifest = json.loads(res.files["json"].read_text())
    number = manifest["recipe"]["cantilever"]["embodiment"]
    table = pdk.processes["cantilever_wlcsp"].embodiment(number)
    assert set(manifest["features"]) & table == table
    res.files["json"].unlink()
    alone = run_drc(res.files["gds"], pdk, process="cantilever_wlcsp")
    assert alone.clean
    (note,) = [n for n in alone.notes if n.startswith("embodiment inferred from the drawing")]
    released = sorted(pdk.processes["cantilever_wlcsp"].with_feature("release"))
    said = f"embodiments {released[0]}-{released[-1]}," if number in released else f": {number},"
    assert said in note, note
    assert run_deck(decks / "cantilever_wlcsp.drc", res.files["gds"]) == {}
