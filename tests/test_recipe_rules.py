"""A recipe's own rule values (`rules:`) and PDK folder (`pdk: ./house_pdk`), as a bumping house runs each
customer's rules (issue 19, item 1).

The design: four 80 um pads routed by 4 um RDL lines at 45 degrees to four balls on a 1200 um die. With
`rules: {RDL.WIDTH: 4, RDL.SPACE: 4}` the recipe check, `maskgen drc`, the KLayout deck `maskgen deck --recipe`
writes, the mask list and the manifest all take 4 um; the same layout checked against the PDK's 10 um has
one RDL.WIDTH marker per line.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import klayout.db as kdb
import klayout.rdb as rdb
import pytest
import yaml

from maskgen.build import build
from maskgen.drc import run_drc
from maskgen.drc.checks import Length, min_width_round
from maskgen.drc.lydrc import write_decks
from maskgen.input.pdk import data_root, load_pdk
from maskgen.input.rules import apply_rules
from maskgen.layout.geometry import circle_points
from maskgen.outputs.masks import cd_rule

PADS = "name,x,y,net\nP1,-75,{y1},N1\nP2,75,{y1},N2\nP3,-75,{y2},N3\nP4,75,{y2},N4\n"
BUMPS = "name,x,y,net\nA1,-200,-200,N1\nA2,200,-200,N2\nB1,-200,200,N3\nB2,200,200,N4\n"
LINES = 4
"""RDL lines of the design: one per pad."""


def recipe_data(rules: dict | None = None, **edits) -> dict:
    """The 4 um RDL design as recipe data, with the given `rules:` (none: the PDK's)."""
    data = {
        "name": "rdl4", "pdk": "default", "process": "ball_drop",
        "materials": {"pad": "Al", "adhesion": "Ti", "wetting": "Cu", "polymer": "WBR2100",
                      "insulator": "polyimide", "rdl": "Cu"},
        "die": {"size": [1200, 1200], "bump_map": {"kind": "csv", "file": "bumps.csv"},
                "pads": {"kind": "csv", "file": "pads.csv"},
                "routing": {"style": "45", "line_width": 4, "line_space": 4}},
        "bump": {"pad": {"width": 80, "shape": "square"}, "passivation_opening": 50, "ubm_diameter": 200},
        "solder": {"alloy": "SAC305", "ball_diameter": 250},
        "ball_drop": {"polymer_opening": 270},
    }
    if rules is not None:
        data["rules"] = rules
    for key, value in edits.items():
        node = data
        *parents, leaf = key.split("__")
        for k in parents:
            node = node[k]
        node[leaf] = value
    return data


def write_recipe(folder: Path, data: dict, pad_y: float = 450) -> Path:
    """The recipe and its pad and ball CSVs in folder; pads at +-pad_y um."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pads.csv").write_text(PADS.format(y1=-pad_y, y2=pad_y))
    (folder / "bumps.csv").write_text(BUMPS)
    path = folder / "rdl4.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


FOUR = {"RDL.WIDTH": 4, "RDL.SPACE": 4}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The 4 um design built with its own rules (DRC on): (recipe, build result)."""
    root = tmp_path_factory.mktemp("rules")
    recipe = write_recipe(root / "recipe", recipe_data(FOUR))
    return recipe, build(recipe, root / "out")


@pytest.fixture(scope="module")
def bare(built, tmp_path_factory) -> Path:
    """The same layout without its manifest beside it: checked against the PDK's own values."""
    folder = tmp_path_factory.mktemp("bare")
    return Path(shutil.copy(built[1].files["gds"], folder / "rdl4.gds"))


def rdl_lines(gds: Path, pdk) -> kdb.Region:
    """The RDL shapes of a layout, merged, flat (lines and lands)."""
    layout = kdb.Layout()
    layout.read(str(gds))
    li = layout.find_layer(*pdk.gds("RDL"))
    return kdb.Region(layout.top_cell().begin_shapes_rec(li)).merged()


def test_the_lines_are_4_um(built, pdk):
    _, result = built
    rdl = rdl_lines(result.files["gds"], pdk)
    dbu = 0.001
    assert rdl.count() == LINES                       # pad via, line and land merge into one shape per net
    assert rdl.width_check(round(3.9 / dbu)).is_empty()
    assert not rdl.width_check(round(4.1 / dbu)).is_empty()
    routing = result.manifest.routing
    assert routing is not None and routing.line_width == 4.0 and routing.routed == LINES


def test_manifest_records_each_value_and_its_source(built):
    _, result = built
    on_disk = json.loads(result.files["json"].read_text())
    rules = on_disk["rules"]
    assert rules["RDL.WIDTH"] == {"value": 4.0, "source": "recipe", "pdk_value": 10.0}
    assert rules["RDL.SPACE"] == {"value": 4.0, "source": "recipe", "pdk_value": 10.0}
    assert rules["DIE.EDGE"] == {"value": 90.0, "source": "pdk"}
    assert rules["PASV.WIDTH"] == {"value": 40.0, "source": "pdk"}
    assert "UBM.ISLAND" not in rules                  # a rule without a value has nothing to record
    assert on_disk["recipe"]["rules"] == FOUR and on_disk["pdk"] == "default" and "pdk_path" not in on_disk


def test_build_drc_takes_the_recipe_values(built):
    _, result = built
    rules = {r.id: r for r in result.drc.rules}
    assert result.drc.clean
    assert (rules["RDL.WIDTH"].value, rules["RDL.WIDTH"].status) == (4.0, "pass")
    assert (rules["RDL.SPACE"].value, rules["RDL.SPACE"].status) == (4.0, "pass")


def test_maskgen_drc_clean_with_the_manifest_dirty_without(cli, built, bare, tmp_path):
    _, result = built
    report = tmp_path / "with.json"
    code, out, _ = cli("drc", result.files["gds"], "--json", report)
    data = json.loads(report.read_text())
    by_id = {r["id"]: r for r in data["rules"]}
    assert code == 0 and data["clean"] is True, out
    assert by_id["RDL.WIDTH"]["value"] == 4.0 and by_id["RDL.WIDTH"]["status"] == "pass"
    assert by_id["RDL.WIDTH"]["source"] == "recipe" and by_id["DIE.EDGE"]["source"] == "pdk"
    db = rdb.ReportDatabase("")
    db.load(str(result.files["gds"].with_name("rdl4.drc.lyrdb")))
    texts = {c.name(): c.description for c in db.each_category()}
    assert texts["RDL.WIDTH"] == "RDL minimum width (value 4 um, the recipe's rules:)"
    assert texts["DIE.EDGE"] == "every pad centre lies at least the value inside the die edge (value 90 um)"

    report = tmp_path / "without.json"
    code, out, _ = cli("drc", bare, "--process", "ball_drop", "--json", report)
    data = json.loads(report.read_text())
    by_id = {r["id"]: r for r in data["rules"]}
    assert code == 1, out
    assert by_id["RDL.WIDTH"]["value"] == 10.0 and by_id["RDL.WIDTH"]["count"] == LINES
    assert by_id["RDL.WIDTH"]["source"] == "pdk"
    assert [r["id"] for r in data["rules"] if r["status"] == "fail"] == ["RDL.WIDTH"]
    lines = rdl_lines(bare, load_pdk())
    for v in data["violations"]:                      # every marker sits on a line
        x1, y1, x2, y2 = v["bbox"]
        box = kdb.Box(round(x1 * 1000), round(y1 * 1000), round(x2 * 1000), round(y2 * 1000))
        assert not (lines & kdb.Region(box)).is_empty(), v


def test_drc_of_a_layout_from_another_pdk_option_keeps_the_design_values(cli, built):
    code, out, _ = cli("drc", built[1].files["gds"], "--pdk", "default")
    assert code == 0 and "ok   RDL.WIDTH" in out


def test_mask_list_cd_against_the_design_rule(cli, built, tmp_path):
    recipe, _ = built
    code, out, err = cli("masks", recipe, "--out", tmp_path)
    assert code == 0, out + err
    rows = {m["mask"]: m for m in json.loads((tmp_path / "rdl4" / "masks" / "mask_list.json").read_text())["masks"]}
    rdl = rows["RDL"]
    # a 4 um line at 45 degrees, its edges on the 5 nm grid: 4.01 um across
    assert rdl["cd_kind"] == "line width" and rdl["critical_dimension"] == pytest.approx(4.0, abs=0.015)
    assert (rdl["cd_rule"], rdl["cd_rule_um"], rdl["cd_rule_source"], rdl["cd_below_rule"]) == \
        ("RDL.WIDTH", 4.0, "recipe", False)
    assert (rows["PASV"]["cd_rule"], rows["PASV"]["cd_rule_um"], rows["PASV"]["cd_rule_source"]) == \
        ("PASV.WIDTH", 40.0, "pdk")
    assert rows["UBM"]["cd_rule"] is None
    csv_row = next(line for line in (tmp_path / "rdl4" / "masks" / "mask_list.csv").read_text().splitlines()
                   if line.startswith("RDL,"))
    assert ",line width," in csv_row and ",RDL.WIDTH,4.000," in csv_row
    # the same CD against the PDK's own 10 um is below its rule
    assert cd_rule(load_pdk(), "RDL", rdl["critical_dimension"]) == \
        {"cd_rule": "RDL.WIDTH", "cd_rule_um": 10.0, "cd_rule_source": "pdk", "cd_below_rule": True}


def test_without_the_rules_the_4_um_line_is_refused(cli, tmp_path):
    recipe = write_recipe(tmp_path / "r", recipe_data())
    for command in ("build", "masks"):
        code, _, err = cli(command, recipe, "--out", tmp_path / "out")
        assert code == 2 and len(err.strip().splitlines()) == 1
        assert "die.routing.line_width = 4.0: must be at least 10 um (RDL.WIDTH)" in err
    assert not (tmp_path / "out").exists()


def test_pasv_width_30_lets_a_30_um_opening_through(cli, tmp_path):
    refused = write_recipe(tmp_path / "a", recipe_data(FOUR, bump__passivation_opening=30))
    code, _, err = cli("build", refused, "--out", tmp_path / "out")
    assert code == 2 and "bump.passivation_opening = 30.0: must be at least 40 um (PASV.WIDTH)" in err
    taken = write_recipe(tmp_path / "b", recipe_data({**FOUR, "PASV.WIDTH": 30}, bump__passivation_opening=30))
    code, out, err = cli("build", taken, "--out", tmp_path / "out")
    assert code == 0 and "DRC: clean" in out, out + err
    manifest = json.loads((tmp_path / "out" / "rdl4" / "rdl4.json").read_text())
    assert manifest["rules"]["PASV.WIDTH"] == {"value": 30.0, "source": "recipe", "pdk_value": 40.0}
    layout = kdb.Layout()
    layout.read(str(tmp_path / "out" / "rdl4" / "rdl4.gds"))
    pasv = kdb.Region(layout.top_cell().begin_shapes_rec(layout.find_layer(*load_pdk().gds("PASV")))).merged()
    assert pasv.count() == 4 and {round(p.bbox().width() * layout.dbu, 1) for p in pasv.each()} == {30.0}


def test_die_edge_80_takes_a_pad_85_um_from_the_edge(cli, tmp_path):
    refused = write_recipe(tmp_path / "a", recipe_data(FOUR), pad_y=515)
    code, _, err = cli("build", refused, "--out", tmp_path / "out")
    assert code == 2 and "closer than DIE.EDGE 90 um" in err
    taken = write_recipe(tmp_path / "b", recipe_data({**FOUR, "DIE.EDGE": 80}), pad_y=515)
    code, out, err = cli("build", taken, "--out", tmp_path / "out")
    assert code == 0 and "DRC: clean" in out, out + err
    code, out, _ = cli("drc", tmp_path / "out" / "rdl4" / "rdl4.gds")
    assert code == 0 and "ok   DIE.EDGE" in out


BAD = [
    ("unknown id", {"RDL.WIDHT": 4}, ["rules.RDL.WIDHT: unknown rule; did you mean RDL.WIDTH?"]),
    ("rule without a value", {"UBM.ISLAND": 3}, ["rules.UBM.ISLAND = 3: rule has no value"]),
    ("not a number", {"RDL.WIDTH": "wide"}, ["rules.RDL.WIDTH = 'wide': takes a number in um"]),
    ("true is no number", {"RDL.WIDTH": True}, ["rules.RDL.WIDTH = True: takes a number in um"]),
    ("no value", {"RDL.WIDTH": None}, ["rules.RDL.WIDTH: takes a number in um"]),
    ("negative", {"RDL.WIDTH": -4}, ["rules.RDL.WIDTH = -4: takes a finite number > 0 in um (PDK default: 10)"]),
    ("zero", {"DIE.EDGE": 0}, ["rules.DIE.EDGE = 0: takes a finite number > 0"]),
    ("infinite", {"RDL.SPACE": float("inf")}, ["rules.RDL.SPACE = inf: takes a finite number"]),
    ("not a mapping", [4, 4], ["rules = [4, 4]: takes a mapping"]),
]


@pytest.mark.parametrize("case,rules,needles", BAD, ids=[c[0] for c in BAD])
def test_bad_override_is_one_line_exit_2_nothing_written(cli, tmp_path, case, rules, needles):
    recipe = write_recipe(tmp_path / "r", recipe_data(rules))
    for args in (("build", recipe, "--out", tmp_path / "out"), ("deck", "--recipe", recipe, "--out", tmp_path / "out")):
        code, stdout, stderr = cli(*args)
        lines = stderr.strip().splitlines()
        assert code == 2 and len(lines) == 1 and "Traceback" not in stderr, (stdout, stderr)
        assert str(recipe) in lines[0]
        for needle in needles:
            assert needle in lines[0], (needle, lines[0])
    assert not (tmp_path / "out").exists()


def test_a_manifest_with_a_bad_rule_record_is_refused(cli, built, tmp_path):
    gds = Path(shutil.copy(built[1].files["gds"], tmp_path / "rdl4.gds"))
    manifest = json.loads(built[1].files["json"].read_text())
    manifest["rules"]["RDL.WIDTH"]["value"] = -1
    (tmp_path / "rdl4.json").write_text(json.dumps(manifest))
    code, _, err = cli("drc", gds)
    assert code == 2 and "rdl4.json: rules.RDL.WIDTH = -1: takes a finite number > 0" in err


# ----------------------------------------------------------------------------- pdk: ./house_pdk
def house_pdk(folder: Path, rdl_width: float) -> Path:
    """A copy of the default PDK whose rules.yaml asks RDL.WIDTH and RDL.SPACE of rdl_width um."""
    shutil.copytree(data_root() / "pdk" / "default", folder)
    rules = folder / "rules.yaml"
    text = rules.read_text()
    for rule in ("RDL.WIDTH", "RDL.SPACE"):
        head = f"  - id: {rule}\n    value: 10.0\n"
        assert head in text
        text = text.replace(head, f"  - id: {rule}\n    value: {rdl_width}\n")
    rules.write_text(text)
    return folder


def test_recipe_names_a_pdk_folder_beside_it(cli, tmp_path, monkeypatch):
    house_pdk(tmp_path / "design" / "house_pdk", 4.0)
    recipe = write_recipe(tmp_path / "design", recipe_data(None, pdk="./house_pdk"))
    monkeypatch.chdir(tmp_path)                       # the folder is found beside the recipe, not the cwd
    code, out, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 0 and "DRC: clean" in out, out + err
    manifest = json.loads((tmp_path / "out" / "rdl4" / "rdl4.json").read_text())
    assert manifest["pdk"] == "house_pdk"
    assert manifest["pdk_path"] == (tmp_path / "design" / "house_pdk").resolve().as_posix()
    assert manifest["rules"]["RDL.WIDTH"] == {"value": 4.0, "source": "pdk"}
    code, out, _ = cli("drc", tmp_path / "out" / "rdl4" / "rdl4.gds")  # finds the house PDK from the manifest
    assert code == 0 and "ok   RDL.WIDTH" in out
    code, out, _ = cli("deck", "--recipe", recipe, "--out", tmp_path / "decks")
    deck = (tmp_path / "decks" / "ball_drop.drc").read_text()
    assert code == 0 and "PDK house_pdk, process ball_drop" in deck and "L[\"RDL\"].width_check(um(4.0)" in deck
    shutil.rmtree(tmp_path / "design" / "house_pdk")  # the PDK moved away: the manifest's folder is gone
    code, _, err = cli("drc", tmp_path / "out" / "rdl4" / "rdl4.gds")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "rdl4.json: pdk_path = " in err and "not a PDK folder" in err


def test_recipe_rules_override_a_pdk_folder_too(cli, tmp_path):
    house_pdk(tmp_path / "house_pdk", 6.0)
    recipe = write_recipe(tmp_path, recipe_data(FOUR, pdk="./house_pdk"))
    code, out, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 0, out + err
    manifest = json.loads((tmp_path / "out" / "rdl4" / "rdl4.json").read_text())
    assert manifest["rules"]["RDL.WIDTH"] == {"value": 4.0, "source": "recipe", "pdk_value": 6.0}


@pytest.mark.parametrize("case,make,needles", [
    ("missing folder", lambda root: None, ["pdk = './house_pdk': PDK folder not found", "relative to the recipe"]),
    ("not a PDK", lambda root: (root / "house_pdk").mkdir(), ["pdk = './house_pdk': not a PDK folder",
                                                              "layers.yaml not found"]),
    ("no rules file", lambda root: (house_pdk(root / "house_pdk", 4.0) / "rules.yaml").unlink(),
     ["house_pdk/rules.yaml: file not found"]),
    ("no processes", lambda root: shutil.rmtree(house_pdk(root / "house_pdk", 4.0) / "processes"),
     ["house_pdk/processes: folder not found"]),
], ids=["missing folder", "not a PDK", "no rules file", "no processes"])
def test_bad_pdk_folder_is_one_line(cli, tmp_path, case, make, needles):
    make(tmp_path)
    recipe = write_recipe(tmp_path, recipe_data(FOUR, pdk="./house_pdk"))
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- the KLayout deck
KLAYOUT = shutil.which("klayout")
needs_klayout = pytest.mark.skipif(KLAYOUT is None and os.environ.get("MASKGEN_REQUIRE_KLAYOUT") != "1",
                                   reason="desktop KLayout (klayout -b) is not installed")


def deck_markers(deck: Path, layout: Path, report: Path) -> dict[str, list[kdb.DBox]]:
    """Run a deck in KLayout batch mode: rule id -> marker boxes (um)."""
    assert KLAYOUT is not None, "MASKGEN_REQUIRE_KLAYOUT=1 but no klayout executable on PATH"
    proc = subprocess.run([KLAYOUT, "-b", "-r", str(deck), "-rd", f"input={layout}", "-rd", f"report={report}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    db = rdb.ReportDatabase("")
    db.load(str(report))
    found: dict[str, list[kdb.DBox]] = {}
    for item in db.each_item():
        name = db.category_by_id(item.category_id()).name()
        for value in item.each_value():
            box = value.edge_pair().bbox() if value.is_edge_pair() else value.polygon().bbox()
            found.setdefault(name, []).append(box)
    return found


@needs_klayout
def test_deck_of_the_recipe_is_clean_the_pdk_deck_is_not(cli, built, bare, tmp_path, pdk):
    recipe, _ = built
    code, _, err = cli("deck", "--recipe", recipe, "--out", tmp_path / "mine")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["ball_drop.drc", "ball_drop.lydrc"]
    text = (tmp_path / "mine" / "ball_drop.drc").read_text()
    assert 'L["RDL"].width_check(um(4.0)' in text and 'L["RDL"].space_check(um(4.0))' in text
    assert "RDL.WIDTH                4" in text and "(recipe; PDK 10)" in text
    assert deck_markers(tmp_path / "mine" / "ball_drop.drc", bare, tmp_path / "mine.lyrdb") == {}

    code, _, err = cli("deck", "--process", "ball_drop", "--out", tmp_path / "pdk")
    assert code == 0, err
    found = deck_markers(tmp_path / "pdk" / "ball_drop.drc", bare, tmp_path / "pdk.lyrdb")
    assert list(found) == ["RDL.WIDTH"]
    lines = rdl_lines(bare, pdk)
    dbu = 0.001
    hit = set()
    for box in found["RDL.WIDTH"]:                    # raw edge pairs, every one across a line of 4 um
        ibox = kdb.Box(round(box.left / dbu), round(box.bottom / dbu), round(box.right / dbu), round(box.top / dbu))
        near = kdb.Region(ibox.enlarged(1))
        touched = [i for i, p in enumerate(lines.each()) if not (kdb.Region(p) & near).is_empty()]
        assert len(touched) == 1
        hit.add(touched[0])
    assert len(hit) == LINES                          # every line is flagged


# ----------------------------------------------------------------------------- round openings by diameter
def _opening(diameter: float, round_: bool) -> kdb.Region:
    """A passivation opening as the pad cell draws it (a polygon inscribed in its circle), or a square."""
    if not round_:
        half = round(diameter / 2 * 1000)
        return kdb.Region(kdb.Box(-half, -half, half, half))
    points = circle_points(diameter, 0.05)
    return kdb.Region(kdb.Polygon([kdb.Point(round(x * 1000), round(y * 1000)) for x, y in points]))


@pytest.mark.parametrize("diameter,round_,flagged", [
    (30.0, True, False), (29.99, True, True), (30.0, False, False), (29.99, False, True)])
def test_pasv_width_takes_a_round_opening_by_its_diameter(diameter, round_, flagged):
    region = _opening(diameter, round_)
    if round_:                                        # the drawn polygon is narrower than its circle
        assert not region.width_check(30000 - 30, False, kdb.Metrics.Projection).is_empty()
    found = min_width_round(region, Length(30000, 30.0), "passivation opening")
    assert bool(found) is flagged


@needs_klayout
def test_both_engines_take_a_30_um_round_opening_as_30(tmp_path):
    recipe = write_recipe(tmp_path / "r", recipe_data({**FOUR, "PASV.WIDTH": 30}, bump__passivation_opening=30))
    result = build(recipe, tmp_path / "out")
    assert result.drc.clean
    gds = Path(shutil.copy(result.files["gds"], tmp_path / "rdl4.gds"))   # no manifest: the pdk given rules
    for value, count in ((30.0, 0), (30.02, 4)):
        pdk = apply_rules(load_pdk(), {**FOUR, "PASV.WIDTH": value}, "test")
        mine = {r.id: r for r in run_drc(gds, pdk, process="ball_drop").rules}
        assert mine["PASV.WIDTH"].count == count and mine["PASV.WIDTH"].value == value
        deck = write_decks(pdk, tmp_path / f"deck{value}", "ball_drop")[0]
        found = deck_markers(deck, gds, tmp_path / f"deck{value}.lyrdb")
        assert list(found) == (["PASV.WIDTH"] if count else [])
        # the deck's markers (raw edge pairs of facing chords, deep: in the pad cell, whose opening is centred on
        # its origin) go across the opening: centred on it, inside its 30 um box, more than 29.9 um apart
        for box in found.get("PASV.WIDTH", []):
            assert box.center().distance(kdb.DPoint(0, 0)) < 0.01 and max(box.width(), box.height()) <= 30.01
            assert math.hypot(box.width(), box.height()) > 29.9
