"""One-line warnings on stderr: input that is accepted, as the EDA tools accept it, but worth a look."""

from __future__ import annotations

import sys
from pathlib import Path


def warn(file: str | Path | None, where: str | None, message: str) -> None:
    """Print `maskgen: warning: file: where: message` on stderr."""
    parts = [str(p) for p in (file, where) if p]
    print(f"maskgen: warning: {': '.join([*parts, message])}", file=sys.stderr)
