"""parkcert template: the dossier workbook, generated from the catalogue and the packs."""
from __future__ import annotations

from pathlib import Path

import click

from .. import load
from ..atomic import write_bytes
from ..problems import InputError, Problem
from . import main
from .common import fail, load_inputs, rules_option


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The workbook to write (.xlsx).")
@click.option("--program", "programs", multiple=True, metavar="ID",
              help="Only the sheets and rows this program needs (repeatable). Default: every program, or with "
                   "--from the programs the dossier applies for.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of sheet names and of the first line of each header (the other follows).")
@click.option("--from", "source", type=click.Path(dir_okay=False), metavar="DOSSIER",
              help="Fill the workbook from this dossier (JSON or XLSX).")
@click.option("--force", is_flag=True, help="Overwrite an existing workbook.")
@rules_option
def template(output, programs, lang, source, force):
    """Write a dossier workbook for a zone office to fill in, then read it with `parkcert import`.

    The sheets come from rules/metrics.yaml and the packs: a new metric or pack appears without code changes.
    """
    from ..workbook import layout
    from ..workbook import template as writer
    problems = []
    if Path(output).suffix.lower() != ".xlsx":
        problems.append(Problem(output, "", "the workbook is written as .xlsx: give a name ending in .xlsx"))
    if Path(output).exists() and not force:
        problems.append(Problem(output, "", "exists already; a filled workbook is not overwritten without --force"))
    try:
        known = load.pack_ids()
    except InputError as e:
        fail(e.problems)
    for p in programs:
        if p not in known:
            problems.append(Problem("--program", "", f"unknown program {p!r} (known: {', '.join(known)})"))
    if problems:
        fail(problems)
    dossier = None
    if source:
        cat, loaded, _ = load_inputs([source], programs)
        dossier = loaded[0].data
        ids = list(programs) or loaded[0].programs
    else:
        cat = load.catalogue()
        ids = list(programs) or known
    try:
        packs = [load.pack(p) for p in ids]
    except InputError as e:
        fail(e.problems)
    lay = layout.build(cat, packs, dossier)
    try:
        write_bytes(Path(output), writer.write(lay, lang, dossier))
    except OSError as e:
        fail([Problem(output, "", f"cannot write: {e.strerror}")])
    sheets = ", ".join(s.name.get(lang) for s in lay.sheets)
    click.echo(f"{output}: {len(lay.sheets)} sheets ({sheets}) for {', '.join(ids)}"
               + (f", filled from {source}" if source else ""))
