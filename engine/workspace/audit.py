"""The audit trail: an append-only table, one entry per change, written in the transaction of the change it records.

Each entry's hash covers its own fields and the previous entry's hash, so changing, removing or reordering an entry
breaks the chain from that entry on; `verify` names the first broken one. The database refuses UPDATE and DELETE
on the table (triggers made by the first migration); the chain catches what someone with the database's owner
rights could still do.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .. import trail as trail_file
from .models import AuditEntry, User

TRAIL_FORMAT = trail_file.FORMAT
GENESIS = trail_file.GENESIS
canonical = trail_file.canonical


def entry_hash(seq: int, at: str, actor: str, role: str, action: str, obj: str, dossier_id: int | None,
               before: str | None, after: str | None, prev_hash: str) -> str:
    return trail_file.entry_hash({"seq": seq, "at": at, "actor": actor, "role": role, "action": action, "object": obj,
                                  "dossier_id": dossier_id, "before": before, "after": after, "prev_hash": prev_hash})


def _hash_of(e: AuditEntry) -> str:
    return trail_file.entry_hash(entry_dict(e))


@dataclass(frozen=True)
class Actor:
    username: str
    role: str

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.username, user.role)


SYSTEM_CLI = "command line"


def record(session: Session, actor: Actor, action: str, obj: str, *, dossier_id: int | None = None,
           before=None, after=None, at: dt.datetime | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction: it commits or rolls back with the change it records."""
    if session.get_bind().dialect.name == "postgresql":
        # serialize appenders until commit; SQLite transactions already begin IMMEDIATE (database.py)
        session.execute(text("SELECT pg_advisory_xact_lock(7262)"))
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    stamp = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="microseconds")
    b, a = canonical(before), canonical(after)
    entry = AuditEntry(seq=seq, at=stamp, actor=actor.username, role=actor.role, action=action, object=obj,
                       dossier_id=dossier_id, before=b, after=a, prev_hash=prev,
                       hash=entry_hash(seq, stamp, actor.username, actor.role, action, obj, dossier_id, b, a, prev))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.reason}"


def verify_entries(entries) -> tuple[int, Broken | None]:
    """Walk the whole chain in order; (entries checked, the first broken entry or None)."""
    prev, expected, n = GENESIS, 1, 0
    for e in entries:
        n += 1
        if e.seq != expected:
            return n, Broken(expected, f"missing (the chain jumps from entry {expected - 1} to entry {e.seq})")
        if e.prev_hash != prev:
            return n, Broken(e.seq, f"does not follow entry {e.seq - 1} (its previous-hash is "
                                    f"{e.prev_hash[:12]}…, entry {e.seq - 1} hashes to {prev[:12]}…)")
        if _hash_of(e) != e.hash:
            return n, Broken(e.seq, f"its content was changed after it was written ({e.at}, {e.actor}, {e.action} "
                                    f"{e.object}: recorded hash {e.hash[:12]}…, content hashes to {_hash_of(e)[:12]}…)")
        prev, expected = e.hash, expected + 1
    return n, None


def verify(session: Session) -> tuple[int, Broken | None]:
    return verify_entries(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(500))


def entry_dict(e: AuditEntry) -> dict:
    return {"seq": e.seq, "at": e.at, "actor": e.actor, "role": e.role, "action": e.action, "object": e.object,
            "dossier_id": e.dossier_id, "before": e.before, "after": e.after, "prev_hash": e.prev_hash,
            "hash": e.hash}


def entries(session: Session, dossier_id: int | None = None) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.seq)
    if dossier_id is not None:
        q = q.where(AuditEntry.dossier_id == dossier_id)
    return list(session.scalars(q))


def trail(session: Session, dossier_id: int | None = None, dossier: dict | None = None) -> bytes:
    """The exported trail (all entries, or one dossier's): the file `parkcert report --audit-trail` embeds.
    Same database state, same bytes."""
    doc = {"format": TRAIL_FORMAT, "dossier": dossier, "entries": [entry_dict(e) for e in entries(session, dossier_id)]}
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


