"""Report writers: .lyrdb reloads in KLayout, JSON contract, JUnit XML, deterministic bytes, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

import klayout.rdb as rdb
import pytest

from maskgen.drc import drc_exit_code, run_drc, write_reports

RULE_KEYS = {"id", "claims", "description", "value", "source", "status", "count", "listed", "reason"}


@pytest.fixture()
def dirty(drawing, check, kit):
    """Two defects (pad enclosure, RDL-less stair) plus a clean twin: a dirty result with edge pairs and polygons."""
    kit.stair_site(drawing, 0, pasv_shift=15)
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    drawing.square("UBM", 0, 300, 120)  # UBM island over no opening
    return check(drawing, {"process": "stair_bump", "materials": {"pad": "Au"}})


def test_exit_code(check, kit, dirty, pdk):
    drawing = kit.Drawing(pdk)
    kit.stair_site(drawing, 0)
    drawing.die()
    clean = check(drawing, name="clean")
    assert clean.clean and drc_exit_code(clean) == 0
    assert not dirty.clean and drc_exit_code(dirty) == 1


def test_lyrdb_reloads_with_categories_and_items(dirty, tmp_path, pdk):
    path = tmp_path / "out" / "t.lyrdb"
    write_reports(dirty, lyrdb=path)
    db = rdb.ReportDatabase("")
    db.load(str(path))
    categories = {c.name(): c for c in db.each_category()}
    assert list(categories) == [r.id for r in dirty.rules] == list(pdk.rules)
    per_rule = Counter(v.rule for v in dirty.violations)
    for r in dirty.rules:
        assert categories[r.id].num_items() == per_rule.get(r.id, 0) == r.count
    for claim in pdk.rules["PASV.IN_PAD"].claims:
        assert claim in categories["PASV.IN_PAD"].description
    assert "not applicable" in categories["SUSP.ARMS"].description
    assert db.top_cell_name == "TOP"
    assert sum(1 for _ in db.each_item()) == len(dirty.violations)


def test_json_contract(dirty, tmp_path):
    path = tmp_path / "t.json"
    write_reports(dirty, json_path=path)
    data = json.loads(path.read_text())
    assert {"clean", "layout", "pdk", "process", "rules", "violations"} <= set(data)
    assert data["clean"] is False and data["pdk"] == "default" and data["process"] == "stair_bump"
    assert all(set(r) == RULE_KEYS for r in data["rules"])
    assert {r["status"] for r in data["rules"]} == {"pass", "fail", "n/a"}
    assert all(set(v) == {"rule", "message", "bbox"} and len(v["bbox"]) == 4 for v in data["violations"])
    ids = [r["id"] for r in data["rules"]]
    order = [ids.index(v["rule"]) for v in data["violations"]]
    assert order == sorted(order)
    na = [r for r in data["rules"] if r["status"] == "n/a"]
    assert all(r["reason"] for r in na)


def test_junit_one_testcase_per_rule(dirty, tmp_path):
    path = tmp_path / "t.xml"
    write_reports(dirty, junit=path)
    root = ET.parse(path).getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == [r.id for r in dirty.rules]
    assert {c.get("classname") for c in cases} == {"maskgen.drc"}
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failed) == {r.id for r in dirty.rules if r.status == "fail"}
    assert failed["PASV.IN_PAD"].get("message").startswith(f"{dirty.rule('PASV.IN_PAD').count} violation")
    assert "at [" in failed["PASV.IN_PAD"].text
    skipped = [c.get("name") for c in cases if c.find("skipped") is not None]
    assert skipped == [r.id for r in dirty.rules if r.status == "n/a"]
    suite = root.find("testsuite")
    assert suite.get("failures") == str(len(failed)) and suite.get("skipped") == str(len(skipped))


def test_reports_are_deterministic_and_atomic(dirty, tmp_path, pdk):
    first, second = tmp_path / "a", tmp_path / "b"
    again = run_drc(dirty.layout, pdk)  # same layout, same manifest beside it
    for folder, result in ((first, dirty), (second, again)):
        write_reports(result, lyrdb=folder / "t.lyrdb", json_path=folder / "t.json", junit=folder / "t.xml")
    for name in ("t.lyrdb", "t.json", "t.xml"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert sorted(p.name for p in first.iterdir()) == ["t.json", "t.lyrdb", "t.xml"]  # no temp files left


def test_failed_write_leaves_no_partial_file(dirty, tmp_path, monkeypatch):
    from maskgen.drc import report

    def broken(result):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "json_text", broken)
    path = tmp_path / "reports" / "t-drc.json"
    path.parent.mkdir()
    path.write_text("old report\n")
    with pytest.raises(RuntimeError):
        write_reports(dirty, json_path=path)
    assert path.read_text() == "old report\n"
    assert [p.name for p in path.parent.iterdir()] == ["t-drc.json"]
