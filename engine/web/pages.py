"""The pages a zone office uses: the upload form, the result, the downloads (PDF in English or Chinese, JSON).

Stateless: the result page carries the dossier it was made from (compressed, in its forms), so switching
language or downloading the PDF posts it back; the server keeps nothing between requests.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from . import jobs
from .deps import service
from .errors import BadInput
from .inputs import parse_date, read_upload
from .service import Service
from .views import attachment, form_page, pick_lang

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return HTMLResponse(form_page(pick_lang(request)))


async def _upload_or_form(request: Request):
    """The upload, or the form page listing every problem with it (the options kept)."""
    try:
        return await read_upload(request, [], None), None
    except BadInput as e:
        form = await request.form()
        lang = pick_lang(request, form.get("lang"))
        upload = form.get("dossier")
        name = getattr(upload, "filename", "") or form.get("name", "")
        state = {"programs": form.getlist("program"), "as_of": form.get("as_of", "")}
        return None, HTMLResponse(form_page(lang, state, e.problems, name), status_code=422)


@router.post("/check", response_class=HTMLResponse)
async def check(request: Request, svc: Service = Depends(service)) -> Response:
    up, page = await _upload_or_form(request)
    if page:
        return page
    lang = pick_lang(request, up.fields.get("lang"))
    form = {"programs": list(up.programs), "as_of": up.as_of.isoformat() if up.as_of else "", "name": up.name}
    try:
        html = await svc.check(jobs.check_page, up.job(), lang, form)
    except BadInput as e:
        return HTMLResponse(form_page(lang, form, e.problems, up.name), status_code=422)
    return HTMLResponse(html)


@router.get("/template")
async def template(request: Request, lang: str = "en", program: list[str] = Query(default=[]),
                   svc: Service = Depends(service)) -> Response:
    """The blank workbook a zone office fills in and uploads (as `parkcert template -o dossier.xlsx`)."""
    lang = "zh" if lang == "zh" else "en"
    xlsx = await svc.check(jobs.template, lang, tuple(program))
    return Response(xlsx, media_type=XLSX, headers=attachment("parkcert-dossier", f"{lang}.xlsx"))


@router.post("/download/report")
async def download_report(request: Request, svc: Service = Depends(service)) -> Response:
    up, page = await _upload_or_form(request)
    if page:
        return page
    lang = "zh" if up.fields.get("lang") == "zh" else "en"
    problems = []
    day = parse_date(up.fields.get("date"), "date", problems, not_future=True)
    if problems:
        raise BadInput(problems)
    pdf = await svc.render(up.job(), lang, day)
    return Response(pdf, media_type="application/pdf", headers=attachment(up.name, f"{lang}.pdf"))


@router.post("/download/result")
async def download_result(request: Request, svc: Service = Depends(service)) -> Response:
    up, page = await _upload_or_form(request)
    if page:
        return page
    body = await svc.check(jobs.check_json, up.job())
    return Response(body, media_type="application/json", headers=attachment(up.name, "result.json"))
