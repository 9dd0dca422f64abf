"""Atomic, deterministic writing of layouts, KLayout layer properties and manifests."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import gdstk

from maskgen.atomic import atomic
from maskgen.input.pdk import Pdk

__all__ = ["atomic", "write_text", "write_json", "write_layout", "write_lyp", "json_text", "lyp_text"]

FIXED_TIME = datetime.datetime(2000, 1, 1, 0, 0, 0)
"""Timestamp written into every GDSII file so that the same recipe gives the same bytes."""

_DITHER = {"solid": 0, "hollow": 1, "dense": 2, "hatched": 5, "dotted": 9}


def write_text(path: Path, text: str) -> Path:
    """Write a text file atomically."""
    return atomic(path, lambda p: p.write_text(text, encoding="utf-8"))


def json_text(data: Any) -> str:
    """JSON with two-space indent, keys in insertion order; a long top-level list of records (the bumps) one
    record per line, which reads better and writes ~10x faster than indenting every field."""
    if not isinstance(data, dict):
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    tables = {k: v for k, v in data.items()
              if isinstance(v, list) and len(v) > 8 and all(isinstance(r, dict) for r in v)}
    marks = {k: f"\x00table {i}\x00" for i, k in enumerate(tables)}
    text = json.dumps({k: marks.get(k, v) for k, v in data.items()}, indent=2, ensure_ascii=False)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for k, rows in tables.items():
        body = ",\n    ".join(map(encode, rows))
        text = text.replace(json.dumps(marks[k]), f"[\n    {body}\n  ]", 1)
    return text + "\n"


def write_json(path: Path, data: Any) -> Path:
    """Write JSON atomically (see json_text), trailing newline."""
    return write_text(path, json_text(data))


def write_layout(lib: gdstk.Library, path: Path) -> Path:
    """Write a gdstk library as GDSII (fixed timestamp) or OASIS, chosen by the file suffix."""
    if path.suffix.lower() == ".oas":
        return atomic(path, lambda p: lib.write_oas(str(p)))
    return atomic(path, lambda p: lib.write_gds(str(p), max_points=8190, timestamp=FIXED_TIME))


def lyp_text(pdk: Pdk) -> str:
    """KLayout layer properties (.lyp) generated from layers.yaml: names, colours, fill patterns."""
    rows = ['<?xml version="1.0" encoding="utf-8"?>', "<layer-properties>"]
    for name, spec in pdk.layers.items():
        hollow = spec.pattern == "hollow"
        rows += [
            " <properties>",
            f"  <frame-color>{spec.colour}</frame-color>",
            f"  <fill-color>{spec.colour}</fill-color>",
            "  <frame-brightness>0</frame-brightness>",
            "  <fill-brightness>0</fill-brightness>",
            f"  <dither-pattern>I{_DITHER[spec.pattern]}</dither-pattern>",
            "  <line-style/>",
            "  <valid>true</valid>",
            "  <visible>true</visible>",
            "  <transparent>false</transparent>",
            f"  <width>{2 if hollow else 1}</width>",
            "  <marked>false</marked>",
            "  <xfill>false</xfill>",
            "  <animation>0</animation>",
            f"  <name>{escape(name)} {spec.layer}/{spec.datatype} - {escape(spec.description)}</name>",
            f"  <source>{spec.layer}/{spec.datatype}@1</source>",
            " </properties>",
        ]
    rows.append("</layer-properties>")
    return "\n".join(rows) + "\n"


def write_lyp(pdk: Pdk, path: Path) -> Path:
    """Write the .lyp for a PDK atomically."""
    return write_text(path, lyp_text(pdk))
