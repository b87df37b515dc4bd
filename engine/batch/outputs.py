"""The outputs a run assembles: results.jsonl, summary.csv and errors.jsonl, in input order."""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from .. import verdict
from ..model import OP_SYMBOL
from ..problems import Problem
from . import csvsafe, tables
from .files import AtomicFile, Copies, Manifest
from .options import CSV_ENCODING, ERRORS, RESULTS, SUMMARY, SUMMARY_COLUMNS, WORST_GAPS, Checked, Item


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


class Assembly:
    """results.jsonl, the outcomes and verdicts tables, summary.csv and errors.jsonl, written in input order as the
    dossiers' results become available (during a run, as its chunks complete: the parent is waiting anyway) under
    temporary names in the state folder, and put in place at once by `commit`, each replaced atomically; `discard`
    (an interrupt, an error) leaves the outputs as they were.

    Result lines and the tables' CSV rows are copied from the part files and from the previous results.jsonl and
    tables (read through descriptors opened before they are replaced); once they are in place the manifest is
    rewritten to point into them. With `results=False` (results.jsonl already holds exactly these dossiers, in this
    order: `Manifest.in_place`) only summary.csv and errors.jsonl are written.
    """

    def __init__(self, outdir: Path, items: list[Item], unreadable: list[dict], manifest: Manifest, results: bool = True):
        self.outdir, self.items, self.manifest, self.state = outdir, items, manifest, manifest.state
        self.next = 0               # items before this one are written
        self.placed: list[tuple[Checked, int, int, int, list[int], list[int]]] = []   # new places, applied once in place
        self.rows = [0, 0]          # outcome and verdict rows written
        self.records: list[str] = []     # the manifest's records of the dossiers written, with their new places
        self._sources: dict[str, int] = {}
        self._files: list[AtomicFile] = []        # summary.csv, errors.jsonl, results.jsonl: discarded on failure
        self.results = self.tables = None
        try:
            self.summary = self._open(outdir / SUMMARY, "w", encoding=CSV_ENCODING, newline="")
            self._rows = csv.writer(self.summary.fh)
            self._rows.writerow(SUMMARY_COLUMNS)
            self.errors = self._open(outdir / ERRORS, "w", encoding="utf-8")
            for rec in unreadable:
                self.errors.fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if results:
                self._results = self._open(outdir / RESULTS)
                self.results = Copies(self._results.fh.fileno(), 0, Problem(str(outdir), "", "a stored result is shorter than "
                                                                   f"recorded; remove {self.state} and run again"))
                self.tables = tables.Assembly(outdir, self.state)
        except BaseException:
            self.discard()
            raise

    def _open(self, path: Path, mode: str = "wb", **kw) -> AtomicFile:
        f = AtomicFile(path, mode, folder=self.state, **kw)
        self._files.append(f)
        return f

    def advance(self, pending: set[str] | frozenset = frozenset()) -> None:
        """Write the dossiers from where the last call stopped up to the first whose result is still `pending`."""
        items, entries, parts = self.items, self.manifest.entries, self.manifest.parts
        records = []
        while self.next < len(items) and items[self.next].key not in pending:
            o = entries[items[self.next].key]
            self.next += 1
            for row in o.rows:
                self._rows.writerow(csvsafe.row(row))
            if o.error:
                self.errors.fh.write(json.dumps(o.error, ensure_ascii=False) + "\n")
            if self.results is None:
                continue
            record = vars(o)
            if o.status == "ok":
                part = parts[o.key]
                offset = self.results.add(self._source(part), o.offset, o.length)
                ocsv, vcsv = self.tables.add(part, o.orow, o.olen, o.vrow, o.vlen, o.ocsv, o.vcsv)
                orow, vrow = self.rows
                self.placed.append((o, offset, orow, vrow, ocsv, vcsv))
                record = {**record, "offset": offset, "orow": orow, "vrow": vrow, "ocsv": ocsv, "vcsv": vcsv}
                self.rows = [orow + o.olen, vrow + o.vlen]
            records.append(record)
        if records:
            self.records.append(Manifest.encode(records))

    def _source(self, part: str) -> int:
        """The part's result lines, one part's descriptor open at a time (and the previous results.jsonl's)."""
        if part not in self._sources:
            self.results.flush()
            for k in [k for k in self._sources if k != RESULTS]:
                os.close(self._sources.pop(k))
            self._sources[part] = os.open(self.outdir / RESULTS if part == RESULTS else self.state / part, os.O_RDONLY)
        return self._sources[part]

    def commit(self) -> None:
        """Every output in place (results.jsonl, the tables, then the manifest pointing into them, summary.csv,
        errors.jsonl); on an error, what is not in place yet is removed."""
        try:
            if self.results is not None:
                self.results.flush()
                self._close_sources()
                self._files.remove(self._results)
                self._results.commit()
                self.tables.commit()
                self.tables = None
                for o, *place in self.placed:
                    o.offset, o.orow, o.vrow, o.ocsv, o.vcsv = place
                self.manifest.rewrite(self.items, self.records)
            while self._files:
                self._files.pop(0).commit()         # summary.csv, errors.jsonl
        except BaseException:
            self.discard()
            raise

    def _close_sources(self) -> None:
        for fd in self._sources.values():
            os.close(fd)
        self._sources.clear()

    def discard(self) -> None:
        """Leave the outputs as they were: what was written is removed."""
        self._close_sources()
        if self.tables is not None:
            self.tables.discard()
        for f in self._files:
            f.discard()
        self._files.clear()


def assemble(outdir: Path, items: list[Item], unreadable: list[dict], manifest: Manifest,
             streamed: Assembly | None = None) -> None:
    """Every output of a run whose dossiers all have results: what `streamed` has not written yet, or all of them
    (results.jsonl and the tables only where they do not hold exactly these dossiers already)."""
    if streamed is None:
        streamed = Assembly(outdir, items, unreadable, manifest, results=not manifest.in_place(items))
    try:
        streamed.advance()
    except BaseException:
        streamed.discard()
        raise
    streamed.commit()
