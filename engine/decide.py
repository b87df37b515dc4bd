"""Program decisions, as declared by each pack (decision.kind). No program names here.

- all_pass:  certifiable only when every rule of the deciding categories passes.
- share_met: the required categories all pass and at least share_pct of the zone's
             declared targets are met; the subsidy tranches and the refund test follow.
- groups:    every group the pack declares meets its requirement (all, at least k,
             at least p % of its rules in force).
A missing value is never counted as met.
"""
from __future__ import annotations

import datetime as dt
import math

from . import units
from .derive import years_before
from .model import Outcome, RulePack

MONEY_UNIT = units.MONEY_UNIT


def _ids(outcomes, *statuses) -> tuple[str, ...]:
    """Rules whose deciding status (an override counts as what it overrides to) is one of `statuses`."""
    # Outcome.effective written out: measured, the property call was half of this at ~110 calls per dossier
    return tuple(o.rule_id for o in outcomes
                 if (o.review.override_to if o.status == "overridden" else o.status) in statuses)


def _all_pass(pack: RulePack, outcomes, plan: dict, as_of: dt.date):
    cats = pack.decision.blocking_categories
    if cats:
        rules = pack.rules_by_id
        deciding = [o for o in outcomes if rules[o.rule_id].category in cats]
    else:
        deciding = outcomes
    failing, missing = _ids(deciding, "fail"), _ids(deciding, "missing")
    if failing:
        return "not_certifiable", failing + missing, {}
    if missing:
        return "incomplete", missing, {}
    return "certifiable", (), {}


def _money(m: dict | None) -> float | None:
    return round(units.money(m), 6) if m else None


def _share_met(pack: RulePack, outcomes, plan: dict, as_of: dt.date):
    d = pack.decision
    rules = pack.rules_by_id
    required = [o for o in outcomes if rules[o.rule_id].category in d.required_categories]
    counted = [o for o in outcomes if rules[o.rule_id].category in d.counted_categories
               and o.effective not in ("not_applicable", "waived")]
    met, missing = _ids(counted, "pass"), _ids(counted, "missing")
    n = len(counted)
    share = round(len(met) / n * 100, 2) if n else None
    best_case = round((len(met) + len(missing)) / n * 100, 2) if n else None
    req_fail, req_missing = _ids(required, "fail"), _ids(required, "missing")
    short = share is None or share < d.share_pct
    blocking = req_fail + req_missing + ((_ids(counted, "fail") + missing) if short else ())
    if req_fail:
        verdict = "not_certifiable"
    elif share is None:
        verdict = "incomplete"
    elif not short and not req_missing:
        verdict = "certifiable"
    elif req_missing or best_case >= d.share_pct:
        verdict = "incomplete"
    else:
        verdict = "not_certifiable"
    progress = [max(0.0, min(100.0, o.progress_pct)) for o in counted if o.progress_pct is not None]
    mean_progress = round(sum(progress) / len(progress), 2) if progress else None
    detail = {
        "targets_declared": n,
        "targets_met": len(met),
        "targets_missing": len(missing),
        "share_met_pct": share,
        "share_required_pct": d.share_pct,
        "mean_progress_pct": mean_progress,
    }
    detail.update(_subsidy(pack, plan, as_of, verdict, mean_progress))
    return verdict, blocking, detail


def _subsidy(pack: RulePack, plan: dict, as_of: dt.date, verdict: str, mean_progress: float | None) -> dict:
    d = pack.decision
    sub = plan.get("subsidy")
    if not d.tranches:
        return {}
    if not sub:
        return {"subsidy": None}
    approved = _money(sub["approved"])
    approval = dt.date.fromisoformat(sub["approval_date"])
    received = sum(_money(r["amount"]) for r in sub.get("received") or () if r["date"] <= as_of.isoformat())
    tranches = []
    for t in d.tranches:
        due = approval <= as_of if t.due_when == "approved" else (verdict == "certifiable")
        why = (f"approved on {approval}" if t.due_when == "approved"
               else f"at least {d.share_pct:g} % of the declared targets met" + ("" if due else " — not yet"))
        tranches.append({"id": t.id, "title": {"en": t.title.en, "zh": t.title.zh}, "share_pct": t.share_pct,
                         "amount": round(approved * t.share_pct / 100, 6), "due": due, "condition": why})
    out = {"subsidy": {"unit": MONEY_UNIT, "approved": approved, "approval_date": approval.isoformat(),
                       "investment": _money(sub.get("investment")), "received": round(received, 6),
                       "tranches": tranches}}
    if d.refund_after_years:
        review = years_before(approval, -d.refund_after_years)
        assessable = as_of >= review
        substantial = mean_progress is not None and mean_progress >= d.refund_progress_pct
        out["refund"] = {
            "title": {"en": d.refund_title.en, "zh": d.refund_title.zh} if d.refund_title else None,
            "review_date": review.isoformat(),
            "after_years": d.refund_after_years,
            "assessable": assessable,
            "progress_required_pct": d.refund_progress_pct,
            "mean_progress_pct": mean_progress,
            "due": bool(assessable and not substantial),
            "amount": round(received, 6) if assessable and not substantial else 0.0,
        }
    return out


def _needed(require: str, value: float | None, n: int) -> int:
    if require == "all":
        return n
    if require == "at_least":
        return int(value)
    return math.ceil(round(value / 100 * n, 9))


def _cheapest_first(o: Outcome) -> tuple:
    """Smallest relative gap first; rules without one (yes/no, missing data) after those with one."""
    return (o.gap_pct is None, abs(o.gap_pct) if o.gap_pct is not None else 0, o.effective == "missing")


def group_states(pack: RulePack, outcomes) -> list[dict]:
    """How each group stands: rules passing, what it needs, and the rules nearest to passing."""
    by_id = {o.rule_id: o for o in outcomes}
    out = []
    for g in pack.decision.groups:
        members = [by_id[r] for r in g.rules]
        counted = [o for o in members if o.effective not in ("not_applicable", "waived")]
        passing, missing = _ids(counted, "pass"), _ids(counted, "missing")
        failing = _ids(counted, "fail")
        needed = _needed(g.require, g.value, len(counted))
        short = max(0, needed - len(passing))
        if not short:
            state = "met"
        elif needed > len(counted) or len(passing) + len(missing) < needed:
            state = "not_met"          # even if every missing value passed, the group would fall short
        else:
            state = "incomplete"
        candidates = sorted((o for o in counted if o.effective != "pass"), key=_cheapest_first)
        out.append({"id": g.id, "title": {"en": g.title.en, "zh": g.title.zh}, "clause": g.clause or None,
                    "require": {"kind": g.require, "value": g.value}, "rules": list(g.rules),
                    "counted": len(counted), "passing": len(passing), "failing": len(failing), "missing": len(missing),
                    "needed": needed, "short": short, "state": state,
                    "cheapest": [{"rule_id": o.rule_id, "status": o.effective, "gap_pct": o.gap_pct}
                                 for o in candidates[:short]]})
    return out


def _groups(pack: RulePack, outcomes, plan: dict, as_of: dt.date):
    states = group_states(pack, outcomes)
    by_id = {o.rule_id: o for o in outcomes}
    blocking = tuple(dict.fromkeys(r for s in states if s["state"] != "met" for r in s["rules"]
                                   if by_id[r].effective in ("fail", "missing")))
    if all(s["state"] == "met" for s in states):
        verdict = "certifiable"
    elif any(s["state"] == "not_met" for s in states):
        verdict = "not_certifiable"
    else:
        verdict = "incomplete"
    return verdict, blocking, {"groups": states}


DECISIONS = {"all_pass": _all_pass, "share_met": _share_met, "groups": _groups}


def decide(pack: RulePack, outcomes: tuple[Outcome, ...], plan: dict | None = None, as_of: dt.date | None = None):
    return DECISIONS[pack.decision.kind](pack, outcomes, plan or {}, as_of)
