"""The national picture of `parkcert batch --summary-pdf`: what the batch tables say, drawn for an analyst.

Read from the assembled outcomes and verdicts tables (never from the dossiers again): per program, the
verdicts; each indicator's distribution across the dossiers with its threshold drawn in; the share of
dossiers failing each rule by province and by data year; and, per zone (its latest dossier), the program
it is closest to. Aggregation is pyarrow's; the figures are drawn in the report's style (engine.charts).
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import charts, verdict
from .render import unit_text

TEXT = {
    "en": {
        "title": "National picture", "kicker": "ParkCert batch summary",
        "lead": "{dossiers:,} dossiers of {zones:,} zones in {provinces:,} provinces, data years {years}; "
                "checked against {programs}.",
        "verdicts": "Verdicts", "program": "Program", "dossiers": "Dossiers",
        "nearest": "The program each zone is closest to",
        "nearest_lead": "Each zone's latest dossier: the program it passes, or else the one with the fewest blocking "
                        "rules, then the largest share of passes.",
        "distributions": "Indicators across the dossiers",
        "distributions_lead": "Each bar counts dossiers; the dashed line is the threshold (none where it depends on "
                              "the zone). Dossiers with the indicator missing are not drawn.",
        "by_province": "Share of dossiers failing each rule, by province",
        "by_year": "Share of dossiers failing each rule, by data year",
        "share_lead": "Of the dossiers in which the rule was decided (pass or fail); rules that never failed are left out.",
        "none_failed": "No rule of this program failed.",
        "threshold": "threshold", "varies": "threshold depends on the zone", "count": "dossiers",
        "zones": "zones", "source": "Source of every rule: IISD (2015), cited by section and table in each pack.",
        "generated": "From {outcomes} and {verdicts}.",
        "empty": "No dossier was checked in this run, so there is nothing to draw: the inputs that could not be "
                 "checked are listed in errors.jsonl, each with its problems.",
    },
    "zh": {
        "title": "全国概况", "kicker": "ParkCert 批量核查汇总",
        "lead": "共{dossiers:,}份申报材料，涉及{provinces:,}个省份的{zones:,}个园区，数据年份{years}；核查项目：{programs}。",
        "verdicts": "结论", "program": "项目", "dossiers": "申报材料数",
        "nearest": "各园区最接近通过的项目",
        "nearest_lead": "按各园区最新一份申报材料：已通过的项目；否则为妨碍认证的规则最少、达标比例最高的项目。",
        "distributions": "各指标的分布",
        "distributions_lead": "柱高为申报材料数；虚线为阈值（阈值因园区而异时不画）。缺数据的申报材料不计入。",
        "by_province": "各规则未达标的申报材料比例（按省份）",
        "by_year": "各规则未达标的申报材料比例（按数据年份）",
        "share_lead": "分母为该规则已判定（达标或未达标）的申报材料；从未出现未达标的规则不列出。",
        "none_failed": "本项目没有未达标的规则。",
        "threshold": "阈值", "varies": "阈值因园区而异", "count": "申报材料数",
        "zones": "个园区", "source": "各规则出处：IISD（2015），各规则包中注明章节与表格。",
        "generated": "数据来自 {outcomes} 和 {verdicts}。",
        "empty": "本次运行没有核查任何申报材料，因此无可绘制的内容：无法核查的输入及其问题列于 errors.jsonl。",
    },
}
MAX_HEATMAP_COLUMNS = 32        # provinces of China: 31 and a margin


@dataclass
class ProgramPicture:
    program: str
    verdicts: list[tuple[str, int]]                  # (words, dossiers)
    distributions: list[dict] = field(default_factory=list)
    by_province: dict | None = None                  # {"rows": [rule labels], "columns": [...], "shares": [[...]]}
    by_year: dict | None = None


def _strings(table: pa.Table, name: str) -> pa.Array:
    col = table.column(name)
    return col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col


def _nearest(verdicts: pa.Table) -> list[tuple[str, str, str]]:
    """(zone id, province, nearest program) from each zone's latest dossier; the order of readiness."""
    best: dict[str, tuple] = {}
    cols = {k: _strings(verdicts, k).to_pylist() for k in ("zone_id", "program", "verdict_code", "blocking",
                                                           "province_en", "province_zh", "dossier_sha256")}
    as_of = verdicts.column("as_of").to_pylist()
    counts = {k: verdicts.column(k).to_pylist() for k in ("pass", "fail", "missing")}
    latest: dict[str, tuple] = {}
    for i, zone in enumerate(cols["zone_id"]):
        key = (as_of[i], cols["dossier_sha256"][i])
        if zone not in latest or key > latest[zone]:
            latest[zone] = key
    for i, zone in enumerate(cols["zone_id"]):
        if (as_of[i], cols["dossier_sha256"][i]) != latest[zone]:
            continue
        decided = counts["pass"][i] + counts["fail"][i] + counts["missing"][i]
        distance = (cols["verdict_code"][i] != "certifiable", len(cols["blocking"][i].split()),
                    -(counts["pass"][i] / decided if decided else 0), cols["program"][i])
        if zone not in best or distance < best[zone][0]:
            best[zone] = (distance, cols["province_en"][i], cols["province_zh"][i], cols["program"][i])
    return [(z, b[1], b[2], b[3]) for z, b in sorted(best.items())]


def _fail_shares(table: pa.Table, by: str, lang: str) -> dict | None:
    """Rules × `by` (province or data year): the share of decided dossiers that fail."""
    decided = table.filter(pc.is_in(_strings(table, "status"), pa.array(["pass", "fail"])))
    if decided.num_rows == 0:
        return None
    keys = pa.table({"rule": _strings(decided, "rule_id"), "by": decided.column(by) if by == "data_year"
                     else _strings(decided, by), "fail": pc.cast(pc.equal(_strings(decided, "status"), "fail"), pa.int32())})
    grouped = keys.group_by(["rule", "by"]).aggregate([("fail", "sum"), ("fail", "count")]).to_pylist()
    failing_rules = sorted({g["rule"] for g in grouped if g["fail_sum"]}, key=_rule_order)
    if not failing_rules:
        return None
    columns = sorted({g["by"] for g in grouped if g["by"] is not None})[:MAX_HEATMAP_COLUMNS]
    cell = {(g["rule"], g["by"]): (g["fail_sum"], g["fail_count"]) for g in grouped}
    shares = [[(cell[r, c][0] / cell[r, c][1] * 100) if (r, c) in cell else None for c in columns] for r in failing_rules]
    return {"rows": failing_rules, "columns": [str(c) for c in columns], "shares": shares}


def _rule_order(rule_id: str):
    parts = rule_id.replace("-", ".").split(".")
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts]


def _distributions(table: pa.Table, lang: str) -> list[dict]:
    # only what the chart draws: a value the rule did not decide (not applicable, a target missing) would stretch
    # the axis, or leave an empty panel when no dossier decided the rule
    decided = pc.is_in(_strings(table, "status"), pa.array(["pass", "fail"]))
    numeric = table.filter(pc.and_(pc.and_(pc.is_valid(table.column("value")),
                                           pc.not_equal(_strings(table, "unit"), "bool")), decided))
    if numeric.num_rows == 0:
        return []
    rules = _strings(numeric, "rule_id")
    out = []
    for rule in sorted(set(rules.to_pylist()), key=_rule_order):
        rows = numeric.filter(pc.equal(rules, rule))
        values = rows.column("value").to_pylist()
        thresholds = {t for t in rows.column("threshold").to_pylist() if t is not None}
        first = rows.slice(0, 1).to_pylist()[0]
        out.append({"id": rule, "title": first[f"title_{lang}"], "unit": unit_text(first["unit"], lang),
                    "values": values, "threshold": thresholds.pop() if len(thresholds) == 1 else None,
                    "statuses": _strings(rows, "status").to_pylist()})
    return out


def picture(outcomes: Path, verdicts: Path, lang: str = "en") -> dict:
    """Everything the summary shows, as plain data."""
    o = pq.read_table(outcomes)
    v = pq.read_table(verdicts)
    programs = sorted(set(_strings(v, "program").to_pylist()))
    years = sorted(y for y in set(v.column("data_year").to_pylist()) if y is not None)
    province_col = f"province_{lang}"
    pictures = []
    for prog in programs:
        pv = v.filter(pc.equal(_strings(v, "program"), prog))
        words: dict[str, int] = {}
        codes = _strings(pv, "verdict_code").to_pylist()
        labels = _strings(pv, "verdict" if lang == "en" else "verdict_zh").to_pylist()
        for code in verdict.CODES:
            n = codes.count(code)
            if n:
                words[labels[codes.index(code)]] = n
        po = o.filter(pc.equal(_strings(o, "program"), prog))
        deciding = po.filter(po.column("decides"))
        pictures.append(ProgramPicture(prog, list(words.items()), _distributions(deciding, lang),
                                       _fail_shares(deciding, province_col, lang), _fail_shares(deciding, "data_year", lang)))
    nearest = _nearest(v)
    return {"dossiers": len(set(_strings(v, "dossier_sha256").to_pylist())),
            "zones": len(set(_strings(v, "zone_id").to_pylist())),
            "provinces": len(set(_strings(v, province_col).to_pylist())),
            "years": f"{years[0]}–{years[-1]}" if years else "—", "programs": programs, "pictures": pictures,
            "nearest": [(z, p_en if lang == "en" else p_zh, prog) for z, p_en, p_zh, prog in nearest]}


def _title(program: str, lang: str) -> str:
    from . import load
    from .problems import InputError
    try:
        return getattr(load.pack(program).title, lang)
    except InputError:      # a pack of another folder, not loaded here: its id says enough
        return ""


def render_summary_pdf(outcomes: Path, verdicts: Path, lang: str = "en") -> bytes:
    """The national picture as a PDF in the report's style."""
    from weasyprint import CSS, HTML

    from .fetcher import BundledOnlyFetcher
    from .paths import REPORTS
    from .render import STYLESHEET, environment, font_config

    t = TEXT[lang]
    pic = picture(outcomes, verdicts, lang)
    labels = {"threshold": t["threshold"], "varies": t["varies"], "count": t["count"], "zones": t["zones"],
              "lang": lang}
    sections = []
    for p in pic["pictures"]:
        sections.append({
            "program": p.program, "title": _title(p.program, lang), "verdicts": p.verdicts,
            # at most four rows of three per figure: a figure never spans a page
            "distributions": [charts.distribution_charts(p.distributions[i:i + 12], labels)
                              for i in range(0, len(p.distributions), 12)],
            "by_province": charts.share_heatmap(p.by_province) if p.by_province else None,
            "by_year": charts.share_heatmap(p.by_year) if p.by_year else None,
        })
    lead = t["lead"].format(dossiers=pic["dossiers"], zones=pic["zones"], provinces=pic["provinces"],
                            years=pic["years"], programs=", ".join(pic["programs"])) if pic["dossiers"] else t["empty"]
    html = environment().get_template("national.html.j2").render(
        t=t, lang=lang, lead=lead, sections=sections,
        nearest=charts.nearest_chart(pic["nearest"], labels) if pic["nearest"] else None,
        generated=t["generated"].format(outcomes=outcomes.name, verdicts=verdicts.name))
    fetcher = BundledOnlyFetcher()
    css = CSS(url=(REPORTS / STYLESHEET).as_uri(), url_fetcher=fetcher, font_config=font_config())
    doc = HTML(string=html, base_url=(REPORTS / "national.html.j2").as_uri(), url_fetcher=fetcher).render(
        stylesheets=[css], font_config=font_config())
    buf = io.BytesIO()
    ident = hashlib.sha256(outcomes.read_bytes()[:1 << 20] + verdicts.read_bytes() + lang.encode()).hexdigest()[:32]
    doc.write_pdf(buf, pdf_identifier=ident.encode())
    return buf.getvalue()
