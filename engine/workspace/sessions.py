"""Login sessions: a random token in a signed, HttpOnly, SameSite=Strict cookie that expires; the database keeps
only the token's sha256, the user and the expiry, so logging out (or disabling the user) ends the session at once.
Each session has a CSRF token that every form posts back; the login form, before any session, uses a signed
double-submit cookie."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, TimestampSigner
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import LoginSession, ServerKey, User, now

COOKIE = "parkcert_session"
LOGIN_COOKIE = "parkcert_login"
LIFETIME = dt.timedelta(hours=8)
LOGIN_FORM_LIFETIME = dt.timedelta(hours=1)


def signing_key(session: Session) -> str:
    """The cookie-signing key, made once per database and shared by every server process."""
    key = session.get(ServerKey, "cookie")
    if key is None:
        key = ServerKey(name="cookie", value=secrets.token_hex(32))
        session.add(key)
        session.flush()
    return key.value


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start(session: Session, user: User, key: str) -> tuple[str, LoginSession]:
    """A new session for the user: (cookie value, row)."""
    token = secrets.token_urlsafe(32)
    at = now()
    row = LoginSession(token_sha256=_sha(token), user_id=user.id, csrf=secrets.token_urlsafe(32), created_at=at,
                       expires_at=at + LIFETIME)
    session.add(row)
    session.execute(delete(LoginSession).where(LoginSession.expires_at < at))   # forget expired ones as we go
    return TimestampSigner(key, salt="session").sign(token).decode("ascii"), row


def current(session: Session, cookie: str | None, key: str) -> LoginSession | None:
    """The live session of a cookie: signed by us, not expired, its user active."""
    if not cookie:
        return None
    try:
        token = TimestampSigner(key, salt="session").unsign(cookie, max_age=int(LIFETIME.total_seconds())).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    row = session.scalar(select(LoginSession).where(LoginSession.token_sha256 == _sha(token)))
    if row is None or row.expires_at <= now() or not row.user.active:
        return None
    return row


def end(session: Session, cookie: str | None, key: str) -> None:
    row = current(session, cookie, key)
    if row is not None:
        session.delete(row)


def csrf_ok(row: LoginSession, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(row.csrf, sent)


def login_form_token(key: str) -> tuple[str, str]:
    """(cookie value, form value) for the login form."""
    nonce = secrets.token_urlsafe(24)
    return TimestampSigner(key, salt="login-form").sign(nonce).decode("ascii"), nonce


def login_form_ok(key: str, cookie: str | None, sent: str | None) -> bool:
    if not cookie or not sent:
        return False
    try:
        nonce = TimestampSigner(key, salt="login-form").unsign(
            cookie, max_age=int(LOGIN_FORM_LIFETIME.total_seconds())).decode()
    except (BadSignature, UnicodeDecodeError):
        return False
    return hmac.compare_digest(nonce, sent)
