"""Every form of bad-input message a user can meet, produced by the code that writes it (never typed here): a JSON
dossier's bytes, schema and catalogue checks, the limits, a workbook's file and cells, the web upload and options,
the server's size and time limits, a workspace upload, a panel review (its file, its form and the workspace's refusals).
tests/test_problems_zh.py checks that each reads in Chinese
and that each form of the glossary's `problems:` section is met by one of them."""
from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import copy
import datetime as dt
import io
import json
import threading
import zipfile
import zlib
from types import SimpleNamespace

import openpyxl
import yaml

from engine import bounds, load, units
from engine.assess import assess, date_problems
from engine.problems import InputError
from engine.validate import parse_json
from engine.workbook import cells

from .workbook_helpers import col_of, example, open_wb, row_of, workbook_bytes


def _problems(fn, *args) -> list[str]:
    try:
        fn(*args)
    except InputError as e:
        return [p.message for p in e.problems]
    except (cells.CellError, units.UnitError) as e:
        return [str(e)]
    raise AssertionError(f"{fn.__name__}{args!r:.80} found no problem")


def _dossier(data) -> list[str]:
    return _problems(assess, json.dumps(data, ensure_ascii=False).encode("utf-8"), "zone.json")


def _json_bytes() -> list[str]:
    texts = [b"\xff{}", b'{"a": "\xc3("}', b'{"a": "\xc3', b"[" * 40 + b"]" * 40, b"{", b'{"a" 1}', b'{"a": 1 "b": 2}',
             b'{"a": "x', b'{"a": "\\x"}', b'{"a": "\\u12"}', b"{} 1", b'{"a": "\x01"}', b"",
             b" " * (bounds.MAX_DOSSIER_BYTES + 1)]
    return [m for t in texts for m in _problems(parse_json, t, "zone.json")]


def _values() -> list[str]:
    """What the value check refuses before the schema sees it."""
    d = example("failing-donghai-2016")
    d["zone"]["name"]["en"] = "x" * (bounds.MAX_STRING + 1)
    d["zone"]["name"]["zh"] = "\ud800"
    d["zone"]["attributes"] = {"\udc00": "x"}
    series = d["series"]["energy_consumption"]
    series["unit"] = "t" * (bounds.MAX_UNIT + 1)
    series["values"].update({"2012": float("nan"), "2013": float("inf"), "2014": 1e20})
    raw = json.dumps(d).replace('"2015": ', '"2015": 1' + "0" * 40 + ', "2015x": ', 1).encode()   # 41 digits
    return _problems(assess, raw, "zone.json")


def _schema() -> list[str]:
    d = example("failing-donghai-2016")
    d["schema_version"] = "2.0"
    d["as_of"] = "2016/06/30"
    d["reference_year"] = 2101
    d["zone"].update(id="bad id!", programs=[], province=5, city={"en": "x" * 201, "zh": ""}, type="harbour",
                     colour="green")
    del d["zone"]["name"]
    d["zone"]["attributes"] = {"Bad-Key": "x"}
    iso = d["eligibility"]["iso14001"]
    iso.update(certified="yes", certificate_no="", source={"document": "x", "page": 0}, valid_from="2016-02-30",
               valid_to="2016-13-01")
    d["eligibility"]["incidents"]["complete_since"] = "0000-01-01"
    d["eligibility"]["environmental_agency"]["staff"] = "many"
    d["eligibility"]["gdp_growth"]["year"] = 1900
    d["series"]["energy_consumption"]["values"] = {}
    d["series"]["fresh_water"]["values"]["abcd"] = 1
    d["series"]["fresh_water"]["values"]["2014"] = -1
    plan = example("ctip-rizhao-etdz-2016")["work_plans"]
    plan["ctip"]["targets"][0]["target"] = {"year": 2015}
    plan["ctip"]["targets"][1]["target"] = {"year": 2015, "range": [1, 2, 3]}
    plan["ctip"]["targets"][2]["target"] = {"year": 2015, "range": [1]}
    plan["ctip"]["sections"] = {"zone_description": {"performance_years": [2011, 2011]}}
    plan["ctip"]["measures"] = "one measure"
    plan["ctip"]["approved"] = "1900-01-01"
    d["work_plans"] = plan
    return _dossier(d) + _dossier(dict(example("failing-donghai-2016"), zone={"programs": ["eip-integrated", "eip-integrated"]}))


def _catalogue() -> list[str]:
    """The catalogue's names and units, and dates against the assessment date."""
    d = example("ctip-rizhao-etdz-2016")
    d["eligibility"] = example("failing-donghai-2016")["eligibility"]
    d["reference_year"] = 2017
    d["zone"]["programs"].append("ctip-x")
    series = d["series"]
    series["energy_consumptoin"] = {"unit": "tce", "values": {"2015": 1}}
    series["zzzzqqq"] = {"unit": "tce", "values": {"2015": 1}}
    first = next(iter(series))
    series[first]["values"]["2017"] = 1
    series[first]["unit"] = "qqqqqqqq"
    series["industrial_added_value"] = {"unit": "10^99 t", "values": {"2015": 1}}
    series["energy_consumption"] = {"unit": "furlong", "values": {"2015": 1}}
    series["fresh_water"] = {"unit": "kg", "values": {"2015": 1}}
    reported = d["reported"]
    reported["waste_collection_system"] = {"value": 3}
    reported["energy_per_iav"] = {"value": True, "unit": "tce/10^4 RMB"}
    reported["public_satisfaction"] = {"value": 90}
    reported["public_awareness"] = {"value": 90, "unit": "%", "year": 2019}
    reported["ctip_plan_measures"] = {"value": True}
    reported["public_satisfction"] = {"value": 90, "unit": "%"}
    d["benchmarks"] = {name: {"value": 1, "unit": "1", "source": {"document": "x"}}
                       for name in ("waste_collection_system", "lc_plan_submitted")}
    elig = d["eligibility"]
    elig["iso14001"]["valid_to"] = "2012-01-01"
    elig["incidents"]["events"] = [{"date": "2016-08-01", "kind": "pollution_accident", "severity": "major"}]
    elig["gdp_growth"]["zone"]["unit"] = "t"
    elig["gdp_growth"]["provincial"]["unit"] = "qqqqqqqq"
    elig["gdp_growth"]["municipal"]["unit"] = "10^99 t"
    plan = d["work_plans"]["ctip"]
    plan["submitted"] = "2016-07-01"
    plan["subsidy"]["approval_date"] = "2016-07-01"
    targets = plan["targets"]
    targets[0]["metric"] = "energy_per_iav_x"
    targets[1]["target"]["year"] = 2005
    targets.append(dict(targets[2]))
    targets.append({"metric": "energy_per_iav", "direction": "lower", "base": {"year": 2010},
                    "target": {"year": 2015, "change_pt": -1}})
    targets.append({"metric": "waste_collection_system", "direction": "higher", "base": {"year": 2010},
                    "target": {"year": 2015, "value": 1}})
    targets.append({"metric": "energy_per_production_value", "direction": "lower", "base": {"year": 2001},
                    "target": {"year": 2015, "change_pct": -10}})
    targets.append({"metric": "energy_elasticity", "direction": "lower", "base": {"year": 2001},
                    "target": {"year": 2015, "change_pct": -10}})
    d["work_plans"]["ctip-x"] = {"title": "?", "submitted": "2012-01-01"}
    future = dict(example("failing-donghai-2016"), as_of="2099-01-01")
    return _dossier(d) + _dossier(future)


def _stoppers() -> list[str]:
    """A file with more problems than anyone reads: the checks stop and say so (the limit made small here: the same
    messages, sooner)."""
    limit, bounds.MAX_PROBLEMS = bounds.MAX_PROBLEMS, 5
    try:
        d = example("failing-donghai-2016")
        d["reported"] = {f"m{i}": {"value": "x"} for i in range(bounds.MAX_PROBLEMS + 1)}
        nan = example("failing-donghai-2016")
        nan["reported"] = {f"m{i}": {"value": float("nan")} for i in range(bounds.MAX_PROBLEMS + 1)}
        many = dict(example("failing-donghai-2016"),
                    series={f"q{i}": {"unit": "t", "values": {"2015": 1}} for i in range(bounds.MAX_PROBLEMS + 1)})
        return _dossier(d) + _dossier(nan) + _dossier(many)
    finally:
        bounds.MAX_PROBLEMS = limit


# --- workbooks ----------------------------------------------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return out.getvalue()


def _encrypted(data: bytes) -> bytes:
    """The zip with every entry of its central directory flagged as encrypted (zipfile writes no such flag)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        out[at + 8] |= 0x1
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _workbook_files() -> list[str]:
    good = _members(workbook_bytes(example("certifiable-xinhe-2016")))
    sheet = "xl/worksheets/sheet1.xml"
    entities = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><worksheet xmlns="x"><sheetData/></worksheet>'
    wide = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:A5000"/>'
            b"<sheetData/></worksheet>")
    files = [limits_bytes for limits_bytes in (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
        b"PK\x03\x04garbage",
        _zip({"xl/workbook.bin": b"x", "xl/workbook.xml": b"x"}),
        _zip({"word/document.xml": b"<w/>"}),
        _zip({"xl/workbook.xml": b"x", **{f"p{i}": b"" for i in range(401)}}),
        _zip({"xl/workbook.xml": b"x", "a": b"\0" * (8 * 2**20), "b": b"\0" * (8 * 2**20), "c": b"\0" * (8 * 2**20),
              "d": b"\0" * (2 * 2**20)}),
        _encrypted(_zip({"xl/workbook.xml": b"x"})),
        _zip({"xl/workbook.xml": b"x", "xl/media/big.bin": b"\0" * (9 * 2**20)}),
        _zip(dict(good, **{sheet: wide})),
        _zip(dict(good, **{sheet: entities})),
        _zip(dict(good, **{"xl/workbook.xml": b"not xml"})),
    )]
    plain = openpyxl.Workbook()
    plain.active["A1"] = "my own numbers"
    files.append(_save(plain))
    # a sheet whose dimension says A1 but which holds a cell far below: found while reading, not before
    far = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/>'
           b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Field (do not edit)</t></is></c></row>'
           b'<row r="2500"><c r="A2500"><v>7</v></c></row></sheetData></worksheet>')
    files.append(_zip(dict(good, **{sheet: far})))
    return [m for f in files for m in _problems(assess, f, "zone.xlsx")]


def _workbook_cells() -> list[str]:
    wb = open_wb(workbook_bytes(example("ctip-rizhao-etdz-2016")))
    ws = wb["Series"]
    r = row_of(ws, "energy_consumption")
    c2015 = col_of(ws, "2015")
    ws.cell(row=r, column=c2015, value="n/a")
    ws.cell(row=r, column=c2015 - 1, value="1,5")
    ws.cell(row=ws.max_row + 1, column=c2015, value=7)
    ws.cell(row=row_of(ws, "fresh_water"), column=c2015, value="=1+1")
    merged = row_of(ws, "energy_consumption") + 1
    ws.cell(row=merged, column=c2015 - 2, value=5)
    ws.merge_cells(start_row=merged, start_column=c2015 - 2, end_row=merged, end_column=c2015 - 1)
    zone = wb["Zone"]
    zone.cell(row=zone.max_row + 1, column=1, value="zone/colour")
    targets = wb["Targets"]
    targets.cell(row=3, column=col_of(targets, "Program")).value = None
    copy = wb.copy_worksheet(wb["Reported"])
    copy.title = "Reported (2)"
    broken = open_wb(workbook_bytes(example("certifiable-xinhe-2016")))
    broken["Zone"].cell(row=2, column=col_of(broken["Zone"], "Value"), value="Something else")
    return _problems(assess, _save(wb), "zone.xlsx") + _problems(assess, _save(broken), "zone.xlsx")


def _cell_values() -> list[str]:
    calls = [(cells.number, True), (cells.number, dt.date(2016, 1, 1)), (cells.number, [1]),
             (cells.number, 0.5, "0%", "t"), (cells.integer, 1.5), (cells.integer, "x"), (cells.integer, True),
             (cells.date, dt.datetime(2016, 1, 1, 12)), (cells.date, 1e9), (cells.date, "2016-02-30"),
             (cells.date, "soon"), (cells.date, True), (cells.boolean, "maybe"), (cells.text, True),
             (cells.choice, "harbor", ("harbour", "venous")), (cells.years, "2011, next")]
    return [m for fn, *args in calls for m in _problems(fn, *args)]


# --- the web pages, the API, the server, the workspace ---------------------------------------------------------------

def _web(web) -> list[str]:
    out = []
    for kwargs in ({"data": {"lang": "en"}, "files": {"dossier": ("", b"")}},
                   {"files": {"dossier": ("zone.json", b"")}},
                   {"data": {"as_of": "soon"}, "files": {"dossier": ("zone.json", b"{}")}}):
        out += [p["message"] for p in web.post("/api/v1/check", **kwargs).json()["problems"]]
    out += [p["message"] for p in web.post("/api/v1/check", content=b"",
                                           headers={"content-type": "application/json"}).json()["problems"]]
    out += [p["message"] for p in web.post("/api/v1/report", data={"lang": "fr"},
                                           files={"dossier": ("zone.json", b"{}")}).json()["problems"]]
    from engine.web.views import unpack_payload
    out += _problems(unpack_payload, "!!!", 100)
    out += _problems(unpack_payload, base64.b64encode(zlib.compress(b"x" * 1000)).decode(), 100)
    from engine.web.middleware import too_large
    out.append(too_large(10 * 2**20).detail)
    return out


def _busy() -> list[str]:
    from pebble import ProcessExpired

    from engine.web.errors import Busy
    from engine.web.service import Service
    from engine.web.settings import Settings

    class Pool:
        def __init__(self, error):
            self.error = error

        def schedule(self, fn, args, timeout):
            future = concurrent.futures.Future()
            future.set_exception(self.error)
            return future

    out = []
    for pool, call in ((Pool(TimeoutError()), "check"), (Pool(ProcessExpired("gone", code=-9)), "render"),
                       (None, "render")):
        svc = object.__new__(Service)
        svc.settings = Settings(check_processes=1, render_processes=1, render_queue=0)
        svc.checks = svc.renders = pool
        svc._render_slots = threading.BoundedSemaphore(1)
        if pool is None:
            svc._render_slots.acquire()
        try:
            asyncio.run(getattr(svc, call)(print))
        except Busy as e:
            out.append(e.message)
    return out


def _workspace() -> list[str]:
    from engine.workspace import versions
    from engine.workspace.routers.dossiers import read_upload
    upload = SimpleNamespace(zone_id="CN-X", name="zone.json")
    session = SimpleNamespace(get=lambda model, key: SimpleNamespace(zone_id="CN-Y"))
    return (_problems(read_upload, {}) + _problems(versions.add_version, None, SimpleNamespace(zones=[]), upload)
            + _problems(versions.add_version, None, SimpleNamespace(zones=["CN-Y", "CN-Z"]), upload)
            + _problems(versions.add_version, session, SimpleNamespace(zones=["CN-X", "CN-Y"]), upload, 1))


# --- panel reviews (engine.review, engine.yamlfile, the workspace's review pages) ------------------------------------

REVIEW = "examples/failing-donghai-2016.review.yaml"


def _review_doc() -> dict:
    from .conftest import ROOT
    return yaml.safe_load((ROOT / REVIEW).read_bytes())


def _review(raw) -> list[str]:
    from engine import review
    if not isinstance(raw, bytes):
        raw = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False).encode("utf-8")
    return _problems(review.review_from_bytes, raw, "panel.yaml")


def _review_files() -> list[str]:
    """A review file that is no YAML, or YAML the strict reader refuses."""
    texts = [b"\xff", b"- 1\n- 2", b"a: b: c", b"a: [1, 2", b"a: {1: 2, 3", b"a:\n  - 1\n b: 2", b"key: value\n- item",
             b"a: 'x", b"a: &x 1\nb: *x", b"a: 1\na: 2", b"\t a: 1", b"@a", b"a: \x07", b"? [1]\n: 2", b'a: "\\q"',
             b"a: !!python/object x", b"a: {", b"]", b"a: b\n---\nc: d", b"a:\n  b: 1\n c",
             b"a: " + b"[" * 40 + b"]" * 40, b"a: 1" + b"0" * 40,
             b"#" * (2**20 + 1)]
    limit, bounds.MAX_DECISIONS = bounds.MAX_DECISIONS, 3
    try:
        many = _review_doc()
        return [m for t in texts for m in _review(t)] + _review(many)
    finally:
        bounds.MAX_DECISIONS = limit


def _review_schema() -> list[str]:
    """What the schema and the reader's own checks refuse in a review (as an import or a form's save meets them)."""
    d = _review_doc()
    d["schema_version"] = "2.0"
    d["program"] = "EIP"
    d["dossier_sha256"] = "abc"
    d["colour"] = "green"
    del d["panel"]["meeting_date"]
    d["panel"]["members"][0]["email"] = "x"
    decisions = d["decisions"]
    decisions["eip-i-9.9"] = {"decision": "confirm"}
    decisions["EIP-I-G.1"] = {"decision": "maybe"}
    decisions["EIP-I-G.2"] = {"decision": "override"}
    decisions["EIP-I-G.3"] = {"decision": "waive", "justification": "x", "reviewer": "Wang Li", "approver": "Wang Li",
                              "date": "2016-02-30"}
    decisions["EIP-I-G.4"].update(risk="huge", expires="soon", date="16-09-01")
    d["recommendation"] = {"decision": "yes"}
    d["evaluation"] = {"kind": "once", "score": 101}
    unfilled = _review_doc()
    unfilled["panel"]["meeting_date"] = None
    unfilled["panel"]["members"] = []
    members = _review_doc()
    members["decisions"]["EIP-I-2.8"]["reviewer"] = "Somebody Else"
    members["decisions"]["EIP-I-G.1"]["override_to"] = "pass"
    return _review(d) + _review(unfilled) + _review(members)


def _review_checks() -> list[str]:
    """A review read whole, then checked against the dossier and the program it is applied to."""
    from engine import review
    from engine.workspace import reviews

    from .conftest import ROOT
    late = _review_doc()
    late["decisions"]["EIP-I-2.8"]["date"] = "2016-10-01"
    warned = [w.message for w in review.review_from_bytes(yaml.safe_dump(late).encode(), "panel.yaml").warnings]
    dossier = (ROOT / "examples/failing-donghai-2016.json").read_bytes()
    other = _review_doc()
    other["program"] = "ctip"
    unknown = _review_doc()
    unknown["decisions"]["EIP-I-9.9"] = {"decision": "confirm"}
    stale = _review_doc()
    stale["dossier_sha256"] = "0" * 64
    changed = copy.deepcopy(stale)
    changed["decisions"]["EIP-I-2.2"]["engine"]["value"] = 0.4
    out = warned
    for doc in (other, unknown, stale, changed):
        rv = review.review_from_bytes(yaml.safe_dump(doc).encode(), "panel.yaml")
        out += _problems(assess, dossier, "zone.json", (), None, None, [rv])
    few = _review_doc()
    few["decisions"] = {k: few["decisions"][k] for k in ("EIP-I-2.2", "EIP-I-2.8")}
    rv = review.review_from_bytes(yaml.safe_dump(few).encode(), "panel.yaml")
    out += _problems(review.check_against, rv, load.pack("ctip"), "0" * 64, ())
    # an import over a review the chair has approved
    approved = SimpleNamespace(scalar=lambda query: SimpleNamespace(state="approved"))
    version = SimpleNamespace(dossier=SimpleNamespace(zone_id="CN-X"), number=1, dossier_id=1, id=1)
    out += _problems(reviews.import_yaml, approved, None, version, (ROOT / REVIEW).read_bytes(), "panel.yaml")
    return out


def _workspace_reviews(workspace) -> list[str]:
    """The workspace's own refusals on its review pages (English pages): a program the dossier is not checked for, an
    import without a file, the optimistic lock's and the approval's 409s, a review form's bad score and decision."""
    import html
    import re

    from fastapi.testclient import TestClient

    from .workspace.web_world import csrf_of, login
    app, _, ids, _ = workspace
    chair = TestClient(app, base_url="http://127.0.0.1")
    assert login(chair, "chair").status_code == 303

    def refusal(path: str, expected: int, **fields) -> str:
        page = chair.get(f"/workspace/versions/{ids['v1']}?lang=en").text
        r = chair.post(path, data={"csrf": csrf_of(page), "lang": "en", **fields})
        assert r.status_code == expected, (path, r.status_code)
        return html.unescape(re.search(r'<pre class="message">(.*?)</pre>', r.text, re.S)[1])

    out = [refusal(f"/workspace/versions/{ids['v1']}/reviews", 422, program="ctip-x"),
           refusal(f"/workspace/versions/{ids['v1']}/reviews/import", 422),
           refusal(f"/workspace/reviews/{ids['approved']}/approve", 409, lock="0"),
           refusal(f"/workspace/reviews/{ids['draft']}/approve", 409, lock="-1"),
           refusal(f"/workspace/reviews/{ids['draft']}/reopen", 409),
           refusal(f"/workspace/reviews/{ids['approved']}", 409)]
    page = chair.get(f"/workspace/reviews/{ids['draft']}?lang=en").text
    rule = re.search(r'name="decision\.([^"]+)"', page)[1]
    r = chair.post(f"/workspace/reviews/{ids['draft']}", data={"csrf": csrf_of(page), "lang": "en", "score": "high",
                                                                f"decision.{rule}": "maybe"})
    assert r.status_code == 422
    out += [html.unescape(m) for m in re.findall(r'<tr class="problem"><td class="where"><code>.*?</code></td><td>(.*?)</td>',
                                                 r.text, re.S)]
    return out


def review_messages() -> list[str]:
    """Every message a review file, or a review form's save, can meet in the reader."""
    return _review_files() + _review_schema() + _review_checks()


def _options() -> list[str]:
    return [p.message for p in date_problems(dt.date(2999, 1, 1), "as_of")] + _problems(load.pack, "no-such-program")


def messages(web, workspace) -> list[str]:
    """Every message the sources above give, once (`web`: the pre-check's test client; `workspace`: a served workspace
    world, tests/workspace/web_world.py)."""
    found = (_json_bytes() + _values() + _schema() + _catalogue() + _stoppers() + _workbook_files() + _workbook_cells()
             + _cell_values() + _web(web) + _busy() + _workspace() + _options() + review_messages()
             + _workspace_reviews(workspace))
    return list(dict.fromkeys(found))
