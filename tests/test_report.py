"""The PDF report (issue 3): content, fonts, reproducibility, safety, attachments, verify, atomic writes.

PDFs are rendered once per module (rendering costs seconds); table logic is tested on the HTML and the data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from engine import fmt, render
from engine.cli import main
from engine.fetcher import BundledOnlyFetcher, RefusedURL
from engine.paths import REPORTS

from .conftest import EXAMPLES, ROOT

FAILING = EXAMPLES / "failing-donghai-2016.json"
HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_CSS = '<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'


class _Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(f"{record.name}: {record.getMessage()}")


def _invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _report(dossier: Path, out: Path, *extra) -> list[str]:
    """Render through the CLI; returns every warning the `weasyprint` logger emitted."""
    handler = _Warnings()
    log = logging.getLogger("weasyprint")
    log.addHandler(handler)
    try:
        code, stdout, stderr = _invoke("report", dossier, "-o", out, *extra)
    finally:
        log.removeHandler(handler)
    assert code == 0, stdout + stderr
    return handler.records


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The failing example in English and Chinese, rendered once."""
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for lang in ("en", "zh"):
        path = folder / f"failing.{lang}.pdf"
        out[lang] = (path, _report(FAILING, path, "--lang", lang))
    return out


@pytest.fixture(scope="module")
def check_doc():
    code, stdout, _ = _invoke("check", "--format", "json", FAILING)
    assert code == 1
    return json.loads(stdout)


# --- content --------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_weasyprint_warning(reports, lang):
    """A missing glyph shows only as a WeasyPrint warning: there must be none."""
    assert reports[lang][1] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_text_shows_the_verdict_and_every_rule_with_its_value(reports, check_doc, lang):
    text = _text(reports[lang][0])
    assert fmt.VERDICT_LABEL[lang]["not_certifiable"] in text
    for p in check_doc["programs"]:
        for o in p["outcomes"]:
            assert o["rule_id"] in text
            assert render.value_text(o["value"], lang) in text, o["rule_id"]
            assert o["title"][lang] in text.replace("\n", "") or o["title"][lang][:12] in text


def test_english_report_shows_the_chinese_zone_name_and_zh_report_chinese_labels(reports, check_doc):
    zone = check_doc["dossier"]["zone"]["name"]
    en, zh = _text(reports["en"][0]), _text(reports["zh"][0])
    assert zone["zh"] in en and zone["en"] in en
    assert zone["zh"] in zh
    labels = render.label_set("zh")
    for key in ("executive_summary", "eligibility", "indicators", "traceability", "provisional"):
        assert labels[key] in zh
    assert render.label_set("en")["executive_summary"] not in zh


def test_summary_gives_blocking_rules_and_levers_in_the_dossiers_units(reports):
    text = _text(reports["en"][0]).replace("\n", " ")
    for rule in ("EIP-I-2.2", "EIP-I-2.8", "EIP-I-4.4"):
        assert rule in text
    assert "cut energy_consumption 2015 by 528,000 tce" in text
    assert "period_years" in text and "amendment_2012_date" in text   # provisional parameters are named


def _fonts(pdf: Path) -> list[dict]:
    """Every font dictionary the pages use (including Type0 descendants and form XObjects)."""
    found, seen = [], set()

    def walk_resources(res):
        if not res:
            return
        res = res.get_object()
        for f in (res.get("/Font") or {}).values():
            f = f.get_object()
            if id(f) not in seen:
                seen.add(id(f))
                found.append(f)
        for x in (res.get("/XObject") or {}).values():
            x = x.get_object()
            if x.get("/Subtype") == "/Form":
                walk_resources(x.get("/Resources"))

    for page in PdfReader(pdf).pages:
        walk_resources(page.get("/Resources"))
    return found


def _embedded(font) -> bool:
    fonts = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
    for f in fonts:
        desc = f.get("/FontDescriptor")
        if desc is None:
            return False
        desc = desc.get_object()
        if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
            return False
    return True


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_fonts_are_embedded_and_all_bundled(reports, lang):
    fonts = _fonts(reports[lang][0])
    assert fonts
    for f in fonts:
        assert _embedded(f), f["/BaseFont"]
        assert "ParkCert-Sans-SC" in f["/BaseFont"], f"system font fallback: {f['/BaseFont']}"


def test_chinese_report_uses_the_cjk_font(reports):
    fonts = _fonts(reports["zh"][0])
    cjk = [f for f in fonts if f.get("/Subtype") == "/Type0" and f.get("/Encoding") == "/Identity-H"]
    assert any("ParkCert-Sans-SC" in f["/BaseFont"] for f in cjk)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in _text(reports["zh"][0]))


# --- reproducibility --------------------------------------------------------------------

def test_same_inputs_give_the_same_bytes_in_a_fresh_process(reports, tmp_path):
    again = tmp_path / "again.pdf"
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    subprocess.run([sys.executable, "-m", "engine.cli", "report", str(FAILING), "-o", str(again), "--lang", "zh"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    first = reports["zh"][0].read_bytes()
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(first).hexdigest()


def test_the_pdf_has_no_wall_clock_time(reports):
    data = reports["en"][0].read_bytes()
    assert b"D:2016063" in data                     # attachment dates: the assessment date
    reader = PdfReader(reports["en"][0])
    assert str(reader.metadata.get("/CreationDate", "")).startswith("D:20160630")


def test_report_date_option_is_printed(check_doc):
    dossier = json.loads(FAILING.read_text(encoding="utf-8"))
    html = render.html(check_doc, dossier, "en", dt.date(2016, 7, 15))
    assert "2016-07-15" in html


# --- safety -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A dossier whose names carry markup that would read /etc/passwd and fetch a stylesheet from loopback."""
    folder = tmp_path_factory.mktemp("hostile")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    data = json.loads(FAILING.read_text(encoding="utf-8"))
    data["zone"]["name"]["en"] = HOSTILE_IMG
    data["zone"]["name"]["zh"] = HOSTILE_CSS.format(port=9)
    data["zone"]["city"] = {"en": HOSTILE_CSS.format(port=port), "zh": "潍坊市"}
    dossier = folder / "hostile.json"
    dossier.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    fetched = []
    original = BundledOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    BundledOnlyFetcher.fetch = spy
    try:
        out = folder / "hostile.pdf"
        warnings = _report(dossier, out)
    finally:
        BundledOnlyFetcher.fetch = original
    try:
        listener.accept()
        connected = True
    except TimeoutError:
        connected = False
    finally:
        listener.close()
    return {"pdf": out, "warnings": warnings, "fetched": fetched, "connected": connected, "port": port}


def test_hostile_strings_render_as_text(hostile):
    text = _text(hostile["pdf"]).replace("\n", "")
    assert HOSTILE_IMG in text
    assert HOSTILE_CSS.format(port=9) in text
    assert hostile["warnings"] == []


def test_hostile_strings_fetch_nothing(hostile):
    assert not hostile["connected"], "the renderer opened a connection to the loopback listener"
    root = REPORTS.resolve().as_uri()
    files = [u for u in hostile["fetched"] if not u.startswith("data:image/svg+xml;base64,")]   # our charts
    # the spy saw the charts; the stylesheet and fonts are read once per process (maybe by an earlier test)
    assert hostile["fetched"] and all(u.startswith(root + "/") for u in files), files
    assert set(render.attachments(hostile["pdf"].read_bytes())) == {render.DOSSIER_ATTACHMENT,
                                                                     render.RESULT_ATTACHMENT}
    assert b"root:x:0:0" not in hostile["pdf"].read_bytes()


def test_html_escapes_dossier_text():
    dossier = json.loads(FAILING.read_text(encoding="utf-8"))
    dossier["zone"]["name"]["en"] = HOSTILE_IMG
    code, stdout, _ = _invoke("check", "--format", "json", FAILING)
    doc = json.loads(stdout)
    doc["dossier"]["zone"]["name"]["en"] = HOSTILE_IMG
    html = render.html(doc, dossier, "en")
    assert HOSTILE_IMG not in html and "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html


def test_fetcher_serves_only_files_under_reports(tmp_path):
    root = tmp_path / "assets"
    root.mkdir()
    (root / "ok.css").write_text("p{}", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (root / "escape.css").symlink_to(tmp_path / "secret.txt")
    (root / "sub").mkdir()
    f = BundledOnlyFetcher(root)
    assert f.fetch((root / "ok.css").as_uri()).read() == b"p{}"
    for url in ("http://127.0.0.1:9/x.css", "https://127.0.0.1:9/x.css", "ftp://127.0.0.1/x",
                (tmp_path / "secret.txt").as_uri(), root.as_uri() + "/../secret.txt",
                (root / "escape.css").as_uri(), (root / "sub").as_uri(), "file:///etc/passwd",
                "file://127.0.0.1/etc/passwd", (root / "absent.css").as_uri()):
        with pytest.raises(RefusedURL):
            f.fetch(url)
    assert len(f.refused) == 10


# --- attachments, PDF/A, verify ----------------------------------------------------------

def test_attachments_round_trip(reports, check_doc):
    files = render.attachments(reports["en"][0].read_bytes())
    assert files[render.DOSSIER_ATTACHMENT] == FAILING.read_bytes()
    # exactly what `check --format json` gives, with the dossier named by its file name
    expected = json.loads(json.dumps(check_doc))
    expected["dossier"]["file"] = FAILING.name
    assert json.loads(files[render.RESULT_ATTACHMENT]) == expected
    assert files[render.RESULT_ATTACHMENT].decode("utf-8") == render.result_json(expected)


def test_pdfa_3b_structure(reports):
    reader = PdfReader(reports["en"][0])
    root = reader.trailer["/Root"]
    af = [str(x.idnum) for x in root["/AF"]]
    assert len(af) == len(set(af)) == 2                          # de-duplicated
    relationships = sorted(x.get_object()["/AFRelationship"] for x in root["/AF"])
    assert relationships == ["/Data", "/Source"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part=\"3\"" in xmp or b"<pdfaid:part>3" in xmp
    assert b"conformance=\"B\"" in xmp or b"<pdfaid:conformance>B" in xmp
    assert "/OutputIntents" in root


def test_verify_confirms_the_verdict(reports):
    code, stdout, _ = _invoke("verify", reports["zh"][0])
    assert code == 0, stdout
    assert "verdict holds" in stdout and "rules unchanged" in stdout


def _repack(tmp_path, dossier: bytes, result: dict | bytes) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_attachment(render.DOSSIER_ATTACHMENT, dossier)
    writer.add_attachment(render.RESULT_ATTACHMENT,
                          result if isinstance(result, bytes) else json.dumps(result).encode())
    path = tmp_path / "repacked.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def test_verify_reports_a_changed_verdict(tmp_path, check_doc):
    old = json.loads(json.dumps(check_doc))
    old["programs"][0]["verdict"] = "certifiable"
    old["programs"][0]["rules_sha256"] = "0" * 64
    for o in old["programs"][0]["outcomes"]:
        if o["status"] == "fail":
            o["status"] = "pass"
    code, stdout, _ = _invoke("verify", _repack(tmp_path, FAILING.read_bytes(), old))
    assert code == 1
    assert "VERDICT CHANGED" in stdout and "EIP-I-2.2: pass → fail" in stdout and "rules changed" in stdout


def test_verify_without_parkcert_attachments_exits_2(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    plain = tmp_path / "plain.pdf"
    with open(plain, "wb") as fh:
        writer.write(fh)
    code, stdout, stderr = _invoke("verify", plain)
    assert code == 2 and "no ParkCert attachment" in stderr and "Traceback" not in stderr
    (tmp_path / "junk.pdf").write_bytes(b"not a pdf")
    assert _invoke("verify", tmp_path / "junk.pdf")[0] == 2


def test_verify_refuses_a_dossier_that_does_not_match_the_result(tmp_path, check_doc):
    tampered = FAILING.read_bytes().replace(b"3828000", b"3000000")
    code, _, stderr = _invoke("verify", _repack(tmp_path, tampered, check_doc))
    assert code == 2 and "differs from" in stderr


# --- atomic writes and bad input ------------------------------------------------------------

def test_failed_render_leaves_no_file_and_keeps_the_old_report(tmp_path, monkeypatch):
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF- the earlier report")

    def boom(*_a, **_k):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(render, "render_pdf", boom)
    code, _, stderr = _invoke("report", FAILING, "-o", out)
    assert code == 3 and "nothing was written" in stderr
    assert out.read_bytes() == b"%PDF- the earlier report"
    fresh = tmp_path / "fresh.pdf"
    assert _invoke("report", FAILING, "-o", fresh)[0] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_bad_dossier_is_reported_like_check(tmp_path, write_dossier, example):
    data = example("failing-donghai-2016")
    data["series"]["energy_consumption"]["values"]["2015"] = -5
    bad = write_dossier(data)
    out = tmp_path / "out.pdf"
    code, _, stderr = _invoke("report", bad, "-o", out)
    assert code == 2
    assert "/series/energy_consumption/values/2015" in stderr and "nothing was written" in stderr
    assert "Traceback" not in stderr and not out.exists()


def test_bad_dates_and_languages_exit_2(tmp_path):
    out = tmp_path / "out.pdf"
    assert _invoke("report", FAILING, "-o", out, "--date", "2016-13-01")[0] == 2
    assert _invoke("report", FAILING, "-o", out, "--lang", "fr")[0] == 2
    assert not out.exists()


# --- templates, labels, every example ---------------------------------------------------------

def test_labels_exist_in_both_languages():
    for key, value in render.labels().items():
        assert set(value) == {"en", "zh"}, key
        assert isinstance(value["en"], str) and isinstance(value["zh"], str), key


def test_autoescape_and_strict_undefined():
    env = render.environment()
    assert env.autoescape is True
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nothing.here }}").render()


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.json")))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_example_renders_html_with_every_rule(name, lang):
    code, stdout, _ = _invoke("check", "--format", "json", EXAMPLES / f"{name}.json")
    assert code in (0, 1)
    doc = json.loads(stdout)
    dossier = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    html = render.html(doc, dossier, lang)
    for p in doc["programs"]:
        assert render.verdict_label(p, lang) in html
        for o in p["outcomes"]:
            assert o["rule_id"] in html
        if p["provisional"]:
            assert render.label_set(lang)["provisional_notice"] in html


def test_program_view_groups_by_category_and_orders_gaps(check_doc):
    t = render.label_set("en")
    view = render.program_view(check_doc["programs"][0], "en", t, {})
    assert [g["id"] for g in view["groups"]] == [c["id"] for c in check_doc["programs"][0]["categories"]]
    assert sum(len(g["rows"]) for g in view["groups"]) == len(check_doc["programs"][0]["outcomes"])
    gaps = [r.o["gap_pct"] for r in view["largest_gaps"]]
    assert gaps == sorted(gaps, reverse=True)
    assert {r.id for r in view["checklist"]} >= {"EIP-I-G.1", "EIP-I-G.3", "EIP-I-G.6"}
    assert not any(r.id.startswith("EIP-I-2") for r in view["checklist"])


def test_charts_are_stable_svg(check_doc):
    t = render.label_set("en")
    a = render.program_view(check_doc["programs"][0], "en", t, {})
    b = render.program_view(check_doc["programs"][0], "en", t, {})
    svgs = [g["chart"] for g in a["groups"] if g["chart"]]
    assert svgs and svgs == [g["chart"] for g in b["groups"] if g["chart"]]
    assert all(s.lstrip().startswith("<?xml") and "<svg" in s and "<dc:date>" not in s for s in svgs)


def test_chart_text_from_a_dossier_is_escaped_and_the_svg_well_formed():
    import xml.etree.ElementTree as ET

    from engine import svgcharts
    svg = svgcharts.trend_chart({"x": {"unit": '<img src="file:///etc/passwd">&\x01', "values": {"2014": 1.0, "2015": 2.5}}},
                                {"x": "Water"}, 2015)
    texts = [e.text for e in ET.fromstring(svg.split("\n", 1)[1]).iter("{http://www.w3.org/2000/svg}text")]
    assert '(<img src="file:///etc/passwd">&)' in texts and "Water" in texts and "2015" in texts


@pytest.mark.parametrize("lo, hi, nbins", [(0, 171.4, 9), (-100, 325, 9), (3_290_000, 3_890_000, 5), (0.51, 0.66, 4),
                                           (4071.0, 4321.0, 5), (1e-4, 3e-4, 3), (999_990, 1_000_010, 5)])
def test_chart_axes_are_ticked_where_matplotlib_ticked_them(lo, hi, nbins):
    from matplotlib.ticker import MaxNLocator

    from engine.svgcharts import nice_ticks
    tol = 1e-10 * (hi - lo)
    expected = [t for t in MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi) if lo - tol <= t <= hi + tol]
    assert nice_ticks(lo, hi, nbins) == pytest.approx(expected)


def test_a_number_wider_than_its_column_widens_it_and_the_table_still_fits_the_page(check_doc):
    import copy
    doc = copy.deepcopy(check_doc)
    program = doc["programs"][0]
    plain = render.program_view(program, "en", render.label_set("en"), {})["groups"]
    o = next(o for o in program["outcomes"] if o["category"] == plain[-1]["id"] and isinstance(o["value"], float))
    o["value"] = 12_345_678_901.5
    wide = render.program_view(program, "en", render.label_set("en"), {})["groups"]
    value_col = 2
    assert wide[-1]["widths"][value_col] > plain[-1]["widths"][value_col] + 3     # the value prints on one line
    assert sum(wide[-1]["widths"]) == pytest.approx(100, abs=0.05)
    assert [g["widths"] for g in wide[:-1]] == [g["widths"] for g in plain[:-1]]


def test_result_json_is_what_check_prints(check_doc):
    code, stdout, _ = _invoke("check", "--format", "json", FAILING)
    assert render.result_json(check_doc) == stdout


# --- panel reviews, several programs, declared targets (issues 4 and 5) ----------------------------------

REVIEW = EXAMPLES / "failing-donghai-2016.review.yaml"
MULTI = EXAMPLES / "multi-program-yunxi-2016.json"
RIZHAO = EXAMPLES / "ctip-rizhao-etdz-2016.json"


@pytest.fixture(scope="module")
def more_reports(tmp_path_factory):
    """The reviewed failing example (en, zh), one zone against every program (zh: 37 pages, the costly one; the
    English matrix is checked on the HTML), Rizhao's CTIP plan (en). Each: (pdf, weasyprint warnings, text)."""
    folder = tmp_path_factory.mktemp("more")
    jobs = {("reviewed", "en"): (FAILING, "--review", REVIEW), ("reviewed", "zh"): (FAILING, "--review", REVIEW),
            ("multi", "zh"): (MULTI, "--program", "all"), ("ctip", "en"): (RIZHAO,)}
    out = {}
    for (name, lang), (dossier, *extra) in jobs.items():
        path = folder / f"{name}.{lang}.pdf"
        warnings = _report(dossier, path, "--lang", lang, *extra)
        out[name, lang] = (path, warnings, _text(path))
    return out


@pytest.mark.parametrize("key", [("reviewed", "en"), ("reviewed", "zh"), ("multi", "zh"), ("ctip", "en")])
def test_new_sections_render_without_weasyprint_warnings(more_reports, key):
    """Every character of the new labels is in the bundled font subset (a missing glyph is only a warning)."""
    assert more_reports[key][1] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reviewed_report_shows_engine_and_panel_outcomes(more_reports, lang):
    t = render.label_set(lang)
    text = more_reports["reviewed", lang][2]
    flat = text.replace("\n", " ")
    assert t["reviewed_on"].format(date="2016-09-20") in flat
    assert t["review"] in text and "Wang Li" in text and "Chen Hui" in text and "Zhao Min" in text
    assert t["panel_overridden_pass"] in text and t["panel_waived"] in text and "2017-06-30" in text
    for rule in ("EIP-I-2.8", "EIP-I-4.4"):
        assert rule in text
    assert "cooling water recirculated" in flat                     # the justification, as the panel wrote it
    assert t["grade_provisional"] in flat and t["grade_qualified"] in text and t["score_line"].format(score="74") in flat
    for key in ("status_waived", "status_overridden", "col_engine", "col_panel", "rec_approve_with_conditions"):
        assert t[key] in text, key


def test_reviewed_rows_show_the_engine_outcome_beside_the_panels(check_doc):
    """An overridden rule never looks like a plain pass; a waived one says until when; an expired waiver says so."""
    code, stdout, _ = _invoke("check", "--format", "json", FAILING, "--review", REVIEW)
    doc = json.loads(stdout)
    t = render.label_set("en")
    view = render.program_view(doc["programs"][0], "en", t, {})
    rows = {r.id: r for g in view["groups"] for r in g["rows"]}
    assert (rows["EIP-I-2.8"].engine_status, rows["EIP-I-2.8"].panel["text"]) == ("fail", "overridden: pass")
    assert (rows["EIP-I-4.4"].engine_status, rows["EIP-I-4.4"].panel["text"]) == ("fail", "waived until 2017-06-30")
    assert rows["EIP-I-2.2"].panel["kind"] == "confirm"
    assert [x["row"].id for x in view["review"]["decisions"]] == ["EIP-I-2.8", "EIP-I-4.4"]
    assert view["count_keys"][-2:] == ("waived", "overridden")
    html = render.html(doc, json.loads(FAILING.read_text(encoding="utf-8")), "en")
    assert "1 Waived" in html and "1 Overridden" in html
    # the same review after the waiver's expiry
    code, stdout, _ = _invoke("check", "--format", "json", FAILING, "--review", REVIEW, "--as-of", "2017-07-01")
    late = render.program_view(json.loads(stdout)["programs"][0], "en", t, {})
    row = next(r for g in late["groups"] for r in g["rows"] if r.id == "EIP-I-4.4")
    assert row.status == "fail" and row.panel["kind"] == "expired" and "2017-06-30" in row.panel["text"]


def test_report_with_a_bad_review_exits_2(tmp_path):
    bad = tmp_path / "review.yaml"
    bad.write_text(REVIEW.read_text(encoding="utf-8").replace("approver: Wang Li", "approver: Nobody", 1),
                   encoding="utf-8")
    out = tmp_path / "out.pdf"
    code, _, stderr = _invoke("report", FAILING, "--review", bad, "-o", out)
    assert code == 2 and "Nobody" in stderr and not out.exists()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_multi_program_report_shows_matrix_and_crosswalk(more_reports, lang):
    t = render.label_set(lang)
    code, stdout, _ = _invoke("check", "--format", "json", "--program", "all", MULTI)
    doc = json.loads(stdout)
    if lang == "zh":
        text = more_reports["multi", lang][2]
    else:   # the English PDF is not rendered (time): the same template, read as HTML text
        import html as html_lib
        import re
        source = render.html(doc, json.loads(MULTI.read_text(encoding="utf-8")), lang)
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", source.split("<body>", 1)[1]))
    flat = " ".join(text.split())
    assert t["readiness"] in text and t["crosswalk"] in flat and t["nearest"] in text
    for prog in ("ctip", "eip-integrated", "low-carbon", "eip-sector", "eip-venous"):
        assert prog in text
    assert t["not_for_zone_type"] in text
    for p in doc["programs"]:
        assert render.verdict_label(p, lang) in flat
    for cat in doc["readiness"]["crosswalk"]:
        assert cat["title"][lang] in text
    assert t["plan_checklist"] in text and t["targets"] in text and t["not_covered"] in text


def test_ctip_report_shows_targets_with_progress_and_tranches(more_reports):
    t = render.label_set("en")
    text = more_reports["ctip", "en"][2]
    assert t["targets"] in text and t["target_met"] in text and t["target_not_met"] in text
    assert "87 %" in text and "119 %" in text                    # progress_pct of CTIP-2.3 and CTIP-2.1
    assert "First half, on approval" in text and t["not_due"] in text


def test_targets_view_states_come_from_the_document():
    code, stdout, _ = _invoke("check", "--format", "json", "--program", "all", MULTI)
    doc = json.loads(stdout)
    t = render.label_set("en")
    by_program = {p["program"]: render.program_view(p, "en", t, {}, doc["dossier"]["reference_year"])
                  for p in doc["programs"]}
    states = {x["row"].id: x["state"] for x in by_program["ctip"]["targets"]}
    assert states["CTIP-1.3"] == "not_met" and states["CTIP-1.4"] == "met"
    assert {x["state"] for x in by_program["low-carbon"]["targets"]} == {"not_yet_due"}
    bars = [x["bar"] for v in by_program.values() for x in v["targets"] if x["bar"] is not None]
    assert bars and all(0 <= b <= 100 for b in bars)
    assert [r.id for r in by_program["low-carbon"]["coverage"]] == ["LC-ISC.1", "LC-ISC.2", "LC-ISC.3", "LC-ISC.4"]
    assert not any(g["id"] == "isc_coverage" for g in by_program["low-carbon"]["groups"])


def test_reviewed_report_is_byte_identical(more_reports, tmp_path):
    again = tmp_path / "reviewed.pdf"
    _report(FAILING, again, "--lang", "zh", "--review", REVIEW)
    assert again.read_bytes() == more_reports["reviewed", "zh"][0].read_bytes()


def test_same_bytes_whatever_folder_the_dossier_is_named_from(tmp_path):
    import hashlib
    import shutil
    import subprocess
    import sys
    src = Path(__file__).resolve().parent.parent / "examples" / "certifiable-xinhe-2016.json"
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(src, tmp_path / "a" / "b" / src.name)
    digests = []
    for cwd, arg in ((tmp_path, f"a/b/{src.name}"), (tmp_path / "a" / "b", src.name)):
        out = tmp_path / f"r{len(digests)}.pdf"
        subprocess.run([sys.executable, "-m", "engine.cli", "report", arg, "-o", str(out)], cwd=cwd, check=True,
                       capture_output=True)
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("reviewed", [False, True])
def test_every_rule_table_header_breaks_between_words_only(lang, reviewed):
    """The reviewed report's threshold column was 7 % wide: its header printed "Threshol" over "d"."""
    from types import SimpleNamespace

    from engine import colwidths
    from engine.reporttext import label_set
    t = label_set(lang)
    keys = (("col_rule", "col_indicator", "col_value", "col_unit", "col_threshold", "col_engine", "col_panel",
             "col_gap", "col_clause") if reviewed else
            ("col_rule", "col_indicator", "col_value", "col_unit", "col_threshold", "col_status", "col_gap",
             "col_clause"))
    headers = [t[k] for k in keys]
    row = SimpleNamespace(id="EIP-I-2.2", value="0.58", o={"warnings": []}, requirement="≤ 0.5", engine_label="Fail")
    shares = colwidths.indicators([row], reviewed, headers)
    for share, header in zip(shares, headers, strict=True):
        room = share / 100 * colwidths.TABLE_PT - colwidths.CELL_PAD
        assert all(colwidths.text_pt(w, 7, bold=True) <= room for w in header.split()), (header, share)
