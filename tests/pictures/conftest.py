"""Fixtures for the pictures tests: templates built once per session, PNG read-back helpers."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from maskgen.build import build
from maskgen.input.pdk import data_root

TEMPLATES = data_root() / "templates"
FAMILIES = ["stair_bump", "ball_drop", "two_step_ball", "flux_fill", "cantilever_wlcsp"]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """build(template) -> BuildResult, each template built (no DRC) once per session."""
    cache = {}
    root = tmp_path_factory.mktemp("pictures-build")

    def get(name: str):
        if name not in cache:
            cache[name] = build(TEMPLATES / f"{name}.yaml", root, run_drc=False)
        return cache[name]
    return get


RECIPES = Path(__file__).resolve().parent.parent / "data" / "recipes"


def embodiment_recipe(embodiment: int) -> Path:
    """The cantilever template as 004 embodiment n (elastic layer 150 where it has one, no 140 where not)."""
    return RECIPES / f"cantilever_e{embodiment}.yaml"


def png_header(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR, after checking the signature."""
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def png_colours(path: Path, step: int = 3) -> set[int]:
    """Distinct ARGB colours on a grid of every step-th pixel (read with KLayout's PNG reader)."""
    import klayout.lay as lay

    pb = lay.PixelBuffer.read_png(str(path))
    return {pb.pixel(x, y) for x in range(0, pb.width(), step) for y in range(0, pb.height(), step)}


@pytest.fixture(scope="session")
def png():
    """PNG read-back helpers: png.header(path) -> (w, h), png.colours(path) -> set of ARGB ints."""
    class Png:
        header = staticmethod(png_header)
        colours = staticmethod(png_colours)
    return Png


@pytest.fixture(scope="session")
def embodiment():
    """embodiment(n) -> path of the cantilever recipe for 004 embodiment n (1..6), from tests/data/recipes."""
    return embodiment_recipe
