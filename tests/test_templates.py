"""Every shipped template builds, opens in KLayout and is DRC-clean (DRC in CI on our own outputs)."""

from __future__ import annotations

import json

import pytest
import yaml
from chromium import assert_page_loads_offline

from maskgen.build import build
from maskgen.input.pdk import data_root

TEMPLATES = sorted((data_root() / "templates").glob("*.yaml"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_template_builds_clean(cli, tmp_path, template, read_gds):
    code, out, err = cli("build", template, "--out", tmp_path)
    assert code == 0, out + err
    name = yaml.safe_load(template.read_text())["name"]
    manifest = json.loads((tmp_path / name / f"{name}.json").read_text())
    bumps_per_die = manifest["bump_count"]
    assert bumps_per_die >= 100
    gds = read_gds(tmp_path / name / f"{name}.gds")
    dies = manifest.get("wafer", {}).get("die_count", 1)
    assert gds.region("BUMP").count() == bumps_per_die * dies
    # drc again through the CLI: exit 0, JSON clean
    code, out, err = cli("drc", tmp_path / name / f"{name}.gds", "--json", tmp_path / "drc.json")
    assert code == 0, out + err
    report = json.loads((tmp_path / "drc.json").read_text())
    assert report["clean"] and report["process"] == manifest["process"]
    assert {r["id"] for r in report["rules"]} >= {"PASV.IN_PAD", "BUMP.SPACE", "MATERIAL.CLAIMED"}
    # report.html in a real browser (headless Chromium, no network): every picture and plot decodes
    loaded = assert_page_loads_offline(tmp_path / name / "report.html")
    plots = {"wafer map by bin": "wafer" in manifest, "sweep plots": bool(manifest["recipe"].get("sweep")),
             "displacement per bump": manifest["process"] == "cantilever_wlcsp",
             "N50 map": "reliability" in manifest and all("n50" in b for b in manifest.get("bumps") or [{}])}
    assert [i["alt"] for i in loaded.images] == [f"die: {name}", f"bump: {manifest['die']['bump_cell']}",
                                                 *(alt for alt, shown in plots.items() if shown)]


def test_five_families_ship():
    processes = {yaml.safe_load(t.read_text())["process"] for t in TEMPLATES}
    assert processes == {"stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp"}


def test_stair_openings_grow_by_the_bias_model(tmp_path, read_gds, pdk):
    res = build(data_root() / "templates" / "stair_bump.yaml", tmp_path, run_drc=False)
    gds = read_gds(res.files["gds"])
    stair = res.manifest.as_json()["bump_types"][0]["stair"]
    pr1, pr2 = gds.region("PR1"), gds.region("PR2")
    # target PR1 opening 100 um, derived mask 100 - 2 x bias(AZ4620 at 1000 mJ/cm2)
    assert stair["openings"][0] == pytest.approx(100.0, abs=1e-6)
    assert stair["mask_opening"] < 100.0 < stair["openings"][1]
    # read back: PR2 encloses PR1 by the predicted step (minus circle tolerance) on every bump
    step = stair["steps"][0]
    assert step >= pdk.rule_value("STAIR.NEST")
    assert pr2.enclosing_check(pr1, gds.um(step - 0.06)).is_empty()
    assert not pr2.enclosing_check(pr1, gds.um(step + 0.06)).is_empty()
    assert pr1.not_inside(pr2).is_empty() and pr1.count() == pr2.count() == 100


def test_two_step_masks_nest_and_rdl_joins_one_pad(tmp_path, read_gds, pdk):
    res = build(data_root() / "templates" / "two_step_ball.yaml", tmp_path, run_drc=False)
    gds = read_gds(res.files["gds"])
    sm1, sm2, rdl, pad, ubm = (gds.region(n) for n in ("SM1", "SM2", "RDL", "PAD", "UBM"))
    assert sm2.enclosing_check(sm1, gds.um(29.9)).is_empty()      # (240 - 180) / 2 = 30 um a side
    assert sm1.not_inside(sm2).is_empty()
    nets = rdl.merged()
    assert nets.count() == 100
    # every RDL net touches exactly one pad and carries exactly one UBM
    assert nets.interacting(pad, 1, 1).count() == 100
    assert nets.interacting(ubm, 1, 1).count() == 100
    assert res.manifest.as_json()["bump_types"][0]["solder_volume"] == pytest.approx(
        0.5 * 3.141592653589793 / 4 * (180**2 * 40 + 240**2 * 60), rel=1e-9)


def test_flux_fill_one_island_per_pad(tmp_path, read_gds):
    res = build(data_root() / "templates" / "flux_fill.yaml", tmp_path, run_drc=False)
    gds = read_gds(res.files["gds"])
    ubm, pasv, pr1, bump = (gds.region(n) for n in ("UBM", "PASV", "PR1", "BUMP"))
    assert ubm.merged().count() == 121
    assert ubm.merged().interacting(pasv, 1, 1).count() == 121
    assert pr1.enclosing_check(bump, gds.um(12.4)).is_empty()     # (275 - 250) / 2 = 12.5 um
    assert bump.not_inside(pr1).is_empty()
