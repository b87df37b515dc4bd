"""The audit trail as a file: exported from the workspace, embedded in the reviewed PDF by `parkcert report
--audit-trail`, checked on the way in (tampered or foreign trails are refused)."""
from __future__ import annotations

import json
import subprocess

import pytest

from engine import render
from engine.workspace import accounts, audit, versions
from engine.workspace.database import open_database

from ..conftest import EXAMPLES
from .conftest import CLI, store_args

FAILING = EXAMPLES / "failing-donghai-2016.json"
REVIEW = EXAMPLES / "failing-donghai-2016.review.yaml"
PASSWORD = "correct horse battery"


def upload(db, path=FAILING, username="donghai"):
    content = path.read_bytes()
    zone, name, as_of = versions.zone_of(content)
    with db.session() as s, s.begin():
        user = s.scalar(accounts.select(accounts.User).where(accounts.User.username == username))
        if user is None:
            user = accounts.add_user(s, CLI, username, "zone", PASSWORD, "Donghai zone office", [zone])
        v = versions.add_version(s, user, versions.Upload(path.name, "json", content, content, zone, name, as_of))
        return v.dossier_id


@pytest.fixture
def exported(run, db, db_url, tmp_path):
    dossier_id = upload(db)
    out = tmp_path / "trail.json"
    code, _, err = run("audit", "export", *store_args(db_url), "--dossier", dossier_id, "-o", out)
    assert code == 0, err
    return out


def test_export_is_one_dossiers_entries_with_their_hashes(exported, db, run, db_url, tmp_path):
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert doc["format"] == "parkcert-audit-trail/1"
    assert [e["action"] for e in doc["entries"]] == ["dossier.create", "version.upload"]
    assert doc["dossier"]["versions"][0]["sha256"] == json.loads(
        json.dumps(__import__("hashlib").sha256(FAILING.read_bytes()).hexdigest()))
    # the user.add entry is in the whole trail, not in the dossier's
    code, _, _ = run("audit", "export", *store_args(db_url), "-o", tmp_path / "all.json")
    assert [e["action"] for e in json.loads((tmp_path / "all.json").read_text())["entries"]][0] == "user.add"
    # same state, same bytes
    run("audit", "export", *store_args(db_url), "--dossier", "1", "-o", tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == exported.read_bytes()
    code, _, err = run("audit", "export", *store_args(db_url), "--dossier", "99", "-o", tmp_path / "x.json")
    assert code == 2 and "no dossier 99" in err and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_reviewed_pdf_embeds_the_trail_in_both_languages(exported, run, tmp_path):
    pdfs = {}
    for lang in ("en", "zh"):
        out = tmp_path / f"r.{lang}.pdf"
        code, _, err = run("report", FAILING, "--review", REVIEW, "--audit-trail", exported, "--date", "2016-09-20",
                           "--lang", lang, "-o", out)
        assert code == 0, err
        pdfs[lang] = out
    files = render.attachments(pdfs["en"].read_bytes())
    assert files["parkcert-audit-trail.json"] == exported.read_bytes()
    text = {lang: subprocess.run(["pdftotext", "-layout", p, "-"], capture_output=True, text=True, check=True).stdout
            for lang, p in pdfs.items()}
    assert "Audit trail" in text["en"] and "version uploaded" in text["en"] and "donghai" in text["en"]
    assert "审计记录" in text["zh"] and "上传版本" in text["zh"]
    # same files, same bytes: tests/workspace/test_web.py compares the workspace's PDF with the CLI's


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_tampered_or_foreign_trail_is_refused(exported, run, tmp_path):
    doc = json.loads(exported.read_text(encoding="utf-8"))
    doc["entries"][1]["actor"] = "someone else"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    code, _, err = run("report", FAILING, "--audit-trail", bad, "-o", tmp_path / "x.pdf")
    assert code == 2 and "tampered.json /entries/1" in err and "changed after it was exported" in err
    assert not (tmp_path / "x.pdf").exists()
    other = EXAMPLES / "certifiable-xinhe-2016.json"
    code, _, err = run("report", other, "--audit-trail", exported, "-o", tmp_path / "x.pdf")
    assert code == 2 and "not about this dossier" in err
    (tmp_path / "junk.json").write_text('{"format": "other"}', encoding="utf-8")
    code, _, err = run("report", FAILING, "--audit-trail", tmp_path / "junk.json", "-o", tmp_path / "x.pdf")
    assert code == 2 and "junk.json" in err and "Traceback" not in err


def test_verify_still_checks_the_whole_chain_after_uploads(db, run, db_url):
    upload(db)
    upload(db)
    with db.session() as s:
        n, broken = audit.verify(s)
    assert broken is None and n == 5   # user.add, dossier.create ×2, version.upload ×2
    assert "chain intact" in run("audit", "verify", *store_args(db_url))[1]
    again = open_database(database_url=db_url)
    again.close()
