"""Issue 24: the N50 map of the die (`maskgen render --view n50`), drawn by KLayout from the build manifest."""

from __future__ import annotations

import json

import klayout.lay as lay
import pytest

from maskgen.errors import InputError
from maskgen.pictures import render_command
from maskgen.pictures.n50map import BANDS, UNSTRAINED, band_of, bands


def test_bands_are_even_in_log_n50():
    # 100 to 10,000 cycles in two bands: edges 100, 1,000, 10,000; an unstrained joint has no band
    edges = bands([100.0, 10_000.0, 3_000.0, None], count=2)
    assert edges == pytest.approx([100.0, 1000.0, 10_000.0])
    assert [band_of(n, edges) for n in (100.0, 999.0, 1000.0, 1001.0, 10_000.0, None)] == [0, 0, 0, 1, 1, None]
    assert bands([None, None]) == [] and bands([50.0, 50.0]) == pytest.approx([50.0, 50.0])


def _argb(colour: str) -> int:
    return 0xFF000000 | int(colour[1:], 16)


def test_cantilever_map_colours_the_corner_red_and_the_centre_green(built, tmp_path, png):
    res = built("cantilever_wlcsp")
    files = render_command(res.files["gds"], tmp_path)
    assert [f.name for f in files] == ["cantilever_wlcsp_die.png", "cantilever_wlcsp_bump.png",
                                       "cantilever_wlcsp_n50.png"]
    n50 = files[-1]
    assert png.header(n50) == (1200, 900)
    seen = png.colours(n50, step=2)
    assert _argb(BANDS[0]) in seen and _argb(BANDS[-1]) in seen         # the worst and the best band are drawn
    # the worst bump (a corner) is red where it sits: map the bump centre to its pixel through the die outline
    m = json.loads(res.files["json"].read_text())
    worst = next(b for b in m["bumps"] if b["name"] == m["reliability"]["worst_bump"])
    best = max((b for b in m["bumps"] if b["n50"] is not None), key=lambda b: b["n50"])
    pb = lay.PixelBuffer.read_png(str(n50))
    # the die outline: the columns white over most of the picture's height, then the rows white all across them
    cols = [x for x in range(pb.width()) if sum(pb.pixel(x, y) == 0xFFFFFFFF for y in range(pb.height())) > 400]
    x1, x2 = min(cols), max(cols)
    rows = [y for y in range(pb.height()) if all(pb.pixel(x, y) == 0xFFFFFFFF for x in range(x1, x2 + 1))]
    y1, y2 = min(rows), max(rows)
    size = m["die"]["size"][0]

    def pixel(b: dict) -> int:
        px = x1 + (b["x"] + size / 2) / size * (x2 - x1)
        py = y2 - (b["y"] + size / 2) / size * (y2 - y1)
        return pb.pixel(round(px), round(py))
    assert pixel(worst) == _argb(BANDS[0])
    assert pixel(best) == _argb(BANDS[-1])


def test_centre_bump_is_grey(tmp_path, png):
    from maskgen.build import build
    from tests.recipe_variants import variant
    res = build(variant(tmp_path, "odd", "cantilever_wlcsp", **{"die.bump_map.count": [9, 9]}), tmp_path / "out",
                run_drc=False)
    files = render_command(res.files["gds"], tmp_path / "pics", views=["n50"], width=600, height=450)
    assert [f.name for f in files] == ["odd_n50.png"]
    assert _argb(UNSTRAINED) in png.colours(files[0], step=1)


def test_no_n50_without_a_reliability_block(built, tmp_path):
    res = built("stair_bump")
    assert [f.name for f in render_command(res.files["gds"], tmp_path)] == ["stair_bump_die.png",
                                                                             "stair_bump_bump.png"]
    with pytest.raises(InputError, match="reliability"):
        render_command(res.files["gds"], tmp_path, views=["n50"])
