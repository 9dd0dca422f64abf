"""The mask list's critical dimensions against the recipe values of every template (issue 12).

The critical dimension of a mask is the smallest drawn width or space it must resolve: for a bump feature of
size D at pitch p it is D (line, opening diameter, island width) or the space p - D, whichever is smaller.
Each expectation below is worked from the template's own YAML; circles count by their diameter (exact), lines
by their width; only arcs (the slot ring of 004) and 45 degree lines differ, by their drawn chords and grid.
"""

from __future__ import annotations

import copy
import csv
import json

import pytest
import yaml

from maskgen.build import masks_command
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"


def _cd(size: float, pitch: float, kind: str, space: str = "space") -> tuple[float, str | tuple[str, str]]:
    """A feature of `size` repeated at `pitch`: its own size or the space between, whichever is smaller
    (both kinds when they are equal)."""
    if size == pitch - size:
        return size, (kind, space)
    return (size, kind) if size < pitch - size else (pitch - size, space)


def _expected(name: str, manifest: dict) -> dict[str, tuple[float, str, float]]:
    """mask -> (critical dimension um, kind, tolerance um), worked from templates/<name>.yaml; for a sub-array
    sweep, the smallest over its valid points (one bump type each, all on the die)."""
    r = yaml.safe_load((TEMPLATES / f"{name}.yaml").read_text())
    if r.get("sweep_layout") != "subarrays":
        return _worked(manifest["recipe"], manifest)     # the recipe as read: every length in um
    per_point = []
    for point in manifest["subarrays"]["points"]:
        if "tile" not in point:
            continue
        rp = copy.deepcopy(r)
        for key, value in point["parameters"].items():
            *parents, leaf = key.split(".")
            node = rp
            for part in parents:
                node = node[part]
            node[leaf] = value
        per_point.append(_worked(rp, manifest))
    return {mask: min((w[mask] for w in per_point), key=lambda e: e[0]) for mask in per_point[0]}


def _worked(r: dict, manifest: dict) -> dict[str, tuple[float, str, float]]:
    """mask -> (critical dimension um, kind, tolerance um), worked from a recipe's values."""
    b = r["bump"]
    bm = r["die"]["bump_map"]
    p = min(bm["pitch"]) if "pitch" in bm else 400.0      # fanout_csv: 10 x 10 balls at 400 um (its CSV)
    pad_kind = "island width"
    out = {"PAD": (*_cd(b["pad"]["width"], p, pad_kind), 0.0),
           "PASV": (*_cd(b["passivation_opening"], p, "opening diameter", "space between openings"), 0.0),
           "UBM": (*_cd(b["ubm_diameter"], p, "disc diameter"), 0.0)}
    if "ball_drop" in r:
        out["POLY"] = (*_cd(r["ball_drop"]["polymer_opening"], p, "opening diameter", "space between openings"), 0)
    if "flux_fill" in r:
        out["PR1"] = (*_cd(r["flux_fill"]["resist_opening"], p, "opening diameter", "space between openings"), 0)
    if "stair" in r:
        mask = manifest["bump_types"][0]["stair"]["mask_opening"]   # derived from target_opening by the bias model
        out["EXPOSE"] = (round(mask / 0.005) * 0.005, "opening diameter", 0.005)
    if "two_step" in r:
        ts = r["two_step"]
        out["SM1"] = (*_cd(ts["openings"][0], p, "opening diameter", "space between openings"), 0)
        out["SM2"] = (*_cd(ts["openings"][1], p, "opening diameter", "space between openings"), 0)
        out["INS1"] = (ts["rdl"]["via"], "opening diameter", 0)
        out["RDL"] = (ts["rdl"]["line_width"], "line width", 0)
    if "cantilever" in r:
        c = r["cantilever"]
        out["SAC"] = (*_cd(c["sacrificial_diameter"], p, "disc diameter"), 0)
        # etch windows 160: slot ring of slot_width, opened in INS1 and PROT; measured on its polygon arcs
        out["INS1"] = out["PROT"] = (c.get("slot_width", 30.0), "slot width", 0.1)
        # metal line 110 runs at 45 degrees to pad 91: its drawn width after snapping to the 5 nm grid
        out["RDL"] = (c["line_width"], "line width", 0.005)
    if "routing" in r["die"]:
        # fan-out: pads of the chip at 150 um along the edge, vias and lines from the PDK
        out["PAD"] = (150 - b["pad"]["width"], "space", 0)
        out["INS1"] = (b["passivation_opening"], "opening diameter", 0)
        out["RDL"] = (10.0, "line width", 0)                 # RDL.WIDTH of the default PDK
    return out


NAMES = sorted(t.stem for t in TEMPLATES.glob("*.yaml") if t.stem != "test_vehicle")
"""Every template with one bump type; test_vehicle's two types, chain links (INS1, RDL) and their CDs are not
worked here yet (its PAD CD is the known mixed-type defect of tests/test_bump_types.py)."""


@pytest.mark.parametrize("name", NAMES)
def test_mask_list_cd_matches_the_recipe(name, tmp_path):
    masks_command(TEMPLATES / f"{name}.yaml", tmp_path)
    folder = tmp_path / name / "masks"
    data = json.loads((folder / "mask_list.json").read_text())
    manifest = json.loads((tmp_path / name / f"{name}.json").read_text())
    expected = _expected(name, manifest)
    got = {m["mask"]: m for m in data["masks"]}
    assert set(got) == set(expected), f"masks {sorted(got)} vs worked {sorted(expected)}"
    for mask, (value, kind, tol) in expected.items():
        m = got[mask]
        assert m["critical_dimension"] == pytest.approx(value, abs=tol + 1e-9), (mask, m)
        assert m["cd_kind"] in (kind if isinstance(kind, tuple) else (kind,)), (mask, m)
        # on the 5 nm grid, and located on the die
        assert abs(m["critical_dimension"] / 0.005 - round(m["critical_dimension"] / 0.005)) < 1e-6
        w, h = manifest["die"]["size"]                      # um, as the recipe was read
        assert abs(m["cd_at"][0]) <= w / 2 and abs(m["cd_at"][1]) <= h / 2
    rows = {row["mask"]: row for row in csv.DictReader((folder / "mask_list.csv").open())}
    assert {k: float(v["critical_dimension_um"]) for k, v in rows.items()} == \
        {k: round(v["critical_dimension"], 3) for k, v in got.items()}
    assert all(rows[k]["cd_kind"] == got[k]["cd_kind"] for k in rows)
