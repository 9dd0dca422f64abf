"""Run inside the KLayout application (docs/klayout/make_screenshot.sh): two cantilever PCells from the `maskgen`
library placed 250 um apart, 'maskgen: check layout' run on them, the window and its marker browser saved as
$MASKGEN_SHOT (PNG), then KLayout quits."""

import os
import sys
import tempfile
from pathlib import Path

import pya

from maskgen.input.pdk import load_pdk
from maskgen.klayout_pkg.plugin import check_view
from maskgen.outputs.output import lyp_text

SHOT = os.environ["MASKGEN_SHOT"]
PYTHON = os.environ["MASKGEN_PYTHON"]
app = pya.Application.instance()
mw = app.main_window()
mw.setGeometry(0, 0, 1000, 760)
cv = mw.create_layout(0)
ly = cv.layout()
top = ly.create_cell("TOP")
bump = ly.create_cell("cantilever_wlcsp", "maskgen", {"cantilever__embodiment": 2})
for x in (0, 250):
    top.insert(pya.CellInstArray(bump.cell_index(), pya.Trans(round(x / ly.dbu), 0)))
cv.cell = top
view = mw.current_view()
lyp = Path(tempfile.mkdtemp()) / "maskgen.lyp"
lyp.write_text(lyp_text(load_pdk("default")))
view.load_layer_props(str(lyp))
view.max_hier()
view.zoom_fit()
check = check_view(view, PYTHON, "cantilever_wlcsp")
print(check.output if check else "cancelled", file=sys.stderr)


def place_browser() -> None:
    """The marker browser (opened by the check) beside the main window."""
    for w in pya.QApplication.topLevelWidgets():
        if w.windowTitle == "Marker Database Browser":
            w.show()
            w.setGeometry(1000, 0, 600, 760)


place_browser()


def shoot() -> None:
    try:
        place_browser()
        for _ in range(20):
            app.processEvents()
        pix = pya.QApplication.primaryScreen().grabWindow(0, 0, 0, 1600, 760)
        print("screenshot", pix.width(), pix.height(), pix.save(SHOT, "PNG"), file=sys.stderr)
    except Exception as exc:   # noqa: BLE001 - shown, then KLayout quits
        print("screenshot failed:", exc, file=sys.stderr)
    app.exit(0)


timer = pya.QTimer()
timer.singleShot = True
timer.timeout(shoot)
timer.start(int(os.environ.get("MASKGEN_SHOT_DELAY_MS", "3000")))
app.exec_()   # with -r, KLayout quits when the script returns: run the event loop until shoot() ends it
