"""The HTTP API, versioned under /api/v1: the catalogue (programs, rules, metrics) and the dossier endpoints.

POST /check answers the result document of schemas/result.schema.json, exactly what `parkcert check --format
json` prints; POST /report the PDF `parkcert report` writes for the same file, options and date. Bad input is a
422 listing every problem; nothing about a request is kept after its response.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from .. import load
from ..model import OP_SYMBOL, RulePack, Text
from ..problems import InputError
from . import jobs
from .deps import service
from .errors import BadInput
from .inputs import parse_date, read_upload
from .schemas import Catalogue, Detail, MetricInfo, Problems, ProgramInfo, RuleInfo, Validated, body, ref
from .service import Service
from .views import attachment

PREFIX = "/api/v1"
ERRORS = {422: {"model": Problems, "description": "every problem with the input"},
          413: {"model": Detail, "description": "the request is larger than the limit"},
          503: {"model": Detail, "description": "time limit reached or render queue full; nothing was kept"}}

catalogue = APIRouter(prefix=PREFIX, tags=["catalogue"])
dossiers = APIRouter(prefix=PREFIX, tags=["dossiers"])

Programs = Annotated[list[str], Query(alias="program", description="program to check (repeatable; 'all' for every "
                                                                    "pack that fits the zone type); default: the "
                                                                    "programs the dossier applies for")]
AsOf = Annotated[str | None, Query(description="assess on this date (YYYY-MM-DD) instead of the dossier's as_of")]


def _bilingual(t: Text | None) -> dict | None:
    return {"en": t.en, "zh": t.zh} if t else None


def _packs() -> list[RulePack]:
    try:
        return [load.pack(p) for p in load.pack_ids()]
    except InputError as e:
        raise BadInput(e.problems) from None


@catalogue.get("/programs", response_model=list[ProgramInfo], summary="Every program (rule pack) and its rules")
def programs() -> list[dict]:
    return [{"id": p.id, "title": _bilingual(p.title), "standard": p.standard, "standard_zh": p.standard_zh,
             "version": p.version, "rules": [r.id for r in p.rules], "zone_types": list(p.zone_types),
             "decision": _bilingual(p.decision.text), "origin": p.origin, "illustrative": _bilingual(p.illustrative),
             "provisional": [n for n, x in p.parameters.items() if x.provisional]} for p in _packs()]


@catalogue.get("/rules/{rule_id}", response_model=RuleInfo, responses={404: {"model": Detail}},
               summary="One rule in full: metric, formula, comparison, clause, source, file and line")
def rule(rule_id: str) -> dict:
    cat = load.catalogue()
    for p in _packs():
        for r in p.rules:
            if r.id == rule_id:
                m = cat.metrics[r.metric]
                threshold = r.threshold.isoformat() if isinstance(r.threshold, dt.date) else r.threshold
                if r.threshold_by is not None:
                    threshold = {"by": r.threshold_by.attribute, "cases": r.threshold_by.written,
                                 "default": r.threshold_by.default_written, "unit": r.threshold_by.unit_written}
                return {"id": r.id, "program": p.id, "title": _bilingual(r.title), "metric": r.metric,
                        "metric_title": _bilingual(m.title), "unit": r.unit, "op": OP_SYMBOL.get(r.op, r.op),
                        "threshold": threshold, "compared_with": r.ref_metric or r.ref_kind, "category": r.category,
                        "impact": r.impact, "clause": r.clause, "source": {"en": r.source.en, "zh": r.source.zh},
                        "rationale": {"en": r.rationale.en, "zh": r.rationale.zh},
                        "in_force": {"from": r.valid_from and r.valid_from.isoformat(),
                                     "until": r.valid_until and r.valid_until.isoformat()},
                        "formula": m.formula, "file": r.file, "line": r.line}
    from fastapi import HTTPException
    raise HTTPException(404, f"no rule {rule_id!r}; GET {PREFIX}/programs lists every rule id")


@functools.cache
def _uses() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in _packs():
        for r in p.rules:
            out.setdefault(r.metric, []).append(r.id)
    return out


@catalogue.get("/metrics", response_model=Catalogue, summary="The metric catalogue: quantities, metrics, formulas")
def metrics() -> dict:
    cat = load.catalogue()
    uses = _uses()
    return {"version": cat.version, "sha256": cat.sha256,
            "quantities": {n: {"unit": q.unit, "title": _bilingual(q.title)} for n, q in cat.quantities.items()},
            "metrics": [MetricInfo(name=m.name, title=_bilingual(m.title), unit=m.unit, crosswalk=m.crosswalk,
                                   formula=m.formula, reported_only=m.reported_only,
                                   extracted_from=(m.extract or {}).get("pointer"), rules=uses.get(m.name, []))
                        for m in cat.metrics.values()]}


@dossiers.post("/validate", response_model=Validated, responses=ERRORS, openapi_extra=body(),
               summary="Schema and catalogue checks only")
async def validate(request: Request, svc: Service = Depends(service)) -> dict:
    up = await read_upload(request, [], None)
    return await svc.check(jobs.validate, up.job())


@dossiers.post("/check", responses={200: {"description": "the result document (schemas/result.schema.json)",
                                          "content": {"application/json": {"schema": ref("Result")}}}, **ERRORS},
               openapi_extra=body(), response_class=JSONResponse, summary="Check a dossier: the result document")
async def check(request: Request, program: Programs = (), as_of: AsOf = None, svc: Service = Depends(service)):
    up = await read_upload(request, program, as_of)
    return Response(await svc.check(jobs.check_json, up.job()), media_type="application/json")


@dossiers.post("/report", responses={200: {"description": "the PDF/A-3b report, dossier and result attached",
                                           "content": {"application/pdf": {}}}, **ERRORS},
               openapi_extra=body(), response_class=Response,
               summary="The PDF report, byte-identical to `parkcert report` for the same file, options and date")
async def report(request: Request, program: Programs = (), as_of: AsOf = None,
                 lang: Literal["en", "zh"] = "en",
                 date: Annotated[str | None, Query(description="report date printed in the PDF (default: the "
                                                               "assessment date)")] = None,
                 svc: Service = Depends(service)):
    up = await read_upload(request, program, as_of)
    lang = up.fields.get("lang", lang)
    problems = []
    if lang not in ("en", "zh"):
        from ..problems import Problem
        problems.append(Problem("lang", "", f"expected en or zh, found {lang[:20]!r}"))
    day = parse_date(date or up.fields.get("date"), "date", problems, not_future=True)
    if problems:
        raise BadInput(problems)
    pdf = await svc.render(up.job(), lang, day)
    return Response(pdf, media_type="application/pdf", headers=attachment(up.name, f"{lang}.pdf"))
