"""Read a dossier workbook into the dossier document, every cell problem named by sheet and cell.

The reader never guesses: each cell is read by its column's kind (cells.py); what cannot be read is a
Problem with the cell (and the pointer it was meant for), collected for the whole workbook at once.
Sheets and columns are found by their headers, in either language, so renamed, reordered or hidden sheets
and moved columns read the same.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field

from ..model import Catalogue
from ..problems import InputError, Problem, did_you_mean, pointer
from . import cells, layout, limits
from .cellmap import CellMap, cell_name

HEADER_SEARCH_ROWS = 12
_YEAR = re.compile(r"^(19|20|21)\d{2}$")


@dataclass
class Imported:
    data: dict
    cells: CellMap
    problems: list[Problem] = field(default_factory=list)   # cell problems: the pointers below them are not judged
    sheets: dict[str, str] = field(default_factory=dict)     # sheet id -> the sheet's name in this workbook


def read(raw: bytes, name: str, cat: Catalogue, packs: list) -> Imported:
    """The dossier a workbook holds; raises InputError when it is not a readable workbook at all."""
    try:
        limits.assert_defused()
        limits.check(raw)
    except limits.NotReadable as e:
        raise InputError([Problem(name, "", str(e))]) from None
    wb = _load(raw, name, data_only=False)
    return _Reader(wb, raw, name, layout.build(cat, packs), cat).run()


def _load(raw: bytes, name: str, data_only: bool):
    import openpyxl
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # openpyxl warns about data validation extensions it drops
            return openpyxl.load_workbook(io.BytesIO(raw), data_only=data_only, keep_vba=False, keep_links=False,
                                          rich_text=False)
    except Exception as e:  # noqa: BLE001 - defusedxml, zipfile, openpyxl and lxml raise unrelated types
        chain, cause = [], e
        while cause is not None and len(chain) < 10:
            chain.append(cause.__class__.__name__)
            cause = cause.__cause__ or cause.__context__
        forbidden = [k for k in chain if k in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden")]
        if forbidden:
            msg = f"the workbook's XML declares entities or a DTD ({forbidden[0]}); ParkCert does not read such files"
        else:
            msg = f"not a readable Excel workbook (.xlsx): {chain[-1]}: {str(e).splitlines()[0] if str(e) else ''}"
        raise InputError([Problem(name, "", msg)]) from None


class _Reader:
    def __init__(self, wb, raw: bytes, name: str, lay: layout.Layout, cat: Catalogue):
        self.wb, self.raw, self.name, self.layout, self.cat = wb, raw, name, lay, cat
        self.cached = None                    # the data_only workbook, loaded when a formula is met
        self.doc: dict = {"schema_version": "1.0"}
        self.map = CellMap()
        self.problems: list[Problem] = []
        self.sheets: dict[str, str] = {}
        self.forms = {r.path: r for s in lay.sheets if s.kind == "form" for r in s.rows}
        self.epoch = getattr(wb, "epoch", None)

    # --- the workbook -----------------------------------------------------------------------------

    def run(self) -> Imported:
        for ws in self.wb.worksheets:
            found = self._identify(ws)
            if found is None:
                continue
            spec, header_row, columns = found
            if spec.id in self.sheets and spec.kind != "form":
                self._bad(ws, header_row, 1, "", f"a second {spec.title.en} sheet (the first is {self.sheets[spec.id]!r}); "
                                                 "keep one")
                continue
            self.sheets.setdefault(spec.id, ws.title)
            self._check_size(ws)
            merged = _Merged(ws)
            self._merged_across(ws, header_row, columns)
            reader = {"form": self._form, "table": self._table, "keyed": self._keyed, "series": self._keyed}[spec.kind]
            reader(ws, spec, header_row, columns, merged)
        if "zone" not in self.sheets:
            self.problems.append(Problem(self.name, "", "no Zone sheet found (a sheet whose header row has the column "
                                                        "'Field (do not edit)'): is this a ParkCert dossier workbook? "
                                                        "Write one with `parkcert template`"))
        self._places()
        incidents = (self.doc.get("eligibility") or {}).get("incidents")
        if isinstance(incidents, dict) and "incidents" in self.sheets:
            incidents.setdefault("events", [])   # an empty Incidents sheet under a complete record: none occurred
        return Imported(self.doc, self.map, self.problems, self.sheets)

    def _identify(self, ws):
        """(sheet spec, header row, {column index: Column}) from the first header row that names an anchor."""
        by_label: dict[str, list[tuple[layout.Sheet, layout.Column]]] = {}
        for s in self.layout.sheets:
            for c in s.columns:
                for text in (c.label.en, c.label.zh):
                    by_label.setdefault(_norm(text), []).append((s, c))
        for r, row in enumerate(ws.iter_rows(min_row=1, max_row=min(HEADER_SEARCH_ROWS, ws.max_row or 1),
                                             max_col=min(limits.MAX_COLS, ws.max_column or 1), values_only=True), start=1):
            labels = {}
            for c, v in enumerate(row, start=1):
                if isinstance(v, str):
                    for part in re.split(r"[\n/]", v):
                        if _norm(part) in by_label:
                            labels[c] = _norm(part)
                            break
                elif isinstance(v, int) and _YEAR.match(str(v)):
                    labels[c] = str(v)
            for s in self.layout.sheets:
                if s.kind in ("guide", "units"):
                    continue
                anchor = s.columns[0] if s.kind == "form" else next(c for c in s.columns if c.key == s.anchor)
                anchor_labels = {_norm(anchor.label.en), _norm(anchor.label.zh)}
                if s.kind == "form" and not any(lab in anchor_labels for lab in labels.values()):
                    continue
                if s.kind != "form" and not any(lab in anchor_labels and any(x is s for x, _ in by_label[lab])
                                                for lab in labels.values()):
                    continue
                cols: dict[int, layout.Column] = {}
                for c, lab in labels.items():
                    if _YEAR.match(lab) and s.kind == "series":
                        cols[c] = layout.Column(f"values/{lab}", layout.T(lab, lab), layout.NUMBER, unit_key="unit")
                        continue
                    for owner, col in by_label.get(lab, []):
                        if owner is s and col.key:
                            cols.setdefault(c, col)
                            break
                if s.kind == "form":
                    # the Field column is read for the row's path
                    cols[next(c for c, lab in labels.items() if lab in anchor_labels)] = layout.Column("field", anchor.label)
                return s, r, cols
        return None

    def _check_size(self, ws) -> None:
        far = [(r, c) for (r, c), cell in ws._cells.items()   # noqa: SLF001 - the loaded cells, without creating more
               if (r > limits.MAX_ROWS or c > limits.MAX_COLS) and cell.value not in (None, "")]
        if far:
            r, c = max(far)
            self._bad(ws, r, c, "", f"data beyond the {limits.MAX_ROWS} rows and {limits.MAX_COLS} columns a sheet may "
                                    "use; move it up or delete it")

    def _merged_across(self, ws, header_row: int, columns) -> None:
        """A value merged across several columns read (three years, value and unit) belongs to which? Refused."""
        read = {c for c, col in columns.items() if col.key and col.key != "field"}
        for rng in ws.merged_cells.ranges:
            if rng.max_row <= header_row or rng.min_col == rng.max_col:
                continue
            spanned = [c for c in range(rng.min_col, rng.max_col + 1) if c in read]
            if len(spanned) > 1 and ws.cell(row=rng.min_row, column=rng.min_col).value not in (None, ""):
                self.problems.append(Problem(self.name, "", f"cells {rng.coord} are merged across {len(spanned)} "
                                                            "columns: one value per cell; unmerge them",
                                             cell=cell_name(ws.title, rng.min_row, rng.min_col)))

    # --- one cell ---------------------------------------------------------------------------------

    def _value(self, ws, row: int, col: int, merged: _Merged, ptr: str):
        """The cell's value (a formula's saved result), its number format; (None, None) for an empty cell."""
        r, c = merged.source(row, col)
        cell = ws.cell(row=r, column=c)
        v = cell.value
        if isinstance(v, str) and v.startswith("=") and cell.data_type == "f" or type(v).__name__ == "ArrayFormula":
            formula = v if isinstance(v, str) else getattr(v, "text", "")
            if self.cached is None:
                self.cached = _load(self.raw, self.name, data_only=True)
            v = self.cached[ws.title].cell(row=r, column=c).value
            if v is None:
                self._bad(ws, row, col, ptr, f"a formula without a saved result ({formula}): open the workbook in Excel "
                                             "or LibreOffice and save it, or type the value")
                return _FAILED, None
        if isinstance(v, str) and not v.strip():
            v = None
        return v, cell.number_format

    def _read(self, ws, row, col, merged, column: layout.Column, ptr: str, kind: str | None = None,
              unit: str | None = None, choices=None):
        v, fmt = self._value(ws, row, col, merged, ptr)
        if v is None or v is _FAILED:
            return v
        kind = kind or column.kind
        try:
            if kind == layout.NUMBER:
                return cells.number(v, fmt, unit)
            if kind == layout.INT:
                return cells.integer(v, fmt)
            if kind == layout.DATE:
                return cells.date(v, self.epoch)
            if kind == layout.BOOL:
                return cells.boolean(v)
            if kind == layout.ENUM:
                return cells.choice(v, choices if choices is not None else column.choices)
            if kind == layout.LIST:
                return cells.items(v)
            if kind == layout.LINES:
                return cells.lines(v)
            if kind == layout.YEARS:
                return cells.years(v)
            if column.key.endswith("source/page"):
                return v if isinstance(v, int) and not isinstance(v, bool) else cells.text(v)
            return cells.text(v)
        except cells.CellError as e:
            self._bad(ws, row, col, ptr, str(e))
            return _FAILED

    def _bad(self, ws, row, col, ptr: str, message: str) -> None:
        self.problems.append(Problem(self.name, ptr, message, cell=cell_name(ws.title, row, col)))

    def _set(self, parts: list, value, ws, row, col) -> None:
        self.map.add(pointer(parts), cell_name(ws.title, row, col))
        _put(self.doc, parts, value)

    # --- sheet kinds ------------------------------------------------------------------------------

    def _form(self, ws, spec, header_row, columns, merged) -> None:
        where = {col.key: c for c, col in columns.items()}
        fcol = where.get("field")
        for row in range(header_row + 1, min(ws.max_row, limits.MAX_ROWS) + 1):
            key, _ = self._value(ws, row, fcol, merged, "")
            if key in (None, _FAILED):
                continue
            key = str(key).strip()
            spec_row = self.forms.get(key) or _plan_row(key)
            if spec_row is None:
                self._bad(ws, row, fcol, "", f"unknown field {key!r}" + did_you_mean(key, self.forms))
                continue
            parts = key.split("/")
            ptr = pointer(parts)
            vcol = where.get("value")
            if vcol is None:
                self._bad(ws, header_row, 1, "", "no Value column in this sheet's header row")
                return
            self.map.add(ptr, cell_name(ws.title, row, vcol))
            if spec_row.kind == layout.MEASURE:
                ucol = where.get("unit")
                unit = self._read(ws, row, ucol, merged, layout.Column("unit", layout.T("", "")), ptr + "/unit") \
                    if ucol else None
                value = self._read(ws, row, vcol, merged, layout.Column("value", layout.T("", "")), ptr + "/value",
                                   layout.NUMBER, unit if unit is not _FAILED else None)
                if value is None and not self._has_source(ws, row, where, merged):
                    continue
                if value is not None:
                    self._set(parts + ["value"], value, ws, row, vcol)
                if unit is not None:
                    self._set(parts + ["unit"], unit, ws, row, ucol)
            else:
                value = self._read(ws, row, vcol, merged, layout.Column("value", layout.T("", ""), spec_row.kind,
                                                                       choices=spec_row.choices), ptr)
                if value is not None and value is not _FAILED and value != []:
                    self._set(parts, value, ws, row, vcol)
            if spec_row.source_of:
                self._source(ws, row, where, merged, spec_row.source_of.split("/"))

    def _has_source(self, ws, row, where, merged) -> bool:
        return any(self._value(ws, row, where[k], merged, "")[0] is not None
                   for k, _ in layout.SOURCE_COLUMNS if k in where)

    def _source(self, ws, row, where, merged, parts: list) -> None:
        for key, _ in layout.SOURCE_COLUMNS:
            c = where.get(key)
            if c is None:
                continue
            sub = key.split("/")
            v = self._read(ws, row, c, merged, layout.Column(key, layout.T("", "")), pointer(parts + sub))
            if v is not None and v is not _FAILED:
                self._set(parts + sub, v, ws, row, c)

    def _rows(self, ws, header_row, columns, merged, skip_when_only=()):
        """Data rows: those with a value in a read column other than `skip_when_only` (pre-filled ones)."""
        read = [c for c, col in columns.items() if col.key and col.key not in skip_when_only]
        for row in range(header_row + 1, min(ws.max_row, limits.MAX_ROWS) + 1):
            if any(self._value(ws, row, c, merged, "")[0] is not None for c in read):
                yield row

    def _item(self, ws, row, columns, merged, base: list, skip=("key", "program"), metric=None) -> None:
        """Read one row's columns into the item at `base`."""
        units_in_row = {}
        for c, col in columns.items():
            if col.key.endswith("unit") and col.key not in skip:
                units_in_row[col.key] = self._read(ws, row, c, merged, col, pointer(base + col.key.split("/")))
        for c, col in sorted(columns.items()):
            if not col.key or col.key in skip:
                continue
            parts = base + col.key.split("/")
            if col.key in units_in_row:
                v = units_in_row[col.key]
            else:
                kind, unit = col.kind, None
                if col.kind == layout.NUMBER:
                    unit = units_in_row.get(col.unit_key) if col.unit_key else None
                    if unit is None or unit is _FAILED:   # the catalogue's unit decides how a % cell reads
                        unit = self.cat.metrics[metric].unit if metric in self.cat.metrics else None
                    if col.key == "value" and metric in self.cat.metrics and self.cat.metrics[metric].is_bool:
                        kind = layout.BOOL
                v = self._read(ws, row, c, merged, col, pointer(parts), kind, unit)
            if v is not None and v is not _FAILED:
                self._set(parts, v, ws, row, c)

    def _table(self, ws, spec, header_row, columns, merged) -> None:
        where = {col.key: c for c, col in columns.items()}
        counters: dict[str, int] = {}
        for row in self._rows(ws, header_row, columns, merged, skip_when_only=("program", "metric", "base/unit",
                                                                                "target/unit")):
            if spec.grouped:
                pc = where.get("program")
                prog = self._read(ws, row, pc, merged, columns[pc], "", choices=self.layout.plan_programs or None) \
                    if pc else None
                if prog in (None, _FAILED):
                    if prog is None:
                        self._bad(ws, row, pc or 1, "", "which program's work plan? fill the Program column")
                    continue
                base = ["work_plans", prog] + spec.root.split("/")
            else:
                prog, base = "", spec.root.split("/")
            i = counters.get(prog, 0)
            counters[prog] = i + 1
            first = min(c for c, col in columns.items() if col.key)
            self.map.add(pointer(base + [i]), cell_name(ws.title, row, where.get("program", first)))
            metric = None
            if "metric" in where:
                metric = self._read(ws, row, where["metric"], merged, layout.Column("metric", layout.T("", "")),
                                    pointer(base + [i, "metric"]))
                if metric not in (None, _FAILED):
                    self._set(base + [i, "metric"], metric, ws, row, where["metric"])
            self._item(ws, row, columns, merged, base + [i], skip=("program", "metric"), metric=metric)

    def _keyed(self, ws, spec, header_row, columns, merged) -> None:
        where = {col.key: c for c, col in columns.items()}
        kc = where.get("key")
        for row in self._rows(ws, header_row, columns, merged, skip_when_only=("key", "unit")):
            name = self._read(ws, row, kc, merged, columns[kc], "") if kc else None
            if name in (None, _FAILED):
                if name is None:
                    self._bad(ws, row, kc or 1, "", "a value without an indicator name in its first column")
                continue
            base = [spec.root, name]
            self.map.add(pointer(base), cell_name(ws.title, row, kc))
            self._item(ws, row, columns, merged, base, skip=("key",), metric=name)

    def _places(self) -> None:
        """A province or city given in one language only is a plain string, as the schema allows."""
        zone = self.doc.get("zone")
        if not isinstance(zone, dict):
            return
        for key in ("province", "city"):
            place = zone.get(key)
            if isinstance(place, dict) and len(place) == 1:
                zone[key] = next(iter(place.values()))


_FAILED = object()   # a cell that could not be read (its problem is recorded)


def _plan_row(key: str):
    m = re.match(r"^work_plans/([a-z][a-z0-9-]*)/", key)
    if not m:
        return None
    return next((r for r in layout._plan_rows(m.group(1)) if r.path == key), None)   # noqa: SLF001


def _norm(text: str) -> str:
    return " ".join(cells.fold(str(text)).lower().split())


def _put(doc: dict, parts: list, value) -> None:
    node = doc
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        want_list = isinstance(nxt, int) or (isinstance(nxt, str) and nxt.isdigit() and parts[i] == "range")
        if isinstance(node, list):
            idx = int(part)
            while len(node) <= idx:
                node.append(None)
            if node[idx] is None:
                node[idx] = [] if want_list else {}
            node = node[idx]
        else:
            if part not in node or node[part] is None:
                node[part] = [] if want_list else {}
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        idx = int(last)
        while len(node) <= idx:
            node.append(None)
        node[idx] = value
    else:
        node[last] = value


class _Merged:
    """Merged ranges: a range down one column repeats its first cell on every row (a Program written once for
    several targets); a range across columns leaves the other cells empty."""

    def __init__(self, ws):
        self.down: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            if rng.min_col == rng.max_col and rng.max_row > rng.min_row:
                for r in range(rng.min_row + 1, min(rng.max_row, limits.MAX_ROWS) + 1):
                    self.down[(r, rng.min_col)] = (rng.min_row, rng.min_col)

    def source(self, row: int, col: int) -> tuple[int, int]:
        return self.down.get((row, col), (row, col))

