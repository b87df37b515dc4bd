"""A request's inputs: the dossier's bytes (JSON body or a multipart upload), the name shown for it, the options.

The upload's name is only ever shown (and printed in the report, as `parkcert report` prints the file's name):
it is reduced to its last path part and stripped of control characters, and nothing is written under it.
Starlette spools large uploads to anonymous temporary files, closed (deleted) before the response.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from fastapi import Request

from ..assess import base_name, date_problems
from ..problems import InputError, Problem
from .errors import BadInput, is_api
from .jobs import Job

FIELD = "dossier"                 # the multipart field of the file
ZIP_MAGIC = b"PK\x03\x04"         # an .xlsx workbook is a zip archive
MAX_NAME = 120
PAYLOAD = "payload"               # the result page's copy of the dossier (engine.web.views.pack_payload)


def shown_name(filename: str | None, raw: bytes) -> str:
    """The name shown for an upload: its last path part, printable, short; a neutral name when there is none."""
    name = base_name(filename or "")
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()[:MAX_NAME]
    if not name or name in (".", ".."):
        name = "dossier.xlsx" if raw.startswith(ZIP_MAGIC) else "dossier.json"
    return name


@dataclass
class Upload:
    raw: bytes
    name: str
    programs: tuple[str, ...] = ()
    as_of: dt.date | None = None
    fields: dict = field(default_factory=dict)    # the other form fields (lang, report date, …) as text
    problems: tuple[Problem, ...] = ()            # with the options, reported together with the dossier's

    def job(self) -> Job:
        return Job(self.raw, self.name, self.programs, self.as_of, self.problems)


def _payload(fields: dict, request: Request, problems: list[Problem]) -> tuple[bytes, str]:
    """The dossier the result page carries for its buttons (language, downloads): never stored on the server."""
    from .views import unpack_payload
    try:
        return unpack_payload(fields[PAYLOAD], request.app.state.settings.max_request_bytes), fields.get("name", "")
    except InputError as e:
        problems += e.problems
        return b"", ""


def parse_date(value, where: str, problems: list[Problem], not_future: bool = False) -> dt.date | None:
    """A YYYY-MM-DD option (the assessment date is checked against today by engine.assess, with the dossier)."""
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(where, "", f"expected a date YYYY-MM-DD, found {str(value)[:40]!r}"))
        return None
    if not_future:
        problems += date_problems(day, where)
    return day


async def read_upload(request: Request, programs: list[str], as_of: str | None) -> Upload:
    """The dossier and options of an API or page request; every problem with them at once (BadInput)."""
    problems: list[Problem] = []
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fields: dict = {}
    # pages post forms; the API takes a multipart upload or the dossier as the body (curl's default
    # urlencoded type included: a JSON dossier sent with --data-binary is still a JSON dossier)
    if ctype == "multipart/form-data" or (ctype == "application/x-www-form-urlencoded" and not is_api(request)):
        limit = request.app.state.settings.max_request_bytes
        async with request.form(max_files=1, max_fields=64, max_part_size=limit) as form:
            upload = form.get(FIELD)
            programs = list(programs) + [p for p in form.getlist("program") if isinstance(p, str) and p]
            as_of = as_of or (form.get("as_of") if isinstance(form.get("as_of"), str) else None)
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            if (upload is None or isinstance(upload, str)) and fields.get(PAYLOAD):
                raw, name = _payload(fields, request, problems)
            elif upload is None or isinstance(upload, str):
                raw, name = b"", ""
                problems.append(Problem(FIELD, "", f"expected a dossier file in the form field {FIELD!r}, found none"))
            else:
                raw, name = await upload.read(), upload.filename
                if not raw:
                    problems.append(Problem(FIELD, "", "the file is empty: choose the dossier file to upload"))
    else:
        raw, name = await request.body(), None
        if not raw:
            problems.append(Problem("request", "", "expected a dossier (JSON) in the request body, found an empty body"))
    programs = [p for p in dict.fromkeys(programs) if p]
    if "all" in programs:
        programs = ["all"]
    if problems:                  # no dossier to check
        raise BadInput(problems)
    day = parse_date(as_of, "as_of", problems)   # reported with the dossier's own problems, all at once
    return Upload(raw=raw, name=shown_name(name, raw), programs=tuple(programs), as_of=day, fields=fields,
                  problems=tuple(problems))
