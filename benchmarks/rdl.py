"""RDL router against OpenROAD's `rdl_route` on its flip-chip test design (issue 20).

    python benchmarks/rdl.py                 # every row, one table
    python benchmarks/rdl.py --rows 4/4,45   # some rows
    python benchmarks/rdl.py --repeat 3      # median of 3 routing runs where a run takes < 20 s
    python benchmarks/rdl.py --openroad-tests ~/OpenROAD   # also OpenROAD's other rdl_route tests, from a checkout

Terminals are read from the DEF and LEFs of tests/data/third_party/openroad_pad by maskgen's own reader
(maskgen.input.terminals, as `maskgen build` reads them): the bumps (DUMMY_BUMP, 45 x 45 um; DUMMY_BUMP_45
octagon) and the pad cells' pins on metal10 (the signal pads' PAD pin, the power pad cells' supply pins), each
with its net; signal nets p_* and supply nets VDD, VSS, DVDD, DVSS are routed, every other terminal is an
obstacle. The check: every terminal centre of a signal net, and every bump of a supply net, lies within 1 nm of
a wire end of OpenROAD's rdl_route.defok.

OpenROAD's length is read from the .defok ROUTED metal10 segments of the routed nets. Its axis-aligned
segments are extended by half a width past their corners; an end is pulled back by half a width when that
point lies on another segment of the net, so each centre-line is counted once (diagonals are not extended).

Each row routes in a fresh process (peak memory = that process's peak resident set, interpreter, numba and
klayout included); time = route() alone (median of --repeat runs where cheap), after one warm-up on a small
design (numba loads its compiled code once per process). Clean = klayout.db space and width checks of the
drawn lines merged with every terminal and obstacle, as the DRC does (markers touching a line).

With `--openroad-tests DIR` (an OpenROAD checkout, or its src/pad/test folder), the rows of OpenROAD's other
rdl_route tests are added, read from that folder as OpenROAD's .tcl files read them: the flip-chip with two-port
bumps and with octagonal bumps (45 degree, 6 / 6), the pads on metal9 (dummy_pads_m9.lef) routed on metal9 at 8 / 8
(`-bump_via`) and on metal10 at 4 / 4, 45 degree (`-pad_via`), the ASAP7 probe cells (4 / 4 on Pad) and the passive
interposer's bump-to-bump nets (4 / 4 on topmetal; the left field's bumps stand in as the pads). Nothing of them is
kept in this repository.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from maskgen.input.defmap import read_def as read_chip  # noqa: E402
from maskgen.input.terminals import Terminal as ChipTerminal  # noqa: E402
from maskgen.input.terminals import read_terminals  # noqa: E402
from maskgen.layout.routing import Net, Obstacle, Rules, Terminal, route  # noqa: E402
from maskgen.layout.routing.verify import clean  # noqa: E402

DATA = ROOT / "tests" / "data" / "third_party" / "openroad_pad"
DEF = DATA / "Nangate45_blackparrot__floorplan_flipchip.def"
DEF45 = DATA / "Nangate45_blackparrot__floorplan_flipchip_45.def"
LEFS = [DATA / "Nangate45__Nangate45_tech.lef", DATA / "Nangate45_io__dummy_pads.lef"]
SUPPLY = ("VDD", "VSS", "DVDD", "DVSS")
LAYER = "metal10"
OPENROAD_TESTS: Path | None = None
"""OpenROAD's src/pad/test folder (--openroad-tests), for the rows marked `openroad`."""


def _or(path: str) -> Path:
    """A file of OpenROAD's src/pad/test folder (its symlinks Nangate45_io, asap7 lead to the checkout's test/)."""
    if OPENROAD_TESTS is None:
        raise SystemExit("this row needs --openroad-tests DIR (an OpenROAD checkout)")
    return OPENROAD_TESTS / path


# ---------------------------------------------------------------------------------------------- terminals
def _terminal(t: ChipTerminal, centre: tuple[float, float], bump: bool) -> Terminal:
    """A terminal of the project's DEF reader in the DEF's own um (OpenROAD's .defok coordinates)."""
    cx, cy = centre
    x, y = round(t.x + cx, 6), round(t.y + cy, 6)
    return Terminal(t.name, x, y, tuple((round(px + x, 6), round(py + y, 6)) for px, py in t.outline or ()),
                    bump=bump)


def design(def_path: Path, pattern: str = "p_", lefs: list[Path] | None = None, bump_macro: str | None = None,
           pad_macro: str | list[str] = "PADCELL_*", pad_layer: str | None = LAYER, bump_component: str | None = None,
           pad_component: str | None = None, nets: list[str] | None = None,
           bump_layer: str | None = None) -> tuple[list[Net], list[Obstacle], tuple]:
    """The routed nets (signal p_* and supplies, or those of the `nets` globs) with their terminals, read by
    maskgen's own DEF/LEF reader as `maskgen build` reads them (bumps: the DUMMY_BUMP macros; pads: the pad cells'
    pins on metal10, unless told otherwise), the terminals of no routed net as obstacles; and the die area (um,
    DEF coordinates)."""
    import fnmatch
    chip = read_chip(def_path)
    lefs = lefs or LEFS
    macro = bump_macro or ("DUMMY_BUMP_45" if def_path == DEF45 else "DUMMY_BUMP")
    bumps = read_terminals(def_path, lefs, "components", macro, None, bump_layer, "bumps", 10**6, "bumps.limit",
                           component=bump_component)
    pads = read_terminals(def_path, lefs, "components", pad_macro, None, pad_layer, "pads", 10**6, "pads.limit",
                          component=pad_component)
    chosen: dict[str, tuple[list[Terminal], list[Terminal]]] = {}
    obstacles = []
    for t, bump in [(t, False) for t in pads] + [(t, True) for t in bumps]:
        term = _terminal(t, chip.centre, bump)
        if t.net is not None and (any(fnmatch.fnmatchcase(t.net, p) for p in nets) if nets else
                                  (t.net.startswith(pattern) or t.net in SUPPLY)):
            chosen.setdefault(t.net, ([], []))[1 if bump else 0].append(term)
        else:
            obstacles.append(Obstacle(term.name, term.shape))
    nets = [Net(name, tuple(ps), tuple(bs)) for name, (ps, bs) in sorted(chosen.items())]
    return nets, obstacles, chip.die


def tiled(nets: list[Net], obstacles: list[Obstacle], die: tuple, n: int) -> tuple[list[Net], list[Obstacle], tuple]:
    """The design tiled n x n (nets renamed per tile, so every net stays routable)."""
    x1, y1, x2, y2 = die
    w, h = x2 - x1, y2 - y1
    out_nets, out_obs = [], []
    for i in range(n):
        for j in range(n):
            dx, dy = i * w, j * h

            def mv(t: Terminal, dx: float = dx, dy: float = dy, i: int = i, j: int = j) -> Terminal:
                return Terminal(f"{t.name}@{i}_{j}", t.x + dx, t.y + dy, tuple((x + dx, y + dy) for x, y in t.shape),
                                t.keep, t.bump)
            out_nets += [Net(f"{net.name}@{i}_{j}", tuple(map(mv, net.pads)), tuple(map(mv, net.bumps)))
                         for net in nets]
            out_obs += [Obstacle(f"{o.name}@{i}_{j}", tuple((x + dx, y + dy) for x, y in o.shape), o.keep)
                        for o in obstacles]
    return out_nets, out_obs, (x1, y1, x1 + n * w, y1 + n * h)


def daisy() -> tuple[list[Net], list[Obstacle], tuple]:
    """OpenROAD's daisy-chain test: pad u_ddr_dm_1_o to BUMP_0_0, BUMP_11_12 and BUMP_12_12; the other bumps of
    the 17 x 17 array are obstacles (built from the flip-chip DEF, which has the same array)."""
    chip = read_chip(DEF)
    bumps = {t.name: _terminal(t, chip.centre, True) for t in
             read_terminals(DEF, LEFS, "components", "DUMMY_BUMP", None, None, "bumps", 10**6, "bumps.limit")}
    pads = {t.name: _terminal(t, chip.centre, False) for t in
            read_terminals(DEF, LEFS, "components", ["PADCELL_*"], None, LAYER, "pads", 10**6, "pads.limit")}
    chain = ("BUMP_0_0", "BUMP_11_12", "BUMP_12_12")
    net = Net("p_ddr_dm_1_o", (pads["u_ddr_dm_1_o"],), tuple(bumps[b] for b in chain))
    obs = [Obstacle(name, t.shape) for name, t in sorted(bumps.items()) if name not in chain]
    return [net], obs, chip.die


# ---------------------------------------------------------------------------------------------- OpenROAD
def defok(path: Path, layer: str = LAYER) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """Centre-line length per net (um) of the ROUTED segments on `layer`, and every segment end."""
    text = path.read_text()
    units = float(re.search(r"UNITS DISTANCE MICRONS (\d+)", text).group(1))
    lengths: dict[str, float] = {}
    ends: list[tuple[float, float]] = []
    for section in ("SPECIALNETS", "NETS"):
        start = text.find(f"\n{section} ")
        if start < 0:
            continue
        body = text[start:text.index(f"END {section}", start)]
        for block in body.split(";")[1:]:
            m = re.match(r"\s*- (\S+)", block)
            if not m:
                continue
            segs = []
            for w, a, b, c, d in re.findall(rf"{re.escape(layer)} (\d+) \+ SHAPE IOWIRE \( (\S+) (\S+) \) "
                                            r"\( (\S+) (\S+) \)", block):
                segs.append((float(w) / units, (float(a) / units, float(b) / units),
                             (float(c) / units, float(d) / units)))
            if not segs:
                continue
            total = 0.0
            for k, (w, p, q) in enumerate(segs):
                ends += [p, q]
                length = math.dist(p, q)
                if p[0] != q[0] and p[1] != q[1]:
                    total += length
                    continue
                ux, uy = (q[0] - p[0]) / length, (q[1] - p[1]) / length
                for e, sgn in ((p, 1), (q, -1)):
                    r = (e[0] + sgn * ux * w / 2, e[1] + sgn * uy * w / 2)
                    if any(_on(r, s[1], s[2]) for t, s in enumerate(segs) if t != k):
                        length -= w / 2
                total += length
            lengths[m.group(1)] = lengths.get(m.group(1), 0.0) + total
    return lengths, ends


def _on(r: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
    cross = (b[0] - a[0]) * (r[1] - a[1]) - (b[1] - a[1]) * (r[0] - a[0])
    if abs(cross) > 1e-6 * max(1.0, math.dist(a, b)):
        return False
    return min(a[0], b[0]) - 1e-6 <= r[0] <= max(a[0], b[0]) + 1e-6 and \
        min(a[1], b[1]) - 1e-6 <= r[1] <= max(a[1], b[1]) + 1e-6


def openroad(log: str) -> tuple[int | None, int | None]:
    """Nets routed and failed from an OpenROAD log."""
    text = Path(DATA / log).read_text()
    total = re.search(r"Routing (\d+) nets", text)
    failed = re.search(r"Failed to route (\d+) nets", text)
    n = int(total.group(1)) if total else None
    f = int(failed.group(1)) if failed else 0
    return (n - f if n is not None else None), n


def check_terminals(nets: list[Net], ends: list[tuple[float, float]]) -> tuple[int, int]:
    """Terminal centres (signal nets: all; supplies: bumps) within 1 nm of a wire end of the .defok."""
    import numpy as np
    e = np.asarray(ends)
    hit = total = 0
    for net in nets:
        terms = net.bumps if net.name in SUPPLY else (*net.pads, *net.bumps)
        for t in terms:
            total += 1
            hit += bool((np.hypot(e[:, 0] - t.x, e[:, 1] - t.y) <= 0.001).any())
    return hit, total


# ---------------------------------------------------------------------------------------------- rows
ROWS = {
    "4/4": dict(def_="flip", w=4, s=4, style="manhattan", tile=1, ok="rdl_route.ok", defok="rdl_route.defok"),
    "45": dict(def_="flip45", w=6, s=6, style="45", tile=1, ok="rdl_route_45.ok", defok="rdl_route_45.defok"),
    "10/10": dict(def_="flip", w=10, s=10, style="manhattan", tile=1, ok="rdl_route_failed.ok", defok=None),
    "daisy": dict(def_="daisy", w=4, s=4, style="manhattan", tile=1, ok=None, defok="rdl_route_daisy_chain.defok"),
    "2x2": dict(def_="flip", w=4, s=4, style="manhattan", tile=2, ok=None, defok=None),
    "4x4": dict(def_="flip", w=4, s=4, style="manhattan", tile=4, ok=None, defok=None),
}
FLIP = dict(bump_macro=None, pad_macro=["PADCELL_*"], nets=None, tile=1)
OPENROAD_ROWS = {
    "2port": dict(FLIP, def_="Nangate45_blackparrot/floorplan_flipchip_2port.def", bump_macro="DUMMY_BUMP_TWO_PORTS",
                  pad_layer=LAYER, w=6, s=6, style="45", ok="rdl_route_45_with_2port_bump.ok",
                  defok="rdl_route_45_with_2port_bump.defok", layer=LAYER),
    "45oct": dict(FLIP, def_="flip45", pad_layer=LAYER, w=6, s=6, style="45", ok="rdl_route_45_with_oct_bump.ok",
                  defok="rdl_route_45_with_oct_bump.defok", layer=LAYER),
    "bump_via": dict(FLIP, def_="flip", lefs=["Nangate45_io/dummy_pads_m9.lef"], pad_layer="metal9", w=8, s=8,
                     style="manhattan", ok="rdl_route_bump_via.ok", defok="rdl_route_bump_via.defok", layer="metal9"),
    "pad_via": dict(FLIP, def_="flip", lefs=["Nangate45_io/dummy_pads_m9.lef"], pad_layer="metal9", w=4, s=4,
                    style="45", ok="rdl_route_via.ok", defok="rdl_route_via.defok", layer=LAYER),
    "probe": dict(def_="asap7_data/rdl_route_probe.def", lefs=["asap7/asap7_tech_1x_201209.lef",
                  "asap7_data/probe.lef"], bump_macro="Probe", bump_component="PROBE1", bump_layer="Pad",
                  pad_macro="Probe", pad_component="PROBE0", pad_layer="Pad", nets=["PROBE_*"], w=4, s=4,
                  style="manhattan", tile=1, ok="rdl_route_probe.ok", defok="rdl_route_probe.defok", layer="Pad"),
    "interposer": dict(def_="passive_tech/floorplan.def", lefs=["passive_tech/tech.lef", "passive_tech/bumps.lef"],
                       bump_macro="BUMP45", bump_component="bump_r_*", pad_macro="BUMP45", pad_component="bump_l_*",
                       pad_layer=None, nets=["ios0*"], w=4, s=4, style="manhattan", tile=1,
                       ok="rdl_route_bump_to_bump_only.ok", defok="rdl_route_bump_to_bump_only.defok",
                       layer="topmetal"),
}
"""OpenROAD's other rdl_route tests, read from --openroad-tests (paths relative to its src/pad/test)."""


def load(row: dict) -> tuple[list[Net], list[Obstacle], tuple]:
    """The row's nets, obstacles and die."""
    if row["def_"] == "daisy":
        return daisy()
    if "layer" in row:                              # a row of OpenROAD's other tests
        path = {"flip": DEF, "flip45": DEF45}.get(row["def_"]) or _or(row["def_"])
        lefs = [_or(f) for f in row["lefs"]] if "lefs" in row else LEFS
        if "lefs" in row and row["def_"] == "flip":
            lefs = [LEFS[0], *lefs]
        return design(path, lefs=lefs, bump_macro=row["bump_macro"], pad_macro=row["pad_macro"],
                      pad_layer=row["pad_layer"], bump_component=row.get("bump_component"),
                      pad_component=row.get("pad_component"), nets=row["nets"], bump_layer=row.get("bump_layer"))
    nets, obs, die = design(DEF45 if row["def_"] == "flip45" else DEF)
    if row["tile"] > 1:
        nets, obs, die = tiled(nets, obs, die, row["tile"])
    return nets, obs, die


def run_row(name: str, repeat: int) -> dict:
    """Route one row (in this process) and return its figures."""
    row = ROWS.get(name) or OPENROAD_ROWS[name]
    nets, obs, die = load(row)
    x1, y1, x2, y2 = die
    h = row["w"] / 2
    rules = Rules(row["w"], row["s"], row["style"], (x1 + h, y1 + h, x2 - h, y2 - h))
    # warm-up: numba loads its compiled code once per process
    route(nets[:1], [], Rules(row["w"], row["s"], row["style"], (x1, y1, x1 + 400, y1 + 400)))
    times, result = [], None
    for _ in range(max(1, repeat)):
        t = time.perf_counter()
        result = route(nets, obs, rules)
        times.append(time.perf_counter() - t)
        if times[-1] > 20:
            break
    terms = [t.shape for net in nets for t in (*net.pads, *net.bumps)] + [o.shape for o in obs]
    viol = clean(result.wires, terms, rules)
    out = {"row": name, "nets": result.nets, "routed": result.routed_nets, "length": result.length(),
           "rounds": result.rounds, "seconds": statistics.median(times), "runs": len(times),
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "space": viol["space"],
           "width": viol["width"], "unrouted": len(result.unrouted),
           "failed_nets": sorted({u.net for u in result.unrouted})[:20]}
    routed_names = {n.name for n in nets} - {u.net for u in result.unrouted}
    if row["defok"]:
        lengths, ends = defok(_or(row["defok"]) if "layer" in row else DATA / row["defok"], row.get("layer", LAYER))
        out["or_length"] = sum(lengths.values())
        out["or_length_same_nets"] = sum(v for k, v in lengths.items() if k in routed_names)
        out["terminals_on_wire_ends"] = check_terminals(nets, ends)
    if row["ok"]:
        out["or_routed"], out["or_nets"] = openroad(_or(row["ok"]) if "layer" in row else row["ok"])
    return out


def main() -> None:
    """Run each row in its own process and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default=None, help="rows to run (default: every row; with --openroad-tests also "
                    f"{', '.join(OPENROAD_ROWS)})")
    ap.add_argument("--openroad-tests", type=Path, help="an OpenROAD checkout (or its src/pad/test folder)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--row", help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    global OPENROAD_TESTS
    if args.openroad_tests is not None:
        base = args.openroad_tests.expanduser()
        OPENROAD_TESTS = base / "src" / "pad" / "test" if (base / "src" / "pad" / "test").is_dir() else base
        if not (OPENROAD_TESTS / "rdl_route.tcl").is_file():
            raise SystemExit(f"{args.openroad_tests}: not an OpenROAD checkout (no src/pad/test/rdl_route.tcl)")
    extra = ["--openroad-tests", str(OPENROAD_TESTS)] if OPENROAD_TESTS else []
    if args.row:
        print(json.dumps(run_row(args.row, args.repeat)))
        return
    results = []
    rows = args.rows.split(",") if args.rows else [*ROWS, *(OPENROAD_ROWS if OPENROAD_TESTS else [])]
    for name in rows:
        proc = subprocess.run([sys.executable, __file__, "--row", name, "--repeat", str(args.repeat), *extra],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            print(f"{name}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def table(results: list[dict]) -> str:
    """The side-by-side table (markdown)."""
    head = ("| job | maskgen routed | % | length um | x OpenROAD | rounds | s (median) | peak MB | clean "
            "| OpenROAD routed | OpenROAD length um |")
    lines = [head, "|" + "---|" * 11]
    for r in results:
        or_len = r.get("or_length")
        ratio = f"{r['length'] / or_len:.3f}" if or_len else "-"
        or_routed = f"{r['or_routed']}/{r['or_nets']}" if r.get("or_nets") else ("routed" if or_len else "-")
        ok = "yes" if r["space"] == 0 and r["width"] == 0 else f"no ({r['space']} space, {r['width']} width)"
        lines.append(f"| {r['row']} | {r['routed']}/{r['nets']} | {100 * r['routed'] / max(1, r['nets']):.1f} "
                     f"| {r['length']:.0f} | {ratio} | {r['rounds']} | {r['seconds']:.2f} ({r['runs']}) "
                     f"| {r['peak_mb']:.0f} | {ok} | {or_routed} | {f'{or_len:.0f}' if or_len else '-'} |")
    notes = [f"{r['row']}: terminal centres on OpenROAD wire ends {r['terminals_on_wire_ends'][0]}/"
             f"{r['terminals_on_wire_ends'][1]}" for r in results if "terminals_on_wire_ends" in r]
    notes += [f"{r['row']}: unrouted nets {', '.join(r['failed_nets'])}" for r in results if r["failed_nets"]]
    return "\n".join(lines + [""] + notes)


if __name__ == "__main__":
    main()
