"""parkcert summary: CTIP subsidies across zones."""
from __future__ import annotations

import io

import click

from .. import fmt, load
from ..problems import InputError, Problem
from ..result import json_text
from . import main
from .common import (
    check_output,
    expand,
    fail,
    load_inputs,
    make_console,
    rules_option,
    write_output,
    write_stdout,
)


@main.command()
@click.argument("dossiers", nargs=-1, required=True, type=click.Path())
@click.option("--program", "program", metavar="ID", default=None,
              help="Program whose work-plan subsidies to tabulate (default: the pack that declares subsidy tranches).")
@click.option("--format", "fmt_", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the table here instead of stdout.")
@click.option("--pdf", "pdf_out", type=click.Path(dir_okay=False), help="Also render the table as a PDF page.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@rules_option
def summary(dossiers, program, fmt_, output, pdf_out, lang):
    """Subsidy per zone (subsidy, investment, share) with averages, as in Table A1 of IISD (2015). DOSSIERS: files or folders."""
    import csv

    from ..portfolio import summary as make_summary
    check_output(output)
    check_output(pdf_out)
    files = expand(dossiers)
    cat, loaded, _ = load_inputs(files, ())
    try:
        with_subsidy = [load.pack(p) for p in load.pack_ids() if load.pack(p).decision.tranches]
        pack = load.pack(program) if program else (with_subsidy[0] if with_subsidy else None)
    except InputError as e:
        fail(e.problems)
    if pack is None or not pack.decision.tranches:
        fail([Problem("--program", "", f"program {program!r} declares no subsidy")])
    s = make_summary(loaded, pack)
    if fmt_ == "json":
        out = json_text(s)
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
        from ..summary_pdf import render_summary_pdf
        write_output(pdf_out, render_summary_pdf(s, lang))
    if output:
        # a CSV file gets a BOM so that Excel on a Chinese Windows reads it as UTF-8 (stdout stays plain for pipes)
        write_output(output, ("\ufeff" + out) if fmt_ == "csv" else out)
    else:
        write_stdout(out)


def _summary_text(s: dict) -> str:
    buffer = io.StringIO()
    console = make_console(file=buffer)
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

