"""Issue 25, property-based: hypothesis generates recipes, YAML documents, CSV ball maps and DEF files, hostile and
well-formed; each is either read exactly (the values written come back) or refused as an InputError, never
another exception. Example counts are kept small for CI (about 20 s in all)."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_defmap import LEF, write_def

from maskgen.errors import InputError
from maskgen.input.pdk import data_root
from maskgen.input.yamlload import MAX_DIGITS, Refused, load_strict

TEMPLATES = data_root() / "templates"
EXAMPLES = int(os.environ.get("MASKGEN_FUZZ_EXAMPLES", "0"))
"""More examples for a long fuzzing run: MASKGEN_FUZZ_EXAMPLES=2000 python -m pytest tests/test_hostile_properties.py"""
FAST = settings(max_examples=EXAMPLES or 60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=EXAMPLES or 40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ----------------------------------------------------------------------------- YAML documents
KEYS = st.sampled_from(["a", "b", "c", "size", "count"])
SCALARS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.integers(1, 6000).map(lambda n: "7" * n),                     # up to 6000 digits
    st.sampled_from([".nan", ".NaN", ".inf", "-.inf", "+.inf", "1.0e+400", "-2.5e+999", "1.5", "0.0"]),
    st.sampled_from(["true", "false", "yes", "x", "'q'"]),
)


@FAST
@given(st.lists(st.tuples(KEYS, st.one_of(SCALARS, st.lists(SCALARS, max_size=3).map(
    lambda v: "[" + ", ".join(v) + "]"))), min_size=1, max_size=6))
def test_a_yaml_document_is_read_as_written_or_refused_at_the_first_bad_line(pairs):
    """Top-level `key: value` lines: the first key given twice is refused naming both lines, else the first
    whole number past MAX_DIGITS digits or non-finite number is refused at its line; otherwise the document
    reads as PyYAML reads it."""
    text = "".join(f"{k}: {v}\n" for k, v in pairs)
    seen: dict[str, int] = {}
    duplicate = None
    for i, (k, _) in enumerate(pairs, start=1):
        if k in seen and duplicate is None:
            duplicate = (seen[k], i)
        seen.setdefault(k, i)
    bad = None
    for i, (_, v) in enumerate(pairs, start=1):
        for item in v.strip("[]").split(", "):
            if item.lstrip("-").isdigit() and len(item.lstrip("-")) > MAX_DIGITS:
                bad = bad or i
                continue
            value = yaml.safe_load(f"v: {item}")["v"] if item else None
            if isinstance(value, float) and not math.isfinite(value):
                bad = bad or i
    if duplicate is None and bad is None:
        assert load_strict(text) == yaml.safe_load(text)
        return
    with pytest.raises(Refused) as info:
        load_strict(text)
    if duplicate is not None:      # a mapping's keys are checked before its values
        assert info.value.line == duplicate[1]
        assert f"lines {duplicate[0]} and {duplicate[1]}" in info.value.allowed
    else:
        assert info.value.line == bad


# ----------------------------------------------------------------------------- recipes
def _leaves(data, prefix=()):
    """Every key path of a YAML mapping (blocks and leaves)."""
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((*prefix, k))
            out += _leaves(v, (*prefix, k))
    return out


DEFAULT = yaml.safe_load((TEMPLATES / "default.yaml").read_text())
PATHS = _leaves(DEFAULT) + [("die", "bump_map", "depopulate"), ("die", "bump_map", "max_bumps"), ("extra",)]
HOSTILE = st.one_of(
    st.booleans(), st.none(), st.integers(-(10**40), 10**40), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["..", ".hidden", "a/b", "1e308", "nan", "-0", "3.44 mm"]),
    st.lists(st.one_of(st.booleans(), st.integers(-5, 5), st.floats(-1e6, 1e6)), max_size=3),
    st.lists(st.lists(st.integers(-2, 13), min_size=2, max_size=2), max_size=200),
    st.dictionaries(st.sampled_from(["kind", "pitch", "count", "x"]), st.integers(-3, 500), max_size=3),
)


@SLOW
@given(st.lists(st.tuples(st.sampled_from(PATHS), HOSTILE), min_size=1, max_size=3))
def test_a_mutated_recipe_builds_or_is_refused_as_input(tmp_path_factory, edits):
    """Up to three keys of the default recipe set to hostile values: the build (without DRC) either completes
    with every bump it promises, or stops with an InputError; no other exception, nothing outside --out."""
    from maskgen.atomic import confined
    from maskgen.build import build
    data = yaml.safe_load((TEMPLATES / "default.yaml").read_text())
    for path, value in edits:
        node = data
        for k in path[:-1]:
            if not isinstance(node, dict):
                break
            node = node.setdefault(k, {})
        if isinstance(node, dict):
            node[path[-1]] = value
    folder = tmp_path_factory.mktemp("recipe")
    recipe = folder / "r.yaml"
    try:
        recipe.write_text(yaml.safe_dump(data, sort_keys=False))
    except (yaml.YAMLError, ValueError):
        assume(False)
    out = folder / "out"
    try:
        with confined(out):
            result = build(recipe, out, run_drc=False)
    except InputError as exc:
        line = exc.line()
        assert "\n" not in line and len(line) < 2000
        assert not out.exists() or all(p.is_file() and not p.name.startswith(".") for p in out.rglob("*")
                                       if not p.is_dir())
        return
    assert result.files["gds"].is_file()
    assert all(out in p.resolve().parents for p in result.files.values())


# ----------------------------------------------------------------------------- CSV ball maps
COORD = st.floats(-250_000, 250_000, allow_nan=False, allow_infinity=False)
NAME = st.text("ABCDEFGHJKLMNPRTUVWY0123456789_", min_size=1, max_size=6)


@FAST
@given(st.lists(st.tuples(NAME, COORD, COORD, st.sampled_from(["", "VDD", "IO1"])), min_size=1, max_size=40),
       st.booleans(), st.booleans(), st.booleans())
def test_a_csv_reads_back_exactly_what_was_written(tmp_path_factory, rows, bom, crlf, header):
    """Any rows of distinct names and positions, with or without Excel's byte-order mark, CRLF line ends and a
    header: each site reads back with the name, net and exact coordinates written (shortest repr of a float)."""
    from maskgen.layout.sites import read_csv_sites
    names = [r[0] for r in rows]
    spots = [(r[1], r[2]) for r in rows]
    assume(len(set(names)) == len(names) and len(set(spots)) == len(spots) and "name" not in (n.lower()
                                                                                              for n in names))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    if header:
        writer.writerow(["name", "x", "y", "net"])
    for name, x, y, net in rows:
        writer.writerow([name, repr(x), repr(y), net] if net else [name, repr(x), repr(y)])
    path = tmp_path_factory.mktemp("csv") / "balls.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode())
    sites = read_csv_sites(path, 100_000)
    assert [(s.name, s.x, s.y, s.net or "") for s in sites] == [(n, x, y, net) for n, x, y, net in rows]


@FAST
@given(st.binary(max_size=300), st.integers(0, 400))
def test_bytes_anywhere_in_a_csv_are_read_or_refused_as_input(tmp_path_factory, junk, at):
    """Random bytes spliced into a valid ball map (NUL, invalid UTF-8, quotes, huge numbers): read, or one
    InputError naming the file; never another exception."""
    from maskgen.layout.sites import read_csv_sites
    good = (TEMPLATES / "fanout_csv_bumps.csv").read_bytes()
    path = tmp_path_factory.mktemp("csvjunk") / "balls.csv"
    path.write_bytes(good[:at] + junk + good[at:])
    try:
        sites = read_csv_sites(path, 100_000)
    except InputError as exc:
        assert exc.file == str(path) and "\n" not in exc.line()
        return
    assert all(math.isfinite(s.x) and math.isfinite(s.y) and max(abs(s.x), abs(s.y)) <= 300_000 for s in sites)
    assert len({(s.x, s.y) for s in sites}) == len(sites)


# ----------------------------------------------------------------------------- DEF files
def _terminals(path: Path, lef: Path):
    from maskgen.input.terminals import read_terminals
    return read_terminals(path, [lef], "components", ["BUMP80"], None, None, "die.bump_map", 100_000,
                          "die.bump_map.max_bumps")


@FAST
@given(st.integers(1, 6), st.integers(1, 6), st.sampled_from([150.0, 200.0, 400.0, 437.5]),
       st.sampled_from(["N", "S", "E", "W", "FN", "FS"]))
def test_a_def_reads_back_every_bump_centre_and_net(tmp_path_factory, columns, rows, pitch, orient):
    """Bump instances written at known centres (any orientation: the LEF macro is 80 x 60 um) read back at
    those centres to 1 nm, with their nets."""
    folder = tmp_path_factory.mktemp("def")
    (folder / "bumps.lef").write_text(LEF)
    die = max(columns, rows) * pitch + 400
    expected = write_def(folder / "chip.def", columns, rows, pitch=pitch, die=die, orients=(orient,))
    found = {t.name: (t.x, t.y, t.net) for t in _terminals(folder / "chip.def", folder / "bumps.lef")}
    assert set(found) == set(expected)
    for name, (x, y, net) in expected.items():
        fx, fy, fnet = found[name]
        assert abs(fx - x) < 1e-3 and abs(fy - y) < 1e-3 and fnet == net


HOSTILE_WORDS = st.sampled_from(["nan", "NaN", "inf", "-inf", "1e400", "9" * 5000, "0", "-1", ";", "(", ")",
                                 "END", "-", "+", "\x00", "é", "1e-400", "COMPONENTS", "DIEAREA"])


@FAST
@given(st.integers(0, 10_000), HOSTILE_WORDS, st.booleans())
def test_a_hostile_word_anywhere_in_a_def_is_read_or_refused_as_input(tmp_path_factory, where, word, lef_side):
    """One token of a valid DEF (or of its LEF) replaced by a hostile word: the terminals are read (all at finite
    positions) or one InputError names the file; never another exception."""
    folder = tmp_path_factory.mktemp("defjunk")
    write_def(folder / "chip.def", 3, 2)
    (folder / "bumps.lef").write_text(LEF)
    target = folder / ("bumps.lef" if lef_side else "chip.def")
    words = target.read_text().split(" ")
    words[where % len(words)] = word
    target.write_text(" ".join(words))
    try:
        found = _terminals(folder / "chip.def", folder / "bumps.lef")
    except InputError as exc:
        assert exc.file is not None and Path(exc.file).name in ("chip.def", "bumps.lef") and "\n" not in exc.line()
        return
    assert all(math.isfinite(t.x) and math.isfinite(t.y) for t in found)
