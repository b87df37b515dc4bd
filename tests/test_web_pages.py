"""The pages (engine.web) through httpx: upload, result, problems on the form, language, hostile text."""
import json
import re

import pytest

from .conftest import EXAMPLES

FAILING = EXAMPLES / "failing-donghai-2016.json"


def _upload(path_or_bytes, name="zone.json", **data):
    raw = path_or_bytes.read_bytes() if hasattr(path_or_bytes, "read_bytes") else path_or_bytes
    return {"files": {"dossier": (name, raw)}, "data": data}


def _rows(html: str, status: str) -> set[str]:
    return set(re.findall(rf'<tr class="rule {status}" [^>]*data-rule="([^"]+)"', html))


def test_the_form_speaks_the_browsers_language(web):
    en = web.get("/", headers={"accept-language": "en-GB,en;q=0.9"}).text
    zh = web.get("/", headers={"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"}).text
    assert 'lang="en"' in en and "Check the dossier" in en
    assert 'lang="zh-Hans"' in zh and "开始评估" in zh
    assert "开始评估" in web.get("/?lang=zh", headers={"accept-language": "en"}).text


def test_result_page_shows_failing_rules_with_gaps_and_levers(web, run):
    r = web.post("/check", **_upload(FAILING, FAILING.name, lang="en"))
    assert r.status_code == 200
    html = r.text
    code, out, _ = run("check", FAILING, "--format", "json")
    doc = json.loads(out)
    failing = {o["rule_id"] for p in doc["programs"] for o in p["outcomes"] if o["status"] == "fail"}
    assert failing and _rows(html, "fail") == failing
    assert _rows(html, "pass") == {o["rule_id"] for p in doc["programs"] for o in p["outcomes"] if o["status"] == "pass"}
    assert "NOT CERTIFIABLE" in html.upper()
    assert "To close the gap" in html and "cut " in html           # the change that closes a gap
    assert "where this value comes from" in html and "/series/" in html   # provenance on demand, with pointers
    assert 'src="data:image/svg+xml;base64,' in html                  # the report's charts
    assert doc["dossier"]["sha256"] in html


def test_result_page_in_chinese_and_all_programs_with_readiness(web):
    raw = (EXAMPLES / "multi-program-yunxi-2016.json").read_bytes()
    html = web.post("/check", **_upload(raw, "yunxi.json", lang="zh", program="all")).text
    assert 'lang="zh-Hans"' in html and "预评估结果" in html
    assert 'id="readiness"' in html and 'id="crosswalk"' in html


def test_bad_upload_lists_every_problem_on_the_form_with_the_options_kept(web, example):
    data = example("failing-donghai-2016")
    data["as_of"] = "not a date"
    data["zone"]["type"] = "harbour"
    r = web.post("/check", **_upload(json.dumps(data).encode(), "broken.json", lang="en", as_of="2016-05-01",
                                     program="eip-integrated"))
    assert r.status_code == 422
    html = r.text
    assert "The dossier could not be checked" in html and "broken.json" in html
    assert "/as_of" in html and "/zone/type" in html and "harbour" in html
    assert 'value="2016-05-01"' in html
    assert re.search(r'value="eip-integrated"\s+checked', html)
    assert 'id="upload"' in html                                      # the form is on the same page


def test_a_form_without_a_file_says_so(web):
    r = web.post("/check", data={"lang": "en"}, files={"dossier": ("", b"")})
    assert r.status_code == 422 and "dossier" in r.text


def test_hostile_dossier_text_is_shown_as_text(web, example):
    data = example("failing-donghai-2016")
    data["zone"]["name"]["en"] = '<script>alert(1)</script><img src="http://evil.example/x.png">'
    data["series"]["energy_consumption"]["source"] = {"document": '"><b>bold</b>', "page": 3}
    html = web.post("/check", **_upload(json.dumps(data).encode(), '<img src=x onerror=alert(1)>.json',
                                        lang="en")).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'src="http://evil.example' not in html and "<b>bold</b>" not in html
    assert "<img src=x onerror" not in html


def test_downloads_post_the_dossier_back_and_keep_nothing(web):
    page = web.post("/check", **_upload(FAILING, FAILING.name, lang="en")).text
    payload = re.search(r'name="payload" value="([^"]+)"', page)[1]
    fields = {"payload": payload, "name": FAILING.name, "lang": "zh"}
    pdf = web.post("/download/report", data=fields)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "failing-donghai-2016.zh.pdf" in pdf.headers["content-disposition"]
    result = web.post("/download/result", data=fields)
    assert json.loads(result.content)["dossier"]["file"] == FAILING.name
    switched = web.post("/check", data=fields)
    assert "预评估结果" in switched.text
    damaged = web.post("/check", data=dict(fields, payload="!!!"))
    assert damaged.status_code == 422 and "请重新上传文件" in damaged.text          # the zh page says it in Chinese


def test_a_large_dossier_survives_the_language_switch(web, example):
    import base64
    import os
    data = example("failing-donghai-2016")
    # incompressible text: the page's copy of the dossier is larger than a form field's usual 1 MB cap
    measures = [base64.b64encode(os.urandom(6_000)).decode() for _ in range(150)]
    data["work_plans"] = {"eip-integrated": {"submitted": "2016-01-01", "measures": measures}}
    raw = json.dumps(data).encode()
    page = web.post("/check", **_upload(raw, "big.json", lang="en"))
    assert page.status_code == 200
    payload = re.search(r'name="payload" value="([^"]+)"', page.text)[1]
    assert len(payload) > 1024 * 1024
    switched = web.post("/check", files={"payload": (None, payload), "name": (None, "big.json"),
                                         "lang": (None, "zh")})
    assert switched.status_code == 200 and "预评估结果" in switched.text


@pytest.mark.parametrize("name", ["multi-program-yunxi-2016", "ctip-tianjin-teda-2011", "missing-data-qingjiang-2016"])
def test_the_chinese_result_page_is_chinese(web, name):
    """As the zh report (tests/test_zh_reports.py): no Latin word outside the allow-list, the dossier's own text aside."""
    from .test_zh_reports import english_left
    path = EXAMPLES / f"{name}.json"
    html = web.post("/check", **_upload(path, path.name, lang="zh", program="all")).text
    # the switch to English names its language; the footer gives the source's title as published
    html = html.replace(">English<", "><").replace("Development of Eco-Efficient Industrial Parks in China: A review", "")
    left = english_left(html.replace("HTTP 接口（OpenAPI）", ""), json.loads(path.read_text(encoding="utf-8")))
    assert not left, "\n".join(left[:30])


@pytest.mark.parametrize("path", [FAILING, EXAMPLES / "ctip-rizhao-etdz-2016.json"], ids=lambda p: p.stem)
def test_the_chinese_result_page_uses_chinese_punctuation(web, path):
    """下载：, 判定规则：, 比较对象：, （阈值 ≤ 0.5）: the page's own colons and brackets after Chinese text are full-width."""
    page = web.post("/check", **_upload(path, path.name, lang="zh", program="all")).text
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&#34;", '"')
    dossier = json.loads(path.read_text(encoding="utf-8"))
    own = [s for s in re.findall(r'"([^"]{4,})"', json.dumps(dossier, ensure_ascii=False))]
    bad = [m.group(0) for m in re.finditer(r".{0,12}[\u4e00-\u9fff] ?[:;(](?![\d\-−≤≥<>=]).{0,12}", text)
           if not any(s in text[max(0, m.start() - 200):m.end() + 200] and m.group(0).strip()[:6] in s for s in own)]
    assert not bad, bad[:10]
