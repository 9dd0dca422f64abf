"""`maskgen view`: KLayout with the layout's .lyp and markers, or the exact command when KLayout is absent."""

from __future__ import annotations

import os
import shlex
import time

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
        assert shlex.split(view_command(gds))[3:5] == ["-m", str(markers)]
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
