"""Verdict words: a pack's own labels wherever a verdict is shown, the generic words only where it has none.

CTIP does not certify (its verdict decides a subsidy tranche), the low carbon pilot accepts a work plan: a
"certifiable" shown for them misleads. Every output — text table, readiness matrix, PDF, batch
tables, summary.csv — asks this module for the words of a verdict code.
"""
from __future__ import annotations

GENERIC = {
    "en": {"certifiable": "CERTIFIABLE", "not_certifiable": "NOT CERTIFIABLE", "incomplete": "INCOMPLETE",
           "not_for_zone_type": "not for this zone type"},
    "zh": {"certifiable": "符合认证条件", "not_certifiable": "不符合认证条件", "incomplete": "数据不全",
           "not_for_zone_type": "不适用于该园区类型"},
}
CODES = ("certifiable", "not_certifiable", "incomplete")


def pack_labels(pack) -> dict[str, dict[str, str]]:
    """Every verdict code with its words in en and zh: the pack's where it declares them (a RulePack)."""
    own = pack.decision.verdict_labels
    return {code: ({"en": own[code].en, "zh": own[code].zh} if code in own
                   else {"en": GENERIC["en"][code], "zh": GENERIC["zh"][code]}) for code in CODES}


def word(verdict: str, lang: str = "en", labels: dict | None = None) -> str:
    """The words for a verdict code; `labels` as in a program document's decision.labels (may be partial)."""
    own = (labels or {}).get(verdict)
    if own:
        return own[lang]
    return GENERIC[lang].get(verdict, verdict)


def of_program(p: dict, lang: str = "en") -> str:
    """The verdict of a program document (full or compact, or a readiness row carrying `labels`) in its pack's words."""
    if p.get("verdict_label"):
        return p["verdict_label"][lang]
    labels = p.get("labels") if "labels" in p else (p.get("decision") or {}).get("labels")
    return word(p["verdict"], lang, labels)
