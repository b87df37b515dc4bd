"""The human-readable table of `parkcert check`: grouped by the standard's categories, ending in the verdict."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import fmt

STYLE = {"pass": "green", "fail": "bold red", "missing": "yellow", "not_applicable": "dim"}
VERDICT_STYLE = {"certifiable": "bold green", "not_certifiable": "bold red", "incomplete": "bold yellow"}


def print_document(doc: dict, console: Console) -> None:
    d = doc["dossier"]
    z = d["zone"]
    console.print(Text(f"{z['name']['en']} ({z['name']['zh']})", style="bold"),
                  Text(f"  {z['id']} · {d['file']} · as of {d['as_of']} · data year {d['reference_year']}"))
    for p in doc["programs"]:
        print_program(p, console)


def print_program(p: dict, console: Console) -> None:
    console.print()
    console.print(Text(f"{p['title']['en']} — {p['standard']} (pack {p['pack_version']})", style="bold"))
    titles = {c["id"]: c["title"]["en"] for c in p["categories"]}
    notes = []
    for cat in p["categories"]:
        rows = [o for o in p["outcomes"] if o["category"] == cat["id"]]
        if not rows:
            continue
        table = Table(title=titles[cat["id"]], title_justify="left", title_style="bold cyan", show_edge=False,
                      pad_edge=False, expand=False)
        table.add_column("Rule", no_wrap=True)
        table.add_column("Indicator", max_width=46)
        table.add_column("Value", justify="right", no_wrap=True)
        table.add_column("Unit", no_wrap=True)
        table.add_column("Required", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Gap", no_wrap=True)
        for o in rows:
            mark = "*" if o["warnings"] else ""
            table.add_row(o["rule_id"], o["title"]["en"], fmt.number(o["value"]) + mark, fmt.unit(o["unit"]),
                          fmt.requirement(o["comparison"]), Text(fmt.STATUS_LABEL["en"][o["status"]], style=STYLE[o["status"]]),
                          fmt.gap(o))
            if o["status"] in ("missing", "not_applicable") and o["reason"]:
                notes.append(f"{o['rule_id']} {o['status'].replace('_', ' ')}: {o['reason']}")
            for w in o["warnings"]:
                notes.append(f"{o['rule_id']} warning: {w}")
            for lv in o.get("levers", []):
                verb = "cut" if lv["change"] < 0 else "raise"
                notes.append(f"{o['rule_id']} to close the gap: {verb} {lv['quantity']} {lv['year']} by "
                             f"{fmt.number(abs(lv['change']))} {fmt.unit(lv['unit'])} "
                             f"(from {fmt.number(lv['current'])} to {fmt.number(lv['target'])})")
        console.print()
        console.print(table)
    if notes:
        console.print()
        for n in notes:
            console.print(Text("  " + n, style="dim" if " warning" not in n else "yellow"))
    for prov in p["provisional"]:
        console.print(Text(f"  provisional parameter {prov['name']} = {prov['value']}: {prov['note']}", style="magenta"))
    c = p["counts"]
    line = Text()
    line.append(f"{p['program']}: ", style="bold")
    line.append(fmt.VERDICT_LABEL["en"][p["verdict"]], style=VERDICT_STYLE[p["verdict"]])
    line.append(f" — {c['pass']} pass, {c['fail']} fail, {c['missing']} missing, {c['not_applicable']} not applicable")
    if p["blocking"]:
        line.append(f"; blocking: {', '.join(p['blocking'])}")
    console.print()
    console.print(line)
