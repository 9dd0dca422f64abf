"""The router on OpenROAD's own flip-chip test design, against OpenROAD's published routes (issue 20).

Terminals are read by maskgen's DEF/LEF reader through benchmarks/rdl.py (the table's own loader), so the test
and the benchmark route the same job; OpenROAD's lengths are read from its .defok files in
tests/data/third_party/openroad_pad/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from maskgen.layout.routing import Rules, route
from maskgen.layout.routing.verify import clean

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("rdl_bench", ROOT / "benchmarks" / "rdl.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("row, limit", [("45", 1.00), ("4/4", 0.975)])
def test_routes_every_net_clean_and_no_longer_than_openroad(row, limit):
    """139 of 139 nets, clean under the exact rule, total length at most `limit` x OpenROAD's (4/4: 0.969x since
    the shortening pass takes VDD's and DVSS's longest detours out; 0.979x before)."""
    bench = _bench()
    spec = bench.ROWS[row]
    nets, obstacles, die = bench.load(spec)
    x1, y1, x2, y2 = die
    h = spec["w"] / 2
    rules = Rules(spec["w"], spec["s"], spec["style"], (x1 + h, y1 + h, x2 - h, y2 - h))
    result = route(nets, obstacles, rules)
    assert (result.routed_nets, result.nets) == (139, 139)
    assert not result.unrouted
    terms = [t.shape for net in nets for t in (*net.pads, *net.bumps)] + [o.shape for o in obstacles]
    assert clean(result.wires, terms, rules) == {"space": 0, "width": 0}
    lengths, _ = bench.defok(bench.DATA / spec["defok"])
    assert len(lengths) == 139
    assert result.length() <= limit * sum(lengths.values())
    # every bump of every net is a named end of one of its net's wires
    ends = {(w.net, name) for w in result.wires for name in (w.start, w.end)}
    assert all((net.name, b.name) in ends for net in nets for b in net.bumps)

def test_ten_ten_fails_fewer_nets_than_openroad():
    """OpenROAD's failure test (10 / 10 um): fewer nets left open than its 15, each open connection reported."""
    bench = _bench()
    spec = bench.ROWS["10/10"]
    nets, obstacles, die = bench.load(spec)
    x1, y1, x2, y2 = die
    rules = Rules(10, 10, "manhattan", (x1 + 5, y1 + 5, x2 - 5, y2 - 5))
    result = route(nets, obstacles, rules)
    routed, total = bench.openroad(spec["ok"])
    assert (routed, total) == (124, 139)
    assert result.nets - result.routed_nets < total - routed
    assert len({u.net for u in result.unrouted}) == result.nets - result.routed_nets
    terms = [t.shape for net in nets for t in (*net.pads, *net.bumps)] + [o.shape for o in obstacles]
    assert clean(result.wires, terms, rules) == {"space": 0, "width": 0}
