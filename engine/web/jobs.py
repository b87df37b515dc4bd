"""The work a request asks for, run in a pool process (engine.web.service): check, render a page, render a PDF.

Each job gets the upload's bytes and the chosen options, and returns ("ok", payload) or ("bad", problems);
nothing about an upload outlives the job (durable_rules' session is deleted after each dossier, as in the CLI).
Running here, not in the server process, is what lets a time limit stop a job: the pool replaces the process.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from .. import assess, load
from ..problems import InputError

_ENGINE: str | None = None


def init(rules_dirs: tuple, engine: str | None) -> None:
    """Pool process start: the same extra packs and evaluator as the server; packs read once, ahead of requests."""
    global _ENGINE
    _ENGINE = engine
    load.use_rules(rules_dirs)
    try:
        load.catalogue()
        for p in load.pack_ids():
            load.pack(p)
    except InputError:
        pass                      # a broken pack is reported to the request that needs it


@dataclass(frozen=True)
class Job:
    """One request's inputs: the dossier's bytes, the name shown for it, the options."""
    raw: bytes
    name: str
    programs: tuple[str, ...] = ()
    as_of: dt.date | None = None
    problems: tuple = ()          # found in the request's options: reported with the dossier's, all at once


def _assess(job: Job) -> assess.Assessment:
    try:
        a = assess.assess(job.raw, job.name, job.programs, job.as_of, _ENGINE)
    except InputError as e:
        raise InputError(list(job.problems) + e.problems) from None
    if job.problems:
        raise InputError(list(job.problems))
    return a


def validate(job: Job):
    try:
        d = assess.read_dossier(job.raw, job.name)
    except InputError as e:
        return "bad", e.problems
    z = d.data["zone"]
    return "ok", {"valid": True, "file": job.name, "sha256": d.sha256, "zone": {"id": z["id"], "name": z["name"]},
                  "as_of": d.as_of.isoformat(), "programs": d.programs}


def check_json(job: Job):
    """The result document as JSON bytes (serialised here, in parallel, not in the server process)."""
    try:
        a = _assess(job)
    except InputError as e:
        return "bad", e.problems
    return "ok", json.dumps(a.doc, ensure_ascii=False, allow_nan=False).encode("utf-8")


def check_page(job: Job, lang: str, form: dict):
    """The result page (HTML) for the upload form."""
    from . import views
    try:
        a = _assess(job)
    except InputError as e:
        return "bad", e.problems
    return "ok", views.result_page(a, lang, form)


def report_pdf(job: Job, lang: str, report_date: dt.date | None):
    """The PDF `parkcert report` writes for the same dossier file, options and date: the same bytes."""
    from .. import render
    try:
        a = _assess(job)
    except InputError as e:
        return "bad", e.problems
    assess.named_by_file(a.doc, job.name)
    out = render.render_pdf(a.doc, a.raw, a.dossier.data, lang, report_date)
    return "ok", out.pdf


def template(lang: str, programs: tuple[str, ...]):
    """The blank dossier workbook `parkcert template` writes (only the sheets these programs need; all by default)."""
    from ..workbook import layout
    from ..workbook import template as writer
    try:
        packs = [load.pack(p) for p in (programs or load.pack_ids())]
        cat = load.catalogue()
    except InputError as e:
        return "bad", e.problems
    return "ok", writer.write(layout.build(cat, packs, None), lang, None)
