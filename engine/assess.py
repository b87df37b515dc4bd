"""From inputs to a result document: the one path the CLI (`check`, `report`) and the web server share.

Every function here raises InputError with every problem found, never prints and never exits: the CLI turns
the problems into lines on stderr and exit 2, the server into a 422 response or the upload page's list.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

from . import load
from .evaluate import check as check_programs
from .evaluate import evaluator as make_evaluator
from .model import Catalogue, Dossier, RulePack
from .problems import InputError, Problem
from .readiness import readiness
from .result import document
from .validate import dossier_from_bytes

ALL = "all"


def packs_for(programs, dossiers) -> dict[str, RulePack]:
    """The packs the requested programs need (the dossiers' own when none are given; every pack for `all`)."""
    wanted = set(programs) if programs else {prog for d in dossiers for prog in d.programs}
    if ALL in wanted:
        wanted = set(load.pack_ids())
    problems, packs = [], {}
    for prog in sorted(wanted):
        try:
            packs[prog] = load.pack(prog)
        except InputError as e:
            problems += e.problems
    if problems:
        raise InputError(problems)
    return packs


def programs_for(dossier: Dossier, programs, packs: dict[str, RulePack]) -> tuple[list[RulePack], list[RulePack]]:
    """The packs to check a dossier against; with `all`, packs made for other zone types are skipped."""
    if not programs:
        return [packs[p] for p in dossier.programs], []
    chosen = [packs[p] for p in sorted(packs)]
    if ALL not in programs:
        return chosen, []
    zone_type = dossier.data["zone"]["type"]
    fits = [p for p in chosen if not p.zone_types or zone_type in p.zone_types]
    return fits, [p for p in chosen if p not in fits]


def result_document(d: Dossier, programs, packs: dict[str, RulePack], cat: Catalogue, day: dt.date | None, ev,
                    reviews=()) -> dict:
    """The result document of one dossier: its programs, panel reviews applied, readiness when several."""
    chosen, skipped = programs_for(d, programs, packs)
    results = check_programs(d, chosen, cat, as_of=day, engine=ev, reviews=reviews)
    ready = readiness(results, skipped, cat, d.data["zone"]["type"]) if len(chosen) + len(skipped) > 1 else None
    return document(results, ev.name, ready)


def named_by_file(doc: dict, dossier_name: str) -> dict:
    """A report names its inputs by file name, so the same files give the same bytes from any folder."""
    doc["dossier"]["file"] = base_name(dossier_name)
    for p in doc["programs"]:
        if p.get("review"):
            p["review"]["file"] = base_name(p["review"]["file"])
        if p["pack_source"]["origin"] == "external":
            p["pack_source"]["folder"] = base_name(p["pack_source"]["folder"])
    return doc


def base_name(name: str) -> str:
    """The last part of a path written on any system ('C:\\x\\zone.json' and '../zone.json' → 'zone.json')."""
    return PurePosixPath(PureWindowsPath(name).name).name


def date_problems(day: dt.date | None, where: str, today: dt.date | None = None) -> list[Problem]:
    today = today or dt.date.today()
    if day is not None and day > today:
        return [Problem(where, "", f"the assessment date {day} is in the future (today is {today})")]
    return []


@dataclass
class Assessment:
    dossier: Dossier
    raw: bytes
    doc: dict
    packs: dict[str, RulePack] = field(repr=False, default_factory=dict)


def read_dossier(raw: bytes, shown: str, cat: Catalogue | None = None) -> Dossier:
    """A dossier from the bytes of a file or an upload (JSON or an XLSX workbook), validated: every problem at once."""
    cat = cat or load.catalogue()
    return dossier_from_bytes(raw, shown, cat, load.pack_ids())


def assess(raw: bytes, shown: str, programs=(), as_of: dt.date | None = None, engine: str | None = None,
           reviews=()) -> Assessment:
    """Validate a dossier, its programs and the assessment date together, then check it."""
    cat = load.catalogue()
    problems = date_problems(as_of, "as_of")
    dossier = None
    try:
        dossier = read_dossier(raw, shown, cat)
    except InputError as e:
        problems += e.problems
    packs = {}
    try:
        packs = packs_for(programs, [dossier] if dossier else [])
    except InputError as e:
        problems += e.problems
    if problems:
        raise InputError(problems)
    doc = result_document(dossier, tuple(programs), packs, cat, as_of, make_evaluator(engine), reviews)
    # raw: the bytes the sha256 is of (a workbook's canonical JSON), what a report attaches
    return Assessment(dossier=dossier, raw=dossier.raw or raw, doc=doc, packs=packs)
