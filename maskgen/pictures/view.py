"""`maskgen view`: open a layout in the KLayout GUI with its layer properties and DRC markers."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from maskgen.drc.context import beside
from maskgen.errors import InputError
from maskgen.pictures.render import check_layout_file


def klayout_executable() -> str | None:
    """The `klayout` program on PATH, or None (the PyPI klayout module has no GUI)."""
    return shutil.which("klayout")


def marker_database(layout: Path) -> Path | None:
    """The DRC markers beside a layout: `<name>.lyrdb` from a build, else `<name>.drc.lyrdb` from `maskgen drc`."""
    for candidate in (beside(layout, ".lyrdb"), beside(layout, ".drc.lyrdb")):
        if candidate.is_file():
            return candidate
    return None


def view_args(layout: Path, program: str = "klayout") -> list[str]:
    """The KLayout command line: `-l <name>.lyp` (when it exists), the layout, then `-m <markers>` (when they
    exist): KLayout loads a marker database into the view of the layout before it (`-m` first would open the
    markers in a tab of their own, empty, in KLayout 0.28 and 0.30)."""
    layout = Path(layout)
    args = [program]
    lyp = beside(layout, ".lyp")
    if lyp.is_file():
        args += ["-l", str(lyp)]
    args.append(str(layout))
    markers = marker_database(layout)
    if markers is not None:
        args += ["-m", str(markers)]
    return args


def view_command(layout: Path) -> str:
    """Open a layout in KLayout when it is installed; return the command line either way.

    When `klayout` is on PATH it is started in the background (the call does not wait for the GUI); when it is
    not, nothing runs and the returned line is the exact command to run on a machine that has KLayout.

    Args:
        layout: a GDSII or OASIS file; its `<name>.lyp` and `<name>.lyrdb` are loaded when they sit beside it.

    Returns:
        The command line, shell-quoted.
    """
    layout = Path(layout)
    check_layout_file(layout)
    program = klayout_executable()
    args = view_args(layout, program or "klayout")
    if program is not None:
        started(args, layout)
    return shlex.join(args)


STARTUP_SECONDS = 2.0
"""How long `maskgen view` watches KLayout start: a KLayout that cannot open a display exits within it."""


def started(args: list[str], layout: Path, wait: float = STARTUP_SECONDS) -> None:
    """Start KLayout in the background and watch it for `wait` seconds: if it exits with an error code meanwhile
    (no display, a crash), an InputError with its exit code and the last line it printed."""
    with tempfile.TemporaryFile() as said:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=said,
                                start_new_session=True)
        try:
            code = proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return
        if code == 0:
            return
        said.seek(0)
        lines = [x.strip() for x in said.read(65536).decode("utf-8", "replace").splitlines() if x.strip()]
        last = f": {lines[-1][:200]}" if lines else ""
        display = "" if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") else " (no DISPLAY is set)"
        raise InputError(layout, None, None, f"KLayout exited at once with code {code}{display}{last}")
