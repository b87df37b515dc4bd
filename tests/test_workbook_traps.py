"""Excel's own traps, each read by one documented rule (engine/workbook/cells.py) or refused with its cell."""
import datetime as dt
import io
import re
import zipfile

import pytest

from engine import load
from engine.problems import InputError
from engine.validate import dossier_from_bytes

from .workbook_helpers import col_of, example, open_wb, row_of, workbook_bytes

XINHE = "certifiable-xinhe-2016"


def _bytes(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _read(data: bytes):
    return dossier_from_bytes(data, "z.xlsx", load.catalogue(), load.pack_ids())


def _problems(data: bytes) -> list[str]:
    with pytest.raises(InputError) as e:
        _read(data)
    return [str(p) for p in e.value.problems]


def _reported(wb, metric: str):
    ws = wb["Reported"]
    return ws, row_of(ws, metric), col_of(ws, "Value"), col_of(ws, "Unit")


def _share_metric() -> str:
    """A reported-only metric in %, of the kind a zone office types as a percentage."""
    wb = open_wb(workbook_bytes(example(XINHE)))
    ws = wb["Reported"]
    cat = load.catalogue()
    for r in range(3, ws.max_row + 1):
        name = ws.cell(row=r, column=1).value
        if name in cat.metrics and cat.metrics[name].unit == "%" and not cat.metrics[name].formula:
            return name
    raise AssertionError("no % metric reported directly")


def test_a_percent_formatted_cell_is_read_as_the_percentage_it_shows():
    metric = _share_metric()
    wb = open_wb(workbook_bytes(example(XINHE)))
    ws, r, vc, uc = _reported(wb, metric)
    ws.cell(row=r, column=vc).value = 0.915          # what Excel stores when 91.5 % is typed
    ws.cell(row=r, column=vc).number_format = "0.0%"
    ws.cell(row=r, column=uc).value = "%"
    assert _read(_bytes(wb)).data["reported"][metric]["value"] == pytest.approx(91.5)


def test_a_percent_formatted_cell_in_a_fraction_row_keeps_the_fraction_and_is_refused_for_other_units():
    metric = _share_metric()
    wb = open_wb(workbook_bytes(example(XINHE)))
    ws, r, vc, uc = _reported(wb, metric)
    ws.cell(row=r, column=vc).value = 0.915
    ws.cell(row=r, column=vc).number_format = "0%"
    ws.cell(row=r, column=uc).value = "1"
    assert _read(_bytes(wb)).data["reported"][metric]["value"] == pytest.approx(0.915)
    s = wb["Series"]
    sr, sc = row_of(s, "energy_consumption"), col_of(s, "2015")
    s.cell(row=sr, column=sc).value = 0.5
    s.cell(row=sr, column=sc).number_format = "0%"
    shown = _problems(_bytes(wb))
    cell = s.cell(row=sr, column=sc).coordinate
    assert any(f"Series!{cell}: the cell shows a percentage (50 %), but the unit is" in p for p in shown), shown


@pytest.mark.parametrize("typed,expected", [
    ("1,234.5", 1234.5), ("１２３４．５", 1234.5), ("１，２３４", 1234), (" 98 ", 98), ("2.5e3", 2500), ("91.5%", 91.5),
])
def test_numbers_stored_as_text_read_by_the_documented_rule(typed, expected):
    metric = _share_metric()
    wb = open_wb(workbook_bytes(example(XINHE)))
    ws, r, vc, uc = _reported(wb, metric)
    ws.cell(row=r, column=vc).value = typed
    ws.cell(row=r, column=vc).number_format = "@"
    ws.cell(row=r, column=uc).value = "%"
    assert _read(_bytes(wb)).data["reported"][metric]["value"] == pytest.approx(expected)


@pytest.mark.parametrize("typed,hint", [
    ("1,5", "a comma is read only as a thousands separator"),
    ("1.234,5", "a comma is read only as a thousands separator"),
    ("n/a", "leave the cell empty"),
    ("about 90", ""),
])
def test_ambiguous_text_numbers_are_refused_never_guessed(typed, hint):
    wb = open_wb(workbook_bytes(example(XINHE)))
    s = wb["Series"]
    r, c = row_of(s, "fresh_water"), col_of(s, "2015")
    s.cell(row=r, column=c).value = typed
    shown = _problems(_bytes(wb))
    cell = s.cell(row=r, column=c).coordinate
    assert any(p.endswith(f'Series!{cell}: expected a number, found "{typed}"' + (f" ({hint}" if hint else ""))
               or (hint and f"Series!{cell}: expected a number" in p and hint in p) for p in shown), shown


def _sheet_member(data: bytes, marker: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return next(n for n in z.namelist() if n.startswith("xl/worksheets/") and marker in z.read(n).decode())


def _rewrite(data: bytes, member: str, fn) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(info, fn(content) if info.filename == member else content)
    return out.getvalue()


def test_a_formula_without_a_saved_result_is_refused_with_what_to_do():
    wb = open_wb(workbook_bytes(example(XINHE)))
    s = wb["Series"]
    r, c = row_of(s, "fresh_water"), col_of(s, "2015")
    s.cell(row=r, column=c).value = f"={s.cell(row=r, column=c - 1).coordinate}*1.02"
    shown = _problems(_bytes(wb))
    cell = s.cell(row=r, column=c).coordinate
    assert any(f"Series!{cell}: a formula without a saved result" in p and "save it" in p for p in shown), shown


def test_a_formula_with_a_saved_result_is_read_as_that_result():
    wb = open_wb(workbook_bytes(example(XINHE)))
    s = wb["Series"]
    r, c = row_of(s, "fresh_water"), col_of(s, "2015")
    s.cell(row=r, column=c).value = "=1000*4321"
    data = _bytes(wb)
    member = _sheet_member(data, "<f>1000*4321</f>")
    # what Excel or LibreOffice writes on saving: the formula and its cached value
    data = _rewrite(data, member, lambda x: x.replace(b"<f>1000*4321</f><v />", b"<f>1000*4321</f><v>4321000</v>"))
    assert _read(data).data["series"]["fresh_water"]["values"]["2015"] == 4321000


@pytest.mark.parametrize("typed", [dt.date(2016, 3, 31), 42460, "2016-03-31", "2016/3/31", "2016年3月31日"])
def test_dates_as_date_cells_excel_serials_or_text(typed):
    wb = open_wb(workbook_bytes(example(XINHE)))
    z = wb["Zone"]
    cell = z.cell(row=row_of(z, "as_of"), column=3)
    cell.value = typed
    if isinstance(typed, int):
        cell.number_format = "General"     # a serial that lost its date format
    assert _read(_bytes(wb)).data["as_of"] == "2016-03-31"


@pytest.mark.parametrize("typed", ["31.03.2016", "2016-02-30", 10_000_000])
def test_a_date_that_is_not_one_is_refused_with_its_cell(typed):
    wb = open_wb(workbook_bytes(example(XINHE)))
    z = wb["Zone"]
    r = row_of(z, "as_of")
    z.cell(row=r, column=3).value = typed
    z.cell(row=r, column=3).number_format = "General"
    shown = _problems(_bytes(wb))
    assert any(f"Zone!C{r}:" in p and "date" in p for p in shown), shown


def test_a_program_merged_down_several_target_rows_applies_to_each():
    d = example("ctip-rizhao-etdz-2016")
    wb = open_wb(workbook_bytes(d))
    t = wb["Targets"]
    n = len(d["work_plans"]["ctip"]["targets"])
    for r in range(4, 3 + n):
        t.cell(row=r, column=1).value = None
    t.merge_cells(start_row=3, start_column=1, end_row=2 + n, end_column=1)
    got = _read(_bytes(wb)).data
    assert got["work_plans"]["ctip"]["targets"] == d["work_plans"]["ctip"]["targets"]


def test_a_value_merged_across_years_is_refused():
    wb = open_wb(workbook_bytes(example(XINHE)))
    s = wb["Series"]
    r, c = row_of(s, "fresh_water"), col_of(s, "2013")
    s.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + 2)
    shown = _problems(_bytes(wb))
    assert any(re.search(rf"Series!{s.cell(row=r, column=c).coordinate}: cells \S+ are merged across 3 columns", p)
               for p in shown), shown


def test_hidden_rows_and_sheets_are_read_like_any_other():
    d = example(XINHE)
    wb = open_wb(workbook_bytes(d))
    s = wb["Series"]
    s.row_dimensions[row_of(s, "fresh_water")].hidden = True
    wb["Reported"].sheet_state = "hidden"
    got = _read(_bytes(wb)).data
    assert got["series"]["fresh_water"] == d["series"]["fresh_water"]
    assert got["reported"] == d["reported"]


def test_trailing_empty_and_formatted_rows_are_ignored():
    d = example(XINHE)
    wb = open_wb(workbook_bytes(d))
    s = wb["Series"]
    for r in range(s.max_row + 1, s.max_row + 400):
        s.cell(row=r, column=3).number_format = "0.00"
        s.cell(row=r, column=5).value = "   "
    assert _read(_bytes(wb)).data == {k: v for k, v in d.items() if k != "$schema"}


def test_sheets_renamed_and_reordered_are_found_by_their_header():
    d = example("ctip-rizhao-etdz-2016")
    wb = open_wb(workbook_bytes(d))
    wb["Series"].title = "统计数据 2015"
    wb["Targets"].title = "My targets"
    wb.move_sheet("My targets", offset=-5)
    wb.move_sheet("Zone", offset=4)
    assert _read(_bytes(wb)).data == {k: v for k, v in d.items() if k != "$schema"}


def test_columns_moved_are_found_by_their_header():
    d = example(XINHE)
    wb = open_wb(workbook_bytes(d))
    s = wb["Series"]
    s.move_range(f"A1:A{s.max_row}", cols=s.max_column)   # the Quantity column moved to the far right
    assert _read(_bytes(wb)).data["series"] == d["series"]


def test_yes_no_in_either_language():
    wb = open_wb(workbook_bytes(example(XINHE)))
    e = wb["Eligibility"]
    r = row_of(e, "eligibility/regulations_enforced/value")
    for typed, expected in (("是", True), ("NO", False), (True, True)):
        e.cell(row=r, column=3).value = typed
        assert _read(_bytes(wb)).data["eligibility"]["regulations_enforced"]["value"] is expected
    e.cell(row=r, column=3).value = "maybe"
    assert any(f"Eligibility!C{r}: expected yes or no" in p for p in _problems(_bytes(wb)))


def test_common_unit_spellings_in_a_workbook():
    d = example(XINHE)
    wb = open_wb(workbook_bytes(d))
    s = wb["Series"]
    r = row_of(s, "energy_consumption")
    uc = s.cell(row=r, column=col_of(s, "Unit"))
    was = d["series"]["energy_consumption"]
    assert was["unit"] == "tce"
    uc.value = "万吨标煤"
    for c in range(1, s.max_column + 1):
        head = s.cell(row=2, column=c).value
        if isinstance(head, int) and str(head) in was["values"]:
            s.cell(row=r, column=c).value = was["values"][str(head)] / 10_000
    got = _read(_bytes(wb))
    assert got.data["series"]["energy_consumption"]["unit"] == "万吨标煤"
