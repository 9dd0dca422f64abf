"""Small test layouts for the DRC: bump sites of each process family, drawn with gdstk on PDK layer numbers.

Every rule test draws a defective site at x = 0 and its clean twin at x = TWIN
and checks that the rule fires at the defect only. Dimensions in um; the clean
site of each family passes every rule of the default PDK.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gdstk
import pytest
from manifests import full_manifest

from maskgen.drc import DrcResult, run_drc
from maskgen.input.pdk import Pdk, load_pdk
from maskgen.layout.geometry import circle_points, rect_points, snap

TWIN = 1000.0
"""x of the clean twin site; the defect site is at x = 0."""
STAMP = datetime.datetime(2024, 1, 1)


@dataclass
class Drawing:
    """A gdstk library with a top cell, drawing on canonical layer names."""

    pdk: Pdk
    lib: gdstk.Library = field(default_factory=lambda: gdstk.Library(unit=1e-6, precision=1e-9))
    top: gdstk.Cell | None = None

    def __post_init__(self) -> None:
        self.top = self.lib.new_cell("TOP")

    def cell(self, name: str) -> gdstk.Cell:
        """A new cell in the library."""
        return self.lib.new_cell(name)

    def poly(self, layer: str, points: Any, cell: gdstk.Cell | None = None) -> None:
        """A polygon on a canonical layer, snapped to the PDK grid."""
        number, datatype = self.pdk.gds(layer)
        (cell or self.top).add(gdstk.Polygon(snap(points, self.pdk.grid), layer=number, datatype=datatype))

    def rect(self, layer: str, x1: float, y1: float, x2: float, y2: float, cell: gdstk.Cell | None = None) -> None:
        """An axis-aligned rectangle from two corners."""
        self.poly(layer, rect_points(x1, y1, x2, y2), cell)

    def square(self, layer: str, cx: float, cy: float, w: float, h: float | None = None,
               cell: gdstk.Cell | None = None) -> None:
        """A w x h rectangle centred on (cx, cy)."""
        h = w if h is None else h
        self.rect(layer, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, cell)

    def circle(self, layer: str, cx: float, cy: float, d: float, cell: gdstk.Cell | None = None) -> None:
        """A circle of diameter d drawn within the PDK chord error."""
        self.poly(layer, circle_points(d, self.pdk.deck.chord_error, (cx, cy)), cell)

    def die(self, x1: float = -500, y1: float = -500, x2: float = TWIN + 500, y2: float = 500) -> None:
        """The die boundary around both sites."""
        self.rect("DIE", x1, y1, x2, y2)

    def write(self, path: Path, manifest: dict | None = None) -> Path:
        """Write the GDS (fixed timestamp) and, if given, the build manifest beside it (`full_manifest`)."""
        self.lib.write_gds(str(path), timestamp=STAMP)
        if manifest is not None:
            path.with_suffix(".json").write_text(json.dumps(full_manifest(manifest)), encoding="utf-8")
        return path


# ----------------------------------------------------------------------------- bump sites
def pad_stack(d: Drawing, x: float, y: float = 0.0, pad: float = 100, pasv: float = 60, ubm: float | None = 120,
              pasv_shift: float = 0.0, cell: gdstk.Cell | None = None) -> None:
    """Pad 91 with its passivation opening and a UBM island (common to every family)."""
    d.square("PAD", x, y, pad, cell=cell)
    d.square("PASV", x + pasv_shift, y, pasv, cell=cell)
    if ubm:
        d.square("UBM", x, y, ubm, cell=cell)


def stair_site(d: Drawing, x: float, y: float = 0.0, prs: tuple[float, ...] = (70, 80, 90),
               reflow: float = 110, cell: gdstk.Cell | None = None, **stack: Any) -> None:
    """000: pad stack, one exposure opening and the stair of developed resist openings PR1..PRn."""
    pad_stack(d, x, y, cell=cell, **stack)
    d.square("EXPOSE", x, y, 50, cell=cell)
    for i, w in enumerate(prs):
        d.square(f"PR{i + 1}", x, y, w, cell=cell)
    d.circle("BUMP", x, y, 70, cell=cell)
    if reflow:
        d.circle("REFLOW", x, y, reflow, cell=cell)


def ball_site(d: Drawing, x: float, opening: float = 100, ball: float | None = 80, layer: str = "POLY",
              **stack: Any) -> None:
    """001 (POLY) / 003 (PR1): pad stack, the opening that receives the ball, and the ball footprint."""
    pad_stack(d, x, **stack)
    d.square(layer, x, 0, opening)
    if ball:
        d.circle("BUMP", x, 0, ball)


def sm_site(d: Drawing, x: float, openings: tuple[float, ...] = (80, 92, 104), shift2: float = 0.0) -> None:
    """002: pad stack with nested solder-mask openings SM1 < SM2 < SM3."""
    pad_stack(d, x)
    for i, w in enumerate(openings):
        d.square(f"SM{i + 1}", x + (shift2 if i == 1 else 0.0), 0, w)
    d.circle("BUMP", x, 0, 70)


def cantilever_site(d: Drawing, x: float, *, sac: float | None = 200, bump_dy: float = 0.0,
                    windows: tuple[str, ...] = ("top", "bottom"), ring: bool = False, beam: bool = True,
                    line_from: float = -330, line_width: float = 20, ubm: float = 90,
                    beam_to: float = 160, stray_rdl: bool = False) -> None:
    """004: pad 91 with via, sacrificial layer 140, etch windows 160, metal line 110, beam 111, land, bump 120."""
    px = x - 300
    d.square("PAD", px, 0, 100)
    d.square("PASV", px, 0, 60)
    d.square("INS1", px, 0, 50)  # pad via in insulating layer 100
    if sac:
        d.square("SAC", x, 0, sac)
    if "top" in windows:
        d.rect("INS1", x - 100, 70, x + 100, 100)
    if "bottom" in windows:
        d.rect("INS1", x - 100, -100, x + 100, -70)
    if ring:  # side windows close the ring: the insulator over the land is cut loose
        d.rect("INS1", x - 100, -70, x - 80, 70)
        d.rect("INS1", x + 80, -70, x + 100, 70)
    hw = line_width / 2
    d.rect("RDL", x + line_from, -hw, x, hw)  # metal line 110 from the pad via
    d.square("RDL", x, 0, 120)  # bump land
    if beam:
        d.rect("RDL", x, -10, x + beam_to, 10)  # support beam 111 onto the anchored portion
    if stray_rdl:
        d.rect("RDL", x - 250, 10 + 6, x - 150, 10 + 26)
    d.square("PROT", x, 0, 100)
    d.square("UBM", x, 0, ubm)
    d.circle("BUMP", x, bump_dy, 80)


def cantilever_manifest(**extra: Any) -> dict:
    """A build manifest of a released cantilever with one support beam per bump."""
    return full_manifest({"process": "cantilever_wlcsp", "pdk": "default", "materials": {},
                          "features": ["SAC", "release", "one_insulator"],
                          "bump_types": [{"name": "cantilever", "count": 2, "support_beams": 1}], **extra})


# ----------------------------------------------------------------------------- assertions
def fired(result: DrcResult, rule: str, x1: float = -500, x2: float = 500) -> list:
    """The rule's violations, asserting there are some and all lie in the defect site's x range [x1, x2]."""
    found = result.violations_of(rule)
    assert result.rule(rule).status == "fail", (rule, result.rule(rule), result.violations)
    assert found, rule
    for v in found:
        assert x1 <= v.bbox[0] and v.bbox[2] <= x2, (rule, v)
    assert not [v for v in found if v.bbox[2] > TWIN - 500], "rule fired at the clean twin"
    return found


def only_failing(result: DrcResult, *rules: str) -> None:
    """Exactly these rules fail; every other rule passes or does not apply."""
    failing = sorted(r.id for r in result.rules if r.status == "fail")
    assert failing == sorted(rules), [(v.rule, v.message, v.bbox) for v in result.violations]


@pytest.fixture(scope="session")
def pdk() -> Pdk:
    """The default PDK."""
    return load_pdk()


@pytest.fixture()
def drawing(pdk: Pdk) -> Drawing:
    """An empty drawing on the default PDK's layers."""
    return Drawing(pdk)


@pytest.fixture()
def check(pdk: Pdk, tmp_path: Path):
    """Write a drawing (and manifest) into tmp_path and run the DRC on it."""
    def run(d: Drawing, manifest: dict | None = None, name: str = "t", **kwargs: Any) -> DrcResult:
        path = d.write(tmp_path / f"{name}.gds", manifest)
        return run_drc(path, pdk, **kwargs)
    return run


@pytest.fixture(scope="session")
def kit() -> Any:
    """The site builders and assertions of this conftest, for the test modules."""
    import types
    return types.SimpleNamespace(
        TWIN=TWIN, Drawing=Drawing, pad_stack=pad_stack, stair_site=stair_site, ball_site=ball_site,
        sm_site=sm_site, cantilever_site=cantilever_site, cantilever_manifest=cantilever_manifest,
        full_manifest=full_manifest,
        fired=fired, only_failing=only_failing)
