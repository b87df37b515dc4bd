"""What every workspace route does first: open a database session, find the signed-in user (or send the browser
to the login page), check the CSRF token of a form, and turn access decisions into 404/403."""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..web.views import pick_lang
from . import access, sessions
from .database import Database
from .models import LoginSession, User
from .views import label_set


class LoginRequired(Exception):
    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


@dataclass
class Ctx:
    """One request's view of the workspace: its database session, user, login and language."""
    request: Request
    s: Session
    user: User
    login: LoginSession
    lang: str

    @property
    def csrf(self) -> str:
        return self.login.csrf


def database(request: Request) -> Database:
    return request.app.state.workspace


def key(request: Request) -> str:
    return request.app.state.workspace_key


@contextlib.contextmanager
def denials(lang: str):
    """Access decisions as HTTP answers: 404 hides what the user may not know exists, 403 what the role may not do."""
    try:
        yield
    except access.NotFound:
        raise HTTPException(404) from None
    except access.Forbidden:
        raise HTTPException(403, label_set(lang)["forbidden"]) from None


def _ctx(request: Request, s: Session, lang: str) -> Ctx:
    row = sessions.current(s, request.cookies.get(sessions.COOKIE), key(request))
    if row is None:
        raise LoginRequired(request.url.path)
    return Ctx(request, s, row.user, row, lang)


def read(request: Request, work: Callable[[Ctx], Response]) -> Response:
    """A page: runs `work` with the signed-in user (in the caller's thread: routes are plain functions)."""
    lang = pick_lang(request)
    with database(request).session() as s, denials(lang):
        return work(_ctx(request, s, lang))


async def form_data(request: Request) -> dict:
    """A form's fields (text) and files (bytes, with their names), read once."""
    async with request.form(max_files=2, max_fields=1000) as form:
        out = {}
        for k, v in form.multi_items():
            if isinstance(v, str):
                out[k] = v
            else:
                out[k] = (v.filename or "", await v.read())
        return out


async def write(request: Request, work: Callable[[Ctx, dict], Response]) -> Response:
    """A form post: the CSRF token must match the session's; `work` runs in one transaction (committed when it
    returns, rolled back on any error: nothing half-written)."""
    form = await form_data(request)
    lang = pick_lang(request, form.get("lang"))

    def run() -> Response:
        with database(request).session() as s, denials(lang):
            ctx = _ctx(request, s, lang)
            if not sessions.csrf_ok(ctx.login, form.get("csrf")):
                raise HTTPException(403, label_set(lang)["csrf_failed"])
            response = work(ctx, form)
            s.commit()
            return response
    return await run_in_threadpool(run)


def to_login(request: Request, exc: LoginRequired) -> Response:
    lang = pick_lang(request)
    return RedirectResponse(f"/workspace/login?next={quote(exc.next_path)}&lang={lang}", status_code=303)


def see_other(path: str, lang: str) -> Response:
    return RedirectResponse(f"{path}{'&' if '?' in path else '?'}lang={lang}", status_code=303)
