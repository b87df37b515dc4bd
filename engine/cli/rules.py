"""parkcert rules list|show|test."""
from __future__ import annotations

import sys

import click

from .. import fmt, load
from ..evaluate import evaluator as make_evaluator
from ..model import OP_SYMBOL
from ..problems import InputError, Problem
from . import main
from .common import (
    complete_program,
    fail,
    rules_option,
)


@main.group()
def rules():
    """List, show and test the rule packs."""


def _zh_lines(r) -> str:
    """The Chinese source and rationale under the English, when the pack gives them."""
    return "".join(f"  {label}{text.zh}\n" for label, text in (("来源:      ", r.source), ("理由:      ", r.rationale))
                   if text.zh)


def _requirement(r) -> str:
    if r.ref_kind == "target":
        return "meets the target the zone declares in its work plan"
    sym = OP_SYMBOL[r.op]
    if r.ref_kind == "benchmark":
        return f"{sym} the benchmark the zone declares (/benchmarks/{r.metric})"
    if r.ref_kind == "metric":
        return f"{sym} {r.ref_metric}"
    if r.threshold_by is not None:
        by = r.threshold_by
        cases = "; ".join(f"{sym} {fmt.number(v)} when {by.attribute} = {k}" for k, v in by.written.items())
        return f"{cases}; otherwise {sym} {fmt.number(by.default_written)} {fmt.unit(by.unit_written)}".rstrip()
    value = r.threshold.isoformat() if hasattr(r.threshold, "isoformat") else fmt.number(r.threshold)
    return f"{sym} {value} {fmt.unit(r.unit)}".rstrip()


def _show_pack_extras(p) -> None:
    click.echo(f"  folder:   {p.folder} ({'shipped' if p.origin == 'shipped' else 'not shipped with ParkCert'}; "
               f"rules sha256 {p.files_sha256})")
    if p.illustrative:
        click.echo(f"  ILLUSTRATIVE: {p.illustrative.en}")
    for a in p.zone_attributes.values():
        click.echo(f"  zone attribute {a.name} ({a.pointer}): {', '.join(a.values)}")
    for g in p.decision.groups:
        need = "all" if g.require == "all" else f"at least {g.value:g}" + (" %" if g.require == "share_at_least" else "")
        click.echo(f"  group {g.id}: {need} of {', '.join(g.rules)}")


@rules.command("list")
@rules_option
def rules_list():
    """Every pack and its rules."""
    try:
        packs = [load.pack(p) for p in load.pack_ids()]
    except InputError as e:
        fail(e.problems)
    for p in packs:
        click.echo(f"{p.id}  {p.title.en} — {p.standard} (v{p.version}, {len(p.rules)} rules)"
                   + ("" if p.origin == "shipped" else f" [from {p.folder}]") + (" ILLUSTRATIVE" if p.illustrative else ""))
        for r in p.rules:
            click.echo(f"  {r.id:<12} {r.title.en}  [{r.metric} {_requirement(r)}; {r.clause}]")


@rules.command("show")
@click.argument("rule_or_program", shell_complete=complete_program)
@rules_option
def rules_show(rule_or_program):
    """One rule (by id) or one pack (by program id), in full."""
    try:
        packs = [load.pack(p) for p in load.pack_ids()]
        cat = load.catalogue()
    except InputError as e:
        fail(e.problems)
    for p in packs:
        if p.id == rule_or_program:
            click.echo(f"{p.id}  {p.title.en} / {p.title.zh}\n  standard: {p.standard}\n"
                       f"  version:  {p.version}\n  source:   {p.source}\n  decision: {p.decision_text.en}\n"
                       f"  rules:    {', '.join(r.id for r in p.rules)}")
            for prm in p.parameters.values():
                flag = " (provisional)" if prm.provisional else ""
                click.echo(f"  parameter {prm.name} = {prm.value}{flag}: {' '.join(prm.note.split())}")
            _show_pack_extras(p)
            return
        for r in p.rules:
            if r.id == rule_or_program:
                m = cat.metrics[r.metric]
                how = m.formula or ("reported" if m.reported_only else f"read from {m.extract['pointer']}")
                applies = f"\n  applies:   only when {r.applies_if[0]} = {r.applies_if[1]}" if r.applies_if else ""
                click.echo(f"{r.id}  {r.title.en} / {r.title.zh}\n"
                           f"  program:   {p.id}\n  metric:    {r.metric} ({m.title.en}) = {how}\n"
                           f"  check:     {r.metric} {_requirement(r)}{applies}\n"
                           f"  clause:    {r.clause}\n  source:    {r.source.en}\n  rationale: {r.rationale.en}\n"
                           f"{_zh_lines(r)}"
                           f"  in force:  {r.valid_from or 'always'} – {r.valid_until or 'open'}"
                           f"{' (exclusive)' if r.valid_until else ''}\n"
                           f"  defined:   {r.file}:{r.line}")
                return
    fail([Problem("rules show", "", f"no rule or program {rule_or_program!r}")])


@rules.command("test")
@click.argument("programs", nargs=-1, metavar="[PROGRAM|DIR]...", shell_complete=complete_program)
@click.option("--engine", type=click.Choice(["durable", "python"]), default=None)
@rules_option
def rules_test(programs, engine):
    """Run the test cases beside each pack; every rule needs a pass, a fail and an at-threshold case.

    A DIR (a pack folder, or a folder of them) is read as with --rules and its packs are tested.
    """
    from pathlib import Path

    from ..packtest import run_pack_tests
    ids = []
    for given in programs:
        if Path(given).is_dir():
            load.use_rules([given])
            try:
                ids += load.packs_in(Path(given))
            except InputError as e:
                fail(e.problems)
        else:
            ids.append(given)
    ids = ids or load.pack_ids()
    ok = True
    for prog in ids:
        try:
            rep = run_pack_tests(prog, make_evaluator(engine))
        except InputError as e:
            fail(e.problems)
        status = "ok" if rep.ok else "FAILED"
        click.echo(f"{prog}: {rep.cases} cases, {rep.checks} expectations — {status}")
        for f in rep.failures:
            click.echo(f"  FAIL {f}")
        for u in rep.uncovered:
            click.echo(f"  UNCOVERED {u}")
        ok = ok and rep.ok
    sys.exit(0 if ok else 1)

