"""Read a GDSII/OASIS layout into regions named by the PDK's canonical layers (deep or flat)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import klayout.db as kdb

from maskgen.errors import InputError
from maskgen.input.layoutfile import check_size, load
from maskgen.input.pdk import Pdk

DEFAULT_MAX_BYTES = 4 * 1024**3
"""Largest layout file read by default (4 GiB); raise it with `max_bytes`."""

PART_INSTANCES = 64
"""A cell stepped as an array whose own subtree holds at most this many instances (and no arrays) is
flattened before a deep read: a bump cell made of a dozen part cells. Its parts add hierarchy that
every deep check pays for and nothing to share; the arrays above it are what deep mode exploits."""

DSS_THREADS = min(4, os.cpu_count() or 1)
"""Worker threads of the deep shape store."""


@dataclass
class LayoutLayers:
    """A layout read for DRC: its top cell and one region per canonical layer drawn in it."""

    path: Path
    layout: kdb.Layout
    top: kdb.Cell
    dss: kdb.DeepShapeStore | None
    regions: dict[str, kdb.Region] = field(default_factory=dict)
    layer_names: dict[int, str] = field(default_factory=dict)
    helper_layers: set[int] = field(default_factory=set)
    _nothing: kdb.Region | None = None

    @property
    def dbu(self) -> float:
        """Database unit in um."""
        return self.layout.dbu

    @property
    def deep(self) -> bool:
        """True when the regions are hierarchical (DeepShapeStore)."""
        return self.dss is not None

    def has(self, name: str) -> bool:
        """True when the canonical layer has at least one shape under the top cell."""
        return name in self.regions

    def region(self, name: str) -> kdb.Region:
        """The region of a canonical layer (an empty region when the layer is absent)."""
        found = self.regions.get(name)
        return found if found is not None else self._empty()

    def present(self) -> set[str]:
        """Canonical names of the layers drawn in the layout."""
        return set(self.regions)

    def to_dbu(self, um: float) -> int:
        """A length in um as database units."""
        return int(round(um / self.layout.dbu))

    def top_box_region(self) -> kdb.Region:
        """The top cell's bounding box as a region of the same kind (deep or flat) as the layers."""
        return self._region_of_box(self.top.bbox())

    def all_layer_regions(self) -> list[tuple[str, kdb.Region]]:
        """Every layer of the layout with shapes (canonical or not), as (name, region), by layer number."""
        out = []
        for li in sorted(self.layout.layer_indexes(), key=lambda i: _layer_key(self.layout, i)):
            if li in self.helper_layers:
                continue
            name = self.layer_names.get(li)
            region = self.regions.get(name) if name else None
            if region is None and name is None:
                region = self._read(li)
                name = self.layout.get_info(li).to_s()
            if region is not None and name is not None and not region.is_empty():
                out.append((name, region))
        return out

    def _read(self, li: int) -> kdb.Region:
        it = self.top.begin_shapes_rec(li)
        return kdb.Region(it, self.dss) if self.dss is not None else kdb.Region(it)

    def _empty(self) -> kdb.Region:
        if self._nothing is None:
            self._nothing = self._region_of_box(None)
        return self._nothing

    def boxes_region(self, boxes: list[kdb.Box]) -> kdb.Region:
        """A helper layer in the top cell holding the boxes (dbu), read like the others."""
        li = self.layout.insert_layer(kdb.LayerInfo())
        self.helper_layers.add(li)
        for box in boxes:
            self.top.shapes(li).insert(box)
        return self._read(li)

    def _region_of_box(self, box: kdb.Box | None) -> kdb.Region:
        """A helper layer in the top cell holding one box (or nothing), read like the others."""
        li = self.layout.insert_layer(kdb.LayerInfo())
        self.helper_layers.add(li)
        if box is not None and not box.empty():
            self.top.shapes(li).insert(box)
        return self._read(li)


def _layer_key(layout: kdb.Layout, li: int) -> tuple[int, int, str]:
    info = layout.get_info(li)
    return info.layer, info.datatype, info.name


def read_layout(path: Path, pdk: Pdk, flat: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> LayoutLayers:
    """Read a GDSII/OASIS file into regions per canonical layer; a bad file is one InputError line."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, None, None, "layout file not found")
    if not path.is_file():
        raise InputError(path, None, None, "not a file; give a GDSII (.gds) or OASIS (.oas) layout")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, None, None, "layout file is empty")
    if size > max_bytes:
        raise InputError(path, "size", f"{size / 1e6:.0f} MB",
                         f"layout larger than the limit of {max_bytes / 1e6:.0f} MB; raise the limit to read it")
    layout = load(path)
    tops = [c for c in layout.top_cells() if not c.bbox().empty()] or list(layout.top_cells())
    if not tops:
        raise InputError(path, None, None, "layout has no cells")
    if len(tops) > 1:
        names = ", ".join(sorted(c.name for c in tops)[:5])
        raise InputError(path, "top cell", names, "the layout must have exactly one top cell with shapes")
    top = tops[0]
    check_size(layout, top, path)
    dss = None
    if not flat:
        _flatten_parts(layout)
        dss = kdb.DeepShapeStore()
        dss.threads = DSS_THREADS
    layers = LayoutLayers(path=path, layout=layout, top=top, dss=dss)
    for name, spec in pdk.layers.items():
        li = layout.find_layer(spec.layer, spec.datatype)
        if li is None:
            continue
        layers.layer_names[li] = name
        region = layers._read(li)
        if not region.is_empty():
            layers.regions[name] = region
    return layers


def _flatten_parts(layout: kdb.Layout) -> None:
    """Flatten (in memory) each arrayed cell that is a small assembly of part cells, see PART_INSTANCES."""
    arrayed = {inst.cell_index for cell in layout.each_cell() for inst in cell.each_inst() if inst.is_regular_array()}
    for ci in sorted(arrayed):
        cell = layout.cell(ci)
        if cell.child_instances() and _small_assembly(layout, cell, PART_INSTANCES):
            cell.flatten(-1, True)


def _small_assembly(layout: kdb.Layout, cell: kdb.Cell, limit: int) -> bool:
    """True when the cell's subtree has no array instances and at most `limit` instances in all."""
    count = 0
    stack = [cell]
    while stack:
        c = stack.pop()
        for inst in c.each_inst():
            if inst.is_regular_array():
                return False
            count += 1
            if count > limit:
                return False
            stack.append(layout.cell(inst.cell_index))
    return True
