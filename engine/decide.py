"""Program decisions, as declared by each pack (decision.kind). No program names here."""
from __future__ import annotations

from .model import Outcome, RulePack


def _all_pass(outcomes: tuple[Outcome, ...]):
    failing = tuple(o.rule_id for o in outcomes if o.status == "fail")
    missing = tuple(o.rule_id for o in outcomes if o.status == "missing")
    if failing:
        return "not_certifiable", failing + missing
    if missing:
        return "incomplete", missing
    return "certifiable", ()


DECISIONS = {"all_pass": _all_pass}


def decide(pack: RulePack, outcomes: tuple[Outcome, ...]):
    return DECISIONS[pack.decision_kind](outcomes)
