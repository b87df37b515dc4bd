"""A program's verdict is shown in its pack's words everywhere: CTIP decides a subsidy tranche and low-carbon
accepts a work plan; neither is ever shown as "certifiable" (issue 9, item 6; issue 14, item 2)."""
import csv
import json

from engine import render

from .conftest import EXAMPLES

RIZHAO = EXAMPLES / "ctip-rizhao-etdz-2016.json"        # CTIP targets not met; eip-integrated not certifiable
YUNXI = EXAMPLES / "multi-program-yunxi-2016.json"      # low-carbon work plan acceptable


def _readiness_rows(text: str) -> dict[str, str]:
    """The readiness matrix of `check --program all` as program -> the rest of its first line."""
    rows, inside = {}, False
    for line in text.splitlines():
        if line.startswith("Readiness across programs"):
            inside = True
            continue
        if inside and line.startswith("Crosswalk"):
            break
        cells = [c.strip() for c in line.split("│")]
        if inside and len(cells) > 2 and cells[0]:
            rows[cells[0].replace(" ← nearest", "")] = cells[1]
    return rows


def test_the_readiness_matrix_shows_each_packs_own_verdict(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = run("check", RIZHAO, "--program", "all")
    rows = _readiness_rows(out)
    assert rows["ctip"] == "TARGETS NOT MET: second tranche withheld"
    assert rows["eip-integrated"] == "NOT CERTIFIABLE"
    code, out, _ = run("check", YUNXI, "--program", "all")
    assert _readiness_rows(out)["low-carbon"] == "WORK PLAN ACCEPTABLE"


def test_the_pdf_readiness_matrix_shows_each_packs_own_verdict(run):
    code, out, _ = run("check", YUNXI, "--program", "all", "--format", "json")
    doc = json.loads(out)
    dossier = json.loads(YUNXI.read_text(encoding="utf-8"))
    for lang, word, generic in (("en", "WORK PLAN ACCEPTABLE", "CERTIFIABLE"), ("zh", "工作方案符合要求", "符合认证条件")):
        t = render.label_set(lang)
        rows = {r["id"]: r for r in render.readiness_view(doc, lang, t)["rows"]}
        assert rows["low-carbon"]["verdict_label"] == word
        assert rows["low-carbon"]["verdict_label"] != generic
        assert word in render.html(doc, dossier, lang)


def test_batch_summary_csv_and_its_closing_lines_use_the_packs_words(run, tmp_path):
    out = tmp_path / "out"
    code, stdout, _ = run("batch", RIZHAO, YUNXI, "-o", out, "--program", "all", "--jobs", 1)
    raw = (out / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")      # a BOM: Excel on a Chinese Windows reads UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    by = {(r["zone_id"], r["program"]): r for r in rows}
    ctip = by["CN-SD-RZETDZ", "ctip"]
    assert (ctip["verdict"], ctip["verdict_code"], ctip["verdict_zh"]) == (
        "TARGETS NOT MET: second tranche withheld", "not_certifiable", "目标未达成：暂缓拨付第二笔补助")
    lc = next(r for (z, p), r in by.items() if p == "low-carbon" and r["verdict_code"] == "certifiable")
    assert lc["verdict"] == "WORK PLAN ACCEPTABLE"
    assert not any(r["verdict"] == "CERTIFIABLE" for r in rows if r["program"] in ("ctip", "low-carbon"))
    lines = {line.split(":")[0].strip(): line for line in stdout.splitlines() if line.startswith("  ")}
    assert "TARGETS NOT MET: second tranche withheld" in lines["ctip"]
    assert "WORK PLAN ACCEPTABLE" in lines["low-carbon"]
    assert "certifiable" not in lines["low-carbon"].lower().replace("not certifiable", "")


def test_summary_csv_file_has_a_bom_and_stdout_has_none(run, tmp_path):
    portfolio = EXAMPLES / "ctip-portfolio"
    target = tmp_path / "subsidies.csv"
    code, _, _ = run("summary", portfolio, "--format", "csv", "-o", target)
    assert code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfzone_id,")
    code, stdout, _ = run("summary", portfolio, "--format", "csv")
    assert stdout.startswith("zone_id,")
