"""What the Salt package's autorun macro starts inside KLayout: the PCell library and "maskgen: check layout".

The check saves the current layout (as shown, PCells included) to a temporary GDS, puts the build manifest of the
layout's file beside it when there is one (the process, PDK and rule values of its build), else asks for the
process, runs `maskgen drc` in maskgen's own Python (a separate process: maskgen's DRC needs the klayout module
it was built with) and opens the markers in KLayout's marker browser. A refused input is shown as maskgen's line.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MENU_ACTION = "maskgen_check_layout"
MENU_TITLE = "maskgen: check layout"

_state: dict[str, Any] = {}


@dataclass(frozen=True)
class Check:
    """A finished check: the marker database, maskgen's exit code (0 clean, 1 violations, 2 refused) and output."""

    lyrdb: Path
    code: int
    output: str
    error: str


def drc_command(python: str, layout: Path, lyrdb: Path, process: str | None = None) -> list[str]:
    """The `maskgen drc` command line run for a check."""
    cmd = [python, "-m", "maskgen.cli", "drc", str(layout), "--report", str(lyrdb)]
    return cmd + (["--process", process] if process else [])


def run_check(python: str, layout: Path, manifest: Path | None, work: Path, process: str | None = None) -> Check:
    """Check a saved layout with maskgen's DRC in a separate process, with the build manifest copied beside it."""
    gds = work / "layout.gds"
    if Path(layout) != gds:
        shutil.copy(layout, gds)
    if manifest is not None and manifest.is_file():
        shutil.copy(manifest, work / "layout.json")
    lyrdb = work / "layout.lyrdb"
    res = subprocess.run(drc_command(python, gds, lyrdb, process), capture_output=True, text=True, timeout=600)
    return Check(lyrdb, res.returncode, res.stdout, res.stderr.strip())


def manifest_beside(filename: str) -> Path | None:
    """The build manifest beside a layout file (X.gds -> X.json), if the layout came from a file with one."""
    if not filename:
        return None
    from maskgen.drc.context import beside

    found = beside(Path(filename), ".json")
    return found if found.is_file() else None


def processes() -> list[str]:
    """The processes of the default PDK, for the question when a layout has no manifest."""
    from maskgen.design.families import FAMILIES

    return list(FAMILIES)


def check_current(python: str) -> None:
    """The menu entry: check the current layout, show its markers in the marker browser (or maskgen's message)."""
    import pya

    view = pya.Application.instance().main_window().current_view()
    if view is None or view.active_cellview_index() < 0:
        pya.MessageBox.info(MENU_TITLE, "Open a layout first.", pya.MessageBox.Ok)
        return
    check_view(view, python)


def check_view(view: Any, python: str, process: str | None = None) -> Check | None:
    """Check the active layout of a view (the process from the manifest beside its file, else `process`, else
    asked) and open the markers in the marker browser; None when the question was cancelled."""
    import pya

    cv = view.active_cellview()
    manifest = manifest_beside(cv.filename())
    if manifest is None and process is None:
        process = pya.InputDialog.ask_item(MENU_TITLE, "No build manifest beside this layout: which process?",
                                           processes(), 0)
        if process is None:
            return None
    work = Path(tempfile.mkdtemp(prefix="maskgen-klayout-"))
    gds = work / "layout.gds"
    options = pya.SaveLayoutOptions()
    options.format = "GDS2"
    cv.layout().write(str(gds), options)
    check = run_check(python, gds, manifest, work, process)
    if check.code == 2 or not check.lyrdb.is_file():
        pya.MessageBox.warning(MENU_TITLE, check.error or check.output or f"maskgen drc exit {check.code}",
                               pya.MessageBox.Ok)
        return check
    rdb = pya.ReportDatabase("")
    rdb.load(str(check.lyrdb))
    index = view.add_rdb(rdb)
    view.show_rdb(index, view.active_cellview_index())
    verdict = next((line for line in reversed(check.output.splitlines())
                    if line.startswith(("clean", "violations"))), "")
    pya.MainWindow.instance().message(f"maskgen DRC: {verdict}", 30000)
    return check


def install_menu(python: str) -> None:
    """Add "maskgen: check layout" to the Tools menu (once)."""
    import pya

    window = pya.Application.instance().main_window()
    if window is None or "menu" in _state:
        return
    action = pya.Action()
    action.title = MENU_TITLE
    action.on_triggered(lambda: check_current(python))
    window.menu().insert_item("tools_menu.end", MENU_ACTION, action)
    _state["menu"] = action


def start(python: str) -> None:
    """Register the PCell library and, with a main window, the menu entry."""
    from maskgen.klayout_pkg.pcells import register

    register()
    install_menu(python)
