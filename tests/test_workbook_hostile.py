"""Hostile workbooks: refused quickly, with bounded memory, with a clear message and nothing written."""
import io
import zipfile

import pytest

from engine import load
from engine.problems import InputError
from engine.validate import dossier_from_bytes
from engine.workbook import limits

from .workbook_helpers import example, workbook_bytes

XINHE = "certifiable-xinhe-2016"


def _problems(data: bytes) -> str:
    with pytest.raises(InputError) as e:
        dossier_from_bytes(data, "h.xlsx", load.catalogue(), load.pack_ids())
    return "\n".join(str(p) for p in e.value.problems)


def _replace_member(data: bytes, member: str, content: bytes, compress=zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as dst:
        for info in src.infolist():
            if info.filename != member:
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(member, content)
    return out.getvalue()


def _minimal_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced."""
    return _replace_member(workbook_bytes(example(XINHE)), "xl/worksheets/sheet1.xml", sheet_xml)


def test_openpyxl_parses_through_defusedxml():
    from openpyxl.xml import DEFUSEDXML
    assert DEFUSEDXML
    limits.assert_defused()


def test_an_xml_bomb_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                       for i in range(1, 10))
            + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
              b'<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    shown = _problems(_minimal_with_sheet(bomb))
    assert "h.xlsx: the workbook's XML declares entities or a DTD" in shown


def test_an_external_entity_is_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://' + str(secret).encode() + b'">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           b'<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')
    shown = _problems(_minimal_with_sheet(xxe))
    assert "TOP-SECRET-VALUE" not in shown and "entities or a DTD" in shown


def test_a_zip_bomb_is_refused_from_the_zip_directory():
    data = _replace_member(workbook_bytes(example(XINHE)), "xl/worksheets/sheet9.xml", b"<" + b" " * (60 * 2**20) + b">")
    assert len(data) < 2 * 2**20          # 60 MB of XML compress to almost nothing
    assert "unpacks to 60 MB; at most" in _problems(data)


def test_a_million_row_sheet_is_refused_before_parsing():
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 1_000_001))
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<dimension ref="A1:A1000000"/><sheetData>' + rows + b"</sheetData></worksheet>")
    shown = _problems(_minimal_with_sheet(sheet))
    assert "unpacks to" in shown or "1000000 rows" in shown


def test_a_lying_dimension_is_caught_after_parsing():
    """A sparse sheet whose far cell the dimension does not admit: no more than the limit is read."""
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/>'
             b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Field (do not edit)</t></is></c></row>'
             b'<row r="999999"><c r="A999999"><v>7</v></c></row></sheetData></worksheet>')
    shown = _problems(_minimal_with_sheet(sheet))
    assert "!A999999: data beyond the 2000 rows" in shown


def test_macros_are_never_executed_and_the_data_is_read(tmp_path, run):
    d = example(XINHE)
    data = _replace_member(workbook_bytes(d), "xl/vbaProject.bin", b"Attribute VB_Name = \"AutoOpen\"\nShell \"touch pwned\"")
    xlsm = tmp_path / "zone.xlsm"
    xlsm.write_bytes(data)
    code, _, err = run("import", xlsm, "-o", tmp_path / "zone.json")
    assert code == 0, err
    assert not (tmp_path / "pwned").exists()
    assert "vba" not in (tmp_path / "zone.json").read_text().lower()


@pytest.mark.parametrize("content,message", [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003 (.xls) or password-protected workbook"),
    (b"PK\x03\x04garbage", "a damaged zip file"),
    (b"%PDF-1.7 not a dossier", "malformed JSON"),
    (b"", "malformed JSON"),
])
def test_anything_not_a_workbook_is_refused_with_a_clear_message(content, message, tmp_path, run):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(content)
    code, _, err = run("check", bad)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_zip_that_is_not_a_workbook():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    assert "a zip file, not an Excel workbook" in _problems(out.getvalue())


def test_a_workbook_without_a_zone_sheet_says_what_it_expected():
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "my own numbers"
    out = io.BytesIO()
    wb.save(out)
    shown = _problems(out.getvalue())
    assert "no Zone sheet found" in shown and "parkcert template" in shown


def test_hostile_text_in_a_cell_stays_text(tmp_path, run):
    d = example(XINHE)
    d["zone"]["name"]["en"] = "<script>alert(1)</script> =cmd|' /C calc'!A0"
    xlsx = tmp_path / "z.xlsx"
    xlsx.write_bytes(workbook_bytes(d))
    code, out, err = run("import", xlsx, "-o", tmp_path / "z.json")
    assert code == 0, err
    import json
    assert json.loads((tmp_path / "z.json").read_text())["zone"]["name"]["en"] == d["zone"]["name"]["en"]
