"""YAML for recipes and PDK data, read strictly: a key given twice, a whole number too long to be a size, NaN or
infinity, or an alias bomb is refused with its line and key, before any value is used."""

from __future__ import annotations

import math
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from maskgen.errors import InputError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (the PDK loads about 0.1 s faster), else the pure-Python one."""

MAX_DIGITS = 30
"""Most digits of a whole number in a recipe (a count of 10^30 is already refused by every limit; Python refuses
to read past 4,300 digits)."""

MAX_NODES = 1_000_000
"""Most values a YAML document may expand to through its aliases (`&a` / `*a`): a few aliases nested ten
deep make billions."""

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"


class Refused(Exception):
    """A value of the YAML document that is not one (line, key, value, what is allowed)."""

    def __init__(self, line: int, key: str, value: Any, allowed: str) -> None:
        self.line, self.key, self.value, self.allowed = line, key, value, allowed
        super().__init__(allowed)


def load_strict(stream: Any) -> Any:
    """Parse one YAML document like yaml.safe_load, refusing duplicate keys, long whole numbers, NaN, infinity
    and alias bombs (Refused)."""
    loader = _Loader(stream)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_node(node, loader)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_node(root: Node, loader: Any) -> None:
    """Walk the composed document once (aliases visited once), refusing what load_strict refuses."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, str, bool]] = [(root, "", False)]
    while stack:
        node, key, done = stack.pop()
        if id(node) in sizes and not done:
            continue
        if isinstance(node, ScalarNode):
            _check_scalar(node, key, loader)
            sizes[id(node)] = 1
            continue
        if done:
            kids = _children(node)
            sizes[id(node)] = 1 + sum(sizes.get(id(k), 1) for _, k in kids)
            if sizes[id(node)] > MAX_NODES:
                raise Refused(node.start_mark.line + 1, key or "(top level)", None,
                              f"the document expands to more than {MAX_NODES:,} values through its aliases")
            continue
        sizes[id(node)] = 1   # a node met again before it is done (a recursive alias) counts once
        stack.append((node, key, True))
        if isinstance(node, MappingNode):
            _check_duplicates(node, key)
        for name, child in reversed(_children(node)):     # popped in the order they are written
            if id(child) not in sizes:
                stack.append((child, _join(key, name), False))


def _children(node: Node) -> list[tuple[str, Node]]:
    """(key as written, node) of a mapping's keys and values or a sequence's items."""
    if isinstance(node, SequenceNode):
        return [(f"[{i}]", item) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out: list[tuple[str, Node]] = []
        for k, v in node.value:
            name = str(k.value) if isinstance(k, ScalarNode) else "?"
            out += [(f"{name}(key)", k), (name, v)]
        return out
    return []


def _join(key: str, name: str) -> str:
    """A dotted key path: die.bump_map.count[1]."""
    if name.endswith("(key)"):
        return key or "(top level)"
    if name.startswith("["):
        return f"{key}{name}"
    return f"{key}.{name}" if key else name


def _check_duplicates(node: MappingNode, key: str) -> None:
    """A key given twice in one mapping (block or flow style) is refused with both lines."""
    seen: dict[str, tuple[int, int]] = {}
    for k, _ in node.value:
        if not isinstance(k, ScalarNode) or k.tag == "tag:yaml.org,2002:merge":
            continue
        line, column = k.start_mark.line + 1, k.start_mark.column + 1
        if k.value in seen:
            first, col = seen[k.value]
            where = f"lines {first} and {line}" if first != line else f"line {line}, columns {col} and {column}"
            raise Refused(line, _join(key, k.value), None, f"key given twice, on {where}; keep one")
        seen[k.value] = (line, column)


def _check_scalar(node: ScalarNode, key: str, loader: Any) -> None:
    """Whole numbers of at most MAX_DIGITS digits; finite floats only."""
    if node.tag == INT_TAG:
        digits = sum(ch.isdigit() for ch in node.value)
        if digits > MAX_DIGITS:
            raise Refused(node.start_mark.line + 1, key, f"{node.value[:12]}... ({digits} digits)",
                          f"takes a whole number of at most {MAX_DIGITS} digits")
    elif node.tag == FLOAT_TAG:
        if sum(ch.isdigit() for ch in node.value) > 400:
            raise Refused(node.start_mark.line + 1, key, f"{node.value[:12]}...",
                          "takes a number of at most 400 digits")
        value = loader.construct_yaml_float(node)
        if not math.isfinite(value):
            shown = value if node.value.lower().lstrip("+-") in (".inf", ".nan") else node.value
            raise Refused(node.start_mark.line + 1, key, shown,
                          "takes a finite number (not NaN or infinity, nor too large for a number)")


def refused_error(path: Any, exc: Refused) -> InputError:
    """The InputError for a Refused value of a YAML file: file, line and key, value, what is allowed."""
    return InputError(path, f"line {exc.line}: {exc.key}", exc.value, exc.allowed)
