"""Inputs: files, folders and JSON Lines streams expanded into items, each with its sha256."""
from __future__ import annotations

import fnmatch
import hashlib
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..problems import Problem, printable
from .options import Item


def sha256_hex(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _jsonl_items(text: bytes, shown: str) -> Iterator[Item]:
    for n, line in enumerate(text.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if line.strip():
            yield Item(key=f"{shown}:{n}", file=shown, line=n, sha256=sha256_hex(line), raw=line)


DEFAULT_PATTERNS = ("*.json", "*.jsonl", "*.xlsx")


def walk(folder: Path, patterns: Iterable[str] = DEFAULT_PATTERNS, exclude: Iterable[Path] = ()) -> list[Path]:
    """The files below a folder, at any depth, whose name or path relative to it matches a pattern.

    Hidden files and folders (a batch's own .parkcert state among them) and the folders in `exclude`
    (the output folder, when it lies inside an input folder) are passed over; links to folders are not
    followed. Folders are visited in name order, each folder's files before its subfolders.
    """
    patterns, skip = tuple(patterns), {p.resolve() for p in exclude}
    # a pattern without a slash matches the name alone, as Path.match would: the relative path (measured: a
    # third of collecting 15,680 files through pathlib) is made only for patterns that name folders
    by_path = tuple(pat for pat in patterns if "/" in pat)
    found: list[Path] = []

    def visit(here: str) -> None:
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return                      # as os.walk: a folder that cannot be listed is passed over
        subfolders = []
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir():
                # links to folders are not followed (os.walk's default)
                if not e.is_symlink() and Path(e.path).resolve() not in skip:
                    subfolders.append(e.path)
            elif e.is_file() and (any(fnmatch.fnmatch(e.name, pat) for pat in patterns) or
                                  (by_path and any(Path(e.path).relative_to(folder).match(pat) for pat in by_path))):
                found.append(Path(e.path))
        for sub in subfolders:
            visit(sub)

    visit(str(folder))
    return found


def collect(inputs: Iterable[str], stdin=None, patterns: Iterable[str] | None = None,
            exclude: Iterable[Path] = ()) -> tuple[list[Item], list[dict]]:
    """Expand files, folders (walked recursively for `patterns`: *.json, *.jsonl, *.xlsx unless given) and
    JSON Lines streams (.jsonl, or - for stdin) into items.

    Paths that cannot be read become error records; they do not stop the batch.
    """
    patterns = tuple(patterns or DEFAULT_PATTERNS)
    items: list[Item] = []
    unreadable: list[dict] = []

    def bad(shown: str, message: str) -> None:
        unreadable.append(error_record(shown, None, None, [Problem(shown, "", message)]))

    for given in inputs:
        if given == "-":
            data = (stdin or sys.stdin.buffer).read()
            items.extend(_jsonl_items(data, "<stdin>"))
            continue
        path = Path(given)
        if path.is_dir():
            files = walk(path, patterns, exclude)
            if not files:
                bad(given, f"no file matching {' or '.join(patterns)} in this folder or below it")
        else:
            files = [path]
        for p in files:
            shown = str(p)
            try:
                raw = p.read_bytes()
            except OSError as e:
                bad(shown, f"cannot read: {e.strerror}")
                continue
            if p.suffix == ".jsonl":
                items.extend(_jsonl_items(raw, shown))
            else:
                items.append(Item(key=shown, file=shown, line=None, sha256=sha256_hex(raw)))
    return items, unreadable


def error_record(file: str, line: int | None, sha256: str | None, problems: list[Problem], kind: str = "invalid") -> dict:
    """An errors.jsonl record; every text printable (a lone surrogate in a key, a file name that is not UTF-8).

    A JSON Lines record is one line of its file: its problems are placed on that line, and the parser's "at line 1,
    column 9" (counted within the record) says the file's line, so that an editor's "go to line" finds it."""
    def where(p: Problem) -> tuple[str, int | None]:
        if line is None:
            return p.message, p.line
        return p.message.replace("at line 1, column ", f"at line {line}, column ", 1), line
    return {"file": printable(file), "line": line, "sha256": sha256, "kind": kind,
            "problems": [{"file": printable(p.file), "pointer": printable(p.pointer), "cell": p.cell,
                          "message": printable(message), "line": at}
                         for p in problems for message, at in [where(p)]]}


def per_folder(items: list[Item]) -> dict[str, int]:
    """How many dossiers each folder (or stream) gave, in the order first met."""
    counts: dict[str, int] = {}
    for it in items:
        where = it.file if it.file.startswith("<") else str(Path(it.file).parent)
        counts[where] = counts.get(where, 0) + 1
    return counts
