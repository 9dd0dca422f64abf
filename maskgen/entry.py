"""The `maskgen` program: the command line run with Ctrl-C caught from the first import on, so that an interrupt
while Python loads maskgen, KLayout or the CLI is one line and exit code 130 as well, never a traceback."""

from __future__ import annotations

import sys

INTERRUPTED = "maskgen: error: interrupted; temporary files removed, no output was left half-written\n"


def main() -> None:
    """Console-script entry point."""
    try:
        from maskgen.cli import app
        app()
    except KeyboardInterrupt:
        _interrupted()
        sys.exit(130)
    except SystemExit as exc:   # typer turns Ctrl-C outside a command's body into a silent exit 130
        if exc.code == 130 and not _said():
            _interrupted()
        raise


def _said() -> bool:
    """True when the command's guard has reported the interrupt already."""
    guard = sys.modules.get("maskgen.guard")
    return guard is not None and guard.interrupt_said()


def _interrupted() -> None:
    """Remove this run's temporary files and say so."""
    from maskgen.atomic import remove_temporaries
    remove_temporaries()
    sys.stderr.write(INTERRUPTED)


if __name__ == "__main__":
    main()
