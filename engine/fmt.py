"""Number and status formatting shared by the text table and the reports."""
from __future__ import annotations

import math

from . import glossary
from .verdict import GENERIC as GENERIC_VERDICT

STATUS_LABEL = {
    "en": {"pass": "pass", "fail": "FAIL", "missing": "missing", "not_applicable": "n/a", "waived": "WAIVED",
           "overridden": "OVERRIDDEN"},
    "zh": {"pass": "达标", "fail": "未达标", "missing": "缺数据", "not_applicable": "不适用", "waived": "豁免",
           "overridden": "改判"},
}


def status(o: dict, lang: str = "en") -> str:
    """A status as shown to people: a panel's override names both outcomes, never a plain pass."""
    label = STATUS_LABEL[lang][o["status"]]
    if o["status"] == "overridden":
        return f"{label} → {STATUS_LABEL[lang][o['review']['override_to']]}"
    if o.get("review") and o["review"]["expired"]:
        return f"{label} (waiver expired)" if lang == "en" else f"{label}（豁免已过期）"
    return label
VERDICT_LABEL = GENERIC_VERDICT   # generic words only; a program's verdict is shown with verdict.of_program
YES_NO = {"en": ("yes", "no"), "zh": ("是", "否")}


def number(v, lang: str = "en") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return YES_NO[lang][0 if v else 1]
    if isinstance(v, str):  # dates
        return v
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:,.1f}".rstrip("0").rstrip(".")
    if a == 0:
        return "0"
    # never an exponent (people read 7.2e-5 as a typo): four significant digits written out
    return f"{v:.{_decimals(v, 4)}f}".rstrip("0").rstrip(".")


def _decimals(v: float, significant: int) -> int:
    """The decimals that show v with `significant` significant digits."""
    return max(0, significant - 1 - math.floor(math.log10(abs(v)))) if v else 0


def _shown_decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def value_and_gap(o: dict, lang: str = "en") -> tuple[str, str | None]:
    """An outcome's value and gap written with the same decimals, so that the gap reads as the difference
    between the value and the threshold (12.002 against ≥ 15: gap 2.998, never 12 with gap 2.998)."""
    v, g = o["value"], o.get("gap")
    failed = "fail" in (o.get("status"), o.get("engine_status"))
    if not isinstance(v, (int, float)) or isinstance(v, bool) or g is None or not failed:
        return number(v, lang), None if g is None else number(g, lang)
    d = max(_shown_decimals(number(v)), _shown_decimals(number(g)))
    return f"{v:,.{d}f}", f"{g:,.{d}f}"


def unit(u: str | None) -> str:
    if u in (None, "1", "bool", "date"):
        return ""
    return u


def requirement(comparison: dict, lang: str = "en") -> str:
    t = comparison["threshold"]
    if comparison.get("kind") == "target" and t is None:
        return "no target" if lang == "en" else "无目标"
    if isinstance(t, str):  # a date
        return f"{comparison['symbol']} {t}"
    if "metric" in comparison:   # the compared value first, then whose value it is (as the PDF shows it)
        return f"{comparison['symbol']} {number(t, lang) if t is not None else '?'} ({comparison['metric']})"
    if isinstance(t, bool):
        return f"= {YES_NO[lang][0 if t else 1]}"
    return f"{comparison['symbol']} {number(t, lang)}"


def gap(o: dict) -> str:
    if o["status"] != "fail" or o["gap"] is None:
        return ""
    _, g = value_and_gap(o)
    if o["unit"] == "%":
        text = f"{g} pt"  # percentage points, not a relative change
    else:
        text = f"{g} {unit(o['unit'])}".strip()
    if o["gap_pct"] is not None:
        text += f" ({o['gap_pct']:.1f} % of the threshold)"
    return text


# --- groups of rules and thresholds chosen by a zone attribute (packs with a 'groups' decision) ---

GROUP_STATE = {
    "en": {"met": "met", "not_met": "NOT MET", "incomplete": "incomplete"},
    "zh": {"met": "满足", "not_met": "未满足", "incomplete": "数据不全"},
}


def group_requirement(g: dict, lang: str = "en") -> str:
    """What a group needs, e.g. 'at least 1 of 4' / '4项中至少1项'."""
    kind, value, n = g["require"]["kind"], g["require"]["value"], g["counted"]
    if kind == "all":
        return f"all {n}" if lang == "en" else f"全部{n}项"
    if kind == "at_least":
        return f"at least {value:g} of {n}" if lang == "en" else f"{n}项中至少{value:g}项"
    return (f"at least {value:g} % of {n} (= {g['needed']})" if lang == "en"
            else f"{n}项中至少{value:g}%（即{g['needed']}项）")


def group_nearest(g: dict, lang: str = "en") -> str:
    """The rules nearest to passing, smallest relative gap first."""
    parts = []
    for c in g["cheapest"]:
        if c["gap_pct"] is not None:
            parts.append(f"{c['rule_id']} ({c['gap_pct']:.1f} %)" if lang == "en" else f"{c['rule_id']}（差{c['gap_pct']:.1f}%）")
        else:
            parts.append(f"{c['rule_id']} ({STATUS_LABEL[lang][c['status']]})" if lang == "en"
                         else f"{c['rule_id']}（{STATUS_LABEL[lang][c['status']]}）")
    return ", ".join(parts)


def threshold_choice(o: dict, lang: str = "en") -> str | None:
    """Which threshold a zone attribute chose for this outcome, and the other branches."""
    c = o.get("threshold_choice")
    if not c:
        return None
    sym = o["comparison"]["symbol"]
    u = glossary.unit(unit(c["unit"]), lang)
    titles = c.get("case_titles") or {}
    others = ("; " if lang == "en" else "；").join(
        f"{titles[k][lang] if k in titles else k}{': ' if lang == 'en' else '：'}{sym} {number(v, lang)}"
        for k, v in c["cases"].items())
    default = f"{sym} {number(c['default'], lang)} {u}".rstrip()
    if c["branch"] == "undeclared":
        return (f"threshold depends on {c['title']['en']} ({c['pointer']}), which the dossier does not declare "
                f"[{others}; otherwise {default}]" if lang == "en" else
                f"阈值取决于{c['title']['zh']}（{c['pointer']}），档案未填报［{others}；其他{default}］")
    value = c["value_title"][lang] if c["value_title"] else c["zone_value"]
    branch = {"case": {"en": "its own threshold", "zh": "适用专门阈值"},
              "default": {"en": "no case of its own: the default", "zh": "无专门阈值，适用默认值"}}[c["branch"]][lang]
    if lang == "en":
        return (f"threshold {sym} {number(c['threshold'], lang)} {u} for {value} "
                f"({c['attribute']} = {c['zone_value']} at {c['pointer']}; {branch}) "
                f"[{others}; otherwise {default}]").replace("  ", " ")
    return (f"阈值{sym} {number(c['threshold'], lang)} {u}：{value}（{c['pointer']} = {c['zone_value']}；{branch}）"
            f"［{others}；其他{default}］")
