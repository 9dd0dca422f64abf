"""Daisy chain and Kelvin structures of the test_vehicle template: die-side RDL links read back from the GDS,
the board-side layout (GDSII and Gerber RS-274X, mirrored), the chain in the manifest with its predicted
resistance (hand-worked), and RDL.CONNECT accepting declared links but still catching a wrong one."""

from __future__ import annotations

import json
import math
import re

import klayout.db as kdb
import pytest
import yaml

from maskgen.build import build
from maskgen.drc import run_drc
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


@pytest.fixture(scope="module")
def vehicle(tmp_path_factory):
    out = tmp_path_factory.mktemp("tv")
    return build(TEMPLATES / "test_vehicle.yaml", out)


def _layer(ly, pdk, name):
    li = ly.find_layer(*pdk.gds(name))
    return kdb.Region(ly.top_cell().begin_shapes_rec(li)) if li is not None else kdb.Region()


def test_die_side_chain_and_kelvin_links(vehicle, pdk):
    assert vehicle.drc.clean
    rules = {r.id: r for r in vehicle.drc.rules}
    assert rules["RDL.CONNECT"].status == "pass" and rules["RDL.SPACE"].status == "pass"
    ly = kdb.Layout()
    ly.read(str(vehicle.files["gds"]))
    rdl = _layer(ly, pdk, "RDL").merged()
    bumps = _layer(ly, pdk, "BUMP")
    # 96 chained bumps joined in pairs (48 die links) + 2 Kelvin pairs: 50 RDL nets of exactly two bumps each
    assert rdl.count() == 50
    assert all(bumps.interacting(kdb.Region(p)).count() == 2 for p in rdl.each())
    assert _layer(ly, pdk, "INS1").count() == 100            # a via over every pad
    ts = vehicle.manifest.as_json()["test_structures"]
    chain = ts["daisy_chains"][0]
    assert chain["bump_count"] == 96 and len(chain["bumps"]) == 96 and len(set(chain["bumps"])) == 96
    assert chain["die_links"] == 48 and chain["board_links"] == 47
    assert chain["bumps"][:3] == ["K1", "K2", "K3"] and chain["bumps"][-1] == "A1"
    assert not {"A10", "B10", "J10", "K10"} & set(chain["bumps"])
    assert [k["bumps"] for k in ts["kelvin"]] == [["A10", "B10"], ["J10", "K10"]]
    assert set(ts["kelvin"][0]["probe_pads"]) == {"force+", "sense+", "force-", "sense-"}


def test_predicted_resistance_by_hand(vehicle, pdk):
    ts = vehicle.manifest.as_json()["test_structures"]
    chain = ts["daisy_chains"][0]
    e = ts["electrical"]
    mohm = (e["bump_resistance_mohm"], e["rdl_sheet_resistance_mohm_sq"], e["board_sheet_resistance_mohm_sq"])
    assert mohm == (2.5, 3.4, 0.49)           # pdk/default/electrical.yaml (ohm), SAC305; the manifest in mOhm
    rs_rdl = 0.0034
    # RDL land: the widest UBM (260) + 2 x (RDL.ENCLOSES_UBM + chord tolerance), rounded up
    land = math.ceil(260 + 2 * (pdk.rule_value("RDL.ENCLOSES_UBM") + pdk.deck.chord_error))
    assert land == 281
    links = [lk for lk in ts["die_links"] if lk["bumps"][0] in chain["bumps"]]
    assert {lk["width"] for lk in links} == {50}
    die = sum(rs_rdl * ((abs(lk["to"][0] - lk["from"][0]) + abs(lk["to"][1] - lk["from"][1])) - land) / 50
              for lk in links)                # every link joins neighbours 400 um apart
    assert die == pytest.approx(48 * 0.0034 * (400 - land) / 50, rel=1e-9)
    r = chain["resistance_mohm"]
    assert r["bumps"] == pytest.approx(96 * 2.5)
    assert r["die_links"] == pytest.approx(1000 * die, abs=1e-3)
    assert r["board_links"] == pytest.approx(1000 * 47 * 0.00049 * (400 - 260) / 40, abs=1e-3)
    assert r["total"] == pytest.approx(r["bumps"] + r["die_links"] + r["board_links"] + r["escapes"], abs=1e-3)
    k = ts["kelvin"][0]["resistance_mohm"]
    assert k["total"] == pytest.approx(1000 * (2 * 0.0025 + 0.0034 * (400 - land) / 50), abs=1e-3)


def test_board_layout_gds_and_gerber(vehicle, pdk):
    ly = kdb.Layout()
    ly.read(str(vehicle.files["board_gds"]))
    assert ly.top_cell().name == "test_vehicle_board"
    lands = _layer(ly, pdk, "BOARD_LAND")
    traces = _layer(ly, pdk, "BOARD_TRACE")
    assert lands.count() == 100
    # seen from the board the die is mirrored: ball A1 (layout top-right, +1800, +1800) lands at (-1800, +1800)
    centres = {(round(p.bbox().center().x * ly.dbu), round(p.bbox().center().y * ly.dbu)) for p in lands.each()}
    assert (-1800, 1800) in centres and (1800, 1800) in centres
    nets = (lands + traces).merged()
    # 47 board links (two lands each), the chain's two ends and the four Kelvin lands (one land each)
    per_net = sorted(lands.interacting(kdb.Region(p)).count() for p in nets.each())
    assert per_net == [1] * 6 + [2] * 47
    # every probe pad lies outside the die shadow (die 5000 um)
    pads = [p for p in traces.each() if p.bbox().width() == p.bbox().height() == round(100 / ly.dbu)]
    assert len(pads) == 2 + 8 and all(abs(p.bbox().center().x * ly.dbu) > 2500 for p in pads)
    lands_gbr = vehicle.files["board_lands_gbr"].read_text()
    traces_gbr = vehicle.files["board_traces_gbr"].read_text()
    for text in (lands_gbr, traces_gbr):
        assert text.startswith("G04") and "%MOMM*%" in text and text.rstrip().endswith("M02*")
        assert "TF.CreationDate,2000-01-01T00:00:00" in text
    assert len(re.findall(r"D03\*", lands_gbr)) == 100
    assert "X-1800000Y1800000D03*" in lands_gbr and "%ADD10C,0.26*%" in lands_gbr
    assert len(re.findall(r"D03\*", traces_gbr)) == 10 and "TestPad" in traces_gbr


def test_gerber_reads_back_with_gerbonara(vehicle, pdk):
    """An independent Gerber reader sees the GDS board: the same 100 lands (mm), 57 lines, 10 probe pads."""
    from gerbonara import GerberFile

    ly = kdb.Layout()
    ly.read(str(vehicle.files["board_gds"]))
    gds_lands = sorted((round(p.bbox().center().x * ly.dbu), round(p.bbox().center().y * ly.dbu))
                       for p in _layer(ly, pdk, "BOARD_LAND").each())
    lands = GerberFile.open(vehicle.files["board_lands_gbr"])
    flashes = [o for o in lands.objects if type(o).__name__ == "Flash"]
    assert sorted((round(o.x * 1000), round(o.y * 1000)) for o in flashes) == gds_lands
    assert {round(o.aperture.diameter * 1000) for o in flashes} == {260}
    traces = GerberFile.open(vehicle.files["board_traces_gbr"])
    kinds = [type(o).__name__ for o in traces.objects]
    assert kinds.count("Line") == 47 + 2 + 8 and kinds.count("Flash") == 10
    widths = {round(o.aperture.diameter * 1000) for o in traces.objects if type(o).__name__ == "Line"}
    assert widths == {40}


def test_same_recipe_same_board_bytes(vehicle, tmp_path):
    again = build(TEMPLATES / "test_vehicle.yaml", tmp_path, run_drc=False)
    for kind in ("board_gds", "board_lands_gbr", "board_traces_gbr", "gds"):
        assert again.files[kind].read_bytes() == vehicle.files[kind].read_bytes()


def test_rdl_connect_still_catches_an_undeclared_link(vehicle, pdk, tmp_path):
    """The same layout with a manifest declaring one link fewer: that link joins two pads, flagged."""
    data = json.loads(vehicle.files["json"].read_text())
    data["test_structures"]["die_links"] = data["test_structures"]["die_links"][1:]
    gds = tmp_path / "tv.gds"
    gds.write_bytes(vehicle.files["gds"].read_bytes())
    result = run_drc(gds, pdk, manifest=data)
    rule = next(r for r in result.rules if r.id == "RDL.CONNECT")
    assert rule.count == 1
    assert any("joins two or more pads" in v.message for v in result.violations if v.rule == "RDL.CONNECT")


@pytest.mark.parametrize("change,needle", [
    ({"die.test_structures.kelvin": [{"name": "K1", "bumps": ["E5", "E6"]}]}, "not the outermost of its row"),
    ({"die.test_structures.kelvin": [{"name": "K1", "bumps": ["A10", "Z9"]}]}, "no bump of that name"),
    ({"die.test_structures.daisy_chain.region": [-1000, -1000, 1000, 1000],
      "die.test_structures.kelvin": []}, "not the outermost of its row"),
    ({"process": "cantilever_wlcsp"}, "cantilever"),
    ({"process": "flux_fill", "flux_fill": {"resist_opening": 270}, "bump_types": [], "materials": {}},
     "test structures work with: ball_drop, two_step_ball"),  # the processes whose RDL step the die switches on
])
def test_bad_test_structures(cli, tmp_path, change, needle):
    data = yaml.safe_load((TEMPLATES / "test_vehicle.yaml").read_text())
    if change.get("process") == "flux_fill":
        del data["ball_drop"]
    for key, value in change.items():
        node = data
        keys = key.split(".")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    code, _, err = cli("build", tmp_path / "bad.yaml", "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
