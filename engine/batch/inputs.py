"""Inputs: files, folders and JSON Lines streams expanded into items, each with its sha256."""
from __future__ import annotations

import hashlib
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


def collect(inputs: Iterable[str], stdin=None) -> tuple[list[Item], list[dict]]:
    """Expand files, folders (*.json inside) and JSON Lines streams (.jsonl, or - for stdin) into items.

    Paths that cannot be read become error records; they do not stop the batch.
    """
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
            files = sorted(p for p in path.glob("*.json") if p.is_file())
            if not files:
                bad(given, "folder without *.json files")
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
    """An errors.jsonl record; every text printable (a lone surrogate in a key, a file name that is not UTF-8)."""
    return {"file": printable(file), "line": line, "sha256": sha256, "kind": kind,
            "problems": [{"file": printable(p.file), "pointer": printable(p.pointer), "message": printable(p.message),
                          "line": p.line} for p in problems]}
