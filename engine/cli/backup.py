"""parkcert backup: a consistent copy of the workspace database while the server runs."""
from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import click

from ..problems import Problem
from . import main
from .common import fail
from .store import store_options


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The backup file to write.")
@store_options
def backup(output, db):
    """Copy the workspace's SQLite database with SQLite's online backup API: consistent while the server keeps
    writing, and the copy opens with `--data` after renaming it parkcert.db in a folder. PostgreSQL: use
    `pg_dump --format=custom DBNAME -f FILE` (and `pg_restore`), which is consistent in the same way.
    """
    if db.dialect != "sqlite":
        fail([Problem("--database", "", "backup copies a SQLite workspace; for PostgreSQL use "
                      "`pg_dump --format=custom DBNAME -f FILE` (restore with pg_restore)")])
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    try:
        src = sqlite3.connect(db.url.database)
        dst = sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")   # one self-contained file, no -wal beside it
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if check != "ok":
            raise sqlite3.DatabaseError(f"integrity check of the copy: {check}")
        os.replace(tmp, out)
    except (OSError, sqlite3.Error) as e:
        Path(tmp).unlink(missing_ok=True)
        fail([Problem(output, "", f"backup failed: {e}")])
    click.echo(f"{output}: consistent copy of {db.shown}")
