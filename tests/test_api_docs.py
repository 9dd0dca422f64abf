"""House rule (brief, definition of done 5): every public function has type hints and a docstring whose first
line says what it does."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "maskgen"


def public_functions() -> list[tuple[str, ast.FunctionDef]]:
    """(file:line name, node) of every public function at module level or in a public class."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = list(tree.body)
        for cls in tree.body:
            if isinstance(cls, ast.ClassDef) and not cls.name.startswith("_"):
                nodes += cls.body
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                found.append((f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}", node))
    return found


def test_the_package_has_public_functions():
    assert len(public_functions()) > 300


def test_every_public_function_has_a_docstring_with_a_summary_line():
    bad = [where for where, node in public_functions()
           if not (ast.get_docstring(node) or "").split("\n", 1)[0].strip()]
    assert not bad, bad


def test_every_public_function_has_type_hints():
    bad = []
    for where, node in public_functions():
        args = [a for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                if a.arg not in ("self", "cls")]
        if node.returns is None or any(a.annotation is None for a in args):
            bad.append(where)
    assert not bad, bad
