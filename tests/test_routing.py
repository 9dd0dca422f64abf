"""RDL fan-out: the router on small hand-worked cases, fan-out dies read back from the written GDS with klayout.db."""

from __future__ import annotations

import json
import math
import random

import gdstk
import klayout.db as kdb
import klayout.rdb as rdb
import pytest
import yaml

from maskgen.build import build
from maskgen.errors import InputError
from maskgen.input.pdk import data_root
from maskgen.layout.routing import Net, Obstacle, Rules, Terminal, corners, route
from maskgen.layout.routing.verify import SCALE, clean, drawn, region

TEMPLATE = data_root() / "templates" / "fanout_csv.yaml"


# ----------------------------------------------------------------------------- router on small cases
def _sq(x, y, half):
    return ((x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half))


def _pad(name, x, y, half=5.0):
    return Terminal(name, x, y, _sq(x, y, half))


def _bump(name, x, y, half=20.0):
    return Terminal(name, x, y, _sq(x, y, half), bump=True)


def _rules(style, size=400.0, w=10.0, s=10.0):
    return Rules(width=w, space=s, style=style, area=(0.0, 0.0, size, size))


def _angles_ok(points, step_deg):
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        angle = math.degrees(math.atan2(by - ay, bx - ax)) % step_deg
        if min(angle, step_deg - angle) > 1e-6:
            return False
    return True


def _metal(result, nets, rules, obstacles=()):
    """Per net: its drawn lines merged with its terminals (klayout region, database unit 5 nm)."""
    out = {}
    for net in nets:
        wires = [w for w in result.wires if w.net == net.name]
        out[net.name] = (region(p for w in wires for p in drawn(w.points, rules.width, rules.style)) +
                         region([list(t.shape) for t in (*net.pads, *net.bumps)])).merged()
    return out


def _assert_clean(result, nets, rules, obstacles=()):
    """Drawn lines keep space and width (as the DRC checks them), and no net's metal touches another's."""
    shapes = [t.shape for n in nets for t in (*n.pads, *n.bumps)] + [o.shape for o in obstacles]
    assert clean(result.wires, shapes, rules) == {"space": 0, "width": 0}
    metal = _metal(result, nets, rules)
    names = list(metal)
    for a in names:
        for b in names:
            if a < b:
                assert (metal[a] & metal[b]).is_empty(), (a, b)


def _point(x, y):
    return kdb.Region(kdb.Box(round(x * SCALE) - 1, round(y * SCALE) - 1, round(x * SCALE) + 1, round(y * SCALE) + 1))


def _joined(metal, a, b):
    """Whether two terminal centres lie on one piece of a net's merged metal."""
    return any(not kdb.Region(p).interacting(_point(a.x, a.y)).is_empty() and
               not kdb.Region(p).interacting(_point(b.x, b.y)).is_empty() for p in metal.each())


@pytest.mark.parametrize("style", ["manhattan", "45"])
def test_aligned_pad_and_bump_get_one_straight_line(style):
    net = Net("A", (_pad("P", 40, 200),), (_bump("B", 300, 200),))
    r = route([net], [], _rules(style))
    (w,) = r.wires
    assert w.points == [(40.0, 200.0), (300.0, 200.0)] and r.length() == pytest.approx(260.0)
    assert (w.start, w.end) in (("P", "B"), ("B", "P")) and r.routed_nets == 1 and not r.unrouted


def test_two_lines_fit_a_channel_of_exactly_two_widths_and_three_spaces():
    # walls 100..300 um long leave a channel 2 w + 3 s = 50 um high (y 5..55): two 10 um lines fit only at exactly
    # 10 um from the walls and from each other (centres y = 20, 40), which the disc model (~1.4 x the space) refused
    w = s = 10.0
    walls = [Obstacle("low", ((100, 0), (300, 0), (300, 5), (100, 5))),
             Obstacle("high", ((100, 55), (300, 55), (300, 120), (100, 120)))]
    nets = [Net("A", (_pad("PA", 20, 20),), (_bump("BA", 380, 20, 5),)),
            Net("B", (_pad("PB", 20, 40),), (_bump("BB", 380, 40, 5),))]
    rules = Rules(w, s, "manhattan", (0.0, 0.0, 400.0, 120.0))
    r = route(nets, walls, rules)
    assert r.routed_nets == 2 and not r.unrouted
    assert sorted(wire.points for wire in r.wires) == [[(20.0, 20.0), (380.0, 20.0)], [(20.0, 40.0), (380.0, 40.0)]]
    lines = [region(drawn(wire.points, w, "manhattan")).merged() for wire in r.wires]
    walls_r = region([list(o.shape) for o in walls])
    um = SCALE
    # exactly the space: nothing closer than 10 um, something closer than 10.005 um
    assert lines[0].separation_check(lines[1], round(s * um)).is_empty()
    assert not lines[0].separation_check(lines[1], round(s * um) + 1).is_empty()
    for line in lines:
        assert line.width_check(round(w * um)).is_empty()
        bbox = line.bbox()
        assert bbox.height() == round(w * um)           # exactly the width
    both = lines[0] + lines[1]
    assert both.separation_check(walls_r, round(s * um)).is_empty()
    assert not both.separation_check(walls_r, round(s * um) + 1).is_empty()
    _assert_clean(r, nets, rules, walls)


@pytest.mark.parametrize("style", ["manhattan", "45"])
def test_one_pad_three_bumps_is_one_tree(style):
    pad = _pad("P", 40, 60)
    bumps = (_bump("B1", 200, 60), _bump("B2", 320, 60), _bump("B3", 260, 330))
    net = Net("N", (pad,), bumps)
    rules = _rules(style)
    r = route([net], [], rules)
    assert r.routed_nets == 1 and not r.unrouted and len(r.wires) == 3
    metal = _metal(r, [net], rules)["N"]
    assert metal.count() == 1                          # one piece of metal: pad and every bump joined
    assert all(_joined(metal, pad, b) for b in bumps)
    assert all(_angles_ok(w.points, 90 if style == "manhattan" else 45) for w in r.wires)
    _assert_clean(r, [net], rules)


def test_two_pads_on_one_bump_both_reach_it():
    pads = (_pad("P1", 40, 100), _pad("P2", 40, 300))
    net = Net("N", pads, (_bump("B", 300, 200),))
    rules = _rules("manhattan")
    r = route([net], [], rules)
    assert r.routed_nets == 1 and len(r.wires) == 2
    metal = _metal(r, [net], rules)["N"]
    assert all(_joined(metal, p, net.bumps[0]) for p in pads)


def test_supply_net_every_bump_reaches_a_pad_spare_pads_stay_unjoined():
    # 3 pads on the left edge, 2 bumps: each bump reaches the net's metal (through it a pad); the third pad,
    # not needed, keeps no line (as OpenROAD leaves it)
    pads = (_pad("V1", 20, 60), _pad("V2", 20, 200), _pad("V3", 20, 340))
    bumps = (_bump("BV1", 200, 80), _bump("BV2", 200, 320))
    other = Net("S", (_pad("S1", 380, 200),), (_bump("BS", 300, 200),))
    nets = [Net("VDD", pads, bumps), other]
    rules = _rules("manhattan")
    r = route(nets, [], rules)
    assert r.routed_nets == 2 and not r.unrouted
    assert len([w for w in r.wires if w.net == "VDD"]) == 2
    metal = _metal(r, nets, rules)["VDD"]
    assert all(any(_joined(metal, p, b) for p in pads) for b in bumps)
    # BV1 joins V1 and BV2 joins V3 (nearest), the spare pad V2 stays alone: three pieces of VDD metal
    assert metal.count() == 3 and not _joined(metal, pads[1], bumps[0]) and not _joined(metal, pads[1], bumps[1])
    _assert_clean(r, nets, rules)


@pytest.mark.parametrize("style", ["manhattan", "45"])
def test_walled_in_pad_is_unrouted_the_others_routed(style):
    wall = [Obstacle(n, _sq(200 + dx, 200 + dy, 40)) for n, dx, dy in
            (("L", -80, 0), ("R", 80, 0), ("U", 0, 80), ("D", 0, -80))]
    wall += [Obstacle(n, _sq(200 + dx, 200 + dy, 40)) for n, dx, dy in
             (("LU", -80, 80), ("RU", 80, 80), ("LD", -80, -80), ("RD", 80, -80))]
    nets = [Net("X", (_pad("PX", 200, 200),), (_bump("BX", 200, 360, 15),)),
            Net("Y", (_pad("PY", 20, 20),), (_bump("BY", 380, 20, 15),))]
    r = route(nets, wall, _rules(style))
    assert r.routed_nets == 1 and [w.net for w in r.wires] == ["Y"]
    (u,) = r.unrouted
    assert (u.net, u.start, u.end) in (("X", "PX", "BX"), ("X", "BX", "PX")) and u.reason
    assert {u.start_xy, u.end_xy} == {(200.0, 200.0), (200.0, 360.0)}


@pytest.mark.parametrize("style", ["manhattan", "45"])
def test_off_grid_terminals_start_and_end_at_their_centres(style):
    nets = [Net("A", (_pad("PA", 33.37, 71.11, 8),), (_bump("BA", 301.23, 247.77),)),
            Net("B", (_pad("PB", 57.91, 333.33, 8),), (_bump("BB", 249.99, 121.05),))]
    rules = _rules(style)
    r = route(nets, [], rules)
    assert r.routed_nets == 2
    for w in r.wires:
        ends = {w.points[0], w.points[-1]}
        net = next(n for n in nets if n.name == w.net)
        assert ends == {(t.x, t.y) for t in (*net.pads, *net.bumps)}
    _assert_clean(r, nets, rules)


def test_same_input_gives_the_same_routes():
    pads, balls = _ring_to_grid(n_side=6, pitch=200.0, ring=1000.0, grid=5, ball=400.0)
    balls = balls[:len(pads)]
    nets = [Net(f"P{k}", (_pad(f"P{k}", *p, 20),), (_bump(f"B{k}", *b, 55),))
            for k, (p, b) in enumerate(zip(pads, balls, strict=True))]
    rules = Rules(10.0, 10.0, "45", (-1190.0, -1190.0, 1190.0, 1190.0))
    first, second = route(nets, [], rules), route(nets, [], rules)
    assert [w.points for w in first.wires] == [w.points for w in second.wires] and first.wires


def test_progress_is_reported_up_to_the_total_and_lengths_per_net():
    nets = [Net("A", (_pad("PA", 40, 100),), (_bump("BA", 300, 100),)),
            Net("B", (_pad("PB", 40, 300),), (_bump("BB", 300, 300),))]
    calls = []
    r = route(nets, [], _rules("manhattan"), progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1] >= 2
    assert all(d <= t for d, t in calls) and [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert r.length("A") == pytest.approx(260.0) and r.length() == pytest.approx(520.0)


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


def test_manhattan_ring_to_ball_grid_routes_every_pad():
    # 48 pads (80 um, 12 a side, 200 um pitch) round a 7 x 7 ball grid (221 um lands, 400 um pitch, no centre
    # ball), Manhattan 10/10 um lines: every pad routed, clean, each net's metal one piece touching no other
    pads, balls = _ring_to_grid()
    nets = [Net(f"P{k:02d}", (_pad(f"P{k:02d}", *p, 40),), (_bump(f"B{k:02d}", *b, 110.5),))
            for k, (p, b) in enumerate(zip(pads, balls, strict=True))]
    rules = Rules(10.0, 10.0, "manhattan", (-1990.0, -1990.0, 1990.0, 1990.0))
    r = route(nets, [], rules)
    assert r.routed_nets == 48 and not r.unrouted
    assert all(_angles_ok(w.points, 90) for w in r.wires)
    _assert_clean(r, nets, rules)
    assert all(m.count() == 1 for m in _metal(r, nets, rules).values())


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("style", ["45", "manhattan"])
def test_random_small_fan_outs_are_clean_and_nothing_is_dropped(seed, style):
    # 6 pads on the edges of a 1200 um square joined at random to 6 of 9 bumps (3 x 3, 300 um pitch): whatever is
    # routed keeps the space and width; every connection is either a wire or an unrouted entry
    rng = random.Random(seed)
    edge = [(x, 60.0) for x in range(150, 1100, 150)] + [(60.0, y) for y in range(300, 1100, 150)]
    pads = rng.sample(edge, 6)
    bumps = rng.sample([(300.0 + 300 * c, 300.0 + 300 * r) for r in range(3) for c in range(3)], 6)
    nets = [Net(f"P{k}", (_pad(f"P{k}", *p, 25),), (_bump(f"B{k}", *b, 60),))
            for k, (p, b) in enumerate(zip(pads, bumps, strict=True))]
    rules = Rules(10.0, 10.0, style, (20.0, 20.0, 1180.0, 1180.0))
    r = route(nets, [], rules)
    assert len(r.wires) + len(r.unrouted) == 6
    assert r.routed_nets == 6 - len({u.net for u in r.unrouted})
    routed = [n for n in nets if n.name in {w.net for w in r.wires}]
    _assert_clean(r, routed, rules)
    assert all(_angles_ok(w.points, 90 if style == "manhattan" else 45) for w in r.wires)


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
    routing = res.manifest.as_json()["routing"]
    assert routing["pads"] == routing["routed"] == routing["net_count"] == 100 and routing["under_bump"] == 0
    assert routing["unrouted"] == [] and routing["routed_percent"] == 100.0
    # one RDL net per pad, each touching exactly one pad contact and exactly one UBM (its bump's)
    assert lay.rdl.count() == 100
    assert lay.rdl.interacting(lay.contacts, 1, 1).count() == 100
    assert lay.rdl.interacting(lay.ubm, 1, 1).count() == 100
    pads = {p["name"]: p for p in _csv(TEMPLATE.parent / "fanout_csv_pads.csv")}
    bumps = {b["name"]: b for b in _csv(TEMPLATE.parent / "fanout_csv_bumps.csv")}
    for net in routing["nets"]:
        [pad], [bump] = net["pads"], net["bumps"]
        p, b = pads[pad], bumps[bump]
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
    assert res.manifest.as_json()["routing"]["style"] == "manhattan"


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
    routing = res.manifest.as_json()["routing"]
    assert routing["under_bump"] == 1 and routing["routed"] == 3  # the net under its bump is joined without a line
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
    nets = {n["net"]: n["bumps"][0] for n in res.manifest.as_json()["routing"]["nets"]}
    assert nets == {"N3": "A", "N1": "B", "N2": "C"}
    lay = Layout(res, read_gds)
    assert lay.rdl.count() == 3 and lay.rdl.interacting(lay.contacts, 1, 1).count() == 3
    # the pad labelled N1 (middle) reaches bump B at the die centre
    assert not lay.rdl.interacting(lay.point(0, -1000)).interacting(lay.point(0, 0)).is_empty()


# ----------------------------------------------------------------------------- refused input
def _boxed_in(tmp_path, space=10):
    """Pad X with eight pads 100 um around it (20 um gaps): no way out with 10/10 um lines."""
    plus = [("X", 0, -300), ("L", -100, -300), ("R", 100, -300), ("U", 0, -200), ("D", 0, -400),
            ("LU", -100, -200), ("RU", 100, -200), ("LD", -100, -400), ("RD", 100, -400)]
    bumps = [("X", -700, 800), ("L", -800, -300), ("R", 800, -300), ("U", 0, 500), ("D", 0, -1000),
             ("LU", -600, 300), ("RU", 600, 300), ("LD", -600, -900), ("RD", 600, -900)]
    return _recipe(tmp_path, plus, bumps, name="boxed", routing={"line_space": space})


def test_boxed_in_pad_is_a_partial_result_marked_exit_1(cli, tmp_path, read_gds):
    """Pad X walled in by eight pads (20 um gaps, 10/10 um lines): the other eight nets are routed and written, X's
    connection is one RDL.UNROUTED marker (a flight line from its bump to its pad), exit 1; --allow-dirty: 0."""
    out = tmp_path / "out"
    code, stdout, _ = cli("build", _boxed_in(tmp_path), "--out", out)
    assert code == 1
    assert "RDL: routed 8/9 nets (88.9 %)" in stdout
    data = json.loads((out / "boxed" / "boxed.json").read_text())
    [open_line] = data["routing"]["unrouted"]
    assert (open_line["net"], open_line["from"], open_line["to"]) == ("X", "X", "X")
    assert sorted([open_line["from_xy"], open_line["to_xy"]]) == [[-700.0, 800.0], [0.0, -300.0]]
    assert [n["net"] for n in data["routing"]["nets"] if not n["routed"]] == ["X"]
    db = rdb.ReportDatabase("")
    db.load(str(out / "boxed" / "boxed.lyrdb"))
    found = [db.category_by_id(item.category_id()).name() for item in db.each_item()]
    assert found.count("RDL.UNROUTED") == 1
    gds = read_gds(out / "boxed" / "boxed.gds")
    assert gds.region("RDL").merged().count() == 8 + 2   # eight routed nets, X's pad land and its bump land
    code, _, _ = cli("build", _boxed_in(tmp_path), "--out", tmp_path / "out2", "--allow-dirty")
    assert code == 0


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
                "line_space, land_diameter, via, max_grid_cells, nets, def_layer)"),
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
    assert res.manifest.as_json()["routing"]["routed"] == 48
    gds = read_gds(res.files["gds"])
    lines = gds.region("RDL").merged()
    solder = gds.region("REFLOW").merged()
    # every reflowed bump touches exactly one RDL net: its own
    assert all(lines.interacting(kdb.Region(p)).count() == 1 for p in solder.each())
