"""The `maskgen` program: the command line run with Ctrl-C caught from the first import on, so that an interrupt
while Python loads maskgen, KLayout or the CLI is one line and exit code 130 as well, never a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point."""
    try:
        from maskgen.cli import app
        app()
    except KeyboardInterrupt:
        from maskgen.outputs.atomic import remove_temporaries
        remove_temporaries()
        sys.stderr.write("maskgen: error: interrupted; temporary files removed, no output was left half-written\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
