"""Read and validate a zone dossier: JSON syntax, the schema, then the catalogue's names and units."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import re
from pathlib import Path

from . import bounds, schema, units, yamlfile
from .model import Catalogue, Dossier
from .problems import InputError, Problem, did_you_mean, pointer

_CATALOGUE_HINT = " (see `parkcert rules list` and rules/metrics.yaml)"


def read_json(path: Path, shown: str) -> tuple[dict, bytes]:
    raw = bounds.read_capped(path, shown, bounds.MAX_DOSSIER_BYTES)
    return parse_json(raw, shown), raw


def parse_json(raw: bytes, shown: str):
    """Strict JSON text: UTF-8, nested at most bounds.MAX_DEPTH deep (checked before the parser recurses).

    NaN, Infinity and overlong numbers are read (as floats) so that validation names each with its pointer.
    """
    if len(raw) > bounds.MAX_DOSSIER_BYTES:   # an upload: a file was capped while it was read
        raise InputError([bounds.too_large(shown, bounds.MAX_DOSSIER_BYTES)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(shown, "", "neither a JSON dossier nor an Excel workbook: not UTF-8 text "
                                             f"(byte {exc.start + 1}: {exc.reason})", line)]) from None
    deep = bounds.json_too_deep(raw)
    if deep is not None:
        raise InputError([Problem(shown, "", f"nested more than {bounds.MAX_DEPTH} levels deep "
                                             "(a dossier needs fewer than 10)", deep)])
    try:
        return json.loads(text, parse_int=bounds.parse_int, parse_float=bounds.parse_float)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(shown, "", f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                                  exc.lineno)]) from None


def canonical_json(data: dict) -> bytes:
    """The bytes a workbook's dossier is hashed as, and `parkcert import` writes: the same sha256 either way."""
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def dossier_from_bytes(raw: bytes, name: str, cat: Catalogue | None = None, known_programs: list[str] | None = None,
                       today: dt.date | None = None, packs: list | None = None) -> Dossier:
    """The one reader of a dossier, JSON or XLSX (told apart by content, not by name).

    A workbook's problems name their cell (Problem.cell); its dossier's sha256 is that of canonical_json, the
    bytes `parkcert import` writes. Defaults: the loaded catalogue, every pack id, and for a workbook's sheets
    every pack.
    """
    from . import load
    from .workbook import limits
    cat = cat or load.catalogue()
    known_programs = known_programs if known_programs is not None else load.pack_ids()
    if not limits.looks_like_workbook(raw):
        data = parse_json(raw, name)
        try:
            return dossier_from_data(data, raw, cat, known_programs, today, name)
        except InputError as e:
            raise InputError(with_lines(e.problems, raw)) from None
    from .workbook import reader
    if packs is None:
        packs = [load.pack(p) for p in known_programs]
    imported = reader.read(raw, name, cat, packs)
    canon = canonical_json(imported.data)
    failed = [p.pointer for p in imported.problems if p.pointer]
    try:
        d = dossier_from_data(imported.data, canon, cat, known_programs, today, name)
    except InputError as e:
        # a value the reader refused is absent from the document: what the schema says of its absence is noise
        later = [p for p in e.problems if not any(_subject(p) == f or _subject(p).startswith(f + "/") for f in failed)]
        raise InputError(imported.problems + imported.cells.locate(later)) from None
    if imported.problems:
        raise InputError(imported.problems)
    return dataclasses.replace(d, cells=imported.cells.as_dict())


class _Enough(Exception):
    """bounds.MAX_PROBLEMS found: a hostile file with 100,000 unknown names is not given 100,000 suggestions."""


def semantic_problems(data: dict, cat: Catalogue, shown: str, today: dt.date, known_programs: list[str]) -> list[Problem]:
    """Checks the schema cannot express: names and units against the catalogue, dates against each other.

    Runs on documents the schema rejected too, so that every problem is reported at once: a section whose
    structure is broken (already reported by the schema) is skipped, not fatal.
    """
    out: list[Problem] = []
    try:
        _semantic(data, cat, shown, today, known_programs, out)
    except _Enough:
        out.append(Problem(shown, "", f"the catalogue check stopped after {bounds.MAX_PROBLEMS:,} problems; "
                                      "fix these first"))
    return out


def _semantic(data: dict, cat: Catalogue, shown: str, today: dt.date, known_programs: list[str], out: list) -> None:
    def bad(parts, msg):
        if len(out) >= bounds.MAX_PROBLEMS:
            raise _Enough
        out.append(Problem(shown, pointer(parts), msg))

    if not isinstance(data, dict):
        return
    tolerant = contextlib.suppress(KeyError, TypeError, ValueError, AttributeError, IndexError, NameError)
    as_of = None
    with tolerant:
        as_of = dt.date.fromisoformat(data["as_of"])
        if as_of > today:
            bad(["as_of"], f"the assessment date {as_of} is in the future (today is {today})")
        ref = data.get("reference_year")
        if isinstance(ref, int) and ref > as_of.year:
            bad(["reference_year"], f"reference year {ref} is after the assessment date {as_of}")
    as_of_text = as_of.isoformat() if as_of else "9999-12-31"
    with tolerant:
        for i, prog in enumerate(data["zone"]["programs"]):
            if prog not in known_programs:
                bad(["zone", "programs", i], f"unknown program {prog!r} (known: {', '.join(known_programs)}; "
                                             "a pack kept in a folder of its own needs --rules DIR or PARKCERT_RULES)")
    with tolerant:
        for name, s in (data.get("series") or {}).items():
            q = cat.quantities.get(name)
            if q is None:
                bad(["series", name], f"unknown quantity {name!r}" + did_you_mean(name, cat.quantities, _CATALOGUE_HINT))
                continue
            _unit(bad, ["series", name, "unit"], s["unit"], q.unit)
            for year in s["values"]:
                if as_of and int(year) > as_of.year:
                    bad(["series", name, "values", year], f"a value for {year} is after the assessment date {as_of}")
    with tolerant:
        for name, r in (data.get("reported") or {}).items():
            m = cat.metrics.get(name)
            if m is None:
                bad(["reported", name], f"unknown metric {name!r}" + did_you_mean(name, cat.metrics, _CATALOGUE_HINT))
                continue
            if m.extract:
                bad(["reported", name], f"{name!r} is read from {m.extract['pointer']}, not reported")
                continue
            if m.is_bool:
                if not isinstance(r["value"], bool):
                    bad(["reported", name, "value"], f"expected true or false, found {json.dumps(r['value'])}")
                continue
            if isinstance(r["value"], bool):
                bad(["reported", name, "value"], f"expected a number in {m.unit!r}, found {json.dumps(r['value'])}")
            if "unit" not in r:
                bad(["reported", name], f"unit is required (the metric is in {m.unit!r})")
                continue
            _unit(bad, ["reported", name, "unit"], r["unit"], m.unit)
            if as_of and r.get("year") is not None and r["year"] > as_of.year:
                bad(["reported", name, "year"], f"year {r['year']} is after the assessment date {as_of}")
    with tolerant:
        for name, b in (data.get("benchmarks") or {}).items():
            m = cat.metrics.get(name)
            if m is None:
                bad(["benchmarks", name], f"unknown metric {name!r}" + did_you_mean(name, cat.metrics, _CATALOGUE_HINT))
            elif not m.numeric:
                bad(["benchmarks", name], f"{name!r} is a {m.unit} value; benchmarks are numbers")
            else:
                _unit(bad, ["benchmarks", name, "unit"], b["unit"], m.unit)
    with tolerant:
        for prog, plan in (data.get("work_plans") or {}).items():
            where = ["work_plans", prog]
            if prog not in known_programs:
                bad(where, f"work plan for an unknown program {prog!r} (known: {', '.join(known_programs)})")
            for key in ("submitted", "approved"):
                if plan.get(key) and plan[key] > as_of_text:
                    bad(where + [key], f"the work plan is dated {plan[key]}, after the assessment date {as_of}")
            sub = plan.get("subsidy") or {}
            if sub.get("approval_date") and sub["approval_date"] > as_of_text:
                bad(where + ["subsidy", "approval_date"],
                    f"approval dated {sub['approval_date']}, after the assessment date {as_of}")
            for key in ("approved", "investment"):
                if key in sub:
                    _unit(bad, where + ["subsidy", key, "unit"], sub[key]["unit"], "RMB")
            for i, r in enumerate(sub.get("received") or []):
                _unit(bad, where + ["subsidy", "received", i, "amount", "unit"], r["amount"]["unit"], "RMB")
            for i, p in enumerate(plan.get("projects") or []):
                if "investment" in p:
                    _unit(bad, where + ["projects", i, "investment", "unit"], p["investment"]["unit"], "RMB")
            seen = set()
            for i, t in enumerate(plan.get("targets") or []):
                tw = where + ["targets", i]
                m = cat.metrics.get(t["metric"])
                if m is None:
                    bad(tw + ["metric"],
                        f"unknown metric {t['metric']!r}" + did_you_mean(t["metric"], cat.metrics, _CATALOGUE_HINT))
                    continue
                if t["metric"] in seen:
                    bad(tw + ["metric"], f"a second target for {t['metric']!r}")
                seen.add(t["metric"])
                if not m.numeric:
                    bad(tw + ["metric"], f"{t['metric']!r} is a {m.unit} value; targets are numbers")
                    continue
                for part in ("base", "target"):
                    if "unit" in t[part]:
                        _unit(bad, tw + [part, "unit"], t[part]["unit"], m.unit)
                if t["target"]["year"] < t["base"]["year"]:
                    bad(tw + ["target", "year"], f"target year {t['target']['year']} is before the base year {t['base']['year']}")
                if "change_pt" in t["target"] and m.unit != "%":
                    bad(tw + ["target", "change_pt"], f"percentage points apply to % indicators; {t['metric']} is in {m.unit!r}")
                relative = "change_pct" in t["target"] or "change_pt" in t["target"]
                absolute = "value" in t["target"] or "range" in t["target"]
                if relative and not absolute and "value" not in t["base"]:
                    missing = _underivable(data, cat, m, t["base"]["year"])
                    if missing:
                        bad(tw + ["base"], f"a relative target needs a base value: give base.value, or the "
                                           f"{t['base']['year']} values at {', '.join(missing)}")
    with tolerant:
        elig = data.get("eligibility") or {}
        gdp = elig.get("gdp_growth") or {}
    with tolerant:
        for key in ("zone", "provincial", "municipal"):
            if key in gdp:
                u = gdp[key]["unit"]
                try:
                    units.parse(u)
                    if not units.compatible(u, "%"):
                        bad(["eligibility", "gdp_growth", key, "unit"], f"expected a growth rate in '%', found {u!r}")
                except units.UnitError as e:
                    bad(["eligibility", "gdp_growth", key, "unit"], str(e))
        iso = elig.get("iso14001") or {}
        if iso.get("valid_from") and iso.get("valid_to") and iso["valid_from"] > iso["valid_to"]:
            bad(["eligibility", "iso14001", "valid_to"], f"valid_to {iso['valid_to']} is before valid_from {iso['valid_from']}")
    with tolerant:
        for i, ev in enumerate((elig.get("incidents") or {}).get("events") or []):
            if ev["date"] > as_of_text:
                bad(["eligibility", "incidents", "events", i, "date"],
                    f"event dated {ev['date']} is after the assessment date {as_of}")


_UNITS_FINE: set[tuple[str, str]] = set()


def _unit(bad, parts, unit: str, expected: str) -> None:
    if (unit, expected) in _UNITS_FINE:     # measured: pint's dimensionality compared per unit, 30 per dossier
        return
    try:
        units.parse(unit)
    except units.UnitError:
        bad(parts, units.unknown_message(unit, expected))
        return
    if not units.compatible(unit, expected):
        bad(parts, f"expected a unit convertible to {expected!r}, found {unit!r}")
        return
    if len(_UNITS_FINE) > 4096:     # a stream of hostile spellings does not pile up
        _UNITS_FINE.clear()
    _UNITS_FINE.add((unit, expected))


def _underivable(data: dict, cat: Catalogue, metric, year: int) -> list[str]:
    """Pointers of the base-year values a metric's formula would need and the dossier lacks."""
    if not metric.formula or metric.uses_period:
        return [f"/work_plans/.../base/value ({metric.name} is not derivable from yearly series)"]
    from .formula import parsed
    series = data.get("series") or {}
    return [f"/series/{q}/values/{year}" for q in parsed(metric.formula, cat.quantities).names
            if str(year) not in (series.get(q) or {}).get("values", {})]


def _under(problem: Problem, places: set[str]) -> bool:
    """Whether a problem is at or below a place already reported (one line per place); a walk up its pointer, so
    that a dossier with a million problems is not compared a million times over."""
    ptr = problem.pointer
    while ptr:
        if ptr in places:
            return True
        ptr = ptr[:ptr.rfind("/")]
    return "" in places


def _subject(p: Problem) -> str:
    """What a problem is about: for "'x' is required", the missing field itself."""
    m = re.match(r"^'([^']+)' is required", p.message)
    return f"{p.pointer}/{m.group(1)}" if m else p.pointer


def load_dossier(path: Path, cat: Catalogue, known_programs: list[str], today: dt.date | None = None,
                 shown: str | None = None) -> Dossier:
    shown = shown or str(path)
    raw = bounds.read_capped(path, shown, bounds.MAX_DOSSIER_BYTES)
    return dossier_from_bytes(raw, shown, cat, known_programs, today)


def with_lines(problems: list[Problem], raw: bytes) -> list[Problem]:
    """Each problem with the line of its JSON Pointer in the JSON text `raw` (FILE:LINE /pointer: ...).

    JSON is read as YAML for its node positions (yamlfile, as the packs are); text that reader does not take
    keeps its problems without lines. Problems of the whole document (no pointer) get none.
    """
    if not any(p.pointer and p.line is None for p in problems):
        return problems
    try:
        doc = yamlfile.parse(raw.decode("utf-8"), "")
    except (InputError, UnicodeDecodeError, RecursionError):
        return problems
    return [dataclasses.replace(p, line=doc.line(_parts(p.pointer))) if p.pointer and p.line is None else p
            for p in problems]


def _parts(ptr: str) -> list:
    parts = [x.replace("~1", "/").replace("~0", "~") for x in ptr.split("/")[1:]]
    return [int(x) if x.isdigit() else x for x in parts]


def dossier_from_data(data, raw: bytes, cat: Catalogue, known_programs: list[str], today: dt.date | None = None,
                      shown: str = "<dossier>") -> Dossier:
    today = today or dt.date.today()
    hostile = [Problem(shown, pointer(p), m) for p, m in bounds.value_problems(data)]
    refused = {p.pointer for p in hostile if p.pointer}   # not the note that the check stopped
    found = hostile + [p for p in (Problem(shown, pointer(p), m) for p, m in schema.problems("dossier.schema.json", data))
                       if not _under(p, refused)]
    # every problem at once: the catalogue and date checks run on a rejected document too, except
    # below a value the schema already found of the wrong kind
    wrong = refused | {f.pointer for f in found if f.message.startswith("expected")}
    problems = found + [p for p in semantic_problems(data, cat, shown, today, known_programs) if not _under(p, wrong)]
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.pointer))
    return Dossier(path=shown, sha256=hashlib.sha256(raw).hexdigest(), data=data,
                   as_of=dt.date.fromisoformat(data["as_of"]), reference_year=data.get("reference_year"), raw=raw)
