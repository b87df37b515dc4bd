"""Sign in and out. Failed attempts are throttled per user name (engine.workspace.accounts); the login form carries a
signed double-submit token, every later form the session's CSRF token."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from ...web.views import pick_lang
from .. import accounts, audit, sessions
from ..deps import database, form_data, key, see_other, write
from ..views import label_set, page

router = APIRouter(include_in_schema=False)


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", path="/workspace",
                        secure=request.url.scheme == "https")


def _safe_next(path: str | None) -> str:
    # only a path inside the workspace: never another site (an open redirect)
    if path and path.startswith("/workspace/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/workspace/"


def _login_page(request: Request, lang: str, next_path: str, message: str = "", username: str = "", status: int = 200):
    cookie, token = sessions.login_form_token(key(request))
    response = page(request, "login.html.j2", lang, form_token=token, next=next_path, message=message,
                    username=username, status=status)
    _cookie(response, request, sessions.LOGIN_COOKIE, cookie, int(sessions.LOGIN_FORM_LIFETIME.total_seconds()))
    return response


@router.get("/workspace/login")
def login_form(request: Request, next: str = "/workspace/") -> Response:
    return _login_page(request, pick_lang(request), _safe_next(next))


@router.post("/workspace/login")
async def login(request: Request) -> Response:
    form = await form_data(request)
    lang = pick_lang(request, form.get("lang"))
    t = label_set(lang)
    next_path = _safe_next(form.get("next"))
    if not sessions.login_form_ok(key(request), request.cookies.get(sessions.LOGIN_COOKIE), form.get("csrf")):
        raise HTTPException(403, t["csrf_failed"])
    username = str(form.get("username", ""))[:64].strip().lower()
    password = str(form.get("password", ""))

    def run():
        with database(request).session() as s:
            result = accounts.authenticate(s, username, password)
            cookie = None
            if result.user is not None:
                cookie, _ = sessions.start(s, result.user, key(request))
                audit.record(s, audit.Actor.of(result.user), "user.login", f"user:{result.user.username}")
            s.commit()
            return result, cookie
    result, cookie = await run_in_threadpool(run)
    if result.throttled:
        return _login_page(request, lang, next_path, t["login_throttled"], username, status=429)
    if cookie is None:
        return _login_page(request, lang, next_path, t["login_failed"], username, status=401)
    response = RedirectResponse(f"{next_path}?lang={lang}", status_code=303)
    _cookie(response, request, sessions.COOKIE, cookie, int(sessions.LIFETIME.total_seconds()))
    response.delete_cookie(sessions.LOGIN_COOKIE, path="/workspace")
    return response


@router.post("/workspace/logout")
async def logout(request: Request) -> Response:
    def work(ctx, form):
        ctx.s.delete(ctx.login)
        audit.record(ctx.s, audit.Actor.of(ctx.user), "user.logout", f"user:{ctx.user.username}")
        response = see_other("/workspace/login", ctx.lang)
        response.delete_cookie(sessions.COOKIE, path="/workspace")
        return response
    return await write(request, work)
