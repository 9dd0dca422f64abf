"""DOE sweeps (recipe `sweep:`): one die per combination of the swept values, each checked, and a sweep table.

    sweep:
      bump.ubm_diameter: [180, 215, 230]
      solder.ball_diameter: [250, 300]

Every combination (full factorial, in the order the keys are given) is the recipe with those values, named
from them (`<name>-ubm_diameter215-ball_diameter250`) and built into `out/<name>/sweep/<point>/` with DRC.
A point the recipe checks refuse (e.g. a UBM smaller than its passivation opening) is a row with its one-line
reason; it does not stop the others. `out/<name>/sweep.csv` and `sweep.json` list every point: parameters,
predicted reflow height and width, bridging margin, stiffness (004), the worst bump's joint N50 (a recipe with
`reliability:`), DRC verdict.

With `sweep_layout: subarrays` the points share one die instead: the build makes each valid point a bump type
in its own tile of the bump sites (maskgen/assembly/subarrays.py), and `subarray_table` writes the same table
from that one build: per point its own type's figures, its site count and a verdict from the DRC markers
inside its tile; markers outside every tile make the table's last line, the die's own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskgen.build import build
from maskgen.design.points import point_data, point_name, reason, sweep_points
from maskgen.errors import InputError, given
from maskgen.input.datafile import read_yaml
from maskgen.input.manifest import BuildManifest, BumpTypeRecord
from maskgen.input.recipe import recipe_from_data
from maskgen.outputs.output import write_json, write_text
from maskgen.parallel import FIGURES, run_points


@dataclass
class SweepResult:
    """The rows of the sweep table and the files written."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def refused(self) -> int:
        """Points the recipe checks refused."""
        return sum(1 for r in self.rows if r["verdict"] == "invalid")

    @property
    def failed(self) -> int:
        """Points whose worker failed (an error other than the recipe checks, a lost process or worker)."""
        return sum(1 for r in self.rows if r["verdict"] == "failed")

    @property
    def dirty(self) -> int:
        """Built points with DRC violations."""
        return sum(1 for r in self.rows if r["verdict"] == "dirty")

    die: dict[str, Any] | None = None
    """Sub-array sweeps: the die-level line (DRC markers outside every point's tile)."""


def run_sweep(recipe_path: Path, out: Path, pdk_override: str | None = None, run_drc: bool = True,
              progress: Callable[[str], None] | None = None, max_sites: int | None = None, jobs: int = 1,
              dask: str | None = None) -> SweepResult:
    """Build every sweep point of a recipe (here, in `jobs` processes, or on the Dask scheduler at `dask`) and
    write out/<name>/sweep.csv and sweep.json, the same bytes whichever way the points were built."""

    say = progress or (lambda _msg: None)
    data = read_yaml(recipe_path)
    base = recipe_from_data(data, recipe_path)
    points = sweep_points(base, recipe_path)
    if base.sweep_layout == "subarrays":
        res = build(recipe_path, out, pdk_override, run_drc=run_drc, progress=say, max_sites=max_sites, recipe=base)
        return subarray_table(res, out)
    result = SweepResult()
    root = out.resolve() / base.name
    todo = [{"name": point_name(base.name, point), "point": dict(point), "data": data,
             "recipe_path": str(recipe_path.resolve()), "root": str(root), "pdk": pdk_override,
             "run_drc": run_drc, "max_sites": max_sites} for point in points]
    result.rows = run_points(todo, build_point, jobs, dask, say)
    json_path, csv_path = out / base.name / "sweep.json", out / base.name / "sweep.csv"
    write_json(json_path, {"recipe": base.name, "recipe_file": recipe_path.name,
                           "parameters": list(base.sweep or {}), "points": result.rows})
    write_text(csv_path, _csv(result.rows, list(base.sweep or {})))
    result.files = {"sweep_json": json_path, "sweep_csv": csv_path}
    return result


def build_point(job: dict[str, Any]) -> dict[str, Any]:
    """One sweep point built into <root>/sweep/<point>/ with its DRC, and its table row: figures and verdict, or
    `invalid` with the reason the recipe checks give (a job from maskgen.sweep.run_sweep, run in any process)."""
    recipe_path, root = Path(job["recipe_path"]), Path(job["root"])
    row: dict[str, Any] = {"point": job["name"], **job["point"]}
    try:
        recipe = recipe_from_data(point_data(job["data"], job["point"], job["name"]), recipe_path)
        res = build(recipe_path, root / "sweep", job["pdk"], run_drc=job["run_drc"], max_sites=job["max_sites"],
                    recipe=recipe)
    except InputError as exc:
        row.update(_blank(), verdict="invalid", reason=reason(exc))
        return row
    row.update(_figures(res.manifest.bump_types))
    if res.drc is None:
        row.update(verdict="built", reason="")
    elif res.drc.clean:
        row.update(verdict="clean", reason="")
    else:
        failing = [f"{r.id} x {r.count}" for r in res.drc.rules if r.count]
        row.update(verdict="dirty", reason="DRC: " + ", ".join(failing))
    row["gds"] = res.files["gds"].relative_to(root).as_posix()
    return row


def subarray_table(res: Any, out: Path) -> SweepResult:
    """The sweep table of a sub-array sweep from its one build (a maskgen.build.BuildResult): each point's row
    with its bump type's figures, its site count and the DRC markers inside its tile, or its reason; written
    to out/<name>/sweep.csv and sweep.json with the die-level line last."""
    m: BuildManifest = res.manifest
    sub = given(m.subarrays, "sweep_layout")
    figs = {t.name: t for t in m.bump_types}
    gds = str(res.files["gds"].relative_to(out / m.name))
    blocks = [p for p in sub.points if p.tile is not None]
    found: list[dict[str, int]] = [{} for _ in blocks]
    outside: dict[str, int] = {}
    if res.drc is not None:
        for v in res.drc.violations:
            k = next((i for i, p in enumerate(blocks) if p.tile is not None and _inside(v.bbox, p.tile)), None)
            counts = outside if k is None else found[k]
            counts[v.rule] = counts.get(v.rule, 0) + 1
        for r in res.drc.rules:
            if r.count > r.listed:      # beyond the marker limit: not placed in any tile
                outside[r.id] = outside.get(r.id, 0) + r.count - r.listed
    result = SweepResult()
    for p in sub.points:
        row: dict[str, Any] = {"point": p.point, **p.parameters}
        if p.tile is None or p.type is None:
            row.update(sites=None, **_blank(), verdict="invalid", reason=p.reason, gds=None)
            result.rows.append(row)
            continue
        row.update(sites=p.sites, **_figures([figs[p.type]]))
        row.update(_verdict(res.drc, found[blocks.index(p)]), gds=gds)
        result.rows.append(row)
    result.die = {"point": m.name, **{k: None for k in sub.parameters}, "sites": None, **_blank(),
                  **_verdict(res.drc, outside, " outside every tile"), "gds": gds}
    folder = out / m.name
    json_path, csv_path = folder / "sweep.json", folder / "sweep.csv"
    write_json(json_path, {"recipe": m.name, "recipe_file": m.recipe_file, "layout": "subarrays",
                           "parameters": sub.parameters, "points": result.rows, "die": result.die})
    write_text(csv_path, _csv([*result.rows, result.die], sub.parameters, sites=True))
    result.files = {"sweep_json": json_path, "sweep_csv": csv_path}
    return result


def _inside(box: tuple[float, ...], tile: list[float], tol: float = 1e-3) -> bool:
    """True when a marker's box [x1, y1, x2, y2] lies inside a tile."""
    return box[0] >= tile[0] - tol and box[1] >= tile[1] - tol and box[2] <= tile[2] + tol and box[3] <= tile[3] + tol


def _verdict(drc: Any, counts: dict[str, int], where: str = "") -> dict[str, str]:
    """verdict and reason from the markers counted for one tile (or outside every tile): built without DRC,
    clean, or dirty with the failing rules in deck order and their counts."""
    if drc is None:
        return {"verdict": "built", "reason": ""}
    if not counts:
        return {"verdict": "clean", "reason": ""}
    order = [r.id for r in drc.rules]
    failing = sorted(counts, key=lambda rule: order.index(rule) if rule in order else len(order))
    return {"verdict": "dirty", "reason": f"DRC{where}: " + ", ".join(f"{r} x {counts[r]}" for r in failing)}




def _blank() -> dict[str, Any]:
    """Figures of a point that was not built."""
    return {k: None for k in FIGURES}


def _figures(types: list[BumpTypeRecord]) -> dict[str, Any]:
    """A built point's predicted figures from its manifest bump types: the first type's reflowed shape, the
    tightest bridging margin of any type, the 004 vertical stiffness (N/m) when there is one, and the worst
    bump's joint N50 over the types (cycles; a recipe with a `reliability:` block)."""
    fig = types[0]
    stiffness = fig.mechanics.stiffness if fig.mechanics is not None else None
    lives = [t.reliability.worst_n50 for t in types
             if t.reliability is not None and t.reliability.worst_n50 is not None]
    return {"reflow_height": round(fig.reflow_height, 3), "reflow_width": round(fig.reflow_width, 3),
            "min_pitch": round(fig.min_pitch, 3),
            "bridging_margin": round(min(t.bridging_margin for t in types), 3),
            "stiffness": round(stiffness, 4) if stiffness else None,
            "n50": round(min(lives), 1) if lives else None}


def _csv(rows: list[dict[str, Any]], parameters: list[str], sites: bool = False) -> str:
    """The sweep table as CSV: point, parameters, (sites,) figures, verdict, reason, gds."""
    columns = ["point", *parameters, *(["sites"] if sites else []), *FIGURES, "verdict", "reason", "gds"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()
