"""DOE sweeps (recipe `sweep:`): one die per combination of the swept values, each checked, and a sweep table.

    sweep:
      bump.ubm_diameter: [180, 215, 230]
      solder.ball_diameter: [250, 300]

Every combination (full factorial, in the order the keys are given) is the recipe with those values, named
from them (`<name>-ubm_diameter215-ball_diameter250`) and built into `out/<name>/sweep/<point>/` with DRC.
A point the recipe checks refuse (e.g. a UBM smaller than its passivation opening) is a row with its one-line
reason; it does not stop the others. `out/<name>/sweep.csv` and `sweep.json` list every point: parameters,
predicted reflow height and width, bridging margin, stiffness (004), DRC verdict.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskgen.design.points import MAX_POINTS, point_data, point_name, reason, sweep_points
from maskgen.errors import InputError
from maskgen.input.datafile import read_yaml
from maskgen.input.recipe import recipe_from_data
from maskgen.outputs.output import write_json, write_text

__all__ = ["MAX_POINTS", "SweepResult", "point_data", "point_name", "run_sweep", "sweep_points"]


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
    def dirty(self) -> int:
        """Built points with DRC violations."""
        return sum(1 for r in self.rows if r["verdict"] == "dirty")


def run_sweep(recipe_path: Path, out: Path, pdk_override: str | None = None, run_drc: bool = True,
              progress: Callable[[str], None] | None = None, max_sites: int | None = None) -> SweepResult:
    """Build every sweep point of a recipe and write out/<name>/sweep.csv and sweep.json."""
    from maskgen.build import build

    say = progress or (lambda _msg: None)
    data = read_yaml(recipe_path)
    base = recipe_from_data(data, recipe_path)
    points = sweep_points(base, recipe_path)
    result = SweepResult()
    folder = out / base.name / "sweep"
    for i, point in enumerate(points, start=1):
        name = point_name(base.name, point)
        say(f"sweep point {i}/{len(points)}: {name}")
        row: dict[str, Any] = {"point": name, **{k: v for k, v in point.items()}}
        try:
            recipe = recipe_from_data(point_data(data, point, name), recipe_path)
            res = build(recipe_path, folder, pdk_override, run_drc=run_drc, max_sites=max_sites, recipe=recipe)
        except InputError as exc:
            row.update(_blank(), verdict="invalid", reason=reason(exc))
            result.rows.append(row)
            continue
        row.update(_figures(res.manifest))
        if res.drc is None:
            row.update(verdict="built", reason="")
        elif res.drc.clean:
            row.update(verdict="clean", reason="")
        else:
            failing = [f"{r.id} x {r.count}" for r in res.drc.rules if r.count]
            row.update(verdict="dirty", reason="DRC: " + ", ".join(failing))
        row["gds"] = str(res.files["gds"].relative_to(out / base.name))
        result.rows.append(row)
    json_path, csv_path = out / base.name / "sweep.json", out / base.name / "sweep.csv"
    write_json(json_path, {"recipe": base.name, "recipe_file": recipe_path.name,
                           "parameters": list(base.sweep or {}), "points": result.rows})
    write_text(csv_path, _csv(result.rows, list(base.sweep or {})))
    result.files = {"sweep_json": json_path, "sweep_csv": csv_path}
    return result


FIGURES = ("reflow_height", "reflow_width", "min_pitch", "bridging_margin", "stiffness")


def _blank() -> dict[str, Any]:
    """Figures of a point that was not built."""
    return {k: None for k in FIGURES}


def _figures(manifest: dict[str, Any]) -> dict[str, Any]:
    """A built point's predicted figures: the base bump type's reflowed shape, the tightest bridging margin of
    any type, the 004 stiffness (N/m) when there is one."""
    types = manifest["bump_types"]
    fig = types[0]
    mech = fig.get("mechanics") or {}
    return {"reflow_height": round(fig["reflow_height"], 3), "reflow_width": round(fig["reflow_width"], 3),
            "min_pitch": round(fig["min_pitch"], 3),
            "bridging_margin": round(min(t["bridging_margin"] for t in types), 3),
            "stiffness": round(mech["stiffness"], 4) if mech.get("stiffness") else None}


def _csv(rows: list[dict[str, Any]], parameters: list[str]) -> str:
    """The sweep table as CSV: point, parameters, figures, verdict, reason, gds."""
    columns = ["point", *parameters, *FIGURES, "verdict", "reason", "gds"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()
