"""The human-readable table of `parkcert check`: grouped by the standard's categories, ending in the verdict."""
from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from . import fmt, verdict

STYLE = {"pass": "green", "fail": "bold red", "missing": "yellow", "not_applicable": "dim", "waived": "magenta",
         "overridden": "magenta"}
VERDICT_STYLE = {"certifiable": "bold green", "not_certifiable": "bold red", "incomplete": "bold yellow"}


def print_document(doc: dict, console: Console) -> None:
    d = doc["dossier"]
    z = d["zone"]
    year = "—" if d["reference_year"] is None else d["reference_year"]
    console.print(Text(f"{z['name']['en']} ({z['name']['zh']})", style="bold"),
                  Text(f"  {z['id']} · {d['file']} · as of {d['as_of']} · data year {year}"))
    print_plausibility(doc, console)
    for p in doc["programs"]:
        print_program(p, console)
    if "readiness" in doc:
        print_readiness(doc["readiness"], console)


def print_plausibility(doc: dict, console: Console) -> None:
    """Values probably typed wrong, before any outcome: a person reads them first and looks again."""
    warnings = doc.get("plausibility") or []
    if not warnings:
        return
    console.print()
    console.print(Text(f"Plausibility: {len(warnings)} value{'s' if len(warnings) != 1 else ''} to look at again "
                       "(warnings only: no outcome changes)", style="bold yellow"))
    for w in warnings:
        console.print(Text(f"  {w.get('cell') or w['pointer']}: {w['message']['en']}", style="yellow"))


def verdict_label(p: dict, lang: str = "en") -> str:
    return verdict.of_program(p, lang)


def print_readiness(r: dict, console: Console) -> None:
    console.print()
    table = Table(title="Readiness across programs", title_justify="left", title_style="bold cyan", show_edge=False)
    with_groups = any(row.get("groups") for row in r["programs"])
    for col in ("Program", "Verdict", "Pass", "Fail", "Missing", "N/A", "Blocking") + (("Groups",) if with_groups else ()):
        table.add_column(col, no_wrap=col not in ("Blocking", "Groups"))
    for row in r["programs"]:
        extra = (_groups_cell(row),) if with_groups else ()
        if row["verdict"] == "not_for_zone_type":
            table.add_row(row["program"], Text("not for this zone type", style="dim"), "", "", "", "", row["reason"],
                          *extra)
            continue
        c = row["counts"]
        mark = " ← nearest" if row["program"] == r["nearest"] else ""
        table.add_row(row["program"] + mark, Text(verdict.of_program(row), style=VERDICT_STYLE[row["verdict"]]),
                      str(c["pass"]), str(c["fail"]), str(c["missing"]), str(c["not_applicable"]),
                      ", ".join(row["blocking"][:8]) + (" …" if len(row["blocking"]) > 8 else ""), *extra)
    console.print(table)
    if any(row.get("illustrative") for row in r["programs"]):
        console.print(Text("  illustrative packs (no official text): " + ", ".join(
            row["program"] for row in r["programs"] if row.get("illustrative")), style="bold magenta"))
    console.print()
    programs = [row["program"] for row in r["programs"] if row["verdict"] != "not_for_zone_type"]
    cw = Table(title="Crosswalk (IISD (2015), Tables 3 and 4): which program looks at which metric", title_justify="left",
               title_style="bold cyan", show_edge=False)
    cw.add_column("Metric", max_width=44)
    cw.add_column("Value", justify="right", no_wrap=True)
    for prog in programs:
        cw.add_column(prog, no_wrap=True)
    for cat in r["crosswalk"]:
        cw.add_row(Text(cat["title"]["en"], style="bold"), *[""] * (1 + len(programs)))
        for m in cat["metrics"]:
            value = "—" if m["value"] is None else f"{fmt.number(m['value'])} {fmt.unit(m['unit'])}".strip()
            cw.add_row("  " + m["title"]["en"], value,
                       *[", ".join(m["programs"].get(prog, [])) for prog in programs])
    console.print(cw)


def print_pack_source(p: dict, console: Console) -> None:
    """An illustrative pack says so before anything else; a pack from a folder of its own names it and its hash."""
    src = p.get("pack_source") or {}
    if src.get("illustrative"):
        console.print(Text(f"  ILLUSTRATIVE — {src['illustrative']['en']}", style="bold magenta"))
    if src.get("origin") == "external":
        console.print(Text(f"  pack from {src['folder']} (rules sha256 {src['sha256'][:16]}…), not shipped with ParkCert",
                           style="magenta"))


def print_groups(p: dict, console: Console) -> None:
    if not p.get("groups"):
        return
    table = Table(title="Groups: what the verdict combines", title_justify="left", title_style="bold cyan",
                  show_edge=False, pad_edge=False)
    for col in ("Group", "Needs", "Pass", "Fail", "Missing", "State", "Nearest to passing"):
        table.add_column(col, no_wrap=col in ("Needs", "Pass", "Fail", "Missing", "State"))
    style = {"met": "green", "not_met": "bold red", "incomplete": "yellow"}
    for g in p["groups"]:
        table.add_row(g["title"]["en"], fmt.group_requirement(g), str(g["passing"]), str(g["failing"]),
                      str(g["missing"]), Text(fmt.GROUP_STATE["en"][g["state"]], style=style[g["state"]]),
                      fmt.group_nearest(g))
    console.print()
    console.print(table)


def _groups_cell(row: dict) -> str:
    """Each group as passing/needed and its state; for one short of its need, the rules nearest to passing."""
    parts = []
    for g in row.get("groups") or ():
        near = f" (nearest: {', '.join(g['cheapest'])})" if g["state"] != "met" and g["cheapest"] else ""
        parts.append(f"{g['id']} {g['passing']}/{g['needed']} {fmt.GROUP_STATE['en'][g['state']]}{near}")
    return "; ".join(parts)


def print_program(p: dict, console: Console) -> None:
    console.print()
    console.print(Text(f"{p['title']['en']} — {p['standard']} (pack {p['pack_version']})", style="bold"))
    print_pack_source(p, console)
    titles = {c["id"]: c["title"]["en"] for c in p["categories"]}
    notes = []
    no_target = []
    for cat in p["categories"]:
        rows = [o for o in p["outcomes"] if o["category"] == cat["id"]]
        if not rows:
            continue
        title = titles[cat["id"]] + ("" if cat.get("decides", True) else " — shown, does not decide the verdict")
        console.print()
        console.print(outcome_table(title, rows, console.width))
        for o in rows:
            rv = o.get("review")
            if rv and rv["decision"] != "confirm":
                what = {"override": f"overridden to {rv['override_to']}", "waive": f"waived until {rv['expires']}",
                        "not_applicable": "declared not applicable"}[rv["decision"]]
                if rv["expired"]:
                    what = f"waiver expired on {rv['expires']}: the engine's outcome applies"
                notes.append(f"{o['rule_id']} panel: {what} (engine: {o['engine_status']}) — {rv['justification']} "
                             f"[{rv['reviewer']}, approved by {rv['approver']}, {rv['date']}]")
            if o["status"] == "not_applicable" and o["comparison"]["kind"] == "target" and not o["target"]:
                no_target.append(o["rule_id"])
            elif o["status"] in ("missing", "not_applicable") and o["reason"]:
                notes.append(f"{o['rule_id']} {o['status'].replace('_', ' ')}: {o['reason']}")
            if o.get("target") and o["target"]["value"] is not None:
                t = o["target"]
                prog = f", progress {o['progress_pct']:.0f} %" if o.get("progress_pct") is not None else ""
                notes.append(f"{o['rule_id']} target: {t['declared']} against {t['base_year']} "
                             f"({'higher' if t['direction'] == 'higher' else 'lower'} is better){prog}")
            choice = fmt.threshold_choice(o)
            if choice:
                notes.append(f"{o['rule_id']} {choice}")
            for w in o["warnings"]:
                notes.append(f"{o['rule_id']} warning: {w}")
            # a rule the panel overrode or waived needs no advice on closing its gap
            for lv in o.get("levers", []) if o["status"] not in ("overridden", "waived") else ():
                verb = "cut" if lv["change"] < 0 else "raise"
                notes.append(f"{o['rule_id']} to close the gap: {verb} {lv['quantity']} {lv['year']} by "
                             f"{fmt.number(abs(lv['change']))} {fmt.unit(lv['unit'])} "
                             f"(from {fmt.number(lv['current'])} to {fmt.number(lv['target'])})")
    print_groups(p, console)
    if no_target:
        notes.append(f"no target declared (not applicable): {', '.join(no_target)}")
    notes += _decision_notes(p)
    if notes:
        console.print()
        for n in notes:
            console.print(Text("  " + n, style="dim" if " warning" not in n else "yellow"))
    for prov in p["provisional"]:
        console.print(Text(f"  provisional parameter {prov['name']} = {prov['value']}: {prov['note']}", style="magenta"))
    if p.get("review"):
        rv = p["review"]
        console.print(Text(f"  reviewed by the panel on {rv['meeting_date']} ({rv['file']})", style="magenta"))
        for w in rv.get("warnings") or ():
            console.print(Text(f"  review warning {w['pointer']}: {w['message']}", style="yellow"))
        if rv.get("recommendation"):
            console.print(Text(f"  panel recommendation: {rv['recommendation']['decision']}"
                               + (f" — {rv['recommendation']['text']}" if rv["recommendation"].get("text") else ""),
                               style="magenta"))
        if rv.get("grade"):
            g = rv["grade"]
            console.print(Text(f"  periodic evaluation: score {g['score']:g} → {g['title']['en']}"
                               + (" (provisional grade bands: " + g["note"] + ")" if g["provisional"] else ""),
                               style="magenta"))
    c = p["counts"]
    line = Text()
    line.append(f"{p['program']}: ", style="bold")
    line.append(verdict_label(p), style=VERDICT_STYLE[p["verdict"]])
    line.append(f" — {c['pass']} pass, {c['fail']} fail, {c['missing']} missing, {c['not_applicable']} not applicable")
    if c.get("waived") or c.get("overridden"):
        line.append(f", {c['waived']} waived, {c['overridden']} overridden by the panel")
    if p["blocking"]:
        line.append(f"; blocking: {', '.join(p['blocking'])}")
    console.print()
    console.print(line)


# Widths (terminal columns) at which the outcome table changes shape: from WIDE on, the gap has a column of its
# own; below it, the gap is a line under the indicator; below NARROW, each rule is a block of lines.
WIDE, NARROW = 110, 72


def outcome_table(title: str, rows: list[dict], width: int):
    """The outcomes of one category, shaped for `width` columns: nothing is cut, titles wrap between words."""
    if width < NARROW:
        return _outcome_blocks(title, rows)
    wide = width >= WIDE
    cells = []
    for o in rows:
        value, _ = fmt.value_and_gap(o)
        value += "*" if o["warnings"] else ""
        unit = fmt.unit(o["unit"])
        indicator = Text(o["title"]["en"])
        gap = fmt.gap(o)
        if gap and not wide:
            indicator.append(f"\ngap {gap}", style="red")
        figures = [value, unit] if wide else [f"{value} {unit}".strip()]
        cells.append([o["rule_id"], indicator, *figures, fmt.requirement(o["comparison"]),
                      Text(fmt.status(o), style=STYLE[o["status"]]), *([gap] if wide else [])])
    table = Table(title=title, title_justify="left", title_style="bold cyan", show_edge=False, pad_edge=False,
                  expand=False)
    names = ["Rule", "Indicator", "Value"] + (["Unit"] if wide else []) + ["Required", "Status"] + (["Gap"] if wide else [])
    for i, name in enumerate(names):
        # the longest word of a column is its least width: rich then wraps between words and never folds one
        words = [w for row in cells for w in str(row[i]).split()] + [name]
        table.add_column(name, no_wrap=name == "Rule", justify="right" if name == "Value" else "left",
                         min_width=max(map(len, words)), ratio=1 if name == "Indicator" else None)
    for row in cells:
        table.add_row(*row)
    return table


def _outcome_blocks(title: str, rows: list[dict]) -> Group:
    """For a narrow terminal: each rule as a block, its id and status first, then title and figures, indented."""
    parts: list = [Text(title, style="bold cyan")]
    for o in rows:
        value, _ = fmt.value_and_gap(o)
        head = Text(f"{o['rule_id']}  ")
        head.append(fmt.status(o), style=STYLE[o["status"]])
        body = Text(f"{o['title']['en']}\n{value}{'*' if o['warnings'] else ''} {fmt.unit(o['unit'])}".rstrip()
                    + f" · required {fmt.requirement(o['comparison'])}")
        gap = fmt.gap(o)
        if gap:
            body.append(f" · gap {gap}", style="red")
        parts += [head, Padding(body, (0, 0, 0, 2))]
    return Group(*parts)


def _decision_notes(p: dict) -> list[str]:
    d = p["decision"]["detail"]
    out = []
    if d.get("targets_declared") is not None and "share_met_pct" in d:
        share = "—" if d["share_met_pct"] is None else f"{d['share_met_pct']:g} %"
        out.append(f"targets met: {d['targets_met']} of {d['targets_declared']} = {share} "
                   f"(required ≥ {d['share_required_pct']:g} %); {d['targets_missing']} missing")
        if d.get("mean_progress_pct") is not None:
            out.append(f"mean progress towards the declared targets: {d['mean_progress_pct']:g} %")
    sub = d.get("subsidy")
    if sub:
        inv = f", investment {fmt.number(sub['investment'])}" if sub.get("investment") else ""
        out.append(f"subsidy approved {fmt.number(sub['approved'])} {sub['unit']} on {sub['approval_date']}{inv}; "
                   f"received {fmt.number(sub['received'])}")
        for t in sub["tranches"]:
            out.append(f"  {t['title']['en']}: {fmt.number(t['amount'])} {sub['unit']} — "
                       f"{'DUE' if t['due'] else 'not due'} ({t['condition']})")
    elif "subsidy" in d:
        out.append("no subsidy recorded in the work plan")
    ref = d.get("refund")
    if ref:
        if not ref["assessable"]:
            out.append(f"refund test: not before {ref['review_date']} ({ref['after_years']} years after approval)")
        else:
            prog = "—" if ref["mean_progress_pct"] is None else f"{ref['mean_progress_pct']:g} %"
            out.append(f"refund test on {ref['review_date']}: mean progress {prog} against "
                       f"{ref['progress_required_pct']:g} % — " + (f"REFUND DUE {fmt.number(ref['amount'])}" if ref["due"]
                                                                   else "substantial progress, no refund"))
    return out
