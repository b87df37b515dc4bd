"""One dossier against several programs: the readiness matrix and the crosswalk of Tables 3 and 4 of IISD (2015).

Works on ProgramResults only; nothing is derived again here.
"""
from __future__ import annotations

from . import verdict
from .model import Catalogue, ProgramResult, RulePack


def _distance(r: ProgramResult) -> tuple:
    """Smaller is nearer to passing: certifiable first, then fewest blocking rules, then most passes."""
    c = r.counts()
    decided = c["pass"] + c["fail"] + c["missing"]
    return (r.verdict != "certifiable", len(r.blocking), -(c["pass"] / decided if decided else 0))


def readiness(results: list[ProgramResult], skipped: list[RulePack], catalogue: Catalogue, zone_type: str) -> dict:
    rows = [{"program": r.pack.id, "title": {"en": r.pack.title.en, "zh": r.pack.title.zh},
             "verdict": r.verdict, "labels": verdict.pack_labels(r.pack), "counts": r.counts(),
             "blocking": list(r.blocking),
             "groups": [{"id": g["id"], "title": g["title"], "passing": g["passing"], "needed": g["needed"],
                         "state": g["state"], "cheapest": [c["rule_id"] for c in g["cheapest"]]}
                        for g in r.detail.get("groups") or ()],
             "illustrative": r.pack.illustrative is not None} for r in results]
    rows += [{"program": p.id, "title": {"en": p.title.en, "zh": p.title.zh}, "verdict": "not_for_zone_type",
              "reason": f"for {', '.join(p.zone_types)} zones; this zone is {zone_type}"} for p in skipped]
    nearest = min(results, key=_distance).pack.id if results else None
    return {"programs": rows, "nearest": nearest, "crosswalk": crosswalk(results, catalogue)}


def crosswalk(results: list[ProgramResult], catalogue: Catalogue) -> list[dict]:
    """Per category of Tables 3/4: each metric some program looks at, with its value and which programs use it."""
    seen: dict[str, dict] = {}
    for r in results:
        for o in r.outcomes:
            m = catalogue.metrics[o.fact.metric] if o.fact else None
            if m is None:
                continue
            entry = seen.setdefault(m.name, {"metric": m.name, "title": {"en": m.title.en, "zh": m.title.zh},
                                              "crosswalk": m.crosswalk, "value": o.fact.value if o.fact.present else None,
                                              "unit": m.unit, "programs": {}})
            entry["programs"].setdefault(r.pack.id, []).append(o.rule_id)
    out = []
    for cat_id, title in catalogue.crosswalk.items():
        metrics = [e for e in seen.values() if e["crosswalk"] == cat_id]
        if metrics:
            out.append({"category": cat_id, "title": {"en": title.en, "zh": title.zh},
                        "metrics": sorted(metrics, key=lambda e: e["metric"])})
    return out
