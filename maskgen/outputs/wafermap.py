"""Wafer maps for the bumping line: every die site of the wafer as whole, partial, excluded or known bad.

Written by `maskgen build` for a recipe with a wafer, in two forms the line's tools read:

- SEMI E142 XML (`<name>_map.xml`): MapData with Layouts (the wafer, and its device grid: dimension, lower
  left, device and step size), Substrates and a SubstrateMap whose BinCodeMap holds one row string per die row;
- a SINF text map (`<name>.sinf`): header keys then `RowData:` lines of two-character bin codes.

Map coordinates: column and row from the lower-left die site of the map grid (0-based, x to the right, y up),
the grid being every die step that touches the wafer. Rows are written top row first, as the map is read. Bins:
`1`/`01` whole die (balls placed), `X`/`EF` known bad die (ball placement skips it), `P`/`FA` partial die,
`E`/`FF` excluded (a die step on the wafer that crosses the edge exclusion), `.`/`__` no die.

A known-bad-die map (`wafer.bad_dies`) is a CSV of `col,row` in these coordinates, or a SINF map whose codes
other than its BCEQU good bins mark bad dies.
"""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from maskgen.errors import InputError
from maskgen.input.recipe import Wafer

E142_NS = "urn:semi-org:xsd.E142-1.V1005.SubstrateMap"
BINS = {  # status: (E142 code, SINF code, quality, description)
    "whole": ("1", "01", "Pass", "whole die: balls placed"),
    "bad": ("X", "EF", "Fail", "known bad die: ball placement skips it"),
    "partial": ("P", "FA", "Fail", "partial die at the wafer edge"),
    "excluded": ("E", "FF", "Fail", "die step crossing the edge exclusion: not placed"),
}
NULL = (".", "__")


@dataclass(frozen=True)
class MapDie:
    """One die step of the map: index (whole, partial and bad dies, from the lower left), column, row, centre
    (um from the wafer centre) and status."""

    index: int
    col: int
    row: int
    x: float
    y: float
    status: str


@dataclass(frozen=True)
class WaferMap:
    """The map grid: columns, rows, the centre of die (0, 0), step and die size (um), and every die step on it."""

    cols: int
    rows: int
    origin: tuple[float, float]
    step: tuple[float, float]
    die_size: tuple[float, float]
    dies: list[MapDie]

    def count(self, status: str) -> int:
        """Dies of one status."""
        return sum(d.status == status for d in self.dies)


def wafer_map(wafer: Wafer, die_size: tuple[float, float], step: tuple[float, float],
              offset: tuple[float, float], sites: list, bad: set[tuple[int, int]] | None = None,
              file: str | Path | None = None) -> WaferMap:
    """The map of a placed wafer: placed sites whole/partial/bad, other die steps touching the wafer excluded."""
    r = wafer.diameter * 500.0
    (sx, sy), (w, h) = step, die_size
    placed = {(s.col, s.row): s for s in sites}
    on_wafer = []
    nx, ny = int((r + w) // sx) + 2, int((r + h) // sy) + 2
    for j in range(-ny, ny + 1):
        for i in range(-nx, nx + 1):
            x, y = offset[0] + i * sx, offset[1] + j * sy
            if (i, j) in placed or math.hypot(max(abs(x) - w / 2, 0), max(abs(y) - h / 2, 0)) < r:
                on_wafer.append((i, j, x, y))
    c0, r0 = min(i for i, *_ in on_wafer), min(j for _, j, *_ in on_wafer)
    cols, rows = max(i for i, *_ in on_wafer) - c0 + 1, max(j for _, j, *_ in on_wafer) - r0 + 1
    bad = set(bad or ())
    for col, row in sorted(bad):
        site = placed.get((col + c0, row + r0))
        if site is None:
            raise InputError(file, "wafer.bad_dies", [col, row],
                             f"no die is placed at column {col}, row {row} of the wafer map "
                             f"({cols} columns x {rows} rows from the lower left)")
    dies, index = [], 0
    for i, j, x, y in sorted(on_wafer, key=lambda t: (t[1], t[0])):
        col, row = i - c0, j - r0
        site = placed.get((i, j))
        if site is None:
            status = "excluded"
        elif (col, row) in bad:
            status = "bad"
        else:
            status = "whole" if site.whole else "partial"
        if site is not None:
            index += 1
        dies.append(MapDie(index if site is not None else 0, col, row, round(x, 3), round(y, 3), status))
    origin = (round(offset[0] + c0 * sx, 3), round(offset[1] + r0 * sy, 3))
    return WaferMap(cols, rows, origin, step, die_size, dies)


def _grid(m: WaferMap, which: int) -> list[str]:
    """Row strings, top row first: code `which` (0 E142, 1 SINF) per column, null where there is no die."""
    codes = {(d.col, d.row): BINS[d.status][which] for d in m.dies}
    sep = "" if which == 0 else " "
    return [sep.join(codes.get((c, r), NULL[which]) for c in range(m.cols)) for r in range(m.rows - 1, -1, -1)]


def e142_xml(m: WaferMap, wafer: Wafer, name: str) -> str:
    """The map as SEMI E142 substrate-map XML (MapData / Layouts / Substrates / SubstrateMaps / BinCodeMap)."""
    ET.register_namespace("", E142_NS)
    q = lambda tag: f"{{{E142_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("MapData"))
    layouts = ET.SubElement(root, q("Layouts"))
    top = ET.SubElement(layouts, q("Layout"), LayoutId="Wafer", DefaultUnits="mm", TopLevel="true")
    ET.SubElement(top, q("Dimension"), X="1", Y="1")
    ET.SubElement(top, q("DeviceSize"), X=f"{wafer.diameter}", Y=f"{wafer.diameter}")
    child = ET.SubElement(top, q("ChildLayouts"))
    ET.SubElement(child, q("ChildLayout"), LayoutId="Devices")
    dev = ET.SubElement(layouts, q("Layout"), LayoutId="Devices", DefaultUnits="micron")
    ET.SubElement(dev, q("Dimension"), X=str(m.cols), Y=str(m.rows))
    ET.SubElement(dev, q("LowerLeft"), X=f"{m.origin[0]:g}", Y=f"{m.origin[1]:g}")
    ET.SubElement(dev, q("DeviceSize"), X=f"{m.die_size[0]:g}", Y=f"{m.die_size[1]:g}")
    ET.SubElement(dev, q("StepSize"), X=f"{m.step[0]:g}", Y=f"{m.step[1]:g}")
    subs = ET.SubElement(root, q("Substrates"))
    sub = ET.SubElement(subs, q("Substrate"), SubstrateType="Wafer", SubstrateId=name)
    ET.SubElement(sub, q("GoodDevices")).text = str(m.count("whole"))
    maps = ET.SubElement(root, q("SubstrateMaps"))
    smap = ET.SubElement(maps, q("SubstrateMap"), SubstrateType="Wafer", SubstrateId=name,
                         Orientation="180", OriginLocation="LowerLeft", AxisDirection="UpRight",
                         LayoutSpecifier="Wafer/Devices", SubstrateSide="TopSide")
    overlay = ET.SubElement(smap, q("Overlay"), MapName="BumpMap", MapVersion="1")
    bcm = ET.SubElement(overlay, q("BinCodeMap"), BinType="ASCII", NullBin=NULL[0])
    defs = ET.SubElement(bcm, q("BinDefinitions"))
    for status, (code, _, quality, text) in BINS.items():
        ET.SubElement(defs, q("BinDefinition"), BinCode=code, BinCount=str(m.count(status)), BinQuality=quality,
                      BinDescription=text)
    for row in _grid(m, 0):
        ET.SubElement(bcm, q("BinCode")).text = row
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def sinf_text(m: WaferMap, wafer: Wafer, name: str) -> str:
    """The map as a SINF text map: header keys (device, flat/notch at 180 degrees, rows, columns, good bins,
    die step in mm) and one RowData line per row, top row first."""
    head = [f"DEVICE:{name}", "LOT:", f"WAFER:{name}", "FNLOC:180", f"ROWCT:{m.rows}", f"COLCT:{m.cols}",
            "BCEQU:01", "REFPX:0", "REFPY:0", "DUTMS:mm", f"XDIES:{m.step[0] / 1000:g}", f"YDIES:{m.step[1] / 1000:g}"]
    return "\n".join(head + [f"RowData:{row}" for row in _grid(m, 1)]) + "\n"


def read_bad_dies(path: Path, file: str | Path | None = None) -> set[tuple[int, int]]:
    """Known bad dies from a CSV of col,row (a header row is allowed) or a SINF map (codes not in BCEQU)."""
    if not path.is_file():
        raise InputError(file, "wafer.bad_dies", str(path), "file not found (a CSV of col,row or a SINF map)")
    text = path.read_text(encoding="utf-8", errors="replace")
    if "RowData:" in text:
        return _bad_from_sinf(text, path)
    bad = set()
    for n, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or (n == 1 and not row[0].strip().lstrip("-").isdigit()):
            continue
        try:
            col, r = (int(v) for v in row[:2])
        except ValueError:
            raise InputError(path, f"line {n}", ",".join(row), "expected col,row as whole numbers") from None
        if col < 0 or r < 0:
            raise InputError(path, f"line {n}", ",".join(row), "col and row count from 0 at the lower left")
        bad.add((col, r))
    return bad


def _bad_from_sinf(text: str, path: Path) -> set[tuple[int, int]]:
    """Bad dies of a SINF map: every code that is neither null (__) nor a BCEQU good bin."""
    good = {"01"}
    rows = []
    for line in text.splitlines():
        if line.startswith("BCEQU:"):
            good = set(line[6:].split()) or good
        elif line.startswith("RowData:"):
            rows.append(line[8:].split())
    bad = set()
    for k, codes in enumerate(rows):
        r = len(rows) - 1 - k
        for col, code in enumerate(codes):
            if code not in good and code != "__" and code not in ("FA", "FF"):
                bad.add((col, r))
    if not rows:
        raise InputError(path, "RowData", None, "a SINF map needs RowData: lines")
    return bad
