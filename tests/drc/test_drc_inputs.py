"""Bad layout files are one-line InputErrors; rules whose layers are absent are reported not applicable."""

from __future__ import annotations

import gdstk
import pytest

from maskgen.drc import run_drc
from maskgen.errors import InputError


def test_missing_file(tmp_path, pdk):
    with pytest.raises(InputError, match="layout file not found") as err:
        run_drc(tmp_path / "nope.gds", pdk)
    assert "\n" not in str(err.value)


def test_broken_gds(tmp_path, pdk):
    path = tmp_path / "broken.gds"
    path.write_bytes(b"\x00\x06\x00\x02\x00\x07" + b"not a stream at all" * 10)
    with pytest.raises(InputError, match="cannot read layout") as err:
        run_drc(path, pdk)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_truncated_gds(drawing, tmp_path, pdk, kit):
    kit.stair_site(drawing, 0)
    path = drawing.write(tmp_path / "t.gds")
    cut = tmp_path / "cut.gds"
    cut.write_bytes(path.read_bytes()[:200])
    with pytest.raises(InputError, match="cannot read layout"):
        run_drc(cut, pdk)


def test_empty_file_and_directory(tmp_path, pdk):
    empty = tmp_path / "empty.gds"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        run_drc(empty, pdk)
    with pytest.raises(InputError, match="not a file"):
        run_drc(tmp_path, pdk)


def test_size_limit_can_be_raised(drawing, tmp_path, pdk, kit):
    kit.stair_site(drawing, 0)
    path = drawing.write(tmp_path / "t.gds")
    with pytest.raises(InputError, match="larger than the limit"):
        run_drc(path, pdk, max_bytes=100)
    assert run_drc(path, pdk, max_bytes=10**6).rules


def test_two_top_cells(tmp_path, pdk):
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    for name in ("A", "B"):
        lib.new_cell(name).add(gdstk.rectangle((0, 0), (10, 10), layer=1))
    path = tmp_path / "two.gds"
    lib.write_gds(str(path))
    with pytest.raises(InputError, match="exactly one top cell"):
        run_drc(path, pdk)


def test_oasis_with_sibling_manifest(drawing, tmp_path, pdk, kit):
    kit.stair_site(drawing, 0)
    drawing.die()
    path = tmp_path / "t.oas"
    drawing.lib.write_oas(str(path))
    path.with_suffix(".json").write_text('{"process": "stair_bump", "materials": {"pad": "Au"}}')
    result = run_drc(path, pdk)
    assert result.process == "stair_bump"
    assert result.rule("MATERIAL.CLAIMED").status == "fail"


def test_absent_layers_are_not_applicable_with_reason(drawing, check, kit, pdk):
    kit.pad_stack(drawing, 0, ubm=None)
    result = check(drawing)
    assert [r.id for r in result.rules] == list(pdk.rules)  # every rule reported, none skipped silently
    status = {r.id: (r.status, r.reason) for r in result.rules}
    assert status["PASV.IN_PAD"] == ("pass", None)
    assert status["PASV.WIDTH"] == ("pass", None)
    assert status["GRID"] == ("pass", None)
    assert status["UBM.COVERS_PASV"] == ("n/a", "no UBM shapes in the layout")
    assert status["DIE.EDGE"] == ("n/a", "no DIE shapes in the layout")
    assert status["SUSP.ARMS"] == ("n/a", "no SAC, BUMP, RDL shapes in the layout")
    assert status["BUMP.SPACE"] == ("n/a", "no REFLOW or BUMP shapes in the layout")
    assert "STAIR.NEST" in status and "PR1/PR2/PR3/PR4" in status["STAIR.NEST"][1]
    for rule_id in ("STAIR.SENSITIVITY", "MATERIAL.CLAIMED"):
        assert status[rule_id][0] == "n/a" and "no process" in status[rule_id][1]
    assert all(r.status in ("pass", "n/a") for r in result.rules)
    assert result.clean
