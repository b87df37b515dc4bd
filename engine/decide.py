"""Program decisions, as declared by each pack (decision.kind). No program names here.

- all_pass:  certifiable only when every rule of the deciding categories passes.
- share_met: the required categories all pass and at least share_pct of the zone's
             declared targets are met; the subsidy tranches and the refund test follow.
A missing value is never counted as met.
"""
from __future__ import annotations

import datetime as dt

from . import units
from .derive import years_before
from .model import Outcome, RulePack

MONEY_UNIT = units.MONEY_UNIT


def _category(pack: RulePack, o: Outcome) -> str:
    return pack.rule(o.rule_id).category


def _ids(outcomes, *statuses) -> tuple[str, ...]:
    """Rules whose deciding status (an override counts as what it overrides to) is one of `statuses`."""
    return tuple(o.rule_id for o in outcomes if o.effective in statuses)


def _all_pass(pack: RulePack, outcomes, plan: dict, as_of: dt.date):
    cats = pack.decision.blocking_categories
    deciding = [o for o in outcomes if not cats or _category(pack, o) in cats]
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
    required = [o for o in outcomes if _category(pack, o) in d.required_categories]
    counted = [o for o in outcomes if _category(pack, o) in d.counted_categories
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


DECISIONS = {"all_pass": _all_pass, "share_met": _share_met}


def decide(pack: RulePack, outcomes: tuple[Outcome, ...], plan: dict | None = None, as_of: dt.date | None = None):
    return DECISIONS[pack.decision.kind](pack, outcomes, plan or {}, as_of)
