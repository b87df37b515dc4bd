"""Flat tables for analysts: outcomes (dossier × program × rule) and verdicts (dossier × program).

Written as Parquet (typed columns: numbers as numbers, dates as dates, units in a column of their own)
and as CSV (UTF-8 with a BOM, for Excel). Each worker writes a chunk's rows as Parquet parts; the run
assembles them in input order, streaming, so memory stays flat whatever the number of dossiers.
A boolean value is 1 or 0 with the unit `bool`; a date is in `value_date` / `threshold_date`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from .. import verdict
from ..problems import Problem
from . import csvsafe
from .files import AtomicFile, Copies, atomic_output
from .options import CSV_ENCODING, OUTCOMES, RESULTS, VERDICTS

_TEXT = pa.dictionary(pa.int32(), pa.string())      # repeated words (titles, units, provinces): stored once per chunk

_DOSSIER = [
    ("file", pa.string()), ("line", pa.int32()),
    ("zone_id", _TEXT), ("zone_en", _TEXT), ("zone_zh", _TEXT), ("province_en", _TEXT), ("province_zh", _TEXT),
    ("city_en", _TEXT), ("city_zh", _TEXT), ("zone_type", _TEXT), ("as_of", pa.date32()), ("data_year", pa.int16()),
    ("program", _TEXT), ("pack_version", _TEXT),
]
_HASHES = [("dossier_sha256", _TEXT), ("rules_sha256", _TEXT)]
OUTCOME_SCHEMA = pa.schema(_DOSSIER + [
    ("rule_id", _TEXT), ("title_en", _TEXT), ("title_zh", _TEXT), ("category", _TEXT), ("metric", _TEXT),
    ("clause", _TEXT), ("decides", pa.bool_()), ("status", _TEXT), ("engine_status", _TEXT),
    ("value", pa.float64()), ("value_date", pa.date32()), ("unit", _TEXT), ("unit_zh", _TEXT), ("op", _TEXT),
    ("threshold", pa.float64()), ("threshold_date", pa.date32()), ("gap", pa.float64()), ("gap_pct", pa.float64()),
] + _HASHES)
VERDICT_SCHEMA = pa.schema(_DOSSIER + [
    ("verdict", _TEXT), ("verdict_zh", _TEXT), ("verdict_code", _TEXT),
    ("pass", pa.int16()), ("fail", pa.int16()), ("missing", pa.int16()), ("not_applicable", pa.int16()),
    ("waived", pa.int16()), ("overridden", pa.int16()), ("blocking", pa.string()),
] + _HASHES)


def _plain(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                      for f in schema])


def _text(v, lang: str) -> str | None:
    return v.get(lang) if isinstance(v, dict) else v


def _number(v) -> float | None:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    return float(v) if isinstance(v, (int, float)) else None


def _date(v) -> dt.date | None:
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _numbers_and_dates(values: list) -> tuple[pa.Array, pa.Array]:
    """A column of values as numbers (a boolean as 1 or 0) and as dates (ISO texts in the compact form)."""
    try:      # numbers only, the common case: converted by Arrow in one call
        return pa.array(values, pa.float64()), pa.nulls(len(values), pa.date32())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    dates = pa.array([_date(v) if isinstance(v, str) else None for v in values], pa.date32())
    try:
        return pa.array([None if isinstance(v, str) else v for v in values], pa.float64()), dates
    except (pa.ArrowInvalid, pa.ArrowTypeError):    # an integer that a double cannot hold exactly
        return pa.array(list(map(_number, values)), pa.float64()), dates


_WORDS = ("rule_id", "title_en", "title_zh", "category", "metric", "clause")
_PER_PROGRAM = [f.name for f in VERDICT_SCHEMA if f.name in OUTCOME_SCHEMA.names]   # the dossier, program, hashes
_RULES: dict[int, tuple] = {}


def _pack_rules(pack) -> tuple[list[str], dict[str, int], list[tuple]]:
    """A pack's rule ids in order, each id's position, and per rule what every row of that rule repeats (id,
    titles, category, metric, clause, whether it decides): worked out once per pack, not once per outcome."""
    got = _RULES.get(id(pack))
    if got is None or got[0] is not pack:
        if len(_RULES) > 64:        # packs read again and again do not pile up
            _RULES.clear()
        ids = [r.id for r in pack.rules]
        got = _RULES[id(pack)] = (pack, ids, {r: i for i, r in enumerate(ids)},
                                  [(r.id, r.title.en, r.title.zh, r.category, r.metric, r.clause, pack.decides(r))
                                   for r in pack.rules])
    return got[1:]


def _repeated(values: pa.Array, keys: pa.DictionaryArray) -> pa.DictionaryArray:
    """`values.take(keys)` as the dictionary array `pa.array(that as a list, _TEXT)` makes (its dictionary in the
    order the words first appear, none unused), each distinct key looked up once instead of each row hashed.
    `keys` is the row keys dictionary-encoded: its dictionary the distinct keys in the order they first appear."""
    words = values.take(keys.dictionary).dictionary_encode()
    return pa.DictionaryArray.from_arrays(words.indices.take(keys.indices), words.dictionary)


_UNIT_ZH: dict[str, str] = {}


def _unit_zh(units: pa.DictionaryArray) -> pa.DictionaryArray:
    """The unit as Chinese statistics write it (吨标准煤/万元 for tce/10^4 RMB), looked up once per distinct unit;
    the codes that are no unit (1, bool, date) stay as they are, so both columns filter alike."""
    from ..reporttext import unit_text
    words = []
    for u in units.dictionary.to_pylist():
        if u not in _UNIT_ZH:
            _UNIT_ZH[u] = unit_text(u, "zh") or u
        words.append(_UNIT_ZH[u])
    encoded = pa.array(words, pa.string()).dictionary_encode()     # two codes may share one Chinese word
    return pa.DictionaryArray.from_arrays(encoded.indices.take(units.indices), encoded.dictionary)


class Rows:
    """A chunk's rows. Verdicts column by column; outcomes as what varies per row (status, value, ...), the
    rest by reference: to the verdict row of their program (dossier, program, hashes) and to their rule's
    words (titles, clause, ...), made into Arrow columns once per chunk (measured: building and hashing
    those per row was two thirds of the tables' cost)."""

    def __init__(self) -> None:
        self.verdicts: dict[str, list] = {f.name: [] for f in VERDICT_SCHEMA}
        self.outcomes: dict[str, list] = {k: [] for k in (
            "program_row", "rule", "status", "engine_status", "value", "unit", "op", "threshold", "gap", "gap_pct")}
        self._rules: list[tuple] = []           # the words of every rule of the packs seen, by rule key
        self._first_rule: dict[str, int] = {}   # program → the key of its pack's first rule

    def __len__(self) -> int:
        return len(self.verdicts["program"])

    def outcome_count(self) -> int:
        return len(self.outcomes["status"])

    def truncate(self, outcomes: int, verdicts: int) -> None:
        """Back to these row counts: what a dossier that failed half-way had added."""
        for column in self.outcomes.values():
            del column[outcomes:]
        for column in self.verdicts.values():
            del column[verdicts:]

    def _rule_keys(self, program: str, pack, ids: list[str]):
        """The rows' rule keys (positions in self._rules) for these rule ids of this program's pack."""
        order, position, words = _pack_rules(pack)
        first = self._first_rule.get(program)
        if first is None:
            first = self._first_rule[program] = len(self._rules)
            self._rules.extend(words)
        if ids == order:
            return range(first, first + len(ids))
        return [first + position[r] for r in ids]

    def add(self, doc: dict, packs: dict, file: str, line: int | None) -> tuple[int, int]:
        """One compact result's rows (`engine.compact`), the rules' words from their packs (by program id);
        returns how many outcome and verdict rows it gave."""
        d = doc["dossier"]
        z = d["zone"]
        base = {"file": file, "line": line, "zone_id": z["id"], "zone_en": _text(z["name"], "en"),
                "zone_zh": _text(z["name"], "zh"), "province_en": _text(z["province"], "en"),
                "province_zh": _text(z["province"], "zh"), "city_en": _text(z["city"], "en"),
                "city_zh": _text(z["city"], "zh"), "zone_type": z["type"], "as_of": dt.date.fromisoformat(d["as_of"]),
                "data_year": d.get("reference_year"), "dossier_sha256": d["sha256"]}
        out, ver = self.outcomes, self.verdicts
        n = 0
        for p in doc["programs"]:
            row = len(ver["program"])
            for k, v in (*base.items(), ("program", p["program"]), ("pack_version", p["pack_version"]),
                         ("rules_sha256", p["rules_sha256"])):
                ver[k].append(v)
            c = p["counts"]
            ver["verdict"].append(verdict.of_program(p, "en"))
            ver["verdict_zh"].append(verdict.of_program(p, "zh"))
            ver["verdict_code"].append(p["verdict"])
            for k in ("pass", "fail", "missing", "not_applicable", "waived", "overridden"):
                ver[k].append(c.get(k, 0))
            ver["blocking"].append(" ".join(p["blocking"]))
            cols = p["outcomes"]
            ids, status = cols["rule_id"], cols["status"]
            n += len(ids)
            out["program_row"].extend([row] * len(ids))
            out["rule"].extend(self._rule_keys(p["program"], packs[p["program"]], ids))
            changed = p.get("engine_status")
            out["engine_status"].extend([changed.get(r, s) for r, s in zip(ids, status, strict=True)] if changed
                                        else status)
            for k in ("status", "value", "unit", "op", "threshold", "gap", "gap_pct"):
                out[k].extend(cols[k])
        return n, len(doc["programs"])

    def tables(self) -> tuple[pa.Table, pa.Table]:
        """The chunk's outcomes and verdicts as Arrow tables."""
        out = self.outcomes
        columns = {}
        program_rows = pa.array(out["program_row"], pa.int32())
        programs = program_rows.dictionary_encode()
        for name in _PER_PROGRAM:
            kind = VERDICT_SCHEMA.field(name).type
            if pa.types.is_dictionary(kind):
                columns[name] = _repeated(pa.array(self.verdicts[name], kind.value_type), programs)
            else:
                columns[name] = pa.array(self.verdicts[name], kind).take(program_rows)
        rules = pa.array(out["rule"], pa.int32()).dictionary_encode()
        for i, name in enumerate(_WORDS):
            columns[name] = _repeated(pa.array([w[i] for w in self._rules], pa.string()), rules)
        columns["decides"] = pa.array([w[6] for w in self._rules], pa.bool_()).take(rules.dictionary).take(rules.indices)
        for name in ("status", "engine_status", "unit", "op"):
            columns[name] = pa.array(out[name], _TEXT)
        columns["unit_zh"] = _unit_zh(columns["unit"])
        for name in ("value", "threshold"):
            columns[name], columns[f"{name}_date"] = _numbers_and_dates(out[name])
        for name in ("gap", "gap_pct"):
            columns[name] = pa.array(out[name], pa.float64())
        return (pa.table([columns[f.name] for f in OUTCOME_SCHEMA], schema=OUTCOME_SCHEMA),
                pa.table(self.verdicts, schema=VERDICT_SCHEMA))

    def write(self, outcomes: Path, verdicts: Path, done: list) -> None:
        """The chunk's tables as Parquet parts, and as CSV parts in which each dossier's rows are one stretch of
        bytes, recorded in its Checked (`ocsv`, `vcsv`: offset, length), so that the run's CSVs are assembled by
        copying bytes. Measured: writing the CSV in the parent was a serial 2.7 s at the end of a national run."""
        for path, table, attr in zip((outcomes, verdicts), self.tables(), "ov", strict=True):
            with atomic_output(path, sync=False) as fh:     # synced by the run (files.sync_files)
                # parts are read back whole by the assembly: no statistics (they serve readers that skip row groups),
                # and dictionary pages only for the dictionary columns, which come back with their dictionaries
                # unchanged; measured: 45 -> 25 us per dossier
                pq.write_table(table, fh, write_statistics=False,
                               use_dictionary=[f.name for f in table.schema if pa.types.is_dictionary(f.type)])
            with atomic_output(path.with_suffix(".csv"), sync=False) as fh:
                fh.write(_csv_rows(csvsafe.table(table), done, attr))


def _csv_rows(table: pa.Table, done: list, attr: str) -> pa.Buffer:
    """The table's rows as CSV (the dictionary columns written as their words), each dossier's place recorded.

    Written in one call and cut at the line breaks, which are the rows' ends when no value holds one (measured:
    a call per dossier cost three times as much); otherwise a call per dossier.
    """
    buf = pa.BufferOutputStream()
    pcsv.write_csv(table, buf, _NO_HEADER)
    data = buf.getvalue()
    # measured: numpy finds the line breaks in a sixth of the time of splitting the bytes at them
    breaks = np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n"))
    if len(breaks) == table.num_rows:
        starts = [0, *(breaks + 1).tolist()]        # row k's bytes: starts[k] to starts[k + 1]
        for o in done:
            row, n = getattr(o, f"{attr}row"), getattr(o, f"{attr}len")
            setattr(o, f"{attr}csv", [starts[row], starts[row + n] - starts[row]])
        return data
    buf = pa.BufferOutputStream()
    for o in done:
        start, (row, n) = buf.tell(), (getattr(o, f"{attr}row"), getattr(o, f"{attr}len"))
        if n:
            pcsv.write_csv(table.slice(row, n), buf, _NO_HEADER)
        setattr(o, f"{attr}csv", [start, buf.tell() - start])
    return buf.getvalue()


# a chunk's rows in one batch (measured: 15 % faster than the default 1,024 rows at a time)
_NO_HEADER = pcsv.WriteOptions(include_header=False, batch_size=8192)


# --- assembly -------------------------------------------------------------------------------------

class _Output:
    """One table being written: Parquet (streamed from the parts' tables) and CSV (the parts' bytes copied)."""

    def __init__(self, outdir: Path, state: Path, name: str, schema: pa.Schema):
        # Arrow's own file, not a Python one: the writer's many small writes then do not go through Python
        # (measured: 10-25 % of writing the national run's tables while the workers run)
        self._parquet = AtomicFile(outdir / f"{name}.parquet", folder=state, opener=lambda p, m: pa.OSFile(str(p), m))
        try:
            self._csv = AtomicFile(outdir / f"{name}.csv", folder=state)
        except BaseException:
            self._parquet.discard()
            raise
        try:
            header = pa.BufferOutputStream()
            pcsv.write_csv(_plain(schema).empty_table(), header)
            cfh = self._csv.fh
            cfh.write("\ufeff".encode(CSV_ENCODING.replace("-sig", "")) + header.getvalue().to_pybytes())
            cfh.flush()
            # from here on written by descriptor only
            self.csv = Copies(cfh.fileno(), cfh.tell(), Problem(str(state.parent), "", "a stored table is shorter "
                                                                 f"than recorded; remove {state} and run again"))
            self.parquet = pq.ParquetWriter(self._parquet.fh, schema)
        except BaseException:
            self.discard()
            raise

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.parquet.write_table(table)

    def commit(self) -> None:
        try:
            self.csv.flush()
            self.parquet.close()
        except BaseException:
            self.discard()
            raise
        self._csv.commit()
        self._parquet.commit()

    def discard(self) -> None:
        parquet = getattr(self, "parquet", None)
        if parquet is not None and parquet.is_open:
            with contextlib.suppress(Exception):    # its footer, into a file about to go: not at garbage collection
                parquet.close()
        self._csv.discard()
        self._parquet.discard()


class Assembly:
    """outcomes and verdicts (Parquet and CSV) written piece by piece in input order: during a run, as its chunks
    complete, or all at once at its end (`outputs.Assembly`). Nothing is in place before `commit`.

    A piece is one dossier's rows in a part: the manifest's part (a chunk's `parts/<name>.jsonl`, its tables beside
    it, or `results.jsonl`: the tables of the previous assembly, read before they are replaced). Consecutive pieces
    of one part are written as one slice, so the files are the same whenever the pieces arrive.
    """

    def __init__(self, outdir: Path, state: Path):
        self.outdir, self.state = outdir, state
        self._tables: dict[str, tuple[pa.Table, pa.Table]] = {}
        self._csvs: dict[str, tuple[int, int]] = {}
        self._run: list | None = None     # [part, orow, olen, vrow, vlen]: consecutive rows of one part, not yet written
        self.outs = _Output(outdir, state, OUTCOMES, OUTCOME_SCHEMA)
        try:
            self.vers = _Output(outdir, state, VERDICTS, VERDICT_SCHEMA)
        except BaseException:
            self.outs.discard()
            raise

    def add(self, part: str, orow: int, olen: int, vrow: int, vlen: int, ocsv: list[int], vcsv: list[int]
            ) -> tuple[list[int], list[int]]:
        """One dossier's rows (where they are in `part`, in rows and CSV [offset, length]); returns its CSV places
        in the new files."""
        ofd, vfd = self._csv_sources(part)
        placed = ([self.outs.csv.add(ofd, *ocsv), ocsv[1]], [self.vers.csv.add(vfd, *vcsv), vcsv[1]])
        run = self._run
        if run and run[0] == part and run[1] + run[2] == orow and run[3] + run[4] == vrow:
            run[2] += olen
            run[4] += vlen
        else:
            self._flush()
            self._run = [part, orow, olen, vrow, vlen]
        return placed

    def _flush(self) -> None:
        if self._run:
            part, orow, olen, vrow, vlen = self._run
            o, v = self._read(part)
            self.outs.write(o.slice(orow, olen))
            self.vers.write(v.slice(vrow, vlen))
            self._run = None

    def _read(self, part: str) -> tuple[pa.Table, pa.Table]:
        if part not in self._tables:
            for k in [k for k in self._tables if k != RESULTS]:
                del self._tables[k]       # parts come one after another: one in memory at a time
            # ParquetFile, not read_table: that imports pyarrow.dataset (0.4 s) and sets up a dataset per part
            self._tables[part] = tuple(pq.ParquetFile(table_path(self.outdir, self.state, part, t), memory_map=True).read()
                                       for t in (OUTCOMES, VERDICTS))
        return self._tables[part]

    def _csv_sources(self, part: str) -> tuple[int, int]:
        if part not in self._csvs:
            self.outs.csv.flush()
            self.vers.csv.flush()
            for k in [k for k in self._csvs if k != RESULTS]:      # one part's descriptors open at a time
                for fd in self._csvs.pop(k):
                    os.close(fd)
            self._csvs[part] = tuple(os.open(table_path(self.outdir, self.state, part, t, "csv"), os.O_RDONLY)
                                     for t in (OUTCOMES, VERDICTS))
        return self._csvs[part]

    def _close_sources(self) -> None:
        self._tables.clear()
        for fds in self._csvs.values():
            for fd in fds:
                os.close(fd)
        self._csvs.clear()

    def commit(self) -> None:
        """The tables in place (verdicts, then outcomes)."""
        try:
            self._flush()
            self.vers.commit()
        except BaseException:
            self.discard()
            raise
        try:
            self.outs.commit()
        finally:
            self._close_sources()

    def discard(self) -> None:
        self._close_sources()
        self.outs.discard()
        self.vers.discard()


def table_path(outdir: Path, state: Path, part: str, name: str, ext: str = "parquet") -> Path:
    """A chunk's table beside its part (`parts/<chunk>.outcomes.parquet`), or the assembled OUTDIR/outcomes.parquet."""
    if part == RESULTS:
        return outdir / f"{name}.{ext}"
    return state / f"{part.removesuffix('.jsonl')}.{name}.{ext}"
