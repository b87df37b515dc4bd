"""parkcert import: a filled dossier workbook to a JSON dossier, every problem named by sheet and cell."""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from .. import load, plausibility
from ..atomic import write_bytes
from ..problems import InputError, Problem, cell_at
from ..validate import canonical_json, dossier_from_bytes
from ..workbook import limits
from . import main
from .common import fail, rules_option


@main.command("import")
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The JSON dossier to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@rules_option
def import_command(workbook, output, force):
    """Read a dossier workbook (from `parkcert template`) and write the JSON dossier.

    Every problem is listed at once as FILE Sheet!CELL: message; exit 2 and nothing written. The JSON written is
    canonical (sorted keys, UTF-8): its sha256 is the one `check` and reports give for the workbook itself.
    """
    try:
        raw = Path(workbook).read_bytes()
    except OSError as e:
        fail([Problem(workbook, "", f"cannot read: {e.strerror}")])
    if not limits.looks_like_workbook(raw):
        fail([Problem(workbook, "", "not an Excel workbook (.xlsx); a JSON dossier is read by check, validate and "
                                    "report as it is")])
    if Path(output).exists() and not force:
        fail([Problem(output, "", "exists already; not overwritten without --force")])
    try:
        cat = load.catalogue()
        d = dossier_from_bytes(raw, workbook, cat, load.pack_ids())
    except InputError as e:
        fail(e.problems)
    data = canonical_json(d.data)
    try:
        write_bytes(Path(output), data)
    except OSError as e:
        fail([Problem(output, "", f"cannot write: {e.strerror}")])
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    cells = d.cells or {}
    for w in plausibility.warnings(d.data, cat):
        where = cell_at(cells, w.pointer) or w.pointer
        err.print(f"[yellow]warning[/yellow] {workbook} {where}: {w.message_en}", markup=True, highlight=False)
    series = len(d.data.get("series") or {})
    reported = len(d.data.get("reported") or {})
    click.echo(f"{output}: zone {d.zone_id}, {series} series, {reported} reported values; sha256 {d.sha256}")

