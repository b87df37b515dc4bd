"""Issue 9: a rejected upload's problems read in Chinese on the Chinese pages (the web pre-check, the panel workspace:
uploads, review files, review forms and its refusals), stay English on the English pages, the CLI and the API's
`message` (the API adds `message_zh` when asked).

Every problem line of a zh page must be Chinese: no Latin word outside what the user typed or must type (quoted
values, unit and metric ids in quotes), pointers, cells, file names, standard numbers and the names of file formats.
"""
from __future__ import annotations

import html
import json
import re

import pytest

from engine import glossary
from engine.assess import assess
from engine.problems import InputError

from .conftest import EXAMPLES
from .test_zh_reports import ABBREVIATIONS, ALLOWED, LATIN_WORD, PATHS
from .workbook_helpers import col_of, example, open_wb, row_of, workbook_bytes

# names of formats and tools a Chinese message writes as they are, and the JSON literals a user types
FORMATS = {"UTF-8", "UTF", "Unicode", "Excel", "LibreOffice", "XML", "DTD", "MB", "YYYY-MM-DD", "YYYY", "MM", "DD",
           "xlsx", "xls", "xlsb", "XLSX", "true", "false", "null", "NaN", "Infinity", "en", "zh",
           "--rules", "DIR", "PARKCERT_RULES", "rules", "parkcert", "template", "list", "ParkCert", "YAML"}
QUOTED = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"|“[^”]*”|`[^`]*`")


def latin_left(message: str) -> list[str]:
    """The Latin words of a zh message outside what the user typed or must type, places, files and formats."""
    rest = QUOTED.sub(" ", message)
    rest = PATHS.sub(" ", rest)
    rest = ALLOWED.sub(" ", rest)
    rest = re.sub(r"\b[A-Z]{1,3}\d+(?::[A-Z]{1,3}\d+)?\b", " ", rest)      # cells and ranges: B5, A1:C1
    rest = re.sub(r"\\u[0-9a-fA-F]{4}", " ", rest)                           # an escape shown as it is
    return [w for w in LATIN_WORD.findall(rest) if w not in ABBREVIATIONS | FORMATS]


def _messages(raw: bytes, name: str) -> list[str]:
    with pytest.raises(InputError) as e:
        assess(raw, name)
    return [p.message for p in e.value.problems]


# --- a dossier and a workbook with many kinds of problems ---------------------------------------------------------

def broken_dossier() -> bytes:
    d = example("ctip-rizhao-etdz-2016")
    d["eligibility"] = example("failing-donghai-2016")["eligibility"]
    d["as_of"] = "2016-06-31"                                     # not on the calendar
    d["zone"]["type"] = "harbour"                                 # not one of the zone types
    d["zone"]["programs"].append("ctip-x")                        # an unknown program
    d["zone"]["colour"] = "green"                                 # an unexpected field
    del d["zone"]["name"]                                         # a required field
    d["reference_year"] = "2015"                                  # text for a number
    series = d["series"]
    series["energy_consumptoin"] = {"unit": "tce", "values": {"2015": 1}}   # misspelt: the nearest names offered
    first = next(iter(series))
    series[first]["unit"] = "furlong"                             # a unit pint does not know
    series[first]["values"]["2014"] = -5                          # a negative quantity
    series[first]["values"]["2013"] = "abc"                       # text for a number
    series[first]["values"]["2017"] = 1                           # after the assessment date
    reported = d["reported"]
    reported["pulp_paper_cod_concentration"]["unit"] = "kg"      # not convertible
    reported["waste_collection_system"] = {"value": 3}            # a yes/no metric given a number
    reported["public_satisfaction"] = {"value": 90}               # no unit
    reported["ctip_plan_measures"] = {"value": True}              # read from the work plan, not reported
    reported["energy_per_iav"] = {"value": 0.5, "unit": "tce/10^4 RMB", "year": 2019}   # a year after as_of
    d["benchmarks"] = {"waste_collection_system": {"value": 1, "unit": "1"}}          # a yes/no benchmark
    elig = d["eligibility"]
    elig["iso14001"]["valid_to"] = "2012-01-01"                   # before valid_from
    elig["incidents"]["events"] = [{"date": "2016-08-01", "kind": "pollution_accident", "severity": "major"}]
    elig["gdp_growth"]["zone"]["unit"] = "t"                      # not a growth rate
    elig["environmental_agency"]["name"] = "x" * 10_001            # too long
    plan = d["work_plans"]["ctip"]
    plan["submitted"] = "2016-02-30"
    plan["approved"] = "1900-01-01"                               # out of the accepted range
    plan["subsidy"]["approval_date"] = "2016-07-01"               # after the assessment date: not a date problem
    plan["projects"][0]["investment"]["unit"] = "km2"
    targets = plan["targets"]
    targets[0]["metric"] = "energy_per_iav_x"
    targets[1]["target"]["year"] = 2005                           # before the base year
    targets.append(dict(targets[2]))                              # a second target for the same metric
    targets.append({"metric": "energy_per_iav", "direction": "lower", "base": {"year": 2010},
                    "target": {"year": 2015, "change_pt": -1}})   # percentage points on a non-% metric
    d["work_plans"]["ctip-x"] = {"title": "?"}
    return json.dumps(d, ensure_ascii=False, indent=2).encode("utf-8")


def broken_workbook() -> bytes:
    wb = open_wb(workbook_bytes(example("ctip-rizhao-etdz-2016")))
    ws = wb["Series"]
    r = row_of(ws, "energy_consumption")
    ws.cell(row=r, column=col_of(ws, "2015"), value="n/a")
    ws.cell(row=r, column=col_of(ws, "2015") - 1, value="1,5")
    ws.cell(row=r, column=col_of(ws, "Unit"), value="tce-ish")
    r2 = ws.max_row + 1
    ws.cell(row=r2, column=col_of(ws, "2015"), value=7)          # a value without a name
    s = ws.cell(row=row_of(ws, "fresh_water"), column=col_of(ws, "2015"))
    s.value = "=1+1"                                            # a formula never calculated
    zone = wb["Zone"]
    zone.cell(row=row_of(zone, "as_of"), column=3, value="31.03.2016")
    zone.cell(row=row_of(zone, "zone/type"), column=3, value="harbour")
    zone.cell(row=row_of(zone, "reference_year"), column=3, value="2015a")
    zone.cell(row=zone.max_row + 1, column=1, value="zone/colour")
    rep = wb["Reported"]
    rep.cell(row=rep.max_row + 1, column=1, value="public_satisfction")
    rep.cell(row=rep.max_row, column=col_of(rep, "Value"), value=95)
    rep.cell(row=rep.max_row, column=col_of(rep, "Unit"), value="%")
    import io
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- the pages ----------------------------------------------------------------------------------------------------

def _upload(raw: bytes, name: str, **data):
    return {"files": {"dossier": (name, raw)}, "data": data}


def _problem_rows(page: str) -> list[tuple[str, str]]:
    rows = re.findall(r'<tr class="problem"><td class="where"><code>(.*?)</code></td><td>(.*?)</td></tr>', page, re.S)
    return [(html.unescape(w), html.unescape(m)) for w, m in rows]


@pytest.mark.parametrize(("make", "name"), [(broken_dossier, "broken.json"), (broken_workbook, "broken.xlsx")])
def test_a_rejected_upload_lists_its_problems_in_chinese_on_the_chinese_page(web, make, name):
    raw = make()
    english = _messages(raw, name)
    assert len(english) >= 10
    zh = web.post("/check", **_upload(raw, name, lang="zh"))
    assert zh.status_code == 422
    rows = _problem_rows(zh.text)
    assert len(rows) == len(english)
    assert [m for _, m in rows] == [glossary.problem(m, "zh") for m in english]
    left = {m: latin_left(m) for _, m in rows if latin_left(m)}
    assert not left, "problems not in Chinese:\n" + "\n".join(f"{m}  <- {w}" for m, w in left.items())
    en = web.post("/check", **_upload(raw, name, lang="en"))
    assert [m for _, m in _problem_rows(en.text)] == english     # English as before, byte for byte


def test_the_workbooks_cells_and_the_dossiers_pointers_stay_where_they_are(web):
    rows = _problem_rows(web.post("/check", **_upload(broken_workbook(), "broken.xlsx", lang="zh")).text)
    where = dict(rows)
    assert any(w.startswith("broken.xlsx Series!") for w in where)
    unit = next(m for w, m in rows if "Series!" in w and "tce-ish" in m)
    assert unit.startswith("未知的单位 'tce-ish'（是否应为 ")
    rows = _problem_rows(web.post("/check", **_upload(broken_dossier(), "broken.json", lang="zh")).text)
    assert ("broken.json:6 /zone", "缺少必填字段 'name'") in rows or any(
        w.endswith(" /zone") and m == "缺少必填字段 'name'" for w, m in rows)
    typo = next(m for w, m in rows if w.endswith("/series/energy_consumptoin"))
    assert typo.startswith("未知的统计量 'energy_consumptoin'（是否应为 'energy_consumption'、")


def test_the_api_keeps_english_and_adds_chinese_when_asked(web):
    raw = broken_dossier()
    plain = web.post("/api/v1/check", files={"dossier": ("broken.json", raw)}).json()
    assert all("message_zh" not in p for p in plain["problems"])          # the 422 body as before
    asked = web.post("/api/v1/check", params={"lang": "zh"}, files={"dossier": ("broken.json", raw)}).json()
    assert [p["message"] for p in asked["problems"]] == [p["message"] for p in plain["problems"]]
    assert all(p["message_zh"] == glossary.problem(p["message"], "zh") for p in asked["problems"])
    assert all(re.search(r"[\u4e00-\u9fff]", p["message_zh"]) for p in asked["problems"])


# --- every message the code gives, and every form of the glossary ----------------------------------------------------

class _Seen:
    """A form's pattern that notes when it matches (glossary._problem calls fullmatch)."""

    def __init__(self, pattern, hits: set):
        self.pattern, self.hits = pattern, hits

    def fullmatch(self, text):
        m = self.pattern.fullmatch(text)
        if m:
            self.hits.add(self.pattern.pattern)
        return m


@pytest.fixture(scope="module")
def corpus(web, workspace):
    from .problem_corpus import messages
    return messages(web, workspace)


def test_every_message_the_code_gives_reads_in_chinese(corpus):
    assert len(corpus) > 100
    left = {}
    for message in corpus:
        zh = glossary.problem(message, "zh")
        if zh == message or latin_left(zh) or not re.search(r"[\u4e00-\u9fff]", zh):
            left[message] = zh
    assert not left, "\n".join(f"{en}\n    -> {zh}" for en, zh in left.items())
    assert all(glossary.problem(m, "en") == m for m in corpus)


def test_every_form_of_the_glossary_is_met_by_a_message_the_code_gives(corpus):
    forms = glossary._glossary()["problems"]
    hits: set[str] = set()
    for message in corpus:
        glossary._problem(message, [(_Seen(p, hits), r) for p, r in forms])
    unmet = [p.pattern for p, _ in forms if p.pattern not in hits]
    assert not unmet, "forms no message meets (the code no longer writes them?):\n" + "\n".join(unmet)


# --- the workspace and the server's own limits -------------------------------------------------------------------

@pytest.fixture(scope="module", params=["sqlite"])
def workspace(request, tmp_path_factory):
    from .workspace.web_world import served
    yield from served(request, tmp_path_factory, "problems-zh")


def test_a_workspace_upload_lists_its_problems_in_the_pages_language(workspace):
    from fastapi.testclient import TestClient

    from .workspace.web_world import csrf_of, login
    app, _, ids, _ = workspace
    zone = TestClient(app, base_url="http://127.0.0.1")
    assert login(zone, "zone-a").status_code == 303
    raw = broken_dossier()
    english = _messages(raw, "broken.json")
    for lang in ("zh", "en"):
        page = zone.get(f"/workspace/dossiers/{ids['dossier_a']}?lang={lang}").text
        r = zone.post(f"/workspace/dossiers/{ids['dossier_a']}/versions", data={"csrf": csrf_of(page), "lang": lang},
                      files={"dossier": ("broken.json", raw)})
        assert r.status_code == 422
        shown = [m for _, m in _problem_rows(r.text)]
        assert shown == [glossary.problem(m, lang) for m in english]
    assert not [m for m in shown if re.search(r"[\u4e00-\u9fff]", m)]          # the English page: English
    new = zone.post("/workspace/dossiers", data={"csrf": csrf_of(zone.get("/workspace/?lang=zh").text), "lang": "zh"},
                    files={"dossier": ("other.json", (EXAMPLES / "certifiable-xinhe-2016.json").read_bytes())})
    assert new.status_code == 422
    (row,) = _problem_rows(new.text)
    assert row[1].startswith("该申报材料属于园区 'CN-") and "您只能为以下园区上传：'CN-SD-DHHTZ'" in row[1]


def test_a_too_large_upload_is_refused_in_the_pages_language(web):
    from engine.web.settings import Settings
    limit = Settings().max_request_bytes
    form = web.get("/?lang=zh").text
    action = re.search(r'<form class="card upload" id="upload" method="post" action="([^"]+)"', form)[1]
    assert action == "/check?lang=zh"                  # the page's language travels with the upload
    r = web.post(action, files={"dossier": ("big.json", b" " * (limit + 1))})
    assert r.status_code == 413
    message = _error_message(r)
    assert message.startswith("请求超过了") and not latin_left(message)
    r = web.post("/check?lang=en", files={"dossier": ("big.json", b" " * (limit + 1))})
    assert "the request is larger than the limit" in r.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_save_over_another_members_save_is_a_conflict_page_in_the_pages_language(workspace, lang):
    from engine.workspace.views import label_set as ws_labels
    _, _, ids, _ = workspace
    chen, wang = _panel_client(workspace, "panel"), _panel_client(workspace, "chair")
    url = f"/workspace/reviews/{ids['draft']}?lang={lang}"

    def hidden(page: str) -> dict:
        form = page.split('id="review-form">', 1)[1].split("</form>", 1)[0]
        return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))

    page = chen.get(url).text
    action, _ = _form(page, "review-form")
    assert action.endswith(f"?lang={lang}")
    mine, theirs = hidden(page), hidden(wang.get(url).text)                # both opened the same revision
    rule = re.search(r'name="decision\.([^"]+)"', page)[1]
    assert wang.post(action, data={**theirs, f"comments.{rule}": f"seen ({lang})"}, follow_redirects=False).status_code == 303
    r = chen.post(action, data={**mine, f"comments.{rule}": f"mine ({lang})"}, headers=_other(lang))
    assert r.status_code == 409
    t = ws_labels(lang)
    assert t["conflict_title"] in r.text and t["conflict_text"] in r.text and f"mine ({lang})" in r.text
    assert r.text.startswith(f"<!DOCTYPE html>\n<html lang=\"{'zh-Hans' if lang == 'zh' else 'en'}\">")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_too_large_workspace_upload_is_refused_in_the_pages_language(workspace, lang):
    from engine.web.settings import Settings
    from engine.web.views import label_set
    _, _, ids, _ = workspace
    zone = _panel_client(workspace, "zone-a")
    page = zone.get(f"/workspace/dossiers/{ids['dossier_a']}?lang={lang}").text
    action, fields = _form(page, "new-version")
    assert action == f"/workspace/dossiers/{ids['dossier_a']}/versions?lang={lang}"
    limit = Settings().max_request_bytes
    r = zone.post(action, data={**fields, "lang": lang}, files={"dossier": ("big.json", b" " * (limit + 1))},
                  headers=_other(lang))
    assert r.status_code == 413
    assert f"<h1>{label_set(lang)['error_413']}</h1>" in r.text
    from engine.web.middleware import too_large
    assert _error_message(r) == glossary.problem(too_large(limit).detail, lang)


def test_a_bad_option_on_an_error_page_reads_in_the_browsers_language(web):
    page = web.post("/check", **_upload((EXAMPLES / "failing-donghai-2016.json").read_bytes(), "zone.json",
                                        lang="en")).text
    fields = {"payload": re.search(r'name="payload" value="([^"]+)"', page)[1], "name": "zone.json", "lang": "zh",
              "date": "soon"}
    zh = web.post("/download/report", data=fields, headers={"accept-language": "zh-CN,zh;q=0.9"})
    en = web.post("/download/report", data=fields, headers={"accept-language": "en"})
    assert zh.status_code == en.status_code == 422
    assert _error_message(zh) == "date: 应为 YYYY-MM-DD 格式的日期，实际为'soon'"
    assert _error_message(en) == "date: expected a date YYYY-MM-DD, found 'soon'"


def _error_message(response) -> str:
    return html.unescape(re.search(r'<pre class="message">(.*?)</pre>', response.text, re.S)[1])


# --- the workspace's reviews: an imported file, a form, the optimistic lock ------------------------------------------

def _panel_client(workspace, who: str):
    from fastapi.testclient import TestClient

    from .workspace.web_world import login
    client = TestClient(workspace[0], base_url="http://127.0.0.1")
    assert login(client, who).status_code == 303
    return client


def _form(page: str, form_id: str) -> tuple[str, dict]:
    """A form's action and hidden fields as the page gives them (the page's language travels in the action)."""
    from .workspace.web_world import csrf_of
    tag = re.search(rf'<form [^>]*id="{form_id}"[^>]*>', page)[0]
    action = html.unescape(re.search(r'action="([^"]+)"', tag)[1])
    lock = re.search(rf'id="{form_id}">.*?name="lock" value="(\d+)"', page, re.S)
    return action, {"csrf": csrf_of(page), **({"lock": lock[1]} if lock else {})}


def _other(lang: str) -> dict:
    """A browser asking for the other language: the page's own language must win."""
    return {"accept-language": "en" if lang == "zh" else "zh-CN,zh;q=0.9"}


def _broken_review() -> bytes:
    import yaml
    doc = yaml.safe_load((EXAMPLES / "failing-donghai-2016.review.yaml").read_bytes())
    doc["panel"]["meeting_date"] = None                            # left for the panel to fill in
    doc["decisions"]["EIP-I-2.8"]["decision"] = "maybe"
    doc["decisions"]["EIP-I-4.4"]["expires"] = "2017-02-30"       # not on the calendar
    doc["decisions"]["EIP-I-4.4"]["risk"] = "huge"
    doc["decisions"]["eip-i-9.9"] = {"decision": "confirm"}
    doc["colour"] = "green"
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_imported_broken_review_lists_its_problems_in_the_pages_language(workspace, lang):
    from engine import review
    from engine.web.views import label_set, problem_text
    _, _, ids, _ = workspace
    panel = _panel_client(workspace, "panel")

    def refused(body: bytes) -> str:
        action, fields = _form(panel.get(f"/workspace/versions/{ids['v2']}?lang={lang}").text, "import-review")
        assert action.endswith(f"?lang={lang}")
        r = panel.post(action, data={**fields, "lang": lang}, files={"review": ("panel.yaml", body)}, headers=_other(lang))
        assert r.status_code == 422
        assert f"<h1>{label_set(lang)['error_422']}</h1>" in r.text
        shown = _error_message(r)
        messages = [line.split(": ", 1)[1] for line in shown.splitlines()]
        if lang == "zh":
            left = {m: latin_left(m) for m in messages if latin_left(m)}
            assert not left, left
            assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages)
        else:
            assert not [m for m in messages if re.search(r"[\u4e00-\u9fff]", m)]
        return shown

    broken = _broken_review()
    with pytest.raises(InputError) as e:
        review.review_from_bytes(broken, "panel.yaml")
    assert len(e.value.problems) >= 6
    assert refused(broken) == problem_text(e.value.problems, lang)
    # the example review is of version 1: imported into version 2 it is refused with the rules whose inputs changed
    (line,) = refused((EXAMPLES / "failing-donghai-2016.review.yaml").read_bytes()).splitlines()
    where, message = line.split(": ", 1)
    assert where.endswith(".eip-integrated.review.yaml /dossier_sha256")
    assert message.startswith({"zh": "该评审针对的是申报材料的另一个版本（评审时为 'e283541f2582…'，现为 '",
                               "en": "the review is of another version of the dossier (reviewed e283541f2582…, now "}[lang])
    assert message.endswith({"zh": "评审后输入发生变化的规则：'EIP-I-2.2'、'EIP-I-2.3'",
                             "en": "rules whose inputs changed since the review: EIP-I-2.2, EIP-I-2.3"}[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_stale_approval_and_a_bad_review_form_are_refused_in_the_pages_language(workspace, lang):
    _, _, ids, _ = workspace
    chair = _panel_client(workspace, "chair")
    url = f"/workspace/reviews/{ids['draft']}?lang={lang}"
    page = chair.get(url).text
    action, fields = _form(page, "approve-form")
    assert action.endswith(f"?lang={lang}")
    stale = str(int(fields["lock"]) - 1)                              # someone saved since this page was opened
    r = chair.post(action, data={**fields, "lock": stale, "lang": lang}, headers=_other(lang))
    assert r.status_code == 409
    english = "the review was changed since this page was opened: open it again, check the changes, then approve"
    assert _error_message(r) == glossary.problem(english, lang)
    assert (_error_message(r) == english) == (lang == "en")
    assert lang == "en" or not latin_left(_error_message(r))
    assert 'id="approved-line"' not in chair.get(url).text             # nothing approved
    # a review form with a score and a decision the form never offers: the page lists both, in its language
    action, fields = _form(page, "review-form")
    rule = re.search(r'name="decision\.([^"]+)"', page)[1]
    r = chair.post(action, data={**fields, "lang": lang, "score": "high", f"decision.{rule}": "maybe"}, headers=_other(lang))
    assert r.status_code == 422
    rows = _problem_rows(r.text)
    assert [w for w, _ in rows] == ["form /evaluation/score", f"form /decisions/{rule}/decision"]
    english = ["expected a number 0–100, found 'high'", "expected one of confirm, override, waive, not_applicable"]
    assert [m for _, m in rows] == [glossary.problem(m, lang) for m in english]
    if lang == "zh":
        assert [m for _, m in rows] == ["应为0至100之间的数字，实际为'high'",
                                        "应为以下之一：'confirm'、'override'、'waive'、'not_applicable'"]
