"""The workspace through HTTP, on SQLite and PostgreSQL: the reviewed PDF and outcomes equal the CLI's on the
downloaded files; uploads, versions, conflicts, sign-in, CSRF, cookies, hostile text."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from engine.workspace.models import LoginSession, Version

from .web_world import FAILING, csrf_of, login, second_version, served

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    yield from served(request, tmp_path_factory, "web")


def client_for(world, username: str) -> TestClient:
    app = world[0]
    c = TestClient(app, base_url="http://127.0.0.1")
    assert login(c, username).status_code == 303
    return c


def filename(r) -> str:
    return re.search(r'filename="([^"]+)"', r.headers["content-disposition"]).group(1)


def test_reviewed_pdf_and_outcomes_are_the_clis_on_the_downloaded_files(world, run, tmp_path, monkeypatch):
    _, _, ids, _ = world
    zone = client_for(world, "zone-a")
    page = zone.get(f"/workspace/reviews/{ids['approved']}")
    assert page.status_code == 200 and 'id="reviewed-verdict"' in page.text
    shown = dict(re.findall(r'id="reviewed-([A-Z0-9.-]+)">([^<]+)<', page.text))
    files = {}
    for what in ("review.yaml", "audit-trail.json"):
        r = zone.get(f"/workspace/reviews/{ids['approved']}/{what}")
        files[what] = filename(r)
        (tmp_path / filename(r)).write_bytes(r.content)
    r = zone.get(f"/workspace/versions/{ids['v1']}/dossier.json")
    dossier = filename(r)
    (tmp_path / dossier).write_bytes(r.content)
    assert r.content == FAILING.read_bytes()            # kept unchanged
    pdf = zone.get(f"/workspace/reviews/{ids['approved']}/report.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    # the page tells the command that makes the same file
    cli = re.search(r"<code>(parkcert report [^<]+)</code>", page.text).group(1).replace("&#39;", "'")
    day = re.search(r"--date (\S+)", cli).group(1)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("check", dossier, "--review", files["review.yaml"], "--format", "json")
    assert code == 1, err
    cli_statuses = {o["rule_id"]: o["status"] for o in json.loads(out)["programs"][0]["outcomes"]}
    labels = {"pass": "pass", "fail": "fail", "waived": "waived", "overridden": "overridden",
              "not_applicable": "not applicable", "missing": "missing"}
    assert {k: labels[v] for k, v in cli_statuses.items()} == shown
    assert cli_statuses["EIP-I-4.4"] == "waived"
    code, _, err = run("report", dossier, "--review", files["review.yaml"], "--audit-trail", files["audit-trail.json"],
                       "--date", day, "--lang", "en", "-o", "cli.pdf")
    assert code == 0, err
    assert (tmp_path / "cli.pdf").read_bytes() == pdf.content


def test_a_bad_upload_lists_every_problem_and_keeps_nothing(world, example):
    _, db, ids, _ = world
    zone = client_for(world, "zone-a")
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Version))
    data = example("failing-donghai-2016")
    data["as_of"] = "2016-13-01"
    data["series"]["energy_consumption"]["unit"] = "barrels"
    r = zone.post(f"/workspace/dossiers/{ids['dossier_a']}/versions",
                  data={"csrf": zone.cookies and csrf_of(zone.get("/workspace/").text)},
                  files={"dossier": ("broken.json", json.dumps(data).encode())})
    assert r.status_code == 422
    assert "broken.json" in r.text and "/as_of" in r.text and "/series/energy_consumption/unit" in r.text
    assert "Traceback" not in r.text
    r = zone.post("/workspace/dossiers", data={"csrf": csrf_of(zone.get("/workspace/").text)},
                  files={"dossier": ("x.json", b'{"zone": ')})
    assert r.status_code == 422 and "malformed JSON at line 1" in r.text
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == before


def test_a_zone_uploads_only_for_its_own_zone(world):
    _, _, ids, _ = world
    other = client_for(world, "zone-b")
    r = other.post("/workspace/dossiers", data={"csrf": csrf_of(other.get("/workspace/").text)},
                   files={"dossier": ("donghai.json", FAILING.read_bytes())})
    assert r.status_code == 422 and "the dossier is for zone" in r.text


def test_a_new_version_shows_how_verdicts_and_gaps_moved(world):
    _, _, ids, _ = world
    zone = client_for(world, "zone-a")
    token = csrf_of(zone.get(f"/workspace/dossiers/{ids['dossier_a']}").text)
    r = zone.post(f"/workspace/dossiers/{ids['dossier_a']}/versions", data={"csrf": token},
                  files={"dossier": ("again.json", FAILING.read_bytes())}, follow_redirects=False)
    assert r.status_code == 303
    page = zone.get(r.headers["location"])
    assert "What changed since version 2" in page.text
    row = re.search(r'<tr class="change">.*?EIP-I-2.2.*?</tr>', page.text, re.S).group(0)
    assert "pass" in row and "fail" in row and "tce" in row
    # the same change in Chinese: the unit as Chinese statistics write it
    zh = zone.get(r.headers["location"].split("?")[0] + "?lang=zh").text
    row = re.search(r'<tr class="change">.*?EIP-I-2.2.*?</tr>', zh, re.S).group(0)
    assert "吨标准煤/万元" in row and "tce" not in row
    # the zone sees only approved reviews: version 1's (approved), not version 2's draft
    v2 = zone.get(f"/workspace/versions/{ids['v2']}")
    assert "No approved review yet" in v2.text
    v1 = zone.get(f"/workspace/versions/{ids['v1']}")
    assert 'id="reviewed-verdict-eip-integrated"' in v1.text


def _review_form(html: str) -> dict:
    """Every field of the review form as the browser would post it."""
    form = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        form[name] = value
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(2))
        form[m.group(1)] = sel.group(1) if sel else ""
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        form[name] = value
    for name, value in re.findall(r'<input name="([^"]+)" size="\d+" placeholder="[^"]*" value="([^"]*)"', html):
        form[name] = value
    for name, value in re.findall(r'<input type="date" name="([^"]+)" id="[^"]*" value="([^"]*)"', html):
        form[name] = value
    form["meeting_date"] = re.search(r'name="meeting_date" value="([^"]*)"', html).group(1)
    form["panel_name"] = re.search(r'name="panel_name" value="([^"]*)"', html).group(1)
    form["recommendation_text"] = ""
    return form


def test_two_members_at_once_the_second_gets_a_conflict_and_loses_nothing(world, tmp_path):
    _, db, ids, _ = world
    chen, wang = client_for(world, "panel"), client_for(world, "chair")
    url = f"/workspace/reviews/{ids['draft']}"
    form_chen = _review_form(chen.get(url).text)
    form_wang = _review_form(wang.get(url).text)          # both opened the same revision
    form_wang.update({"decision.EIP-I-4.4": "waive", "expires.EIP-I-4.4": "2017-06-30",
                      "justification.EIP-I-4.4": "Survey sample too small."})
    assert wang.post(url, data=form_wang, follow_redirects=False).status_code == 303
    form_chen.update({"decision.EIP-I-2.8": "override", "override_to.EIP-I-2.8": "pass",
                      "justification.EIP-I-2.8": "Cooling water metered separately."})
    r = chen.post(url, data=form_chen)
    assert r.status_code == 409 and 'id="conflict"' in r.text
    assert re.search(r'<span class="id">EIP-I-4.4</span>', r.text.split('id="conflict"')[1].split("</section>")[0])
    merged = _review_form(r.text)
    assert merged["decision.EIP-I-2.8"] == "override" and merged["override_to.EIP-I-2.8"] == "pass"   # mine, kept
    assert merged["decision.EIP-I-4.4"] == "waive"                                                   # theirs, kept
    assert chen.post(url, data=merged, follow_redirects=False).status_code == 303
    doc = yaml.safe_load(chen.get(url + "/review.yaml").content)
    assert doc["decisions"]["EIP-I-2.8"]["decision"] == "override"
    assert doc["decisions"]["EIP-I-4.4"]["decision"] == "waive"
    assert doc["decisions"]["EIP-I-2.8"]["reviewer"] == "Chen Hui"
    # a bad save is refused whole, the entries kept on the page
    bad = _review_form(chen.get(url).text)
    bad.update({"decision.EIP-I-2.2": "waive", "justification.EIP-I-2.2": "Pending audit."})    # no expiry date
    r = chen.post(url, data=bad)
    assert r.status_code == 422 and "/decisions/EIP-I-2.2" in r.text and "expires" in r.text
    assert _review_form(r.text)["justification.EIP-I-2.2"] == "Pending audit."
    # the chair approves; then nobody edits until it is reopened
    page = wang.get(url).text
    lock = re.search(r'id="approve-form">.*?name="lock" value="(\d+)"', page, re.S).group(1)
    r = wang.post(url + "/approve", data={"csrf": csrf_of(page), "lock": lock}, follow_redirects=False)
    assert r.status_code == 303
    page = wang.get(url).text
    assert "approved" in page and 'id="approved-line"' in page and "Wang Li" in page
    assert chen.post(url, data=merged).status_code == 409


def test_csrf_cookies_throttling_logout_and_expiry(world):
    app, db, ids, main = world
    c = client_for(world, "analyst")
    cookie = c.cookies.get("parkcert_session")
    # cookie flags
    fresh = TestClient(app, base_url="http://127.0.0.1")
    token = csrf_of(fresh.get("/workspace/login").text)
    r = fresh.post("/workspace/login", data={"csrf": token, "username": "analyst", "password": "correct horse battery"},
                   follow_redirects=False)
    set_cookie = r.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "max-age=" in set_cookie
    # a form without its token changes nothing
    r = c.post(f"/workspace/versions/{ids['v1']}/reviews", data={"program": "eip-integrated"})
    assert r.status_code == 403
    # throttling: five wrong passwords, then even the right one waits
    t = TestClient(app, base_url="http://127.0.0.1")
    for _ in range(5):
        assert login(t, "auditor", "wrong password here").status_code == 401
    r = login(t, "auditor")
    assert r.status_code == 429 and "15 minutes" in r.text
    # logout ends the session on the server: the old cookie no longer opens anything
    page = c.get("/workspace/").text
    assert c.post("/workspace/logout", data={"csrf": csrf_of(page)}, follow_redirects=False).status_code == 303
    stale = TestClient(app, base_url="http://127.0.0.1", cookies={"parkcert_session": cookie})
    r = stale.get("/workspace/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/workspace/login")
    # an expired session is the same as none
    with db.session() as s, s.begin():
        s.execute(update(LoginSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    r = fresh.get("/workspace/", follow_redirects=False)
    assert r.status_code == 303
    # a forged cookie too
    forged = TestClient(app, base_url="http://127.0.0.1", cookies={"parkcert_session": "abc.def.ghi"})
    assert forged.get("/workspace/", follow_redirects=False).status_code == 303


def test_hostile_text_in_a_review_is_shown_as_text(world):
    _, _, ids, _ = world
    chair = client_for(world, "chair")
    raw = (FAILING.parent / "failing-donghai-2016.review.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(raw)
    doc["decisions"]["EIP-I-2.8"]["justification"] = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    doc["panel"]["name"] = "<b>bold</b> panel"
    page = chair.get(f"/workspace/versions/{ids['v1']}").text
    body = yaml.safe_dump(doc, allow_unicode=True).encode()
    r = chair.post(f"/workspace/versions/{ids['v1']}/reviews/import", data={"csrf": csrf_of(page)},
                   files={"review": ("panel.yaml", body)})
    # version 1's review is approved: an import is refused until it is reopened, with a clear message
    assert r.status_code == 422 and "approved" in r.text
    review = chair.get(f"/workspace/reviews/{ids['draft']}").text
    if 'id="reopen-form"' in review:                # approved by the test before: the chair reopens it
        chair.post(f"/workspace/reviews/{ids['draft']}/reopen", data={"csrf": csrf_of(review)})
    page = chair.get(f"/workspace/versions/{ids['v2']}").text
    doc["dossier_sha256"] = hashlib.sha256(second_version()).hexdigest()
    body = yaml.safe_dump(doc, allow_unicode=True).encode()
    r = chair.post(f"/workspace/versions/{ids['v2']}/reviews/import", data={"csrf": csrf_of(page)},
                   files={"review": ("panel.yaml", body)})
    assert r.status_code == 200, r.text[:500]
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text and "&lt;b&gt;bold" in r.text
    assert "onerror=alert" not in r.text.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_a_workbook_upload_is_a_version_whose_dossier_is_what_parkcert_import_writes(world, run, tmp_path):
    _, db, ids, _ = world
    xlsx, imported = tmp_path / "donghai.xlsx", tmp_path / "donghai.json"
    assert run("template", "--from", FAILING, "-o", xlsx)[0] == 0
    assert run("import", xlsx, "-o", imported)[0] == 0
    zone = client_for(world, "zone-a")
    token = csrf_of(zone.get(f"/workspace/dossiers/{ids['dossier_a']}").text)
    r = zone.post(f"/workspace/dossiers/{ids['dossier_a']}/versions", data={"csrf": token},
                  files={"dossier": ("donghai.xlsx", xlsx.read_bytes())}, follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    version = int(r.headers["location"].split("/")[3].split("?")[0])
    with db.session() as s:
        v = s.get(Version, version)
        assert (v.upload_kind, v.upload) == ("xlsx", xlsx.read_bytes())         # the upload kept as sent
        assert v.content == imported.read_bytes()                              # the dossier the engine reads
    assert zone.get(f"/workspace/versions/{version}/dossier.json").content == imported.read_bytes()
