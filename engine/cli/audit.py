"""parkcert audit verify|export: the workspace's tamper-evident trail."""
from __future__ import annotations

import sys

import click

from ..problems import Problem
from . import main
from .common import fail, write_output
from .store import store_options

EXIT_BROKEN = 1


@main.group("audit")
def audit_group():
    """The workspace's append-only audit trail."""


@audit_group.command("verify")
@store_options
def audit_verify(db):
    """Check the hash chain of the whole trail. Exit 0: intact; 1: names the first broken entry."""
    from ..workspace import audit
    with db.session() as s:
        n, broken = audit.verify(s)
    if broken:
        click.echo(f"audit trail of {db.shown} is BROKEN at {broken}", err=True)
        sys.exit(EXIT_BROKEN)
    click.echo(f"audit trail of {db.shown}: {n} entr{'y' if n == 1 else 'ies'}, chain intact")


@audit_group.command("export")
@click.option("--dossier", "dossier_id", type=int, metavar="ID",
              help="Only the entries about this workspace dossier (its number in the workspace).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The trail file to write (JSON; `parkcert report --audit-trail` embeds it).")
@store_options
def audit_export(dossier_id, output, db):
    """Export the trail (or one dossier's part of it) as JSON, each entry with its hashes."""
    from ..workspace import audit, versions
    with db.session() as s:
        described = None
        if dossier_id is not None:
            described = versions.describe(s, dossier_id)
            if described is None:
                fail([Problem("--dossier", "", f"no dossier {dossier_id} in {db.shown}")])
        data = audit.trail(s, dossier_id, described)
    write_output(output, data)
    click.echo(f"{output}: audit trail{'' if dossier_id is None else f' of dossier {dossier_id}'} written")
