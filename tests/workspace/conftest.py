"""Every persistence test runs against SQLite and against a real PostgreSQL server, started here in a temp folder
with initdb/pg_ctl (Debian's postgresql, installed by scripts/setup-system). No database is mocked."""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from engine.workspace import audit
from engine.workspace.database import open_database

CLI = audit.Actor(audit.SYSTEM_CLI, "admin")


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class PostgresServer:
    """A throw-away server on a Unix socket only (no TCP port), owned by the `postgres` user when run as root."""

    def __init__(self, root: Path):
        self.bin = _pg_bin()
        self.root = root
        self.data = root / "data"
        self.sock = root / "sock"
        self.user = "postgres" if os.geteuid() == 0 else None
        self._names = itertools.count(1)

    def _run(self, *cmd, check=True):
        if self.user:
            cmd = ("runuser", "-u", self.user, "--", *cmd)
        return subprocess.run(cmd, check=check, capture_output=True, text=True)

    def start(self):
        self.sock.mkdir(parents=True)
        if self.user:
            shutil.chown(self.root, self.user)
            shutil.chown(self.sock, self.user)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        opts = f"-k {self.sock} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")

    def stop(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.sock}"

    def new_database(self) -> str:
        import psycopg
        name = f"parkcert_{next(self._names)}"
        with psycopg.connect(host=str(self.sock), user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


@pytest.fixture(scope="session")
def postgres():
    if _pg_bin() is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup-system installs Debian's postgresql)")
    # not under pytest's temp root: that is private to root, and the server runs as `postgres`
    root = Path(tempfile.mkdtemp(prefix="parkcert-pg-"))
    server = PostgresServer(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL of each kind."""
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'data' / 'parkcert.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def db(db_url):
    database = open_database(database_url=db_url)
    yield database
    database.close()


def store_args(db_url: str) -> list[str]:
    """The CLI's option naming the same database."""
    return ["--database", db_url]
