"""Dossiers and their versions: the list a user may see, uploads (a zone for its own zones), a version's outcomes
and how its verdicts changed since the previous version, downloads."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from ... import assess
from ...problems import InputError, Problem
from ...web import views as web_views
from ...web.inputs import ZIP_MAGIC, shown_name
from .. import access, audit, results, versions
from ..deps import Ctx, read, see_other, write
from ..models import Review, Version
from ..views import number, outcome_row, page, unit_text

router = APIRouter(include_in_schema=False)


def problem_rows(problems: list[Problem], lang: str = "en") -> list[dict]:
    """Each problem with where it is (file and line, then the workbook cell or the JSON Pointer) and its message in
    the page's language."""
    return web_views.problem_rows(problems, lang)


def stamp(t) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def trail_rows(entries, lang: str) -> list[dict]:
    from ...trail import action_text
    from ..views import change_text
    return [{"seq": e.seq, "at": e.at[:19].replace("T", " "), "actor": e.actor, "role": e.role,
             "action": action_text(e.action, lang),
             "object": e.object, "before": change_text(e.before), "after": change_text(e.after), "hash": e.hash[:12]}
            for e in entries]


def read_upload(form: dict) -> versions.Upload:
    """The uploaded dossier, validated as `parkcert check` validates a file: every problem at once."""
    field = form.get("dossier")
    if not isinstance(field, tuple) or not field[1]:
        raise InputError([Problem("dossier", "", "expected a dossier file (JSON or XLSX), found none")])
    filename, raw = field
    name = shown_name(filename, raw)
    d = assess.read_dossier(raw, name)          # JSON or a workbook (XLSX), told apart by content
    kind = "xlsx" if raw.startswith(ZIP_MAGIC) else "json"
    content = d.raw                             # for a workbook, the canonical JSON `parkcert import` writes
    zone_id, zone_name, as_of = versions.zone_of(content)
    return versions.Upload(name, kind, raw, content, zone_id, zone_name, as_of)


def _home(ctx: Ctx, problems=None, status=200) -> Response:
    rows = []
    for d in ctx.s.scalars(access.dossiers(ctx.user)):
        latest = d.versions[-1] if d.versions else None
        rows.append({"id": d.id, "zone_id": d.zone_id, "label": d.label, "versions": len(d.versions),
                     "latest": stamp(latest.uploaded_at) if latest else "—"})
    return page(ctx.request, "home.html.j2", ctx.lang, ctx.user, ctx.csrf, status=status, dossiers=rows,
                can_upload=access.can(ctx.user, "dossier.upload"), problems=problem_rows(problems or [], ctx.lang),
                problems_title=_t(ctx)["problems_title"])


def _t(ctx: Ctx) -> dict:
    from ..views import label_set
    return label_set(ctx.lang)


@router.get("/workspace/")
def home(request: Request) -> Response:
    return read(request, _home)


def _upload(ctx: Ctx, form: dict, dossier_id: int | None, page_on_error) -> Response:
    access.require(ctx.user, "dossier.upload")
    if dossier_id is not None:
        access.dossier(ctx.s, ctx.user, dossier_id)
    try:
        up = read_upload(form)
        v = versions.add_version(ctx.s, ctx.user, up, dossier_id, (form.get("label") or "").strip() or None)
    except InputError as e:
        ctx.s.rollback()
        return page_on_error(ctx, e.problems, 422)
    return see_other(f"/workspace/versions/{v.id}", ctx.lang)


@router.post("/workspace/dossiers")
async def upload_dossier(request: Request) -> Response:
    return await write(request, lambda ctx, form: _upload(ctx, form, None, _home))


def _verdicts(v: Version, reviews: list[Review]) -> list[dict]:
    try:
        doc = results.engine_result(v)
    except InputError:
        return []
    approved = {r.program: r for r in reviews if r.state == "approved"}
    out = []
    for p in doc["programs"]:
        reviewed = None
        if p["program"] in approved:
            rp = results.program_result(results.reviewed_result(approved[p["program"]]), p["program"])
            reviewed = rp["verdict"] if rp else None
        out.append({"program": p["program"], "verdict": p["verdict"], "reviewed": reviewed})
    return out


def _dossier(ctx: Ctx, dossier_id: int, problems=None, status=200) -> Response:
    d = access.dossier(ctx.s, ctx.user, dossier_id)
    rows = []
    for v in reversed(d.versions):
        revs = access.visible_reviews(ctx.user, list(ctx.s.scalars(select(Review).where(Review.version_id == v.id))))
        rows.append({"id": v.id, "number": v.number, "uploaded_at": stamp(v.uploaded_at), "by": v.uploader.display_name,
                     "upload_name": v.upload_name, "sha256": v.sha256, "verdicts": _verdicts(v, revs)})
    return page(ctx.request, "dossier.html.j2", ctx.lang, ctx.user, ctx.csrf, status=status, dossier=d, versions=rows,
                can_upload=access.can(ctx.user, "dossier.upload"), entries=trail_rows(audit.entries(ctx.s, d.id), ctx.lang),
                problems=problem_rows(problems or [], ctx.lang), problems_title=_t(ctx)["problems_title"])


@router.get("/workspace/dossiers/{dossier_id}")
def dossier_page(request: Request, dossier_id: int) -> Response:
    return read(request, lambda ctx: _dossier(ctx, dossier_id))


@router.post("/workspace/dossiers/{dossier_id}/versions")
async def upload_version(request: Request, dossier_id: int) -> Response:
    return await write(request, lambda ctx, form: _upload(
        ctx, form, dossier_id, lambda c, problems, status: _dossier(c, dossier_id, problems, status)))


@router.get("/workspace/dossiers/{dossier_id}/audit-trail.json")
def dossier_trail(request: Request, dossier_id: int) -> Response:
    def work(ctx: Ctx) -> Response:
        d = access.dossier(ctx.s, ctx.user, dossier_id)
        data = audit.trail(ctx.s, d.id, versions.describe(ctx.s, d.id))
        return download(data, "application/json", f"{d.zone_id}-d{d.id}.audit-trail.json")
    return read(request, work)


def download(data: bytes, media_type: str, filename: str) -> Response:
    # the names are ours (zone ids match ^[A-Za-z0-9._-]+$), never an uploaded file's
    return Response(data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def changes_view(prev_doc: dict, doc: dict, lang: str) -> dict:
    diff = versions.diff(prev_doc, doc)
    rows = [{"program": c.program, "rule_id": c.rule_id, "title": c.title[lang], "before": c.before, "after": c.after,
             "moved": (("+" if c.gap_moved > 0 else "") + number(c.gap_moved, lang) + " " + unit_text(c.unit, lang)).strip()
             if c.gap_moved is not None else ""} for c in diff.changes]
    return {"verdicts": diff.verdicts, "rows": rows}


@router.get("/workspace/versions/{version_id}")
def version_page(request: Request, version_id: int) -> Response:
    def work(ctx: Ctx) -> Response:
        v = access.version(ctx.s, ctx.user, version_id)
        doc = results.engine_result(v)
        all_reviews = list(ctx.s.scalars(select(Review).where(Review.version_id == v.id).order_by(Review.program)))
        shown = []
        for r in access.visible_reviews(ctx.user, all_reviews):
            rp = results.program_result(results.reviewed_result(r), r.program)
            ep = results.program_result(doc, r.program)
            shown.append({"id": r.id, "program": r.program, "state": r.state, "verdict": rp and rp["verdict"],
                          "engine_verdict": ep["verdict"] if ep else "incomplete"})
        prev = next((p for p in v.dossier.versions if p.number == v.number - 1), None)
        changes = changes_view(results.engine_result(prev), doc, ctx.lang) if prev else None
        reviewed = {r.program for r in all_reviews}
        earlier = [r for p in v.dossier.versions if p.number < v.number
                   for r in ctx.s.scalars(select(Review).where(Review.version_id == p.id))]
        carry = max(earlier, key=lambda r: r.version.number) if earlier else None
        programs = [{"program": p["program"], "title": p["title"][ctx.lang], "verdict": p["verdict"],
                     "rows": [outcome_row(o, ctx.lang) for o in p["outcomes"]]} for p in doc["programs"]]
        return page(request, "version.html.j2", ctx.lang, ctx.user, ctx.csrf, dossier=v.dossier,
                    version={"id": v.id, "number": v.number, "uploaded_at": stamp(v.uploaded_at),
                             "by": v.uploader.display_name, "upload_name": v.upload_name, "sha256": v.sha256,
                             "file": versions.dossier_file(v)},
                    reviews=shown, programs=programs, changes=changes, previous=prev.number if prev else None,
                    can_review=access.can(ctx.user, "review.open"),
                    unreviewed=[p["program"] for p in doc["programs"] if p["program"] not in reviewed],
                    carry={"id": carry.id, "number": carry.version.number} if carry else None)
    return read(request, work)


@router.get("/workspace/versions/{version_id}/dossier.json")
def version_dossier(request: Request, version_id: int) -> Response:
    def work(ctx: Ctx) -> Response:
        v = access.version(ctx.s, ctx.user, version_id)
        return download(v.content, "application/json", versions.dossier_file(v))
    return read(request, work)
