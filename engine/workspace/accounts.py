"""Accounts: users, roles, argon2 password hashes, login throttling. The first administrator is made with
`parkcert users add` on the command line: there is no default account and no default password."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..problems import InputError, Problem
from . import audit
from .models import LoginFailure, User, now

ROLES = ("zone", "auditor", "panel", "chair", "analyst", "admin")
ROLE_TITLES = {
    "zone": {"en": "Zone", "zh": "园区"},
    "auditor": {"en": "Auditor", "zh": "审核员"},
    "panel": {"en": "Panel member", "zh": "专家组成员"},
    "chair": {"en": "Panel chair", "zh": "专家组组长"},
    "analyst": {"en": "Analyst", "zh": "分析员"},
    "admin": {"en": "Administrator", "zh": "管理员"},
}
MIN_PASSWORD = 12
THROTTLE_FAILURES = 5                       # failed logins per user name within the window ...
THROTTLE_WINDOW = dt.timedelta(minutes=15)  # ... before further attempts are refused until it passes
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ZONE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_hasher = PasswordHasher()
# verifying against this keeps an unknown user name as slow as a wrong password
_DUMMY = _hasher.hash("parkcert-no-such-user")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problems(password: str, where: str = "password") -> list[Problem]:
    if len(password) < MIN_PASSWORD:
        return [Problem(where, "", f"at least {MIN_PASSWORD} characters (found {len(password)})")]
    return []


def _check(username: str, role: str, zones: list[str]) -> list[Problem]:
    out = []
    if not USERNAME.match(username):
        out.append(Problem("USERNAME", "", f"{username!r}: lower-case letters, digits, '.', '_' or '-', 2 to 64 characters"))
    if role not in ROLES:
        out.append(Problem("--role", "", f"{role!r} is not a role ({', '.join(ROLES)})"))
    if role == "zone" and not zones:
        out.append(Problem("--zone", "", "a zone user needs at least one --zone ID (the dossier's /zone/id)"))
    if role != "zone" and zones:
        out.append(Problem("--zone", "", f"only zone users are bound to zones, not {role!r}"))
    out += [Problem("--zone", "", f"{z!r} is not a zone id") for z in zones if not ZONE_ID.match(z)]
    return out


def public(user: User) -> dict:
    """What the audit trail records about an account (never the hash)."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "zones": list(user.zones or []), "active": user.active}


def add_user(session: Session, actor: audit.Actor, username: str, role: str, password: str,
             display_name: str | None = None, zones: list[str] | tuple = ()) -> User:
    zones = sorted(set(zones))
    problems = _check(username, role, zones) + password_problems(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        problems.append(Problem("USERNAME", "", f"{username!r} exists already"))
    if problems:
        raise InputError(problems)
    user = User(username=username, display_name=display_name or username, role=role, zones=zones,
                password_hash=hash_password(password), active=True, created_at=now())
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", f"user:{username}", after=public(user))
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise InputError([Problem("USERNAME", "", f"no user {username!r}")])
    return user


def set_active(session: Session, actor: audit.Actor, username: str, active: bool) -> User:
    user = get_user(session, username)
    before = public(user)
    user.active = active
    if not active:
        from .models import LoginSession
        session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    audit.record(session, actor, "user.enable" if active else "user.disable", f"user:{username}",
                 before=before, after=public(user))
    return user


def set_password(session: Session, actor: audit.Actor, username: str, password: str) -> User:
    problems = password_problems(password)
    if problems:
        raise InputError(problems)
    user = get_user(session, username)
    user.password_hash = hash_password(password)
    from .models import LoginSession
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))   # signed-in browsers sign in again
    audit.record(session, actor, "user.password", f"user:{username}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    throttled: bool = False


def authenticate(session: Session, username: str, password: str, at: dt.datetime | None = None) -> LoginResult:
    """The user, if the password is right, the account active and the name not throttled. Failures are recorded
    (in the caller's transaction) so that guessing slows to THROTTLE_FAILURES tries per window."""
    at = at or now()
    recent = session.scalar(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.at > at - THROTTLE_WINDOW))
    if recent >= THROTTLE_FAILURES:
        return LoginResult(None, throttled=True)
    user = session.scalar(select(User).where(User.username == username))
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY, password) and user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        session.add(LoginFailure(username=username[:64], at=at))
        return LoginResult(None)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return LoginResult(user)
