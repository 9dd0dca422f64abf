"""Each geometric rule fires at its defect (site at x = 0) and not at the clean twin (x = 1000)."""

from __future__ import annotations

import gdstk
import pytest


# ----------------------------------------------------------------------------- pad, passivation, UBM
@pytest.mark.parametrize("family", ["stair_bump", "ball_drop", "flux_fill", "two_step_ball", "cantilever_wlcsp"])
def test_clean_site_of_each_family_passes(drawing, check, kit, family):
    d = drawing
    manifest = None
    for x in (0, kit.TWIN):
        if family == "stair_bump":
            kit.stair_site(d, x)
        elif family == "ball_drop":
            kit.ball_site(d, x)
        elif family == "flux_fill":
            kit.ball_site(d, x, layer="PR1")
        elif family == "two_step_ball":
            kit.sm_site(d, x)
        else:
            kit.cantilever_site(d, x)
            manifest = kit.cantilever_manifest()
    d.die()
    result = check(d, manifest, process=family)
    assert result.clean, [(v.rule, v.message, v.bbox) for v in result.violations]
    assert result.process == family
    assert result.rule("MATERIAL.CLAIMED").status == "pass"


def test_pasv_in_pad_enclosure(drawing, check, kit):
    """Passivation opening 15 um off-centre: 5 um of pad 91 left on one side (< 7.5)."""
    kit.stair_site(drawing, 0, pasv_shift=15)
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "PASV.IN_PAD", 40, 50)
    assert all("measured 5 um" in v.message for v in found)
    kit.only_failing(result, "PASV.IN_PAD")


def test_pasv_outside_any_pad(drawing, check, kit):
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    drawing.square("PASV", 0, 0, 60)  # an opening with no pad 91 under it
    drawing.square("UBM", 0, 0, 120)
    result = check(drawing)
    found = kit.fired(result, "PASV.IN_PAD", -30, 30)
    assert [v.message for v in found] == ["passivation opening is not inside pad"]
    assert found[0].bbox == (-30.0, -30.0, 30.0, 30.0)
    kit.only_failing(result, "PASV.IN_PAD")


def test_pasv_width(drawing, check, kit):
    kit.stair_site(drawing, 0, pasv=36)
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "PASV.WIDTH", -18, 18)
    assert all("measured 36 um" in v.message for v in found)
    kit.only_failing(result, "PASV.WIDTH")


def test_ubm_covers_pasv(drawing, check, kit):
    """UBM 70 over a 60 um opening: 5 um of cover (< 10)."""
    kit.stair_site(drawing, 0, ubm=70)
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    kit.fired(result, "UBM.COVERS_PASV", -35, 35)
    kit.only_failing(result, "UBM.COVERS_PASV")


def test_ubm_island_without_opening(drawing, check, kit):
    kit.stair_site(drawing, 0)
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    drawing.square("UBM", 0, 300, 120)  # stray UBM island over no pad opening
    result = check(drawing)
    found = kit.fired(result, "UBM.ISLAND", -60, 60)
    assert [v.bbox for v in found] == [(-60.0, 240.0, 60.0, 360.0)]
    assert "no passivation opening" in found[0].message
    kit.only_failing(result, "UBM.ISLAND")


def test_ubm_island_over_two_openings(drawing, check, kit):
    """One UBM island spanning the two passivation openings of a long pad (001:c1: one island per pad)."""
    d = drawing
    d.square("PAD", 0, 0, 200, 100)
    d.square("PASV", -50, 0, 60)
    d.square("PASV", 50, 0, 60)
    d.square("UBM", 0, 0, 180, 80)
    d.circle("BUMP", 0, 0, 70)
    d.square("POLY", 0, 0, 90)  # 001: the polymer opening the ball is dropped into
    d.square("PAD", kit.TWIN, 0, 200, 100)
    d.square("PASV", kit.TWIN, 0, 60)
    d.square("UBM", kit.TWIN, 0, 180, 80)
    d.circle("BUMP", kit.TWIN, 0, 70)
    d.square("POLY", kit.TWIN, 0, 90)
    d.die()
    result = check(d)
    found = kit.fired(result, "UBM.ISLAND", -90, 90)
    assert [v.bbox for v in found] == [(-90.0, -40.0, 90.0, 40.0)]
    assert "two or more" in found[0].message
    kit.only_failing(result, "UBM.ISLAND")


# ----------------------------------------------------------------------------- stair and solder masks
def test_stair_nest_step_too_small(drawing, check, kit):
    """PR2 only 1 um larger than PR1 per side (< 2 um step, 000:c3)."""
    kit.stair_site(drawing, 0, prs=(70, 72, 90))
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "STAIR.NEST", -36, 36)
    assert all("PR2 opening encloses PR1 opening" in v.message and "measured 1 um" in v.message for v in found)
    kit.only_failing(result, "STAIR.NEST")


def test_stair_nest_upper_opening_without_lower(drawing, check, kit):
    kit.stair_site(drawing, 0, prs=(70, 80))
    kit.stair_site(drawing, kit.TWIN, prs=(70, 80))
    drawing.die()
    drawing.square("PR2", 0, 300, 80)  # stair step hanging in the air
    result = check(drawing)
    found = kit.fired(result, "STAIR.NEST", -40, 40)
    assert [(v.message, v.bbox) for v in found] == [("PR2 opening has no PR1 opening below it",
                                                      (-40.0, 260.0, 40.0, 340.0))]


def test_sm_nest_step_too_small(drawing, check, kit):
    """SM2 4 um larger than SM1 per side (< 5, 002:c1 second opening larger)."""
    kit.sm_site(drawing, 0, openings=(80, 88))
    kit.sm_site(drawing, kit.TWIN, openings=(80, 92))
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "SM.NEST", -44, 44)
    assert all("SM2 opening encloses SM1 opening" in v.message for v in found)
    kit.only_failing(result, "SM.NEST")


def test_sm_nest_misaligned(drawing, check, kit):
    """SM2 shifted 2 um: still 8 um enclosure, but off-centre by more than max_offset 1 um (002:c20 aligned)."""
    kit.sm_site(drawing, 0, openings=(80, 100), shift2=2)
    kit.sm_site(drawing, kit.TWIN, openings=(80, 100))
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "SM.NEST", -40, 40)
    assert [(v.bbox, "off-centre" in v.message) for v in found] == [((-40.0, -40.0, 40.0, 40.0), True)]
    kit.only_failing(result, "SM.NEST")


# ----------------------------------------------------------------------------- balls
@pytest.mark.parametrize("layer, process", [("POLY", None), ("PR1", "flux_fill")])
def test_ball_opening_too_tight(drawing, check, kit, layer, process):
    """An 86 um opening for an 80 um ball: 3 um clearance (< 5)."""
    kit.ball_site(drawing, 0, opening=86, layer=layer)
    kit.ball_site(drawing, kit.TWIN, layer=layer)
    drawing.die()
    result = check(drawing, process=process)
    found = kit.fired(result, "BALL.OPENING", -43, 43)
    assert all(v.message.startswith(f"{'polymer' if layer == 'POLY' else 'flux-filled resist'} opening encloses "
                                     "ball footprint by less than 5 um") for v in found)
    assert min(float(v.message.split("measured ")[1].split(" um")[0]) for v in found) == pytest.approx(3)
    kit.only_failing(result, "BALL.OPENING")


def test_ball_opening_without_ball(drawing, check, kit):
    kit.ball_site(drawing, 0, ball=None)
    kit.ball_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "BALL.OPENING", -50, 50)
    assert [(v.message, v.bbox) for v in found] == [("polymer opening receives no ball", (-50.0, -50.0, 50.0, 50.0))]
    kit.only_failing(result, "BALL.OPENING")


# ----------------------------------------------------------------------------- cantilever (004)
def test_sac_under_bump_enclosure(drawing, check, kit):
    """Bump 120 shifted 58 um: 2 um of sacrificial layer 140 beyond it (< 5, 004:c3)."""
    kit.cantilever_site(drawing, 0, bump_dy=58)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    kit.fired(result, "SAC.UNDER_BUMP", -100, 100)
    kit.only_failing(result, "SAC.UNDER_BUMP")


def test_sac_required_by_manifest(drawing, check, kit):
    kit.cantilever_site(drawing, 0, sac=None)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "SAC.UNDER_BUMP", -40, 40)
    assert [v.message for v in found] == ["no sacrificial layer 140 under bump 120"]
    kit.only_failing(result, "SAC.UNDER_BUMP")


def test_sac_not_required_without_manifest_feature(drawing, check, kit):
    kit.cantilever_site(drawing, 0, sac=None)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest(features=["release"]))
    assert result.rule("SAC.UNDER_BUMP").status == "pass"


def test_susp_release_far_from_windows(drawing, check, kit):
    """Only the top etch window 160: the bottom 20 um of sacrificial layer 140 is 150+ um away."""
    kit.cantilever_site(drawing, 0, windows=("top",))
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "SUSP.RELEASE", -100, 100)
    assert [v.bbox for v in found] == [(-100.0, -100.0, 100.0, -80.0)]
    kit.only_failing(result, "SUSP.RELEASE")


def test_susp_release_euclidean_corner(drawing, check, kit):
    """A window 140 um away in x and y: within 150 along each axis but 198 um from the far corner."""
    d = drawing
    kit.cantilever_site(d, 0, windows=())
    kit.cantilever_site(d, kit.TWIN)
    d.rect("INS1", 40, 40, 100, 100)  # corner window: the far corner (-100, -100) is 198 um away
    d.die()
    result = check(d)  # no manifest: release inferred because etch windows 160 are drawn
    found = kit.fired(result, "SUSP.RELEASE", -100, 100)
    assert len(found) == 1
    x1, y1, x2, y2 = found[0].bbox
    assert (x1, y1) == (-100.0, -100.0) and x2 < -5 and y2 < -5


def test_susp_release_not_active_without_release_feature(drawing, check, kit):
    kit.cantilever_site(drawing, 0, windows=("top",))
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest(features=["SAC", "one_insulator"]))
    rule = result.rule("SUSP.RELEASE")
    assert rule.status == "n/a" and "release" in rule.reason


def test_susp_anchor_ring_of_windows(drawing, check, kit):
    """Etch windows 160 all round the land: the suspended portion 102 is cut off from joint portion 101."""
    kit.cantilever_site(drawing, 0, ring=True)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "SUSP.ANCHOR", -80, 80)
    assert [v.bbox for v in found] == [(-80.0, -70.0, 80.0, 70.0)]
    kit.only_failing(result, "SUSP.ANCHOR")


def test_susp_arms_missing_beam(drawing, check, kit):
    """The manifest declares one support beam 111 per bump; the defect site has none."""
    kit.cantilever_site(drawing, 0, beam=False)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "SUSP.ARMS", -100, 100)
    assert [v.bbox for v in found] == [(-100.0, -100.0, 100.0, 100.0)]
    assert "held by 1 RDL arm" in found[0].message and "expected 2" in found[0].message
    kit.only_failing(result, "SUSP.ARMS")


def test_susp_arms_without_manifest_needs_one(drawing, check, kit):
    kit.cantilever_site(drawing, 0, beam=False)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    assert result.rule("SUSP.ARMS").status == "pass"


# ----------------------------------------------------------------------------- RDL
def test_rdl_connect_open_line(drawing, check, kit):
    """Metal line 110 stops 20 um short of the pad: the bump reaches no pad (004:c1)."""
    kit.cantilever_site(drawing, 0, line_from=-230)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "RDL.CONNECT", -40, 40)
    assert [(v.message, v.bbox) for v in found] == [("bump reaches no pad through RDL", (-40.0, -40.0, 40.0, 40.0))]
    kit.only_failing(result, "RDL.CONNECT")


def test_rdl_connect_beam_shorts_second_pad(drawing, check, kit):
    """Support beam 111 runs onto a second pad: the net joins two pads."""
    d = drawing
    kit.cantilever_site(d, 0, beam_to=330)
    kit.cantilever_site(d, kit.TWIN)
    d.square("PAD", 300, 0, 100)
    d.square("PASV", 300, 0, 60)
    d.square("INS1", 300, 0, 50)
    d.die()
    result = check(d, kit.cantilever_manifest())
    found = kit.fired(result, "RDL.CONNECT", -400, 400)
    assert [v.message for v in found] == ["RDL net joins two or more pads"]
    kit.only_failing(result, "RDL.CONNECT")


def test_rdl_width(drawing, check, kit):
    kit.cantilever_site(drawing, 0, line_width=8)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "RDL.WIDTH", -330, -60)
    assert all("measured 8 um" in v.message for v in found)
    kit.only_failing(result, "RDL.WIDTH")


def test_rdl_space(drawing, check, kit):
    kit.cantilever_site(drawing, 0, stray_rdl=True)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    found = kit.fired(result, "RDL.SPACE", -260, -140)  # Euclidean: the edge pair reaches past the corners
    assert all("measured 6 um" in v.message for v in found)
    kit.only_failing(result, "RDL.SPACE")


def test_rdl_encloses_ubm(drawing, check, kit):
    """UBM 110 on a 120 um land: 5 um of RDL around it (< 10, 002:c13)."""
    kit.cantilever_site(drawing, 0, ubm=110)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    kit.fired(result, "RDL.ENCLOSES_UBM", -60, 60)
    kit.only_failing(result, "RDL.ENCLOSES_UBM")


# ----------------------------------------------------------------------------- bumps, die, grid
def test_bump_space_reflowed(drawing, check, kit):
    """Two bumps at 250 um pitch; the defect pair's reflowed outlines are 220 um wide: 30 um apart (< 50)."""
    d = drawing
    kit.stair_site(d, 0, reflow=220)
    kit.stair_site(d, 250, reflow=220)
    kit.stair_site(d, kit.TWIN)
    kit.stair_site(d, kit.TWIN + 250)
    d.die(-500, -500, kit.TWIN + 750, 500)
    result = check(d)
    found = kit.fired(result, "BUMP.SPACE", 0, 250)
    measured = sorted(float(v.message.split("measured ")[1].split(" um")[0]) for v in found)
    assert measured[0] == pytest.approx(30, abs=0.01) and measured[-1] < 50
    kit.only_failing(result, "BUMP.SPACE")


def test_bump_space_overlap_is_bridging(drawing, check, kit):
    d = drawing
    kit.stair_site(d, 0, reflow=260)
    kit.stair_site(d, 250, reflow=260)
    kit.stair_site(d, kit.TWIN)
    kit.stair_site(d, kit.TWIN + 250)
    d.die(-500, -500, kit.TWIN + 750, 500)
    result = check(d)
    found = kit.fired(result, "BUMP.SPACE", 0, 250)
    overlaps = [v for v in found if v.message == "predicted reflowed bumps overlap (bridging)"]
    assert len(overlaps) == 1
    assert overlaps[0].bbox[0] == pytest.approx(120) and overlaps[0].bbox[2] == pytest.approx(130)


def test_bump_pitch(drawing, check, kit):
    """UBM 120 at 200 um pitch: 80 um apart, the rule asks 70 + 0.3 x 120 = 106."""
    d = drawing
    kit.stair_site(d, 0)
    kit.stair_site(d, 200)
    kit.stair_site(d, kit.TWIN)
    kit.stair_site(d, kit.TWIN + 250)
    d.die(-500, -500, kit.TWIN + 750, 500)
    result = check(d)
    [found] = kit.fired(result, "BUMP.PITCH", 60, 140)  # one marker for the one pair of islands
    assert found.message == ("UBM islands at 200 um pitch, 80 um apart: the rule asks a pitch of 70 um + "
                             "1.3 x 120 um UBM = 226 um (106 um apart)")
    kit.only_failing(result, "BUMP.PITCH")


def test_die_edge(drawing, check, kit):
    """A pad centre 80 um inside the die edge (< 90)."""
    kit.stair_site(drawing, -420)
    kit.stair_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing)
    found = kit.fired(result, "DIE.EDGE", -470, -370)
    assert [v.bbox for v in found] == [(-470.0, -50.0, -370.0, 50.0)]
    kit.only_failing(result, "DIE.EDGE")


def test_grid(drawing, check, kit, pdk):
    kit.stair_site(drawing, kit.TWIN)
    kit.stair_site(drawing, 0)
    drawing.die()
    number, datatype = pdk.gds("LABEL")
    drawing.top.add(gdstk.rectangle((0.001, 200), (20.001, 220), layer=number, datatype=datatype))
    result = check(drawing)
    found = kit.fired(result, "GRID", 0, 21)
    assert [(v.bbox, "layer LABEL" in v.message) for v in found] == [((0.001, 200.0, 20.001, 220.0), True)]
    kit.only_failing(result, "GRID")


# ----------------------------------------------------------------------------- RDL nets declared by a fan-out
def _fanout_manifest(kit, pads: list[tuple[str, float, str | None]], bumps: list[tuple[str, float, str | None]],
                     unrouted: list[dict] | None = None) -> dict:
    """A cantilever manifest whose routing declares pad nets, bump nets and the connections left open."""
    nets = sorted({n for _, _, n in pads + bumps if n})
    return kit.cantilever_manifest(
        bumps=[{"name": n, "x": x, "y": 0.0, "net": net} for n, x, net in bumps],
        routing={"pad_sites": [{"name": n, "x": x, "y": 0.0, "net": net} for n, x, net in pads],
                 "nets": [{"net": n} for n in nets], "unrouted": unrouted or []})


def _second_pad_on_the_line(d, kit) -> None:
    """Two cantilever sites and a second pad 150 um above the first site's pad, joined to its line."""
    kit.cantilever_site(d, 0)
    kit.cantilever_site(d, kit.TWIN)
    d.square("PAD", -300, 150, 100)
    d.square("PASV", -300, 150, 60)
    d.square("INS1", -300, 150, 50)
    d.rect("RDL", -310, 0, -290, 150)
    d.die()


def test_rdl_connect_two_pads_of_one_net_pass(drawing, check, kit):
    """A supply net: one line joins two pads of VDD and its bump; the twin is a signal net. Clean."""
    _second_pad_on_the_line(drawing, kit)
    manifest = _fanout_manifest(kit, [("P0", -300, "VDD"), ("P0b", -300, "VDD"), ("P1", 700, "IO1")],
                                [("B0", 0, "VDD"), ("B1", 1000, "IO1")])
    manifest["routing"]["pad_sites"][1]["y"] = 150.0
    result = check(drawing, manifest)
    assert result.rule("RDL.CONNECT").status == "pass"
    assert result.rule("RDL.UNROUTED").status == "pass"
    kit.only_failing(result)


def test_rdl_connect_line_joins_two_nets(drawing, check, kit):
    """The same drawing with the second pad on net VSS: the RDL joins VDD and VSS."""
    _second_pad_on_the_line(drawing, kit)
    manifest = _fanout_manifest(kit, [("P0", -300, "VDD"), ("P0b", -300, "VSS"), ("P1", 700, "IO1")],
                                [("B0", 0, "VDD"), ("B1", 1000, "IO1")])
    manifest["routing"]["pad_sites"][1]["y"] = 150.0
    result = check(drawing, manifest)
    found = kit.fired(result, "RDL.CONNECT", -400, 400)
    assert [v.message for v in found] == ["RDL joins terminals of different nets (VDD and VSS)"]
    kit.only_failing(result, "RDL.CONNECT")


def test_rdl_connect_spare_bump_reached(drawing, check, kit):
    """A bump on no routed net (a spare bump) joined to a pad's line: a net of its own is joined."""
    kit.cantilever_site(drawing, 0)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    result = check(drawing, _fanout_manifest(kit, [("P0", -300, "IO0"), ("P1", 700, "IO1")],
                                             [("B0", 0, None), ("B1", 1000, "IO1")]))
    found = kit.fired(result, "RDL.CONNECT", -400, 400)
    assert [v.message for v in found] == ["RDL joins terminals of different nets (B0 (no net) and IO0)"]


def test_rdl_unrouted_flight_line(drawing, check, kit):
    """The router left B0 -> P0 open (the line stops 100 um short): one flight-line marker from bump to pad, and
    RDL.CONNECT sees the bump of a routed net reach no pad."""
    kit.cantilever_site(drawing, 0, line_from=-130)
    kit.cantilever_site(drawing, kit.TWIN)
    drawing.die()
    open_line = {"net": "IO0", "from": "B0", "to": "P0", "from_xy": [0.0, 0.0], "to_xy": [-300.0, 0.0],
                 "reason": "no way clear of the other lines"}
    result = check(drawing, _fanout_manifest(kit, [("P0", -300, "IO0"), ("P1", 700, "IO1")],
                                             [("B0", 0, "IO0"), ("B1", 1000, "IO1")], [open_line]))
    [marker] = kit.fired(result, "RDL.UNROUTED", -400, 400)
    assert marker.bbox == (-300.0, 0.0, 0.0, 0.0)
    assert marker.message == "net IO0: B0 -> P0 not routed (no way clear of the other lines)"
    assert [v.message for v in kit.fired(result, "RDL.CONNECT", -400, 400)] == [
        "bump of a routed net reaches no pad of its net through RDL"]
    kit.only_failing(result, "RDL.CONNECT", "RDL.UNROUTED")


def test_rdl_unrouted_not_applicable_without_routing(drawing, check, kit):
    kit.cantilever_site(drawing, 0)
    drawing.die()
    result = check(drawing, kit.cantilever_manifest())
    assert result.rule("RDL.UNROUTED").status == "n/a"
    assert result.rule("RDL.UNROUTED").reason == "no routed fan-out in the build manifest"
