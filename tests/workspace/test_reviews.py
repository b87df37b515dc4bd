"""Reviews stored in the exchange format: opening, editing with optimistic locking, approving, import and export
(the export is the file `parkcert check --review` reads, with the same reviewed outcomes)."""
from __future__ import annotations

import json
import threading

import pytest
import yaml

from engine import load
from engine.evaluate import check as check_programs
from engine.evaluate import evaluator
from engine.problems import InputError
from engine.result import document
from engine.validate import dossier_from_data
from engine.workspace import accounts, audit, reviews, versions
from engine.workspace.models import Review, User

from ..conftest import EXAMPLES
from .conftest import CLI
from .test_trail_report import PASSWORD, upload

FAILING = EXAMPLES / "failing-donghai-2016.json"


def outcomes(content: bytes, program="eip-integrated") -> list[dict]:
    d = dossier_from_data(json.loads(content), content, load.catalogue(), load.pack_ids())
    doc = document(check_programs(d, [load.pack(program)], load.catalogue(), engine=evaluator("python")), "python")
    return doc["programs"][0]["outcomes"]


@pytest.fixture
def panel(db):
    dossier_id = upload(db)
    with db.session() as s, s.begin():
        for name, role, shown in [("chen", "panel", "Chen Hui"), ("zhao", "panel", "Zhao Min"), ("wang", "chair", "Wang Li")]:
            accounts.add_user(s, CLI, name, role, PASSWORD, shown)
    with db.session() as s, s.begin():
        v = s.get(versions.Dossier, dossier_id).versions[0]
        chen = accounts.get_user(s, "chen")
        r = reviews.open_review(s, chen, v, "eip-integrated", outcomes(v.content))
        return r.id


def _user(s, name) -> User:
    return accounts.get_user(s, name)


def waive_44(lock):
    return reviews.ReviewEdit(lock=lock, decisions={"EIP-I-4.4": reviews.DecisionEdit(
        "waive", justification="Survey sample below the protocol's minimum; new survey in Q1 2017.",
        expires="2017-06-30", risk="low")}, meeting_date="2016-09-20", recommendation="approve_with_conditions")


def test_open_edit_approve_and_export_as_the_cli_reads_it(db, panel, run, tmp_path):
    with db.session() as s, s.begin():
        r = s.get(Review, panel)
        assert r.state == "draft" and set(r.document["decisions"]) >= {"EIP-I-2.2", "EIP-I-4.4"}
        reviews.edit_review(s, _user(s, "chen"), r, waive_44(r.lock), outcomes(r.version.content))
    with db.session() as s, s.begin():
        r = s.get(Review, panel)
        d = r.document["decisions"]["EIP-I-4.4"]
        assert (d["decision"], d["reviewer"], d["approver"], d["expires"]) == ("waive", "Chen Hui", "Wang Li", "2017-06-30")
        reviews.approve(s, _user(s, "wang"), r, r.lock)
    with db.session() as s:
        r = s.get(Review, panel)
        assert r.state == "approved"
        exported = reviews.export_yaml(r)
        content = r.version.content
    review_path = tmp_path / "review.yaml"
    review_path.write_bytes(exported)
    dossier_path = tmp_path / "dossier.json"
    dossier_path.write_bytes(content)
    code, out, err = run("check", dossier_path, "--review", review_path, "--format", "json")
    assert code == 1, err
    cli = {o["rule_id"]: o["status"] for o in json.loads(out)["programs"][0]["outcomes"]}
    assert cli["EIP-I-4.4"] == "waived" and cli["EIP-I-2.2"] == "fail"
    # the workspace's reading of the same document gives the same outcomes
    with db.session() as s:
        rv = reviews.parsed(s.get(Review, panel))
    assert rv.decisions["EIP-I-4.4"].decision == "waive"
    with db.session() as s:
        actions = [e.action for e in audit.entries(s, dossier_id=1)]
        assert actions == ["dossier.create", "version.upload", "review.open", "review.edit", "review.approve"]
        assert audit.verify(s)[1] is None


def test_two_editors_at_once_the_second_gets_a_conflict_and_keeps_its_edit(db, panel):
    with db.session() as s:
        seen = s.get(Review, panel).lock      # both open the form at this revision
    with db.session() as s, s.begin():
        r = s.get(Review, panel)
        reviews.edit_review(s, _user(s, "chen"), r, waive_44(seen), outcomes(r.version.content))
    mine = reviews.ReviewEdit(lock=seen, decisions={"EIP-I-2.2": reviews.DecisionEdit(
        "override", override_to="pass", justification="Audited energy data.")})
    with pytest.raises(reviews.Conflict) as caught, db.session() as s, s.begin():
        r = s.get(Review, panel)
        reviews.edit_review(s, _user(s, "zhao"), r, mine, outcomes(r.version.content))
    assert caught.value.mine.decisions["EIP-I-2.2"].override_to == "pass"         # handed back, not lost
    with db.session() as s:
        current = s.get(Review, caught.value.review_id)
        assert current.document["decisions"]["EIP-I-4.4"]["decision"] == "waive"
        assert current.document["decisions"]["EIP-I-2.2"]["decision"] == "confirm"


def test_racing_saves_one_wins_the_other_conflicts(db, panel):
    """Both pass the lock check; the database's version counter still lets only one through. (On SQLite the
    second transaction cannot even start before the first ends: BEGIN IMMEDIATE; it then sees the new lock.)"""
    with db.session() as s:
        seen = s.get(Review, panel).lock
        content = s.get(Review, panel).version.content
    outs = outcomes(content)
    barrier = threading.Barrier(2) if db.dialect == "postgresql" else None
    results = []

    def save(name, rule):
        try:
            with db.session() as s, s.begin():
                r = s.get(Review, panel)
                if barrier:
                    barrier.wait(timeout=10)
                reviews.edit_review(s, _user(s, name), r, reviews.ReviewEdit(lock=seen, decisions={
                    rule: reviews.DecisionEdit("not_applicable", justification="Not relevant to this zone.")}), outs)
            results.append("saved")
        except reviews.Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=a) for a in [("chen", "EIP-I-4.5"), ("zhao", "EIP-I-4.3")]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "saved"], results
    with db.session() as s:
        r = s.get(Review, panel)
        changed = [k for k, d in r.document["decisions"].items() if d["decision"] != "confirm"]
        assert len(changed) == 1 and r.lock == seen + 1
        assert audit.verify(s)[1] is None


def test_bad_edits_are_refused_whole_and_approved_reviews_are_frozen(db, panel):
    with pytest.raises(InputError) as caught, db.session() as s, s.begin():
        r = s.get(Review, panel)
        reviews.edit_review(s, _user(s, "chen"), r, reviews.ReviewEdit(lock=r.lock, decisions={
            "EIP-I-4.4": reviews.DecisionEdit("waive", justification="x"),            # no expiry
            "EIP-I-2.2": reviews.DecisionEdit("override")}), outcomes(r.version.content))   # no override_to
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "/decisions/EIP-I-4.4" in text and "expires" in text and "/decisions/EIP-I-2.2" in text
    with db.session() as s, s.begin():
        r = s.get(Review, panel)
        assert all(d["decision"] == "confirm" for d in r.document["decisions"].values())
        reviews.approve(s, _user(s, "wang"), r, r.lock)
    with pytest.raises(reviews.NotEditable), db.session() as s, s.begin():
        r = s.get(Review, panel)
        reviews.edit_review(s, _user(s, "chen"), r, waive_44(r.lock), [])


def test_import_of_an_exported_review_and_of_a_bad_file(db, panel):
    with db.session() as s, s.begin():
        v = s.get(Review, panel).version
        raw = (EXAMPLES / "failing-donghai-2016.review.yaml").read_bytes()
        r = reviews.import_yaml(s, _user(s, "zhao"), v, raw, "panel.yaml")
        assert r.id == panel and r.document["decisions"]["EIP-I-2.8"]["override_to"] == "pass"
    bad = yaml.safe_load(raw)
    bad["decisions"]["EIP-I-2.8"]["reviewer"] = "Somebody Else"
    del bad["panel"]["meeting_date"]
    with pytest.raises(InputError) as caught, db.session() as s, s.begin():
        reviews.import_yaml(s, _user(s, "zhao"), s.get(Review, panel).version,
                            yaml.safe_dump(bad, allow_unicode=True).encode(), "bad.yaml")
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "bad.yaml" in text and "meeting_date" in text


def test_import_of_a_review_with_unquoted_dates(db, panel):
    """Issue 9.1 in the workspace: `expires: 2017-06-30` unquoted is stored as the date it says, not a crash."""
    import re
    raw = re.sub(rb'"(\d{4}-\d{2}-\d{2})"', rb"\1", (EXAMPLES / "failing-donghai-2016.review.yaml").read_bytes())
    assert b"expires: 2017-06-30" in raw
    with db.session() as s, s.begin():
        r = reviews.import_yaml(s, _user(s, "zhao"), s.get(Review, panel).version, raw, "panel.yaml")
        assert r.document["decisions"]["EIP-I-4.4"]["expires"] == "2017-06-30"
        assert r.document["panel"]["meeting_date"] == "2016-09-20"


def test_a_review_carried_to_a_new_version_marks_the_decisions_whose_inputs_changed(db, panel):
    from .web_world import second_version
    with db.session() as s, s.begin():
        r1 = s.get(Review, panel)
        reviews.edit_review(s, _user(s, "chen"), r1, waive_44(r1.lock), outcomes(r1.version.content))
        content = second_version()
        v2 = versions.add_version(s, _user(s, "donghai"), versions.Upload("v2.json", "json", content, content,
                                                                          *versions.zone_of(content)), r1.version.dossier_id)
        r2 = reviews.open_review(s, _user(s, "zhao"), v2, "eip-integrated", outcomes(content), carry_from=r1)
        assert r2.document["dossier_sha256"] == v2.sha256
        assert r2.document["decisions"]["EIP-I-4.4"]["decision"] == "waive"          # carried, visibly
        changed = reviews.changed_inputs(r2, outcomes(content))
        assert "EIP-I-2.2" in changed and "EIP-I-4.4" not in changed
        # re-saving the decision on the new figures clears the mark
        reviews.edit_review(s, _user(s, "zhao"), r2, reviews.ReviewEdit(lock=r2.lock, decisions={
            "EIP-I-2.2": reviews.DecisionEdit("confirm")}), outcomes(content))
        assert "EIP-I-2.2" not in reviews.changed_inputs(r2, outcomes(content))
        r2_id = r2.id
    with db.session() as s:
        actions = [(e.action, e.after) for e in audit.entries(s, dossier_id=1)]
        assert any(a == "review.open" and '"carried_from_version":1' in after for a, after in actions)
        assert s.get(Review, r2_id).version.number == 2


def test_the_periodic_evaluation_score_gets_its_provisional_grade(db, panel, run, tmp_path):
    with db.session() as s, s.begin():
        r = s.get(Review, panel)
        reviews.edit_review(s, _user(s, "chen"), r, reviews.ReviewEdit(lock=r.lock, score=74.0, period="2013-2015"),
                            outcomes(r.version.content))
    with db.session() as s:
        r = s.get(Review, panel)
        (tmp_path / "r.yaml").write_bytes(reviews.export_yaml(r))
        (tmp_path / "d.json").write_bytes(r.version.content)
    code, out, _ = run("check", tmp_path / "d.json", "--review", tmp_path / "r.yaml", "--format", "json")
    grade = json.loads(out)["programs"][0]["review"]["grade"]
    assert grade["score"] == 74 and grade["grade"] == "qualified" and grade["provisional"]
