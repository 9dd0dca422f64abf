"""Pictures: PNG renders of layouts, cross-section frames of the process, and opening a layout in KLayout.

Heavy imports (klayout.lay) happen inside the functions, so importing this package is cheap.
"""

from __future__ import annotations

from maskgen.pictures.render import render_command
from maskgen.pictures.view import view_command
from maskgen.pictures.xsection import xsection_command

__all__ = ["render_command", "view_command", "xsection_command"]
