"""Errors as a person or a program meets them: JSON under the API paths, an HTML page everywhere else.

`scoped_handler(api, page)` picks one of two handlers by the request's path, so that one set of exception
handlers serves the API (422/404/413/503/500 as JSON) and the pages (the same errors as readable pages). The
panel workspace mounts its routers into the same app: it registers its own API prefix with `api_prefix()`.
No response ever carries a traceback; an unexpected error is logged on the server and answered with 500.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..problems import Problem

log = logging.getLogger("parkcert.web")

API_PREFIXES: list[str] = ["/api/"]
Handler = Callable[[Request, Exception], Awaitable[Response]]


def api_prefix(prefix: str) -> None:
    """Paths under `prefix` get JSON errors (the workspace's API, for instance)."""
    if prefix not in API_PREFIXES:
        API_PREFIXES.append(prefix)


def is_api(request: Request) -> bool:
    path = request.url.path
    return any(path.startswith(p) or path == p.rstrip("/") for p in API_PREFIXES)


def scoped_handler(api: Handler, page: Handler) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        return await (api if is_api(request) else page)(request, exc)
    return handler


class BadInput(Exception):
    """Every problem with a request's input (dossier, options): 422 with the list."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class Busy(Exception):
    """The server cannot take the work now (time limit, render queue full): 503 with the reason."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


_EXPECTED_FOUND = re.compile(r"expected (?P<expected>.+?),? found (?P<found>.+?)\.?$", re.S)


def problem_json(p: Problem, lang: str = "en") -> dict:
    """One problem as the API gives it: where (file, JSON Pointer or sheet and cell, line), expected, found, message
    (English); a request that asks for lang=zh gets message_zh beside it."""
    m = _EXPECTED_FOUND.search(p.message)
    out = {"file": p.file, "pointer": p.pointer, "cell": p.cell, "line": p.line,
           "expected": m["expected"] if m else None, "found": m["found"] if m else None, "message": p.message}
    if lang == "zh":
        from .. import glossary
        out["message_zh"] = glossary.problem(p.message, "zh")
    return out


def validation_problems(exc: RequestValidationError) -> list[Problem]:
    """FastAPI's own request checks (a query parameter that is not a date, …) in the same shape."""
    out = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        where, rest = (loc[0], loc[1:]) if loc else ("request", [])
        found = e.get("input")
        text = e.get("msg", "invalid")
        if found is not None and not isinstance(found, (dict, list, bytes)):
            text = f"{text}, found {str(found)[:80]!r}"
        out.append(Problem(where, "/" + "/".join(rest) if rest else "", text))
    return out


# --- JSON (API) ----------------------------------------------------------------------

async def api_bad_input(request: Request, exc: Exception) -> Response:
    problems = exc.problems if isinstance(exc, BadInput) else validation_problems(exc)
    lang = "zh" if request.query_params.get("lang") == "zh" else "en"
    return JSONResponse({"detail": f"{len(problems)} problem{'s' if len(problems) != 1 else ''} with the input; "
                                   "nothing was kept",
                         "problems": [problem_json(p, lang) for p in problems]}, status_code=422)


async def api_http(request: Request, exc: Exception) -> Response:
    detail = exc.detail if exc.status_code != 404 else f"no such resource: {request.url.path}"
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def api_busy(request: Request, exc: Exception) -> Response:
    return JSONResponse({"detail": exc.message}, status_code=503, headers={"Retry-After": str(exc.retry_after)})


def _guarded(response: Response) -> Response:
    """Starlette answers unhandled errors outside the app's middleware: add the security headers here."""
    from .middleware import HEADERS
    for name, value in HEADERS + [(b"cache-control", b"no-store")]:
        response.headers[name.decode()] = value.decode()
    return response


async def api_crash(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _guarded(JSONResponse({"detail": "internal error: the request was not completed and nothing was kept"},
                                 status_code=500))


# --- HTML (pages) --------------------------------------------------------------------

def _page(request: Request, status: int, message: str, headers=None, ours: bool = False) -> Response:
    """An error page in the request's language; `ours`: the message is one of the server's own sentences (size
    limit, time limit), shown in that language too. Other details (a workspace's listed problems) are as given."""
    from .. import glossary
    from .views import error_page, pick_lang
    lang = pick_lang(request)
    shown = glossary.problem(message, lang) if ours else message
    return HTMLResponse(error_page(request, status, shown, lang), status_code=status, headers=headers)


async def page_http(request: Request, exc: Exception) -> Response:
    return _page(request, exc.status_code, "" if exc.status_code == 404 else str(exc.detail),
                 getattr(exc, "headers", None), ours=exc.status_code == 413)


async def page_busy(request: Request, exc: Exception) -> Response:
    return _page(request, 503, exc.message, {"Retry-After": str(exc.retry_after)}, ours=True)


async def page_bad_input(request: Request, exc: Exception) -> Response:
    from .views import error_page, pick_lang, problem_text
    problems = exc.problems if isinstance(exc, BadInput) else validation_problems(exc)
    lang = pick_lang(request)
    return HTMLResponse(error_page(request, 422, problem_text(problems, lang), lang), status_code=422)


async def page_crash(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _guarded(_page(request, 500, ""))


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, scoped_handler(api_http, page_http))
    app.add_exception_handler(RequestValidationError, scoped_handler(api_bad_input, page_bad_input))
    app.add_exception_handler(BadInput, scoped_handler(api_bad_input, page_bad_input))
    app.add_exception_handler(Busy, scoped_handler(api_busy, page_busy))
    app.add_exception_handler(Exception, scoped_handler(api_crash, page_crash))
