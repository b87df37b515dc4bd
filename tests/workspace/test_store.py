"""The workspace database on SQLite and PostgreSQL: migrations, accounts, the append-only audit chain, backups."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from engine.problems import InputError
from engine.workspace import accounts, audit
from engine.workspace.database import open_database
from engine.workspace.models import Base

from .conftest import CLI, store_args

PASSWORD = "correct horse battery"


def cli_user(run_in, db_url, *args, password=PASSWORD):
    return run_in(["users", *args, *store_args(db_url), "--password-stdin"], password + "\n")


@pytest.fixture
def run_in():
    from click.testing import CliRunner

    from engine.cli import main

    def _run(args, stdin=None):
        r = CliRunner().invoke(main, [str(a) for a in args], input=stdin, catch_exceptions=False)
        return r.exit_code, r.stdout, r.stderr
    return _run


def test_migrations_make_exactly_the_models_schema(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    # opening again (a restart, an upgrade with nothing new) changes nothing and keeps the data
    with db.session() as s, s.begin():
        accounts.add_user(s, CLI, "admin1", "admin", PASSWORD)
    again = open_database(database_url=db.url.render_as_string(hide_password=False))
    with again.session() as s:
        assert [u.username for u in accounts.list_users(s)] == ["admin1"]
    again.close()


def test_first_admin_from_the_command_line_no_default_account(run_in, db_url):
    code, out, _ = run_in(["users", "list", *store_args(db_url)])
    assert code == 0 and "no accounts yet" in out
    code, out, err = cli_user(run_in, db_url, "add", "root-admin", "--role", "admin", "--name", "Li Na")
    assert code == 0, err
    code, out, _ = run_in(["users", "list", *store_args(db_url)])
    assert "root-admin" in out and "Li Na" in out and "active" in out
    db = open_database(database_url=db_url)
    with db.session() as s:
        user = accounts.get_user(s, "root-admin")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert accounts.authenticate(s, "root-admin", PASSWORD).user is not None
    db.close()


def test_bad_accounts_are_refused_with_every_problem(run_in, db_url):
    code, _, err = cli_user(run_in, db_url, "add", "Bad Name", "--role", "mayor", "--zone", "Z1", password="short")
    assert code == 2 and "Traceback" not in err
    assert "'Bad Name'" in err and "'mayor' is not a role" in err and "at least 12 characters" in err
    code, _, err = cli_user(run_in, db_url, "add", "zone-a", "--role", "zone")
    assert code == 2 and "needs at least one --zone" in err
    assert cli_user(run_in, db_url, "add", "zone-a", "--role", "zone", "--zone", "Z-A")[0] == 0
    code, _, err = cli_user(run_in, db_url, "add", "zone-a", "--role", "zone", "--zone", "Z-A")
    assert code == 2 and "exists already" in err
    code, _, err = run_in(["users", "disable", "nobody", *store_args(db_url)])
    assert code == 2 and "no user 'nobody'" in err


def test_disable_and_passwd(run_in, db_url):
    cli_user(run_in, db_url, "add", "panel-1", "--role", "panel")
    assert run_in(["users", "disable", "panel-1", *store_args(db_url)])[0] == 0
    db = open_database(database_url=db_url)
    with db.session() as s, s.begin():
        assert accounts.authenticate(s, "panel-1", PASSWORD).user is None
    assert run_in(["users", "enable", "panel-1", *store_args(db_url)])[0] == 0
    assert cli_user(run_in, db_url, "passwd", "panel-1", password="another long passphrase")[0] == 0
    with db.session() as s, s.begin():
        assert accounts.authenticate(s, "panel-1", PASSWORD).user is None
        assert accounts.authenticate(s, "panel-1", "another long passphrase").user.username == "panel-1"
    with db.session() as s:
        actions = [e.action for e in audit.entries(s)]
    assert actions == ["user.add", "user.disable", "user.enable", "user.password"]
    db.close()


def test_login_is_throttled_after_repeated_failures(db):
    with db.session() as s, s.begin():
        accounts.add_user(s, CLI, "chair-1", "chair", PASSWORD)
    for _ in range(accounts.THROTTLE_FAILURES):
        with db.session() as s, s.begin():
            r = accounts.authenticate(s, "chair-1", "wrong password!!")
            assert r.user is None and not r.throttled
    with db.session() as s, s.begin():
        r = accounts.authenticate(s, "chair-1", PASSWORD)     # even the right password waits out the window
        assert r.user is None and r.throttled
    import datetime as dt
    later = dt.datetime.now(dt.UTC) + accounts.THROTTLE_WINDOW + dt.timedelta(seconds=1)
    with db.session() as s, s.begin():
        assert accounts.authenticate(s, "chair-1", PASSWORD, at=later).user is not None


def _raw(db, sql):
    with db.engine.begin() as conn:
        conn.execute(text(sql))


def test_the_database_refuses_to_change_or_delete_audit_entries(db):
    with db.session() as s, s.begin():
        accounts.add_user(s, CLI, "admin1", "admin", PASSWORD)
        accounts.add_user(s, CLI, "admin2", "admin", PASSWORD)
    for sql in ("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1", "DELETE FROM audit_log WHERE seq = 2",
                "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(db, sql)
    with db.session() as s:
        assert audit.verify(s) == (2, None)


def test_an_audit_entry_commits_or_rolls_back_with_its_change(db):
    with pytest.raises(InputError), db.session() as s, s.begin():
        accounts.add_user(s, CLI, "admin1", "admin", PASSWORD)
        accounts.add_user(s, CLI, "admin1", "admin", PASSWORD)   # fails: the whole transaction goes
    with db.session() as s:
        assert audit.entries(s) == [] and accounts.list_users(s) == []


def _tamper(db, sql):
    """What someone with the database owner's rights could do: drop the guard, edit, put the guard back."""
    if db.dialect == "sqlite":
        _raw(db, "DROP TRIGGER audit_log_no_update")
        _raw(db, "DROP TRIGGER audit_log_no_delete")
    else:
        _raw(db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    _raw(db, sql)


@pytest.mark.parametrize("sql, first_broken, says", [
    ("UPDATE audit_log SET after = replace(after, 'panel', 'chair') WHERE seq = 2", "entry 2", "content was changed"),
    ("DELETE FROM audit_log WHERE seq = 2", "entry 2", "missing"),
])
def test_audit_verify_names_the_first_broken_entry(run_in, db, db_url, sql, first_broken, says):
    with db.session() as s, s.begin():
        for i, role in enumerate(["admin", "panel", "chair"]):
            accounts.add_user(s, CLI, f"user{i}", role, PASSWORD)
    code, out, _ = run_in(["audit", "verify", *store_args(db_url)])
    assert code == 0 and "3 entries, chain intact" in out
    _tamper(db, sql)
    code, out, err = run_in(["audit", "verify", *store_args(db_url)])
    assert code == 1 and f"BROKEN at {first_broken}" in err and says in err


def test_concurrent_writers_keep_one_chain(db):
    errors = []

    def writer(k):
        try:
            for i in range(4):
                with db.session() as s, s.begin():
                    audit.record(s, CLI, "test.write", f"writer{k}/{i}")
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        assert audit.verify(s) == (16, None)


def test_backup_is_a_consistent_copy_while_writes_go_on(run_in, tmp_path):
    data = tmp_path / "data"
    db = open_database(data)
    with db.session() as s, s.begin():
        accounts.add_user(s, CLI, "admin1", "admin", PASSWORD)
    stop = threading.Event()

    def keep_writing():
        while not stop.is_set():
            with db.session() as s, s.begin():
                audit.record(s, CLI, "test.write", "busy")

    t = threading.Thread(target=keep_writing)
    t.start()
    try:
        code, out, err = run_in(["backup", "--data", data, "-o", tmp_path / "copy" / "parkcert.db"])
    finally:
        stop.set()
        t.join()
    assert code == 0, err
    with sqlite3.connect(tmp_path / "copy" / "parkcert.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copy = open_database(tmp_path / "copy")
    with copy.session() as s:
        n, broken = audit.verify(s)
        assert broken is None and n >= 1
        assert [u.username for u in accounts.list_users(s)] == ["admin1"]
    copy.close()
    db.close()


def test_backup_of_postgresql_points_to_pg_dump(run_in, postgres, tmp_path):
    code, _, err = run_in(["backup", "--database", postgres.new_database(), "-o", tmp_path / "x.db"])
    assert code == 2 and "pg_dump" in err and not (tmp_path / "x.db").exists()


def test_no_database_named_is_a_clear_error(run_in, monkeypatch):
    monkeypatch.delenv("PARKCERT_DATABASE", raising=False)
    code, _, err = run_in(["users", "list"])
    assert code == 2 and "--data DIR" in err and "Traceback" not in err
    code, _, err = run_in(["users", "list", "--database", "mysql://x@y/z"])
    assert code == 2 and "unsupported database 'mysql'" in err
