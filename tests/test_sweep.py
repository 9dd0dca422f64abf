"""DOE sweeps: one die per combination, named from its parameters, each checked; refused points are rows with
their reason; the sweep table (CSV + JSON) carries the predicted figures (checked against the spherical-cap
model by hand) and the DRC verdict; the point layouts are read back with klayout.db."""

from __future__ import annotations

import csv
import json
import math

import pytest
import yaml

from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def _cap(ball: float, ubm: float) -> tuple[float, float]:
    """Reflowed height and width of a ball of diameter `ball` on a UBM disc: V = pi h (3 a^2 + h^2) / 6."""
    volume = math.pi * ball**3 / 6
    a = ubm / 2
    lo, hi = 0.0, ball * 2
    for _ in range(200):
        h = (lo + hi) / 2
        lo, hi = (h, hi) if math.pi * h * (3 * a * a + h * h) / 6 < volume else (lo, h)
    h = (lo + hi) / 2
    radius = (a * a + h * h) / (2 * h)
    return h, (2 * radius if h > a else ubm)


def test_sweep_template_table(cli, tmp_path, read_gds):
    code, out, err = cli("build", "sweep_ubm_ball", "--out", tmp_path)
    assert code == 0, out + err
    assert "sweep: 6 points, 4 built, 2 refused, 0 DRC dirty" in out
    rows = list(csv.DictReader((tmp_path / "sweep_ubm_ball" / "sweep.csv").open()))
    data = json.loads((tmp_path / "sweep_ubm_ball" / "sweep.json").read_text())
    assert [r["point"] for r in rows] == [p["point"] for p in data["points"]]
    assert data["parameters"] == ["bump.ubm_diameter", "solder.ball_diameter"]
    by = {(float(r["bump.ubm_diameter"]), float(r["solder.ball_diameter"])): r for r in rows}
    assert len(by) == 6
    for ball in (250, 280):
        refused = by[(190, ball)]
        assert refused["verdict"] == "invalid" and refused["reflow_height"] == ""
        assert "bump.ubm_diameter = 190.0" in refused["reason"] and "UBM.COVERS_PASV" in refused["reason"]
    for ubm in (215, 240):
        for ball in (250, 280):
            r = by[(ubm, ball)]
            assert r["verdict"] == "clean" and r["point"] == f"sweep_ubm_ball-ubm_diameter{ubm}-ball_diameter{ball}"
            h, w = _cap(ball, ubm)
            assert float(r["reflow_height"]) == pytest.approx(h, abs=2e-3)
            assert float(r["reflow_width"]) == pytest.approx(w, abs=2e-3)
            assert float(r["bridging_margin"]) == pytest.approx(400 - w, abs=2e-3)
            gds = read_gds(tmp_path / "sweep_ubm_ball" / r["gds"])
            ubms = {round(p.bbox().width() * gds.dbu) for p in gds.region("UBM").each()}
            balls = {round(p.bbox().width() * gds.dbu) for p in gds.region("BUMP").each()}
            assert ubms == {ubm} and balls == {ball} and gds.region("BUMP").count() == 144
            assert gds.top.name == r["point"]


def test_stiffness_column_for_a_cantilever_sweep(cli, tmp_path):
    data = yaml.safe_load((TEMPLATES / "cantilever_wlcsp.yaml").read_text())
    data["name"] = "beams"
    data["sweep"] = {"cantilever.support_beams.count": [0, 2]}
    (tmp_path / "beams.yaml").write_text(yaml.safe_dump(data))
    code, out, err = cli("build", tmp_path / "beams.yaml", "--out", tmp_path / "out", "--no-drc")
    assert code == 0, out + err
    rows = {r["point"]: r for r in csv.DictReader((tmp_path / "out" / "beams" / "sweep.csv").open())}
    zero, two = rows["beams-count0"], rows["beams-count2"]
    assert zero["verdict"] == two["verdict"] == "built"
    # k = E w t^3 / (4 L^3) per arm, the arms in parallel: two beams more stiffen the suspended portion
    assert float(two["stiffness"]) > float(zero["stiffness"]) > 0


@pytest.mark.parametrize("sweep,needle", [
    ({"bump.ubm_diametre": [200]}, "sweep.bump.ubm_diametre"),
    ({"process": [1, 2]}, "sweeps numbers"),
    ({"bump.ubm_diameter": []}, "at least one value"),
    ({"bump.ubm_diameter": list(range(200, 240)), "solder.ball_diameter": list(range(200, 240))}, "at most 1000"),
])
def test_bad_sweeps(cli, tmp_path, sweep, needle):
    data = yaml.safe_load((TEMPLATES / "sweep_ubm_ball.yaml").read_text())
    data["sweep"] = sweep
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data))
    code, _, err = cli("build", tmp_path / "bad.yaml", "--out", tmp_path / "out", "--no-drc")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out" / "sweep_ubm_ball" / "sweep.csv").exists()
