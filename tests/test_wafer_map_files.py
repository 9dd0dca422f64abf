"""Wafer maps out of `maskgen build` (issue 12): SEMI E142 XML and SINF, and a known-bad-die map honoured."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import klayout.db as kdb
import yaml

from maskgen.build import build
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"
NS = {"e": "urn:semi-org:xsd.E142-1.V1005.SubstrateMap"}


def _recipe(tmp_path, **wafer):
    data = yaml.safe_load((TEMPLATES / "wafer_200mm_flat.yaml").read_text())
    data["wafer"].update(wafer)
    path = tmp_path / "flat.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _sinf(path):
    head, rows = {}, []
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "RowData":
            rows.append(value.split())
        else:
            head[key] = value
    return head, rows


def _die_centres(gds):
    ly = kdb.Layout()
    ly.read(str(gds))
    region = kdb.Region(ly.top_cell().begin_shapes_rec(ly.find_layer(90, 0)))
    region.merged_semantics = False
    return {(round(p.bbox().center().x * ly.dbu, 3), round(p.bbox().center().y * ly.dbu, 3))
            for p in region.each()}


def test_e142_and_sinf_parse_back_with_the_die_count(tmp_path):
    (tmp_path / "bad.csv").write_text("col,row\n10,3\n12,10\n")
    res = build(_recipe(tmp_path, bad_dies="bad.csv"), tmp_path / "out")
    w = res.manifest.as_json()["wafer"]
    assert w["die_count"] == 256 and w["map"]["bad"] == 2
    assert w["balls_placed"] == (256 - 2) * 361
    # E142: MapData / Layouts / Substrates / SubstrateMaps / BinCodeMap, in the E142 namespace
    root = ET.parse(res.files["e142"]).getroot()
    assert root.tag == f"{{{NS['e']}}}MapData"
    assert [c.tag.split("}")[1] for c in root] == ["Layouts", "Substrates", "SubstrateMaps"]
    devices = root.find("e:Layouts/e:Layout[@LayoutId='Devices']", NS)
    cols, rows = int(devices.find("e:Dimension", NS).get("X")), int(devices.find("e:Dimension", NS).get("Y"))
    llx, lly = (float(devices.find("e:LowerLeft", NS).get(k)) for k in "XY")
    step = float(devices.find("e:StepSize", NS).get("X"))
    assert root.find("e:Substrates/e:Substrate", NS).get("SubstrateId") == "wafer_200mm_flat"
    bcm = root.find("e:SubstrateMaps/e:SubstrateMap/e:Overlay/e:BinCodeMap", NS)
    lines = [b.text for b in bcm.findall("e:BinCode", NS)]
    assert len(lines) == rows and all(len(s) == cols for s in lines)
    codes = {(c, rows - 1 - k): ch for k, s in enumerate(lines) for c, ch in enumerate(s)}
    placed = {k for k, ch in codes.items() if ch in "1XP"}
    assert len(placed) == 256                                   # the die count of the build
    defs = {d.get("BinCode"): int(d.get("BinCount")) for d in bcm.findall("e:BinDefinitions/e:BinDefinition", NS)}
    assert defs["1"] == 254 and defs["X"] == 2
    assert {k for k, ch in codes.items() if ch == "X"} == {(10, 3), (12, 10)}
    # map positions are the dies of the layout: lower left + (col, row) x step
    centres = {(round(llx + c * step, 3), round(lly + r * step, 3)) for c, r in placed}
    assert centres == _die_centres(res.files["gds"])
    # SINF: header and row data agree with the E142 map
    head, data = _sinf(res.files["sinf"])
    assert (int(head["ROWCT"]), int(head["COLCT"])) == (rows, cols) and head["BCEQU"] == "01"
    assert len(data) == rows and all(len(r) == cols for r in data)
    sinf_codes = {(c, rows - 1 - k): v for k, r in enumerate(data) for c, v in enumerate(r)}
    assert {k for k, v in sinf_codes.items() if v == "01"} == {k for k, ch in codes.items() if ch == "1"}
    assert {k for k, v in sinf_codes.items() if v == "EF"} == {(10, 3), (12, 10)}
    assert res.drc.clean


def test_bad_dies_from_a_sinf_map(tmp_path):
    first = build(_recipe(tmp_path), tmp_path / "a", run_drc=False)
    head, data = _sinf(first.files["sinf"])
    k = next(i for i, r in enumerate(data) if "01" in r)
    c = data[k].index("01")
    data[k][c] = "EF"                                   # the prober found this die bad
    text = "".join(f"{key}:{v}\n" for key, v in head.items()) + "".join(f"RowData:{' '.join(r)}\n" for r in data)
    (tmp_path / "probe.sinf").write_text(text)
    res = build(_recipe(tmp_path, bad_dies="probe.sinf"), tmp_path / "b", run_drc=False)
    assert res.manifest.as_json()["wafer"]["map"]["bad"] == 1
    _, again = _sinf(res.files["sinf"])
    assert again[k][c] == "EF" and sum(r.count("01") for r in again) == 255


def test_bad_die_off_the_map_is_one_error_line(cli, tmp_path):
    (tmp_path / "bad.csv").write_text("0,0\n")                  # the lower-left corner step is off the wafer
    code, _, err = cli("build", _recipe(tmp_path, bad_dies="bad.csv"), "--out", tmp_path / "o")
    assert code == 2 and "wafer.bad_dies" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o" / "wafer_200mm_flat").exists()
    (tmp_path / "bad.csv").write_text("1,two\n")
    code, _, err = cli("build", _recipe(tmp_path, bad_dies="bad.csv"), "--out", tmp_path / "o")
    assert code == 2 and "col,row" in err
    code, _, err = cli("build", _recipe(tmp_path, bad_dies="missing.csv"), "--out", tmp_path / "o")
    assert code == 2 and "not found" in err
