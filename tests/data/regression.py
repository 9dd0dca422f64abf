"""Reference layouts for regression checks: which recipes, how to rebuild them, and a hierarchical XOR.

Regenerate after an intended geometry change (and say why in the commit):
    python tests/data/regression.py
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import klayout.db as kdb

DATA = Path(__file__).resolve().parent
ROOT = DATA.parent.parent
REFERENCE = DATA / "reference"
NOT_BUILT = {"openroad_flipchip"}
"""Recipes under tests/data/recipes without an XOR reference: OpenROAD's flip-chip is checked by its routing
figures (tests/test_flipchip_build.py, tests/test_openroad_routing.py); any router change moves its lines."""

RECIPES = sorted((ROOT / "templates").glob("*.yaml")) + sorted(
    p for p in (DATA / "recipes").glob("*.yaml") if p.stem not in NOT_BUILT)
"""Every shipped template plus the 004 embodiments the templates do not cover."""


@dataclass
class Difference:
    """Where a layout differs from its reference: cell, layer, area of the XOR in um2 (or what else differs)."""

    cell: str
    what: str
    area_um2: float = 0.0

    def __str__(self) -> str:
        return f"{self.cell} {self.what}" + (f": XOR area {self.area_um2:.3f} um2" if self.area_um2 else "")


def _read(path: Path) -> kdb.Layout:
    ly = kdb.Layout()
    ly.read(str(path))
    return ly


def _layers(ly: kdb.Layout) -> dict[tuple[int, int], int]:
    return {(info.layer, info.datatype): li for li, info in zip(ly.layer_indexes(), ly.layer_infos(), strict=True)}


def _instances(ly: kdb.Layout, cell: kdb.Cell) -> list[str]:
    """A cell's instances as sorted text: child name, transformation, array vectors and counts."""
    out = []
    for inst in cell.each_inst():
        arr = inst.cell_inst
        out.append(f"{ly.cell(inst.cell_index).name} {arr.trans} {arr.a} {arr.b} {arr.na} {arr.nb}")
    return sorted(out)


def compare(layout: Path, reference: Path) -> list[Difference]:
    """Differences of a layout from its reference: per cell and layer XOR when the hierarchy matches, else flat."""
    new, ref = _read(layout), _read(reference)
    diffs: list[Difference] = []
    if abs(new.dbu - ref.dbu) > 1e-12:
        return [Difference("-", f"database unit {new.dbu} != {ref.dbu}")]
    ln, lr = _layers(new), _layers(ref)
    for key in sorted(set(ln) ^ set(lr)):
        diffs.append(Difference("-", f"layer {key[0]}/{key[1]} only in {'layout' if key in ln else 'reference'}"))
    names_new = {c.name for c in new.each_cell()}
    names_ref = {c.name for c in ref.each_cell()}
    keys = sorted(set(ln) & set(lr))
    tops_new = sorted(c.name for c in new.top_cells())
    tops_ref = sorted(c.name for c in ref.top_cells())
    if names_new == names_ref and tops_new == tops_ref:
        for rc in ref.each_cell():
            nc = new.cell(rc.name)
            if _instances(new, nc) != _instances(ref, rc):
                diffs.append(Difference(rc.name, "instances differ"))
            for key in keys:
                delta = kdb.Region(nc.shapes(ln[key])) ^ kdb.Region(rc.shapes(lr[key]))
                if not delta.is_empty():
                    diffs.append(Difference(rc.name, f"layer {key[0]}/{key[1]}", delta.area() * new.dbu**2))
        return diffs
    # another hierarchy: compare what the top cells draw, flat
    diffs.append(Difference("-", f"top cells {tops_new} (reference {tops_ref})"))
    for key in keys:
        a, b = kdb.Region(), kdb.Region()
        for c in new.top_cells():
            a += kdb.Region(c.begin_shapes_rec(ln[key]))
        for c in ref.top_cells():
            b += kdb.Region(c.begin_shapes_rec(lr[key]))
        delta = a ^ b
        if not delta.is_empty():
            diffs.append(Difference("top", f"layer {key[0]}/{key[1]} (flat)", delta.area() * new.dbu**2))
    return diffs


def build_gds(recipe: Path, out: Path) -> Path:
    """Build one recipe without DRC into out and return its GDS."""
    from maskgen.build import build
    return build(recipe, out, run_drc=False).files["gds"]


def main() -> None:
    """Rebuild every reference layout under tests/data/reference/."""
    REFERENCE.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="maskgen-ref-") as tmp:
        for recipe in RECIPES:
            gds = build_gds(recipe, Path(tmp))
            target = REFERENCE / gds.name
            target.write_bytes(gds.read_bytes())
            print(f"{target.relative_to(ROOT)}  {target.stat().st_size:7d} B")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
