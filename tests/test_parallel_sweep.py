"""Sweep points on every core and on a Dask cluster: the table and every file the same bytes whatever the number
of processes or workers (1, 2 processes, a 2-worker LocalCluster), a point that fails on a worker a row with its
reason, and an unreachable scheduler one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from maskgen import parallel
from maskgen.input.pdk import data_root
from maskgen.sweep import build_point, run_sweep

SWEEP = data_root() / "templates" / "sweep_ubm_ball.yaml"


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as c:
        yield c


def test_same_bytes_in_one_or_two_processes_and_on_a_cluster(tmp_path, cluster):
    one = run_sweep(SWEEP, tmp_path / "one", jobs=1)
    two = run_sweep(SWEEP, tmp_path / "two", jobs=2)
    dask = run_sweep(SWEEP, tmp_path / "dask", dask=cluster.scheduler_address)
    assert [r["verdict"] for r in one.rows] == ["invalid", "invalid", "clean", "clean", "clean", "clean"]
    assert one.rows == two.rows == dask.rows
    files = _tree(tmp_path / "one")
    assert len([f for f in files if f.endswith(".gds")]) == 4 and "sweep_ubm_ball/sweep.csv" in files
    assert files == _tree(tmp_path / "two") == _tree(tmp_path / "dask")


def _jobs(tmp_path: Path) -> list[dict]:
    import yaml
    data = yaml.safe_load(SWEEP.read_text())
    good = {"name": "sweep_ubm_ball-ubm_diameter215", "point": {"bump.ubm_diameter": 215.0}, "data": data,
            "recipe_path": str(SWEEP), "root": str(tmp_path / "sweep_ubm_ball"), "pdk": None, "run_drc": False,
            "max_sites": None}
    broken = {**good, "name": "sweep_ubm_ball-broken", "data": None}   # fails inside the worker: no recipe data
    return [good, broken]


def test_a_point_failing_in_a_process_is_a_row_with_its_reason(tmp_path):
    rows = parallel.run_points(_jobs(tmp_path), build_point, processes=2)
    assert [r["verdict"] for r in rows] == ["built", "failed"]
    assert rows[1]["point"] == "sweep_ubm_ball-broken" and rows[1]["reason"].startswith("AttributeError: ")
    assert rows[1]["bump.ubm_diameter"] == 215.0 and rows[1]["reflow_height"] is None
    assert (tmp_path / "sweep_ubm_ball" / "sweep" / "sweep_ubm_ball-ubm_diameter215").is_dir()


def test_a_point_failing_on_a_dask_worker_is_a_row_with_its_reason(tmp_path, cluster):
    rows = parallel.run_points(_jobs(tmp_path), build_point, dask=cluster.scheduler_address)
    assert [r["verdict"] for r in rows] == ["built", "failed"] and "AttributeError" in rows[1]["reason"]


def test_unreachable_scheduler_is_one_line(tmp_path, cli, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 1.0)
    code, _, err = cli("build", "sweep_ubm_ball", "--out", str(tmp_path), "--no-drc", "--dask", "tcp://127.0.0.1:9")
    assert code == 2 and "--dask = 'tcp://127.0.0.1:9': cannot reach the Dask scheduler" in err
    assert err.count("\n") == 1


def test_jobs_option_default_is_every_core(tmp_path, cli):
    assert parallel.cores() >= 1
    code, out, err = cli("build", "sweep_ubm_ball", "--out", str(tmp_path), "--no-drc", "--jobs", "2")
    assert code == 0, err
    assert "sweep: 6 points, 4 built, 2 refused, 0 DRC dirty" in out
