"""Data flows one way (issue 15): no part cell reaches up into the design, no import cycle, a map read once."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import maskgen.layout.sites
from maskgen.build import build

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def imported(path: Path) -> set[str]:
    """Every module a source file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_cells_import_neither_design_nor_families():
    """Part cells take numbers, not the Design: they may use the rule formulas (design.constraints), no more."""
    files = sorted((ROOT / "maskgen" / "layout" / "cells").glob("*.py"))
    assert len(files) == 8  # __init__ and seven modules
    for p in files:
        bad = {m for m in imported(p) if m.split(".")[:3] in (["maskgen", "design", "derive"],
                                                             ["maskgen", "design", "families"])}
        assert not bad, f"{p.name} imports {bad}"


def test_chip_does_not_import_sites():
    """Site lives in maskgen/layout/site.py: chip takes it from there, so sites <-> chip is no cycle."""
    assert "maskgen.layout.sites" not in imported(ROOT / "maskgen" / "input" / "chip.py")
    assert "maskgen.layout.site" in imported(ROOT / "maskgen" / "input" / "chip.py")
    assert maskgen.layout.sites.Site is __import__("maskgen.layout.site", fromlist=["Site"]).Site


def test_fanout_csv_build_reads_each_csv_once(tmp_path, monkeypatch):
    for f in TEMPLATES.glob("fanout_csv*"):
        shutil.copy(f, tmp_path / f.name)
    reads: list[str] = []
    real = maskgen.layout.sites._read_csv_rows

    def counting(path, *args):
        reads.append(path.name)
        return real(path, *args)

    monkeypatch.setattr(maskgen.layout.sites, "_read_csv_rows", counting)
    result = build(tmp_path / "fanout_csv.yaml", tmp_path / "out", None, run_drc=False)
    assert sorted(reads) == ["fanout_csv_bumps.csv", "fanout_csv_pads.csv"]
    assert result.die.bump_count == 100
    (tmp_path / "fanout_csv_bumps.csv").write_text((tmp_path / "fanout_csv_bumps.csv").read_text() + "\n")
    build(tmp_path / "fanout_csv.yaml", tmp_path / "out2", None, run_drc=False)
    assert reads.count("fanout_csv_bumps.csv") == 2  # a changed file is read again


XSECTION = ROOT / "maskgen" / "pictures" / "xsection"


def test_xsection_pictures_do_not_import_the_build():
    """The CLI layer (maskgen/crosssection.py) builds and hands design + layout to the pictures."""
    files = sorted(XSECTION.glob("*.py"))
    assert [p.name for p in files] == ["__init__.py", "cut.py", "draw.py", "emulate.py", "model.py", "page.py"]
    for p in [*files, XSECTION.parent / "__init__.py"]:
        bad = {m for m in imported(p) if m.split(".")[:2] in (["maskgen", "build"], ["maskgen", "die"])}
        assert not bad, f"{p.relative_to(ROOT)} imports {bad}"
    assert "maskgen.build" in imported(ROOT / "maskgen" / "crosssection.py")


def test_drc_reads_the_manifest_once(tmp_path, monkeypatch, cli):
    """`maskgen drc` reads the manifest beside the layout once: for the PDK and for the process."""
    import maskgen.drc.context

    result = build(TEMPLATES / "ball_drop.yaml", tmp_path, None, run_drc=False)
    reads: list[str] = []
    real = maskgen.drc.context.read_manifest

    def counting(path):
        reads.append(path.name)
        return real(path)

    monkeypatch.setattr(maskgen.drc.context, "read_manifest", counting)
    code, out, _ = cli("drc", result.files["gds"], "--json", tmp_path / "drc.json")
    assert code == 0, out
    assert reads == ["ball_drop.json"]
    report = json.loads((tmp_path / "drc.json").read_text())
    assert report["process"] == "ball_drop" and report["process_source"] == "manifest"


def test_xsection_modules_import_one_way():
    """model <- cut <- emulate and model <- draw <- page: no module of the package reaches back up."""
    allowed = {"model": set(), "cut": {"model"}, "emulate": {"model", "cut"}, "draw": {"model", "cut"},
               "page": {"model", "draw"}}
    for name, below in allowed.items():
        siblings = {m.split(".")[3] for m in imported(XSECTION / f"{name}.py")
                    if m.startswith("maskgen.pictures.xsection.")}
        assert siblings <= below, f"xsection/{name}.py imports {siblings - below}"
