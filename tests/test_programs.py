"""CTIP, low-carbon, sector-specific and venous programs; one dossier against all of them; the subsidy portfolio."""
import csv
import io
import json

import pytest

from .conftest import EXAMPLES


def check(run, path, *extra):
    code, out, err = run("check", "--format", "json", path, *extra)
    assert code in (0, 1), err
    return code, json.loads(out)


def program(doc, pid):
    p = next(p for p in doc["programs"] if p["program"] == pid)
    return p, {o["rule_id"]: o for o in p["outcomes"]}


def test_tianjin_meets_exactly_90_percent_of_its_own_targets(run):
    code, doc = check(run, EXAMPLES / "ctip-tianjin-teda-2011.json")
    p, by_id = program(doc, "ctip")
    detail = p["decision"]["detail"]
    assert (detail["targets_declared"], detail["targets_met"], detail["share_met_pct"]) == (10, 9, 90.0)
    assert p["verdict"] == "certifiable" and code == 0
    assert p["decision"]["labels"]["certifiable"]["en"].startswith("TARGETS MET")
    assert by_id["CTIP-3.2"]["status"] == "fail"          # wastewater recycling 86 % against 88 %
    so2 = by_id["CTIP-4.4"]                                # "n/c (-10 %)": base derived from the 2005 series
    assert so2["target"]["declared"] == "-10 % by 2010"
    assert so2["target"]["base_value"] == 12000 and so2["comparison"]["threshold"] == 10800
    assert so2["status"] == "pass" and so2["progress_pct"] == 125.0
    assert by_id["CTIP-1.1"]["status"] == "not_applicable"  # no target declared


def test_rizhao_misses_its_water_target_and_the_second_tranche(run):
    code, doc = check(run, EXAMPLES / "ctip-rizhao-etdz-2016.json")
    p, by_id = program(doc, "ctip")
    assert p["verdict"] == "not_certifiable" and code == 1
    assert p["blocking"] == ["CTIP-2.3"]
    water = by_id["CTIP-2.3"]
    assert water["target"]["declared"] == "-30 % by 2015"
    assert water["status"] == "fail" and water["comparison"]["op"] == "le"
    cod = by_id["CTIP-A2.2"]
    assert cod["comparison"]["threshold"] == 100 and cod["status"] == "pass"
    assert any("upper end is the binding target" in w for w in cod["warnings"])
    sub = p["decision"]["detail"]["subsidy"]
    assert [(t["id"], t["amount"], t["due"]) for t in sub["tranches"]] == [("first", 60.0, True), ("second", 60.0, False)]
    refund = p["decision"]["detail"]["refund"]
    assert refund["assessable"] and not refund["due"] and refund["review_date"] == "2015-10-30"
    assert {x["name"] for x in p["provisional"]} == {"substantial_progress"}


def test_refund_is_due_without_substantial_progress(run, example, write_dossier):
    d = example("ctip-rizhao-etdz-2016")
    d["series"]["energy_consumption"]["values"]["2015"] = 12_000_000   # energy intensity up instead of down
    d["series"]["fresh_water"]["values"]["2015"] = 140_000_000
    d["series"]["wastewater_recycled"]["values"]["2015"] = 60_000_000
    d["series"]["solid_waste_reused"]["values"]["2015"] = 3_900_000
    d["reported"]["pulp_paper_cod_concentration"]["value"] = 130
    _, doc = check(run, write_dossier(d))
    p, _ = program(doc, "ctip")
    refund = p["decision"]["detail"]["refund"]
    assert refund["due"] and refund["amount"] == 60.0 and refund["mean_progress_pct"] < 50


def test_a_target_not_yet_due_is_not_judged(run):
    _, doc = check(run, EXAMPLES / "multi-program-yunxi-2016.json")
    p, by_id = program(doc, "low-carbon")
    carbon = by_id["LC-I.1"]
    assert carbon["status"] == "not_applicable" and "due in 2016" in carbon["reason"]
    assert carbon["progress_pct"] == pytest.approx(76.31, abs=0.01)  # (1.053 − 1.265) / (0.987 − 1.265)


def test_low_carbon_work_plan_ambition_and_deadline(run):
    _, doc = check(run, EXAMPLES / "multi-program-yunxi-2016.json")
    p, by_id = program(doc, "low-carbon")
    assert by_id["LC-A.1"]["status"] == "pass" and by_id["LC-A.1"]["value"] == pytest.approx(7.948, abs=1e-3)
    assert by_id["LC-S.1"]["status"] == "pass" and by_id["LC-S.1"]["value"] == "2014-09-10"
    assert by_id["LC-ISC.2"]["status"] == "pass" and by_id["LC-ISC.1"]["status"] == "fail"
    assert p["verdict"] == "certifiable"      # ISC coverage and indicator attainment inform, they do not decide
    assert {x["name"] for x in p["provisional"]} == {"fyp12_carbon_intensity_annual_cut"}


@pytest.mark.parametrize("years, status", [
    ([2011, 2012, 2013], "pass"),          # the last three before a 2014 submission
    ([2006, 2007, 2008], "fail"),          # three years, not the last three
    ([2010, 2011, 2012], "fail"),
    ([2012, 2013, 2014], "fail"),          # 2014, the year of submission, is not a year of performance yet
    ([2010, 2011, 2012, 2013], "pass"),
])
def test_low_carbon_plan_describes_the_last_three_years_before_its_submission(run, example, write_dossier, years, status):
    d = example("multi-program-yunxi-2016")
    d["work_plans"]["low-carbon"]["sections"]["zone_description"]["performance_years"] = years
    _, doc = check(run, write_dossier(d))
    _, by_id = program(doc, "low-carbon")
    o = by_id["LC-WP.1"]
    assert o["status"] == status, o
    assert "2011–2013" in o["provenance"]["formula"] and "2014-09-10" in o["provenance"]["formula"]


def test_program_all_gives_the_readiness_matrix_and_crosswalk(run):
    code, out, _ = run("check", "--program", "all", EXAMPLES / "multi-program-yunxi-2016.json")
    assert "Readiness across programs" in out and "← nearest" in out and "not for this zone type" in out
    _, doc = check(run, EXAMPLES / "multi-program-yunxi-2016.json", "--program", "all")
    r = doc["readiness"]
    assert r["nearest"] == "eip-integrated"
    verdicts = {row["program"]: row["verdict"] for row in r["programs"]}
    assert verdicts == {"eip-integrated": "certifiable", "ctip": "not_certifiable", "low-carbon": "certifiable",
                        "eip-sector": "not_for_zone_type", "eip-venous": "not_for_zone_type"}
    cats = {c["category"]: {m["metric"]: m for m in c["metrics"]} for c in r["crosswalk"]}
    assert set(cats) == {"land_population", "material_water_waste", "energy_emissions", "pollution", "administration"}
    shared = cats["material_water_waste"]["solid_waste_reuse_ratio"]
    assert shared["programs"] == {"eip-integrated": ["EIP-I-2.9"], "ctip": ["CTIP-3.1"]}
    # derived once: both programs report the same value with the same provenance
    _, eip = program(doc, "eip-integrated")
    _, ctip = program(doc, "ctip")
    assert eip["EIP-I-2.9"]["value"] == ctip["CTIP-3.1"]["value"] == shared["value"]


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
def test_every_example_gets_the_matrix(run, name):
    _, doc = check(run, EXAMPLES / f"{name}.json", "--program", "all")
    assert doc["readiness"]["nearest"] in {p["program"] for p in doc["programs"]}


def test_sector_specific_zone_is_checked_against_its_declared_benchmarks(run):
    code, doc = check(run, EXAMPLES / "sector-specific-nanhai-2016.json")
    p, by_id = program(doc, "eip-sector")
    reuse = by_id["EIP-S-2.8"]
    assert reuse["status"] == "fail" and reuse["comparison"]["kind"] == "benchmark"
    assert reuse["reference"]["inputs"][0]["pointer"] == "/benchmarks/water_reuse_ratio"
    assert "BREF" in reuse["reference"]["inputs"][0]["source"]["document"]
    assert p["blocking"] == ["EIP-S-2.8"] and code == 1


def test_summary_reproduces_table_a1_averages(run):
    code, out, _ = run("summary", EXAMPLES / "ctip-portfolio")
    assert code == 0
    assert "181.5" in out and "8.5 %" in out and "17 zones" in out
    code, out, _ = run("summary", "--format", "csv", EXAMPLES / "ctip-portfolio")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:6] == ["zone_id", "zone_en", "zone_zh", "subsidy_million_rmb", "investment_million_rmb", "share_pct"]
    assert rows[-1][0] == "AVERAGE" and rows[-1][3] == "181.5" and rows[-1][5] == "8.5"
    caofeidian = next(r for r in rows if r[1] == "Caofeidian Industrial Park")
    assert caofeidian[3:6] == ["146.5", "1384", "10.6"]


def test_summary_pdf_page(run, tmp_path):
    from pypdf import PdfReader
    out = tmp_path / "summary.pdf"
    code, _, _ = run("summary", EXAMPLES / "ctip-portfolio", "--pdf", out)
    assert code == 0
    text = PdfReader(out).pages[0].extract_text()
    assert "181.5" in text and "8.5 %" in text and "Caofeidian" in text


def bad(run, path):
    code, out, err = run("check", path)
    assert code == 2 and "Traceback" not in err
    return err


def test_target_without_direction(run, example, write_dossier):
    d = example("ctip-tianjin-teda-2011")
    del d["work_plans"]["ctip"]["targets"][3]["direction"]
    assert "/work_plans/ctip/targets/3: 'direction' is required" in bad(run, write_dossier(d))


def test_relative_target_without_base_value(run, example, write_dossier):
    d = example("ctip-tianjin-teda-2011")
    del d["series"]["so2_emissions"]["values"]["2005"]
    err = bad(run, write_dossier(d))
    assert "/work_plans/ctip/targets/8/base: a relative target needs a base value" in err
    assert "/series/so2_emissions/values/2005" in err


def test_benchmark_without_source(run, example, write_dossier):
    d = example("sector-specific-nanhai-2016")
    del d["benchmarks"]["energy_per_iav"]["source"]
    assert "/benchmarks/energy_per_iav: 'source' is required" in bad(run, write_dossier(d))


def test_work_plan_dated_after_the_assessment(run, example, write_dossier):
    d = example("ctip-rizhao-etdz-2016")
    d["work_plans"]["ctip"]["submitted"] = "2016-05-01"
    err = bad(run, write_dossier(d))
    assert "/work_plans/ctip/submitted: the work plan is dated 2016-05-01, after the assessment date 2016-03-31" in err
