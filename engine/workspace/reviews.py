"""Reviews in the workspace. A review is stored as a document in the exchange format (schemas/review.schema.json):
the workspace edits it, checks it with the same reader as `parkcert check --review`, and exports it byte for byte
as the file the CLI reads, so the reviewed outcomes of both are the same by construction.

Two members editing at once: every edit names the `lock` it started from; a stale one is refused with the current
document and the editor's own changes handed back (nothing lost), and the database's version counter catches the
race between two requests that both passed that check.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import review as panel
from .. import yamlfile
from ..problems import InputError, Problem
from . import audit
from .models import Review, User, Version, now
from .versions import dossier_file, review_file

DECISIONS = ("confirm", "override", "waive", "not_applicable")
RECOMMENDATIONS = ("approve", "approve_with_conditions", "reject", "defer")
MEMBER_ROLE = {"panel": "panel member", "chair": "chair"}


class Conflict(Exception):
    """Someone saved the review after this editor opened it."""

    def __init__(self, review_id: int, mine: ReviewEdit):
        super().__init__(f"review {review_id} was changed by someone else since revision {mine.lock}")
        self.review_id = review_id      # the caller reads the current review in a new transaction
        self.mine = mine


class NotEditable(Exception):
    """An approved review is not edited (reopen it first)."""


@dataclass
class DecisionEdit:
    decision: str = "confirm"
    override_to: str | None = None
    justification: str | None = None
    expires: str | None = None
    risk: str | None = None
    comments: str | None = None


@dataclass
class ReviewEdit:
    """What one save of the review form changes."""
    lock: int
    decisions: dict[str, DecisionEdit] = field(default_factory=dict)
    panel_name: str | None = None
    meeting_date: str | None = None
    recommendation: str | None = None
    recommendation_text: str | None = None
    score: float | None = None
    period: str | None = None


def export_yaml(review: Review) -> bytes:
    """The review as the exchange file: same document, same bytes."""
    return yaml.safe_dump(review.document, allow_unicode=True, sort_keys=False, width=100,
                          default_flow_style=False).encode("utf-8")


def parsed(review: Review) -> panel.Review:
    """The review as `parkcert check --review FILE` reads the exported file."""
    return panel.review_from_bytes(export_yaml(review), review_file(review.version, review.program))


def _member(doc: dict, user: User) -> None:
    members = doc["panel"]["members"]
    if not any(m["name"] == user.display_name for m in members):
        members.append({"name": user.display_name, "role": MEMBER_ROLE.get(user.role, user.role)})


def _chair_name(session: Session, doc: dict, user: User) -> str:
    """Who approves a decision: the panel's chair member, else the first active chair account, else the reviewer."""
    chair = next((m["name"] for m in doc["panel"]["members"] if m["role"] == "chair"), None)
    if chair:
        return chair
    account = session.scalar(select(User).where(User.role == "chair", User.active.is_(True)).order_by(User.username))
    if account is not None:
        doc["panel"]["members"].append({"name": account.display_name, "role": "chair"})
        return account.display_name
    return user.display_name


def start_document(version: Version, program: str, outcomes: list[dict], user: User, today: dt.date) -> dict:
    """Every outcome confirmed, with the engine's status and value kept to show what changes if the dossier does."""
    return {
        "schema_version": "1.0",
        "program": program,
        "dossier": dossier_file(version),
        "dossier_sha256": version.sha256,
        "panel": {"meeting_date": today.isoformat(),
                  "members": [{"name": user.display_name, "role": MEMBER_ROLE.get(user.role, user.role)}]},
        "decisions": {o["rule_id"]: {"decision": "confirm", "engine": {"status": o["status"], "value": o["value"]}}
                      for o in outcomes},
        "recommendation": {"decision": "defer"},
    }


def open_review(session: Session, user: User, version: Version, program: str, outcomes: list[dict],
                carry_from: Review | None = None) -> Review:
    """A new draft review of a version. Carried from a review of an earlier version, each decision keeps the engine
    snapshot it was made on, so the rules whose inputs changed show up (as with `check --review`) until re-saved."""
    doc = start_document(version, program, outcomes, user, now().date())
    if carry_from is not None:
        old = carry_from.document
        doc["panel"] = copy.deepcopy(old["panel"])
        _member(doc, user)
        for rid, d in old["decisions"].items():
            if rid in doc["decisions"]:
                doc["decisions"][rid] = copy.deepcopy(d)
        for key in ("recommendation", "evaluation"):
            if key in old:
                doc[key] = copy.deepcopy(old[key])
    review = Review(version=version, version_id=version.id, program=program, document=doc, state="draft",
                    updated_at=now())
    session.add(review)
    session.flush()
    audit.record(session, audit.Actor.of(user), "review.open", f"review:{review.id}", dossier_id=version.dossier_id,
                 after={"version": version.number, "program": program,
                        **({"carried_from_version": carry_from.version.number} if carry_from else {})})
    return review


def changed_inputs(review: Review, outcomes: list[dict]) -> list[str]:
    """Rules whose decision was made on other engine figures than the version's (as `check --review` lists them)."""
    now_by = {o["rule_id"]: o for o in outcomes}
    out = []
    for rid, d in review.document["decisions"].items():
        snap, o = d.get("engine"), now_by.get(rid)
        if snap is None or o is None:
            continue
        if snap.get("status") != o["status"] or panel._same(snap.get("value")) != panel._same(o["value"]):
            out.append(rid)
    return out


def _apply(doc: dict, edit: ReviewEdit, user: User, chair: str, outcomes: dict[str, dict], today: str) -> dict:
    """The document after the edit; returns the decisions that changed (for the audit trail)."""
    changed = {}
    for rid, e in edit.decisions.items():
        old = doc["decisions"].get(rid)
        if old is None:
            continue
        new = {"decision": e.decision}
        if e.decision == "override":
            new["override_to"] = e.override_to
        if e.decision != "confirm":
            new.update(justification=e.justification, reviewer=user.display_name, approver=chair, date=today)
        if e.decision == "waive":
            new["expires"] = e.expires
        if e.risk:
            new["risk"] = e.risk
        if e.comments:
            new["comments"] = e.comments
        new = {k: v for k, v in new.items() if v not in (None, "")}
        kept = {k: v for k, v in old.items() if k != "engine"}
        same = {k: v for k, v in kept.items() if k not in ("reviewer", "approver", "date")} == \
            {k: v for k, v in new.items() if k not in ("reviewer", "approver", "date")}
        o = outcomes.get(rid)
        snapshot = {"status": o["status"], "value": o["value"]} if o else old.get("engine")
        if same and old.get("engine") == snapshot:
            continue
        if same:            # re-saved unchanged: keep who decided, refresh what the engine says now
            new = kept
        new["engine"] = snapshot
        doc["decisions"][rid] = new
        changed[rid] = {k: v for k, v in new.items() if k != "engine"}
    p = doc["panel"]
    if edit.panel_name is not None:
        if edit.panel_name.strip():
            p["name"] = edit.panel_name.strip()
        else:
            p.pop("name", None)
    if edit.meeting_date:
        p["meeting_date"] = edit.meeting_date
    if edit.recommendation:
        rec = {"decision": edit.recommendation}
        if edit.recommendation_text and edit.recommendation_text.strip():
            rec["text"] = edit.recommendation_text.strip()
        doc["recommendation"] = rec
    if edit.score is not None:
        doc["evaluation"] = {"kind": "periodic", "score": edit.score, **({"period": edit.period} if edit.period else {})}
    elif "evaluation" in doc and edit.period == "":
        doc.pop("evaluation")
    return changed


def check_document(doc: dict, shown: str) -> None:
    """The same checks as the CLI's review reader: the schema, panel membership, the decisions' fields."""
    raw = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False).encode("utf-8")
    panel.review_from_bytes(raw, shown)


def edit_review(session: Session, user: User, review: Review, edit: ReviewEdit, outcomes: list[dict]) -> Review:
    if review.state == "approved":
        raise NotEditable(review.id)
    if edit.lock != review.lock:
        raise Conflict(review.id, edit)
    before = copy.deepcopy(review.document)
    doc = copy.deepcopy(review.document)
    _member(doc, user)
    changed = _apply(doc, edit, user, _chair_name(session, doc, user), {o["rule_id"]: o for o in outcomes},
                     now().date().isoformat())
    check_document(doc, review_file(review.version, review.program))
    if doc == before:
        return review
    review_id = review.id
    review.document = doc
    review.updated_at = now()
    try:
        session.flush()     # UPDATE ... WHERE lock = <seen>: a concurrent save makes this match no row
    except StaleDataError:
        raise Conflict(review_id, edit) from None
    audit.record(session, audit.Actor.of(user), "review.edit", f"review:{review.id}",
                 dossier_id=review.version.dossier_id,
                 before={"decisions": {k: {x: y for x, y in before["decisions"][k].items() if x != "engine"}
                                       for k in changed},
                         **{k: before.get(k) for k in ("panel", "recommendation", "evaluation")
                            if before.get(k) != doc.get(k)}},
                 after={"decisions": changed,
                        **{k: doc.get(k) for k in ("panel", "recommendation", "evaluation") if before.get(k) != doc.get(k)}})
    return review


def approve(session: Session, user: User, review: Review, lock: int) -> Review:
    """The chair signs off: the chair becomes the approver of every decision that changed an outcome."""
    if review.state == "approved":
        raise NotEditable(review.id)
    if lock != review.lock:
        raise Conflict(review.id, ReviewEdit(lock=lock))
    doc = copy.deepcopy(review.document)
    _member(doc, user)
    for d in doc["decisions"].values():
        if d["decision"] != "confirm":
            d["approver"] = user.display_name
    check_document(doc, review_file(review.version, review.program))
    review_id = review.id
    review.document = doc
    review.state = "approved"
    review.approved_by = user.id
    review.approved_at = now()
    review.updated_at = review.approved_at
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(review_id, ReviewEdit(lock=lock)) from None
    audit.record(session, audit.Actor.of(user), "review.approve", f"review:{review.id}",
                 dossier_id=review.version.dossier_id,
                 after={"state": "approved", "recommendation": doc.get("recommendation"),
                        "evaluation": doc.get("evaluation")})
    return review


def reopen(session: Session, user: User, review: Review) -> Review:
    review.state = "draft"
    review.approved_by = None
    review.approved_at = None
    review.updated_at = now()
    session.flush()
    audit.record(session, audit.Actor.of(user), "review.reopen", f"review:{review.id}",
                 dossier_id=review.version.dossier_id, before={"state": "approved"}, after={"state": "draft"})
    return review


def import_yaml(session: Session, user: User, version: Version, raw: bytes, shown: str,
                check=None) -> Review:
    """A review file made outside the workspace, checked as `check --review` checks it (schema, members, this
    program's rules, this version of the dossier: another version is refused with the rules whose inputs changed).
    `check(parsed_review)` runs the program and version checks (it needs the engine's outcomes)."""
    rv = panel.review_from_bytes(raw, shown)
    if check is not None:
        check(rv)
    doc = yamlfile.parse(raw.decode("utf-8"), shown).data   # the strict reader: dates stay text, as checked
    doc["dossier"] = dossier_file(version)
    existing = session.scalar(select(Review).where(Review.version_id == version.id, Review.program == rv.program))
    if existing is not None and existing.state == "approved":
        raise InputError([Problem(shown, "/program", f"the review of {rv.program} for this version is approved; "
                                  "the chair reopens it before another is imported")])
    before = existing.document if existing else None
    if existing is None:
        existing = Review(version=version, version_id=version.id, program=rv.program, document=doc, state="draft",
                          updated_at=now())
        session.add(existing)
    else:
        existing.document = doc
        existing.updated_at = now()
    session.flush()
    audit.record(session, audit.Actor.of(user), "review.import", f"review:{existing.id}",
                 dossier_id=version.dossier_id,
                 before={"decisions": {k: v for k, v in before["decisions"].items() if v.get("decision") != "confirm"}}
                 if before else None,
                 after={"file": shown, "sha256": rv.sha256,
                        "decisions": {k: {x: y for x, y in v.items() if x != "engine"}
                                      for k, v in doc["decisions"].items() if v.get("decision") != "confirm"}})
    return existing
