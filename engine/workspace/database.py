"""Opening the workspace database: a SQLite file in a data folder (the embedded default) or PostgreSQL by URL.
Opening migrates it to the current schema (Alembic, migrations shipped inside the package)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..problems import InputError, Problem

DB_FILE = "parkcert.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DATABASE_ENV = "PARKCERT_DATABASE"


def url_for(data_dir: str | Path | None = None, database_url: str | None = None) -> URL:
    """The database of `--data DIR` (a SQLite file in it) or `--database URL`; exactly one."""
    database_url = database_url or (os.environ.get(DATABASE_ENV) if data_dir is None else None)
    if (data_dir is None) == (database_url is None):
        raise InputError([Problem("--data/--database", "", "give either --data DIR (a SQLite file in DIR) or "
                                  f"--database URL (e.g. postgresql+psycopg://user@host/db; or set {DATABASE_ENV})")])
    if data_dir is not None:
        return URL.create("sqlite+pysqlite", database=str(Path(data_dir).resolve() / DB_FILE))
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise InputError([Problem("--database", "", "not a database URL (expected e.g. "
                                  "postgresql+psycopg://user@host/db or sqlite:///path/parkcert.db)")]) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError([Problem("--database", "", f"unsupported database {url.get_backend_name()!r}: "
                                  "PostgreSQL or SQLite")])
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_pragmas(engine: Engine) -> None:
    # pysqlite's own transaction handling is switched off so that every transaction starts with BEGIN IMMEDIATE:
    # writers queue on the database lock instead of failing when a read turns into a write, which keeps the
    # audit chain's "read the last hash, append the next entry" atomic.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")   # a committed review survives a power cut, not only a kill
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on first start)."""
    from alembic import command
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # two server processes starting together must not both create the tables
            conn.execute(text("SELECT pg_advisory_xact_lock(7261)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


class Database:
    """One engine and its session factory."""

    def __init__(self, url: URL, *, upgrade: bool = True):
        self.url = url
        self.engine = make_engine(url)
        try:
            if upgrade:
                migrate(self.engine)
        except OperationalError as e:
            self.engine.dispose()
            raise InputError([Problem(self.shown, "", f"cannot open the database: {e.orig}")]) from None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def shown(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


def open_database(data_dir=None, database_url=None, *, upgrade: bool = True) -> Database:
    return Database(url_for(data_dir, database_url), upgrade=upgrade)
