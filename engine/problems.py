"""Bad input, described for a person: file, JSON Pointer (or line), what was expected and found."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_LONG_SEGMENT = re.compile(r"(/[^/]{60})[^/]+")   # a hostile 20,000-character key is not printed whole


@dataclass(frozen=True)
class Problem:
    file: str
    pointer: str          # JSON Pointer into the file ("" for the whole document)
    message: str
    line: int | None = None
    cell: str | None = None   # a workbook's Sheet!D7: shown in place of the pointer

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.cell:
            where += f" {self.cell}"
        elif self.pointer:
            where += " " + _LONG_SEGMENT.sub(lambda m: m.group(1) + "…", self.pointer)
        # a lone surrogate from a hostile file cannot be printed or written as UTF-8: show its escape
        return printable(f"{where}: {self.message}")


def printable(text: str) -> str:
    """A text that can be written as UTF-8: lone surrogates (from a hostile file, or a file name that is not
    UTF-8) shown as their escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class InputError(Exception):
    """One or more problems with the input; the CLI prints them all and exits 2."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


def pointer(parts) -> str:
    """RFC 6901 JSON Pointer from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def nearest(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """The accepted names nearest to a misspelt one (difflib's ratio, best first)."""
    return difflib.get_close_matches(str(word), list(choices), n=n, cutoff=0.6)


def did_you_mean(word: str, choices: Iterable[str], otherwise: str = "") -> str:
    """' (did you mean 'a', 'b'?)' for the nearest accepted names, or `otherwise` when none is near."""
    near = nearest(word, choices)
    return f" (did you mean {', '.join(map(repr, near))}?)" if near else otherwise


def cell_at(cells: dict[str, str] | None, ptr: str) -> str | None:
    """The workbook cell of a JSON Pointer, or of its nearest ancestor that has one (a dossier read from XLSX)."""
    if not cells:
        return None
    p = ptr
    while True:
        if p in cells:
            return cells[p]
        if not p:
            return None
        p = p.rsplit("/", 1)[0]
