"""The compact result: what `batch` keeps per dossier unless --full, and what its tables are made from.

Two routes to the same dictionary: `compact_document` from a full result document (`batch --full`, the
PDF path, the tests), `compact_results` straight from the checked programs. The second skips the full
document's per-outcome dictionaries (titles, sources, rationales, in-force dates...) that the compact form
then throws away: measured on 600 generated dossiers × 3 programs, the full document and its compaction
were about a quarter of a batch worker's time. Both give equal dictionaries (a test compares them on
every example and on generated dossiers).
"""
from __future__ import annotations

from .model import ProgramResult
from .result import RESULT_SCHEMA_VERSION, _json, dossier_block, engine_block, plausibility_block

COMPACT_COLUMNS = ("rule_id", "status", "value", "unit", "op", "threshold", "gap", "gap_pct")
_SPARSE = ("engine_status", "warnings", "reviews", "progress_pct")
_REVIEW_KEYS = ("decision", "override_to", "expires", "expired")


def _program_head(program: str, pack_version: str, rules_sha256: str, as_of: str, verdict: str, label,
                  kind: str, detail: dict, blocking: list, counts: dict, provisional: list) -> dict:
    d = {"program": program, "pack_version": pack_version, "rules_sha256": rules_sha256, "as_of": as_of,
         "verdict": verdict}
    if label:
        d["verdict_label"] = label
    detail = {k: v for k, v in detail.items() if v is not None}
    d["decision"] = {"kind": kind, **({"detail": detail} if detail else {})}
    d.update({"blocking": blocking, "counts": {k: n for k, n in counts.items() if n}, "provisional": provisional})
    return d


def _compact_outcomes(p: dict, d: dict) -> None:
    """The outcomes as columns (equal-length lists: `pandas.DataFrame(program["outcomes"])` reads them), and
    what only a few outcomes have as maps by rule id: engine status where a review changed it, warnings,
    reviews, progress towards a target."""
    cols = {k: [] for k in COMPACT_COLUMNS}
    sparse: dict[str, dict] = {k: {} for k in _SPARSE}
    for o in p["outcomes"]:
        c = o["comparison"]
        for k, v in zip(COMPACT_COLUMNS, (o["rule_id"], o["status"], o["value"], o["unit"], c["op"], c["threshold"],
                                          o["gap"], o["gap_pct"]), strict=True):
            cols[k].append(v)
        if o["engine_status"] != o["status"]:
            sparse["engine_status"][o["rule_id"]] = o["engine_status"]
        if o["warnings"]:
            sparse["warnings"][o["rule_id"]] = o["warnings"]
        if o.get("review"):
            sparse["reviews"][o["rule_id"]] = {k: o["review"][k] for k in _REVIEW_KEYS}
        if o.get("progress_pct") is not None:
            sparse["progress_pct"][o["rule_id"]] = o["progress_pct"]
    d["outcomes"] = cols
    d.update({k: v for k, v in sparse.items() if v})


def compact_document(doc: dict) -> dict:
    """The result without what the packs already hold or only a report needs (titles, clauses, provenance
    inputs, levers): per program the verdict in the pack's words, counts, blocking rules, hashes, and each
    outcome's status, value, unit, comparison, threshold and gap (as columns). Under a tenth of the full
    document; `batch --full` keeps the full one."""
    programs = []
    for p in doc["programs"]:
        dec = p["decision"]
        d = _program_head(p["program"], p["pack_version"], p["rules_sha256"], p["as_of"], p["verdict"],
                          dec["labels"].get(p["verdict"]), dec["kind"], dec["detail"], p["blocking"], p["counts"],
                          [x["name"] for x in p["provisional"]])
        _compact_outcomes(p, d)
        if p.get("review"):
            d["review"] = p["review"]
        programs.append(d)
    out = {k: v for k, v in doc.items() if k != "programs"}
    out["form"] = "compact"
    out["programs"] = programs
    return out


def _compact_program(r: ProgramResult) -> dict:
    """`compact_document`'s program, from the checked program itself."""
    p = r.pack
    label = p.decision.verdict_labels.get(r.verdict)
    d = _program_head(p.id, p.version, p.files_sha256, r.as_of.isoformat(), r.verdict,
                      {"en": label.en, "zh": label.zh} if label else None, p.decision.kind,
                      {k: v for k, v in r.detail.items() if k != "groups"}, list(r.blocking), r.counts(),
                      [x.name for x in r.provisional])
    outcomes = r.outcomes
    d["outcomes"] = {
        "rule_id": [o.rule_id for o in outcomes], "status": [o.status for o in outcomes],
        "value": [_json(o.value) for o in outcomes], "unit": [o.unit for o in outcomes],
        "op": [o.op for o in outcomes], "threshold": [_json(o.threshold) for o in outcomes],
        "gap": [o.gap for o in outcomes], "gap_pct": [o.gap_pct for o in outcomes]}
    sparse = {
        "engine_status": {o.rule_id: o.engine_status for o in outcomes
                          if o.engine_status is not None and o.engine_status != o.status},
        "warnings": {o.rule_id: list(o.warnings) for o in outcomes if o.warnings},
        "reviews": {o.rule_id: {"decision": o.review.decision, "override_to": o.review.override_to,
                                "expires": _json(o.review.expires), "expired": o.review.expired}
                    for o in outcomes if o.review is not None},
        "progress_pct": {o.rule_id: o.progress_pct for o in outcomes if o.progress_pct is not None}}
    d.update({k: v for k, v in sparse.items() if v})
    if r.review:
        d["review"] = r.review
    return d


def compact_results(results: list[ProgramResult], evaluator: str) -> dict:
    """`compact_document(document(results, evaluator))`, without making the full document first."""
    return {
        "result_schema": RESULT_SCHEMA_VERSION,
        "engine": engine_block(evaluator),
        "dossier": dossier_block(results),
        "plausibility": plausibility_block(results[0].dossier),
        "form": "compact",
        "programs": [_compact_program(r) for r in results],
    }
