"""Data flows one way (issues 15 and 21): no import cycle among maskgen's modules, the stage folders import in the
order the README's "Layout of the project" states, no part cell reaches up into the design, a map read once.

The module graph counts every import statement of maskgen's own modules, at the top of a file, inside a function
(deferring an import into a function hides a cycle, it does not remove it) or under `if TYPE_CHECKING:` (a loop of
annotations is still a loop for a reader and for mypy). `from pkg import name` is an edge to the
submodule pkg.name when there is one, else to pkg: Python does run pkg/__init__.py first, but by then the package
is in sys.modules, so a package __init__ that re-exports its submodules (maskgen.layout.routing, maskgen.drc)
does not make each `from maskgen.layout.routing import geometry` inside it a cycle; counting the parent too would
forbid every re-exporting __init__. The routing and DRC submodules import their siblings by full module path
anyway (`import maskgen.layout.routing.geometry as geo`), so the graph has no loop under either reading.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import maskgen.layout.sites
from maskgen.build import build

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


def module_files() -> dict[str, Path]:
    """Every maskgen module -> its file (a package by its __init__.py)."""
    mods = {}
    for p in sorted((ROOT / "maskgen").rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    return mods


def module_graph() -> dict[str, dict[str, int]]:
    """Module -> {module it imports: first line}, over maskgen's own modules (the semantics in the docstring)."""
    mods = module_files()

    def resolve(name: str) -> str | None:
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, dict[str, int]] = {m: {} for m in mods}
    for m, path in mods.items():
        package = m if path.name == "__init__.py" else m.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for target in targets:
                r = resolve(target) if target.startswith("maskgen") else None
                if r and r != m:
                    graph[m].setdefault(r, node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(graph[w])))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_cycles_finds_a_loop_and_a_chain_has_none():
    """The cycle finder on graphs worked by hand: a -> b -> c -> a is one component, d -> a adds none."""
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {}}) == []


def test_module_graph_counts_imports_inside_functions_and_for_type_checking():
    """An import inside a function and one under TYPE_CHECKING are edges; `from pkg import sub` goes to sub."""
    graph = module_graph()
    assert "maskgen.input.balltable" in graph["maskgen.input.recipe"]
    assert "maskgen.layout.cells.base" in graph["maskgen.design.families.base"]  # under TYPE_CHECKING
    assert "maskgen.layout.routing.geometry" in graph["maskgen.layout.routing.grid"]
    assert "maskgen.layout.routing.search" in graph["maskgen.layout.routing.grid"]  # imported inside a function


def test_no_import_cycle():
    """No strongly connected component in maskgen's module graph (each loop is named with its edges' lines)."""
    graph = module_graph()
    found = cycles(graph)
    detail = [[f"{a} -> {b}:{graph[a][b]}" for a in c for b in graph[a] if b in c] for c in found]
    assert not found, detail


STAGES: list[tuple[str, ...]] = [
    ("maskgen",),  # the package __init__: its version, nothing else
    ("maskgen.errors", "maskgen.warn", "maskgen.atomic"),  # atomic: the one writer of output files
    ("maskgen.input",),
    ("maskgen.guard",),  # a command's guard: file limits from input, writes confined by atomic
    ("maskgen.layout",),
    ("maskgen.design",),
    ("maskgen.assembly",),
    ("maskgen.drc",),
    ("maskgen.outputs",),
    ("maskgen.pictures",),
    ("maskgen.report",),
    ("maskgen.build",),
    ("maskgen.klayout_pkg",),  # KLayout's PCells draw a bump the way the build does (build.design_pdk)
    ("maskgen.parallel",),
    ("maskgen.sweep",),
    ("maskgen.crosssection",),
    ("maskgen.cli",),
    ("maskgen.entry",),  # the `maskgen` program: imports the CLI with Ctrl-C caught from the first import on
]
"""The stages from the bottom up, as the README's "Layout of the project" states them: a module may import its own
stage and those listed before it, never one listed after it."""


def stage(module: str) -> int:
    """The index in STAGES of the longest prefix that names the module (every module has one)."""
    best = max(((len(p), i) for i, names in enumerate(STAGES) for p in names
                if module == p or module.startswith(p + ".")), default=None)
    assert best is not None, f"{module} is in no stage of STAGES: add it there and to the README"
    return best[1]


def test_stages_import_downwards_only():
    """No import from a stage to one above it (imports inside functions counted)."""
    graph = module_graph()
    upward = [f"{a} -> {b}:{line}" for a, ws in graph.items() for b, line in ws.items() if stage(b) > stage(a)]
    assert not upward, upward


def test_stage_check_catches_an_upward_import():
    """An input module importing the design, or the layout importing the assembly, is against the order."""
    assert stage("maskgen.input.recipe") < stage("maskgen.design.families")
    assert stage("maskgen.layout.cells.base") < stage("maskgen.assembly.die") < stage("maskgen.drc.deck")
    assert stage("maskgen") == 0 and stage("maskgen.entry") == len(STAGES) - 1


def test_readme_states_the_stage_order():
    """The README's "Layout of the project" lists the stage folders in the order STAGES has them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Layout of the project"):]
    section = section[:section.index("\n## ", 4)]
    folders = [n.split(".")[1] for names in STAGES[2:] for n in names if (ROOT / n.replace(".", "/")).is_dir()]
    at = [section.index(f"  {f}/") for f in folders]
    assert at == sorted(at), list(zip(folders, at, strict=True))


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
    """Site lives in maskgen/input/site.py: chip takes it from there, so sites <-> chip is no cycle."""
    assert "maskgen.layout.sites" not in imported(ROOT / "maskgen" / "input" / "chip.py")
    assert "maskgen.input.site" in imported(ROOT / "maskgen" / "input" / "chip.py")
    assert maskgen.layout.sites.Site is __import__("maskgen.input.site", fromlist=["Site"]).Site


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
