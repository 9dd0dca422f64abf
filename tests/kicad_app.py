"""Open a footprint in KiCad itself (Debian's `kicad` package: its `pcbnew` Python module, KiCad's own parser) and
report what KiCad read: every pad (number, place, size, shape, SMD or not, layers) and the outline of each
graphic layer.

`pcbnew` is built for the system's Python 3, not maskgen's virtual environment, so the footprint is read in a
`/usr/bin/python3` subprocess. `.ci/run` installs kicad (without its multi-GB libraries);
MASKGEN_REQUIRE_KICAD=1 turns a missing KiCad into a failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SYSTEM_PYTHONS = ("/usr/bin/python3",)

READ = r"""
import json, sys
import pcbnew
folder, name = sys.argv[1], sys.argv[2]
fp = pcbnew.FootprintLoad(folder, name)
if fp is None:
    print(json.dumps(None)); raise SystemExit
mm = pcbnew.ToMM
pads = []
for p in fp.Pads():
    pads.append({"number": p.GetNumber(), "x": mm(p.GetPosition().x), "y": mm(p.GetPosition().y),
                 "w": mm(p.GetSize().x), "h": mm(p.GetSize().y),
                 "mask_margin": mm(p.GetLocalSolderMaskMargin()), "circle": p.GetShape() == pcbnew.PAD_SHAPE_CIRCLE,
                 "smd": p.GetAttribute() == pcbnew.PAD_ATTRIB_SMD,
                 "layers": sorted(pcbnew.LayerName(layer) for layer in p.GetLayerSet().Seq())})
boxes = {}
for g in fp.GraphicalItems():
    if not isinstance(g, pcbnew.FP_SHAPE):
        continue
    layer = pcbnew.LayerName(g.GetLayer())
    b = g.GetBoundingBox()
    w = g.GetWidth() / 2
    box = [mm(b.GetLeft() + w), mm(b.GetTop() + w), mm(b.GetRight() - w), mm(b.GetBottom() - w)]
    old = boxes.get(layer)
    boxes[layer] = box if old is None else [min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]),
                                            max(old[3], box[3])]
print(json.dumps({"name": str(fp.GetFPID().GetLibItemName()), "pads": pads, "boxes": boxes}))
"""


def kicad_python() -> str:
    """The system Python that imports KiCad's `pcbnew`; skips the test when there is none (fails with
    MASKGEN_REQUIRE_KICAD=1)."""
    for python in SYSTEM_PYTHONS:
        if shutil.which(python) and subprocess.run([python, "-c", "import pcbnew"], capture_output=True,
                                                   timeout=60).returncode == 0:
            return python
    if os.environ.get("MASKGEN_REQUIRE_KICAD") == "1":
        pytest.fail("KiCad's pcbnew is required (MASKGEN_REQUIRE_KICAD=1) but not installed")
    pytest.skip("KiCad is not installed (Debian: apt-get install --no-install-recommends kicad)")


def open_in_kicad(footprint: Path) -> dict:
    """What KiCad reads from a .kicad_mod file: {name, pads: [...], boxes: {layer: [x1, y1, x2, y2] mm}}."""
    python = kicad_python()
    with tempfile.TemporaryDirectory(prefix="maskgen-kicad-") as tmp:
        library = Path(tmp) / "maskgen.pretty"          # KiCad loads footprints from a library folder
        library.mkdir()
        shutil.copy(footprint, library / footprint.name)
        res = subprocess.run([python, "-c", READ, str(library), footprint.stem], capture_output=True, text=True,
                             timeout=120, cwd=tmp, env={**os.environ, "HOME": tmp})
    assert res.returncode == 0, res.stderr[-2000:]
    found = json.loads(res.stdout.strip().splitlines()[-1])
    assert found is not None, f"KiCad could not load {footprint.name}: {res.stderr[-2000:]}"
    return found
