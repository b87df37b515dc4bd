"""Which workbook cell each JSON Pointer of an imported dossier came from, and back.

A problem found in the dossier (schema, catalogue, dates) names a pointer; a person filling the workbook
needs `Series!D7`. `cell_for` gives the cell of the pointer, or of its nearest ancestor that has one (a
missing required field is shown at the row or section it belongs to).
"""
from __future__ import annotations

import dataclasses
import re

from openpyxl.utils import get_column_letter

from ..problems import Problem, cell_at

_SIMPLE_SHEET = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def cell_name(sheet: str, row: int, col: int) -> str:
    """Excel's own spelling: Series!D7, 'Work plans'!C4."""
    name = sheet if _SIMPLE_SHEET.match(sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{get_column_letter(col)}{row}"


class CellMap:
    def __init__(self) -> None:
        self._cells: dict[str, str] = {}

    def add(self, pointer: str, cell: str) -> None:
        """Record the first cell for a pointer (a row's first cell stands for the whole item)."""
        self._cells.setdefault(pointer, cell)

    def cell_for(self, pointer: str) -> str | None:
        return cell_at(self._cells, pointer)

    def as_dict(self) -> dict[str, str]:
        return dict(self._cells)

    def locate(self, problems: list[Problem]) -> list[Problem]:
        """The same problems, each with the cell of its pointer."""
        out = []
        for p in problems:
            cell = p.cell or self._required_cell(p) or self.cell_for(p.pointer)
            out.append(dataclasses.replace(p, cell=cell) if cell else p)
        return out

    def _required_cell(self, p: Problem) -> str | None:
        m = re.match(r"^'([^']+)' is required", p.message)
        if m:
            child = f"{p.pointer}/{m.group(1)}"
            return self._cells.get(child) or next((c for k, c in self._cells.items() if k.startswith(child + "/")), None)
        return None
