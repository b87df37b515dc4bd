"""The PDF compliance report: the result document (engine.result) → Jinja HTML (reports/) → WeasyPrint → PDF/A-3b.

The report shows what the document says; it never recomputes an indicator. Helpers only format (numbers,
units, gaps, levers as sentences: engine.reporttext) and pick rows here (which outcomes are eligibility readings,
which gaps are largest). Same document, dossier, language and date → the same bytes: no wall-clock time, a
document identifier derived from the inputs, fixed attachment dates, bundled fonts only.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import io
import logging
import threading
from dataclasses import dataclass, field

import jinja2
from markupsafe import Markup

from . import __version__, colwidths, fmt, glossary, load, svgcharts, svgtext, verdict
from .fetcher import BundledOnlyFetcher
from .gcpause import collector_paused
from .paths import REPORTS
from .reporttext import (
    decision_detail,
    gap_text,
    label_set,
    labels,  # noqa: F401  (engine.render.labels, as before the helpers moved)
    lever_text,
    outcome_reason,
    panel_view,
    requirement_parts,
    rule_source,
    source_text,
    target_text,
    unit_text,
    value_text,
    verdict_label,
)
from .result import json_text
from .trail import ATTACHMENT as TRAIL_ATTACHMENT
from .trail import rows as trail_rows

LANGS = ("en", "zh")
DOSSIER_ATTACHMENT = "parkcert-dossier.json"
RESULT_ATTACHMENT = "parkcert-result.json"
PDF_VARIANT = "pdf/a-3b"
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"

_LOCK = threading.Lock()


# --- bundled assets ------------------------------------------------------------------

def _css_string(value) -> Markup:
    """A CSS string literal; safe inside <style> (no quote, backslash, newline or '<' survives unescaped)."""
    out = []
    for ch in str(value):
        if ch in '"\\<>&\n\r' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return Markup('"' + "".join(out) + '"')


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(REPORTS)),
        autoescape=True,                      # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["css_string"] = _css_string
    return env


_FONT_CONFIG = None


def font_config():
    """One FontConfiguration per process (WeasyPrint is ~15 % faster when it is reused)."""
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration
        _FONT_CONFIG = FontConfiguration()
        svgtext.install()        # the charts' labels drawn a string at a time (measured: -0.26 s per report)
    return _FONT_CONFIG


_STYLESHEET = None


def stylesheet():
    """The report's stylesheet, parsed once per process (callers hold _LOCK): parsing it and registering its
    @font-face fonts with the FontConfiguration again for every report was 7 % of a render."""
    global _STYLESHEET
    if _STYLESHEET is None:
        from weasyprint import CSS
        _STYLESHEET = CSS(url=(REPORTS / STYLESHEET).as_uri(), url_fetcher=BundledOnlyFetcher(), font_config=font_config())
    return _STYLESHEET


# --- rows and views (the words themselves: engine.reporttext) ----------------------------

def _eligibility(o: dict) -> bool:
    """An outcome read from the dossier's eligibility section (every input pointer under /eligibility/)."""
    pointers = [i["pointer"] for f in (o["provenance"], o["reference"]) if f for i in f["inputs"]]
    return bool(pointers) and all(p.startswith("/eligibility/") for p in pointers)


@dataclass
class Row:
    o: dict
    id: str
    title: str
    value: str
    unit: str
    requirement: str
    requirement_ref: str
    status: str
    status_label: str
    gap: str
    gap_share: str
    clause: str
    notes: list[str] = field(default_factory=list)
    levers: list[str] = field(default_factory=list)
    engine_status: str = ""
    engine_label: str = ""
    panel: dict | None = None     # the panel's decision on this rule: {"kind", "text", "changed"}


MARK = {"pass": "✓", "fail": "×", "missing": "?", "not_applicable": "–", "waived": "W", "overridden": "↻"}


def _row(o: dict, lang: str, t: dict, titles: dict) -> Row:
    gap, share = gap_text(o, lang, t)
    req, ref = requirement_parts(o["comparison"], lang)
    notes = []
    if target_text(o, lang, t):
        notes.append(target_text(o, lang, t))
    elif (o["comparison"].get("kind") == "target" and o["status"] == "not_applicable" and not o.get("target")
          and not o["reason"]):
        notes.append(t["no_target"])
    if o["reason"] and o["status"] in ("missing", "not_applicable", "fail"):
        notes.append(outcome_reason(o, lang))
    choice = fmt.threshold_choice(o, lang)
    if choice:
        notes.append(choice)
    notes += [f"{t['warning']}{t['colon']}{glossary.reason(w, lang)}" for w in o["warnings"]]
    engine = o.get("engine_status") or o["status"]
    value = fmt.value_and_gap(o, lang)[0] if o["status"] == "fail" else value_text(o["value"], lang)
    return Row(o=o, id=o["rule_id"], title=o["title"][lang], value=value,
               unit=unit_text(o["unit"], lang), requirement=req, requirement_ref=ref, status=o["status"],
               status_label=t[f"status_{o['status']}"], gap=gap, gap_share=share, clause=glossary.citation(o["clause"], lang),
               notes=notes,
               # a rule the panel overrode or waived needs no advice on closing its gap
               levers=[lever_text(lv, lang, t, titles) for lv in o["levers"]
                       if o["status"] not in ("overridden", "waived")],
               engine_status=engine, engine_label=t[f"status_{engine}"], panel=panel_view(o, t, lang))


def _fact_view(f: dict | None, lang: str, t: dict) -> dict | None:
    if f is None:
        return None
    return {
        "metric": glossary.name(f["metric"], lang),
        "method": t.get(f"method_{f['method']}", f["method"]),
        "value": f"{value_text(f['value'], lang)} {unit_text(f['unit'], lang)}".strip(),
        "formula": glossary.formula(f["formula"] or "", lang),
        "period": "–".join(str(y) for y in f["period"]) if f["period"] else "",
        "year": f["year"],
        "reason": glossary.reason(f["reason"] or "", lang),
        "inputs": [{"name": glossary.names(i["name"], lang), "pointer": i["pointer"],
                    "value": f"{value_text(i['value'], lang)} {unit_text(i['unit'], lang)}".strip(),
                    "source": source_text(i["source"], t)} for i in f["inputs"]],
    }


def _chart_item(r: Row) -> dict:
    c = r.o["comparison"]
    return {"id": r.id, "symbol": c.get("symbol", ""), "value": r.o["value"], "threshold": c.get("threshold"),
            "status": r.engine_status, "annotation": f"{r.value} {r.unit}".strip() + f"  ({r.requirement})"}


STATUSES = ("pass", "fail", "missing", "not_applicable")
REVIEW_STATUSES = ("waived", "overridden")


def targets_view(rows: list[Row], lang: str, t: dict, reference_year: int | None) -> list[dict]:
    """Every declared target (a rule checked against the zone's own target): base, target, current value, progress."""
    out = []
    for r in rows:
        tg = r.o.get("target")
        if not tg or tg.get("value") is None:
            continue
        unit = r.unit
        progress = r.o.get("progress_pct")
        state = tg["state"]
        base = "—" if tg["base_value"] is None else f"{value_text(tg['base_value'], lang)} {unit}".strip()
        out.append({
            "row": r, "state": state, "state_label": t[f"target_{state}"],
            "base_year": tg["base_year"], "base": base,
            "declared": glossary.reason(tg["declared"] or "", lang), "target_year": tg["target_year"],
            "target": f"{value_text(tg['value'], lang)} {unit}".strip(),
            "current": f"{r.value} {unit}".strip() if r.o["value"] is not None else "—",
            "direction": t["better_higher"] if tg["direction"] == "higher" else t["better_lower"],
            "progress": "—" if progress is None else f"{progress:.0f} %",
            "bar": None if progress is None else round(max(0.0, min(progress, 100.0)), 1),
            "beyond": progress is not None and progress > 100,
        })
    return out


def review_view(p: dict, rows: list[Row], lang: str, t: dict) -> dict | None:
    """The panel's review of one program: who, when, what changed and why, the recommendation and the grade."""
    rv = p.get("review")
    if not rv:
        return None
    rec = rv.get("recommendation")
    grade = rv.get("grade")
    g = None
    if grade:
        bands, prev = [], None
        for b in grade["bands"]:
            name = t.get(f"grade_{b['grade']}", b["grade"])
            bands.append(f"{name} ≥ {fmt.number(b['min_score'], lang)}" if b["min_score"] > 0 or prev is None
                         else f"{name} < {fmt.number(prev, lang)}")
            prev = b["min_score"]
        g = {"score": fmt.number(grade["score"], lang), "title": grade["title"][lang], "grade": grade["grade"],
             "provisional": grade["provisional"], "bands": " · ".join(bands),
             "note": (grade.get("note_zh") or grade["note"]) if lang == "zh" else grade["note"],
             "note_translated": lang == "zh" and bool(grade.get("note_zh"))}
    decisions = []
    for r in rows:
        d = r.o.get("review")
        if not d or d["decision"] == "confirm":
            continue
        decisions.append({"row": r, "d": d, "panel": r.panel,
                          "risk": t.get(f"risk_{d['risk']}", d["risk"]) if d["risk"] else "—"})
    reviewed = [r for r in rows if r.o.get("review")]
    panel = rv["panel"]
    return {
        "file": rv["file"], "sha256": rv["sha256"], "meeting_date": rv["meeting_date"],
        "panel_name": panel.get("name") or "",
        # a role the workspace knows (chair, member) in the report's language; a panel's own wording as written
        "members": [{"name": m["name"], "role": t.get(f"role_{m.get('role')}", m.get("role") or ""),
                     "affiliation": m.get("affiliation") or ""}
                    for m in panel["members"]],
        "recommendation": ({"label": t.get(f"rec_{rec['decision']}", rec["decision"]), "decision": rec["decision"],
                            "text": rec.get("text") or ""} if rec else None),
        "grade": g,
        "decisions": decisions,
        "confirmed": sum(1 for r in reviewed if r.o["review"]["decision"] == "confirm"),
        "not_reviewed": len(rows) - len(reviewed),
    }


def program_view(p: dict, lang: str, t: dict, titles: dict, reference_year: int | None = None) -> dict:
    rows = [_row(o, lang, t, titles) for o in p["outcomes"]]
    by_id = {r.id: r for r in rows}
    known = [c["id"] for c in p["categories"]]
    sections = {c["id"]: c.get("section", "indicators") for c in p["categories"]}
    headers = [t[k] for k in (("col_rule", "col_indicator", "col_value", "col_unit", "col_threshold", "col_engine",
                               "col_panel", "col_gap", "col_clause") if p.get("review") else
                              ("col_rule", "col_indicator", "col_value", "col_unit", "col_threshold", "col_status",
                               "col_gap", "col_clause"))]
    groups = []
    for c in p["categories"] + ([{"id": None, "title": {"en": "Other", "zh": "其他"}}]
                                if any(o["category"] not in known for o in p["outcomes"]) else []):
        if sections.get(c["id"]) == "coverage":
            continue                      # shown in its own section (covered / not covered), not as pass / fail
        members = [r for r in rows if (r.o["category"] == c["id"] if c["id"] else r.o["category"] not in known)]
        if members:
            groups.append({"id": c["id"] or "other", "title": c["title"][lang], "rows": members,
                           "widths": colwidths.indicators(members, bool(p.get("review")), headers),
                           "chart": svgcharts.category_chart([_chart_item(r) for r in members], t)})
    # waived or overridden rules keep their gap (marked with the panel's decision); coverage is not a gap
    fails = [r for r in rows if r.engine_status == "fail" and sections.get(r.o["category"]) != "coverage"]
    fails.sort(key=lambda r: -(r.o["gap_pct"] if r.o["gap_pct"] is not None else 0))
    derivations = []
    for r in rows:
        o = r.o
        target = o.get("target")
        derivations.append({"row": r, "fact": _fact_view(o["provenance"], lang, t),
                            "target": target,
                            "target_declared": glossary.reason((target or {}).get("declared") or "", lang),
                            "target_reason": glossary.reason((target or {}).get("reason") or "", lang),
                            "target_base": _fact_view(target.get("base"), lang, t) if target else None,
                            "reference": _fact_view(o["reference"], lang, t),
                            "source": rule_source(o["source"], lang, t),
                            "in_force": o["in_force"]})
    return {
        "p": p,
        "id": p["program"],
        "title": p["title"][lang],
        "other_title": p["title"]["zh"] if lang == "en" else None,   # zh: no English subtitle
        "verdict": p["verdict"],
        "verdict_label": verdict_label(p, lang),
        "detail": decision_detail(p, lang, t),
        "decision": p["decision"][lang],
        "counts": p["counts"],
        "count_keys": STATUSES + (REVIEW_STATUSES if p.get("review") or any(p["counts"].get(k) for k in REVIEW_STATUSES)
                                  else ()),
        "review": review_view(p, rows, lang, t),
        "targets": (targets := targets_view(rows, lang, t, reference_year)),
        "targets_widths": colwidths.targets(targets, [t[k] for k in ("col_rule", "col_indicator", "base_col", "target",
                                                                     "current_col", "progress_col", "col_status")]),
        "plan": [r for r in rows if sections.get(r.o["category"]) == "checklist"],
        "plan_titles": [c["title"][lang] for c in p["categories"] if c.get("section") == "checklist"],
        "coverage": [r for r in rows if sections.get(r.o["category"]) == "coverage"],
        "coverage_title": next((c["title"][lang] for c in p["categories"] if c.get("section") == "coverage"), ""),
        "blocking": [by_id[b] for b in p["blocking"] if b in by_id],
        "largest_gaps": fails[:5],
        "missing": [r for r in rows if r.status == "missing"],
        "checklist": [r for r in rows if _eligibility(r.o)],
        "groups": groups,
        "derivations": derivations,
        "provisional": [{"name": x["name"], "title": (x.get("title") or {}).get(lang) or x["name"],
                         "value": value_text(x["value"], lang), "unit": unit_text(x["unit"], lang),
                         "note": (x.get("note_zh") or x["note"]) if lang == "zh" else x["note"]}
                        for x in p["provisional"]],
        "provisional_translated": lang == "zh" and all(x.get("note_zh") for x in p["provisional"]),
        "standard": (p.get("standard_zh") or p["standard"]) if lang == "zh" else p["standard"],
        **pack_views(p, lang, t),
    }


def pack_views(p: dict, lang: str, t: dict) -> dict:
    """Where the pack came from (an illustrative one says so) and how its groups stand."""
    src = p.get("pack_source") or {"origin": "shipped", "illustrative": None}
    source = (t["pack_shipped"] if src["origin"] == "shipped"
              else t["pack_external"].format(folder=src["folder"], sha=src["sha256"]))
    states = {"met": "pass", "not_met": "fail", "incomplete": "missing"}
    groups = [{"title": g["title"][lang], "clause": glossary.citation(g.get("clause") or "", lang),
               "needs": fmt.group_requirement(g, lang),
               "passing": g["passing"], "failing": g["failing"], "missing": g["missing"],
               "state": states[g["state"]], "state_label": fmt.GROUP_STATE[lang][g["state"]],
               "nearest": fmt.group_nearest(g, lang)} for g in p.get("groups") or ()]
    return {"illustrative": src["illustrative"][lang] if src.get("illustrative") else None,
            "pack_source": source, "rule_groups": groups}


def svg_uri(svg: str) -> str:
    """A chart as a data: URI for <img>: the SVG is drawn as an image, isolated from the page's markup."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _place(v, lang: str) -> str:
    return v if isinstance(v, str) else v[lang]


def readiness_view(doc: dict, lang: str, t: dict) -> dict | None:
    """The readiness matrix and the crosswalk of Tables 3/4, as the result document gives them."""
    r = doc.get("readiness")
    if not r:
        return None
    by_id = {p["program"]: (i, p) for i, p in enumerate(doc["programs"], start=1)}
    rows, columns = [], []
    for row in r["programs"]:
        base = {"id": row["program"], "title": row["title"][lang]}
        if row["verdict"] == "not_for_zone_type":
            rows.append({**base, "skipped": True, "reason": glossary.reason(row.get("reason") or "", lang)})
            continue
        n, p = by_id.get(row["program"], (None, None))
        columns.append(row["program"])
        rows.append({**base, "skipped": False, "verdict": row["verdict"], "anchor": n,
                     "verdict_label": verdict.of_program(p or row, lang),
                     "counts": row["counts"], "blocking": row["blocking"], "nearest": row["program"] == r["nearest"],
                     "groups": [f"{g['title'][lang]}: {g['passing']}/{g['needed']} {fmt.GROUP_STATE[lang][g['state']]}"
                                for g in row.get("groups") or ()],
                     "illustrative": t["illustrative_short"] if row.get("illustrative") else ""})
    crosswalk = []
    for cat in r["crosswalk"]:
        crosswalk.append({"title": cat["title"][lang], "metrics": [
            {"metric": m["metric"], "title": m["title"][lang],
             "value": "—" if m["value"] is None else f"{value_text(m['value'], lang)} {unit_text(m['unit'], lang)}".strip(),
             "rules": [m["programs"].get(c, []) for c in columns],
             "shared": sum(1 for c in columns if m["programs"].get(c)) > 1}
            for m in cat["metrics"]]})
    nearest = next((row["title"] for row in rows if row["id"] == r["nearest"]), r["nearest"])
    return {"rows": rows, "columns": columns, "nearest": nearest, "crosswalk": crosswalk,
            "review_statuses": any(row["counts"].get(k) for row in rows if not row["skipped"] for k in REVIEW_STATUSES)}


def context(doc: dict, dossier: dict, lang: str, report_date: dt.date, trail=None) -> dict:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    t = label_set(lang)
    cat = load.catalogue()
    titles = {name: q.title.get(lang) for name, q in cat.quantities.items()}
    d = doc["dossier"]
    z = d["zone"]
    zone_data = dossier["zone"]
    programs = [program_view(p, lang, t, titles, d["reference_year"]) for p in doc["programs"]]
    illustrative = [t["illustrative_short"]] if any((p.get("pack_source") or {}).get("illustrative")
                                                    for p in doc["programs"]) else []
    trace = " · ".join(illustrative + [f"{t['trace_short']} sha256 {d['sha256'][:16]}"]
                       + [f"{p['program']} {p['pack_version']} {t['trace_rules']} {p['rules_sha256'][:16]}"
                          for p in doc["programs"]]
                       + [f"parkcert {doc['engine']['version']} ({doc['engine']['evaluator']})"])
    series = dossier.get("series", {})
    return {
        "lang": lang,
        "t": t,
        "doc": doc,
        "zone": {
            "id": z["id"],
            "name": z["name"][lang],
            "other_name": z["name"]["zh" if lang == "en" else "en"],
            "name_en": z["name"]["en"],
            "name_zh": z["name"]["zh"],
            "location": ("" if lang == "zh" else ", ").join(
                [_place(z["province"], lang), _place(z["city"], lang)] if lang == "zh"
                else [_place(z["city"], lang), _place(z["province"], lang)]),
            "type": t.get(f"type_{z['type']}", z["type"]),
            "level": t.get(f"level_{zone_data.get('level')}", "") if zone_data.get("level") else "",
        },
        "dossier_file": d["file"],
        "as_of": doc["programs"][0]["as_of"],
        "reference_year": d["reference_year"],
        "report_date": report_date.isoformat(),
        "programs": programs,
        "plausibility": [{"pointer": w.get("cell") or w["pointer"], "message": w["message"][lang]}
                         for w in doc.get("plausibility") or ()],
        "any_provisional": any(p["provisional"] for p in programs),
        "readiness": readiness_view(doc, lang, t),
        "mark": MARK,
        "trend": svgcharts.trend_chart(series, titles, d["reference_year"], lambda u: unit_text(u, lang)),
        "trace_line": trace,
        "attachments": [DOSSIER_ATTACHMENT, RESULT_ATTACHMENT] + ([TRAIL_ATTACHMENT] if trail else []),
        "trail": trail_rows(trail, lang) if trail else None,
        "trail_file": trail.file if trail else None,
        "generator": f"ParkCert {__version__}",
        "value_text": lambda v, u=None: f"{value_text(v, lang)} {unit_text(u, lang)}".strip(),
        "source_text": lambda s: source_text(s, t),
        "outcome_reason": lambda o: outcome_reason(o, lang),
        "name_text": lambda s: glossary.names(s or "", lang),
        "svg_uri": svg_uri,
    }


def html(doc: dict, dossier: dict, lang: str = "en", report_date: dt.date | None = None, trail=None) -> str:
    day = report_date or dt.date.fromisoformat(doc["programs"][0]["as_of"])
    return environment().get_template(TEMPLATE).render(**context(doc, dossier, lang, day, trail))


# --- PDF -----------------------------------------------------------------------------

def result_json(doc: dict) -> str:
    """The attached result: exactly what `parkcert check --format json` prints for this document."""
    return json_text(doc)


def _dedupe_af(_document, pdf) -> None:
    """WeasyPrint 70 lists each attachment twice in the catalog's /AF array: keep the first of each."""
    af = pdf.catalog.get("AF")
    if not af:
        return
    import pydyf
    seen, kept = set(), []
    for ref in af:
        key = ref if isinstance(ref, bytes) else str(ref).encode()
        if key not in seen:
            seen.add(key)
            kept.append(ref)
    pdf.catalog["AF"] = pydyf.Array(kept)


def identifier(doc: dict, dossier_bytes: bytes, lang: str, report_date: dt.date, *extra: bytes) -> bytes:
    h = hashlib.sha256()
    for part in (result_json(doc).encode(), dossier_bytes, lang.encode(), report_date.isoformat().encode(),
                 __version__.encode(), *extra):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:32].encode()


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    warnings: list[str]


REVIEW_ATTACHMENT = "parkcert-review-{program}.yaml"


def render_pdf(doc: dict, dossier_bytes: bytes, dossier: dict, lang: str = "en",
               report_date: dt.date | None = None, reviews: dict[str, bytes] | None = None, trail=None) -> Rendered:
    """Render the report; the dossier bytes and the result JSON are attached (PDF/A-3b, /AFRelationship), and the
    panel's reviews and the workspace's audit trail (engine.trail.Trail) when given."""
    from weasyprint import Attachment

    day = report_date or dt.date.fromisoformat(doc["programs"][0]["as_of"])
    if hashlib.sha256(dossier_bytes).hexdigest() != doc["dossier"]["sha256"]:
        raise ValueError("the dossier bytes do not match the sha256 in the result document")
    source = html(doc, dossier, lang, day, trail)
    fetcher = BundledOnlyFetcher()
    stamp = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    attachments = [
        Attachment(string=dossier_bytes, name=DOSSIER_ATTACHMENT, url_fetcher=fetcher, created=stamp,
                   modified=stamp, relationship="Source",
                   description=f"Input dossier ({doc['dossier']['file']}), sha256 {doc['dossier']['sha256']}"),
        Attachment(string=result_json(doc).encode("utf-8"), name=RESULT_ATTACHMENT, url_fetcher=fetcher,
                   created=stamp, modified=stamp, relationship="Data",
                   description="ParkCert result document (schemas/result.schema.json)"),
    ] + [
        # the panel's review travels with the report, so that `parkcert verify` re-applies it
        Attachment(string=raw, name=REVIEW_ATTACHMENT.format(program=program), url_fetcher=fetcher, created=stamp,
                   modified=stamp, relationship="Source",
                   description=f"Expert panel review of {program} (schemas/review.schema.json)")
        for program, raw in sorted((reviews or {}).items())
    ] + ([Attachment(string=trail.raw, name=TRAIL_ATTACHMENT, url_fetcher=fetcher, created=stamp, modified=stamp,
                     relationship="Supplement", description="Audit trail of the dossier in the panel's workspace "
                     "(schemas/audit-trail.schema.json; each entry hash-chained)")] if trail else [])
    base = (REPORTS / TEMPLATE).as_uri()
    ident = identifier(doc, dossier_bytes, lang, day, *(raw for _, raw in sorted((reviews or {}).items())),
                       *([trail.raw] if trail else []))
    handler = _Collect()
    log = logging.getLogger("weasyprint")
    # the collector off while WeasyPrint builds and writes the document, one young collection after: a render keeps
    # its whole box tree alive until it ends, so every full collection during it walked that tree again (measured
    # 0.35-0.56 s of a 1.9 s warm 14-page render, 1.6 s of 6.8 s for 38 pages; the one collection afterwards 0.14 s
    # (0.34 s); peak memory 2-4 MB higher)
    with _LOCK, collector_paused(then=0):
        log.addHandler(handler)
        try:
            pdf, pages = _weasyprint(source, base, fetcher, attachments, ident)
        finally:
            log.removeHandler(handler)
    return Rendered(pdf, pages, handler.messages + [f"refused {u}" for u in fetcher.refused])


def _weasyprint(source: str, base: str, fetcher, attachments: list, ident: bytes) -> tuple[bytes, int]:
    """(PDF bytes, pages); the document dies with this frame, before the collection after the render."""
    from weasyprint import HTML

    document = HTML(string=source, base_url=base, url_fetcher=fetcher).render(
        stylesheets=[stylesheet()], font_config=font_config(), pdf_variant=PDF_VARIANT)
    buf = io.BytesIO()
    document.write_pdf(buf, finisher=_dedupe_af, pdf_variant=PDF_VARIANT, attachments=attachments,
                       pdf_identifier=ident)
    return buf.getvalue(), len(document.pages)


# --- reading a report back -----------------------------------------------------------

def attachments(pdf_bytes: bytes) -> dict[str, bytes]:
    """The embedded files of a PDF, by name (empty if none, or if the bytes are not a PDF)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    try:
        reader = PdfReader(io.BytesIO(pdf_bytes))
        found = reader.attachments
        return {name: data[0] for name, data in found.items() if data}
    except (PdfReadError, ValueError, KeyError, TypeError):
        return {}
