"""parkcert check and parkcert validate."""
from __future__ import annotations

import io
import sys

import click

from .. import text
from ..evaluate import evaluator as make_evaluator
from ..result import json_text
from . import main
from .common import (
    EXIT_NOT_CERTIFIABLE,
    EXIT_OK,
    complete_program,
    expand,
    load_inputs,
    load_reviews,
    make_console,
    parse_date,
    quiet,
    quiet_option,
    result_document,
    rules_option,
    say,
    stdout_guard,
    write_output,
    write_stdout,
)


@main.command()
@click.argument("dossiers", nargs=-1, required=True, type=click.Path())
@click.option("--program", "programs", multiple=True, metavar="ID", shell_complete=complete_program,
              help="Program to check (repeatable; 'all' for every pack). Default: the programs the dossier applies for.")
@click.option("--as-of", "as_of", metavar="DATE", help="Assess on this date instead of the dossier's as_of.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine: durable_rules (default) or the plain-Python reference evaluator.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the result here instead of stdout.")
@click.option("--review", "review_files", multiple=True, type=click.Path(dir_okay=False),
              help="Expert panel review (YAML or JSON) to apply; repeatable, one per program.")
@rules_option
@quiet_option
def check(dossiers, programs, as_of, fmt, engine, output, review_files):
    """Check dossiers against their programs. DOSSIERS: files or folders (the *.json in them).

    Exit 0: all certifiable; 1: any not (or incomplete); 2: bad input.
    """
    day = parse_date(as_of, "--as-of")
    cat, loaded, packs = load_inputs(expand(dossiers), programs)
    reviews = load_reviews(review_files, loaded)
    ev = make_evaluator(engine)
    docs = []
    for d in loaded:
        docs.append(result_document(d, programs, packs, cat, day, ev, reviews))
    all_ok = all(p["verdict"] == "certifiable" for doc in docs for p in doc["programs"])
    if fmt == "json":
        out = json_text(docs[0] if len(docs) == 1 else docs)
        if output:
            write_output(output, out)
        elif not quiet():
            write_stdout(out)
    else:
        buffer = io.StringIO() if output else None
        console = make_console(file=buffer)
        with stdout_guard():
            for i, doc in enumerate(docs):
                if i:
                    console.rule()
                text.print_document(doc, console)
        if output:
            write_output(output, buffer.getvalue())
    sys.exit(EXIT_OK if all_ok else EXIT_NOT_CERTIFIABLE)



@main.command()
@click.argument("dossiers", nargs=-1, required=True, type=click.Path())
@rules_option
@quiet_option
def validate(dossiers):
    """Check dossiers against the schema and the metric catalogue only. DOSSIERS: files or folders."""
    files = expand(dossiers)
    load_inputs(files, ())
    for d in files:
        say(f"{d}: valid")

