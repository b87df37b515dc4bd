"""Subsidies across zones (`parkcert summary`): Table A1 of IISD (2015), from the dossiers' work plans.

Which work plan holds the subsidy is the pack's business (decision.subsidy / work_plan); averages
follow Table A1: the mean subsidy over all zones, and the mean of the zones' own shares
(subsidy / investment) over the zones whose investment is known. The pooled share (total subsidy /
total investment over those zones) is given beside it, because the two differ.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from . import units
from .model import Dossier, RulePack

MONEY_UNIT = units.MONEY_UNIT


@dataclass(frozen=True)
class SubsidyRow:
    zone_id: str
    name_en: str
    name_zh: str
    file: str
    subsidy: float
    investment: float | None
    share_pct: float | None
    approval_date: str


def subsidy_rows(dossiers: list[Dossier], pack: RulePack) -> tuple[list[SubsidyRow], list[str]]:
    rows, without = [], []
    for d in dossiers:
        plan = (d.data.get("work_plans") or {}).get(pack.work_plan or "") or {}
        sub = plan.get("subsidy")
        if not sub:
            without.append(d.path)
            continue
        subsidy = units.money(sub["approved"])
        inv = units.money(sub["investment"]) if sub.get("investment") else None
        share = subsidy / inv * 100 if inv else None
        rows.append(SubsidyRow(d.zone_id, d.name.en, d.name.zh, d.path, subsidy, inv, share, sub["approval_date"]))
    return rows, without


def summary(dossiers: list[Dossier], pack: RulePack) -> dict:
    rows, without = subsidy_rows(dossiers, pack)
    shares = [r.share_pct for r in rows if r.share_pct is not None]
    known = [r for r in rows if r.investment]
    return {
        "program": pack.id,
        "unit": MONEY_UNIT,
        "rows": [asdict(r) for r in rows],
        "zones": len(rows),
        "zones_with_investment": len(known),
        "mean_subsidy": sum(r.subsidy for r in rows) / len(rows) if rows else None,
        "mean_share_pct": sum(shares) / len(shares) if shares else None,
        "pooled_share_pct": (sum(r.subsidy for r in known) / sum(r.investment for r in known) * 100) if known else None,
        "total_subsidy": sum(r.subsidy for r in rows),
        "without_subsidy": without,
    }
