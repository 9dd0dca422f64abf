"""Pictures: PNG renders of layouts, cross-section frames of the process, and opening a layout in KLayout.

The cross-section from a recipe (build, then frames) is maskgen.crosssection: pictures never import the build.

Heavy imports (klayout.lay) happen inside the functions, so importing this package is cheap.
"""

from __future__ import annotations

from maskgen.pictures.render import render_command
from maskgen.pictures.view import view_command

__all__ = ["render_command", "view_command"]
