"""Whole build manifests for drawn test layouts: the blocks a test sets, the rest as an empty build writes them.

The DRC parses a manifest with the full model (`maskgen.input.manifest.BuildManifest`, unknown or missing keys
refused), so a drawn layout's manifest is completed here rather than in every test.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from maskgen.input.manifest import recipe_echo
from maskgen.input.pdk import data_root
from maskgen.input.recipe import load_recipe


@cache
def _default_recipe() -> dict[str, Any]:
    """The default template as a manifest echoes it (the drawn layouts have no recipe of their own)."""
    return recipe_echo(load_recipe(data_root() / "templates" / "default.yaml"))


def full_manifest(given: dict[str, Any]) -> dict[str, Any]:
    """A drawn layout's build manifest: the blocks a test gives (process, features, materials, bump types with
    their counts and support beams, a wafer ...) and every other block the model requires as an empty build
    would write it, so the test reads as what it sets while the DRC parses a whole manifest."""
    naming = {"a1_corner": "top-left", "view": "top", "a1_corner_in_layout": "top-left", "a1_mark": 0.0,
              "labels": None, "a1": None}
    data: dict[str, Any] = {
        "maskgen": "test", "name": "drawn", "recipe_file": "drawn.yaml", "recipe": _default_recipe(), "pdk": "default",
        "rules": {}, "process": "ball_drop", "seed": "000", "features": [], "materials": {}, "steps": [],
        "layers": [], "masks": [],
        "die": {"name": "TOP", "size": [1000.0, 1000.0], "bump_cell": "bump", "arrays": 0, "naming": naming},
        "bump_count": 0, "bump_types": [], "outputs": {"gds": "drawn.gds", "lyp": "drawn.lyp", "json": "drawn.json"},
        **given}
    figures = {"count": 0, "solder_volume": 0.0, "deposits": [], "footprint_diameter": 0.0, "ubm_diameter": 0.0,
               "reflow_height": 0.0, "reflow_width": 0.0, "sphere_radius": 0.0, "min_pitch": 0.0,
               "bridging_margin": 0.0, "stair": None, "support_beams": 0, "mechanics": None, "notes": []}
    data["bump_types"] = [{**figures, **t} for t in data["bump_types"]]
    if "routing" in data:
        data["routing"] = routing_block(**data["routing"])
    return data


def routing_block(**given: Any) -> dict[str, Any]:
    """A fan-out's routing block: the pad sites, nets, unrouted connections and spare bumps a test gives, each net
    row and every figure the DRC does not read filled in as a build with nothing routed would write them."""
    nets = [{"pads": [], "bumps": [], "routed": True, "segments": 0, "length": 0.0, **n} for n in given.get("nets", [])]
    return {"style": "manhattan", "line_width": 10.0, "line_space": 10.0, "land_diameter": 100.0, "via": 40.0,
            "pads": len(given.get("pad_sites", [])), "net_count": len(nets), "routed": len(nets), "under_bump": 0,
            "routed_percent": 100.0, "rounds": 0, "total_length": 0.0, "longest": None, "unrouted": [],
            "pad_sites": [], "spare_bumps": [], "unrouted_pads": [], **given, "nets": nets}


def wafer_block(partial_dies: str = "exclude") -> dict[str, Any]:
    """A 200 mm wafer block as `maskgen build` writes it (figures of a 10 mm die), with its partial_dies choice."""
    return {"cell": "WAFER", "diameter_mm": 200, "die_step": [10000.0, 10000.0], "die_count": 2, "rows": 2,
            "arrays": 2, "bump_count": 0, "die_grid_offset": [0.0, 0.0], "whole_dies": 1,
            "partial_dies": partial_dies,
            "map": {"e142": "w_map.xml", "sinf": "w.sinf", "whole": 1, "partial": 1, "excluded": 0, "bad": 0,
                    "columns": 1, "rows": 2, "lower_left": [-5000.0, -95000.0]},
            "balls_placed": 0}
