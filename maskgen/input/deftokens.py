"""The tokens of a LEF or DEF file, with the line of any token for one-line errors and warnings."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from maskgen.errors import InputError
from maskgen.input.files import check_file, finite, read_text_file

_TOKEN = re.compile(r'"[^"]*"|[^\s]+')
_COMMENT = re.compile(r"#[^\n]*")


def read_text(path: Path, what: str) -> str:
    """A LEF/DEF file's text."""
    return read_text_file(path, f"{what} file", latin1=True)


T = TypeVar("T")
CACHE_FILES = 8
"""Files a reader keeps parsed (a build reads a handful; the cache is emptied when it is full)."""


def read_once(cache: dict[tuple, T], path: Path, what: str, parse: Callable[[Path], T]) -> T:
    """parse(path), kept in cache by (resolved path, mtime, size): a file is parsed again only when it changed."""
    check_file(path, f"{what} file")
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    found = cache.get(key)
    if found is None:
        found = parse(path)
        if len(cache) >= CACHE_FILES:
            cache.clear()
        cache[key] = found
    return found


class Tokens:
    """The tokens of a DEF/LEF file with their offsets, for located errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.clean = _COMMENT.sub(lambda m: " " * len(m.group()), text)
        self.words = _TOKEN.findall(self.clean)
        self.i = 0

    def line(self, index: int) -> int:
        """1-based line number of token index (found again only when an error or a warning needs it)."""
        for k, m in enumerate(_TOKEN.finditer(self.clean)):
            if k == index:
                return self.text.count("\n", 0, m.start()) + 1
        return self.text.count("\n") + 1

    def error(self, message: str, index: int | None = None) -> InputError:
        """An InputError at a token (default: the current one)."""
        at = self.i if index is None else index
        if at >= len(self.words):
            return InputError(self.path, "end of file", None, message)
        return InputError(self.path, f"line {self.line(at)}", self.words[at], message)

    def at_end(self) -> bool:
        """True after the last token."""
        return self.i >= len(self.words)

    def take(self) -> str:
        """The next token (an error at the end of the file)."""
        if self.i >= len(self.words):
            raise self.error("unexpected end of file")
        self.i += 1
        return self.words[self.i - 1]

    def expect(self, word: str) -> None:
        """The next token must be word."""
        if self.take() != word:
            raise self.error(f"expected {word!r}", self.i - 1)

    def number(self) -> float:
        """The next token as a number."""
        word = self.take()
        try:
            return finite(word)
        except ValueError:
            raise self.error("expected a number", self.i - 1) from None
