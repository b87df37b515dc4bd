"""A stored version's results, exactly as the CLI computes them for the same files: the engine's outcomes, the
reviewed outcomes of a review (read from its exported bytes), the reviewed PDF. Never an outcome of our own."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass

from .. import assess
from .. import review as panel
from ..problems import InputError
from ..trail import read_trail
from .models import Review, Version
from .reviews import export_yaml
from .versions import dossier_file, review_file, trail_file


@functools.lru_cache(maxsize=64)
def _assessed(content: bytes, name: str, review_raw: bytes | None, review_name: str | None) -> assess.Assessment:
    reviews = [panel.review_from_bytes(review_raw, review_name)] if review_raw is not None else []
    a = assess.assess(content, name, (), None, None, reviews)
    assess.named_by_file(a.doc, name)
    return a


def engine_result(version: Version) -> dict:
    """The result document of the version for the dossier's own programs (no review)."""
    return _assessed(version.content, dossier_file(version), None, None).doc


def program_result(doc: dict, program: str) -> dict | None:
    return next((p for p in doc["programs"] if p["program"] == program), None)


def reviewed_result(review: Review) -> dict:
    """What `parkcert check DOSSIER --review REVIEW` says for the exported files."""
    return _assessed(review.version.content, dossier_file(review.version), export_yaml(review),
                     review_file(review.version, review.program)).doc


def review_problems(review: Review) -> list:
    """Problems `check --review` would report for this review of this version (another program, rules unknown)."""
    try:
        reviewed_result(review)
    except InputError as e:
        return e.problems
    return []


def report_date(review: Review) -> dt.date:
    """The date printed in the reviewed PDF: the chair's approval (UTC), or today for a draft."""
    return (review.approved_at or dt.datetime.now(dt.UTC)).date()


@dataclass(frozen=True)
class ReviewedReport:
    """The inputs of `parkcert report DOSSIER --review R --audit-trail T --date D --lang L`, by file name."""
    dossier: bytes
    dossier_name: str
    review: bytes
    review_name: str
    trail: bytes
    trail_name: str
    lang: str
    day: dt.date

    @property
    def etag(self) -> str:
        h = hashlib.sha256()
        for part in (self.dossier, self.review, self.trail, self.lang.encode(), self.day.isoformat().encode()):
            h.update(hashlib.sha256(part).digest())
        return h.hexdigest()[:32]


def reviewed_report(review: Review, trail: bytes, lang: str) -> ReviewedReport:
    v = review.version
    return ReviewedReport(v.content, dossier_file(v), export_yaml(review), review_file(v, review.program), trail,
                          trail_file(v), lang, report_date(review))


def render_reviewed(job: ReviewedReport):
    """Run in the server's render pool: ("ok", pdf bytes) or ("bad", problems)."""
    import dataclasses

    from .. import render
    try:
        a = _assessed(job.dossier, job.dossier_name, job.review, job.review_name)
        trail = dataclasses.replace(read_trail(job.trail, job.trail_name), file=job.trail_name)
    except InputError as e:
        return "bad", e.problems
    rv = panel.review_from_bytes(job.review, job.review_name)
    out = render.render_pdf(a.doc, a.raw, a.dossier.data, job.lang, job.day, reviews={rv.program: job.review},
                            trail=trail)
    return "ok", out.pdf
