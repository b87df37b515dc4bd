"""What every command shares: exit codes, the console, bad input reported all at once, loading inputs."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from .. import assess, bounds, load
from ..atomic import write_bytes
from ..problems import InputError, Problem
from ..validate import load_dossier

EXIT_OK, EXIT_NOT_CERTIFIABLE, EXIT_BAD_INPUT, EXIT_RENDER_FAILED = 0, 1, 2, 3


# the options through which a command writes files: only such a command says "nothing was written"
_OUTPUT_PARAMS = ("output", "outdir", "pdf_out")


_QUIET = "parkcert.quiet"   # in click's context meta, which a command shares with the group above it


def _set_quiet(ctx, param, value):
    if value:
        ctx.meta[_QUIET] = True


def quiet_option(command):
    """-q/--quiet: print nothing but errors; the exit code says the outcome (for scripts)."""
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, is_eager=True, callback=_set_quiet,
                        help="Print nothing but errors; the exit code tells the outcome.")(command)


def quiet() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(_QUIET))


def say(message: str) -> None:
    """A one-line report on stdout, unless --quiet."""
    if not quiet():
        click.echo(message)


def make_console(file=None) -> Console:
    """The console of tables: as wide as the terminal, or as COLUMNS says; piped without COLUMNS, 120 wide."""
    columns = os.environ.get("COLUMNS", "")
    width = None if sys.stdout.isatty() or (columns.isdigit() and int(columns) > 0) else 120
    return Console(file=file, width=width, highlight=False,
                   quiet=quiet() and file is None)


def _writes_files() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and any(ctx.params.get(k) for k in _OUTPUT_PARAMS))


def fail(problems: list[Problem]) -> None:
    """Every problem on its own line (the first bounds.MAX_ERRORS_SHOWN, then how many more), exit 2."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    shown, more = bounds.capped(problems)
    for p in shown:
        err.print("[red]error[/red] ", escape(str(p)), sep="", markup=True)
    if more:
        err.print(f"... and {more:,} more")
    count = f"{len(problems):,} problem{'s' if len(problems) != 1 else ''}"
    err.print(f"{count}; nothing was written." if _writes_files() else f"{count}.")
    sys.exit(EXIT_BAD_INPUT)


def complete_program(ctx, param, incomplete: str):
    """Shell completion of program ids (shipped packs and those of --rules / PARKCERT_RULES), and `all`."""
    try:
        ids = load.pack_ids() + ["all"]
    except Exception:  # noqa: BLE001 - completion never prints a traceback into the shell
        return []
    return [i for i in ids if i.startswith(incomplete)]


def _missing_folder(path: str) -> tuple[Path, Path] | None:
    """(the output's folder, its first missing ancestor) when the folder does not exist."""
    folder = Path(path).absolute().parent
    if folder.is_dir():
        return None
    missing = folder
    while not missing.parent.exists():
        missing = missing.parent
    return folder, missing


def check_output(path: str | None) -> None:
    """Refuse, before any work, an output whose missing folder is not below the current folder: a typo in -o
    never leaves a silent tree anywhere on the disk."""
    found = _missing_folder(path) if path else None
    if found and not found[0].is_relative_to(Path.cwd()):
        fail([Problem(path, "", f"the folder {found[1]} does not exist (ParkCert creates missing folders only "
                                "below the current folder: create it first)")])


def output_folder(path: str | None) -> None:
    """The folder of an output file, created (and said so) when missing below the current folder."""
    check_output(path)
    found = _missing_folder(path) if path else None
    if not found:
        return
    folder, missing = found
    try:
        folder.mkdir(parents=True)
    except OSError as e:
        fail([Problem(path, "", f"cannot create its folder {folder}: {e.strerror}")])
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"created folder {missing}"
                                                                + (f" (and {folder})" if missing != folder else ""))


def write_stdout(text: str) -> None:
    with stdout_guard():
        sys.stdout.write(text)


@contextlib.contextmanager
def stdout_guard():
    """Standard output flushed here, so that a full disk or a closed pipe is a message (exit 2), not a traceback."""
    try:
        yield
        sys.stdout.flush()
    except OSError as e:
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            # what could not be written is dropped, so that Python does not try again at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        fail([Problem("<stdout>", "", f"cannot write: {e.strerror or e}")])


def write_output(path, data: bytes | str) -> None:
    """Every command's -o: its missing folder created (below the current folder only, and said), then written
    atomically (the old content or the whole new one), or exit 2 naming the file."""
    output_folder(path)
    try:
        write_bytes(Path(path), data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as e:
        fail([Problem(str(path), "", f"cannot write: {e.strerror or e}")])


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
    why = bounds.date_problem(value)
    if why:
        fail([Problem(option, "", why)])
    day = dt.date.fromisoformat(value)
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
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for w in (w for r in reviews for w in r.warnings):
        err.print(f"[yellow]warning[/yellow] {escape(str(w))}", markup=True)
    return reviews


def expand(paths) -> list[str]:
    """Files as given; a folder stands for the dossiers (*.json) in it. A folder without any is bad input."""
    out, empty = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = [str(f) for f in sorted([*path.glob("*.json"), *path.glob("*.xlsx")])]
            if not found:
                empty.append(Problem(str(p), "", "a folder with no dossier (*.json or *.xlsx) in it"))
            out += found
        else:
            out.append(str(p))
    if empty:
        fail(empty)
    return out

