"""Hostile layouts for the tests and benchmarks/hostile_files.py: a huge array reference, a hierarchy of 10^24
placements, a cell that places itself."""

from __future__ import annotations

import struct
from pathlib import Path

import gdstk


def gds_with_array(path: Path, columns: int, rows: int, spacing: float = 100, origin=(0, 0)) -> Path:
    """A layout whose top cell places one 40 um pad cell as a columns x rows array reference."""
    lib = gdstk.Library()
    pad = lib.new_cell("PAD")
    pad.add(gdstk.rectangle((-20, -20), (20, 20), layer=7))
    top = lib.new_cell("TOP")
    top.add(gdstk.Reference(pad, origin, columns=columns, rows=rows, spacing=(spacing, spacing)))
    lib.write_gds(str(path))
    return path


def deep_gds(path: Path) -> Path:
    """Four levels of 1000 x 1000 array references over one 1 nm square: 10^24 placements from L4."""
    lib = gdstk.Library()
    cell = lib.new_cell("L0")
    cell.add(gdstk.rectangle((0, 0), (0.001, 0.001), layer=7))
    for level in range(1, 5):
        parent = lib.new_cell(f"L{level}")
        parent.add(gdstk.Reference(cell, (0, 0), columns=1000, rows=1000, spacing=(0.001, 0.001)))
        cell = parent
    lib.write_gds(str(path))
    return path


def recursive_gds(path: Path) -> Path:
    """A GDSII file by hand whose cell A places itself (gdstk and KLayout refuse to write one)."""
    def rec(kind: int, data: bytes = b"") -> bytes:
        return struct.pack(">HH", 4 + len(data), kind) + data

    def text(s: str) -> bytes:
        b = s.encode()
        return b + b"\0" * (len(b) % 2)
    units = bytes.fromhex("3e4189374bc6a7ef3944b82fa09b5a51")  # 1e-3 user unit, 1e-9 m database unit
    data = rec(0x0002, struct.pack(">h", 600)) + rec(0x0102, b"\0" * 24) + rec(0x0206, text("LIB")) + rec(0x0305, units)
    data += rec(0x0502, b"\0" * 24) + rec(0x0606, text("A"))
    data += rec(0x0800) + rec(0x0D02, struct.pack(">h", 7)) + rec(0x0E02, struct.pack(">h", 0))
    data += rec(0x1003, struct.pack(">10i", 0, 0, 1000, 0, 1000, 1000, 0, 1000, 0, 0)) + rec(0x1100)
    data += rec(0x0A00) + rec(0x1206, text("A")) + rec(0x1003, struct.pack(">ii", 5000, 0)) + rec(0x1100)
    data += rec(0x0700) + rec(0x0400)
    path.write_bytes(data)
    return path
