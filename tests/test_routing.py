"""RDL fan-out: the maze router on small grids, and fan-out dies read back from the written GDS with klayout.db."""

from __future__ import annotations

import json
import math
import random

import gdstk
import klayout.db as kdb
import pytest
import yaml

from maskgen.build import build
from maskgen.errors import InputError
from maskgen.input.pdk import data_root
from maskgen.layout.routing import Land, Net, Rules, Unroutable, corners, route

TEMPLATE = data_root() / "templates" / "fanout_csv.yaml"


# ----------------------------------------------------------------------------- router on small grids
def _rules(style: str, size: float = 400.0) -> Rules:
    return Rules(width=10.0, space=10.0, style=style, area=(0.0, 0.0, size, size))


def _angles_ok(points, step_deg: int) -> bool:
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        angle = math.degrees(math.atan2(by - ay, bx - ax)) % step_deg
        if min(angle, step_deg - angle) > 1e-6:
            return False
    return True


def test_aligned_pad_and_bump_get_one_straight_line():
    net = Net("P1", Land(40, 200, 10, round=False), Land(300, 200, 30))
    (r,) = route([net], _rules("45"))
    assert r.points == [(40.0, 200.0), (300.0, 200.0)] and r.length == pytest.approx(260.0)


@pytest.mark.parametrize("style,length,step", [
    ("manhattan", 250.0 + 200.0, 90),                 # dx + dy
    ("45", 200.0 * math.sqrt(2) + 50.0, 45),         # one diagonal leg of 200 + a straight leg of 50
])
def test_free_grid_gives_the_shortest_line(style, length, step):
    (r,) = route([Net("P1", Land(50, 50, 10, round=False), Land(300, 250, 30))], _rules(style))
    # the A* estimate never overestimates: on a free grid the line is the shortest, with the fewest bends
    assert r.length == pytest.approx(length)
    assert len(r.points) == 3
    assert _angles_ok(r.points, step)
    assert r.points[0] == (50.0, 50.0) and r.points[-1] == (300.0, 250.0)


def test_line_goes_round_another_nets_land_by_the_clearance():
    # B's pad sits under its bump: no line, but its 80 um land blocks A's straight way. The nodes A may use keep
    # space 10 + 10/sqrt2 (mitred corner) + 5/sqrt2 (grid segment) = 20.6 um from the land: |y - 200| >= 65
    a = Net("A", Land(50, 200, 10, round=False), Land(350, 200, 30))
    b = Net("B", Land(200, 200, 40), Land(200, 200, 40))
    ra, rb = route([a, b], _rules("manhattan"))
    assert rb.points == []
    assert ra.length == pytest.approx(300.0 + 2 * 65.0)
    assert _angles_ok(ra.points, 90)


def test_crossing_nets_go_round_each_other():
    # P2's bump lies beyond P1's line: one of the two goes round the other's bump land
    nets = [Net("P1", Land(40, 200, 10, round=False), Land(300, 200, 30)),
            Net("P2", Land(40, 100, 10, round=False), Land(300, 300, 30))]
    r1, r2 = route(nets, _rules("45"))
    shortest = 260.0 + (200.0 * math.sqrt(2) + 60.0)
    assert r1.length + r2.length > shortest + 100.0
    assert _angles_ok(r1.points, 45) and _angles_ok(r2.points, 45)


def test_boxed_in_pad_is_named():
    centre = Net("X", Land(200, 200, 40, round=False), Land(200, 350, 30))
    around = [Net(n, Land(200 + dx, 200 + dy, 40, round=False), Land(200 + dx, 200 + dy, 40, round=False))
              for n, dx, dy in (("L", -100, 0), ("R", 100, 0), ("U", 0, 100), ("D", 0, -100))]
    with pytest.raises(Unroutable) as info:
        route([centre, *around], _rules("45", 500.0))
    assert list(info.value.reasons) == ["X"] and "no free way out of the pad" in str(info.value)


def test_corners_drop_collinear_points():
    assert corners([(0, 0), (5, 0), (10, 0), (10, 0), (15, 5), (20, 10), (20, 20)]) == \
        [(0, 0), (10, 0), (20, 10), (20, 20)]


def _ring_to_grid(n_side=12, pitch=200.0, ring=1700.0, grid=7, ball=400.0):
    """A ring of 4 n_side pads round a grid x grid ball array without its centre ball, each pad joined to the
    ball next in angle (balls of equal angle outer first): a fan-out with no crossings."""
    off = [pitch * (t - (n_side - 1) / 2) for t in range(n_side)]
    pads = [(x, -ring) for x in off] + [(ring, y) for y in off] + [(-x, ring) for x in off] + \
        [(-ring, -y) for y in off]
    h = (grid - 1) / 2
    balls = [(ball * (c - h), ball * (r - h)) for r in range(grid) for c in range(grid) if (c, r) != (h, h)]

    def angle(p):
        return (math.atan2(p[1], p[0]) + 1.25 * math.pi) % (2 * math.pi)
    pads.sort(key=angle)
    balls.sort(key=lambda b: (round(angle(b), 6), -math.hypot(*b)))
    return pads, balls


def test_manhattan_ring_to_ball_grid_routes_every_pad(tmp_path):
    # 48 pads (80 um, 12 a side, 200 um pitch) round a 7 x 7 ball grid (221 um lands, 400 um pitch, no centre
    # ball), Manhattan 10/10 um lines: every pad routed, clear, each line on its own pad and bump only
    pads, balls = _ring_to_grid()
    nets = [Net(f"P{k:02d}", Land(*p, 40, round=False), Land(*b, 110.5))
            for k, (p, b) in enumerate(zip(pads, balls, strict=True))]
    routes = route(nets, Rules(10.0, 10.0, "manhattan", (-1990.0, -1990.0, 1990.0, 1990.0)))
    assert all(r.points for r in routes)
    assert all(_angles_ok(r.points, 90) for r in routes)
    _assert_clear(nets, routes, tmp_path)


def _assert_clear(nets, routes, tmp_path, space=10.0, width=10.0):
    """Draw lines and lands, write and read the GDS back: RDL space clean, each net touches exactly its own pad
    and bump."""
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    cell = lib.new_cell("RDL")
    for net, r in zip(nets, routes, strict=True):
        for land in (net.pad, net.bump):
            lo, hi = (land.x - land.half, land.y - land.half), (land.x + land.half, land.y + land.half)
            cell.add(gdstk.ellipse((land.x, land.y), land.half, tolerance=0.01) if land.round else
                     gdstk.rectangle(lo, hi))
        if r.points:
            cell.add(*gdstk.FlexPath(r.points, width + 0.002, joins="natural", ends="flush",
                                     simple_path=False).to_polygons())
    path = tmp_path / "rdl.gds"
    lib.write_gds(path)
    ly = kdb.Layout()
    ly.read(str(path))
    rdl = kdb.Region(ly.top_cell().begin_shapes_rec(ly.layer(0, 0))).merged()
    um = round(1 / ly.dbu)
    assert rdl.space_check(round(space * um)).is_empty()
    assert rdl.count() == len(nets)

    def at(land):
        x, y = round(land.x * um), round(land.y * um)
        return kdb.Region(kdb.Box(x - 1, y - 1, x + 1, y + 1))
    for net in nets:
        piece = rdl.interacting(at(net.pad))
        assert piece.count() == 1 and not piece.interacting(at(net.bump)).is_empty()
        others = [n for n in nets if n is not net]
        assert all(piece.interacting(at(o.pad)).is_empty() and piece.interacting(at(o.bump)).is_empty()
                   for o in others)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("style", ["45", "manhattan"])
def test_random_small_fan_outs_are_clear_or_named(tmp_path, seed, style):
    # 6 pads on the edges of a 1200 um square joined at random to 6 of 9 bumps (3 x 3, 300 um pitch): every routed
    # result keeps the space and joins each pad to its own bump only; an unroutable one names pads of the case
    rng = random.Random(seed)
    edge = [(x, 60.0) for x in range(150, 1100, 150)] + [(60.0, y) for y in range(300, 1100, 150)]
    pads = rng.sample(edge, 6)
    bumps = rng.sample([(300.0 + 300 * c, 300.0 + 300 * r) for r in range(3) for c in range(3)], 6)
    nets = [Net(f"P{k}", Land(*p, 25, round=False), Land(*b, 60))
            for k, (p, b) in enumerate(zip(pads, bumps, strict=True))]
    rules = Rules(10.0, 10.0, style, (20.0, 20.0, 1180.0, 1180.0))
    try:
        routes = route(nets, rules)
    except Unroutable as exc:
        assert exc.reasons and set(exc.reasons) <= {n.name for n in nets}
        return
    _assert_clear(nets, routes, tmp_path)
    assert all(_angles_ok(r.points, 90 if style == "manhattan" else 45) for r in routes)


def test_same_input_gives_the_same_routes():
    pads, balls = _ring_to_grid(n_side=6, pitch=200.0, ring=1000.0, grid=5, ball=400.0)
    balls = balls[:len(pads)]
    nets = [Net(f"P{k}", Land(*p, 40, round=False), Land(*b, 110.5))
            for k, (p, b) in enumerate(zip(pads, balls, strict=True))]
    rules = Rules(10.0, 10.0, "45", (-1190.0, -1190.0, 1190.0, 1190.0))
    assert [r.points for r in route(nets, rules)] == [r.points for r in route(nets, rules)]


# ----------------------------------------------------------------------------- recipes
def _recipe(tmp_path, pads, bumps, name="fo", routing=None, process="ball_drop", size=2400, **die):
    """A small fan-out recipe: pads and bumps as (name, x, y[, net]) rows written to CSVs beside it."""
    for fname, rows in (("pads.csv", pads), ("bumps.csv", bumps)):
        (tmp_path / fname).write_text("name,x,y,net\n" if len(rows[0]) == 4 else "name,x,y\n")
        with (tmp_path / fname).open("a") as fh:
            fh.write("".join(",".join(str(v) for v in r) + "\n" for r in rows))
    data = yaml.safe_load(TEMPLATE.read_text())
    data["name"] = name
    data["die"] = {"size": [size, size], "bump_map": {"kind": "csv", "file": "bumps.csv"},
                   "pads": {"kind": "csv", "file": "pads.csv"}, **die}
    if routing is not None:
        data["die"]["routing"] = routing
    if process == "two_step_ball":
        for key in ("ball_drop", "solder"):
            data.pop(key)
        data["process"] = process
        data["materials"] = {"pad": "Al", "rdl": "Cu", "insulator": "polyimide", "adhesion": "Ti", "wetting": "Ni"}
        data["two_step"] = {"openings": [180, 240], "alloys": ["Pb90Sn10", "Sn63Pb37"]}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


GRID9 = [(f"B{c}{r}", -400 + 400 * c, -400 + 400 * r) for r in range(3) for c in range(3)]
"""3 x 3 bumps at 400 um pitch."""


def _bottom_ring(names):
    """Pads 80 um on a row 1000 um below the centre, 150 um pitch, in the given order."""
    return [(n, -150 * (len(names) - 1) / 2 + 150 * i, -1000) for i, n in enumerate(names)]


# row of pads left to right, matched by name to the bumps in an order that fans in without crossings
FAN_ORDER = ["B00", "B01", "B02", "B11", "B12", "B22", "B21", "B10", "B20"]


class Layout:
    """A built fan-out die read back: the RDL region, contacts, UBM and the routed lines in the die cell."""

    def __init__(self, res, read_gds):
        self.res = res
        self.gds = read_gds(res.files["gds"])
        self.rdl = self.gds.region("RDL").merged()
        self.contacts = self.gds.region("PAD") & self.gds.region("PASV") & self.gds.region("INS1")
        self.ubm = self.gds.region("UBM")
        lay, dt = self.gds.pdk.gds("RDL")
        die = self.gds.layout.cell(res.die.cell.name)
        self.lines = kdb.Region(die.shapes(self.gds.layout.find_layer(lay, dt)))

    def point(self, x, y) -> kdb.Region:
        u = self.gds.um
        return kdb.Region(kdb.Box(u(x) - 1, u(y) - 1, u(x) + 1, u(y) + 1))


@pytest.fixture(scope="module")
def template_build(tmp_path_factory):
    """The shipped fan-out template, built once with DRC."""
    return build(TEMPLATE, tmp_path_factory.mktemp("fanout"))


def test_template_routes_every_pad_to_its_bump_drc_clean(template_build, read_gds, pdk):
    res = template_build
    assert res.drc.clean
    lay = Layout(res, read_gds)
    routing = res.manifest["routing"]
    assert routing["pads"] == routing["routed"] == 100 and routing["under_bump"] == 0
    # one RDL net per pad, each touching exactly one pad contact and exactly one UBM (its bump's)
    assert lay.rdl.count() == 100
    assert lay.rdl.interacting(lay.contacts, 1, 1).count() == 100
    assert lay.rdl.interacting(lay.ubm, 1, 1).count() == 100
    pads = {p["name"]: p for p in _csv(TEMPLATE.parent / "fanout_csv_pads.csv")}
    bumps = {b["name"]: b for b in _csv(TEMPLATE.parent / "fanout_csv_bumps.csv")}
    for net in routing["nets"]:
        p, b = pads[net["pad"]], bumps[net["bump"]]
        assert p["net"] == b["net"] == net["net"]
        piece = lay.rdl.interacting(lay.point(p["x"], p["y"]))
        assert piece.count() == 1 and not piece.interacting(lay.point(b["x"], b["y"])).is_empty()
    # space and width from the PDK; every line edge Manhattan or 45 degree
    u = lay.gds.um
    assert lay.rdl.space_check(u(pdk.rule_value("RDL.SPACE"))).is_empty()
    assert lay.rdl.width_check(u(pdk.rule_value("RDL.WIDTH")), False, kdb.Metrics.Projection).is_empty()
    assert _edge_angles(lay.lines) <= {0, 45, 90, 135}
    assert not lay.lines.width_check(u(10.03), False, kdb.Metrics.Projection).is_empty()  # 10 um, not wider


def _csv(path):
    rows = path.read_text().splitlines()
    head = rows[0].split(",")
    out = []
    for line in rows[1:]:
        values = dict(zip(head, line.split(","), strict=True))
        values["x"], values["y"] = float(values["x"]), float(values["y"])
        out.append(values)
    return out


def _edge_angles(region: kdb.Region, tol: float = 0.2) -> set[int]:
    """Directions of the edges of the raw polygons, rounded to whole degrees modulo 180 (tolerance for snapping)."""
    found = set()
    for poly in region.each():
        for e in poly.each_edge():
            a = math.degrees(math.atan2(e.dy(), e.dx())) % 180
            nearest = round(a / 45) * 45 % 180
            found.add(nearest if abs(((a - nearest + 90) % 180) - 90) < tol else round(a))
    return found


def test_manhattan_two_step_fan_out(tmp_path, read_gds, pdk):
    pads = _bottom_ring(FAN_ORDER)
    res = build(_recipe(tmp_path, pads, GRID9, name="fo_m", routing={"style": "manhattan"},
                        process="two_step_ball"), tmp_path)
    assert res.drc.clean, [v.message for v in res.drc.violations]
    lay = Layout(res, read_gds)
    assert lay.rdl.count() == 9 and lay.rdl.interacting(lay.contacts, 1, 1).count() == 9
    assert lay.rdl.interacting(lay.ubm, 1, 1).count() == 9
    assert _edge_angles(lay.lines, tol=1e-9) <= {0, 90}
    assert lay.rdl.space_check(lay.gds.um(10)).is_empty()
    assert res.manifest["routing"]["style"] == "manhattan"


def test_wider_line_and_space_from_the_recipe(tmp_path, read_gds):
    pads = _bottom_ring(FAN_ORDER)
    res = build(_recipe(tmp_path, pads, GRID9, routing={"style": 45, "line_width": 12, "line_space": 11}), tmp_path)
    assert res.drc.clean
    lay = Layout(res, read_gds)
    u = lay.gds.um
    assert lay.rdl.space_check(u(11)).is_empty()
    assert lay.lines.width_check(u(12), False, kdb.Metrics.Projection).is_empty()
    assert not lay.lines.width_check(u(12.03), False, kdb.Metrics.Projection).is_empty()


def test_pad_under_its_bump_gets_no_line(tmp_path, read_gds):
    bumps = [("A", -400, 0), ("B", 0, 0), ("C", 400, 0)]
    pads = [("A", -150, -1000), ("B", 0, 0), ("C", 150, -1000)]
    res = build(_recipe(tmp_path, pads, bumps), tmp_path)
    assert res.drc.clean
    routing = res.manifest["routing"]
    assert routing["under_bump"] == 1 and routing["routed"] == 2
    lay = Layout(res, read_gds)
    assert lay.lines.count() == 2 and lay.lines.interacting(lay.point(0, 0)).is_empty()
    under = lay.rdl.interacting(lay.point(0, 0))
    assert under.count() == 1 and under.bbox().width() == lay.gds.um(221)  # the bump land alone


def test_chip_gds_pad_layer_with_net_labels(tmp_path, read_gds):
    lib = gdstk.Library()
    chip = lib.new_cell("CHIP")
    order = ["N3", "N1", "N2"]  # net of each pad, left to right
    for i, net in enumerate(order):
        x = -150 + 150 * i
        chip.add(gdstk.rectangle((x - 40, -1040), (x + 40, -960), layer=7))
        chip.add(gdstk.Label(net, (x, -1000), layer=7, texttype=1))
    lib.write_gds(tmp_path / "chip.gds")
    bumps = [("A", -400, 0, "N3"), ("B", 0, 0, "N1"), ("C", 400, 0, "N2")]
    recipe = _recipe(tmp_path, [("x", 0, 0, "N")], bumps, name="fo_gds")
    data = yaml.safe_load(recipe.read_text())
    data["die"]["pads"] = {"kind": "gds", "file": "chip.gds", "layer": "7/0", "label_layer": "7/1"}
    recipe.write_text(yaml.safe_dump(data))
    res = build(recipe, tmp_path)
    assert res.drc.clean
    nets = {n["net"]: n["bump"] for n in res.manifest["routing"]["nets"]}
    assert nets == {"N3": "A", "N1": "B", "N2": "C"}
    lay = Layout(res, read_gds)
    assert lay.rdl.count() == 3 and lay.rdl.interacting(lay.contacts, 1, 1).count() == 3
    # the pad labelled N1 (middle) reaches bump B at the die centre
    assert not lay.rdl.interacting(lay.point(0, -1000)).interacting(lay.point(0, 0)).is_empty()


# ----------------------------------------------------------------------------- refused input
def _boxed_in(tmp_path, space=10):
    """Pad X with four pads 100 um around it (20 um gaps): no way out with 10/10 um lines."""
    plus = [("X", 0, -300), ("L", -100, -300), ("R", 100, -300), ("U", 0, -200), ("D", 0, -400)]
    bumps = [("X", 0, 700), ("L", -700, 700), ("R", 700, 700), ("U", 700, -700), ("D", -700, -700)]
    return _recipe(tmp_path, plus, bumps, name="boxed", routing={"line_space": space})


def test_boxed_in_pad_is_refused_by_name_exit_2_nothing_written(cli, tmp_path):
    out = tmp_path / "out"
    code, _, err = cli("build", _boxed_in(tmp_path), "--out", out)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot route pads X (no free way out of the pad)" in err and "10 um / space 10 um" in err
    assert not out.exists() or not any(out.rglob("*"))


@pytest.mark.parametrize("pads,bumps,needle", [
    ([("A", 0, -1000), ("B", 150, -1000)], [("A", 0, 0), ("B", 400, 0), ("C", -400, 0)],
     "bumps C have no pad with the same name"),
    ([("A", 0, -1000), ("Z", 150, -1000)], [("A", 0, 0), ("B", 400, 0)],
     "pads Z have no bump with the same name; bumps B have no pad"),
    ([("P1", 0, -1000, "VDD"), ("P2", 150, -1000, "IO9")], [("A", 0, 0, "VDD"), ("B", 400, 0, "IO1")],
     "pads P2 (IO9) have no bump on the same net; bumps B (IO1) have no pad"),
    ([("P1", 0, -1000), ("P2", 150, -1000), ("P3", 300, -1000)], [("A", 0, 0), ("B", 400, 0)],
     "have no bump (matched by nearest centre)"),
])
def test_pads_and_bumps_that_do_not_pair_up_are_named(cli, tmp_path, pads, bumps, needle):
    code, _, err = cli("build", _recipe(tmp_path, pads, bumps), "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("routing,needle", [
    ({"line_width": 8}, "die.routing.line_width = 8.0: must be at least 10 um (RDL.WIDTH)"),
    ({"line_space": 9.5}, "die.routing.line_space = 9.5: must be at least 10 um (RDL.SPACE)"),
    ({"land_diameter": 210}, "die.routing.land_diameter = 210"),
    ({"style": "diagonal"}, "die.routing.style"),
    ({"width": 10}, "die.routing.width: unknown key; did you mean line_width? (allowed keys: style, line_width, "
                "line_space, land_diameter, via, max_grid_cells, nets)"),
])
def test_bad_routing_values_are_refused(cli, tmp_path, routing, needle):
    recipe = _recipe(tmp_path, _bottom_ring(FAN_ORDER), GRID9, routing=routing)
    code, _, err = cli("build", recipe, "--out", tmp_path / "out")
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err


def test_fan_out_needs_an_rdl_process(tmp_path):
    recipe = _recipe(tmp_path, _bottom_ring(FAN_ORDER), GRID9)
    data = yaml.safe_load(recipe.read_text())
    data["process"] = "flux_fill"
    data["flux_fill"] = {"resist_opening": 270}
    del data["ball_drop"]
    data["materials"] = {}
    recipe.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"no redistribution layer .* works with: ball_drop, two_step_ball$"):
        build(recipe, tmp_path, run_drc=False)


def test_routing_without_pads_is_refused(cli, tmp_path):
    data = yaml.safe_load(TEMPLATE.read_text())
    del data["die"]["pads"]
    data["die"]["bump_map"] = {"kind": "grid", "pitch": [400, 400], "count": [3, 3]}
    path = tmp_path / "nopads.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = cli("build", path, "--out", tmp_path / "out")
    assert code == 2 and "needs the chip's pads" in err


def test_manifest_lists_each_net(template_build):
    data = json.loads(template_build.files["json"].read_text())
    nets = data["routing"]["nets"]
    assert len(nets) == 100 and all(n["length"] > 0 for n in nets)
    assert data["routing"]["total_length"] == pytest.approx(sum(n["length"] for n in nets), rel=1e-6)
    assert "RDL" in data["features"] and [m["mask"] for m in data["masks"]][:4] == ["PAD", "PASV", "INS1", "RDL"]


def test_manhattan_ring_builds_drc_clean_with_lines_clear_of_other_nets_solder(tmp_path, read_gds):
    # the 48-pad ring as a whole build: a line passing another net's bump keeps the RDL space from that bump's
    # solder (250 um ball, 257.9 um reflowed) and not only from its 221 um land, or RDL.CONNECT would see
    # two pads joined through the ball
    pads, balls = _ring_to_grid()
    recipe = _recipe(tmp_path, [(f"P{k:02d}", x, y, f"N{k:02d}") for k, (x, y) in enumerate(pads)],
                     [(f"B{k:02d}", x, y, f"N{k:02d}") for k, (x, y) in enumerate(balls)],
                     name="ring", routing={"style": "manhattan"}, size=4160)
    res = build(recipe, tmp_path / "out")
    assert res.drc.clean, [r.id for r in res.drc.rules if r.status == "fail"]
    assert res.manifest["routing"]["routed"] == 48
    gds = read_gds(res.files["gds"])
    lines = gds.region("RDL").merged()
    solder = gds.region("REFLOW").merged()
    # every reflowed bump touches exactly one RDL net: its own
    assert all(lines.interacting(kdb.Region(p)).count() == 1 for p in solder.each())
