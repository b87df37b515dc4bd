"""What a role may see and do: the one place that decides. Routers ask here and nowhere else.

A zone user acts for its own zones only: another zone's dossiers, versions and reviews answer 404, exactly as
one that does not exist, so a zone never learns that they exist. A role that may see an object but not change it
gets 403 for the change. Drafts of reviews are for the panel and the readers of everything; a zone sees a review
once the chair has approved it.
"""
from __future__ import annotations

from sqlalchemy import Select, select

from .models import Dossier, Review, User, Version

READ_ALL = frozenset({"auditor", "panel", "chair", "analyst", "admin"})
PANEL = frozenset({"panel", "chair"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "dossier.upload": frozenset({"zone"}),
    "review.open": PANEL,
    "review.edit": PANEL,
    "review.import": PANEL,
    "review.approve": frozenset({"chair"}),
    "review.reopen": frozenset({"chair"}),
    "review.read_draft": READ_ALL,
    "audit.read_all": frozenset({"auditor", "admin"}),
    "users.read": frozenset({"admin"}),
}


class NotFound(Exception):
    """Answered 404: the object does not exist, or this user may not know that it does."""


class Forbidden(Exception):
    """Answered 403: the user sees the object but the role may not do this."""


def can(user: User, permission: str) -> bool:
    return user.active and user.role in PERMISSIONS[permission]


def require(user: User, permission: str) -> None:
    if not can(user, permission):
        raise Forbidden(permission)


def sees_zone(user: User, zone_id: str) -> bool:
    if user.role == "zone":
        return zone_id in (user.zones or [])
    return user.role in READ_ALL


def sees_review(user: User, review: Review) -> bool:
    return sees_zone(user, review.version.dossier.zone_id) and (review.state == "approved"
                                                               or can(user, "review.read_draft"))


def dossiers(user: User) -> Select:
    q = select(Dossier).order_by(Dossier.zone_id, Dossier.id)
    if user.role == "zone":
        return q.where(Dossier.zone_id.in_(list(user.zones or [])))
    return q if user.role in READ_ALL else q.where(False)


def dossier(session, user: User, dossier_id: int) -> Dossier:
    d = session.get(Dossier, dossier_id)
    if d is None or not sees_zone(user, d.zone_id):
        raise NotFound(dossier_id)
    return d


def version(session, user: User, version_id: int) -> Version:
    v = session.get(Version, version_id)
    if v is None or not sees_zone(user, v.dossier.zone_id):
        raise NotFound(version_id)
    return v


def review(session, user: User, review_id: int) -> Review:
    r = session.get(Review, review_id)
    if r is None or not sees_review(user, r):
        raise NotFound(review_id)
    return r


def visible_reviews(user: User, reviews: list[Review]) -> list[Review]:
    return [r for r in reviews if sees_review(user, r)]
