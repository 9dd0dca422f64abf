"""Sweep points on every core, or on a Dask cluster: each point built by `maskgen.sweep.build_point` in its own
process, into its own folder of the shared output folder, its table row returned.

The table is put together in sweep order whatever finishes first, and each point's files depend only on its
recipe, so the table and every file are the same bytes for any number of processes or workers. A point whose
worker fails (an exception, a process that dies, a worker the cluster loses) is a row with verdict `failed` and
the reason, never a lost point.

    maskgen build sweep_ubm_ball --jobs 2                 # 2 processes on this machine (default: every core)
    maskgen build sweep_ubm_ball --dask tcp://host:8786   # a Dask distributed scheduler (pip install maskgen[cluster])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from maskgen.errors import InputError

FIGURES = ("reflow_height", "reflow_width", "min_pitch", "bridging_margin", "stiffness", "n50")
"""The figure columns of a sweep point's row (blank when the point failed or was not built)."""

CONNECT_TIMEOUT = 10.0
"""Seconds `--dask` waits for the scheduler before giving up with one error line."""

Job = dict[str, Any]
"""One sweep point to build: what `maskgen.sweep.build_point` takes (plain data, picklable)."""


def cores() -> int:
    """The cores this process may run on (the default of --jobs)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def failed_row(job: Job, why: str) -> dict[str, Any]:
    """The table row of a point whose worker failed: its parameters, no figures, verdict failed and the reason."""
    return {"point": job["name"], **job["point"], **{k: None for k in FIGURES}, "verdict": "failed",
            "reason": " ".join(why.split())[:300], "gds": None}


def run_points(jobs: Sequence[Job], build: Callable[[Job], dict[str, Any]], processes: int = 1,
               dask: str | None = None, progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every job's row, in the jobs' order: built here one after the other (processes 1, no dask), in a pool of
    processes, or on the Dask scheduler at `dask`."""
    say = progress or (lambda _msg: None)
    rows: list[dict[str, Any] | None] = [None] * len(jobs)

    def done(i: int, row: dict[str, Any]) -> None:
        rows[i] = row
        finished = sum(r is not None for r in rows)
        say(f"sweep point {finished}/{len(jobs)}: {jobs[i]['name']} {row['verdict']}")

    if dask is not None:
        _on_dask(jobs, build, dask, done)
    elif processes <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            done(i, _guarded(build, job))
    else:
        _in_pool(jobs, build, min(processes, len(jobs)), done)
    return [r if r is not None else failed_row(jobs[i], "the worker returned no result") for i, r in enumerate(rows)]


def _guarded(build: Callable[[Job], dict[str, Any]], job: Job) -> dict[str, Any]:
    """A job's row, or its failed row when building raised (in-process runs)."""
    try:
        return build(job)
    except Exception as exc:  # noqa: BLE001 - any failure of one point is that point's row
        return failed_row(job, f"{type(exc).__name__}: {exc}")


def _in_pool(jobs: Sequence[Job], build: Callable[[Job], dict[str, Any]], processes: int,
             done: Callable[[int, dict[str, Any]], None]) -> None:
    """The jobs in a pool of fresh (spawned) processes; a job whose process fails or dies is a failed row."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(build, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            i = futures[future]
            exc = future.exception()
            done(i, future.result() if exc is None else failed_row(jobs[i], f"{type(exc).__name__}: {exc}"))


def _on_dask(jobs: Sequence[Job], build: Callable[[Job], dict[str, Any]], address: str,
             done: Callable[[int, dict[str, Any]], None]) -> None:
    """The jobs on the Dask distributed scheduler at address (each worker writes into the shared output folder)."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(None, "--dask", address, "sending sweep points to a Dask cluster needs the cluster "
                         "extra: pip install 'maskgen[cluster]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(None, "--dask", address, f"cannot reach the Dask scheduler: {exc}"[:300]) from None
    try:
        futures = client.map(build, list(jobs), key=[f"maskgen-{j['name']}-{i}" for i, j in enumerate(jobs)],
                             pure=False, retries=0)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures, loop=client.loop):
            i = index[future.key]
            if future.status == "finished":
                done(i, future.result())
            else:
                error = future.exception()
                done(i, failed_row(jobs[i], f"{type(error).__name__}: {error}"))
    finally:
        client.close()
