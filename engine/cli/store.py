"""--data DIR / --database URL: the workspace database a command works on (users, audit, backup, serve)."""
from __future__ import annotations

import functools

import click

from ..problems import InputError
from .common import fail


def store_options(command):
    """Adds --data and --database; the command receives `db`, an open (and migrated) workspace database."""
    @click.option("--data", "data_dir", type=click.Path(file_okay=False), metavar="DIR",
                  help="The workspace's data folder (a SQLite file in it, created on first use).")
    @click.option("--database", "database_url", metavar="URL",
                  help="The workspace's database by URL instead, e.g. postgresql+psycopg://user@host/parkcert "
                       "(or set PARKCERT_DATABASE).")
    @functools.wraps(command)
    def wrapper(*args, data_dir=None, database_url=None, **kwargs):
        from ..workspace.database import open_database
        try:
            db = open_database(data_dir, database_url)
        except InputError as e:
            fail(e.problems)
        try:
            return command(*args, db=db, **kwargs)
        finally:
            db.close()
    return wrapper
