"""Expert panel reviews: read and check a review file, and apply it to the engine's outcomes.

The panel keeps a review file (YAML or JSON, schemas/review.schema.json) beside the dossier. Each
decision confirms an outcome, overrides it to pass or fail, waives the rule until a date, or declares
it not applicable. Overridden and waived rules keep their own statuses so that they are counted apart
and never shown as a plain pass; a waiver past its expiry no longer applies.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from . import bounds, schema
from .model import Outcome, ReviewDecision, RulePack
from .problems import InputError, Problem, pointer
from .yamlfile import parse


@dataclass(frozen=True)
class Review:
    file: str
    sha256: str
    raw: bytes
    program: str
    dossier_sha256: str
    panel: dict
    meeting_date: dt.date
    decisions: dict[str, ReviewDecision]
    engine_snapshot: dict[str, dict]     # what the engine said when the review was drafted
    recommendation: dict | None
    score: float | None
    evaluation_period: str | None = None
    warnings: tuple[Problem, ...] = ()    # accepted, but a person should look again (printed, and in the result)


def _date(v) -> dt.date | None:
    return dt.date.fromisoformat(v) if v else None


def load_review(path: Path, shown: str | None = None) -> Review:
    shown = shown or str(path)
    return review_from_bytes(bounds.read_capped(path, shown, bounds.MAX_YAML_BYTES), shown)


def review_from_bytes(raw: bytes, shown: str) -> Review:
    if len(raw) > bounds.MAX_YAML_BYTES:
        raise InputError([bounds.too_large(shown, bounds.MAX_YAML_BYTES)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem(shown, "", "not UTF-8 text")]) from None
    doc = parse(text, shown)   # YAML is a superset of JSON: one reader, with line numbers
    data = doc.data
    if not isinstance(data, dict):
        raise InputError([Problem(shown, "", "expected a mapping at the top level", 1)])
    decisions = data.get("decisions")
    if isinstance(decisions, dict) and len(decisions) > bounds.MAX_DECISIONS:
        raise InputError([Problem(shown, "/decisions", f"{len(decisions):,} decisions; a review holds at most "
                                  f"{bounds.MAX_DECISIONS:,} (one per rule of one program)", doc.line(["decisions"]))])
    hostile = bounds.value_problems(data)
    found = hostile + [(p, m) for p, m in schema.problems("review.schema.json", data)
                       if not any(pointer(p).startswith(pointer(h)) for h, _ in hostile)]
    if found:
        raise InputError([Problem(shown, pointer(p), _explain(data, p, m), doc.line(p)) for p, m in found])
    members = {m["name"] for m in data["panel"]["members"]}
    problems = []
    for rule_id, d in data["decisions"].items():
        for role in ("reviewer", "approver"):
            if d.get(role) and d[role] not in members:
                where = ["decisions", rule_id, role]
                problems.append(Problem(shown, pointer(where), f"{d[role]!r} is not a member of the panel "
                                        f"({', '.join(sorted(members))})", doc.line(where)))
        if d["decision"] == "confirm" and d.get("override_to"):
            where = ["decisions", rule_id, "override_to"]
            problems.append(Problem(shown, pointer(where), "override_to only goes with decision: override", doc.line(where)))
    if problems:
        raise InputError(problems)
    decisions = {
        rule_id: ReviewDecision(rule_id=rule_id, decision=d["decision"], override_to=d.get("override_to"),
                                justification=d.get("justification"), reviewer=d.get("reviewer"),
                                approver=d.get("approver"), date=_date(d.get("date")), expires=_date(d.get("expires")),
                                risk=d.get("risk"), comments=d.get("comments"))
        for rule_id, d in data["decisions"].items()}
    meeting = dt.date.fromisoformat(data["panel"]["meeting_date"])
    # a decision dated after the meeting that made it: a typo, or a decision the panel never saw
    late = [Problem(shown, pointer(["decisions", rule_id, "date"]),
                    f"decision dated {d['date']}, after the panel meeting on {meeting}",
                    doc.line(["decisions", rule_id, "date"]))
            for rule_id, d in data["decisions"].items() if d.get("date") and _date(d["date"]) > meeting]
    return Review(file=shown, sha256=hashlib.sha256(raw).hexdigest(), raw=raw, program=data["program"],
                  dossier_sha256=data["dossier_sha256"], panel=data["panel"],
                  meeting_date=meeting, decisions=decisions, warnings=tuple(late),
                  engine_snapshot={k: d["engine"] for k, d in data["decisions"].items() if "engine" in d},
                  recommendation=data.get("recommendation"),
                  score=(data.get("evaluation") or {}).get("score"),
                  evaluation_period=(data.get("evaluation") or {}).get("period"))


def _explain(data, parts, message: str) -> str:
    """The schema's message, or what a panel needs to hear where the skeleton left a field for it."""
    if list(parts) == ["panel", "meeting_date"] and (data.get("panel") or {}).get("meeting_date") is None:
        return "the date of the panel meeting is required (YYYY-MM-DD): `review init` leaves it for the panel to fill in"
    return message


def check_against(review: Review, pack: RulePack, dossier_sha256: str, outcomes: tuple[Outcome, ...]) -> None:
    """The review must be for this program, these rules and this version of the dossier."""
    problems = []
    if review.program != pack.id:
        problems.append(Problem(review.file, "/program", f"the review is for {review.program!r}, not {pack.id!r}"))
    ids = {r.id for r in pack.rules}
    for rule_id in review.decisions:
        if rule_id not in ids:
            problems.append(Problem(review.file, pointer(["decisions", rule_id]), f"unknown rule {rule_id!r} in {pack.id}"))
    if review.dossier_sha256 != dossier_sha256:
        changed = [o.rule_id for o in outcomes if o.rule_id in review.engine_snapshot
                   and (review.engine_snapshot[o.rule_id].get("status") != o.status
                        or _same(review.engine_snapshot[o.rule_id].get("value")) != _same(o.value))]
        what = (f"rules whose inputs changed since the review: {', '.join(changed)}" if changed
                else "no rule's value or status changed")
        problems.append(Problem(review.file, "/dossier_sha256",
                                f"the review is of another version of the dossier (reviewed {review.dossier_sha256[:12]}…, "
                                f"now {dossier_sha256[:12]}…); {what}"))
    if problems:
        raise InputError(problems)


def _same(v):
    return v.isoformat() if isinstance(v, dt.date) else (round(v, 9) if isinstance(v, float) else v)


def apply(outcomes: tuple[Outcome, ...], review: Review, as_of: dt.date) -> tuple[Outcome, ...]:
    out = []
    for o in outcomes:
        d = review.decisions.get(o.rule_id)
        if d is None:
            out.append(o)
            continue
        status = o.status
        if d.decision == "override":
            status = "overridden"
        elif d.decision == "waive":
            if d.expires and d.expires < as_of:
                d = dataclasses.replace(d, expired=True)
            else:
                status = "waived"
        elif d.decision == "not_applicable":
            status = "not_applicable"
        out.append(dataclasses.replace(o, status=status, engine_status=o.status, review=d))
    return tuple(out)


def meta(review: Review, pack: RulePack) -> dict:
    grade = None
    if review.score is not None and pack.grading:
        band = pack.grading.grade(review.score)
        grade = {"score": review.score, "grade": band.grade, "title": {"en": band.title.en, "zh": band.title.zh},
                 "provisional": pack.grading.provisional, "note": pack.grading.note, "note_zh": pack.grading.note_zh,
                 "bands": [{"grade": b.grade, "min_score": b.min_score, "title": {"en": b.title.en, "zh": b.title.zh}}
                           for b in pack.grading.bands],
                 "period": review.evaluation_period}
    return {"file": review.file, "sha256": review.sha256, "panel": review.panel,
            "meeting_date": review.meeting_date.isoformat(), "recommendation": review.recommendation, "grade": grade,
            "warnings": [{"pointer": w.pointer, "line": w.line, "message": w.message} for w in review.warnings]}


def skeleton(doc: dict, program: dict, dossier_file: str) -> str:
    """A review file listing every outcome as `confirm`, with the engine's value and threshold in comments."""
    from .fmt import number, requirement, unit
    lines = [
        "# ParkCert expert panel review (schemas/review.schema.json).",
        f"# Dossier {dossier_file}, program {program['program']} ({program['title']['en']}), as of {program['as_of']}.",
        "# For each rule: decision confirm | override (with override_to: pass|fail) | waive (with expires) |",
        "# not_applicable. Anything but confirm needs justification, reviewer, approver and date; reviewer",
        "# and approver must be panel members. Keep the `engine` lines: they show what changed if the",
        "# dossier is edited after the review.",
        'schema_version: "1.0"',
        f"program: {program['program']}",
        f"dossier: {json.dumps(dossier_file, ensure_ascii=False)}",
        f"dossier_sha256: {doc['dossier']['sha256']}",
        "panel:",
        "  meeting_date:   # the date of the panel meeting, YYYY-MM-DD: required, and no decision may postdate it",
        "  members:",
        '    - {name: "Chair", role: chair}',
        "decisions:",
    ]
    for o in program["outcomes"]:
        value = o["value"]
        # the value and requirement as the report prints them (yes/no, no float noise), not as Python writes them
        shown = "—" if value is None else f"{number(value)} {unit(o['unit'])}".strip()
        req = requirement(o["comparison"]) if o["comparison"]["threshold"] is not None else "—"
        lines.append(f"  {o['rule_id']}:   # {o['title']['en']}: engine {o['status']}, value {shown}, required {req}")
        lines.append("    decision: confirm")
        lines.append(f"    engine: {{status: {o['status']}, value: {json.dumps(value, ensure_ascii=False)}}}")
    lines += ["recommendation:", "  decision: defer   # approve | approve_with_conditions | reject | defer", ""]
    return "\n".join(lines)
