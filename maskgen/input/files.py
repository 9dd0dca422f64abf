"""Files a recipe or a command names, looked at before they are read: what they are (a symlink loop, a FIFO, a
directory or a device is refused as such), their size against a limit (raised by `--max-file-mb`), and their
text decoded as Excel and editors write it (UTF-8 with or without a byte-order mark, no NUL bytes)."""

from __future__ import annotations

import contextlib
import errno
import math
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from maskgen.errors import InputError

MAX_TEXT_MB = 100
"""Largest text file (recipe, CSV, DEF, LEF, ball table, manifest) read by default, MB: a text file is read whole,
and its parsed form takes several times its size in memory."""

MAX_LAYOUT_MB = 2000
"""Largest layout file (GDSII, OASIS) read by default, MB."""

MAX_SHAPES = 200_000_000
"""Most shapes a layout may hold seen flat, all layers (array references multiply): the 1.49 million cantilever
bumps of a 300 mm wafer are about 20 million; a 32767 x 32767 array reference is a billion."""

_LIMIT_MB: ContextVar[int | None] = ContextVar("maskgen_max_file_mb", default=None)


@contextlib.contextmanager
def _scoped(var: ContextVar[int | None], value: int | None) -> Iterator[None]:
    """Within this block, var holds value (None: its default); the value before is restored after."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def file_limit(mb: int | None) -> contextlib.AbstractContextManager[None]:
    """Within this block, files up to mb MB are read (None: the defaults, MAX_TEXT_MB and MAX_LAYOUT_MB)."""
    return _scoped(_LIMIT_MB, mb)


def limit_mb(layout: bool = False) -> int:
    """The size limit in force, MB, for a layout or a text file."""
    mb = _LIMIT_MB.get()
    return mb if mb is not None else (MAX_LAYOUT_MB if layout else MAX_TEXT_MB)


_MAX_SHAPES: ContextVar[int | None] = ContextVar("maskgen_max_shapes", default=None)


def shape_limit(shapes: int | None) -> contextlib.AbstractContextManager[None]:
    """Within this block, layouts of up to this many flat shapes are accepted (None: MAX_SHAPES)."""
    return _scoped(_MAX_SHAPES, shapes)


def max_shapes() -> int:
    """The flat shape limit in force."""
    return _MAX_SHAPES.get() or MAX_SHAPES


def problem(path: Path) -> str | None:
    """What keeps path from being read as a file (None for a regular file): not found, a symlink loop, a
    directory, a FIFO, a device, a socket, an unusable name."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop, not a file"
        if exc.errno == errno.ENOTDIR:
            return "not found (a folder on its path is a file)"
        if exc.errno == errno.ENAMETOOLONG:
            return "is not a usable file name (too long)"
        return f"cannot be read: {exc.strerror or exc}"
    except ValueError:
        return "is not a usable file name (a NUL byte)"
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (named pipe), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def check_file(path: Path, what: str, layout: bool = False, file: Path | str | None = None,
               key: str | None = None, value: object = None) -> Path:
    """A regular file within the size limit, else an InputError naming it (or the recipe key that names it)."""
    path = Path(path)
    trouble = problem(path)
    named: tuple[str | Path | None, str | None, object] = (file, key, value) if file is not None else (path, None, None)
    where, where_key, where_value = named
    if trouble is not None:
        at = f" at {path}" if file is not None else ""
        raise InputError(where, where_key, where_value, f"{what} {trouble}{at}")
    size = path.stat().st_size
    mb = limit_mb(layout)
    if size > mb * 1_000_000:
        raise InputError(where, where_key, where_value, f"{what} is {size / 1e6:,.0f} MB, over the {mb:,} MB limit "
                         f"for a {'layout' if layout else 'text'} file; raise it with --max-file-mb")
    return path


def read_text_file(path: Path, what: str, kind: str = "text", latin1: bool = False) -> str:
    """A text file checked (check_file) and decoded: UTF-8, a byte-order mark dropped, NUL bytes refused;
    `latin1`: a file that is not UTF-8 is read as Latin-1 (LEF and DEF are ASCII; an older tool's 8-bit byte sits
    in a comment, as in OpenDB's own complete.5.8.def)."""
    path = Path(path)
    check_file(path, what)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if not latin1:
            raise InputError(path, None, None, f"{what} is not a UTF-8 {kind} file") from None
        text = data.decode("latin-1")
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(path, f"line {text.count(chr(10), 0, nul) + 1}", None,
                         f"{what} holds a NUL byte: not a text file")
    return text


def finite(word: str) -> float:
    """A number as text (a CSV cell, a DEF/LEF token) as a finite float; a ValueError saying what it must be
    (a number, finite, at most 64 characters) otherwise."""
    text = word.strip()
    if len(text) > 64:
        raise ValueError(f"must be a number of at most 64 characters, not {len(text)}")
    try:
        value = float(text)
    except ValueError:
        raise ValueError("must be a number") from None
    if not math.isfinite(value):
        raise ValueError("must be a finite number (not NaN or infinity, nor too large for a number)")
    return value
