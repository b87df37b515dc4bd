"""parkcert batch: many dossiers in parallel."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from .. import verdict
from ..problems import InputError, Problem, printable
from . import main
from .common import (
    EXIT_BAD_INPUT,
    EXIT_NOT_CERTIFIABLE,
    EXIT_OK,
    fail,
    parse_date,
    quiet,
    quiet_option,
    rules_option,
    say,
)


def _batch_progress(enabled: bool):
    """A rich progress bar on stderr (dossiers, rate, ETA), as a factory for engine.batch.run."""
    import contextlib

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task):
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} dossiers/s" if speed else "… dossiers/s", style="progress.data.speed")

    @contextlib.contextmanager
    def factory(total: int, skipped: int):
        err = Console(stderr=True, highlight=False, quiet=not enabled)
        if skipped:
            err.print(f"{skipped:,} dossier{'s' if skipped != 1 else ''} up to date, skipped")
        columns = [TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   Rate(), TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        with Progress(*columns, console=err, disable=not enabled or not total, speed_estimate_period=10) as bar:
            task = bar.add_task("checking", total=total)
            yield lambda n: bar.advance(task, n)

    return factory


def _summary_target_problems(out: Path, target: Path) -> list[Problem]:
    """What is wrong with --summary-pdf's file, found before the run rather than after a national run's minutes."""
    from ..batch.options import ASSEMBLED_TABLES, ERRORS, RESULTS, SUMMARY
    if target.is_dir() or target.resolve() == out.resolve():
        return [Problem(str(target), "", "--summary-pdf needs a file name (national.pdf), not a folder")]
    outputs = {(out / name).resolve() for name in (RESULTS, SUMMARY, ERRORS, *ASSEMBLED_TABLES)}
    if target.resolve() in outputs:
        return [Problem(str(target), "", "--summary-pdf would overwrite one of the run's outputs: name another file")]
    return []


def _write_summary_pdf(out: Path, target: Path, lang: str) -> None:
    from ..atomic import write_bytes
    from ..national import render_summary_pdf
    try:
        write_bytes(target, render_summary_pdf(out / "outcomes.parquet", out / "verdicts.parquet", lang))
    except OSError as e:
        # the run's outputs are written by now: say so rather than fail()'s "nothing was written"
        click.echo(f"error {target}: cannot write the summary PDF: {e.strerror}; the run's outputs in {out} were "
                   "written", err=True)
        sys.exit(EXIT_BAD_INPUT)
    say(f"wrote {target} (the national picture, {lang})")


def _folder_counts(folders: dict[str, int], most: int = 12) -> str:
    """Where the dossiers came from: a line per folder (the first `most` of them)."""
    lines = [f"  {printable(where)}: {n:,}" for where, n in list(folders.items())[:most]]
    if len(folders) > most:
        rest = list(folders.values())[most:]
        lines.append(f"  … and {sum(rest):,} more in {len(rest):,} other folders")
    return f"dossiers by folder ({len(folders):,}):\n" + "\n".join(lines)


def _verdict_counts(counts: dict[tuple[str, str], int]) -> str:
    """One line per program, each verdict in the pack's words: '  <program>: 3 TARGETS MET: second tranche due · …'."""
    from .. import load
    lines = []
    for program in sorted({p for p, _ in counts}):
        try:
            labels = verdict.pack_labels(load.pack(program))
        except InputError:        # the pack went away during the run: the generic words
            labels = None
        words = " · ".join(f"{counts[program, code]:,} {verdict.word(code, 'en', labels)}"
                           for code in verdict.CODES if (program, code) in counts)
        lines.append(f"\n  {program}: {words}")
    return "".join(lines)


@main.command("batch")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Output folder: results.jsonl, summary.csv, errors.jsonl, outcomes and verdicts tables "
                   "(and pdf/ with --pdf).")
@click.option("--program", "programs", multiple=True, metavar="ID",
              help="Program to check (repeatable; 'all' for every pack made for the zone's type). "
                   "Default: the programs each dossier applies for.")
@click.option("--as-of", "as_of", metavar="DATE", help="Assess on this date instead of each dossier's as_of.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("--pdf", is_flag=True, help="Also render each dossier's PDF report into OUTDIR/pdf/.")
@click.option("--full", is_flag=True,
              help="results.jsonl holds each dossier's full result document (titles, clauses, provenance inputs, "
                   "levers), as `check --format json` gives it; default: the compact form, under a tenth of the size.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the PDF reports and the summary PDF.")
@click.option("--summary-pdf", "summary_pdf", type=click.Path(dir_okay=False), default=None,
              help="Also draw the national picture into this PDF: verdicts per program, each indicator's distribution "
                   "with its threshold, the share failing each rule by province and by year, the program each zone "
                   "is closest to.")
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine: durable_rules (default) or the plain-Python reference evaluator.")
@click.option("--chunk-size", type=click.IntRange(1, 10_000), default=None,
              help="Dossiers per unit of work (default: adapted to the input size, at most 64).")
@click.option("--glob", "patterns", multiple=True, metavar="PATTERN",
              help="In folders, take the files whose name or relative path matches (repeatable), e.g. '*-2015.json' "
                   "or 'zhejiang/*.jsonl'. Default: *.json, *.jsonl and *.xlsx, at any depth.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@rules_option
@quiet_option
def batch_command(inputs, outdir, programs, as_of, jobs, pdf, full, lang, summary_pdf, engine, chunk_size, patterns,
                  progress):
    """Check many dossiers in parallel: INPUTS are files, folders (walked at any depth) or JSON Lines (.jsonl, - for stdin).

    Writes OUTDIR/results.jsonl (one result per dossier, compact unless --full), summary.csv (a row per zone and program),
    errors.jsonl (dossiers that failed validation; the batch goes on) and the flat tables outcomes.parquet /
    outcomes.csv (a row per dossier, program and rule) and verdicts.parquet / verdicts.csv (a row per dossier and
    program). CSVs are UTF-8 with a BOM, for Excel. A second run skips every dossier
    whose content and rules are unchanged; an interrupted run resumes.
    Exit 0: all certifiable; 1: any not certifiable, incomplete or invalid; 2: nothing could be read; 130: interrupted.
    """
    import os

    from .. import batch as batching
    day = parse_date(as_of, "--as-of")
    if summary_pdf and (problems := _summary_target_problems(Path(outdir), Path(summary_pdf))):
        fail(problems)
    from .. import load
    options = batching.Options(programs=tuple(programs), as_of=day, engine=engine, pdf=pdf, lang=lang, full=full,
                               rules=tuple(str(d) for d in load.rules_dirs()))
    show = (sys.stderr.isatty() and not quiet()) if progress is None else progress
    try:
        rep = batching.run(list(inputs), Path(outdir), options, jobs=jobs or os.cpu_count() or 1,
                           chunk_size=chunk_size, progress_factory=_batch_progress(show), patterns=patterns)
    except batching.BatchError as e:
        fail(e.problems)
    out = Path(outdir)
    per_s = rep.checked / rep.seconds if rep.seconds else 0
    rate = f", {per_s:,.{0 if per_s >= 10 else 2}f} dossiers/s" if rep.checked else ""
    if rep.interrupted:
        click.echo(f"interrupted: {rep.checked:,} dossiers checked and kept ({rep.skipped:,} were up to date); "
                   f"run the same command again to resume. {out} still holds the previous outputs.", err=True)
        sys.exit(130)
    verdicts = _verdict_counts(rep.verdicts)
    say(f"{rep.total:,} dossier{'s' if rep.total != 1 else ''}: {rep.checked:,} checked, "
        f"{rep.skipped:,} up to date, in {rep.seconds:.1f} s{rate}")
    say(_folder_counts(rep.folders))
    say("program verdicts:" + (verdicts or " none"))
    bad = rep.invalid + rep.failed + rep.unreadable
    if bad:
        # with --quiet still said (on stderr): inputs that could not be checked are errors
        click.echo(f"{bad:,} input{'s' if bad != 1 else ''} could not be checked "
                   f"({rep.invalid:,} invalid, {rep.failed:,} failed, {rep.unreadable:,} unreadable): "
                   f"see {out / 'errors.jsonl'}", err=quiet())
    if summary_pdf:
        _write_summary_pdf(out, Path(summary_pdf), lang)
    say(f"wrote {out / 'results.jsonl'}, {out / 'summary.csv'}, {out / 'errors.jsonl'}, "
        f"{out / 'outcomes.parquet'} (and .csv), {out / 'verdicts.parquet'} (and .csv)"
        + (f", {out / 'pdf'}/" if pdf else ""))
    sys.exit(EXIT_OK if rep.all_certifiable else EXIT_NOT_CERTIFIABLE)

