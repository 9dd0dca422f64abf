"""Issue 14: hostile and mistyped input is refused before the work, in the user's keys; the CLI's loose ends."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import gdstk
import klayout.db as kdb
import pytest
import yaml
from recipe_variants import setter as _set

from maskgen.build import prepare
from maskgen.errors import InputError
from maskgen.input.pdk import data_root, load_pdk

TEMPLATES = data_root() / "templates"


def _recipe(tmp_path: Path, template: str, edit, name: str = "mutant.yaml") -> Path:
    data = yaml.safe_load((TEMPLATES / f"{template}.yaml").read_text())
    edit(data)
    for csv in TEMPLATES.glob("*.csv"):
        shutil.copy(csv, tmp_path)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _one_line(cli, *args) -> str:
    code, out, err = cli(*args)
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# ----------------------------------------------------------------------------- size limits before the work
TIMED = """
import sys, time
from typer.testing import CliRunner
from maskgen.cli import app
import maskgen.build, maskgen.assembly.die, maskgen.outputs.manifest, maskgen.assembly.wafer  # imported, not timed
runner = CliRunner()
start = time.perf_counter()
res = runner.invoke(app, ["build", sys.argv[1], "--out", sys.argv[2], "--no-drc"])
print(f"{time.perf_counter() - start:.3f} {res.exit_code}")
print(res.stderr.strip())
"""


@pytest.mark.parametrize("count", [[10, 1_000_000_000_000], [10, 100_000]], ids=["1e12", "1e5"])
def test_huge_bump_count_is_refused_in_under_a_second(tmp_path, count):
    """The cantilever template with count [10, 10^12] hung for over 300 s; [10, 10^5] took 4.9 s and 297 MB.
    Now count x pitch is checked against the die by arithmetic: refused in well under a second (timed after
    the imports, PDK load included, in a subprocess with a timeout so that a hang fails the test instead of
    stalling it; the same subprocess timing gave 7.0 s for [10, 10^5] before)."""
    recipe = _recipe(tmp_path, "cantilever_wlcsp", _set("die.bump_map.count", count))
    out = tmp_path / "out"
    res = subprocess.run([sys.executable, "-c", TIMED, str(recipe), str(out)], capture_output=True, text=True,
                         timeout=60)
    first, line = res.stdout.splitlines()[:2]
    seconds, code = first.split()
    assert code == "2", res.stdout
    assert float(seconds) < 1.0, seconds
    assert "die.size = [5600, 5600]" in line and "die.bump_map.count" in line and "DIE.EDGE 90 um" in line
    assert f"{count[1]}" in line
    assert not out.exists() or not any(out.rglob("*"))


def test_site_count_is_checked_against_max_bumps_and_raised_by_max_sites(cli, tmp_path, read_gds):
    """A 12 x 12 grid is 144 sites: refused over max_bumps 100 with the figures; --max-sites 144 accepts it."""
    recipe = _recipe(tmp_path, "default", _set("die.bump_map.max_bumps", 100))
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out", "--no-drc")
    assert "die.bump_map.count = [12, 12]: 144 bumps, over the limit die.bump_map.max_bumps = 100" in line
    assert "--max-sites" in line
    code, _, err = cli("build", recipe, "--out", tmp_path / "out", "--no-drc", "--max-sites", "144")
    assert code == 0, err
    gds = read_gds(tmp_path / "out" / "default" / "default.gds")
    assert gds.region("BUMP").count() == 144


def test_ring_site_count_is_arithmetic(tmp_path):
    """rings: 10^9 on a 20 x 20 ring counts only the rings that exist (hand count: 76 + 60 + ... + 4 = 400)."""
    from maskgen.input.limits import regular_count
    from maskgen.input.recipe import RingMap
    ring = RingMap(kind="ring", pitch=200, count=(20, 20), rings=10**9)
    assert regular_count(ring) == sum(2 * (20 - 2 * k) + 2 * (20 - 2 * k) - 4 for k in range(10)) == 400
    assert regular_count(RingMap(kind="ring", pitch=200, count=(20, 12), rings=2)) == (2 * 20 + 2 * 12 - 4) + (
        2 * 18 + 2 * 10 - 4)


def test_wafer_dies_are_checked_against_max_dies(cli, tmp_path):
    """A 1 um die on 100 um scribe: pi x 147 mm^2 / (101 um)^2 = 6.6 million dies, over wafer.max_dies."""
    import math
    recipe = _recipe(tmp_path, "wafer_300mm", _set("die.size", [1, 1]))
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    expected = math.pi * 147_000**2 / 101**2
    assert "wafer.max_dies = 100000" in line and f"about {expected:,.0f} dies" in line
    assert "die.size [1, 1] + wafer.scribe 100" in line


def test_a_die_larger_than_the_wafer_is_refused(cli, tmp_path):
    recipe = _recipe(tmp_path, "wafer_300mm", _set("die.size", [250_000, 250_000]))
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "die.size = [250000, 250000]: no whole die fits on the wafer" in line and "147,000 um" in line


def test_routing_grid_nodes_are_checked_and_the_option_raises_the_limit(cli, tmp_path):
    """A 60 mm fan-out die at 10/10 um line/space, 45 degree: grid pitch (10 + 10) / 2 = 10 um,
    (60000 - 2 x 90) / 10 + 1 = 5,983 nodes a side, 35,796,289 in all, over the 4,000,000 default;
    --max-grid-cells raises die.routing.max_grid_cells."""
    recipe = _recipe(tmp_path, "fanout_csv", _set("die.size", [60_000, 60_000]))
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "die.routing.max_grid_cells = 4000000" in line and "35,796,289 nodes (5,983 x 5,983 at 10 um" in line
    design = prepare(recipe, max_grid_cells=200_000_000)   # derive only: the grid is not allocated
    assert design.recipe.die.routing.max_grid_cells == 200_000_000


def test_chip_pad_shapes_are_counted_through_the_hierarchy_before_reading(cli, tmp_path):
    """A chip of 1,000 x 1,000 arrayed pads (one shape in one cell) is refused from the cell counts, without
    flattening the million pads."""
    import time
    lib = gdstk.Library()
    pad = lib.new_cell("PAD")
    pad.add(gdstk.rectangle((-20, -20), (20, 20), layer=7))
    top = lib.new_cell("TOP")
    top.add(gdstk.Reference(pad, (-50_000, -50_000), columns=1000, rows=1000, spacing=(100, 100)))
    lib.write_gds(str(tmp_path / "chip.gds"))
    ly = kdb.Layout()
    ly.read(str(tmp_path / "chip.gds"))
    from maskgen.input.limits import flat_shape_count
    assert flat_shape_count(ly, ly.top_cell(), ly.find_layer(7, 0)) == 1_000_000
    recipe = _recipe(tmp_path, "default", _set("die.bump_map", {"kind": "gds", "file": "chip.gds", "layer": "7/0"}))
    start = time.perf_counter()
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert time.perf_counter() - start < 2.0
    assert "die.bump_map.max_pads = 100000" in line and "1,000,000 shapes" in line


def test_lengths_are_capped_at_a_300_mm_wafer(cli, tmp_path):
    recipe = _recipe(tmp_path, "default", _set("bump.pad.width", 1e12))
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "bump.pad.width = 1000000000000.0" in line and "less than or equal to 300000" in line


# ----------------------------------------------------------------------------- the user's keys and words
def test_misspelt_key_is_named_with_the_closest_allowed_one(cli, tmp_path):
    def edit(d):
        d["bump"]["ubm_diametre"] = d["bump"].pop("ubm_diameter")
    line = _one_line(cli, "build", _recipe(tmp_path, "default", edit), "--out", tmp_path / "out")
    assert line.endswith("mutant.yaml: bump.ubm_diametre: unknown key; did you mean ubm_diameter? "
                         "(allowed keys: pad, passivation_opening, ubm_diameter)")
    assert "None" not in line and "missing" not in line


def test_misspelt_map_kind_is_named(cli, tmp_path):
    def edit(d):
        d["die"]["bump_map"]["knid"] = d["die"]["bump_map"].pop("kind")
    line = _one_line(cli, "build", _recipe(tmp_path, "default", edit), "--out", tmp_path / "out")
    assert "die.bump_map.knid: unknown key; did you mean kind?" in line


def test_one_number_pitch_is_taken_for_both(cli, tmp_path, read_gds):
    code, _, err = cli("build", _recipe(tmp_path, "default", _set("die.bump_map.pitch", 400)), "--out",
                       tmp_path / "out", "--no-drc")
    assert code == 0, err
    gds = read_gds(tmp_path / "out" / "default" / "default.gds")
    centres = [p.bbox().center() for p in gds.region("BUMP").each_merged()]
    xs, ys = sorted({c.x for c in centres}), sorted({c.y for c in centres})
    assert len(centres) == 144 and len(xs) == len(ys) == 12
    assert {b - a for a, b in zip(xs, xs[1:], strict=False)} == {gds.um(400)}
    assert {b - a for a, b in zip(ys, ys[1:], strict=False)} == {gds.um(400)}


def test_pitch_of_the_wrong_shape_is_explained_in_the_users_words(cli, tmp_path):
    line = _one_line(cli, "build", _recipe(tmp_path, "default", _set("die.bump_map.pitch", "wide")), "--out",
                     tmp_path / "out")
    assert line.endswith("die.bump_map.pitch = 'wide': pitch takes [x, y] in um, or one number for both")
    assert "grid" not in line.split("mutant.yaml")[1] and "tuple" not in line
    line = _one_line(cli, "build", _recipe(tmp_path, "default", _set("die.bump_map.count", [1.5, 3])), "--out",
                     tmp_path / "out")
    assert "die.bump_map.count = [1.5, 3]: count takes [columns, rows], whole numbers" in line


def test_unknown_alloy_lists_the_alloys_only(cli, tmp_path, pdk):
    line = _one_line(cli, "build", _recipe(tmp_path, "default", _set("solder.alloy", "SAC999")), "--out",
                     tmp_path / "out")
    alloys = [n for n, m in pdk.materials.materials.items() if m.kind == "solder"]
    assert line.endswith(f"solder.alloy = 'SAC999': unknown solder alloy; alloys: {', '.join(alloys)}")
    assert "polyimide" not in line and "Cu" not in line.split("alloys:")[1]


def test_missing_csv_names_the_recipe_key_and_the_resolved_path(cli, tmp_path):
    recipe = _recipe(tmp_path, "fanout_csv", _set("die.pads.file", "pads/missing.csv"))
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert f"{recipe}: die.pads.file = 'pads/missing.csv': CSV file not found at " \
           f"{(tmp_path / 'pads' / 'missing.csv').resolve()}" in line


def test_binary_csv_is_one_line(cli, tmp_path):
    recipe = _recipe(tmp_path, "fanout_csv", lambda d: None)
    (tmp_path / "fanout_csv_bumps.csv").write_bytes(b"A1,1,2\n\xff\xfe\x00,3,4\n")
    line = _one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "fanout_csv_bumps.csv: ball map is not a UTF-8 text CSV file" in line


def test_output_folder_that_is_a_file_is_one_line(cli, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    line = _one_line(cli, "build", "--out", blocker / "x", "--no-drc")
    assert "out" in line and "Not a directory" in line


# ----------------------------------------------------------------------------- colours
def _contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def lum(h: str) -> float:
        c = [int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_lyp_colours_are_visible_on_white_and_black(built_default):
    """Every layer of the written .lyp reads on KLayout's white and black backgrounds (contrast >= 2.5 against
    both; white scores 1.0 on white); the reference frames are outline-only."""
    root = ET.parse(built_default.files["lyp"]).getroot()
    props = {p.findtext("name").split()[0]: p for p in root.iter("properties")}
    assert len(props) == len(load_pdk("default").layers)
    for name, p in props.items():
        for tag in ("frame-color", "fill-color"):
            colour = p.findtext(tag)
            assert _contrast(colour, "#ffffff") >= 2.5, (name, colour, "on white")
            assert _contrast(colour, "#000000") >= 2.5, (name, colour, "on black")
    for name in ("DIE", "REFLOW", "LABEL", "WAFER"):
        assert props[name].findtext("dither-pattern") == "I1", name   # hollow: frame only


@pytest.fixture(scope="module")
def built_default(tmp_path_factory):
    from maskgen.build import build
    return build(TEMPLATES / "default.yaml", tmp_path_factory.mktemp("hostile"), run_drc=False)


# ----------------------------------------------------------------------------- the CLI
def test_version(cli):
    from importlib.metadata import version
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith(f"maskgen {version('maskgen')} (klayout {kdb.__version__}")


def test_bare_maskgen_prints_help_and_exits_0():
    res = subprocess.run([sys.executable, "-m", "maskgen.cli"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Usage: ") and "build" in res.stdout and "--version" in res.stdout


@pytest.mark.parametrize("command", ["build", "drc", "masks", "render", "xsection", "view", "list", "deck"])
def test_help_has_no_type_placeholders_for_flags_nor_double_defaults(cli, command):
    code, out, _ = cli(command, "--help")
    assert code == 0
    assert "<bool>" not in out
    assert "(default: out/)" not in out
    assert out.count("[default: out]") == (1 if "--out" in out else 0)


def test_xsection_help_reads_in_whole_sentences(cli):
    _, out, _ = cli("xsection", "--help")
    flat = " ".join(out.split())
    assert "plate/print/drop, reflow, strip, etch, release) becomes a frame" in flat
    lines = out.splitlines()
    assert not any(line.strip().startswith("release)") for line in lines)
    assert "    maskgen xsection cantilever_wlcsp --exaggeration 2" in lines   # examples kept line by line


def test_top_level_help_and_list_do_not_cut_descriptions(cli):
    _, out, _ = cli("--help")
    flat = " ".join(out.split())
    assert "..." not in out.split("Commands:")[1]
    assert "Write the mask set: one file per mask in mask-shop polarity, with alignment marks, labels and a mask " \
           "list." in flat
    _, listing, _ = cli("list")
    line = next(x for x in listing.splitlines() if "rdl.pad_via_land" in x)
    assert line.rstrip().endswith("and the RDL land on it where the line starts.")


# ----------------------------------------------------------------------------- xsection cut
def test_cut_off_the_die_is_an_error_naming_the_die_extent(cli, tmp_path):
    out = tmp_path / "out"
    line = _one_line(cli, "xsection", "--cut", "4000,4000,4500,4000", "--out", out, "--format", "svg")
    assert "cut = '4000,4000,4500,4000': the cut crosses no bump; the die spans x -2600..2600 um, " \
           "y -2600..2600 um from its centre; the first bump is at (-2200, -2200) um" in line
    assert not out.exists() or not any(out.rglob("*"))
    line = _one_line(cli, "xsection", "--cut", "-1e12,0,1e12,0", "--out", out)
    assert "lies far off the die" in line and "-2600..2600" in line


# ----------------------------------------------------------------------------- one rule for the manifest
def test_drc_of_a_gzipped_layout_reads_the_manifest_beside_it(cli, built_default, tmp_path):
    """x.gds.gz -> x.json (the manifest gives the process), default report x.drc.lyrdb, by the one rule."""
    from maskgen.drc.context import beside, manifest_path_for
    gds = built_default.files["gds"]
    packed = tmp_path / "x.gds.gz"
    packed.write_bytes(gzip.compress(gds.read_bytes()))
    shutil.copy(built_default.files["json"], tmp_path / "x.json")
    assert manifest_path_for(packed) == tmp_path / "x.json" == beside(packed, ".json")
    assert beside(tmp_path / "x.oas", ".lyp") == tmp_path / "x.lyp"
    report = tmp_path / "r.json"
    code, out, err = cli("drc", packed, "--json", report)
    assert code == 0, err
    assert json.loads(report.read_text())["process"] == "ball_drop"
    assert (tmp_path / "x.drc.lyrdb").is_file() and not (tmp_path / "x.gds.drc.lyrdb").exists()


def test_prepare_raises_input_errors_not_value_errors(tmp_path):
    """The cantilever geometry that cannot be drawn is an InputError naming the cantilever key, found before
    any geometry is built."""
    recipe = _recipe(tmp_path, "cantilever_wlcsp", _set("cantilever.pad_offset", [0, 0]))
    with pytest.raises(InputError) as info:
        prepare(recipe)
    assert info.value.key == "cantilever.pad_offset"
