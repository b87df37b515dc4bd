"""Expert panel reviews: confirm, override, waive; both outcomes shown; errors named by field."""
import json

import yaml

from .conftest import EXAMPLES

DOSSIER = EXAMPLES / "failing-donghai-2016.json"
REVIEW = EXAMPLES / "failing-donghai-2016.review.yaml"


def reviewed(run, review=REVIEW, dossier=DOSSIER, *extra):
    code, out, err = run("check", "--format", "json", dossier, "--review", review, *extra)
    return code, (json.loads(out) if out.strip() else None), err


def write_review(tmp_path, change, name="review.yaml"):
    data = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_engine_and_panel_outcomes_side_by_side(run):
    code, doc, _ = reviewed(run)
    p = doc["programs"][0]
    by_id = {o["rule_id"]: o for o in p["outcomes"]}
    assert (by_id["EIP-I-2.8"]["engine_status"], by_id["EIP-I-2.8"]["status"]) == ("fail", "overridden")
    assert by_id["EIP-I-2.8"]["review"]["override_to"] == "pass"
    assert by_id["EIP-I-2.8"]["review"]["reviewer"] == "Chen Hui"
    assert (by_id["EIP-I-4.4"]["engine_status"], by_id["EIP-I-4.4"]["status"]) == ("fail", "waived")
    assert by_id["EIP-I-2.2"]["status"] == "fail" and by_id["EIP-I-2.2"]["review"]["decision"] == "confirm"
    # counted apart, never as a plain pass; the verdict follows the reviewed outcomes
    assert p["counts"] == {"pass": 27, "fail": 1, "missing": 0, "not_applicable": 1, "waived": 1, "overridden": 1}
    assert p["blocking"] == ["EIP-I-2.2"] and p["verdict"] == "not_certifiable" and code == 1
    assert p["review"]["meeting_date"] == "2016-09-20"
    assert p["review"]["grade"]["grade"] == "qualified" and p["review"]["grade"]["provisional"]


def test_text_never_shows_an_override_as_a_plain_pass(run):
    code, out, _ = run("check", DOSSIER, "--review", REVIEW)
    assert "OVERRIDDEN → pass" in out and "WAIVED" in out
    assert "reviewed by the panel on 2016-09-20" in out
    assert "score 74 → Qualified (provisional grade bands" in out


def test_overriding_the_last_failure_makes_the_zone_certifiable(run, tmp_path):
    def also_override_energy(d):
        d["decisions"]["EIP-I-2.2"] = {"decision": "override", "override_to": "pass", "reviewer": "Chen Hui",
                                       "approver": "Wang Li", "date": "2016-09-20",
                                       "justification": "Audited 2015 energy data replace the statistical estimate."}
    code, doc, _ = reviewed(run, write_review(tmp_path, also_override_energy))
    assert doc["programs"][0]["verdict"] == "certifiable" and code == 0


def test_an_override_to_fail_blocks(run, tmp_path):
    def fail_agency(d):
        d["decisions"]["EIP-I-G.4"] = {"decision": "override", "override_to": "fail", "reviewer": "Zhao Min",
                                       "approver": "Wang Li", "date": "2016-09-20",
                                       "justification": "The agency exists on paper only; no staff on site visit."}
    _, doc, _ = reviewed(run, write_review(tmp_path, fail_agency))
    assert "EIP-I-G.4" in doc["programs"][0]["blocking"]


def test_an_expired_waiver_no_longer_applies(run, tmp_path):
    path = write_review(tmp_path, lambda d: d["decisions"]["EIP-I-4.4"].update(expires="2016-06-29"))
    _, doc, _ = reviewed(run, path)
    o = next(o for o in doc["programs"][0]["outcomes"] if o["rule_id"] == "EIP-I-4.4")
    assert o["status"] == "fail" and o["review"]["expired"] is True
    assert "EIP-I-4.4" in doc["programs"][0]["blocking"]
    code, out, _ = run("check", DOSSIER, "--review", path)
    assert "waiver expired on 2016-06-29" in out


def test_review_of_another_version_of_the_dossier_names_the_changed_rules(run, example, write_dossier):
    d = example("failing-donghai-2016")
    d["series"]["energy_consumption"]["values"]["2015"] = 3_300_000
    code, _, err = reviewed(run, REVIEW, write_dossier(d))
    assert code == 2 and "Traceback" not in err
    assert "/dossier_sha256: the review is of another version of the dossier" in err
    assert "rules whose inputs changed since the review: EIP-I-2.2, EIP-I-2.3" in err


def test_review_errors_name_the_field(run, tmp_path):
    def break_it(d):
        d["decisions"]["EIP-I-9.9"] = {"decision": "confirm"}
        del d["decisions"]["EIP-I-4.4"]["justification"]
        d["decisions"]["EIP-I-2.8"]["approver"] = "Li Lei"
    code, _, err = reviewed(run, write_review(tmp_path, break_it))
    assert code == 2
    assert "/decisions/EIP-I-4.4: 'justification' is required" in err
    # the schema problems come first; fix them and the panel and rule problems show
    def break_members(d):
        d["decisions"]["EIP-I-2.8"]["approver"] = "Li Lei"
        d["decisions"]["EIP-I-9.9"] = {"decision": "confirm"}
    code, _, err = reviewed(run, write_review(tmp_path, break_members, "r2.yaml"))
    assert code == 2
    assert "/decisions/EIP-I-2.8/approver: 'Li Lei' is not a member of the panel" in err
    unknown = write_review(tmp_path, lambda d: d["decisions"].update({"EIP-I-9.9": {"decision": "confirm"}}), "r3.yaml")
    code, _, err = reviewed(run, unknown)
    assert code == 2 and "/decisions/EIP-I-9.9: unknown rule 'EIP-I-9.9' in eip-integrated" in err


def test_review_file_may_be_json(run, tmp_path):
    data = yaml.safe_load(REVIEW.read_text(encoding="utf-8"))
    path = tmp_path / "review.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, doc, _ = reviewed(run, path)
    assert doc["programs"][0]["counts"]["overridden"] == 1


def test_review_init_lists_every_outcome_as_confirm(run, tmp_path):
    out = tmp_path / "review.yaml"
    code, stdout, _ = run("review", "init", DOSSIER, "-o", out)
    assert code == 0 and "31 outcomes" in stdout
    text = out.read_text(encoding="utf-8")
    assert "EIP-I-2.2:   # Energy consumption per IAV: engine fail, value 0.58 tce/10^4 RMB, required ≤ 0.5" in text
    data = yaml.safe_load(text)
    assert len(data["decisions"]) == 31 and {d["decision"] for d in data["decisions"].values()} == {"confirm"}
    # the meeting date is the panel's to fill in; then the skeleton is a valid review that changes nothing
    code, _, err = reviewed(run, out)
    assert code == 2 and "the date of the panel meeting is required" in err
    out.write_text(text.replace("  meeting_date:", '  meeting_date: "2016-09-20"', 1), encoding="utf-8")
    code, doc, _ = reviewed(run, out)
    assert doc["programs"][0]["counts"]["fail"] == 3 and doc["programs"][0]["review"] is not None
    # and a panel's file is never overwritten by accident
    code, _, err = run("review", "init", DOSSIER, "-o", out)
    assert code == 2 and "exists already" in err


def test_reviewed_report_carries_the_review_and_verify_reapplies_it(run, tmp_path):
    from pypdf import PdfReader

    from engine import render
    out = tmp_path / "reviewed.pdf"
    code, _, err = run("report", DOSSIER, "--review", REVIEW, "-o", out)
    assert code == 0, err
    files = render.attachments(out.read_bytes())
    assert files["parkcert-review-eip-integrated.yaml"] == REVIEW.read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(out).pages[:2])
    assert "2016-09-20" in text          # a reviewed report is dated no earlier than the panel's meeting
    code, stdout, _ = run("verify", out)
    assert code == 0 and "verdict holds" in stdout and "review of 2016-09-20" in stdout
    assert "EIP-I-2.8" not in stdout      # re-run with the review: no rule changed its status


def test_review_init_shows_values_as_the_report_does_and_leaves_the_meeting_date_empty(run, tmp_path):
    out = tmp_path / "review.yaml"
    run("review", "init", DOSSIER, "-o", out)
    text = out.read_text(encoding="utf-8")
    comments = [line.split("#", 1)[1] for line in text.splitlines() if line.startswith("  EIP-")]
    assert not [c for c in comments if "True" in c or "False" in c or "value None" in c]
    assert any("value yes, required = yes" in c for c in comments)
    elasticity = next(c for c in comments if "elasticity on energy" in c)
    assert "value 0.5497, required < 0.6" in elasticity          # 4 significant digits, no unit "1"
    assert "required > 8 (gdp_growth_provincial)" in text
    assert yaml.safe_load(text)["panel"]["meeting_date"] is None


def test_a_decision_dated_after_the_meeting_is_named(run, tmp_path):
    def late(data):
        data["decisions"]["EIP-I-2.8"]["date"] = "2016-10-20"
    path = write_review(tmp_path, late)
    code, doc, err = reviewed(run, path)
    assert code == 1
    line = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if "2016-10-20" in x)
    assert f"{path}:{line} /decisions/EIP-I-2.8/date: decision dated 2016-10-20, after the panel meeting on 2016-09-20" in err
    assert doc["programs"][0]["review"]["warnings"][0]["pointer"] == "/decisions/EIP-I-2.8/date"
    code, out, _ = run("check", DOSSIER, "--review", path)
    assert "review warning /decisions/EIP-I-2.8/date" in out


def test_no_advice_to_close_a_gap_the_panel_overrode_or_waived(run):
    code, out, _ = run("check", DOSSIER, "--review", REVIEW)
    assert "EIP-I-2.2 to close the gap" in out          # still failing: advice stays
    assert "EIP-I-2.8 to close the gap" not in out and "EIP-I-4.4 to close the gap" not in out
