"""Dossier workbooks: the template, the round trip, and problems named by sheet and cell."""
import json

import pytest

from engine import load
from engine.problems import InputError
from engine.validate import canonical_json, dossier_from_bytes

from .workbook_helpers import EXAMPLES, col_of, example, open_wb, row_of, save, workbook_bytes

ALL_EXAMPLES = sorted(p for p in EXAMPLES.rglob("*.json") if p.parent.name != "provincial-demo")


def _read(data: bytes, name="dossier.xlsx"):
    return dossier_from_bytes(data, name, load.catalogue(), load.pack_ids())


def _without_schema_ref(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "$schema"}


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.stem)
def test_round_trip_every_example(path, tmp_path, run):
    """JSON -> template --from -> import gives back the same dossier (the relative $schema path aside)."""
    rules = ["--rules", EXAMPLES / "packs"] if path.parent.name == "packs" else []
    xlsx, out = tmp_path / "d.xlsx", tmp_path / "d.json"
    assert run("template", "-o", xlsx, "--from", path, *rules)[0] == 0
    code, stdout, err = run("import", xlsx, "-o", out, *rules)
    assert code == 0, err
    original = _without_schema_ref(json.loads(path.read_text(encoding="utf-8")))
    assert json.loads(out.read_text(encoding="utf-8")) == original


def test_round_trip_in_chinese():
    d = example("multi-program-yunxi-2016")
    got = _read(workbook_bytes(d, lang="zh")).data
    assert got == _without_schema_ref(d)


def test_a_workbook_checks_to_the_same_outcomes_as_its_json(run, tmp_path):
    src = EXAMPLES / "failing-donghai-2016.json"
    xlsx = tmp_path / "donghai.xlsx"
    run("template", "-o", xlsx, "--from", src)
    code_json, out_json, _ = run("check", "--format", "json", src)
    code_xlsx, out_xlsx, _ = run("check", "--format", "json", xlsx)
    assert code_json == code_xlsx == 1
    a, b = json.loads(out_json), json.loads(out_xlsx)
    assert [(p["program"], p["verdict"], [(o["rule_id"], o["status"], o["value"]) for o in p["outcomes"]])
            for p in a["programs"]] == \
           [(p["program"], p["verdict"], [(o["rule_id"], o["status"], o["value"]) for o in p["outcomes"]])
            for p in b["programs"]]


def test_the_sha256_of_a_workbook_is_that_of_the_json_import_writes(run, tmp_path):
    xlsx, out = tmp_path / "z.xlsx", tmp_path / "z.json"
    run("template", "-o", xlsx, "--from", EXAMPLES / "ctip-rizhao-etdz-2016.json")
    run("import", xlsx, "-o", out)
    import hashlib
    d = _read(xlsx.read_bytes())
    assert d.sha256 == hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(canonical_json(d.data)).hexdigest()


def test_validate_report_review_and_batch_accept_a_workbook(run, tmp_path):
    xlsx = tmp_path / "zone.xlsx"
    run("template", "-o", xlsx, "--from", EXAMPLES / "certifiable-xinhe-2016.json")
    assert run("validate", xlsx)[0] == 0
    code, out, err = run("review", "init", xlsx, "-o", tmp_path / "review.yaml")
    assert code == 0, err
    code, out, err = run("batch", tmp_path, "-o", tmp_path / "out")
    assert code == 0, err
    assert "CN-" in (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8-sig")


def test_report_of_a_workbook_attaches_the_imported_json(run, tmp_path):
    from engine import render
    xlsx, pdf = tmp_path / "zone.xlsx", tmp_path / "zone.pdf"
    run("template", "-o", xlsx, "--from", EXAMPLES / "certifiable-xinhe-2016.json")
    code, out, err = run("report", xlsx, "-o", pdf)
    assert code == 0, err
    attached = render.attachments(pdf.read_bytes())[render.DOSSIER_ATTACHMENT]
    assert json.loads(attached) == _without_schema_ref(example("certifiable-xinhe-2016"))
    assert run("verify", pdf)[0] == 0


def test_template_has_only_the_sheets_of_the_programs_asked_for(run, tmp_path):
    out = tmp_path / "ctip.xlsx"
    assert run("template", "-o", out, "--program", "ctip")[0] == 0
    wb = open_wb(out.read_bytes())
    assert "Benchmarks" not in wb.sheetnames and "Targets" in wb.sheetnames
    out2 = tmp_path / "sector.xlsx"
    run("template", "-o", out2, "--program", "eip-sector")
    wb2 = open_wb(out2.read_bytes())
    assert "Benchmarks" in wb2.sheetnames and "Targets" not in wb2.sheetnames


def test_template_in_chinese_puts_chinese_first(run, tmp_path):
    out = tmp_path / "zh.xlsx"
    assert run("template", "-o", out, "--lang", "zh")[0] == 0
    wb = open_wb(out.read_bytes())
    assert wb.sheetnames[0] == "填写说明" and "年度数据" in wb.sheetnames
    ws = wb["年度数据"]
    assert ws.cell(row=2, column=1).value.split("\n") == ["统计量", "Quantity"]
    assert ws.freeze_panes == "C3"


def test_template_rows_say_what_a_quantity_is_and_which_rules_use_it(tmp_path):
    wb = open_wb(workbook_bytes(programs=["eip-integrated"]))
    ws = wb["Series"]
    r = row_of(ws, "energy_consumption")
    help_text = ws.cell(row=r, column=ws.max_column).value
    assert "energy_per_iav = energy_consumption / industrial_added_value" in help_text
    rep = wb["Reported"]
    r = row_of(rep, "public_satisfaction") if "public_satisfaction" in load.catalogue().metrics else 3
    assert "Rules:" in rep.cell(row=r, column=rep.max_column).value
    unit_col = col_of(ws, "Unit")
    rules = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any(ws.cell(row=row_of(ws, "energy_consumption"), column=unit_col).coordinate in dv.sqref for dv in rules)


def test_a_new_metric_in_the_catalogue_appears_without_code_changes(tmp_path, monkeypatch):
    """The layout is derived: a metric a pack adds in its own folder has its row."""
    wb = open_wb(workbook_bytes(programs=["eip-integrated"]))
    n = wb["Reported"].max_row
    from engine.workbook import layout
    cat = load.catalogue()
    packs = [load.pack("eip-integrated"), load.pack("ctip")]
    lay = layout.build(cat, packs)
    assert len(lay.sheet("reported").rows) > n - 2


def test_template_refuses_to_overwrite_and_a_wrong_suffix(run, tmp_path):
    out = tmp_path / "a.xlsx"
    out.write_bytes(b"keep")
    code, _, err = run("template", "-o", out)
    assert code == 2 and "--force" in err and out.read_bytes() == b"keep"
    code, _, err = run("template", "-o", tmp_path / "a.xls")
    assert code == 2 and ".xlsx" in err


def test_problems_name_sheet_and_cell_all_at_once_and_nothing_is_written(run, tmp_path):
    wb = open_wb(workbook_bytes(example("ctip-rizhao-etdz-2016")))
    ws = wb["Series"]
    r = row_of(ws, "energy_consumption")
    ws.cell(row=r, column=col_of(ws, "2015"), value="n/a")
    ws.cell(row=r, column=col_of(ws, "Unit"), value="tce-ish")
    wb["Zone"].cell(row=row_of(wb["Zone"], "as_of"), column=3, value="31.03.2016")
    src = save(wb, tmp_path / "bad.xlsx")
    out = tmp_path / "bad.json"
    code, _, err = run("import", src, "-o", out)
    assert code == 2 and not out.exists() and "Traceback" not in err
    c2015 = ws.cell(row=r, column=col_of(ws, "2015")).coordinate
    cu = ws.cell(row=r, column=col_of(ws, "Unit")).coordinate
    assert f'Series!{c2015}: expected a number, found "n/a"' in err
    assert f"Series!{cu}: unknown unit 'tce-ish' (did you mean 'tce'" in err
    assert "Zone!C" in err and "expected a date" in err
    assert "3 problems" in err


def test_a_misspelt_metric_gets_the_nearest_names_not_all_of_them(run, tmp_path):
    wb = open_wb(workbook_bytes(example("certifiable-xinhe-2016")))
    ws = wb["Reported"]
    ws.cell(row=ws.max_row + 1, column=1, value="public_satisfction")
    ws.cell(row=ws.max_row, column=3, value=95)
    ws.cell(row=ws.max_row, column=4, value="%")
    src = save(wb, tmp_path / "typo.xlsx")
    code, _, err = run("validate", src)
    assert code == 2
    assert f"Reported!A{ws.max_row}: unknown metric 'public_satisfction' (did you mean 'public_satisfaction'" in err
    assert "energy_per_iav" not in err


def test_missing_required_field_points_at_its_cell(run, tmp_path):
    wb = open_wb(workbook_bytes(example("certifiable-xinhe-2016")))
    z = wb["Zone"]
    z.cell(row=row_of(z, "zone/id"), column=3).value = None
    src = save(wb, tmp_path / "noid.xlsx")
    code, _, err = run("check", src)
    assert code == 2 and f"Zone!C{row_of(z, 'zone/id')}: 'id' is required" in err


def test_import_refuses_a_json_file_and_keeps_existing_output(run, tmp_path):
    code, _, err = run("import", EXAMPLES / "certifiable-xinhe-2016.json", "-o", tmp_path / "x.json")
    assert code == 2 and "not an Excel workbook" in err
    xlsx = tmp_path / "x.xlsx"
    run("template", "-o", xlsx, "--from", EXAMPLES / "certifiable-xinhe-2016.json")
    (tmp_path / "x.json").write_text("mine")
    code, _, err = run("import", xlsx, "-o", tmp_path / "x.json")
    assert code == 2 and (tmp_path / "x.json").read_text() == "mine"


def test_reader_entry_point_dispatches_by_content_not_name():
    raw = (EXAMPLES / "certifiable-xinhe-2016.json").read_bytes()
    assert _read(raw, "looks.xlsx").zone_id == "CN-JS-XHETDZ"  # JSON content under an .xlsx name
    with pytest.raises(InputError) as e:
        _read(b"\xff\xfe\x00garbage", "x.json")
    assert "neither a JSON dossier" in str(e.value)


def test_import_shows_plausibility_warnings_with_their_cell(run, tmp_path):
    """A share typed as a fraction in a % row: a warning naming Sheet!CELL; the dossier is still written."""
    from .workbook_helpers import open_wb as _open
    d = example("certifiable-xinhe-2016")
    wb = _open(workbook_bytes(d))
    ws = wb["Reported"]
    r = row_of(ws, "public_satisfaction")
    ws.cell(row=r, column=col_of(ws, "Value")).value = 0.915
    ws.cell(row=r, column=col_of(ws, "Unit")).value = "%"
    src = save(wb, tmp_path / "fraction.xlsx")
    code, out, err = run("import", src, "-o", tmp_path / "fraction.json")
    assert code == 0
    cell = ws.cell(row=r, column=col_of(ws, "Value")).coordinate
    assert f"warning {src} Reported!{cell}:" in err and "91.5" in err


def test_check_text_json_and_pdf_name_the_cell_of_a_plausibility_warning(run, tmp_path):
    from engine import render

    from .workbook_helpers import open_wb as _open
    wb = _open(workbook_bytes(example("certifiable-xinhe-2016")))
    ws = wb["Reported"]
    r = row_of(ws, "public_satisfaction")
    ws.cell(row=r, column=col_of(ws, "Value")).value = 0.915
    cell = ws.cell(row=r, column=col_of(ws, "Value")).coordinate
    src = save(wb, tmp_path / "fraction.xlsx")
    code, out, err = run("check", src)
    assert f"Reported!{cell}:" in out
    code, out, err = run("check", "--format", "json", src)
    from engine import schema
    assert schema.problems("result.schema.json", json.loads(out)) == []
    warning = json.loads(out)["plausibility"][0]
    assert warning["cell"] == f"Reported!{cell}" and warning["pointer"].startswith("/reported/public_satisfaction")
    pdf = tmp_path / "fraction.pdf"
    assert run("report", src, "-o", pdf)[0] == 0
    from pypdf import PdfReader
    assert f"Reported!{cell}" in "".join(page.extract_text() for page in PdfReader(pdf).pages[:2])
    assert render.attachments(pdf.read_bytes())


def test_the_reader_entry_point_has_defaults_for_callers_that_only_have_bytes():
    from .workbook_helpers import workbook_bytes as wbytes
    d = dossier_from_bytes(wbytes(example("ctip-rizhao-etdz-2016")), "upload.xlsx")
    assert d.zone_id == "CN-SD-RZETDZ" and d.cells["/zone/id"] == "Zone!C3"


def test_a_blank_template_with_only_the_zone_filled_gives_a_minimal_dossier(tmp_path):
    """Pre-filled units, target rows and help text are not data: nothing spurious is imported."""
    wb = open_wb(workbook_bytes(programs=load.pack_ids()))
    z = wb["Zone"]
    for key, value in {"zone/id": "CN-X-1", "zone/name/en": "X", "zone/name/zh": "某", "zone/province/en": "Zhejiang",
                       "zone/city/en": "Huzhou", "zone/type": "sector-integrated", "zone/programs": "ctip， low-carbon",
                       "as_of": "2016-03-31"}.items():
        z.cell(row=row_of(z, key), column=3).value = value
    got = _read(save(wb, tmp_path / "blank.xlsx").read_bytes()).data
    assert got == {"schema_version": "1.0", "as_of": "2016-03-31",
                   "zone": {"id": "CN-X-1", "name": {"en": "X", "zh": "某"}, "province": "Zhejiang", "city": "Huzhou",
                            "type": "sector-integrated", "programs": ["ctip", "low-carbon"]}}
