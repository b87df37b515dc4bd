"""The shipped examples give the verdicts a zone and an auditor expect."""
import json

from jsonschema import Draft202012Validator

from engine.paths import SCHEMAS

from .conftest import EXAMPLES


def outcomes(doc, program="eip-integrated"):
    prog = next(p for p in doc["programs"] if p["program"] == program)
    return prog, {o["rule_id"]: o for o in prog["outcomes"]}


def check_json(run, name, *extra):
    code, out, _ = run("check", "--format", "json", EXAMPLES / f"{name}.json", *extra)
    return code, json.loads(out)


def test_certifiable_example_exits_0(run):
    code, out, _ = run("check", EXAMPLES / "certifiable-xinhe-2016.json")
    assert code == 0
    assert "CERTIFIABLE" in out and "NOT CERTIFIABLE" not in out


def test_failing_example_names_its_three_failing_rules_with_gaps(run):
    code, out, _ = run("check", EXAMPLES / "failing-donghai-2016.json")
    assert code == 1
    verdict = out.strip().splitlines()[-1] + out.strip().splitlines()[-2]
    assert "NOT CERTIFIABLE" in out
    for rule in ("EIP-I-2.2", "EIP-I-2.8", "EIP-I-4.4"):
        assert rule in verdict
    code, doc = check_json(run, "failing-donghai-2016")
    prog, by_id = outcomes(doc)
    assert prog["blocking"] == ["EIP-I-2.2", "EIP-I-2.8", "EIP-I-4.4"]
    energy = by_id["EIP-I-2.2"]
    assert energy["status"] == "fail"
    assert energy["value"] == 0.58 and energy["comparison"]["threshold"] == 0.5
    assert energy["gap"] == 0.08 and energy["gap_pct"] == 16.0
    assert energy["provenance"]["method"] == "derived"
    assert energy["provenance"]["formula"] == "energy_consumption / industrial_added_value"
    pointers = [i["pointer"] for i in energy["provenance"]["inputs"]]
    assert pointers == ["/series/energy_consumption/values/2015", "/series/industrial_added_value/values/2015"]
    cut = next(lv for lv in energy["levers"] if lv["quantity"] == "energy_consumption")
    assert round(cut["change"]) == -528_000 and cut["unit"] == "tce"
    assert "cut energy_consumption 2015 by 528,000 tce" in out


def test_missing_data_is_missing_never_a_pass(run):
    code, doc = check_json(run, "missing-data-qingjiang-2016")
    assert code == 1
    prog, by_id = outcomes(doc)
    assert prog["verdict"] == "incomplete"
    assert by_id["EIP-I-3.2"]["status"] == "missing"
    assert "/series/cod_emissions/values/2012" in by_id["EIP-I-3.2"]["reason"]
    assert by_id["EIP-I-4.5"]["status"] == "missing"
    assert by_id["EIP-I-G.6"]["status"] == "missing"
    assert set(prog["blocking"]) == {o for o, v in by_id.items() if v["status"] == "missing"}


def test_reported_value_that_disagrees_with_the_raw_series_carries_a_warning(run):
    _, doc = check_json(run, "missing-data-qingjiang-2016")
    _, by_id = outcomes(doc)
    energy = by_id["EIP-I-2.2"]
    assert energy["provenance"]["method"] == "reported"
    assert energy["value"] == 0.4
    assert any("differs by 4.8 %" in w and "0.42" in w for w in energy["warnings"])


def test_2011_assessment_applies_the_iav_growth_criterion(run):
    code, doc = check_json(run, "assessed-2011-beilun")
    prog, by_id = outcomes(doc)
    growth = by_id["EIP-I-1.2"]
    assert growth["status"] == "fail"
    assert growth["value"] == 12.00191323
    assert growth["provenance"]["period"] == [2007, 2010]
    assert prog["verdict"] == "not_certifiable" and code == 1
    assert {p["name"] for p in prog["provisional"]} == {"amendment_2012_date", "period_years"}


def test_same_dossier_assessed_after_the_amendment_drops_the_criterion(run):
    code, doc = check_json(run, "assessed-2011-beilun", "--as-of", "2012-03-01")
    prog, by_id = outcomes(doc)
    assert by_id["EIP-I-1.2"]["status"] == "not_applicable"
    assert prog["as_of"] == "2012-03-01"
    assert prog["verdict"] == "certifiable" and code == 0


def test_json_result_conforms_to_its_schema_and_is_traceable(run):
    validator = Draft202012Validator(json.loads((SCHEMAS / "result.schema.json").read_text()))
    for path in sorted(EXAMPLES.glob("*.json")):
        _, doc = check_json(run, path.stem)
        errors = list(validator.iter_errors(doc))
        assert not errors, errors[0].message
        assert len(doc["dossier"]["sha256"]) == 64
        assert doc["engine"]["evaluator"] == "durable_rules"
        assert all(len(p["rules_sha256"]) == 64 and p["pack_version"] for p in doc["programs"])


def test_every_outcome_explains_itself(run):
    for path in sorted(EXAMPLES.glob("*.json")):
        _, doc = check_json(run, path.stem)
        for o in doc["programs"][0]["outcomes"]:
            assert o["clause"] and o["source"]
            if o["status"] in ("pass", "fail"):
                assert o["value"] is not None and o["comparison"]["threshold"] is not None
                assert o["provenance"]["inputs"], o["rule_id"]
            if o["status"] == "fail" and not isinstance(o["value"], bool):
                assert o["gap"] > 0 or (o["gap"] == 0 and o["comparison"]["op"] in ("lt", "gt"))
            if o["status"] in ("missing", "not_applicable"):
                assert o["reason"]


def test_text_and_json_agree_on_the_engine_used(run):
    code_d, doc_d = check_json(run, "failing-donghai-2016")
    code_p, doc_p = check_json(run, "failing-donghai-2016", "--engine", "python")
    assert code_d == code_p
    strip = lambda d: [(o["rule_id"], o["status"], o["value"]) for o in d["programs"][0]["outcomes"]]  # noqa: E731
    assert strip(doc_d) == strip(doc_p)
    assert doc_p["engine"]["evaluator"] == "python"


def test_several_dossiers_in_one_check(run):
    code, out, _ = run("check", "--format", "json", EXAMPLES / "certifiable-xinhe-2016.json",
                       EXAMPLES / "failing-donghai-2016.json")
    docs = json.loads(out)
    assert [d["programs"][0]["verdict"] for d in docs] == ["certifiable", "not_certifiable"]
    assert code == 1
