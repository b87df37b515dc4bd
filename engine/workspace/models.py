"""The workspace's tables (SQLAlchemy 2). The schema itself is made by the Alembic migrations beside this module;
`tests/workspace/test_migrations.py` checks that the two agree."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timestamps are UTC everywhere; SQLite forgets the zone, so it is put back on reading."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: workspace timestamps are UTC")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC) if value is not None else None


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    zones: Mapped[list] = mapped_column(JSON, default=list)          # zone ids, for the zone role only
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)


class LoginFailure(Base):
    """Failed logins, counted per user name over a window to throttle guessing."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class LoginSession(Base):
    """A signed-in browser. The cookie carries the signed token; only its sha256 is stored."""
    __tablename__ = "login_sessions"
    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship()


class Dossier(Base):
    """A zone's submission, uploaded as many versions as it likes."""
    __tablename__ = "dossiers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    versions: Mapped[list[Version]] = relationship(back_populates="dossier", order_by="Version.number")


class Version(Base):
    """One upload, kept unchanged (a trigger refuses updates of its content): the bytes as uploaded and, for a
    workbook, the dossier JSON the engine reads."""
    __tablename__ = "dossier_versions"
    __table_args__ = (UniqueConstraint("dossier_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    number: Mapped[int] = mapped_column(Integer)
    upload_name: Mapped[str] = mapped_column(String(255))            # shown only, never used as a path
    upload_kind: Mapped[str] = mapped_column(String(8))               # json | xlsx
    upload: Mapped[bytes] = mapped_column(LargeBinary)
    content: Mapped[bytes] = mapped_column(LargeBinary)               # the dossier JSON
    sha256: Mapped[str] = mapped_column(String(64))                   # of content, as in results and reviews
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    dossier: Mapped[Dossier] = relationship(back_populates="versions")
    uploader: Mapped[User] = relationship()


class Review(Base):
    """A panel's review of one version for one program. `document` is the review in the exchange format
    (schemas/review.schema.json); `lock` is the optimistic-locking counter."""
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("version_id", "program"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dossier_versions.id"))
    program: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | approved
    lock: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[Version] = relationship()
    __mapper_args__ = {"version_id_col": lock}


class AuditEntry(Base):
    """Append-only (triggers refuse UPDATE and DELETE); each entry's hash covers its content and the previous
    entry's hash."""
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))                        # ISO 8601 UTC, hashed as written
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(128))
    dossier_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)    # canonical JSON
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ServerKey(Base):
    """Secrets the server makes for itself on first start (the cookie-signing key)."""
    __tablename__ = "server_keys"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
