"""What every command shares: exit codes, the console, bad input reported all at once, loading inputs."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console

from .. import assess, load
from ..problems import InputError, Problem
from ..validate import load_dossier

EXIT_OK, EXIT_NOT_CERTIFIABLE, EXIT_BAD_INPUT, EXIT_RENDER_FAILED = 0, 1, 2, 3


def make_console(file=None) -> Console:
    return Console(file=file, width=None if sys.stdout.isatty() else 120, highlight=False)


def fail(problems: list[Problem]) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for p in problems:
        err.print(f"[red]error[/red] {p}", markup=True)
    err.print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was written.")
    sys.exit(EXIT_BAD_INPUT)


def _use_rules(ctx, param, value):
    load.use_rules(value)


def rules_option(command):
    """--rules DIR on a command: one setting in engine.load, seen by everything that reads packs (and batch workers)."""
    return click.option(load.RULES_OPTION, "rules_dirs", multiple=True, metavar="DIR", expose_value=False,
                        is_eager=True, callback=_use_rules, type=click.Path(file_okay=False),
                        help=f"Also read the rule packs in DIR (a pack folder, or a folder of them; repeatable; "
                             f"or set {load.RULES_ENV}).")(command)


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        fail([Problem(option, "", f"expected a date YYYY-MM-DD, found {value!r}")])
    if day > dt.date.today():
        fail([Problem(option, "", f"the assessment date {day} is in the future (today is {dt.date.today()})")])
    return day


def load_inputs(paths, programs: tuple[str, ...]):
    """Validate every input before doing any work, collecting every problem."""
    problems: list[Problem] = []
    try:
        cat = load.catalogue()
        known = load.pack_ids()
    except InputError as e:
        fail(e.problems)
    dossiers = []
    for p in paths:
        try:
            dossiers.append(load_dossier(Path(p), cat, known, shown=str(p)))
        except InputError as e:
            problems += e.problems
    packs = {}
    try:
        packs = assess.packs_for(programs, dossiers)
    except InputError as e:
        problems += e.problems
    if problems:
        fail(problems)
    return cat, dossiers, packs


def result_document(d, programs, packs, cat, day, ev, reviews) -> dict:
    """The result document of one dossier (engine.assess), bad input reported and exit 2."""
    try:
        return assess.result_document(d, programs, packs, cat, day, ev, reviews)
    except InputError as e:
        fail(e.problems)


def load_reviews(files, dossiers) -> list:
    """Panel reviews apply to one dossier at a time."""
    if not files:
        return []
    from ..review import load_review
    if len(dossiers) != 1:
        fail([Problem("--review", "", "a review applies to one dossier: give exactly one DOSSIER with --review")])
    problems, reviews = [], []
    for f in files:
        try:
            reviews.append(load_review(Path(f)))
        except InputError as e:
            problems += e.problems
    if problems:
        fail(problems)
    return reviews


def expand(paths) -> list[str]:
    out = []
    for p in paths:
        path = Path(p)
        out += [str(f) for f in sorted(path.glob("*.json"))] if path.is_dir() else [str(p)]
    return out

