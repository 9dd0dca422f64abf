"""What a build wrote and found (maskgen.build returns it; the mask writer and the report read it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskgen.assembly.die import DieLayout
from maskgen.design.figures import Design
from maskgen.input.manifest import BuildManifest


@dataclass
class BuildResult:
    """What a build wrote and found."""

    design: Design
    die: DieLayout
    out_dir: Path
    manifest: BuildManifest
    files: dict[str, Path] = field(default_factory=dict)
    drc: Any = None
    wafer: Any = None
