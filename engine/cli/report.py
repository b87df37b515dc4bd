"""parkcert report and parkcert verify: the PDF and its re-check."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from .. import load, verdict
from ..assess import named_by_file
from ..evaluate import check as check_programs
from ..evaluate import evaluator as make_evaluator
from ..problems import InputError, Problem
from ..result import document
from . import main
from .common import (
    EXIT_NOT_CERTIFIABLE,
    EXIT_OK,
    EXIT_RENDER_FAILED,
    check_output,
    complete_program,
    fail,
    load_inputs,
    load_reviews,
    parse_date,
    quiet_option,
    result_document,
    rules_option,
    say,
    write_output,
)


@main.command()
@click.argument("dossier", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The PDF to write (atomically).")
@click.option("--program", "programs", multiple=True, metavar="ID", shell_complete=complete_program,
              help="Program to report on (repeatable; 'all' for every pack). Default: the programs the dossier applies for.")
@click.option("--as-of", "as_of", metavar="DATE", help="Assess on this date instead of the dossier's as_of.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Report language.")
@click.option("--date", "report_date", metavar="DATE",
              help="Report date printed in the PDF (default: the assessment date; never the clock).")
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine: durable_rules (default) or the plain-Python reference evaluator.")
@click.option("--review", "review_files", multiple=True, type=click.Path(dir_okay=False),
              help="Expert panel review (YAML or JSON) to apply; repeatable, one per program.")
@click.option("--audit-trail", "trail_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="The dossier's audit trail exported from the panel workspace (`parkcert audit export`): shown in "
                   "the report and attached.")
@rules_option
@quiet_option
def report(dossier, output, programs, as_of, lang, report_date, engine, review_files, trail_file):
    """Render the PDF compliance report of one dossier (PDF/A-3b, dossier and result attached).

    Same dossier, rules and options: the same bytes. Exit 0: report written; 2: bad input; 3: rendering failed.
    Nothing is written unless the whole report rendered.
    """
    check_output(output)
    day = parse_date(as_of, "--as-of")
    rday = parse_date(report_date, "--date")
    cat, loaded, packs = load_inputs([dossier], programs)
    reviews = load_reviews(review_files, loaded)
    if rday is None and reviews:
        # a reviewed report cannot predate the panel's meeting
        rday = max([day or loaded[0].as_of] + [r.meeting_date for r in reviews])
    d = loaded[0]
    trail = load_trail(trail_file, d.sha256) if trail_file else None
    raw = d.raw   # the bytes the sha256 is of: the file, or a workbook's canonical JSON (what `import` writes)
    ev = make_evaluator(engine)
    doc = result_document(d, programs, packs, cat, day, ev, reviews)
    named_by_file(doc, dossier)
    from .. import render  # WeasyPrint and matplotlib load only for reports
    try:
        out = render.render_pdf(doc, raw, d.data, lang, rday, reviews={r.program: r.raw for r in reviews}, trail=trail)
    except ValueError as e:   # the dossier changed on disk between validation and rendering
        fail([Problem(dossier, "", str(e))])
    except Exception as e:  # noqa: BLE001 - a bug, not bad input: say so, write nothing
        Console(stderr=True, highlight=False).print(
            f"[red]error[/red] rendering {output} failed: {e.__class__.__name__}: {e}; nothing was written.")
        sys.exit(EXIT_RENDER_FAILED)
    write_output(output, out.pdf)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for w in out.warnings:
        err.print("[yellow]warning[/yellow] ", escape(w), sep="", markup=True, highlight=False)
    verdicts = ", ".join(f"{p['program']} {render.verdict_label(p, 'en')}" for p in doc["programs"])
    say(f"{output}: {out.pages} pages, {lang}; {verdicts}")


def load_trail(path: str, dossier_sha256: str):
    """The exported audit trail, named in the report by its file name (same files, same bytes from any folder)."""
    import dataclasses

    from ..trail import check_for, read_trail
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        fail([Problem(path, "", f"cannot read: {e.strerror}")])
    try:
        trail = read_trail(raw, path)
        check_for(trail, dossier_sha256)
    except InputError as e:
        fail(e.problems)
    return dataclasses.replace(trail, file=Path(path).name)


@main.command()
@click.argument("pdf", type=click.Path(dir_okay=False))
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine for the re-run (default: durable_rules).")
@rules_option
def verify(pdf, engine):
    """Re-run the check embedded in a ParkCert report with the current rules.

    Exit 0: every verdict still holds; 1: a verdict changed (or its program is gone); 2: the file has no ParkCert
    attachments, or they do not match each other.
    """
    from .. import bounds, render
    from ..validate import dossier_from_data
    try:
        data = bounds.read_capped(Path(pdf), pdf, bounds.MAX_PDF_BYTES)
    except InputError as e:
        fail(e.problems)
    files = render.attachments(data)
    missing = [n for n in (render.DOSSIER_ATTACHMENT, render.RESULT_ATTACHMENT) if n not in files]
    if missing:
        fail([Problem(pdf, "", f"no ParkCert attachment {n} (not a ParkCert report?)") for n in missing])
    raw = files[render.DOSSIER_ATTACHMENT]
    shown = f"{pdf}:{render.DOSSIER_ATTACHMENT}"
    from ..review import review_from_bytes
    attached_reviews = {}
    for name, content in files.items():
        prefix, suffix = render.REVIEW_ATTACHMENT.split("{program}")
        if name.startswith(prefix) and name.endswith(suffix):
            try:
                rv = review_from_bytes(content, f"{pdf}:{name}")
            except InputError as e:
                fail(e.problems)
            attached_reviews[rv.program] = rv
    try:
        old = json.loads(files[render.RESULT_ATTACHMENT].decode("utf-8"))
        data_in = json.loads(raw.decode("utf-8"))
        old_words = {p["program"]: verdict.of_program(p) for p in old["programs"]}
        old_programs = [(p["program"], p["as_of"], p["verdict"], p["rules_sha256"],
                         {o["rule_id"]: o["status"] for o in p["outcomes"]}) for p in old["programs"]]
        sources = {p["program"]: (p["pack_version"], p.get("pack_source") or {}) for p in old["programs"]}
        recorded_sha = old["dossier"]["sha256"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        fail([Problem(pdf, "", f"the ParkCert attachments cannot be read: {e.__class__.__name__}: {e}")])
    import hashlib
    sha = hashlib.sha256(raw).hexdigest()
    if sha != recorded_sha:
        fail([Problem(shown, "", f"sha256 {sha} differs from the {recorded_sha} the attached result records")])
    try:
        cat = load.catalogue()
        known = load.pack_ids()
    except InputError as e:
        fail(e.problems)
    needed = [prog for prog, *_ in old_programs if prog not in known and sources[prog][1].get("origin") == "external"]
    if needed:
        # a report made with a pack kept in a folder of its own: say which pack it needs, check nothing
        click.echo(f"{pdf}: made with rule packs that are not available here:")
        for prog in needed:
            version, src = sources[prog]
            rules_sha = next(r for p_, _, _, r, _ in old_programs if p_ == prog)
            click.echo(f"  {prog} {version} from folder {src['folder']} (rules sha256 {rules_sha}) — give that folder "
                       f"with {load.RULES_OPTION} DIR or {load.RULES_ENV}; verdict not confirmed")
        sys.exit(EXIT_NOT_CERTIFIABLE)
    try:
        d = dossier_from_data(data_in, raw, cat, known, shown=shown)
    except InputError as e:
        fail(e.problems)
    ev = make_evaluator(engine)
    click.echo(f"{pdf}: dossier {old['dossier']['file']} (sha256 {sha[:16]}…, matches the attached result)")
    held = True
    for prog, as_of_day, was, rules_sha, statuses in old_programs:
        then = old_words[prog]
        if prog not in known:
            click.echo(f"  {prog}: was {then}; the program no longer exists in the current rules — verdict not confirmed")
            held = False
            continue
        try:
            pack = load.pack(prog)
        except InputError as e:
            fail(e.problems)
        review = [attached_reviews[prog]] if prog in attached_reviews else []
        try:
            new = document(check_programs(d, [pack], cat, as_of=dt.date.fromisoformat(as_of_day), engine=ev,
                                          reviews=review), ev.name)
        except InputError as e:
            fail(e.problems)
        p = new["programs"][0]
        now = verdict.of_program(p)
        same = p["verdict"] == was
        held = held and same
        click.echo(f"  {prog} as of {as_of_day}: was {then}, now {now} — "
                   + ("verdict holds" if same else "VERDICT CHANGED"))
        rules_note = ("unchanged" if p["rules_sha256"] == rules_sha
                      else f"changed since the report ({rules_sha[:12]}… → {p['rules_sha256'][:12]}…)")
        if pack.illustrative:
            click.echo(f"    ILLUSTRATIVE pack (no official text): {pack.illustrative.en}")
        if pack.origin == "external":
            rules_note += f"; pack from {pack.folder}"
        click.echo(f"    rules {rules_note}; evaluator {ev.name}"
                   + (f"; the panel's review of {review[0].meeting_date}, attached to the report, applied" if review else ""))
        now_status = {o["rule_id"]: o["status"] for o in p["outcomes"]}
        for rid in sorted(set(statuses) | set(now_status)):
            a, b = statuses.get(rid, "absent"), now_status.get(rid, "absent")
            if a != b:
                click.echo(f"    {rid}: {a} → {b}")
    sys.exit(EXIT_OK if held else EXIT_NOT_CERTIFIABLE)

