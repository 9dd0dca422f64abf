"""benchmarks/rdl.py's rows of OpenROAD's other rdl_route tests: read from a user's OpenROAD checkout
(--openroad-tests), never needed. A checkout's probe test is imitated at run time (a Probe cell pair, a log, a
routed .defok) to check the plumbing: terminals, OpenROAD's figures and the ratio."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE_LEF = """VERSION 5.8 ;
MACRO Probe
  CLASS COVER ;
  SIZE 75 BY 25 ;
  PIN PIN0
    PORT
      LAYER Pad ;
        RECT 0 0 25 25 ;
    END
  END PIN0
  PIN PIN1
    PORT
      LAYER Pad ;
        RECT 50 0 75 25 ;
    END
  END PIN1
END Probe
END LIBRARY
"""
PROBE_DEF = """VERSION 5.8 ;
DESIGN probe_top ;
UNITS DISTANCE MICRONS 1000 ;
DIEAREA ( 0 0 ) ( 300000 300000 ) ;
COMPONENTS 2 ;
    - PROBE0 Probe + FIXED ( 50000 50000 ) N ;
    - PROBE1 Probe + FIXED ( 50000 200000 ) N ;
END COMPONENTS
NETS 2 ;
    - PROBE_0 ( PROBE0 PIN0 ) ( PROBE1 PIN0 ) + USE SIGNAL ;
    - PROBE_1 ( PROBE0 PIN1 ) ( PROBE1 PIN1 ) + USE SIGNAL ;
END NETS
END DESIGN
"""
# OpenROAD's route, as it would write it: PROBE_0 straight up from (62.5, 62.5) to (62.5, 212.5), 150 um; PROBE_1
# the same at x = 112.5
DEFOK = PROBE_DEF.replace("+ USE SIGNAL ;\n    - PROBE_1", "+ USE SIGNAL\n      + ROUTED Pad 4000 + SHAPE IOWIRE "
                          "( 62500 62500 ) ( 62500 212500 ) ;\n    - PROBE_1").replace(
    "( PROBE1 PIN1 ) + USE SIGNAL ;", "( PROBE1 PIN1 ) + USE SIGNAL\n      + ROUTED Pad 4000 + SHAPE IOWIRE "
    "( 112500 62500 ) ( 112500 212500 ) ;")


def _bench():
    spec = importlib.util.spec_from_file_location("rdl_bench_rows", ROOT / "benchmarks" / "rdl.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_a_row_of_openroad_tests_needs_the_checkout(tmp_path: Path) -> None:
    """Without --openroad-tests the row says what it needs; a folder that is no checkout is named."""
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "rdl.py"), "--row", "probe", "--repeat", "1"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "this row needs --openroad-tests DIR (an OpenROAD checkout)" in run.stderr
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "rdl.py"), "--openroad-tests", str(tmp_path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1 and run.stderr.strip() == (f"{tmp_path}: not an OpenROAD checkout "
                                                         "(no src/pad/test/rdl_route.tcl)")


def test_probe_row_from_a_checkout(tmp_path: Path) -> None:
    """The probe row read from an imitation checkout: two nets of one pad (PROBE0) and one bump (PROBE1), both
    routed, no shorter than the 150 um between their pins; OpenROAD's 2 of 2 and 300 um read from its files, and
    the four pin centres on OpenROAD's wire ends."""
    test = tmp_path / "src" / "pad" / "test"
    (test / "asap7_data").mkdir(parents=True)
    (test / "asap7").mkdir()
    (test / "rdl_route.tcl").write_text("# rdl_route\n")
    (test / "asap7" / "asap7_tech_1x_201209.lef").write_text("VERSION 5.8 ;\nEND LIBRARY\n")
    (test / "asap7_data" / "probe.lef").write_text(PROBE_LEF)
    (test / "asap7_data" / "rdl_route_probe.def").write_text(PROBE_DEF)
    (test / "rdl_route_probe.ok").write_text("[INFO PAD-0005] Routing 2 nets\n")
    (test / "rdl_route_probe.defok").write_text(DEFOK)
    bench = _bench()
    bench.OPENROAD_TESTS = test
    out = bench.run_row("probe", 1)
    assert (out["routed"], out["nets"], out["unrouted"]) == (2, 2, 0)
    assert (out["or_routed"], out["or_nets"]) == (2, 2)
    assert out["or_length"] == pytest.approx(300.0)
    assert out["length"] >= 300.0 - 1e-6
    assert out["terminals_on_wire_ends"] == (4, 4)
    assert out["space"] == 0 and out["width"] == 0
