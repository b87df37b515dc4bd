"""The HTTP API (engine.web) through httpx: the same results and PDF bytes as the CLI, bad input as 422 lists."""
import asyncio
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from engine import load
from engine.web import jobs
from engine.web.errors import Busy
from engine.web.service import Service
from engine.web.settings import Settings

from .conftest import EXAMPLES

FAILING = EXAMPLES / "failing-donghai-2016.json"


def _upload(path, **data):
    return {"files": {"dossier": (path.name, path.read_bytes())}, "data": data}


def _cli_json(run, monkeypatch, name, *args) -> dict:
    monkeypatch.chdir(EXAMPLES)     # the CLI names the dossier as given: give it by file name, as an upload is
    code, out, _ = run("check", name, "--format", "json", *args)
    assert code in (0, 1)
    return json.loads(out)


def test_programs_lists_every_pack_with_its_rules(web):
    r = web.get("/api/v1/programs")
    assert r.status_code == 200
    got = {p["id"]: p for p in r.json()}
    assert sorted(got) == load.pack_ids()
    assert "EIP-I-2.2" in got["eip-integrated"]["rules"]
    assert got["eip-integrated"]["title"]["zh"]


@pytest.mark.parametrize("name,args", [("failing-donghai-2016.json", ()),
                                       ("multi-program-yunxi-2016.json", ("--program", "all")),
                                       ("assessed-2011-beilun.json", ("--as-of", "2012-06-30"))])
def test_check_answers_what_the_cli_prints(web, run, monkeypatch, name, args):
    query = {"program": args[1]} if args[:1] == ("--program",) else {"as_of": args[1]} if args else {}
    r = web.post("/api/v1/check", params=query, **_upload(EXAMPLES / name))
    assert r.status_code == 200, r.text
    assert r.json() == _cli_json(run, monkeypatch, name, *args)


def test_check_takes_a_json_body(web):
    raw = FAILING.read_bytes()
    r = web.post("/api/v1/check", content=raw, headers={"content-type": "application/json"})
    doc = r.json()
    assert doc["dossier"]["sha256"] == hashlib.sha256(raw).hexdigest()
    failing = {o["rule_id"] for p in doc["programs"] for o in p["outcomes"] if o["status"] == "fail"}
    assert failing and doc["programs"][0]["verdict"] == "not_certifiable"
    for o in doc["programs"][0]["outcomes"]:
        assert {"value", "unit", "comparison", "gap", "provenance", "clause"} <= set(o)


@pytest.mark.parametrize("lang,extra", [("en", {}), ("zh", {"date": "2016-09-20", "as_of": "2016-06-30"})])
def test_report_is_byte_identical_to_the_cli(web, run, tmp_path, monkeypatch, lang, extra):
    r = web.post("/api/v1/report", params={"lang": lang, **extra}, **_upload(FAILING))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    monkeypatch.chdir(EXAMPLES)
    out = tmp_path / "cli.pdf"
    args = ["--lang", lang] + [x for k, v in extra.items() for x in (("--as-of" if k == "as_of" else "--date"), v)]
    code, _, _ = run("report", FAILING.name, "-o", out, *args)
    assert code == 0
    assert r.content == out.read_bytes()


def test_bad_dossier_lists_every_problem_with_its_pointer(web, example):
    data = example("failing-donghai-2016")
    data["as_of"] = "2016-13-45"
    data["zone"]["type"] = "harbour"
    data["series"]["energy_consumption"]["unit"] = "furlong"
    r = web.post("/api/v1/check", json=data)
    assert r.status_code == 422
    body = r.json()
    pointers = {p["pointer"] for p in body["problems"]}
    assert {"/as_of", "/zone/type", "/series/energy_consumption/unit"} <= pointers
    for p in body["problems"]:
        assert set(p) == {"file", "pointer", "cell", "line", "expected", "found", "message"}
        assert p["file"] == "dossier.json"
    zone_type = next(p for p in body["problems"] if p["pointer"] == "/zone/type")
    assert zone_type["found"] and "harbour" in zone_type["found"]
    assert "Traceback" not in r.text


def test_malformed_json_names_line_and_column(web):
    r = web.post("/api/v1/check", files={"dossier": ("zone.json", b'{\n  "zone": ,\n}')})
    assert r.status_code == 422
    (p,) = r.json()["problems"]
    assert p["file"] == "zone.json" and p["line"] == 2 and "column" in p["message"]


def test_options_and_dossier_problems_come_together(web):
    r = web.post("/api/v1/check", params={"program": "no-such-program", "as_of": "2999-01-01"},
                 content=b'{"zone": 1}', headers={"content-type": "application/json"})
    assert r.status_code == 422
    text = json.dumps(r.json())
    assert "no-such-program" in text and "2999-01-01" in text and "/zone" in text


def test_a_query_parameter_of_the_wrong_kind_is_a_problem_too(web):
    r = web.post("/api/v1/report", params={"lang": "fr"}, **_upload(FAILING))
    assert r.status_code == 422
    assert r.json()["problems"][0]["file"] == "query"


def test_validate(web):
    ok = web.post("/api/v1/validate", **_upload(FAILING))
    assert ok.status_code == 200 and ok.json()["valid"] is True
    assert ok.json()["sha256"] == hashlib.sha256(FAILING.read_bytes()).hexdigest()
    bad = web.post("/api/v1/validate", json={"as_of": "2016-01-01"})
    assert bad.status_code == 422 and len(bad.json()["problems"]) >= 2


def test_rules_and_metrics(web):
    r = web.get("/api/v1/rules/EIP-I-2.2")
    assert r.status_code == 200
    rule = r.json()
    assert rule["clause"] and rule["threshold"] == 0.5
    assert rule["source"]["en"].startswith("IISD (2015)") and rule["source"]["zh"].startswith("IISD（2015）")
    assert web.get("/api/v1/rules/NOPE-1").status_code == 404
    metrics = {m["name"]: m for m in web.get("/api/v1/metrics").json()["metrics"]}
    assert "EIP-I-2.2" in metrics["energy_per_iav"]["rules"]
    assert metrics["energy_per_iav"]["formula"]


def test_missing_route_is_404_json_without_traceback(web):
    r = web.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert "nowhere" in r.json()["detail"]
    page = web.get("/nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_security_headers_everywhere(web):
    for r in (web.get("/"), web.get("/api/v1/programs"), web.get("/api/v1/nowhere")):
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"


def test_openapi_describes_the_api_and_docs_work_offline(web):
    spec = web.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert "Result" in spec["components"]["schemas"] and "Dossier" in spec["components"]["schemas"]
    docs = web.get("/docs").text
    assert "http://" not in docs and "https://" not in docs
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/static/docs.js"):
        assert asset in docs and web.get(asset).status_code == 200


def test_interleaved_requests_each_get_their_own_dossier(web):
    names = ["failing-donghai-2016", "certifiable-xinhe-2016", "missing-data-qingjiang-2016", "venous-dongjiang-2016"]
    raws = {n: (EXAMPLES / f"{n}.json").read_bytes() for n in names}
    alone = {n: web.post("/api/v1/check", files={"dossier": (n, raw)}).json() for n, raw in raws.items()}

    def post(n):
        return n, web.post("/api/v1/check", files={"dossier": (n, raws[n])}).json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, names * 6))
    for n, doc in answers:
        assert doc["dossier"]["sha256"] == hashlib.sha256(raws[n]).hexdigest()
        assert doc == alone[n]


def test_request_over_the_size_limit_is_413():
    from fastapi.testclient import TestClient

    from engine.web.app import create_app
    with TestClient(create_app(Settings(max_request_bytes=4096, check_processes=1))) as small:
        raw = FAILING.read_bytes()
        assert len(raw) > 4096
        r = small.post("/api/v1/check", content=raw, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "4,096 bytes" in r.json()["detail"]
        page = small.post("/check", files={"dossier": ("zone.json", raw)})
        assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
        assert small.post("/api/v1/validate", json={"as_of": "2016-01-01"}).status_code == 422   # small ones pass


def test_a_job_over_its_time_limit_gets_503_and_frees_its_process():
    import time
    svc = Service(Settings(check_processes=1, render_processes=1))
    try:
        async def scenario():
            with pytest.raises(Busy, match="longer than the limit"):
                await svc._run(svc.checks, 0.5, "The check", time.sleep, 600)
            # the one check process was replaced: the next check runs instead of waiting 600 s
            return await asyncio.wait_for(svc.check(jobs.validate, jobs.Job(FAILING.read_bytes(), "a.json")), 120)
        assert asyncio.run(scenario())["valid"] is True
    finally:
        svc.close()


def test_a_full_render_queue_gets_503():
    svc = Service(Settings(check_processes=1, render_processes=1, render_queue=1))
    try:
        assert svc._render_slots.acquire(blocking=False) and svc._render_slots.acquire(blocking=False)
        with pytest.raises(Busy, match="PDF reports are being made"):
            asyncio.run(svc.render(jobs.Job(FAILING.read_bytes(), "a.json"), "en", None))
    finally:
        svc.close()


def test_a_dossier_sent_as_curl_sends_it_is_read_as_json(web):
    # curl --data-binary @zone.json says application/x-www-form-urlencoded
    r = web.post("/api/v1/check", content=FAILING.read_bytes(),
                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200 and r.json()["dossier"]["sha256"] == hashlib.sha256(FAILING.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """The failing example as a filled workbook, written by `parkcert template --from`."""
    from click.testing import CliRunner

    from engine.cli import main
    out = tmp_path_factory.mktemp("wb") / "donghai.xlsx"
    r = CliRunner().invoke(main, ["template", "--from", str(FAILING), "-o", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return out


def test_a_workbook_checks_like_its_json_and_reports_like_the_cli(web, workbook, run, tmp_path):
    as_json = web.post("/api/v1/check", **_upload(FAILING)).json()
    as_xlsx = web.post("/api/v1/check", **_upload(workbook))
    assert as_xlsx.status_code == 200, as_xlsx.text
    doc = as_xlsx.json()
    assert doc["dossier"]["file"] == "donghai.xlsx"
    statuses = {o["rule_id"]: (o["status"], o["value"]) for p in doc["programs"] for o in p["outcomes"]}
    assert statuses == {o["rule_id"]: (o["status"], o["value"]) for p in as_json["programs"] for o in p["outcomes"]}
    pdf = web.post("/api/v1/report", **_upload(workbook))
    out = tmp_path / "cli.pdf"
    code, _, _ = run("report", workbook, "-o", out)
    assert code == 0 and pdf.content == out.read_bytes()


def test_a_blank_template_downloads_and_its_problems_name_cells(web):
    r = web.get("/template", params={"lang": "zh", "program": "eip-integrated"})
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert ".zh.xlsx" in r.headers["content-disposition"]
    bad = web.post("/api/v1/check", files={"dossier": ("blank.xlsx", r.content)})
    assert bad.status_code == 422
    assert any(p["cell"] for p in bad.json()["problems"]), bad.json()["problems"][:3]


def test_an_unexpected_error_is_500_without_a_traceback_and_with_the_headers():
    from fastapi.testclient import TestClient

    from engine.web.app import create_app
    app = create_app(Settings(check_processes=1))

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals at /srv/parkcert")

    @app.get("/boom")
    def page_boom():
        raise RuntimeError("secret internals at /srv/parkcert")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path, kind in (("/api/v1/boom", "application/json"), ("/boom", "text/html")):
            r = client.get(path)
            assert r.status_code == 500 and r.headers["content-type"].startswith(kind)
            assert "secret internals" not in r.text and "Traceback" not in r.text
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
