"""Build and edit dossier workbooks in tests (no fixture files: each test makes the workbook it needs)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl

from engine import load
from engine.workbook import layout, template

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def workbook_bytes(dossier: dict | None = None, programs=None, lang: str = "en") -> bytes:
    ids = programs or (dossier["zone"]["programs"] if dossier else load.pack_ids())
    lay = layout.build(load.catalogue(), [load.pack(p) for p in ids], dossier)
    return template.write(lay, lang, dossier)


def open_wb(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def save(wb, path: Path) -> Path:
    wb.save(path)
    return path


def row_of(ws, key: str) -> int:
    """The row whose first column holds `key` (a form field or a quantity/metric name)."""
    for r in range(1, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == key:
            return r
    raise KeyError(key)


def col_of(ws, label: str, header_row: int = 2) -> int:
    """The column whose header's first line is `label` (or, for series, the year)."""
    for c in range(1, ws.max_column + 1):
        v = ws.cell(row=header_row, column=c).value
        if v is not None and str(v).split("\n")[0] == label:
            return c
    raise KeyError(label)
