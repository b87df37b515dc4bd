"""The outputs a run assembles: results.jsonl, summary.csv and errors.jsonl, in input order."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from .. import verdict
from ..problems import Problem
from . import tables
from .files import Manifest, atomic_output
from .options import CSV_ENCODING, ERRORS, RESULTS, SUMMARY, SUMMARY_COLUMNS, WORST_GAPS, BatchError, Item


def _worst_gaps(program: dict) -> str:
    fails = [o for o in program["outcomes"] if o["status"] == "fail"]
    fails.sort(key=lambda o: (o["gap_pct"] is None, -(o["gap_pct"] or 0), o["rule_id"]))
    out = []
    for o in fails[:WORST_GAPS]:
        c = o["comparison"]
        unit = "" if o["unit"] in (None, "1", "bool") else f" {o['unit']}"
        text = f"{o['rule_id']} {o['metric']} {_num(o['value'])} vs {c['symbol']} {_num(c['threshold'])}{unit}"
        if o["gap_pct"] is not None:
            text += f" (gap {_num(o['gap'])}, {o['gap_pct']:.1f} %)"
        out.append(text)
    return "; ".join(out)


def _num(v) -> str:
    if isinstance(v, bool) or v is None:
        return json.dumps(v)
    if isinstance(v, str):
        return v
    return f"{v:.6g}"


def summary_rows(doc: dict, pdf: str | None = None) -> list[list]:
    z = doc["dossier"]
    rows = []
    for p in doc["programs"]:
        c = p["counts"]
        rows.append([z["zone"]["id"], None, None, z["sha256"], p["program"], verdict.of_program(p, "en"),
                     c.get("pass", 0), c.get("fail", 0), c.get("missing", 0), c.get("not_applicable", 0),
                     " ".join(p["blocking"]), _worst_gaps(p), pdf or "", p["verdict"], verdict.of_program(p, "zh")])
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
        tables.assemble(outdir, state, [(manifest.parts[o.key], o.orow, o.olen, o.vrow, o.vlen) for o in ok])
        orow = vrow = 0
        for o in ok:
            o.orow, o.vrow, orow, vrow = orow, vrow, orow + o.olen, vrow + o.vlen
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
