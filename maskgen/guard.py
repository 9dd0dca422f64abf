"""The one guard every command runs in (build, drc, masks, render, view, xsection, deck, list): bad input, an error
of KLayout or gdstk on a hostile layout, a full disk or Ctrl-C each end as one line on stderr and an exit code,
never a traceback; files are written only inside the output folder, and read only within the size limits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from maskgen.atomic import confined, new_run, remove_temporaries
from maskgen.errors import InputError
from maskgen.input.files import file_limit, shape_limit

INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells report it."""

BAD_INPUT = 2
"""Exit code for input maskgen refuses, and for a layout KLayout or gdstk cannot handle."""

_interrupt_said = False
"""True once the guard has said "interrupted" (maskgen.entry then says nothing more)."""



class Stopped(Exception):
    """A command ended by the guard: the exit code and the one line to print."""

    def __init__(self, code: int, line: str) -> None:
        self.code, self.line = code, line
        super().__init__(line)


@contextlib.contextmanager
def doing(action: str, file: Path | str | None) -> Iterator[None]:
    """Name what is being done to which file, for the one line an engine's error inside becomes
    (`x.gds: writing the mask failed (RuntimeError): ...`); the innermost block names it."""
    try:
        yield
    except Exception as exc:
        if not hasattr(exc, "maskgen_doing"):
            with contextlib.suppress(AttributeError, TypeError):
                exc.maskgen_doing = (action, str(file) if file is not None else None)  # type: ignore[attr-defined]
        raise


@contextlib.contextmanager
def guard(command: str, target: Path | str | None, out: Path | None = None, max_file_mb: int | None = None,
          max_shapes: int | None = None) -> Iterator[None]:
    """Run a command's body: writes confined to out, reads within the limits; every way it can fail becomes
    Stopped(code, line)."""
    new_run()
    try:
        with confined(out), file_limit(max_file_mb), shape_limit(max_shapes):
            yield
    except InputError as exc:
        raise Stopped(BAD_INPUT, exc.line()) from None
    except KeyboardInterrupt:
        raise _interrupted() from None
    except OSError as exc:   # the disk or the file system refused (permission, full disk, name too long)
        if _after_interrupt(exc):
            raise _interrupted() from None
        where = f"{exc.filename}: " if exc.filename else ""
        raise Stopped(BAD_INPUT, f"{where}{exc.strerror or exc}"[:300]) from None
    except Exception as exc:
        if _is_exit(exc):
            raise
        if _after_interrupt(exc):
            raise _interrupted() from None
        raise Stopped(BAD_INPUT, engine_line(exc, command, target)) from None


def _interrupted() -> Stopped:
    """Ctrl-C: the temporary files removed, and the line and exit code to end with."""
    global _interrupt_said
    remove_temporaries()
    _interrupt_said = True
    return Stopped(INTERRUPTED, "interrupted; temporary files removed, no output was left half-written")


def _after_interrupt(exc: BaseException) -> bool:
    """True when Ctrl-C is what an error comes from: a library that catches KeyboardInterrupt (an import under
    way, a worker thread) and raises its own error from it."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def engine_line(exc: BaseException, command: str, target: Path | str | None) -> str:
    """One line for an error of KLayout, gdstk or maskgen itself: the file, what was being done, the message."""
    action, file = getattr(exc, "maskgen_doing", None) or (command, str(target) if target is not None else None)
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    kind = "out of memory" if isinstance(exc, MemoryError) else type(exc).__name__
    where = f"{file}: " if file else ""
    return f"{where}{action} failed ({kind}){': ' + first if first else ''}"[:400]


def interrupt_said() -> bool:
    """True when the guard has already reported Ctrl-C."""
    return _interrupt_said


def _is_exit(exc: BaseException) -> bool:
    """True for the CLI framework's own exit (typer.Exit is a RuntimeError)."""
    return type(exc).__name__ in ("Exit", "Abort") or type(exc).__module__.startswith(("click", "typer"))
