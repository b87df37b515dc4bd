"""What every response gets: a request-size limit (413), security headers, no caching of anyone's results."""
from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# only the app's own assets; charts are data: images; no inline script or style anywhere
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
STATIC_PREFIXES = ("/static/", "/docs-assets/")


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request is larger than the limit of {limit:,} bytes ({limit / 2**20:g} MB)")


class SizeLimit:
    """Refuses a body larger than `limit` bytes: at once when Content-Length says so, else while it streams in.

    The error is raised inside the app, so the app's handlers answer it (JSON for the API, a page otherwise).
    """

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            scope = dict(scope, parkcert_too_large=True)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            if scope.get("parkcert_too_large"):
                raise too_large(self.limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise too_large(self.limit)
            return message

        await self.app(scope, counted, send)


class SecurityHeaders:
    """CSP (own assets only, no framing), nosniff, no referrer; results are never cached (no-store)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope["path"].startswith(STATIC_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, with_headers)
