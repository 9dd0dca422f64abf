"""The mask set: one file per mask in process order, polarity from the resist tone, read back as chrome area."""

from __future__ import annotations

import csv
import json

import klayout.db as kdb
import pytest

from maskgen.build import build
from maskgen.input.pdk import data_root
from maskgen.outputs.masks import write_masks

TEMPLATES = data_root() / "templates"


@pytest.fixture(scope="module")
def default_masks(tmp_path_factory):
    res = build(TEMPLATES / "default.yaml", tmp_path_factory.mktemp("m"), run_drc=False)
    return res, write_masks(res)


def _chrome(path):
    ly = kdb.Layout()
    ly.read(str(path))
    li = ly.find_layer(1, 0)
    return kdb.Region(ly.top_cell().begin_shapes_rec(li)).merged(), ly.dbu


def _die_window(res, dbu):
    w, h = res.design.recipe.die.size
    return kdb.Region(kdb.Box(round(-w / 2 / dbu), round(-h / 2 / dbu), round(w / 2 / dbu), round(h / 2 / dbu)))


def test_masks_in_process_order(default_masks):
    _, masks = default_masks
    assert [m.entry["mask"] for m in masks] == ["PAD", "PASV", "UBM", "POLY"]
    assert [m.path.name for m in masks] == ["01_PAD.gds", "02_PASV.gds", "03_UBM.gds", "04_POLY.gds"]


def test_positive_resist_opening_is_clear(default_masks, read_gds):
    # PASV openings patterned with positive AZ4620: the openings are clear, the field is chrome (dark field).
    res, masks = default_masks
    pasv = next(m for m in masks if m.entry["mask"] == "PASV")
    assert pasv.entry["polarity"] == "clear" and pasv.entry["field"] == "dark field"
    chrome, dbu = _chrome(pasv.path)
    window = _die_window(res, dbu)
    drawn = read_gds(res.files["gds"]).region("PASV").merged()
    chrome_in_die = (chrome & window).area()
    assert chrome_in_die == pytest.approx(window.area() - drawn.area(), rel=1e-9)
    # no chrome over an opening (a few nm^2 of cut-line rounding in the written polygons at most)
    assert (chrome & drawn).area() <= 1e-6 * drawn.area()


def test_negative_dry_film_inverts_the_field(default_masks, read_gds):
    # POLY openings in the negative WBR2100 dry film: the openings carry chrome, the field is clear.
    res, masks = default_masks
    poly = next(m for m in masks if m.entry["mask"] == "POLY")
    assert poly.entry["tone"] == "negative" and poly.entry["polarity"] == "dark"
    chrome, dbu = _chrome(poly.path)
    drawn = read_gds(res.files["gds"]).region("POLY").merged()
    assert (chrome & _die_window(res, dbu)).area() == drawn.area()
    assert (drawn - chrome).is_empty()


def test_island_mask_is_dark_on_clear_field(default_masks, read_gds):
    # UBM islands are kept material under a positive resist: chrome on the islands.
    res, masks = default_masks
    ubm = next(m for m in masks if m.entry["mask"] == "UBM")
    assert ubm.entry["polarity"] == "dark"
    chrome, dbu = _chrome(ubm.path)
    drawn = read_gds(res.files["gds"]).region("UBM").merged()
    assert (chrome & _die_window(res, dbu)).area() == drawn.area()


def test_alignment_marks_register_to_the_previous_level(default_masks):
    res, masks = default_masks
    w, h = res.design.recipe.die.size
    outside = {}
    for m in masks:
        chrome, dbu = _chrome(m.path)
        field = kdb.Region(chrome.bbox())
        if m.entry["polarity"] == "clear":
            chrome = field - chrome
        # features (marks, label) outside the die window
        outside[m.entry["level"]] = chrome - _die_window(res, dbu)
        assert outside[m.entry["level"]].count() >= 4
    # the box of level 2 frames the cross of level 1
    l1, l2 = outside[1], outside[2]
    geo = res.design.pdk.masks.die                      # pdk/default/masks.yaml
    assert (geo.field_margin, geo.mark_first, geo.marks.box) == (1000.0, 200.0, 360.0)
    x_site = round((-w / 2 - geo.field_margin / 2) / 0.001)
    y_site = round((-h / 2 + geo.mark_first) / 0.001)
    probe = kdb.Region(kdb.Box(x_site - 1000, y_site - 1000, x_site + 1000, y_site + 1000))
    assert not (l1 & probe).is_empty()          # cross of level 1 at its site
    assert (l2 & probe).is_empty()              # level 2 leaves the cross site open...
    frame = kdb.Region(kdb.Box(x_site - 185_000, y_site - 185_000, x_site + 185_000, y_site + 185_000))
    assert not (l2 & frame).is_empty()          # ...and frames it


def test_mask_list_csv_and_json(default_masks):
    res, masks = default_masks
    folder = masks[0].path.parent
    rows = list(csv.DictReader((folder / "mask_list.csv").open()))
    assert [r["mask"] for r in rows] == ["PAD", "PASV", "UBM", "POLY"]
    poly = rows[-1]
    assert poly["gds_layer"] == "40/0" and poly["polarity"] == "dark" and poly["tone"] == "negative"
    # critical dimension of the POLY mask: 280 um openings at 400 um pitch leave 120 um of chrome between them
    assert float(poly["critical_dimension_um"]) == 120.0 and poly["cd_kind"] == "space between openings"
    data = json.loads((folder / "mask_list.json").read_text())
    assert data["process"] == "ball_drop" and len(data["masks"]) == 4


def test_cli_masks(cli, tmp_path):
    code, out, err = cli("masks", "two_step_ball", "--out", tmp_path)
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "two_step_ball" / "masks").glob("*.gds"))
    assert names == ["01_PAD.gds", "02_PASV.gds", "03_INS1.gds", "04_RDL.gds", "05_UBM.gds", "06_SM1.gds",
                     "07_SM2.gds"]


def test_cli_masks_oasis_holds_the_same_chrome(cli, tmp_path):
    code, out, err = cli("masks", "default", "--out", tmp_path, "--oasis")
    assert code == 0, err
    folder = tmp_path / "default" / "masks"
    data = json.loads((folder / "mask_list.json").read_text())
    assert [m["oasis_file"] for m in data["masks"]] == ["01_PAD.oas", "02_PASV.oas", "03_UBM.oas", "04_POLY.oas"]
    for m in data["masks"]:
        layouts = [kdb.Layout(), kdb.Layout()]                  # kept alive: regions refer to their layouts
        for ly, name in zip(layouts, (m["file"], m["oasis_file"]), strict=True):
            ly.read(str(folder / name))
        gds, oas = (kdb.Region(ly.top_cell().begin_shapes_rec(ly.find_layer(1, 0))) for ly in layouts)
        assert gds.area() > 0
        assert (gds ^ oas).is_empty()                     # same chrome, polygon for polygon
    assert (folder / "01_PAD.oas").read_bytes()[:13] == b"%SEMI-OASIS\r\n"
