"""parkcert review init."""
from __future__ import annotations

from pathlib import Path

import click

from ..evaluate import check as check_programs
from ..evaluate import evaluator as make_evaluator
from ..problems import Problem
from ..result import document
from . import main
from .common import (
    complete_program,
    fail,
    load_inputs,
    parse_date,
    rules_option,
    say,
    write_output,
)


@main.group("review")
def review_group():
    """Expert panel reviews of rule outcomes."""


@review_group.command("init")
@click.argument("dossier", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The review file to write.")
@click.option("--program", "program", metavar="ID", default=None, shell_complete=complete_program,
              help="Program to review (default: the first the dossier applies for).")
@click.option("--as-of", "as_of", metavar="DATE")
@click.option("--force", is_flag=True, help="Overwrite an existing review file.")
@rules_option
def review_init(dossier, output, program, as_of, force):
    """Write a review skeleton: every outcome listed as `confirm`, the engine's value and threshold in comments."""
    from ..review import skeleton
    day = parse_date(as_of, "--as-of")
    cat, loaded, packs = load_inputs([dossier], (program,) if program else ())
    d = loaded[0]
    pack = packs[program] if program else packs[d.programs[0]]
    if Path(output).exists() and not force:
        fail([Problem(output, "", "exists already; a panel's review is not overwritten without --force")])
    doc = document(check_programs(d, [pack], cat, as_of=day, engine=make_evaluator(None)), "durable_rules")
    write_output(output, skeleton(doc, doc["programs"][0], dossier))
    say(f"{output}: {len(doc['programs'][0]['outcomes'])} outcomes to review for {pack.id}")

