"""Write a dossier workbook from a Layout, empty or filled from a dossier (`parkcert template --from`)."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..model import Text
from . import layout
from .layout import Column, FormRow, Layout, Sheet

EMPTY_TABLE_ROWS = 15
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_INPUT_FILL = PatternFill("solid", fgColor="FFFBE6")
_KEY_FONT = Font(color="666666")
_TITLE_FONT = Font(bold=True, size=13)
_WRAP = Alignment(wrap_text=True, vertical="top")


def both(t: Text, lang: str, sep: str = "\n") -> str:
    first, second = (t.zh, t.en) if lang == "zh" else (t.en, t.zh)
    return first if first == second else f"{first}{sep}{second}"


def write(lay: Layout, lang: str = "en", dossier: dict | None = None) -> bytes:
    """The workbook's bytes (deterministic for the same layout, language and dossier)."""
    wb = Workbook()
    wb.remove(wb.active)
    d = dossier or {}
    names = {s.id: s.name.get(lang) for s in lay.sheets}
    units_ranges = _units_sheet_ranges(lay, names["units"])
    for spec in lay.sheets:
        ws = wb.create_sheet(names[spec.id])
        ws["A1"] = both(spec.title, lang, " · ")
        ws["A1"].font = _TITLE_FONT
        writer = {"guide": _guide, "form": _form, "table": _table, "keyed": _keyed, "series": _keyed,
                  "units": _units}[spec.kind]
        writer(ws, spec, lay, lang, d, units_ranges, names)
    wb.properties.creator = "ParkCert"
    wb.properties.created = wb.properties.modified = dt.datetime(2000, 1, 1)   # same input, same bytes
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- helpers -----------------------------------------------------------------------------------------

def _header(ws, columns: list[Column], lang: str, row: int = 2) -> None:
    for c, col in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=c, value=both(col.label, lang))
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
        ws.column_dimensions[get_column_letter(c)].width = col.width
    ws.row_dimensions[row].height = 32


def _get(d: dict, path: str):
    node = d
    for part in path.split("/"):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _cell_value(value, kind: str, lang: str):
    if value is None:
        return None
    if kind == layout.BOOL or isinstance(value, bool):
        return (layout.YES if value else layout.NO).get(lang)
    if kind == layout.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if kind in (layout.LIST, layout.YEARS):
        return ", ".join(str(v) for v in value)
    if kind == layout.LINES:
        return "\n".join(value)
    return value


def _style_value(cell, kind: str) -> None:
    cell.fill = _INPUT_FILL
    if kind == layout.DATE:
        cell.number_format = "yyyy-mm-dd"
    elif kind in (layout.LINES, layout.TEXT):
        cell.alignment = _WRAP
    elif kind in (layout.LIST, layout.YEARS):
        cell.number_format = "@"


class _Validations:
    """One DataValidation per rule, each collecting the cells it applies to."""

    def __init__(self, ws, lang: str):
        self.ws, self.lang, self.rules = ws, lang, {}

    def add(self, key, make, cell) -> None:
        if key not in self.rules:
            dv = make()
            dv.showErrorMessage = True      # Excel checks only when told to show the error
            dv.errorTitle = "ParkCert"
            self.ws.add_data_validation(dv)
            self.rules[key] = dv
        self.rules[key].add(cell)

    def kind(self, kind: str, cell, choices=(), minimum=None) -> None:
        zh = self.lang == "zh"
        if kind == layout.BOOL:
            words = ",".join((layout.YES.get(self.lang), layout.NO.get(self.lang)))
            self.add("bool", lambda: DataValidation(type="list", formula1=f'"{words}"', allow_blank=True,
                                                    error="是 or 否" if zh else "yes or no"), cell)
        elif kind == layout.ENUM and choices:
            text = ",".join(choices)
            if len(text) < 250:
                self.add(("enum", text), lambda: DataValidation(type="list", formula1=f'"{text}"', allow_blank=True),
                         cell)
        elif kind == layout.DATE:
            self.add("date", lambda: DataValidation(type="date", operator="between", formula1="1", formula2="73051",
                                                    allow_blank=True, error="YYYY-MM-DD"), cell)
        elif kind == layout.INT:
            self.add("int", lambda: DataValidation(type="whole", operator="between", formula1="0", formula2="1000000",
                                                   allow_blank=True, error="整数" if zh else "a whole number"), cell)
        elif kind in (layout.NUMBER, layout.MEASURE):
            if minimum is not None:
                self.add("number>=0", lambda: DataValidation(type="decimal", operator="greaterThanOrEqual",
                                                             formula1=str(minimum), allow_blank=True,
                                                             error="≥ 0 的数值" if zh else "a number ≥ 0"), cell)
            else:
                self.add("number", lambda: DataValidation(type="decimal", operator="between", formula1="-1E+300",
                                                          formula2="1E+300", allow_blank=True,
                                                          error="数值" if zh else "a number"), cell)

    def unit(self, cell, rng: str | None) -> None:
        if rng:
            self.add(("unit", rng), lambda: DataValidation(
                type="list", formula1=rng, allow_blank=True, errorStyle="warning",
                error="不在列表中：导入时检查该写法" if self.lang == "zh" else
                "Not in the list: ParkCert checks this spelling when importing"), cell)


def _units_sheet_ranges(lay: Layout, sheet_name: str) -> dict[str, str]:
    out = {}
    for c, (unit, spellings) in enumerate(sorted(lay.unit_lists.items()), start=1):
        col = get_column_letter(c)
        out[unit] = f"{quote_sheetname(sheet_name)}!${col}$3:${col}${2 + len(spellings)}"
    return out


# --- sheet writers -----------------------------------------------------------------------------------

GUIDE = [
    Text("This workbook is a ParkCert zone dossier. Fill in the yellow cells; leave a cell empty when the value is "
         "not known (it is then reported as missing, never as a pass).",
         "本工作簿即 ParkCert 园区申报材料。请填写黄色单元格；未知数值请留空（将报告为“缺失”，绝不视为达标）。"),
    Text("Then run: parkcert import THIS.xlsx -o dossier.json (or parkcert check THIS.xlsx). Every problem is "
         "listed at once with its sheet and cell, e.g. Series!E7.",
         "然后运行：parkcert import 本文件.xlsx -o dossier.json（或 parkcert check 本文件.xlsx）。"
         "所有问题一次列出，并注明工作表与单元格，如 年度数据!E7。"),
    Text("Zone: identity of the zone, programs applied for, assessment date. The grey Field column tells ParkCert "
         "where each value goes: do not edit it.",
         "园区：园区基本信息、申报项目、评估日期。灰色“字段”列标明数值的去处，请勿修改。"),
    Text("Series: one row per statistical quantity, one column per year. Type a year into an empty header cell to add "
         "a year. Choose the unit in the drop-down or type another accepted spelling (see the Units sheet).",
         "年度数据：每行一个统计量，每列一个年份。在空白表头单元格中键入年份即可增加年份。单位从下拉列表选择，"
         "或键入“单位”表所列的其他写法。"),
    Text("Reported: indicator values stated directly. Rows whose help says 'derived' are computed from Series when "
         "left empty.",
         "报告指标：直接填报的指标值。说明为“由年度数据计算”的行留空时将由年度数据计算。"),
    Text("Numbers: type them as numbers. A cell formatted as a percentage is read as the percentage it shows "
         "(85 % in a row whose unit is % is 85). Numbers typed as text are read only as 1234.5 or 1,234.5 "
         "(full-width digits accepted); anything else is refused with its cell.",
         "数值请按数字键入。设置为百分比格式的单元格按其显示的百分数读取（单位为 % 的行中显示 85% 即 85）。"
         "以文本键入的数字只接受 1234.5 或 1,234.5 的写法（可用全角数字），其他写法将连同单元格一并报错。"),
    Text("Dates: a date cell, or text as 2016-03-31, 2016/3/31 or 2016年3月31日. Yes/no: yes, no, 是, 否.",
         "日期：日期单元格，或以 2016-03-31、2016/3/31、2016年3月31日 形式键入的文本。是/否：是、否、yes、no。"),
    Text("Formulas are allowed if the workbook was saved by Excel or LibreOffice (ParkCert reads the saved result). "
         "Sheets may be renamed, reordered or hidden; hidden rows are read like any other.",
         "可使用公式，但工作簿须经 Excel 或 LibreOffice 保存（ParkCert 读取保存的计算结果）。工作表可改名、调整顺序"
         "或隐藏；隐藏的行同样会被读取。"),
    Text("Source columns: the document (and page) each value comes from; they appear in every report.",
         "来源列：每个数值所依据的文件（及页码）；将显示于各报告中。"),
]


def _guide(ws, spec, lay, lang, d, ranges, names) -> None:
    ws.column_dimensions["A"].width = 120
    for i, t in enumerate(GUIDE, start=3):
        cell = ws.cell(row=i, column=1, value=both(t, lang))
        cell.alignment = _WRAP
        ws.row_dimensions[i].height = 48
    r = len(GUIDE) + 4
    ws.cell(row=r, column=1, value=both(Text("Sheets in this workbook", "本工作簿的工作表"), lang, " · ")).font = Font(bold=True)
    for s in lay.sheets[1:]:
        r += 1
        ws.cell(row=r, column=1, value=f"{s.name.get(lang)}: {both(s.title, lang, ' · ')}")
    if lay.programs:
        r += 2
        ws.cell(row=r, column=1, value=both(Text("Programs: ", "项目：") , lang, "") + ", ".join(lay.programs))


def _form(ws, spec: Sheet, lay, lang, d, ranges, names) -> None:
    _header(ws, list(spec.columns), lang)
    ws.freeze_panes = "C3"
    v = _Validations(ws, lang)
    req = Text("Required. ", "必填。")
    for r, row in enumerate(spec.rows, start=3):
        row: FormRow
        ws.cell(row=r, column=1, value=row.path).font = _KEY_FONT
        ws.cell(row=r, column=2, value=both(row.label, lang)).alignment = _WRAP
        if row.kind == layout.MEASURE:
            value, unit = _get(d, row.path + "/value"), _get(d, row.path + "/unit")
            if unit is None and _get(d, row.path) is None:
                unit = layout.printed_unit(row.unit, lang)
        else:
            value, unit = _get(d, row.path), None
        cell = ws.cell(row=r, column=3, value=_cell_value(value, row.kind, lang))
        _style_value(cell, row.kind)
        v.kind(row.kind, cell.coordinate, row.choices)
        if row.kind == layout.MEASURE:
            ucell = ws.cell(row=r, column=4, value=unit)
            ucell.fill = _INPUT_FILL
            v.unit(ucell.coordinate, ranges.get(row.unit or ""))
        if row.source_of:
            for c, (key, _) in enumerate(layout.SOURCE_COLUMNS, start=5):
                sc = ws.cell(row=r, column=c, value=_get(d, f"{row.source_of}/{key}"))
                sc.fill = _INPUT_FILL
        help_text = both(row.help, lang, " ") if row.help else ""
        if row.choices and row.kind in (layout.ENUM, layout.LIST) and not row.help:
            help_text = ", ".join(row.choices)
        if row.required:
            help_text = both(req, lang, " ") + " " + help_text
        ws.cell(row=r, column=8, value=help_text.strip() or None).alignment = _WRAP


def _table(ws, spec: Sheet, lay, lang, d, ranges, names) -> None:
    cols = list(spec.columns)
    _header(ws, cols, lang)
    ws.freeze_panes = "A3"
    v = _Validations(ws, lang)
    rows: list[tuple[str, dict]] = []
    if spec.grouped:
        for prog in lay.plan_programs:
            items = _get(d, f"work_plans/{prog}/{spec.root}") or []
            rows += [(prog, item) for item in items]
        if spec.id == "targets" and not rows:
            rows = [(prog, {"metric": m}) for prog, m in spec.rows]   # a new zone: one row per target the packs read
    else:
        rows = [("", item) for item in (_get(d, spec.root) or [])]
    for r in range(3, 3 + len(rows) + EMPTY_TABLE_ROWS):
        prog, item = rows[r - 3] if r - 3 < len(rows) else ("", {})
        for c, col in enumerate(cols, start=1):
            value = prog or None if col.key == "program" else _get(item, col.key)
            cell = ws.cell(row=r, column=c, value=_cell_value(value, col.kind, lang))
            _style_value(cell, col.kind)
            if col.key.endswith("unit"):
                metric = item.get("metric")
                unit = "RMB" if spec.id in ("projects", "received") else lay.metric_units.get(metric or "")
                v.unit(cell.coordinate, ranges.get(unit or ""))
            else:
                v.kind(col.kind, cell.coordinate, col.choices)


def _keyed(ws, spec: Sheet, lay, lang, d, ranges, names) -> None:
    cols = list(spec.columns)
    if spec.kind == "series":
        at = next(i for i, c in enumerate(cols) if c.key == "basis") + 1
        cols[at:at] = [Column(f"values/{y}", Text(str(y), str(y)), layout.NUMBER, 12) for y in spec.years]
    _header(ws, cols, lang)
    for c, col in enumerate(cols, start=1):
        if col.key.startswith("values/"):
            ws.cell(row=2, column=c, value=int(col.label.en))
    ws.freeze_panes = "C3"
    v = _Validations(ws, lang)
    for r, (name, title, unit, help_text) in enumerate(spec.rows, start=3):
        item = _get(d, f"{spec.root}/{name}") or {}
        for c, col in enumerate(cols, start=1):
            if col.key == "key":
                ws.cell(row=r, column=c, value=name).font = _KEY_FONT
                continue
            if not col.key:
                text = both(title, lang) if c == 2 else both(help_text, lang)
                ws.cell(row=r, column=c, value=text).alignment = _WRAP
                continue
            value = _get(item, col.key)
            if isinstance(value, dict) and col.key.startswith("values/"):
                value = value.get("value")   # a year with its own source: the value (the source, as a comment)
            if col.key == "unit" and not item:
                value = layout.printed_unit(unit, lang) if unit not in ("bool", "date") else None
            kind = layout.BOOL if col.key == "value" and unit == "bool" else col.kind
            cell = ws.cell(row=r, column=c, value=_cell_value(value, kind, lang))
            _style_value(cell, kind)
            if col.key == "unit":
                if unit not in ("bool", "date"):
                    v.unit(cell.coordinate, ranges.get(unit))
            elif col.key.startswith("values/"):
                v.kind(layout.NUMBER, cell.coordinate, minimum=0)
            else:
                v.kind(kind, cell.coordinate, col.choices)
        if isinstance(item, dict) and item.get("values"):
            for year, val in item["values"].items():
                if isinstance(val, dict):   # a value with its own source: the value, and the source as a comment
                    c = next(i for i, col in enumerate(cols, start=1) if col.key == f"values/{year}")
                    ws.cell(row=r, column=c).comment = Comment(f"source: {val.get('source')}", "ParkCert")


def _units(ws, spec, lay, lang, d, ranges, names) -> None:
    for c, (unit, spellings) in enumerate(sorted(lay.unit_lists.items()), start=1):
        head = ws.cell(row=2, column=c, value=unit)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        for r, s in enumerate(spellings, start=3):
            ws.cell(row=r, column=c, value=s)
        ws.column_dimensions[get_column_letter(c)].width = max(14, max(len(s) for s in spellings) + 4)
