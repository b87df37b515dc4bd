"""parkcert users add|list|disable|enable|passwd: the workspace's accounts. The first administrator is made here."""
from __future__ import annotations

import sys

import click
from rich.table import Table

from ..problems import InputError, Problem
from . import main
from .common import fail, make_console
from .store import store_options


def _actor():
    from ..workspace.audit import SYSTEM_CLI, Actor
    return Actor(SYSTEM_CLI, "admin")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _change(db, work):
    """Run one change in one transaction; bad input is reported with nothing written."""
    try:
        with db.session() as s, s.begin():
            return work(s)
    except InputError as e:
        fail(e.problems)


@main.group("users")
def users_group():
    """Workspace accounts: zone, auditor, panel (member), chair, analyst, admin."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", required=True, help="zone | auditor | panel | chair | analyst | admin")
@click.option("--zone", "zones", multiple=True, metavar="ID", help="For zone users: a zone id they act for (repeatable).")
@click.option("--name", "display_name", help="The name shown in reviews and the audit trail (default: USERNAME).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@store_options
def users_add(username, role, zones, display_name, password_stdin, db):
    """Add an account (the password is asked twice, or read from standard input)."""
    from ..workspace import accounts
    password = _password(password_stdin)
    _change(db, lambda s: accounts.add_user(s, _actor(), username, role, password, display_name, zones))
    click.echo(f"added {username} ({role}{': ' + ', '.join(sorted(set(zones))) if zones else ''})")


@users_group.command("list")
@store_options
def users_list(db):
    """Every account: role, zones, active or disabled."""
    from ..workspace import accounts
    with db.session() as s:
        users = accounts.list_users(s)
    table = Table("user", "name", "role", "zones", "state", "created (UTC)")
    for u in users:
        table.add_row(u.username, u.display_name, u.role, ", ".join(u.zones or []), "active" if u.active else "disabled",
                      u.created_at.strftime("%Y-%m-%d %H:%M"))
    make_console().print(table)
    if not users:
        click.echo("no accounts yet: add the first administrator with `parkcert users add NAME --role admin`")


def _activation(name: str, active: bool, doc: str):
    @users_group.command(name, help=doc)
    @click.argument("username")
    @store_options
    def command(username, db):
        from ..workspace import accounts
        _change(db, lambda s: accounts.set_active(s, _actor(), username, active))
        click.echo(f"{name}d {username}")
    return command


users_disable = _activation("disable", False, "Disable an account: it can no longer sign in, and its open sessions "
                                              "end. Its history stays.")
users_enable = _activation("enable", True, "Enable a disabled account again.")


@users_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from the first line of standard input.")
@store_options
def users_passwd(username, password_stdin, db):
    """Set a new password (open sessions of the account end)."""
    from ..workspace import accounts
    password = _password(password_stdin)
    if not password:
        fail([Problem("password", "", "empty")])
    _change(db, lambda s: accounts.set_password(s, _actor(), username, password))
    click.echo(f"new password set for {username}")
