"""The one writer of output files: a temporary file in the destination folder, checked whole, then renamed.

Every output (layouts, manifests, markers, masks, plates, maps, reports, decks, pictures) goes through `atomic`:

- the temporary file is `.<name>.maskgen-tmp-<pid>-<n>`: hidden, and without the output's suffix, so that no
  tool (a `*.gds` glob, KLayout's file dialog, a mask shop's upload script) takes it for an output;
- a GDSII or OASIS file is checked whole before the rename (gdstk does not report a full disk: it leaves a file
  without its ENDLIB / END record), so with the disk full the previous complete file stays, or none;
- inside `confined(out)` every resolved path must lie in `out` (a recipe name or a symlink cannot lead outside);
- the first write into a folder removes the temporary files a killed run (`kill -9`) left there, whose process
  is gone, and the `.<name>.<random><suffix>` files of maskgen versions before this one;
- on Ctrl-C or any error the temporary file is removed before the exception goes on.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path

from maskgen.errors import InputError

TMP_MARK = ".maskgen-tmp-"
"""What every temporary output file's name holds: `.<name>.maskgen-tmp-<pid>-<n>`."""

_STALE = re.compile(r"^\..+" + re.escape(TMP_MARK) + r"(\d+)-\d+(\.~backup)?$")
_LEGACY = re.compile(r"^\.(.+)\.[A-Za-z0-9_]{8}(\.[A-Za-z0-9]+)(\.~backup)?$")   # tempfile.mkstemp's, before
# (KLayout keeps `<file>.~backup` while it overwrites a file that exists, as mkstemp's temporary file did)
_ROOT: ContextVar[Path | None] = ContextVar("maskgen_output_root", default=None)
_live: set[Path] = set()
_swept: set[Path] = set()
_lock = threading.Lock()
_count = itertools.count(1)

GDS_END = b"\x00\x04\x04\x00"
"""The ENDLIB record that closes every GDSII stream."""


def temp_path(path: Path) -> Path:
    """The temporary file for an output: hidden, beside it, named by this process and a counter."""
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{next(_count)}")


@contextlib.contextmanager
def confined(folder: Path | None) -> Iterator[None]:
    """Within this block every file written must resolve to a path inside folder (None: no confinement)."""
    token = _ROOT.set(Path(folder).resolve() if folder is not None else None)
    try:
        yield
    finally:
        _ROOT.reset(token)


def check_inside(path: Path) -> None:
    """An InputError when path resolves outside the folder of the enclosing `confined` block."""
    root = _ROOT.get()
    if root is None:
        return
    resolved = Path(path).resolve()
    if resolved != root and root not in resolved.parents:
        raise InputError(path, None, None, f"refused to write outside the output folder {root} "
                         f"(it resolves to {resolved})")


def atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Call write(tmp) on a temporary file beside path, check a layout is whole, then rename it into place."""
    path = Path(path)
    check_inside(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(path.parent)
    tmp = temp_path(path)
    tmp.unlink(missing_ok=True)
    with _lock:
        _live.add(tmp)
    try:
        write(tmp)
        check_whole(tmp, path)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        with _lock:
            _live.discard(tmp)
    return path


def check_whole(tmp: Path, path: Path) -> None:
    """OSError(ENOSPC) when a written GDSII / OASIS file lacks its closing record (a writer that hit a full disk
    without saying so); other files are whole when their writer returned."""
    suffix = path.suffix.lower()
    if suffix not in (".gds", ".gds2", ".oas"):
        return
    size = tmp.stat().st_size
    with tmp.open("rb") as fh:
        if suffix == ".oas":   # the END record is the file's last 256 bytes and starts with record id 2
            fh.seek(max(size - 256, 0))
            whole = size >= 256 + 13 and fh.read(1) == b"\x02"
        else:                  # ENDLIB, then at most a block's zero padding
            fh.seek(max(size - 4096, 0))
            whole = fh.read().rstrip(b"\x00").endswith(GDS_END[:-1]) and size % 2 == 0
    if not whole:
        raise OSError(errno.ENOSPC, f"the layout was not written whole (disk full?); {path.name} was left as "
                      "it was", str(path))


def sweep_stale(folder: Path) -> list[Path]:
    """Remove the temporary files of runs that were killed (their process is gone) from folder, once a run."""
    folder = Path(folder)
    with _lock:
        if folder in _swept:
            return []
        _swept.add(folder)
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        if not name.startswith("."):
            continue
        stale = _STALE.match(name)
        if stale:
            pid = int(stale.group(1))
            if folder / name in _live or (pid != os.getpid() and _alive(pid)):
                continue
        else:
            legacy = _LEGACY.match(name)
            if not legacy or not legacy.group(1).endswith(legacy.group(2)):
                continue
        with contextlib.suppress(OSError):
            (folder / name).unlink()
            removed.append(folder / name)
    return removed


def new_run() -> None:
    """Start a run: each folder it writes to is swept of stale temporary files again (a long-lived process, such
    as a test session, runs many commands)."""
    with _lock:
        _swept.clear()


def remove_temporaries() -> list[Path]:
    """Remove the temporary files this process is writing (on Ctrl-C, before the exit)."""
    with _lock:
        live = list(_live)
        _live.clear()
    for tmp in live:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return live


def _alive(pid: int) -> bool:
    """True while a process of that id runs."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
