"""Number and status formatting shared by the text table and the reports."""
from __future__ import annotations

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
VERDICT_LABEL = {
    "en": {"certifiable": "CERTIFIABLE", "not_certifiable": "NOT CERTIFIABLE", "incomplete": "INCOMPLETE"},
    "zh": {"certifiable": "符合认证条件", "not_certifiable": "不符合认证条件", "incomplete": "数据不全"},
}
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
    if a < 0.001:
        mantissa, exponent = f"{v:.3g}".split("e") if "e" in f"{v:.3g}" else (f"{v:.3g}", None)
        if exponent is not None:
            return f"{mantissa}e{int(exponent)}"
    return f"{v:.4g}"


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
    if "metric" in comparison:
        other = comparison["metric"]
        return f"{comparison['symbol']} {other}" + (f" ({number(t, lang)})" if t is not None else "")
    if isinstance(t, bool):
        return f"= {YES_NO[lang][0 if t else 1]}"
    return f"{comparison['symbol']} {number(t, lang)}"


def gap(o: dict) -> str:
    if o["status"] != "fail" or o["gap"] is None:
        return ""
    if o["unit"] == "%":
        text = f"{number(o['gap'])} pt"  # percentage points, not a relative change
    else:
        text = f"{number(o['gap'])} {unit(o['unit'])}".strip()
    if o["gap_pct"] is not None:
        text += f" ({o['gap_pct']:.1f} % of the threshold)"
    return text
