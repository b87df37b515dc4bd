"""The outputs a run assembles: results.jsonl, summary.csv and errors.jsonl, in input order."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from .. import verdict
from ..model import OP_SYMBOL
from ..problems import Problem
from . import tables
from .files import Manifest, atomic_output
from .options import CSV_ENCODING, ERRORS, RESULTS, SUMMARY, SUMMARY_COLUMNS, WORST_GAPS, BatchError, Item


def _worst_gaps(program: dict, pack) -> str:
    """The failing outcomes with the largest gaps (in % of their thresholds), from a compact program."""
    cols = program["outcomes"]
    fails = [i for i, s in enumerate(cols["status"]) if s == "fail"]
    ids, pct = cols["rule_id"], cols["gap_pct"]
    fails.sort(key=lambda i: (pct[i] is None, -(pct[i] or 0), ids[i]))
    out = []
    for i in fails[:WORST_GAPS]:
        unit = "" if cols["unit"][i] in (None, "1", "bool") else f" {cols['unit'][i]}"
        text = (f"{ids[i]} {pack.rule(ids[i]).metric} {_num(cols['value'][i])} vs {OP_SYMBOL.get(cols['op'][i], cols['op'][i])} "
                f"{_num(cols['threshold'][i])}{unit}")
        if pct[i] is not None:
            text += f" (gap {_num(cols['gap'][i])}, {pct[i]:.1f} %)"
        out.append(text)
    return "; ".join(out)


def _num(v) -> str:
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, str):
        return v
    return f"{v:.6g}"


def summary_rows(doc: dict, packs: dict, pdf: str | None = None) -> list[list]:
    """summary.csv's rows for a compact result (`engine.compact`), the rules' metrics from their packs by program id."""
    z = doc["dossier"]
    rows = []
    for p in doc["programs"]:
        c = p["counts"]
        rows.append([z["zone"]["id"], None, None, z["sha256"], p["program"], verdict.of_program(p, "en"),
                     c.get("pass", 0), c.get("fail", 0), c.get("missing", 0), c.get("not_applicable", 0),
                     " ".join(p["blocking"]), _worst_gaps(p, packs[p["program"]]), pdf or "", p["verdict"],
                     verdict.of_program(p, "zh")])
    return rows


def pdf_name(doc: dict, lang: str) -> str:
    d = doc["dossier"]
    return f"{d['zone']['id']}-{d['as_of']}-{d['sha256'][:12]}-{lang}.pdf"


def assemble(outdir: Path, items: list[Item], unreadable: list[dict], manifest: Manifest) -> None:
    """results.jsonl, the outcomes and verdicts tables, summary.csv and errors.jsonl, in input order, each
    replaced atomically.

    Result lines are copied from the part files and from the previous results.jsonl (read through a
    descriptor opened before it is replaced); the manifest is then rewritten to point into the new one.
    """
    state = manifest.state
    if not manifest.in_place(items):
        sources: dict[str | None, int] = {}
        try:
            for it in items:
                part = manifest.parts[it.key]
                if manifest.entries[it.key].status == "ok" and part not in sources:
                    sources[part] = os.open(outdir / RESULTS if part == RESULTS else state / part, os.O_RDONLY)
            with atomic_output(outdir / RESULTS) as out:
                pos = 0
                for it in items:
                    o = manifest.entries[it.key]
                    if o.status != "ok":
                        continue
                    data = os.pread(sources[manifest.parts[it.key]], o.length, o.offset)
                    if len(data) != o.length:
                        raise BatchError([Problem(str(outdir), "", "a stored result is shorter than recorded; "
                                                                   f"remove {state} and run again")])
                    out.write(data)
                    o.offset, pos = pos, pos + o.length
        finally:
            for fd in sources.values():
                os.close(fd)
        ok = [manifest.entries[it.key] for it in items if manifest.entries[it.key].status == "ok"]
        placed = tables.assemble(outdir, state, [(manifest.parts[o.key], o.orow, o.olen, o.vrow, o.vlen, o.ocsv, o.vcsv)
                                                 for o in ok])
        orow = vrow = 0
        for o, (ocsv, vcsv) in zip(ok, placed, strict=True):
            o.orow, o.vrow, orow, vrow = orow, vrow, orow + o.olen, vrow + o.vlen
            o.ocsv, o.vcsv = ocsv, vcsv
        manifest.rewrite(items)
    with atomic_output(outdir / SUMMARY, "w", encoding=CSV_ENCODING, newline="") as out:
        w = csv.writer(out)
        w.writerow(SUMMARY_COLUMNS)
        for it in items:
            for row in manifest.entries[it.key].rows:
                w.writerow(["" if v is None else v for v in row])
    with atomic_output(outdir / ERRORS, "w", encoding="utf-8") as out:
        for rec in unreadable:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        for it in items:
            o = manifest.entries[it.key]
            if o.error:
                out.write(json.dumps(o.error, ensure_ascii=False) + "\n")
