"""The whole audit log with its chain verified (auditor, administrator) and the list of accounts (administrator).
Nothing here changes anything: no route can update or delete an audit entry."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .. import access, accounts, audit
from ..deps import Ctx, read
from ..views import page
from .dossiers import download, trail_rows

router = APIRouter(include_in_schema=False)


@router.get("/workspace/audit")
def audit_page(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        access.require(ctx.user, "audit.read_all")
        n, broken = audit.verify(ctx.s)
        return page(request, "audit.html.j2", ctx.lang, ctx.user, ctx.csrf, checked=n,
                    broken=str(broken) if broken else None, entries=trail_rows(audit.entries(ctx.s), ctx.lang))
    return read(request, work)


@router.get("/workspace/audit/trail.json")
def audit_trail(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        access.require(ctx.user, "audit.read_all")
        return download(audit.trail(ctx.s), "application/json", "parkcert-audit-trail.json")
    return read(request, work)


@router.get("/workspace/users")
def users_page(request: Request) -> Response:
    def work(ctx: Ctx) -> Response:
        access.require(ctx.user, "users.read")
        return page(request, "users.html.j2", ctx.lang, ctx.user, ctx.csrf, users=accounts.list_users(ctx.s))
    return read(request, work)
