"""`parkcert batch --summary-pdf`: the national picture an analyst looks at, in English and Chinese (issue 14, item 5)."""
import logging

import pypdf

from .conftest import EXAMPLES


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_the_summary_pdf_shows_verdicts_distributions_shares_and_nearest_programs(run, tmp_path, caplog):
    out = tmp_path / "out"
    caplog.set_level(logging.WARNING, logger="weasyprint")
    for lang, words in (("en", ["National picture", "Verdicts", "TARGETS NOT MET: second tranche withheld",
                                "Indicators across the dossiers", "by province", "by data year",
                                "The program each zone is closest to", "IISD (2015)"]),
                        ("zh", ["全国概况", "结论", "目标未达成：暂缓拨付第二笔补助", "各指标的分布", "按省份",
                                "按数据年份", "各园区最接近通过的项目", "IISD（2015）"])):
        target = tmp_path / f"national-{lang}.pdf"
        code, stdout, _ = run("batch", EXAMPLES, "-o", out, "--program", "all", "--jobs", 1, "--lang", lang,
                              "--summary-pdf", target)
        assert code in (0, 1) and f"wrote {target}" in stdout
        reader = pypdf.PdfReader(target)
        assert len(reader.pages) >= 4
        text = _text(target)
        for w in words:
            assert w in text.replace("\n", ""), (lang, w)
    assert not [r for r in caplog.records if r.name.startswith("weasyprint")]


def test_the_program_nearest_to_each_zone_follows_the_readiness_order(tmp_path, run):
    from engine import national
    out = tmp_path / "out"
    run("batch", EXAMPLES / "multi-program-yunxi-2016.json", EXAMPLES / "ctip-rizhao-etdz-2016.json", "-o", out,
        "--program", "all", "--jobs", 1)
    pic = national.picture(out / "outcomes.parquet", out / "verdicts.parquet")
    nearest = {zone: program for zone, _, program in pic["nearest"]}
    # check --program all names the same nearest program in its readiness matrix
    import json
    for f in ("multi-program-yunxi-2016.json", "ctip-rizhao-etdz-2016.json"):
        _, doc, _ = run("check", EXAMPLES / f, "--program", "all", "--format", "json")
        doc = json.loads(doc)
        assert nearest[doc["dossier"]["zone"]["id"]] == doc["readiness"]["nearest"]
    # the Chinese picture writes each indicator's unit as Chinese statistics do
    zh = national.picture(out / "outcomes.parquet", out / "verdicts.parquet", "zh")
    units = {d["unit"] for p in zh["pictures"] for d in p.distributions}
    assert "吨标准煤/万元" in units and not any("RMB" in u or "tce" in u for u in units), units


def test_a_distribution_draws_only_the_dossiers_in_which_the_rule_was_decided(tmp_path, run):
    """A value the rule did not decide (not applicable, its target missing) is not drawn: it neither stretches the
    axis nor leaves an empty panel. In the examples CTIP-4.1's only values belong to not-applicable outcomes."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from engine import national
    out = tmp_path / "out"
    run("batch", EXAMPLES, "-o", out, "--program", "all", "--jobs", 1)
    table = pq.read_table(out / "outcomes.parquet")
    ctip41 = table.filter(pc.and_(pc.equal(table["rule_id"], "CTIP-4.1"), pc.is_valid(table["value"])))
    assert ctip41.num_rows and set(ctip41["status"].to_pylist()) == {"not_applicable"}
    pic = national.picture(out / "outcomes.parquet", out / "verdicts.parquet")
    drawn = {d["id"]: d for p in pic["pictures"] for d in p.distributions}
    assert "CTIP-4.1" not in drawn
    for d in drawn.values():
        assert set(d["statuses"]) <= {"pass", "fail"} and len(d["values"]) == len(d["statuses"])


def test_axis_ticks_of_large_numbers_are_short_and_written_as_chinese_statistics_write_them():
    from engine.charts import axis_number
    assert axis_number(6_000_000_000, "en") == "6 bn"
    assert axis_number(4_500_000, "en") == "4.5 M"
    assert axis_number(6_000_000_000, "zh") == "60亿"
    assert axis_number(4_500_000, "zh") == "450万"
    assert axis_number(180_000, "en") == "180,000"     # below a million: as the report writes numbers
    assert axis_number(0.25, "zh") == "0.25"


def test_a_run_that_checked_nothing_says_so_instead_of_drawing_zeros(tmp_path, run):
    bad = tmp_path / "in" / "broken.json"
    bad.parent.mkdir()
    bad.write_text('{"zone": 1}', encoding="utf-8")
    for lang, words in (("en", "No dossier was checked in this run"), ("zh", "本次运行没有核查任何申报材料")):
        target = tmp_path / f"n-{lang}.pdf"
        code, _, _ = run("batch", bad.parent, "-o", tmp_path / "out", "--lang", lang, "--summary-pdf", target)
        assert code == 1
        text = _text(target).replace("\n", "")
        assert words in text and "errors.jsonl" in text
        assert "0 dossiers of 0 zones" not in text


def test_a_summary_pdf_that_would_overwrite_the_runs_outputs_is_refused_before_the_run(tmp_path, run):
    out = tmp_path / "out"
    for target in (out, out / "results.jsonl", out / "outcomes.parquet"):
        code, _, err = run("batch", EXAMPLES / "failing-donghai-2016.json", "-o", out, "--summary-pdf", target)
        assert code == 2 and "--summary-pdf" in err and "nothing was written" in err
        assert not out.exists()


def test_a_summary_pdf_that_cannot_be_written_says_the_runs_outputs_were(tmp_path, run):
    """Found out only after the run (a file where its folder should be): the tables are there, and the message says so."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run("batch", EXAMPLES / "failing-donghai-2016.json", "-o", out, "--summary-pdf", blocker / "n.pdf")
    assert code == 2
    assert "cannot write the summary PDF" in err and "were written" in err and "nothing was written" not in err
    assert (out / "outcomes.parquet").exists() and (out / "results.jsonl").exists()
