"""Dossier versions: every upload is kept unchanged with its sha256, uploader and time; a zone compares what its
verdicts did between two versions."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..problems import InputError, Problem
from . import audit
from .models import Dossier, User, Version, now


def file_stem(version: Version) -> str:
    """The file name every download of this version uses, so that the CLI given the downloaded files reproduces the
    workspace's reports byte for byte (reports name their inputs by file name)."""
    return f"{version.dossier.zone_id}-d{version.dossier_id}-v{version.number}"


def dossier_file(version: Version) -> str:
    return f"{file_stem(version)}.json"


def review_file(version: Version, program: str) -> str:
    return f"{file_stem(version)}.{program}.review.yaml"


def trail_file(version: Version) -> str:
    return f"{file_stem(version)}.audit-trail.json"


def describe(session: Session, dossier_id: int) -> dict | None:
    d = session.get(Dossier, dossier_id)
    if d is None:
        return None
    return {"id": d.id, "zone_id": d.zone_id, "label": d.label,
            "versions": [{"number": v.number, "sha256": v.sha256, "file": dossier_file(v)} for v in d.versions]}


@dataclass(frozen=True)
class Upload:
    name: str           # as the browser sent it: shown, never used as a path
    kind: str           # json | xlsx
    data: bytes         # as uploaded
    content: bytes      # the dossier JSON
    zone_id: str
    zone_name: str
    as_of: str


def version_record(v: Version) -> dict:
    return {"dossier": v.dossier_id, "number": v.number, "sha256": v.sha256, "upload_name": v.upload_name,
            "upload_kind": v.upload_kind, "uploaded_by": v.uploader.username if v.uploader else None,
            "uploaded_at": v.uploaded_at.isoformat()}


def add_version(session: Session, user: User, upload: Upload, dossier_id: int | None = None,
                label: str | None = None) -> Version:
    """A new version of a dossier (a new dossier when none is given); the zone must be one the user acts for."""
    if upload.zone_id not in (user.zones or []):
        raise InputError([Problem(upload.name, "/zone/id", f"the dossier is for zone {upload.zone_id!r}; "
                                  f"you upload for {', '.join(user.zones or []) or 'no zone'}")])
    if dossier_id is None:
        dossier = Dossier(zone_id=upload.zone_id, label=(label or f"{upload.zone_name} — {upload.as_of}")[:200],
                          created_at=now())
        session.add(dossier)
        session.flush()
        audit.record(session, audit.Actor.of(user), "dossier.create", f"dossier:{dossier.id}", dossier_id=dossier.id,
                     after={"zone_id": dossier.zone_id, "label": dossier.label})
    else:
        dossier = session.get(Dossier, dossier_id)
        if dossier is None or dossier.zone_id not in (user.zones or []):
            raise LookupError(dossier_id)
        if dossier.zone_id != upload.zone_id:
            raise InputError([Problem(upload.name, "/zone/id", f"this dossier is zone {dossier.zone_id!r}'s; "
                                      f"the file is for zone {upload.zone_id!r}")])
    number = (session.scalar(select(func.max(Version.number)).where(Version.dossier_id == dossier.id)) or 0) + 1
    version = Version(dossier=dossier, number=number, upload_name=upload.name[:255], upload_kind=upload.kind,
                      upload=upload.data, content=upload.content, sha256=hashlib.sha256(upload.content).hexdigest(),
                      uploaded_by=user.id, uploader=user, uploaded_at=now())
    session.add(version)
    session.flush()
    audit.record(session, audit.Actor.of(user), "version.upload", f"dossier:{dossier.id}/v{number}",
                 dossier_id=dossier.id, after=version_record(version))
    return version


def zone_of(content: bytes) -> tuple[str, str, str]:
    """(zone id, zone name in English and Chinese, as_of) of a validated dossier JSON."""
    data = json.loads(content.decode("utf-8"))
    zone = data["zone"]
    names = zone["name"] if isinstance(zone.get("name"), dict) else {"en": str(zone.get("name"))}
    name = " · ".join(dict.fromkeys(n for n in (names.get("en"), names.get("zh")) if n))
    return zone["id"], name, data["as_of"]


# --- how verdicts changed between two versions -----------------------------------------

@dataclass(frozen=True)
class RuleChange:
    program: str
    rule_id: str
    title: dict
    before: str | None          # status in the older version (None: the rule was not checked)
    after: str | None
    gap_before: float | None
    gap_after: float | None
    unit: str

    @property
    def gap_moved(self) -> float | None:
        if self.gap_before is None or self.gap_after is None:
            return None
        return self.gap_after - self.gap_before


@dataclass(frozen=True)
class VersionDiff:
    verdicts: list[tuple[str, str | None, str | None]]     # program, before, after
    changes: list[RuleChange]                               # rules whose status changed or whose gap moved


def diff(old_doc: dict, new_doc: dict) -> VersionDiff:
    """Compare two result documents (schemas/result.schema.json) rule by rule."""
    old = {p["program"]: p for p in old_doc["programs"]}
    new = {p["program"]: p for p in new_doc["programs"]}
    verdicts, changes = [], []
    for prog in sorted(set(old) | set(new)):
        a, b = old.get(prog), new.get(prog)
        verdicts.append((prog, a and a["verdict"], b and b["verdict"]))
        ao = {o["rule_id"]: o for o in (a or {}).get("outcomes", [])}
        bo = {o["rule_id"]: o for o in (b or {}).get("outcomes", [])}
        for rid in [*ao, *(r for r in bo if r not in ao)]:
            x, y = ao.get(rid), bo.get(rid)
            gx, gy = (x or {}).get("gap"), (y or {}).get("gap")
            status_changed = (x or {}).get("status") != (y or {}).get("status")
            gap_moved = gx is not None and gy is not None and abs(gx - gy) > 1e-9 * max(1.0, abs(gx))
            if status_changed or gap_moved:
                o = y or x
                changes.append(RuleChange(prog, rid, o["title"], x and x["status"], y and y["status"], gx, gy, o["unit"]))
    return VersionDiff(verdicts, changes)


def uploaded_day(v: Version) -> dt.date:
    return v.uploaded_at.date()
