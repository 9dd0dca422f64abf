"""Issue 25, hostile files: every case a fuzzing harness got through on main is refused as one line naming the
file, key or line and what is allowed (exit 2), quickly, writing nothing outside --out and nothing half-written."""

from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path

import gdstk
import klayout.db as kdb
import pytest
import yaml
from hostile_layouts import deep_gds, gds_with_array, recursive_gds
from recipe_variants import setter as put
from test_defmap import LEF, write_def

from maskgen.errors import InputError
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def mutant(tmp_path: Path, template: str, edit, text: str | None = None, name: str = "mutant.yaml") -> Path:
    """A template recipe edited (a function of its data), or given as YAML text, in tmp_path with the CSVs."""
    for csv in TEMPLATES.glob("*.csv"):
        shutil.copy(csv, tmp_path)
    path = tmp_path / name
    if text is None:
        data = yaml.safe_load((TEMPLATES / f"{template}.yaml").read_text())
        edit(data)
        text = yaml.safe_dump(data, sort_keys=False)
    path.write_text(text)
    return path


def one_line(cli, *args, seconds: float = 5.0) -> str:
    """Run the CLI: exit 2, one line on stderr, no traceback, within seconds; the line."""
    start = time.perf_counter()
    code, out, err = cli(*args)
    took = time.perf_counter() - start
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err + out, (code, out, err)
    assert took < seconds, f"{took:.1f} s to refuse"
    return lines[0]


def files_under(folder: Path) -> set[Path]:
    """Every file below folder."""
    return {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


# ----------------------------------------------------------------------------- paths
@pytest.mark.parametrize("name", ["..", ".", "...", ".hidden", "a/b", "x" * 101])
@pytest.mark.parametrize("command", ["build", "masks"])
def test_a_recipe_name_that_is_not_a_file_stem_is_refused_naming_name(cli, tmp_path, name, command):
    """`name: ..` wrote ...gds, ...json and ...lyp (and masks/) into the folder above --out on main."""
    work = tmp_path / "work"
    work.mkdir()
    recipe = mutant(work, "default", put("name", name))
    before = files_under(tmp_path)
    line = one_line(cli, command, recipe, "--out", work / "out")
    assert f"name = {name[:70]!r}"[:40] in line and ("not starting with '.'" in line or "at most 100" in line)
    assert files_under(tmp_path) == before


def test_the_writer_refuses_a_path_outside_the_output_folder(tmp_path):
    """The one writer checks every resolved path, so a symlink inside --out cannot lead out of it."""
    from maskgen.atomic import atomic, confined
    out = tmp_path / "out"
    (out / "die").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (out / "die" / "link").symlink_to(outside)
    with confined(out):
        atomic(out / "die" / "ok.txt", lambda p: p.write_text("ok"))
        for target in (out / ".." / "x.gds", out / "die" / "link" / "x.gds", Path("/tmp/x.gds")):
            with pytest.raises(InputError, match="refused to write outside the output folder"):
                atomic(target, lambda p: p.write_text("no"))
    assert (out / "die" / "ok.txt").read_text() == "ok"
    assert list(outside.iterdir()) == []


# ----------------------------------------------------------------------------- recipes
def test_a_duplicate_top_level_key_is_refused_with_both_lines(cli, tmp_path):
    text = (TEMPLATES / "default.yaml").read_text() + "name: twice\n"
    first = 1 + next(i for i, x in enumerate(text.splitlines()) if x.startswith("name:"))
    last = len(text.splitlines())
    line = one_line(cli, "build", mutant(tmp_path, "", None, text), "--out", tmp_path / "out")
    assert f"mutant.yaml: line {last}: name: key given twice, on lines {first} and {last}" in line
    assert not (tmp_path / "out").exists()


def test_a_duplicate_key_in_a_flow_mapping_is_refused_with_its_columns(cli, tmp_path):
    text = (TEMPLATES / "default.yaml").read_text().replace(
        "bump_map: {kind: grid, pitch: [400, 400], count: [12, 12]}",
        "bump_map: {kind: grid, pitch: [400, 400], count: [12, 12], count: [1, 1]}")
    row = "  bump_map: {kind: grid, pitch: [400, 400], count: [12, 12], count: [1, 1]}"
    no = 1 + text.splitlines().index(row)
    first, second = row.index("count") + 1, row.rindex("count") + 1   # 45 and 62, counted from 1
    line = one_line(cli, "build", mutant(tmp_path, "", None, text), "--out", tmp_path / "out")
    assert f"line {no}: die.bump_map.count: key given twice, on line {no}, columns {first} and {second}" in line


def test_a_5000_digit_integer_is_refused_with_its_line_and_key(cli, tmp_path):
    """Python refuses to read an integer of more than 4,300 digits: a traceback on main."""
    text = (TEMPLATES / "default.yaml").read_text().replace("passivation_opening: 180",
                                                           "passivation_opening: " + "9" * 5000)
    no = 1 + next(i for i, x in enumerate(text.splitlines()) if "passivation_opening" in x)
    line = one_line(cli, "build", mutant(tmp_path, "", None, text), "--out", tmp_path / "out")
    assert f"line {no}: bump.passivation_opening = '999999999999... (5000 digits)': takes a whole number of " \
           "at most 30 digits" in line
    assert len(line) < 400


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1.0e+400"])
def test_nan_and_infinity_in_a_recipe_are_refused_with_line_and_key(cli, tmp_path, value):
    text = (TEMPLATES / "default.yaml").read_text().replace("ubm_diameter: 215", f"ubm_diameter: {value}")
    no = 1 + next(i for i, x in enumerate(text.splitlines()) if "ubm_diameter" in x)
    line = one_line(cli, "build", mutant(tmp_path, "", None, text), "--out", tmp_path / "out")
    assert f"line {no}: bump.ubm_diameter = " in line and "takes a finite number" in line


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    """Nine aliases nine deep are 9^9 = 387 million values once expanded; refused from the node graph."""
    from maskgen.input.datafile import read_yaml
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    with pytest.raises(InputError, match="expands to more than 1,000,000 values"):
        read_yaml(path)
    assert time.perf_counter() - start < 1.0


def test_booleans_where_numbers_are_wanted_are_refused(cli, tmp_path):
    """`count: [true, true]` built one bump on main (true is 1 to pydantic)."""
    line = one_line(cli, "build", mutant(tmp_path, "default", put("die.bump_map.count", [True, True])),
                    "--out", tmp_path / "out")
    assert "die.bump_map: count = [true, true]: takes numbers or text, not true/false" in line
    line = one_line(cli, "build", mutant(tmp_path, "default", put("bump.passivation_opening", True)),
                    "--out", tmp_path / "out")
    assert "passivation_opening = true: takes numbers or text, not true/false" in line
    line = one_line(cli, "build", mutant(tmp_path, "default", put("thickness", {"polymer": True})),
                    "--out", tmp_path / "out")
    assert "thickness = {'polymer': True}: takes numbers or text" in line


def test_booleans_stay_allowed_where_a_key_takes_them(cli, tmp_path, read_gds):
    code, _, err = cli("build", mutant(tmp_path, "default", put("die.naming", {"labels": False, "a1_mark": 0})),
                       "--out", tmp_path / "out", "--no-drc")
    assert code == 0, err
    assert read_gds(tmp_path / "out" / "default" / "default.gds").region("BUMP").count() == 144


def test_depopulating_every_site_is_refused(cli, tmp_path):
    every = [[c, r] for c in range(3) for r in range(2)]
    recipe = mutant(tmp_path, "default", lambda d: d["die"]["bump_map"].update(count=[3, 2], depopulate=every))
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "die.bump_map" in line and "depopulate takes out every site of the 3 x 2 grid" in line


# ----------------------------------------------------------------------------- CSV maps
def csv_recipe(tmp_path: Path, rows: str | bytes) -> tuple[Path, Path]:
    """The default recipe on fanout_csv's ball map (100 balls), the map replaced by rows; (recipe, csv)."""
    recipe = mutant(tmp_path, "default", put("die.bump_map", {"kind": "csv", "file": "fanout_csv_bumps.csv"}))
    csv = tmp_path / "fanout_csv_bumps.csv"
    if isinstance(rows, str):
        csv.write_text(rows)
    else:
        csv.write_bytes(rows)
    return recipe, csv


@pytest.mark.parametrize("cell,needle", [
    ("1e308", "x and y must lie within 300,000 um of the die centre"),
    ("-3.1e5", "x and y must lie within 300,000 um of the die centre"),
    ("nan", "x and y must be a finite number"),
    ("inf", "x and y must be a finite number"),
    ("9" * 5000, "x and y must be a number of at most 64 characters, not 5000 (um)"),
    ("12a", "x and y must be a number (um)"),
])
def test_csv_numbers_that_are_not_coordinates_are_refused_with_the_line(cli, tmp_path, cell, needle):
    rows = "name,x,y,net\nA1,-1800,-1800,IO001\n" + f"A2,{cell},-1800,IO006\n"
    recipe, _ = csv_recipe(tmp_path, rows)
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "fanout_csv_bumps.csv: line 3 = 'A2," in line and needle in line


def test_two_csv_sites_at_one_spot_are_refused_naming_both(cli, tmp_path):
    recipe, _ = csv_recipe(tmp_path, "name,x,y,net\nA1,-1800,-1800,IO001\nA2,-1800,-1800.0,IO006\n")
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "line 3 = 'A2,-1800,-1800.0,IO006': bump A2 sits at the same position as A1 (line 2)" in line


def test_a_nul_byte_in_a_csv_is_one_line(cli, tmp_path):
    recipe, _ = csv_recipe(tmp_path, b"name,x,y,net\nA1,-1800,-1800,IO001\nA2,-14\x0000,-1800,IO006\n")
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "fanout_csv_bumps.csv: line 3: ball map holds a NUL byte: not a text file" in line


def test_an_excel_csv_with_a_byte_order_mark_reads_as_without(cli, tmp_path):
    """Excel's "CSV UTF-8" starts with EF BB BF; main refused line 1 ('\\ufeffname,x,y,net')."""
    plain = (TEMPLATES / "fanout_csv_bumps.csv").read_bytes()
    for folder, data in (("plain", plain), ("excel", b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n"))):
        (tmp_path / folder).mkdir()
        recipe, _ = csv_recipe(tmp_path / folder, data)
        code, _, err = cli("build", recipe, "--out", tmp_path / folder / "out", "--no-drc")
        assert code in (0, 1), err
    gds = [(tmp_path / f / "out" / "default" / "default.gds").read_bytes() for f in ("plain", "excel")]
    assert gds[0] == gds[1]


@pytest.mark.parametrize("kind", ["symlink loop", "FIFO", "directory", "device"])
def test_a_map_that_is_not_a_file_is_refused_as_what_it_is(cli, tmp_path, kind):
    """On main a FIFO or a directory was 'not found' and a symlink loop a traceback; a FIFO could also hang."""
    recipe, csv = csv_recipe(tmp_path, "")
    csv.unlink()
    if kind == "symlink loop":
        csv.symlink_to(tmp_path / "loop.csv")
        (tmp_path / "loop.csv").symlink_to(csv)
        needle = "is a symbolic link loop, not a file"
    elif kind == "FIFO":
        os.mkfifo(csv)
        needle = "is a FIFO (named pipe), not a file"
    elif kind == "directory":
        csv.mkdir()
        needle = "is a directory, not a file"
    else:
        csv.symlink_to("/dev/zero")
        needle = "is a device, not a file"
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "die.bump_map.file = 'fanout_csv_bumps.csv': CSV file " + needle in line


def test_a_file_over_the_size_limit_is_refused_before_it_is_read_and_the_flag_raises_it(cli, tmp_path):
    """A sparse 3 GB file (no disk used) is refused from its size, at once, naming --max-file-mb."""
    recipe, csv = csv_recipe(tmp_path, "")
    with csv.open("wb") as fh:
        fh.truncate(3_000_000_000)
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out", seconds=2.0)
    assert "CSV file is 3,000 MB, over the 100 MB limit for a text file; raise it with --max-file-mb" in line
    csv.write_bytes((TEMPLATES / "fanout_csv_bumps.csv").read_bytes())
    size = csv.stat().st_size
    assert size < 1_000_000
    code, _, err = cli("build", recipe, "--out", tmp_path / "out", "--no-drc", "--max-file-mb", "1")
    assert code in (0, 1), err


# ----------------------------------------------------------------------------- DEF and LEF
def def_recipe(tmp_path: Path, edit_def=lambda t: t, edit_lef=lambda t: t) -> Path:
    (tmp_path / "bumps.lef").write_text(edit_lef(LEF))
    write_def(tmp_path / "chip.def", 2, 2)
    path = tmp_path / "chip.def"
    path.write_text(edit_def(path.read_text()))
    return mutant(tmp_path, "default", put("die.bump_map", {"kind": "def", "file": "chip.def", "lef": "bumps.lef"}))


@pytest.mark.parametrize("what,edit_def,edit_lef,needle", [
    ("UNITS NaN", lambda t: t.replace("MICRONS 1000 ;", "MICRONS NaN ;"), None, "line 4 = 'NaN': expected a number"),
    ("UNITS inf", lambda t: t.replace("MICRONS 1000 ;", "MICRONS inf ;"), None, "line 4 = 'inf': expected a number"),
    ("count NaN", lambda t: t.replace("COMPONENTS 4 ;", "COMPONENTS nan ;"), None, "= 'nan': expected a number"),
    ("placement NaN", lambda t: t.replace("+ FIXED ( ", "+ FIXED ( nan ", 1).replace("( nan 2", "( nan ", 1),
     None, "expected a number"),
    ("DIEAREA inf", lambda t: t.replace("DIEAREA ( 0 0 )", "DIEAREA ( -inf 0 )"), None, "expected a number"),
    ("LEF SIZE NaN", lambda t: t, lambda t: t.replace("SIZE 80 BY 60", "SIZE NaN BY 60"), "bumps.lef: line 5"),
])
def test_nan_and_infinity_in_def_and_lef_are_refused_with_the_line(cli, tmp_path, what, edit_def, edit_lef, needle):
    recipe = def_recipe(tmp_path, edit_def, edit_lef or (lambda t: t))
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert needle in line, what
    assert ("chip.def" in line) != (edit_lef is not None)


def test_a_sparse_3_gb_def_is_refused_from_its_size(cli, tmp_path):
    """Read whole on main: 3.1 GB of memory, then a traceback."""
    recipe = def_recipe(tmp_path)
    with (tmp_path / "chip.def").open("r+b") as fh:
        fh.truncate(3_000_000_000)
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out", seconds=2.0)
    assert "chip.def" in line and "3,000 MB, over the 100 MB limit" in line


def test_two_def_bumps_at_one_spot_are_refused_naming_both(cli, tmp_path):
    """Two sites at one spot crashed the solder margin check on main (pitch 0.0)."""
    def same(text: str) -> str:
        lines = text.splitlines()
        at = [i for i, x in enumerate(lines) if x.startswith("- BUMP_")]
        lines[at[1]] = lines[at[0]].replace("BUMP_0_0", "BUMP_0_1")
        return "\n".join(lines)
    line = one_line(cli, "build", def_recipe(tmp_path, same), "--out", tmp_path / "out")
    assert "chip.def: bumps BUMP_0_0 and BUMP_0_1 sit at the same position" in line


# ----------------------------------------------------------------------------- ball tables
def test_a_ball_table_of_five_million_balls_is_refused_at_the_site_limit(cli, tmp_path):
    """kind: table had no site limit: a one-row table of 5 million balls took 36 s and 2.1 GB on main."""
    (tmp_path / "map.txt").write_text("A " + "- " * 4_999_999 + "VDD\n")
    recipe = mutant(tmp_path, "default", put("die.bump_map", {"kind": "table", "pitch": 400, "file": "map.txt"}))
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out", seconds=3.0)
    assert "map.txt: line 1: the ball table holds 5,000,000 or more entries" in line
    assert "die.bump_map.max_bumps = 100000" in line and "--max-sites" in line


def test_a_ball_table_header_of_more_columns_than_the_limit_is_refused(cli, tmp_path):
    (tmp_path / "map.txt").write_text(" ".join(str(i) for i in range(1, 100_002)) + "\nA VDD\n")
    recipe = mutant(tmp_path, "default", put("die.bump_map", {"kind": "table", "pitch": 400, "file": "map.txt"}))
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "map.txt: line 1: the ball table holds 100,001 or more entries" in line


def test_the_ball_table_limit_is_raised_by_max_sites(cli, tmp_path, read_gds):
    (tmp_path / "map.txt").write_text("1 2 3 4\nA VDD GND - IO1\nB IO2 - GND VDD\n")
    bump_map = {"kind": "table", "pitch": 400, "file": "map.txt", "max_bumps": 4}
    recipe = mutant(tmp_path, "default", put("die.bump_map", bump_map))
    assert "the ball table holds 8 or more entries" in one_line(cli, "build", recipe, "--out", tmp_path / "out")
    code, _, err = cli("build", recipe, "--out", tmp_path / "out", "--no-drc", "--max-sites", "8")
    assert code == 0, err
    assert read_gds(tmp_path / "out" / "default" / "default.gds").region("BUMP").count() == 6


@pytest.mark.parametrize("command", ["drc", "render"])
def test_a_32767_square_array_reference_is_refused_from_its_flat_count(cli, tmp_path, command):
    """1.07 billion placements: main's drc grew to 7 GB and died in KLayout's worker thread."""
    gds = gds_with_array(tmp_path / "huge.gds", 32767, 32767, spacing=1)
    args = (command, gds) + (("--out", tmp_path / "out") if command == "render" else ())
    line = one_line(cli, *args, seconds=3.0)
    assert "huge.gds: the layout holds 1,073,676,289 shapes seen flat from TOP" in line
    assert "over the limit of 200,000,000; raise it with --max-shapes" in line


def test_a_hierarchy_of_a_trillion_bumps_is_refused_from_its_flat_count(cli, tmp_path):
    """Four levels of 1000 x 1000 arrays make 10^24 placements; counted through the hierarchy, not flattened."""
    deep_gds(tmp_path / "deep.gds")
    line = one_line(cli, "drc", tmp_path / "deep.gds", seconds=3.0)
    assert f"{1000 ** 8:,} shapes seen flat from L4" in line


@pytest.mark.parametrize("command", ["drc", "render"])
def test_coordinates_beyond_300_mm_are_refused_before_any_geometry(cli, tmp_path, command):
    """A layout at 2^31 - 10^6 database units hung main's drc past 60 s."""
    lib = gdstk.Library()
    top = lib.new_cell("TOP")
    far = (2**31 - 1_000_000) / 1000
    top.add(gdstk.rectangle((far, far), (far + 40, far + 40), layer=7))
    top.add(gdstk.rectangle((0, 0), (40, 40), layer=7))
    lib.write_gds(str(tmp_path / "far.gds"))
    args = (command, tmp_path / "far.gds") + (("--out", tmp_path / "out") if command == "render" else ())
    line = one_line(cli, *args, seconds=3.0)
    assert f"far.gds: the layout reaches {far + 40:,.0f} um from its origin" in line and "300,000 um limit" in line
    assert f"{far + 40:,.0f}" == "2,146,524"


@pytest.mark.parametrize("command,dbu", [("masks", 2**30), ("build", 2**31 - 1_000_000)])
def test_a_chip_with_coordinates_near_2_to_the_31_is_refused(cli, tmp_path, command, dbu):
    """main's masks let KLayout's internal error (dbEdgeProcessor.cc ... gs.is_reset ()) escape at 2^30 database
    units, and its build hung past 60 s near 2^31."""
    gds_with_array(tmp_path / "chip.gds", 3, 3, spacing=400, origin=(dbu / 1000, 0))
    recipe = mutant(tmp_path, "default", put("die.bump_map", {"kind": "gds", "file": "chip.gds", "layer": "7/0"}))
    line = one_line(cli, command, recipe, "--out", tmp_path / "out")
    assert f"chip.gds: the layout reaches {dbu / 1000 + 2 * 400 + 20:,.0f} um from its origin" in line


@pytest.mark.parametrize("command", ["drc", "render", "build"])
def test_a_recursive_gds_is_refused_as_recursive(cli, tmp_path, command):
    """main printed KLayout's `topological_sort` internal error and never said the file is recursive."""
    gds = recursive_gds(tmp_path / "rec.gds")
    if command == "build":
        args = ("build", mutant(tmp_path, "default", put("die.bump_map", {"kind": "gds", "file": "rec.gds",
                                                                          "layer": "7/0"})), "--out", tmp_path / "o")
    else:
        args = (command, gds) + (("--out", tmp_path / "out") if command == "render" else ())
    line = one_line(cli, *args)
    assert "rec.gds: the layout is recursive: a cell places itself" in line
    assert "topological_sort" not in line


def test_klayouts_own_message_on_a_recursive_gds_is_held_back(tmp_path):
    """KLayout writes `ERROR: ...dbLayout.cc...topological_sort ()` on file descriptor 2 before it raises; run as
    the program, only maskgen's one line is left on stderr."""
    import subprocess
    import sys
    gds = recursive_gds(tmp_path / "rec.gds")
    res = subprocess.run([sys.executable, "-m", "maskgen.entry", "drc", str(gds)], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [f"maskgen: error: {gds}: the layout is recursive: a cell places "
                                               "itself (directly or through the cells it places); it cannot be "
                                               "drawn"]


def test_render_of_several_top_cells_a_corrupt_gz_and_texts_only_is_one_line(cli, tmp_path):
    lib = gdstk.Library()
    for name in ("A", "B"):
        lib.new_cell(name).add(gdstk.rectangle((0, 0), (10, 10), layer=1))
    lib.write_gds(str(tmp_path / "two.gds"))
    line = one_line(cli, "render", tmp_path / "two.gds", "--out", tmp_path / "out")
    assert "two.gds: top cell = 'A, B': the layout has 2 top cells with shapes; it must have one" in line
    good = gds_with_array(tmp_path / "g.gds", 2, 2).read_bytes()
    import gzip
    (tmp_path / "bad.gds.gz").write_bytes(gzip.compress(good)[:-40])
    line = one_line(cli, "render", tmp_path / "bad.gds.gz", "--out", tmp_path / "out")
    assert "bad.gds.gz" in line
    texts = gdstk.Library()
    texts.new_cell("T").add(gdstk.Label("hello", (0, 0), layer=92))
    texts.write_gds(str(tmp_path / "texts.gds"))
    code, _, err = cli("render", tmp_path / "texts.gds", "--out", tmp_path / "out", "--view", "die")
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    if code == 0:
        png = tmp_path / "out" / "texts" / "texts_die.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    else:
        assert code == 2 and "texts.gds" in err


def test_view_reports_klayouts_failure_and_exit_code(cli, tmp_path, monkeypatch):
    """main said "opened" while KLayout exited at once with 134 (no display)."""
    fake = tmp_path / "bin" / "klayout"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'qt.qpa.xcb: could not connect to display' >&2\nexit 134\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    gds = gds_with_array(tmp_path / "chip.gds", 2, 2)
    line = one_line(cli, "view", gds)
    assert line.endswith("chip.gds: KLayout exited at once with code 134 (no DISPLAY is set): qt.qpa.xcb: could "
                         "not connect to display")


def test_the_flat_count_is_the_hand_count(tmp_path):
    """3 x 4 array of a cell with 2 shapes, plus one shape on top: 25 shapes seen flat."""
    from maskgen.input.layoutfile import flat_shapes
    lib = gdstk.Library()
    pad = lib.new_cell("PAD")
    pad.add(gdstk.rectangle((0, 0), (1, 1), layer=1), gdstk.rectangle((0, 0), (1, 1), layer=2))
    top = lib.new_cell("TOP")
    top.add(gdstk.Reference(pad, (0, 0), columns=3, rows=4, spacing=(5, 5)), gdstk.rectangle((0, 0), (9, 9)))
    lib.write_gds(str(tmp_path / "c.gds"))
    ly = kdb.Layout()
    ly.read(str(tmp_path / "c.gds"))
    assert flat_shapes(ly, ly.top_cell()) == 3 * 4 * 2 + 1 == 25
    assert not math.isnan(flat_shapes(ly, ly.top_cell()))


def test_the_readme_promise_names_these_cases():
    """The README's promise about bad input names each kind of hostile file and moment this file tests."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    promise = readme.split("Hostile files and hostile moments", 1)[1].split("```", 1)[0]
    for case in ("`name`", "outside `--out`", "both line numbers", "30 digits", "NaN and infinity", "`true`/`false`",
                 "symlink loop", "FIFO", "directory", "device", "`--max-file-mb N`", "byte-order mark", "NUL byte",
                 "two sites at one spot", "`kind: table`", "recursive", "`--max-shapes N`", "beyond 300 mm",
                 "several top cells", "KLayout or gdstk", "exit code if it dies", "`interrupted`", "exits 130",
                 "`kill -9`", "disk full", ".maskgen-tmp-"):
        assert case in promise, case


@pytest.mark.parametrize("command", ["build", "masks", "xsection", "drc", "render", "view"])
def test_a_command_argument_that_is_not_a_file_is_refused_as_what_it_is(cli, tmp_path, command):
    """A FIFO given as the recipe or the layout was "not found" on main (and reading one would hang)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    what = "recipe" if command in ("build", "masks", "xsection") else "layout"
    line = one_line(cli, command, fifo)
    assert line.endswith(f"pipe: {what} file is a FIFO (named pipe), not a file")
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    assert one_line(cli, command, loop).endswith(f"loop: {what} file is a symbolic link loop, not a file")


FOOTPRINT = """(footprint "T" (layer "F.Cu")
  (pad "A1" smd circle (at {a}) (size 0.25 0.25) (layers "F.Cu"))
  (pad "A2" smd circle (at {b}) (size 0.25 0.25) (layers "F.Cu"))
)
"""


@pytest.mark.parametrize("a,b,needle", [
    ("0 0", "0.4 0", None),
    ("nan 0", "0.4 0", "pad A1 = ['nan', 0]: the pad's position must be finite numbers within 300 mm"),
    ("0 1e308", "0.4 0", "pad A1 = [0, '1e308']: the pad's position must be finite numbers within 300 mm"),
    ("0 400", "0.4 0", "pad A1 = [0, 400]: the pad's position must be finite numbers within 300 mm"),
    ("0 0", "0 0", "pads A1 and A2 sit at the same position"),
])
def test_a_kicad_footprint_with_hostile_pads_is_refused_naming_the_pad(cli, tmp_path, read_gds, a, b, needle):
    (tmp_path / "fp.kicad_mod").write_text(FOOTPRINT.format(a=a, b=b))
    recipe = mutant(tmp_path, "default", put("die.bump_map", {"kind": "kicad", "file": "fp.kicad_mod"}))
    if needle is None:
        code, _, err = cli("build", recipe, "--out", tmp_path / "out", "--no-drc")
        assert code in (0, 1), err
        assert read_gds(tmp_path / "out" / "default" / "default.gds").region("BUMP").count() == 2
        return
    line = one_line(cli, "build", recipe, "--out", tmp_path / "out")
    assert "fp.kicad_mod" in line and needle in line
