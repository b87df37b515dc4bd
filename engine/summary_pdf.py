"""The portfolio page of `parkcert summary --pdf`: one table as in Table A1 of IISD (2015), rendered like the reports."""
from __future__ import annotations

import hashlib
import io
import json

from . import fmt
from .fetcher import BundledOnlyFetcher
from .paths import REPORTS
from .render import STYLESHEET, environment, font_config

TEXT = {
    "en": {"title": "Subsidies attributed to circular-transformation zones", "zone": "Zone", "subsidy": "Subsidy (million RMB)",
           "investment": "Investment (million RMB)", "share": "Share", "average": "Average",
           "lead": "Subsidy approved by NDRC and MoF, the zone's planned investment, and the subsidy's share of it.",
           "note": "Average subsidy over all zones; average share over the zones whose investment is known, as in "
                   "IISD (2015), Table A1 (pooled share: {pooled}). n/c: not communicated.",
           "without": "No subsidy recorded"},
    "zh": {"title": "园区循环化改造补助资金汇总", "zone": "园区", "subsidy": "补助（百万元）", "investment": "投资（百万元）",
           "share": "占比", "average": "平均", "lead": "国家发展改革委、财政部核定的补助资金、园区计划投资及补助占投资的比例。",
           "note": "平均补助按全部园区计算；平均占比按已知投资的园区计算，"
                   "与 IISD（2015）表A1一致（合并占比：{pooled}）。n/c：未公开。",
           "without": "未记录补助"},
}


def render_summary_pdf(s: dict, lang: str = "en") -> bytes:
    from weasyprint import CSS, HTML

    t = dict(TEXT[lang])
    pooled = "—" if s["pooled_share_pct"] is None else f"{s['pooled_share_pct']:.1f} %"
    t["note"] = t["note"].format(pooled=pooled)
    rows = [{"name": r["name_zh"] if lang == "zh" else r["name_en"], "other": r["name_en"] if lang == "zh" else r["name_zh"],
             "subsidy": fmt.number(r["subsidy"]), "investment": "n/c" if r["investment"] is None else fmt.number(r["investment"]),
             "share": "" if r["share_pct"] is None else f"{r['share_pct']:.1f} %"} for r in s["rows"]]
    day = max((r["approval_date"] for r in s["rows"]), default="1970-01-01")
    html = environment().get_template("summary.html.j2").render(
        t=t, lang=lang, rows=rows, date=day, without=s["without_subsidy"],
        mean_subsidy="—" if s["mean_subsidy"] is None else f"{s['mean_subsidy']:.1f}",
        mean_share="—" if s["mean_share_pct"] is None else f"{s['mean_share_pct']:.1f} %")
    fetcher = BundledOnlyFetcher()
    css = CSS(url=(REPORTS / STYLESHEET).as_uri(), url_fetcher=fetcher, font_config=font_config())
    doc = HTML(string=html, base_url=(REPORTS / "summary.html.j2").as_uri(), url_fetcher=fetcher).render(
        stylesheets=[css], font_config=font_config())
    buf = io.BytesIO()
    ident = hashlib.sha256(json.dumps(s, sort_keys=True, ensure_ascii=False).encode() + lang.encode()).hexdigest()[:32]
    doc.write_pdf(buf, pdf_identifier=ident.encode())
    return buf.getvalue()
