"""The `parkcert` command line. Bad input: every problem on its own line, exit 2, no traceback, no file written."""
from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import click
from rich.console import Console

from . import __version__, fmt, load, text
from .atomic import write_bytes, write_text
from .evaluate import check as check_programs
from .evaluate import evaluator as make_evaluator
from .model import OP_SYMBOL
from .problems import InputError, Problem
from .readiness import readiness
from .result import document
from .validate import load_dossier

EXIT_OK, EXIT_NOT_CERTIFIABLE, EXIT_BAD_INPUT = 0, 1, 2


def _console(file=None) -> Console:
    return Console(file=file, width=None if sys.stdout.isatty() else 120, highlight=False)


def _fail(problems: list[Problem]) -> None:
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for p in problems:
        err.print(f"[red]error[/red] {p}", markup=True)
    err.print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was written.")
    sys.exit(EXIT_BAD_INPUT)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        _fail([Problem(option, "", f"expected a date YYYY-MM-DD, found {value!r}")])
    if day > dt.date.today():
        _fail([Problem(option, "", f"the assessment date {day} is in the future (today is {dt.date.today()})")])
    return day


def _load(paths, programs: tuple[str, ...]):
    """Validate every input before doing any work, collecting every problem."""
    problems: list[Problem] = []
    try:
        cat = load.catalogue()
        known = load.pack_ids()
    except InputError as e:
        _fail(e.problems)
    dossiers = []
    for p in paths:
        try:
            dossiers.append(load_dossier(Path(p), cat, known, shown=str(p)))
        except InputError as e:
            problems += e.problems
    packs = {}
    wanted = set(programs) if programs else {prog for d in dossiers for prog in d.programs}
    if "all" in wanted:
        wanted = set(known)
    for prog in sorted(wanted):
        try:
            packs[prog] = load.pack(prog)
        except InputError as e:
            problems += e.problems
    if problems:
        _fail(problems)
    return cat, dossiers, packs


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="parkcert")
def main():
    """ParkCert: check Chinese industrial zones against the national park certification programs."""


@main.command()
@click.argument("dossiers", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--program", "programs", multiple=True, metavar="ID",
              help="Program to check (repeatable; 'all' for every pack). Default: the programs the dossier applies for.")
@click.option("--as-of", "as_of", metavar="DATE", help="Assess on this date instead of the dossier's as_of.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine: durable_rules (default) or the plain-Python reference evaluator.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the result here instead of stdout.")
@click.option("--review", "review_files", multiple=True, type=click.Path(dir_okay=False),
              help="Expert panel review (YAML or JSON) to apply; repeatable, one per program.")
def check(dossiers, programs, as_of, fmt, engine, output, review_files):
    """Check dossiers against their programs. Exit 0: all certifiable; 1: any not (or incomplete); 2: bad input."""
    day = _date(as_of, "--as-of")
    cat, loaded, packs = _load(dossiers, programs)
    reviews = _reviews(review_files, loaded)
    ev = make_evaluator(engine)
    docs = []
    for d in loaded:
        docs.append(_result(d, programs, packs, cat, day, ev, reviews))
    all_ok = all(p["verdict"] == "certifiable" for doc in docs for p in doc["programs"])
    if fmt == "json":
        out = json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2) + "\n"
        if output:
            write_text(Path(output), out)
        else:
            sys.stdout.write(out)
    else:
        buffer = io.StringIO() if output else None
        console = _console(file=buffer)
        for i, doc in enumerate(docs):
            if i:
                console.rule()
            text.print_document(doc, console)
        if output:
            write_text(Path(output), buffer.getvalue())
    sys.exit(EXIT_OK if all_ok else EXIT_NOT_CERTIFIABLE)


def _result(d, programs, packs, cat, day, ev, reviews) -> dict:
    """The result document of one dossier: its programs, panel reviews applied, readiness when several."""
    chosen, skipped = _programs_for(d, programs, packs)
    try:
        results = check_programs(d, chosen, cat, as_of=day, engine=ev, reviews=reviews)
    except InputError as e:
        _fail(e.problems)
    ready = readiness(results, skipped, cat, d.data["zone"]["type"]) if len(chosen) + len(skipped) > 1 else None
    return document(results, ev.name, ready)


def _reviews(files, dossiers) -> list:
    """Panel reviews apply to one dossier at a time."""
    if not files:
        return []
    from .review import load_review
    if len(dossiers) != 1:
        _fail([Problem("--review", "", "a review applies to one dossier: give exactly one DOSSIER with --review")])
    problems, reviews = [], []
    for f in files:
        try:
            reviews.append(load_review(Path(f)))
        except InputError as e:
            problems += e.problems
    if problems:
        _fail(problems)
    return reviews


def _programs_for(dossier, programs, packs):
    """The packs to check a dossier against; with `all`, packs made for other zone types are skipped."""
    if not programs:
        return [packs[p] for p in dossier.programs], []
    chosen = [packs[p] for p in sorted(packs)]
    if "all" not in programs:
        return chosen, []
    zone_type = dossier.data["zone"]["type"]
    fits = [p for p in chosen if not p.zone_types or zone_type in p.zone_types]
    return fits, [p for p in chosen if p not in fits]


@main.command()
@click.argument("dossiers", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(dossiers):
    """Check dossiers against the schema and the metric catalogue only."""
    _load(dossiers, ())
    for d in dossiers:
        click.echo(f"{d}: valid")


@main.group()
def rules():
    """List, show and test the rule packs."""


def _requirement(r) -> str:
    if r.ref_kind == "target":
        return "meets the target the zone declares in its work plan"
    sym = OP_SYMBOL[r.op]
    if r.ref_kind == "benchmark":
        return f"{sym} the benchmark the zone declares (/benchmarks/{r.metric})"
    if r.ref_kind == "metric":
        return f"{sym} {r.ref_metric}"
    value = r.threshold.isoformat() if hasattr(r.threshold, "isoformat") else fmt.number(r.threshold)
    return f"{sym} {value} {fmt.unit(r.unit)}".rstrip()


@rules.command("list")
def rules_list():
    """Every pack and its rules."""
    try:
        packs = [load.pack(p) for p in load.pack_ids()]
    except InputError as e:
        _fail(e.problems)
    for p in packs:
        click.echo(f"{p.id}  {p.title.en} — {p.standard} (v{p.version}, {len(p.rules)} rules)")
        for r in p.rules:
            click.echo(f"  {r.id:<12} {r.title.en}  [{r.metric} {_requirement(r)}; {r.clause}]")


@rules.command("show")
@click.argument("rule_or_program")
def rules_show(rule_or_program):
    """One rule (by id) or one pack (by program id), in full."""
    try:
        packs = [load.pack(p) for p in load.pack_ids()]
        cat = load.catalogue()
    except InputError as e:
        _fail(e.problems)
    for p in packs:
        if p.id == rule_or_program:
            click.echo(f"{p.id}  {p.title.en} / {p.title.zh}\n  standard: {p.standard}\n"
                       f"  version:  {p.version}\n  source:   {p.source}\n  decision: {p.decision_text.en}\n"
                       f"  rules:    {', '.join(r.id for r in p.rules)}")
            for prm in p.parameters.values():
                flag = " (provisional)" if prm.provisional else ""
                click.echo(f"  parameter {prm.name} = {prm.value}{flag}: {' '.join(prm.note.split())}")
            return
        for r in p.rules:
            if r.id == rule_or_program:
                m = cat.metrics[r.metric]
                how = m.formula or ("reported" if m.reported_only else f"read from {m.extract['pointer']}")
                applies = f"\n  applies:   only when {r.applies_if[0]} = {r.applies_if[1]}" if r.applies_if else ""
                click.echo(f"{r.id}  {r.title.en} / {r.title.zh}\n"
                           f"  program:   {p.id}\n  metric:    {r.metric} ({m.title.en}) = {how}\n"
                           f"  check:     {r.metric} {_requirement(r)}{applies}\n"
                           f"  clause:    {r.clause}\n  source:    {r.source}\n  rationale: {r.rationale}\n"
                           f"  in force:  {r.valid_from or 'always'} – {r.valid_until or 'open'}"
                           f"{' (exclusive)' if r.valid_until else ''}\n"
                           f"  defined:   {r.file}:{r.line}")
                return
    _fail([Problem("rules show", "", f"no rule or program {rule_or_program!r}")])


@rules.command("test")
@click.argument("programs", nargs=-1)
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None)
def rules_test(programs, engine):
    """Run the test cases beside each pack; every rule needs a pass, a fail and an at-threshold case."""
    from .packtest import run_pack_tests
    ids = programs or load.pack_ids()
    ok = True
    for prog in ids:
        try:
            rep = run_pack_tests(prog, make_evaluator(engine))
        except InputError as e:
            _fail(e.problems)
        status = "ok" if rep.ok else "FAILED"
        click.echo(f"{prog}: {rep.cases} cases, {rep.checks} expectations — {status}")
        for f in rep.failures:
            click.echo(f"  FAIL {f}")
        for u in rep.uncovered:
            click.echo(f"  UNCOVERED {u}")
        ok = ok and rep.ok
    sys.exit(0 if ok else 1)


EXIT_RENDER_FAILED = 3


@main.command()
@click.argument("dossier", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The PDF to write (atomically).")
@click.option("--program", "programs", multiple=True, metavar="ID",
              help="Program to report on (repeatable; 'all' for every pack). Default: the programs the dossier applies for.")
@click.option("--as-of", "as_of", metavar="DATE", help="Assess on this date instead of the dossier's as_of.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Report language.")
@click.option("--date", "report_date", metavar="DATE",
              help="Report date printed in the PDF (default: the assessment date; never the clock).")
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine: durable_rules (default) or the plain-Python reference evaluator.")
@click.option("--review", "review_files", multiple=True, type=click.Path(dir_okay=False),
              help="Expert panel review (YAML or JSON) to apply; repeatable, one per program.")
def report(dossier, output, programs, as_of, lang, report_date, engine, review_files):
    """Render the PDF compliance report of one dossier (PDF/A-3b, dossier and result attached).

    Same dossier, rules and options: the same bytes. Exit 0: report written; 2: bad input; 3: rendering failed.
    Nothing is written unless the whole report rendered.
    """
    day = _date(as_of, "--as-of")
    rday = _date(report_date, "--date")
    cat, loaded, packs = _load([dossier], programs)
    reviews = _reviews(review_files, loaded)
    if rday is None and reviews:
        # a reviewed report cannot predate the panel's meeting
        rday = max([day or loaded[0].as_of] + [r.meeting_date for r in reviews])
    d = loaded[0]
    try:
        raw = Path(dossier).read_bytes()
    except OSError as e:
        _fail([Problem(dossier, "", f"cannot read: {e.strerror}")])
    ev = make_evaluator(engine)
    doc = _result(d, programs, packs, cat, day, ev, reviews)
    # the report names its inputs by file name: the same files give the same bytes from any folder
    doc["dossier"]["file"] = Path(dossier).name
    for p in doc["programs"]:
        if p.get("review"):
            p["review"]["file"] = Path(p["review"]["file"]).name
    from . import render  # WeasyPrint and matplotlib load only for reports
    from .atomic import write_bytes
    try:
        out = render.render_pdf(doc, raw, d.data, lang, rday, reviews={r.program: r.raw for r in reviews})
    except ValueError as e:   # the dossier changed on disk between validation and rendering
        _fail([Problem(dossier, "", str(e))])
    except Exception as e:  # noqa: BLE001 - a bug, not bad input: say so, write nothing
        Console(stderr=True, highlight=False).print(
            f"[red]error[/red] rendering {output} failed: {e.__class__.__name__}: {e}; nothing was written.")
        sys.exit(EXIT_RENDER_FAILED)
    try:
        write_bytes(Path(output), out.pdf)
    except OSError as e:
        _fail([Problem(output, "", f"cannot write: {e.strerror}")])
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for w in out.warnings:
        err.print(f"[yellow]warning[/yellow] {w}", markup=True, highlight=False)
    verdicts = ", ".join(f"{p['program']} {render.verdict_label(p, 'en')}" for p in doc["programs"])
    click.echo(f"{output}: {out.pages} pages, {lang}; {verdicts}")


@main.command()
@click.argument("pdf", type=click.Path(dir_okay=False))
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine for the re-run (default: durable_rules).")
def verify(pdf, engine):
    """Re-run the check embedded in a ParkCert report with the current rules.

    Exit 0: every verdict still holds; 1: a verdict changed (or its program is gone); 2: the file has no ParkCert
    attachments, or they do not match each other.
    """
    from . import render
    from .validate import dossier_from_data
    try:
        data = Path(pdf).read_bytes()
    except OSError as e:
        _fail([Problem(pdf, "", f"cannot read: {e.strerror}")])
    files = render.attachments(data)
    missing = [n for n in (render.DOSSIER_ATTACHMENT, render.RESULT_ATTACHMENT) if n not in files]
    if missing:
        _fail([Problem(pdf, "", f"no ParkCert attachment {n} (not a ParkCert report?)") for n in missing])
    raw = files[render.DOSSIER_ATTACHMENT]
    shown = f"{pdf}:{render.DOSSIER_ATTACHMENT}"
    from .review import review_from_bytes
    attached_reviews = {}
    for name, content in files.items():
        prefix, suffix = render.REVIEW_ATTACHMENT.split("{program}")
        if name.startswith(prefix) and name.endswith(suffix):
            try:
                rv = review_from_bytes(content, f"{pdf}:{name}")
            except InputError as e:
                _fail(e.problems)
            attached_reviews[rv.program] = rv
    try:
        old = json.loads(files[render.RESULT_ATTACHMENT].decode("utf-8"))
        data_in = json.loads(raw.decode("utf-8"))
        old_programs = [(p["program"], p["as_of"], p["verdict"], p["rules_sha256"],
                         {o["rule_id"]: o["status"] for o in p["outcomes"]}) for p in old["programs"]]
        recorded_sha = old["dossier"]["sha256"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as e:
        _fail([Problem(pdf, "", f"the ParkCert attachments cannot be read: {e.__class__.__name__}: {e}")])
    import hashlib
    sha = hashlib.sha256(raw).hexdigest()
    if sha != recorded_sha:
        _fail([Problem(shown, "", f"sha256 {sha} differs from the {recorded_sha} the attached result records")])
    try:
        cat = load.catalogue()
        known = load.pack_ids()
        d = dossier_from_data(data_in, raw, cat, known, shown=shown)
    except InputError as e:
        _fail(e.problems)
    ev = make_evaluator(engine)
    click.echo(f"{pdf}: dossier {old['dossier']['file']} (sha256 {sha[:16]}…, matches the attached result)")
    held = True
    for prog, as_of_day, verdict, rules_sha, statuses in old_programs:
        then = fmt.VERDICT_LABEL["en"][verdict]
        if prog not in known:
            click.echo(f"  {prog}: was {then}; the program no longer exists in the current rules — verdict not confirmed")
            held = False
            continue
        try:
            pack = load.pack(prog)
        except InputError as e:
            _fail(e.problems)
        review = [attached_reviews[prog]] if prog in attached_reviews else []
        try:
            new = document(check_programs(d, [pack], cat, as_of=dt.date.fromisoformat(as_of_day), engine=ev,
                                          reviews=review), ev.name)
        except InputError as e:
            _fail(e.problems)
        p = new["programs"][0]
        now = fmt.VERDICT_LABEL["en"][p["verdict"]]
        same = p["verdict"] == verdict
        held = held and same
        click.echo(f"  {prog} as of {as_of_day}: was {then}, now {now} — "
                   + ("verdict holds" if same else "VERDICT CHANGED"))
        rules_note = ("unchanged" if p["rules_sha256"] == rules_sha
                      else f"changed since the report ({rules_sha[:12]}… → {p['rules_sha256'][:12]}…)")
        click.echo(f"    rules {rules_note}; evaluator {ev.name}"
                   + (f"; the panel's review of {review[0].meeting_date}, attached to the report, applied" if review else ""))
        now_status = {o["rule_id"]: o["status"] for o in p["outcomes"]}
        for rid in sorted(set(statuses) | set(now_status)):
            a, b = statuses.get(rid, "absent"), now_status.get(rid, "absent")
            if a != b:
                click.echo(f"    {rid}: {a} → {b}")
    sys.exit(EXIT_OK if held else EXIT_NOT_CERTIFIABLE)


@main.group("review")
def review_group():
    """Expert panel reviews of rule outcomes."""


@review_group.command("init")
@click.argument("dossier", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The review file to write.")
@click.option("--program", "program", metavar="ID", default=None,
              help="Program to review (default: the first the dossier applies for).")
@click.option("--as-of", "as_of", metavar="DATE")
@click.option("--force", is_flag=True, help="Overwrite an existing review file.")
def review_init(dossier, output, program, as_of, force):
    """Write a review skeleton: every outcome listed as `confirm`, the engine's value and threshold in comments."""
    from .review import skeleton
    day = _date(as_of, "--as-of")
    cat, loaded, packs = _load([dossier], (program,) if program else ())
    d = loaded[0]
    pack = packs[program] if program else packs[d.programs[0]]
    if Path(output).exists() and not force:
        _fail([Problem(output, "", "exists already; a panel's review is not overwritten without --force")])
    doc = document(check_programs(d, [pack], cat, as_of=day, engine=make_evaluator(None)), "durable_rules")
    write_text(Path(output), skeleton(doc, doc["programs"][0], dossier))
    click.echo(f"{output}: {len(doc['programs'][0]['outcomes'])} outcomes to review for {pack.id}")


def _expand(paths) -> list[str]:
    out = []
    for p in paths:
        path = Path(p)
        out += [str(f) for f in sorted(path.glob("*.json"))] if path.is_dir() else [str(p)]
    return out


@main.command()
@click.argument("dossiers", nargs=-1, required=True, type=click.Path())
@click.option("--program", "program", metavar="ID", default=None,
              help="Program whose work-plan subsidies to tabulate (default: the pack that declares subsidy tranches).")
@click.option("--format", "fmt_", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the table here instead of stdout.")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False), help="Also render the table as a PDF page.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def summary(dossiers, program, fmt_, output, pdf_out, lang):
    """Subsidy per zone (subsidy, investment, share) with averages, as in the seed's Table A1. DOSSIERS: files or folders."""
    import csv

    from .portfolio import summary as make_summary
    files = _expand(dossiers)
    cat, loaded, _ = _load(files, ())
    try:
        with_subsidy = [load.pack(p) for p in load.pack_ids() if load.pack(p).decision.tranches]
        pack = load.pack(program) if program else (with_subsidy[0] if with_subsidy else None)
    except InputError as e:
        _fail(e.problems)
    if pack is None or not pack.decision.tranches:
        _fail([Problem("--program", "", f"program {program!r} declares no subsidy")])
    s = make_summary(loaded, pack)
    if fmt_ == "json":
        out = json.dumps(s, ensure_ascii=False, indent=2) + "\n"
    elif fmt_ == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["zone_id", "zone_en", "zone_zh", "subsidy_million_rmb", "investment_million_rmb", "share_pct",
                    "approval_date", "file"])
        for r in s["rows"]:
            w.writerow([r["zone_id"], r["name_en"], r["name_zh"], f"{r['subsidy']:g}",
                        "" if r["investment"] is None else f"{r['investment']:g}",
                        "" if r["share_pct"] is None else f"{r['share_pct']:.1f}", r["approval_date"], r["file"]])
        w.writerow(["AVERAGE", "", "", f"{s['mean_subsidy']:.1f}" if s["mean_subsidy"] is not None else "", "",
                    f"{s['mean_share_pct']:.1f}" if s["mean_share_pct"] is not None else "", "", ""])
        out = buf.getvalue()
    else:
        out = _summary_text(s)
    if pdf_out:
        from .summary_pdf import render_summary_pdf
        write_bytes(Path(pdf_out), render_summary_pdf(s, lang))
    if output:
        write_text(Path(output), out)
    else:
        sys.stdout.write(out)


def _summary_text(s: dict) -> str:
    buffer = io.StringIO()
    console = _console(file=buffer)
    from rich.table import Table
    t = Table(title=f"Subsidies attributed to {s['program']} zones ({s['unit']})", title_justify="left", show_edge=False)
    for col, just in (("Zone", "left"), ("Subsidy", "right"), ("Investment", "right"), ("Share", "right")):
        t.add_column(col, justify=just)
    for r in s["rows"]:
        t.add_row(f"{r['name_en']} ({r['name_zh']})", fmt.number(r["subsidy"]),
                  "n/c" if r["investment"] is None else fmt.number(r["investment"]),
                  "" if r["share_pct"] is None else f"{r['share_pct']:.1f} %")
    t.add_section()
    t.add_row("Average", "—" if s["mean_subsidy"] is None else f"{s['mean_subsidy']:.1f}", "",
              "—" if s["mean_share_pct"] is None else f"{s['mean_share_pct']:.1f} %")
    console.print(t)
    console.print(f"{s['zones']} zones; average subsidy over all of them; average share over the "
                  f"{s['zones_with_investment']} zones whose investment is known (pooled: "
                  + ("—" if s["pooled_share_pct"] is None else f"{s['pooled_share_pct']:.1f} %") + ").")
    for f in s["without_subsidy"]:
        console.print(f"no subsidy recorded: {f}")
    return buffer.getvalue()


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
        err = Console(stderr=True, highlight=False)
        if skipped:
            err.print(f"{skipped:,} dossier{'s' if skipped != 1 else ''} up to date, skipped")
        columns = [TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   Rate(), TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
        with Progress(*columns, console=err, disable=not enabled or not total, speed_estimate_period=10) as bar:
            task = bar.add_task("checking", total=total)
            yield lambda n: bar.advance(task, n)

    return factory


@main.command("batch")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Output folder: results.jsonl, summary.csv, errors.jsonl (and pdf/ with --pdf).")
@click.option("--program", "programs", multiple=True, metavar="ID",
              help="Program to check (repeatable; 'all' for every pack). Default: the programs each dossier applies for.")
@click.option("--as-of", "as_of", metavar="DATE", help="Assess on this date instead of each dossier's as_of.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("--pdf", is_flag=True, help="Also render each dossier's PDF report into OUTDIR/pdf/.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="PDF report language.")
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None,
              help="Rule engine: durable_rules (default) or the plain-Python reference evaluator.")
@click.option("--chunk-size", type=click.IntRange(1, 10_000), default=None,
              help="Dossiers per unit of work (default: adapted to the input size, at most 64).")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
def batch_command(inputs, outdir, programs, as_of, jobs, pdf, lang, engine, chunk_size, progress):
    """Check many dossiers in parallel: INPUTS are files, folders (*.json inside) or JSON Lines (.jsonl, - for stdin).

    Writes OUTDIR/results.jsonl (one result document per dossier), summary.csv (a row per zone and program)
    and errors.jsonl (dossiers that failed validation; the batch goes on). A second run skips every dossier
    whose content and rules are unchanged; an interrupted run resumes.
    Exit 0: all certifiable; 1: any not certifiable, incomplete or invalid; 2: nothing could be read; 130: interrupted.
    """
    import os

    from . import batch as batching
    day = _date(as_of, "--as-of")
    options = batching.Options(programs=tuple(programs), as_of=day, engine=engine, pdf=pdf, lang=lang)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        rep = batching.run(list(inputs), Path(outdir), options, jobs=jobs or os.cpu_count() or 1,
                           chunk_size=chunk_size, progress_factory=_batch_progress(show))
    except batching.BatchError as e:
        _fail(e.problems)
    out = Path(outdir)
    per_s = rep.checked / rep.seconds if rep.seconds else 0
    rate = f", {per_s:,.{0 if per_s >= 10 else 2}f} dossiers/s" if rep.checked else ""
    if rep.interrupted:
        click.echo(f"interrupted: {rep.checked:,} dossiers checked and kept ({rep.skipped:,} were up to date); "
                   f"run the same command again to resume. {out} still holds the previous outputs.", err=True)
        sys.exit(130)
    verdicts = " · ".join(f"{n:,} {fmt.VERDICT_LABEL['en'][v].lower()}" for v, n in sorted(rep.verdicts.items()))
    click.echo(f"{rep.total:,} dossier{'s' if rep.total != 1 else ''}: {rep.checked:,} checked, "
               f"{rep.skipped:,} up to date, in {rep.seconds:.1f} s{rate}")
    click.echo(f"program verdicts: {verdicts or 'none'}")
    bad = rep.invalid + rep.failed + rep.unreadable
    if bad:
        click.echo(f"{bad:,} input{'s' if bad != 1 else ''} could not be checked "
                   f"({rep.invalid:,} invalid, {rep.failed:,} failed, {rep.unreadable:,} unreadable): "
                   f"see {out / 'errors.jsonl'}")
    click.echo(f"wrote {out / 'results.jsonl'}, {out / 'summary.csv'}, {out / 'errors.jsonl'}"
               + (f", {out / 'pdf'}/" if pdf else ""))
    sys.exit(EXIT_OK if rep.all_certifiable else EXIT_NOT_CERTIFIABLE)


if __name__ == "__main__":
    main()
