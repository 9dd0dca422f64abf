"""`maskgen view`: KLayout with the layout's .lyp and markers, or the exact command when KLayout is absent."""

from __future__ import annotations

import os
import shlex
import shutil
import time
from pathlib import Path

import pytest

from maskgen.errors import InputError
from maskgen.pictures import view_command


def test_without_klayout_the_command_names_layout_lyp_and_markers(built, monkeypatch, tmp_path):
    res = built("stair_bump")
    gds = res.files["gds"]
    monkeypatch.setenv("PATH", str(tmp_path))              # no klayout here
    line = view_command(gds)
    assert shlex.split(line) == ["klayout", "-l", str(gds.with_suffix(".lyp")), str(gds)]
    markers = gds.with_suffix(".lyrdb")
    made = not markers.exists()
    if made:
        markers.write_text("<report-database/>\n")
    try:
        # the markers follow the layout: KLayout loads -m into the view of the layout before it
        assert shlex.split(view_command(gds)) == ["klayout", "-l", str(gds.with_suffix(".lyp")), str(gds),
                                                 "-m", str(markers)]
    finally:
        if made:
            markers.unlink()


def test_with_klayout_on_path_it_is_started(built, monkeypatch, tmp_path):
    gds = built("stair_bump").files["gds"]
    record = tmp_path / "args.txt"
    fake = tmp_path / "klayout"
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    line = view_command(gds)
    assert shlex.split(line)[0] == str(fake)
    for _ in range(100):
        if record.exists() and record.read_text().strip():
            break
        time.sleep(0.02)
    assert record.read_text().split() == shlex.split(line)[1:]


def test_missing_or_broken_layout_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        view_command(tmp_path / "missing.gds")
    bad = tmp_path / "bad.gds"
    bad.write_bytes(b"hello")
    with pytest.raises(InputError, match="not a GDSII or OASIS"):
        view_command(bad)


def _fake_klayout(tmp_path, version: str):
    """A `klayout` on PATH that answers -v like KLayout `version` and records the argv of any other call."""
    record = tmp_path / "argv.txt"
    fake = tmp_path / "klayout"
    fake.write_text(f'#!/bin/sh\nif [ "$1" = "-v" ]; then echo "KLayout {version}"; exit 0; fi\n'
                    f'for a in "$@"; do echo "$a"; done > {record}.tmp && mv {record}.tmp {record}\n')
    fake.chmod(0o755)
    return fake, record


@pytest.mark.parametrize("version", ["0.28.17", "0.30.12"])
def test_view_opens_the_markers_on_the_layout(cli, built, monkeypatch, tmp_path, version):
    """`maskgen view` starts KLayout with -m after the layout (0.28 / 0.30 put markers given first into an empty
    extra tab); checked with a fake klayout recording its argv."""
    import shutil
    res = built("default")
    mine = tmp_path / "build"
    mine.mkdir()
    gds = Path(shutil.copy(res.files["gds"], mine))
    shutil.copy(res.files["lyp"], mine)
    lyrdb = mine / "default.lyrdb"
    lyrdb.write_text("<?xml version='1.0' encoding='utf-8'?>\n<report-database/>\n")
    fake, record = _fake_klayout(tmp_path, version)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    code, out, err = cli("view", gds)
    assert code == 0, err
    for _ in range(250):
        if record.exists():
            break
        time.sleep(0.02)
    argv = record.read_text().splitlines()
    assert argv == ["-l", str(gds.with_suffix(".lyp")), str(gds), "-m", str(lyrdb)]
    assert argv.index("-m") > argv.index(str(gds))
    assert f"opened: {fake}" in out


def test_view_finds_lyp_and_markers_beside_a_gzipped_layout(tmp_path, monkeypatch):
    """X.gds.gz has X.lyp and X.lyrdb beside it, by the same rule as the manifest (X.json)."""
    import gzip

    import gdstk
    lib = gdstk.Library()
    lib.new_cell("TOP").add(gdstk.rectangle((0, 0), (10, 10)))
    plain = tmp_path / "x.gds"
    lib.write_gds(str(plain))
    packed = tmp_path / "x.gds.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    (tmp_path / "x.lyp").write_text("<layer-properties/>\n")
    (tmp_path / "x.lyrdb").write_text("<report-database/>\n")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert shlex.split(view_command(packed)) == ["klayout", "-l", str(tmp_path / "x.lyp"), str(packed),
                                                "-m", str(tmp_path / "x.lyrdb")]


PROBE = """
import pya
mw = pya.Application.instance().main_window()
for i in range(mw.views()):
    v = mw.view(i)
    print("view", v.cellviews(), v.num_rdbs())
"""


@pytest.mark.skipif(shutil.which("klayout") is None, reason="needs the KLayout program (CI installs it)")
def test_installed_klayout_opens_the_markers_on_the_layout_view(tmp_path):
    """The command `maskgen view` builds, run by the installed KLayout (hidden views, offscreen): one view
    holding the layout and the marker database. The old order (-m before the layout) gave two views, the
    markers in one without a layout (measured with KLayout 0.28.5)."""
    import subprocess

    from maskgen.build import build
    from maskgen.pictures.view import view_args
    res = build(Path(__file__).resolve().parents[2] / "templates" / "default.yaml", tmp_path)
    gds = res.files["gds"]
    args = view_args(gds, shutil.which("klayout"))
    assert args[1:] == ["-l", str(gds.with_suffix(".lyp")), str(gds), "-m", str(res.files["lyrdb"])]
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    out = subprocess.run([args[0], "-z", "-nc", "-rx", *args[1:], "-r", str(probe)], capture_output=True,
                         text=True, timeout=120, env=env)
    views = [line.split()[1:] for line in out.stdout.splitlines() if line.startswith("view ")]
    assert views == [["1", "1"]], out.stdout + out.stderr
