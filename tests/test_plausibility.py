"""Plausibility warnings: values that pass validation but were probably typed wrong (issue 9.8, issue 11.6)."""
import copy

import pytest

from engine import load, plausibility

from .conftest import EXAMPLES as EXAMPLES_DIR


@pytest.fixture(scope="module")
def cat():
    return load.catalogue()


def _codes(ws):
    return [(w.code, w.pointer) for w in ws]


def test_shipped_examples_raise_no_warning(cat, example):
    for name in ("certifiable-xinhe-2016", "failing-donghai-2016", "ctip-rizhao-etdz-2016", "multi-program-yunxi-2016",
                 "assessed-2011-beilun", "venous-dongjiang-2016", "sector-specific-nanhai-2016"):
        assert plausibility.warnings(example(name), cat) == [], name


def test_a_share_typed_as_a_fraction_in_percent_is_named_with_the_likely_value(cat, example):
    d = example("failing-donghai-2016")
    d["reported"]["public_satisfaction"] = {"value": 0.915, "unit": "%"}
    [w] = plausibility.warnings(d, cat)
    assert (w.code, w.pointer, w.value) == ("percent_as_fraction", "/reported/public_satisfaction/value", 0.915)
    assert "did you mean 91.5 %" in w.message_en.lower()
    assert "91.5%" in w.message_zh


def test_a_fraction_with_unit_1_is_accepted_silently(cat, example):
    d = example("failing-donghai-2016")
    d["reported"]["public_satisfaction"] = {"value": 0.915, "unit": "1"}
    assert plausibility.warnings(d, cat) == []


@pytest.mark.parametrize("value, warned", [(1.49, True), (1.5, False), (0, False), (12, False)])
def test_the_fraction_warning_boundary(cat, example, value, warned):
    d = example("failing-donghai-2016")
    d["reported"]["public_awareness"] = {"value": value, "unit": "%"}
    assert bool(plausibility.warnings(d, cat)) is warned


def test_a_small_growth_rate_is_not_a_share(cat, example):
    d = example("failing-donghai-2016")
    d["eligibility"]["gdp_growth"]["provincial"] = {"value": 0.9, "unit": "%"}
    assert plausibility.warnings(d, cat) == []


def test_a_share_above_100_percent_reported_or_derived(cat, example):
    d = example("failing-donghai-2016")
    d["reported"]["public_awareness"] = {"value": 91.5, "unit": "1"}      # 9150 %
    s = d["series"]["solid_waste_reused"]
    year = sorted(s["values"])[-1]
    gen = d["series"]["solid_waste_generated"]
    s["values"][year] = gen["values"][year] * 1.2
    s["unit"] = gen["unit"]
    ws = plausibility.warnings(d, cat)
    assert ("share_above_100", "/reported/public_awareness/value") in _codes(ws)
    derived = [w for w in ws if w.pointer == f"/series/solid_waste_reused/values/{year}"]
    assert derived and derived[0].code == "share_above_100" and "120 %" in derived[0].message_en


def test_a_tenfold_jump_in_a_series_names_the_year(cat, example):
    d = example("failing-donghai-2016")
    values = d["series"]["fresh_water"]["values"]
    years = sorted(values)
    values[years[-1]] = values[years[-2]] * 10.5
    [w] = [w for w in plausibility.warnings(d, cat) if w.code == "series_jump"]
    assert w.pointer == f"/series/fresh_water/values/{years[-1]}"
    assert f"from {years[-2]}" in w.message_en and "10.5x" in w.message_en
    values[years[-1]] = values[years[-2]] * 9.9
    assert not [w for w in plausibility.warnings(d, cat) if w.code == "series_jump"]


def test_a_unit_slip_downwards_is_a_jump_too(cat, example):
    d = example("failing-donghai-2016")
    values = d["series"]["energy_consumption"]["values"]
    years = sorted(values)
    values[years[-1]] = values[years[-2]] / 10000
    ws = plausibility.warnings(d, cat)
    assert ("series_jump", f"/series/energy_consumption/values/{years[-1]}") in _codes(ws)


def test_iav_smaller_than_the_energy_bill(cat, example):
    d = example("failing-donghai-2016")
    iav = d["series"]["industrial_added_value"]
    iav["unit"] = "万元"     # the numbers were 亿元: now 10,000 times too small for every year
    ws = [w for w in plausibility.warnings(d, cat) if w.code == "iav_below_energy_cost"]
    assert {w.pointer for w in ws} == {f"/series/industrial_added_value/values/{y}" for y in iav["values"]
                                       if str(y) in d["series"]["energy_consumption"]["values"]}
    assert "RMB/tce" in ws[0].message_en and "吨标准煤" in ws[0].message_zh


def test_warnings_never_fail_on_a_broken_dossier(cat, example):
    d = example("failing-donghai-2016")
    broken = copy.deepcopy(d)
    broken["series"]["fresh_water"] = {"unit": "parsecs", "values": {"2015": "lots", "x": None}}
    broken["reported"]["public_awareness"] = {"value": True}
    broken["work_plans"] = {"ctip": {"targets": [None, {"metric": "public_awareness", "base": 3}]}}
    plausibility.warnings(broken, cat)
    assert plausibility.warnings([], cat) == []


def test_no_message_uses_scientific_notation(cat, example):
    d = example("failing-donghai-2016")
    d["reported"]["public_awareness"] = {"value": 0.00001234, "unit": "%"}
    [w] = plausibility.warnings(d, cat)
    assert "e-" not in w.message_en and "0.00001234" in w.message_en


def _typed_as_fraction(example, write_dossier):
    d = example("failing-donghai-2016")
    d["reported"]["public_satisfaction"] = {"value": 0.915, "unit": "%"}
    return write_dossier(d)


def test_check_shows_the_warning_and_the_result_carries_it_without_changing_an_outcome(run, example, write_dossier):
    import json

    from jsonschema import Draft202012Validator

    from engine.paths import SCHEMAS
    path = _typed_as_fraction(example, write_dossier)
    code, out, _ = run("check", path)
    assert code == 1
    assert "/reported/public_satisfaction/value" in out and "91.5 %" in out
    _, raw, _ = run("check", "--format", "json", path)
    doc = json.loads(raw)
    assert not list(Draft202012Validator(json.loads((SCHEMAS / "result.schema.json").read_text())).iter_errors(doc))
    [w] = doc["plausibility"]
    assert w["pointer"] == "/reported/public_satisfaction/value" and w["value"] == 0.915 and "91.5%" in w["message"]["zh"]
    outcome = next(o for o in doc["programs"][0]["outcomes"] if o["metric"] == "public_satisfaction")
    assert outcome["status"] == "fail" and outcome["value"] == 0.915    # the warning changes nothing
    _, clean, _ = run("check", "--format", "json", EXAMPLES_DIR / "failing-donghai-2016.json")
    assert json.loads(clean)["plausibility"] == []


def test_the_pdf_lists_the_warning_in_both_languages(run, example, write_dossier, tmp_path):
    from pypdf import PdfReader
    path = _typed_as_fraction(example, write_dossier)
    for lang, words in (("en", "Did you mean 91.5 %"), ("zh", "是否应为91.5%")):
        pdf = tmp_path / f"r.{lang}.pdf"
        code, _, err = run("report", path, "--lang", lang, "-o", pdf)
        assert code == 0, err
        first = PdfReader(pdf).pages[0].extract_text().replace("\n", "")
        assert "/reported/public_satisfaction/value" in first and words in first
