"""ProgramResults as a JSON document (schemas/result.schema.json): what every output is rendered from."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from . import __version__, load, plausibility
from .model import OP_SYMBOL, Fact, Outcome, ProgramResult, Target
from .problems import cell_at

RESULT_SCHEMA_VERSION = "1.0"


def json_text(obj, indent: int | None = 2) -> str:
    """Strict JSON (RFC 8259) as every output writes it: a NaN or Infinity is a bug, raised, never written."""
    return json.dumps(obj, ensure_ascii=False, indent=indent, allow_nan=False) + "\n"


def _json(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _target(t: Target | None, o: Outcome) -> dict | None:
    if t is None:
        return None
    state = {"pass": "met", "fail": "not_met", "missing": "missing"}.get(o.engine_status or o.status, "not_yet_due")
    return {"state": state, "direction": t.direction, "base_year": t.base_year, "base_value": t.base_value,
            "target_year": t.target_year, "value": t.value, "declared": t.declared, "pointer": t.pointer,
            "reason": t.reason, "base": _fact(t.base_fact)}


def _fact(f: Fact | None) -> dict | None:
    if f is None:
        return None
    return {
        "metric": f.metric,
        "method": f.method,
        "value": _json(f.value),
        "unit": f.unit,
        "year": f.year,
        "period": list(f.period) if f.period else None,
        "formula": f.formula,
        "inputs": [{"name": i.name, "pointer": i.pointer, "value": _json(i.value), "unit": i.unit, "source": i.source}
                   for i in f.inputs],
        "reason": f.reason,
    }


def _outcome(o: Outcome, result: ProgramResult) -> dict:
    rule = result.pack.rule(o.rule_id)
    comparison = {"op": o.op, "symbol": OP_SYMBOL.get(o.op, o.op), "threshold": _json(o.threshold),
                  "kind": rule.ref_kind or "fixed"}
    if rule.ref_metric:
        comparison["metric"] = rule.ref_metric
    return {
        "rule_id": o.rule_id,
        "title": {"en": rule.title.en, "zh": rule.title.zh},
        "category": rule.category,
        "decides": result.pack.decides(rule),
        "impact": rule.impact,
        "metric": rule.metric,
        "status": o.status,
        "value": _json(o.value),
        "unit": o.unit,
        "comparison": comparison,
        "gap": o.gap,
        "gap_pct": o.gap_pct,
        "reason": o.reason,
        "warnings": list(o.warnings),
        "levers": [dataclasses.asdict(lv) for lv in o.levers],
        "clause": rule.clause,
        "source": {"en": rule.source.en, "zh": rule.source.zh},
        "rationale": {"en": rule.rationale.en, "zh": rule.rationale.zh},
        "in_force": {"from": rule.valid_from.isoformat() if rule.valid_from else None,
                     "until": rule.valid_until.isoformat() if rule.valid_until else None},
        "provenance": _fact(o.fact),
        "reference": _fact(o.ref_fact),
        "target": _target(o.target, o),
        "progress_pct": o.progress_pct,
        "applies_if": {"metric": rule.applies_if[0], "eq": rule.applies_if[1]} if rule.applies_if else None,
        "engine_status": o.engine_status or o.status,
        "review": _review(o),
        "threshold_choice": _choice(o, result),
    }


def _choice(o: Outcome, result: ProgramResult) -> dict | None:
    c = o.choice
    if c is None:
        return None
    by = result.pack.rule(o.rule_id).threshold_by
    attr = result.pack.zone_attributes[c.attribute]
    value_title = attr.values.get(c.zone_value) if c.zone_value else None
    return {"attribute": c.attribute, "title": {"en": attr.title.en, "zh": attr.title.zh}, "pointer": c.pointer,
            "zone_value": c.zone_value,
            "value_title": {"en": value_title.en, "zh": value_title.zh} if value_title else None,
            "branch": c.branch, "threshold": c.threshold, "cases": dict(by.written), "default": by.default_written,
            "case_titles": {k: {"en": attr.values[k].en, "zh": attr.values[k].zh} for k in by.written if k in attr.values},
            "unit": by.unit_written}


def pack_source(p) -> dict:
    return {"origin": p.origin, "folder": p.folder, "sha256": p.files_sha256,
            "illustrative": {"en": p.illustrative.en, "zh": p.illustrative.zh} if p.illustrative else None}


def _review(o: Outcome) -> dict | None:
    d = o.review
    if d is None:
        return None
    return {"decision": d.decision, "override_to": d.override_to, "justification": d.justification,
            "reviewer": d.reviewer, "approver": d.approver, "date": _json(d.date), "expires": _json(d.expires),
            "expired": d.expired, "risk": d.risk, "comments": d.comments}


def program_document(r: ProgramResult) -> dict:
    p = r.pack
    return {
        "program": p.id,
        "title": {"en": p.title.en, "zh": p.title.zh},
        "standard": p.standard,
        "standard_zh": p.standard_zh,
        "pack_version": p.version,
        "rules_sha256": p.files_sha256,
        "pack_source": pack_source(p),
        "as_of": r.as_of.isoformat(),
        "verdict": r.verdict,
        "decision": {"kind": p.decision.kind, "en": p.decision.text.en, "zh": p.decision.text.zh,
                     "labels": {k: {"en": v.en, "zh": v.zh} for k, v in p.decision.verdict_labels.items()},
                     "detail": {k: v for k, v in r.detail.items() if k != "groups"}},
        "groups": r.detail.get("groups"),
        "blocking": list(r.blocking),
        "counts": r.counts(),
        "categories": [{"id": c.id, "title": {"en": c.title.en, "zh": c.title.zh}, "section": c.section,
                        "decides": p.decision.decides(c.id)} for c in p.categories],
        "provisional": [{"name": x.name, "value": x.value, "unit": x.unit, "note": x.note, "note_zh": x.note_zh,
                         "title": {"en": x.title.en, "zh": x.title.zh} if x.title else None}
                        for x in r.provisional],
        "outcomes": [_outcome(o, r) for o in r.outcomes],
        "review": r.review,
    }


def document(results: list[ProgramResult], evaluator: str, readiness: dict | None = None) -> dict:
    """The result document."""
    doc = {
        "result_schema": RESULT_SCHEMA_VERSION,
        "engine": engine_block(evaluator),
        "dossier": dossier_block(results),
        "programs": [program_document(r) for r in results],
        "plausibility": plausibility_block(results[0].dossier),
    }
    if readiness is not None:
        doc["readiness"] = _json_tree(readiness)
    return doc


def engine_block(evaluator: str) -> dict:
    return {"name": "parkcert", "version": __version__, "evaluator": evaluator}


def dossier_block(results: list[ProgramResult]) -> dict:
    """The dossier the results are for: file, hash, zone, assessment date and data year."""
    d = results[0].dossier
    z = d.data["zone"]
    return {
        "file": d.path,
        "sha256": d.sha256,
        "zone": {"id": z["id"], "name": z["name"], "province": z["province"], "city": z["city"], "type": z["type"]},
        "as_of": d.as_of.isoformat(),
        "reference_year": results[0].reference_year,
    }


def plausibility_block(d) -> list[dict]:
    """Values probably typed wrong: shown beside the outcomes, never changing one."""
    return [_with_cell(w.as_json(), d.cells) for w in plausibility.warnings(d.data, load.catalogue())]


def _with_cell(warning: dict, cells: dict | None) -> dict:
    """A dossier read from a workbook: the warning also names the cell the value came from."""
    cell = cell_at(cells, warning["pointer"])
    if cell:
        warning["cell"] = cell
    return warning


def _json_tree(v):
    if isinstance(v, dict):
        return {k: _json_tree(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_tree(x) for x in v]
    return _json(v)
