"""Shared fixtures: the repository paths, a CLI runner, and GDS read-back helpers with klayout.db."""

from __future__ import annotations

from pathlib import Path

import klayout.db as kdb
import pytest
from typer.testing import CliRunner

from maskgen.cli import app
from maskgen.input.pdk import load_pdk

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


@pytest.fixture(scope="session")
def pdk():
    """The default PDK."""
    return load_pdk("default")


@pytest.fixture
def cli():
    """Run the maskgen CLI in-process; returns (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str):
        res = runner.invoke(app, [str(a) for a in args])
        return res.exit_code, res.stdout, res.stderr
    return run


class GdsReader:
    """A written layout read back with klayout.db, regions by canonical layer name (flattened)."""

    def __init__(self, path: Path, pdk) -> None:
        self.layout = kdb.Layout()
        self.layout.read(str(path))
        self.top = self.layout.top_cell()
        self.pdk = pdk
        self.dbu = self.layout.dbu

    def region(self, name: str) -> kdb.Region:
        """All shapes of a layer as a flat, merged-on-demand region."""
        lay, dt = self.pdk.gds(name)
        li = self.layout.find_layer(lay, dt)
        if li is None:
            return kdb.Region()
        return kdb.Region(self.top.begin_shapes_rec(li))

    def um(self, value: float) -> int:
        """um to database units."""
        return round(value / self.dbu)


@pytest.fixture
def read_gds(pdk):
    """Open a GDS for geometry assertions (readers stay alive for the test: regions refer to their layout)."""
    readers: list[GdsReader] = []

    def open_(path):
        readers.append(GdsReader(Path(path), pdk))
        return readers[-1]
    return open_
