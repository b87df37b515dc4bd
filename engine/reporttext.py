"""The report's words: numbers, units, gaps, levers, requirements, the panel's decisions and the decision's
figures as text in the report's language (engine.render puts them in rows and pages). Only formatting: nothing
here recomputes an indicator."""
from __future__ import annotations

import functools
import re

import yaml

from . import fmt, glossary, load, verdict
from .paths import REPORTS


@functools.cache
def labels() -> dict[str, dict[str, str]]:
    """reports/labels.yaml: {key: {en: ..., zh: ...}}."""
    with open(REPORTS / "labels.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def label_set(lang: str) -> dict[str, str]:
    return {k: v[lang] for k, v in labels().items()}


_UNIT_GLYPHS = (("10^4", "10⁴"), ("10^8", "10⁸"), ("km2", "km²"), ("m3", "m³"), ("m2", "m²"), ("SO2", "SO₂"))


def unit_text(u: str | None, lang: str = "en") -> str:
    """A unit as the report's language writes it: 吨标准煤/万元 in Chinese, tce/10⁴ RMB in English."""
    text = fmt.unit(u)
    if lang == "zh":
        return glossary.unit(text, lang)
    for a, b in _UNIT_GLYPHS:
        text = text.replace(a, b)
    return text


_NAMES = re.compile(r"[a-z][a-z0-9_]*(?:, [a-z][a-z0-9_]*)*")   # what the engine writes for the filled keys of an object


def value_text(v, lang: str) -> str:
    """Any dossier or result value as short text: numbers via fmt.number, objects as key: value pairs."""
    zh = lang == "zh"
    if isinstance(v, dict):
        return ("；" if zh else "; ").join(f"{glossary.name(k, lang)}{'：' if zh else ': '}{value_text(x, lang)}"
                                          for k, x in v.items())
    if isinstance(v, list):
        return ("、" if zh else ", ").join(value_text(x, lang) for x in v) or "—"
    if isinstance(v, str):   # catalogue or field names by their titles; the engine's words in zh
        if zh and _NAMES.fullmatch(v):
            return "、".join(glossary.name(x, lang) for x in v.split(", "))
        return glossary.value(v, lang)
    return fmt.number(v, lang)


def source_text(src: dict | None, t: dict) -> str:
    if not src:
        return ""
    text = src["document"]
    if "page" in src:
        text += f", {t['page_abbr']} {src['page']}{t['page_suffix']}".replace(" 第 ", " 第")
    if src.get("note"):
        text += f" ({src['note']})"
    return text


def requirement_parts(comparison: dict, lang: str) -> tuple[str, str]:
    """(the requirement, the metric it refers to when the threshold is another metric's value)."""
    t = comparison.get("threshold")
    symbol = comparison.get("symbol") or comparison.get("op", "")
    if "metric" in comparison:   # whose value it is, by the metric's title in the report's language
        m = load.catalogue().metrics.get(comparison["metric"])
        return f"{symbol} {value_text(t, lang) if t is not None else '?'}", m.title.get(lang) if m else comparison["metric"]
    if isinstance(t, bool):
        return f"= {fmt.YES_NO[lang][0 if t else 1]}", ""
    if t is None and comparison.get("kind") in ("target", "benchmark"):
        return label_set(lang)["no_target" if comparison["kind"] == "target" else "no_benchmark"], ""
    if t is None:
        return symbol, ""
    return f"{symbol} {value_text(t, lang)}", ""


def gap_text(o: dict, lang: str, t: dict) -> tuple[str, str]:
    """(gap in the indicator's unit, gap as a share of the threshold), empty unless the rule fails."""
    if o.get("engine_status", o["status"]) != "fail" or o["gap"] is None:
        return "", ""
    _, g = fmt.value_and_gap(o, lang)
    if o["unit"] == "%":
        main = f"{g} {t['percent_points']}"
    else:
        main = f"{g} {unit_text(o['unit'], lang)}".strip()
    share = ""
    if o["gap_pct"] is not None:
        share = (f"{o['gap_pct']:.1f} % {t['of_threshold']}" if lang == "en"
                 else f"{t['of_threshold']} {o['gap_pct']:.1f}%")
    return main, share


def lever_text(lv: dict, lang: str, t: dict, titles: dict[str, str]) -> str:
    """One lever as a sentence in the dossier's own units, e.g. 'cut energy_consumption 2015 by 528,000 tce'."""
    verb = t["lever_cut"] if lv["change"] < 0 else t["lever_raise"]
    amount = f"{fmt.number(abs(lv['change']), lang)} {unit_text(lv['unit'], lang)}".strip()
    span = (f"{fmt.number(lv['current'], lang)} → {fmt.number(lv['target'], lang)}")
    title = titles.get(lv["quantity"], lv["quantity"])
    year = lv["year"] if lv["year"] is not None else ""
    if lang == "zh":
        return f"将{year}年{title}{verb} {amount}（{span}）"
    return f"{verb} {lv['quantity']} {year} by {amount} ({title}: {span})".replace("  ", " ")


def panel_view(o: dict, t: dict, lang: str) -> dict | None:
    """The panel's decision as it is shown beside the engine's outcome (None: the rule was not reviewed).

    changed: the panel's outcome differs from the engine's (override, waiver in force, not applicable);
    an expired waiver does not change it, and says so.
    """
    rv = o.get("review")
    if not rv:
        return None
    kind, detail = rv["decision"], ""
    if kind == "override":
        label = t[f"panel_overridden_{rv['override_to']}"]
    elif kind == "waive" and rv["expired"]:
        kind, label, detail = "expired", t["panel_expired"], t["panel_expired_on"].format(date=rv["expires"])
    elif kind == "waive":
        label = t["panel_waived"]
        detail = t["panel_until"].format(date=rv["expires"]) if rv["expires"] else ""
    elif kind == "not_applicable":
        label = t["panel_not_applicable"]
    else:
        label = t["panel_confirmed"]
    text = f"{label} {detail}".strip() if lang == "en" else f"{label}{detail}"
    return {"kind": kind, "label": label, "detail": detail, "text": text,
            "changed": kind in ("override", "waive", "not_applicable")}


def rule_source(src: dict, lang: str, t: dict) -> str:
    """A rule's source in the report's language; a pack that gives it only in English is marked so in zh."""
    if lang == "zh" and src.get("zh"):
        return src["zh"]
    return glossary.citation(src["en"], lang) + t["note_in_english"]


def _pct(v) -> str:
    return "—" if v is None else f"{v:g} %"


def target_text(o: dict, lang: str, t: dict) -> str:
    """A declared target (CTIP-style rules) as one line, with the progress the document gives."""
    tg = o.get("target")
    if not tg or tg.get("value") is None:
        return ""
    direction = t["direction_higher"] if tg["direction"] == "higher" else t["direction_lower"]
    text = t["target_line"].format(declared=glossary.reason(tg["declared"], lang), base_year=tg["base_year"], direction=direction)
    if o.get("progress_pct") is not None:
        text += f"{t['comma']}{t['progress']} {o['progress_pct']:.0f} %"
    return text


def verdict_label(p: dict, lang: str) -> str:
    """The pack's own wording for the verdict when it has one (e.g. CTIP tranches), else the generic label."""
    return verdict.of_program(p, lang)


def decision_detail(p: dict, lang: str, t: dict) -> dict:
    """The decision's own figures (share of targets met, subsidy tranches, refund test), as lines and rows."""
    d = p["decision"].get("detail") or {}
    lines, tranches = [], []
    if d.get("targets_declared") is not None and "share_met_pct" in d:
        lines.append((t["targets_met"], t["targets_line"].format(
            met=d["targets_met"], declared=d["targets_declared"], share=_pct(d["share_met_pct"]),
            required=_pct(d["share_required_pct"]), missing=d["targets_missing"])))
        if d.get("mean_progress_pct") is not None:
            lines.append((t["mean_progress"], _pct(d["mean_progress_pct"])))
    sub = d.get("subsidy")
    if sub:
        money = glossary.unit(sub["unit"], lang)
        text = t["subsidy_line"].format(approved=fmt.number(sub["approved"], lang), unit=money,
                                        date=sub["approval_date"], received=fmt.number(sub["received"], lang))
        if sub.get("investment"):
            text += f"{t['semicolon']}{t['investment']} {fmt.number(sub['investment'], lang)} {money}"
        lines.append((t["subsidy"], text))
        tranches = [{"title": x["title"][lang], "share": _pct(x["share_pct"]),
                     "amount": f"{fmt.number(x['amount'], lang)} {money}", "due": x["due"],
                     "condition": glossary.reason(x["condition"], lang)} for x in sub["tranches"]]
    elif "subsidy" in d:
        lines.append((t["subsidy"], t["no_subsidy"]))
    ref = d.get("refund")
    if ref:
        title = ref["title"][lang] if ref.get("title") else t["refund"]
        if not ref["assessable"]:
            text = t["refund_not_yet"].format(date=ref["review_date"])
        else:
            key = "refund_due" if ref["due"] else "refund_none"
            text = t[key].format(progress=_pct(ref["mean_progress_pct"]), required=_pct(ref["progress_required_pct"]),
                                 date=ref["review_date"], amount=fmt.number(ref["amount"], lang),
                                 unit=glossary.unit((sub or {}).get("unit", ""), lang))
        lines.append((title, text))
    return {"lines": lines, "tranches": tranches}


def outcome_reason(o: dict, lang: str) -> str:
    """An outcome's reason in the report's language; a zone attribute it names by the attribute's title."""
    c = o.get("threshold_choice") or {}
    return glossary.reason(o.get("reason") or "", lang, {c["attribute"]: c["title"][lang]} if c else None)
