"""Reviews in the browser: open (fresh, or carried from an earlier version's review), edit with optimistic locking,
approve (chair), reopen, import a YAML file, and download the review, the dossier's trail and the reviewed PDF."""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import select

from ... import glossary
from ...problems import InputError, Problem
from ...web.views import pick_lang, problem_text
from .. import access, audit, results, reviews, versions
from ..deps import Ctx, database, denials, read, see_other, write
from ..models import Review, User
from ..views import label_set, outcome_row, page
from .dossiers import download, problem_rows, stamp

router = APIRouter(include_in_schema=False)
FIELDS = ("decision", "override_to", "expires", "justification", "risk", "comments")


def refused(status: int, message: str, lang: str) -> HTTPException:
    """A refusal's error page in the page's language: the English sentence is the glossary's key (`problems:`)."""
    return HTTPException(status, glossary.problem(message, lang))


def bad_file(problems: list[Problem], lang: str) -> HTTPException:
    """A review file's problems as the lines of a 422 page (as `parkcert check --review` prints them), in the page's
    language."""
    return HTTPException(422, problem_text(problems, lang))


def _sig(values: dict) -> str:
    """A short fingerprint of form values (one decision's, or the panel's) as the form showed them: the base of the
    three-way merge after a conflict."""
    text = json.dumps(sorted((k, str(v or "")) for k, v in values.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _form_values(doc: dict) -> tuple[dict, dict]:
    p, rec, ev = doc["panel"], doc.get("recommendation") or {}, doc.get("evaluation") or {}
    panel = {"panel_name": p.get("name", ""), "meeting_date": p.get("meeting_date", ""),
             "recommendation": rec.get("decision", "defer"), "recommendation_text": rec.get("text", ""),
             "score": "" if ev.get("score") is None else f"{ev['score']:g}", "period": ev.get("period", "")}
    decisions = {rid: {k: d.get(k) or "" for k in FIELDS} for rid, d in doc["decisions"].items()}
    return panel, decisions


def _submitted(form: dict, doc: dict) -> tuple[dict, dict]:
    """The form's values; a field the form did not send keeps the review's current value."""
    cur_panel, cur_decisions = _form_values(doc)
    panel = {k: str(form[k]) if k in form else v for k, v in cur_panel.items()}
    decisions = {rid: {k: str(form[f"{k}.{rid}"]) if f"{k}.{rid}" in form else v for k, v in cur.items()}
                 for rid, cur in cur_decisions.items()}
    return panel, decisions


def _edit(form: dict, doc: dict, panel: dict, decisions: dict) -> tuple[reviews.ReviewEdit, list[Problem]]:
    problems = []
    try:
        lock = int(form.get("lock", ""))
    except ValueError:
        lock = -1
    score = None
    if panel["score"].strip():
        try:
            score = float(panel["score"])
        except ValueError:
            problems.append(Problem("form", "/evaluation/score", f"expected a number 0–100, found {panel['score'][:20]!r}"))
    edits = {}
    for rid, f in decisions.items():
        if f["decision"] not in reviews.DECISIONS:
            problems.append(Problem("form", f"/decisions/{rid}/decision", f"expected one of {', '.join(reviews.DECISIONS)}"))
            continue
        edits[rid] = reviews.DecisionEdit(f["decision"], f["override_to"] or None, f["justification"].strip() or None,
                                          f["expires"] or None, f["risk"] or None, f["comments"].strip() or None)
    rec = panel["recommendation"] if panel["recommendation"] in reviews.RECOMMENDATIONS else None
    return reviews.ReviewEdit(lock=lock, decisions=edits, panel_name=panel["panel_name"],
                              meeting_date=panel["meeting_date"] or None, recommendation=rec,
                              recommendation_text=panel["recommendation_text"], score=score,
                              period=panel["period"].strip()), problems


def _review_page(ctx: Ctx, r: Review, *, status=200, saved=False, problems=None, conflict=None, shown=None) -> Response:
    """The review: engine outcomes beside the decisions (editable for the panel while a draft), reviewed verdict."""
    t = label_set(ctx.lang)
    v = r.version
    engine_doc = results.engine_result(v)
    ep = results.program_result(engine_doc, r.program)
    try:
        rp = results.program_result(results.reviewed_result(r), r.program)
    except InputError as e:
        rp, problems = None, (problems or []) + e.problems
    panel_vals, decision_vals = shown or _form_values(r.document)
    by_id = {o["rule_id"]: o for o in (rp or ep or {"outcomes": []})["outcomes"]}
    changed = set(reviews.changed_inputs(r, ep["outcomes"] if ep else []))
    rows = []
    for rid, d in r.document["decisions"].items():
        o = by_id.get(rid)
        if o is None:
            continue
        row = outcome_row(o, ctx.lang)
        row.update(form=decision_vals.get(rid, {}), inputs_changed=rid in changed,
                   decided=t["decided_by"].format(reviewer=d.get("reviewer"), approver=d.get("approver"), date=d.get("date"))
                   if d.get("reviewer") else "")
        rows.append(row)
    newest = v.dossier.versions[-1]
    newer = None
    if newest.number > v.number:
        diff = versions.diff({"programs": [ep]} if ep else {"programs": []},
                             {"programs": [p for p in results.engine_result(newest)["programs"] if p["program"] == r.program]})
        newer = {"number": newest.number, "rules": [c.rule_id for c in diff.changes if c.before != c.after]}
    editable = r.state == "draft" and access.can(ctx.user, "review.edit")
    approver = ctx.s.get(User, r.approved_by) if r.approved_by else None
    day = results.report_date(r)
    cli = (f"parkcert report {versions.dossier_file(v)} --review {versions.review_file(v, r.program)} "
           f"--audit-trail {versions.trail_file(v)} --date {day.isoformat()} --lang {ctx.lang} -o report.pdf")
    return page(ctx.request, "review.html.j2", ctx.lang, ctx.user, ctx.csrf, status=status,
                review={"id": r.id, "program": r.program, "state": r.state, "approved": r.state == "approved",
                        "approved_by": approver.display_name if approver else "", "approved_at": stamp(r.approved_at)
                        if r.approved_at else ""},
                dossier=v.dossier, version=v, lock=r.lock, rows=rows, form=panel_vals, members=r.document["panel"]["members"],
                engine_verdict=ep["verdict"] if ep else "incomplete", verdict=rp["verdict"] if rp else None,
                grade=(rp.get("review") or {}).get("grade") if rp else None, editable=editable,
                decisions=reviews.DECISIONS, recommendations=reviews.RECOMMENDATIONS,
                can_approve=r.state == "draft" and access.can(ctx.user, "review.approve"),
                can_reopen=r.state == "approved" and access.can(ctx.user, "review.reopen"),
                changed_inputs=sorted(changed), newer=newer, saved=saved, conflict=conflict, cli=cli,
                problems=problem_rows(problems or [], ctx.lang), problems_title=t["bad_review_title"],
                orig={rid: _sig(d) for rid, d in _form_values(r.document)[1].items()},
                orig_panel=_sig(_form_values(r.document)[0]))


@router.post("/workspace/versions/{version_id}/reviews")
async def open_review(request: Request, version_id: int) -> Response:
    def work(ctx: Ctx, form: dict) -> Response:
        v = access.version(ctx.s, ctx.user, version_id)
        access.require(ctx.user, "review.open")
        program = str(form.get("program", ""))
        doc = results.engine_result(v)
        p = results.program_result(doc, program)
        if p is None:
            raise refused(422, f"{program!r} is not one of this dossier's programs", ctx.lang)
        existing = ctx.s.scalar(select(Review).where(Review.version_id == v.id, Review.program == program))
        if existing is not None:
            return see_other(f"/workspace/reviews/{existing.id}", ctx.lang)
        carry = None
        if form.get("carry_from"):
            try:
                carry = access.review(ctx.s, ctx.user, int(form["carry_from"]))
            except ValueError:
                raise access.NotFound(form["carry_from"]) from None
            if carry.version.dossier_id != v.dossier_id or carry.program != program:
                carry = None
        r = reviews.open_review(ctx.s, ctx.user, v, program, p["outcomes"], carry)
        return see_other(f"/workspace/reviews/{r.id}", ctx.lang)
    return await write(request, work)


@router.post("/workspace/versions/{version_id}/reviews/import")
async def import_review(request: Request, version_id: int) -> Response:
    def work(ctx: Ctx, form: dict) -> Response:
        v = access.version(ctx.s, ctx.user, version_id)
        access.require(ctx.user, "review.import")
        field = form.get("review")
        if not isinstance(field, tuple) or not field[1]:
            raise refused(422, "expected a review file (YAML) in the form field 'review'", ctx.lang)
        from ...web.inputs import shown_name
        name = shown_name(field[0], field[1])
        try:
            r = reviews.import_yaml(ctx.s, ctx.user, v, field[1], name)
            problems = results.review_problems(r)
            if problems:
                raise InputError(problems)
        except InputError as e:
            ctx.s.rollback()
            raise bad_file(e.problems, ctx.lang) from None
        return see_other(f"/workspace/reviews/{r.id}", ctx.lang)
    return await write(request, work)


@router.get("/workspace/reviews/{review_id}")
def review_page(request: Request, review_id: int, saved: int = 0) -> Response:
    return read(request, lambda ctx: _review_page(ctx, access.review(ctx.s, ctx.user, review_id), saved=bool(saved)))


def _conflict_page(ctx: Ctx, review_id: int, form: dict, mine_panel: dict, mine_decisions: dict) -> Response:
    """Three-way merge for the page: what this editor changed (against what the form showed) over the current review;
    the rules the other save changed are listed."""
    r = access.review(ctx.s, ctx.user, review_id)
    cur_panel, cur_decisions = _form_values(r.document)
    merged, other = {}, []
    for rid, cur in cur_decisions.items():
        orig = form.get(f"orig.{rid}")
        mine = mine_decisions.get(rid, cur)
        if _sig(cur) != orig:
            other.append(rid)
        merged[rid] = mine if _sig(mine) != orig else cur
    panel_vals = mine_panel if _sig(mine_panel) != form.get("orig.panel") else cur_panel
    return _review_page(ctx, r, status=409, conflict=other, shown=(panel_vals, merged))


@router.post("/workspace/reviews/{review_id}")
async def save_review(request: Request, review_id: int) -> Response:
    form_holder: dict = {}

    def work(ctx: Ctx, form: dict) -> Response:
        form_holder.update(form)
        r = access.review(ctx.s, ctx.user, review_id)
        access.require(ctx.user, "review.edit")
        panel_vals, decision_vals = _submitted(form, r.document)
        edit, problems = _edit(form, r.document, panel_vals, decision_vals)
        if r.state != "draft":
            raise refused(409, "the review is approved: the chair reopens it before it is changed", ctx.lang)
        if not problems:
            try:
                reviews.edit_review(ctx.s, ctx.user, r, edit, results.program_result(
                    results.engine_result(r.version), r.program)["outcomes"])
                return see_other(f"/workspace/reviews/{review_id}?saved=1", ctx.lang)
            except InputError as e:
                problems = e.problems
        ctx.s.rollback()
        return _review_page(ctx, access.review(ctx.s, ctx.user, review_id), status=422, problems=problems,
                            shown=(panel_vals, decision_vals))
    try:
        return await write(request, work)
    except reviews.Conflict:
        lang = pick_lang(request, form_holder.get("lang"))

        def show() -> Response:
            from ..deps import _ctx
            with database(request).session() as s, denials(lang):
                ctx = _ctx(request, s, lang)
                r = access.review(s, ctx.user, review_id)
                panel_vals, decision_vals = _submitted(form_holder, r.document)
                return _conflict_page(ctx, review_id, form_holder, panel_vals, decision_vals)
        return await run_in_threadpool(show)


@router.post("/workspace/reviews/{review_id}/approve")
async def approve_review(request: Request, review_id: int) -> Response:
    def work(ctx: Ctx, form: dict) -> Response:
        r = access.review(ctx.s, ctx.user, review_id)
        access.require(ctx.user, "review.approve")
        try:
            reviews.approve(ctx.s, ctx.user, r, int(form.get("lock", "-1")))
        except reviews.NotEditable:
            raise refused(409, "the review is approved already", ctx.lang) from None
        except (reviews.Conflict, ValueError):
            raise refused(409, "the review was changed since this page was opened: open it again, check the changes, "
                               "then approve", ctx.lang) from None
        except InputError as e:
            raise bad_file(e.problems, ctx.lang) from None
        return see_other(f"/workspace/reviews/{review_id}", ctx.lang)
    return await write(request, work)


@router.post("/workspace/reviews/{review_id}/reopen")
async def reopen_review(request: Request, review_id: int) -> Response:
    def work(ctx: Ctx, form: dict) -> Response:
        r = access.review(ctx.s, ctx.user, review_id)
        access.require(ctx.user, "review.reopen")
        if r.state != "approved":
            raise refused(409, "the review is a draft already", ctx.lang)
        reviews.reopen(ctx.s, ctx.user, r)
        return see_other(f"/workspace/reviews/{review_id}", ctx.lang)
    return await write(request, work)


@router.get("/workspace/reviews/{review_id}/review.yaml")
def review_yaml(request: Request, review_id: int) -> Response:
    def work(ctx: Ctx) -> Response:
        r = access.review(ctx.s, ctx.user, review_id)
        return download(reviews.export_yaml(r), "application/yaml", versions.review_file(r.version, r.program))
    return read(request, work)


def _trail(ctx: Ctx, r: Review) -> bytes:
    d = r.version.dossier
    return audit.trail(ctx.s, d.id, versions.describe(ctx.s, d.id))


@router.get("/workspace/reviews/{review_id}/audit-trail.json")
def review_trail(request: Request, review_id: int) -> Response:
    def work(ctx: Ctx) -> Response:
        r = access.review(ctx.s, ctx.user, review_id)
        return download(_trail(ctx, r), "application/json", versions.trail_file(r.version))
    return read(request, work)


@router.get("/workspace/reviews/{review_id}/report.pdf")
async def review_pdf(request: Request, review_id: int, lang: str = "en") -> Response:
    """The reviewed report: `parkcert report` on the downloaded dossier, review and trail, with the date shown on
    the review page, gives these bytes."""
    lang = "zh" if lang == "zh" else "en"

    def gather():
        def work(ctx: Ctx):
            r = access.review(ctx.s, ctx.user, review_id)
            return results.reviewed_report(r, _trail(ctx, r), lang), \
                f"{versions.file_stem(r.version)}.{r.program}.reviewed.{lang}.pdf"
        return read(request, work)
    job, name = await run_in_threadpool(gather)
    pdf = _RENDERED.get(job.etag)
    if pdf is None:
        from ...web.errors import BadInput
        try:
            pdf = await request.app.state.service.render(job, job_fn=results.render_reviewed)
        except BadInput as e:
            raise bad_file(e.problems, lang) from None
        _RENDERED[job.etag] = pdf
        while len(_RENDERED) > 8:
            _RENDERED.popitem(last=False)
    return download(pdf, "application/pdf", name)


# same inputs, same bytes: a report downloaded again (by the zone, then the chair) is not rendered again
_RENDERED: OrderedDict[str, bytes] = OrderedDict()

