"""Mask plates (issue 12): full-wafer 1x plates and stepper reticles, read back with klayout.db."""

from __future__ import annotations

import csv
import json

import klayout.db as kdb
import pytest
import yaml

from maskgen.build import masks_command
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


class Mask:
    """A written mask file: its one top cell, its CHROME layer and its die-site placements (read hierarchically)."""

    def __init__(self, path) -> None:
        self.layout = kdb.Layout()
        self.layout.read(str(path))
        self.tops = self.layout.top_cells()
        self.top = self.tops[0]
        self.dbu = self.layout.dbu
        self.layers = [self.layout.get_info(i) for i in self.layout.layer_indexes()]
        self.li = self.layout.find_layer(1, 0)
        site = next(c for c in self.layout.each_cell() if c.name.endswith("_site"))
        it = kdb.RecursiveInstanceIterator(self.layout, self.top)
        it.targets = [site.cell_index()]
        self.sites = []
        while not it.at_end():
            t = it.trans() * it.current_inst_element().specific_cplx_trans()
            self.sites.append((round(t.disp.x * self.dbu, 3), round(t.disp.y * self.dbu, 3)))
            it.next()

    def chrome_at(self, x: float, y: float) -> bool:
        """True when the plate keeps chrome at (x, y) um (only the shapes around the point are read)."""
        p = kdb.Point(round(x / self.dbu), round(y / self.dbu))
        probe = kdb.Box(p, p).enlarged(1, 1)
        near = kdb.Region(self.top.begin_shapes_rec_touching(self.li, probe))
        return not near.interacting(kdb.Region(probe)).is_empty()

    def chrome_area(self) -> float:
        """Chrome area in um2: each cell's own (merged) chrome times its placements in the top cell.

        Cells of a plate do not overlap one another's chrome (die sites and the rest of the field are
        disjoint), so the sum is the area of the whole plate's chrome without flattening 215,000 openings.
        """
        total = 0.0
        for cell in self.layout.each_cell():
            own = kdb.Region(cell.shapes(self.li)).area()
            if not own:
                continue
            if cell.cell_index() == self.top.cell_index():
                placed = 1
            else:
                it = kdb.RecursiveInstanceIterator(self.layout, self.top)
                it.targets = [cell.cell_index()]
                placed = 0
                while not it.at_end():
                    placed += 1
                    it.next()
            total += own * placed * self.dbu**2
        return total


@pytest.fixture(scope="module")
def w300(tmp_path_factory):
    out = tmp_path_factory.mktemp("w300")
    masks_command(TEMPLATES / "wafer_300mm.yaml", out)
    return out / "wafer_300mm"


def _die_centres(gds):
    ly = kdb.Layout()
    ly.read(str(gds))
    region = kdb.Region(ly.top_cell().begin_shapes_rec(ly.find_layer(90, 0)))
    region.merged_semantics = False
    return sorted((round(p.bbox().center().x * ly.dbu, 3), round(p.bbox().center().y * ly.dbu, 3))
                  for p in region.each())


def test_full_wafer_plate_holds_every_die_site(w300):
    manifest = json.loads((w300 / "wafer_300mm.json").read_text())
    data = json.loads((w300 / "masks" / "mask_list.json").read_text())
    centres = _die_centres(w300 / "wafer_300mm.gds")
    assert len(centres) == manifest["wafer"]["die_count"] == 596
    for m in data["masks"]:
        plate = Mask(w300 / "masks" / m["plate_file"])
        assert len(plate.tops) == 1 and [(i.layer, i.datatype) for i in plate.layers] == [(1, 0)]
        assert sorted(plate.sites) == centres                   # every whole die of the wafer map, counted
        assert m["plate_sites"] == 596 and m["plate_inch"] == 14
        # 14 inch (355.6 mm) square plate for a 300 mm wafer
        box = plate.top.dbbox()
        if m["polarity"] == "clear":
            assert box.width() == pytest.approx(355_600)
        # hierarchical: the site cell arrayed, not one polygon set per die
        assert plate.layout.cells() == 3


def test_plate_polarity(w300):
    data = {m["mask"]: m for m in json.loads((w300 / "masks" / "mask_list.json").read_text())["masks"]}
    pasv, pad = (Mask(w300 / "masks" / data[k]["plate_file"]) for k in ("PASV", "PAD"))
    x, y = pasv.sites[0]
    corner = (x - 4500, y - 4500)                              # the first bump of the 19 x 19 grid at 500 um pitch
    # PASV (positive resist): dark field, the 220 um opening clear, chrome between bumps and off the wafer
    assert data["PASV"]["field"] == "dark field"
    assert not pasv.chrome_at(*corner) and pasv.chrome_at(corner[0] + 250, corner[1])
    assert pasv.chrome_at(0, 160_000) and pasv.chrome_at(170_000, 170_000)
    # PAD (kept metal): clear field, chrome on the pad, none off the wafer
    assert data["PAD"]["field"] == "clear field"
    assert pad.chrome_at(*corner) and not pad.chrome_at(corner[0] + 250, corner[1])
    assert not pad.chrome_at(170_000, 170_000)
    # PASV openings: 596 dies x 361 bumps x pi/4 x 220^2 um2 of clear area inside the die sites
    plate_mm2 = 355.6**2
    openings = 596 * 361 * 3.141592653589793 / 4 * 0.22**2
    assert pasv.chrome_area() * 1e-6 == pytest.approx(plate_mm2 - openings, rel=2e-3)


def test_reticle_and_shot_map(w300):
    data = json.loads((w300 / "masks" / "mask_list.json").read_text())
    m = data["masks"][1]
    ret = Mask(w300 / "masks" / m["reticle_file"])
    assert len(ret.tops) == 1 and len(ret.sites) == 4          # 2 x 2 dies per field
    assert sorted(ret.sites) == [(-5050, -5050), (-5050, 5050), (5050, -5050), (5050, 5050)]
    # field 20.2 mm + 2 mm border a side at 1x
    assert ret.top.dbbox().width() == pytest.approx(24_200)
    shots = list(csv.DictReader((w300 / "masks" / "shot_map.csv").open()))
    assert sum(int(s["dies"]) for s in shots) == 596
    full = [s for s in shots if s["full"] == "full"]
    assert all(int(s["dies"]) == 4 for s in full)
    assert all(int(s["dies"]) < 4 for s in shots if s["full"] == "partial")
    assert 0 < len(full) < len(shots)


def test_200mm_flat_plate_mirror_and_reduction(tmp_path):
    masks_command(TEMPLATES / "wafer_200mm_flat.yaml", tmp_path, oasis=True)
    folder = tmp_path / "wafer_200mm_flat" / "masks"
    data = {m["mask"]: m for m in json.loads((folder / "mask_list.json").read_text())["masks"]}
    centres = _die_centres(tmp_path / "wafer_200mm_flat" / "wafer_200mm_flat.gds")
    assert len(centres) == 256
    plate = Mask(folder / data["PASV"]["plate_file"])
    assert data["PASV"]["plate_inch"] == 9 and data["PASV"]["mirror"] is True
    # mirror: true writes wrong-reading data, x -> -x: every die site mirrored
    assert sorted(plate.sites) == sorted((-x, y) for x, y in centres)
    oas = Mask(folder / data["PASV"]["plate_file"].replace(".gds", ".oas"))
    # the same chrome, cell by cell (the same hierarchy, so the whole plate is the same)
    assert sorted(c.name for c in oas.layout.each_cell()) == sorted(c.name for c in plate.layout.each_cell())
    for cell in plate.layout.each_cell():
        other = oas.layout.cell(cell.name)
        assert (kdb.Region(other.shapes(oas.li)) ^ kdb.Region(cell.shapes(plate.li))).is_empty(), cell.name
    assert len(oas.tops) == 1
    # 5x reticle of 2 x 1 dies: the written field is 5 x (20.2 + 4) mm wide, 5 x (10.1 + 4) mm high
    ret = Mask(folder / data["PASV"]["reticle_file"])
    assert len(ret.sites) == 2 and data["PASV"]["reduction"] == 5
    assert ret.top.dbbox().width() == pytest.approx(5 * 24_200)
    assert ret.top.dbbox().height() == pytest.approx(5 * 14_100)


@pytest.mark.parametrize("change,needle", [
    ({"plate": 7}, "masks.plate"),
    ({"reticle": {"dies": [3, 3], "reduction": 5, "max_field": [22, 22]}}, "max_field"),
    ({"format": ["reticle"], "reticle": None}, "reticle"),
    ({"format": ["plate"]}, "masks.format"),
])
def test_bad_plate_settings(cli, tmp_path, change, needle):
    data = yaml.safe_load((TEMPLATES / "wafer_200mm_flat.yaml").read_text())
    data["masks"].update(change)
    data["masks"] = {k: v for k, v in data["masks"].items() if v is not None}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = cli("masks", path, "--out", tmp_path / "o")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "o" / "wafer_200mm_flat" / "masks").exists()


def test_wafer_plate_needs_a_wafer(cli, tmp_path):
    data = yaml.safe_load((TEMPLATES / "default.yaml").read_text())
    data["masks"] = {"format": "wafer"}
    path = tmp_path / "nowafer.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = cli("masks", path, "--out", tmp_path / "o")
    assert code == 2 and "masks.format" in err and "wafer" in err
