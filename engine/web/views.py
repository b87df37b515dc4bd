"""The pages as HTML: the upload form (with every problem of a rejected upload), the result page, error pages.

The result page shows what the result document says, through the same views the PDF report uses
(engine.render.context): it never recomputes an indicator. Templates are autoescaped (dossier text is shown
as text) and carry no inline script or style, so the Content-Security-Policy can forbid both.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import zlib

import jinja2
import yaml

from .. import glossary, load
from ..paths import REPORTS
from ..problems import InputError, Problem
from .errors import problem_json

WEB = REPORTS / "web"
LANGS = ("en", "zh")


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(WEB)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@functools.cache
def labels() -> dict[str, dict[str, str]]:
    with open(WEB / "labels.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def label_set(lang: str) -> dict[str, str]:
    return {k: v[lang] for k, v in labels().items()}


def accept_language(header: str | None) -> str:
    """The browser's preferred language among ours: the highest-weighted zh* or en* entry (default en)."""
    best, best_q = "en", -1.0
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        base = tag.strip().lower().split("-")[0]
        if base in LANGS and q > best_q:
            best, best_q = base, q
    return best


def pick_lang(request, chosen: str | None = None) -> str:
    if chosen in LANGS:
        return chosen
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    return accept_language(request.headers.get("accept-language"))


# --- the dossier travels with the page, never kept on the server -------------------------------

def pack_payload(raw: bytes) -> str:
    """The dossier's bytes for the result page's download and language buttons (compressed, base64)."""
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def unpack_payload(text: str, limit: int) -> bytes:
    """The bytes back, refusing anything that is not our encoding or inflates beyond `limit` (no zip bomb)."""
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.b64decode(text.encode("ascii"), validate=True), limit)
    except (ValueError, zlib.error, UnicodeEncodeError):
        raise InputError([Problem("payload", "", "the page's copy of the dossier is damaged: upload the file again")]) \
            from None
    if inflater.unconsumed_tail or not inflater.eof:
        raise InputError([Problem("payload", "", f"the dossier is larger than {limit:,} bytes")])
    return raw


def attachment(name: str, suffix: str) -> dict:
    """A download named after the dossier (zone.json → zone.en.pdf); the ASCII fallback name is fixed."""
    from urllib.parse import quote
    stem = name.rsplit(".", 1)[0] or "dossier"
    return {"Content-Disposition": f'attachment; filename="parkcert.{suffix}"; '
                                   f"filename*=UTF-8''{quote(stem, safe='')}.{suffix}"}


# --- pages ---------------------------------------------------------------------------

@functools.cache
def _programs() -> list[dict]:
    out = []
    for pid in load.pack_ids():
        try:
            p = load.pack(pid)
        except InputError:
            continue
        out.append({"id": p.id, "title": {"en": p.title.en, "zh": p.title.zh},
                    "standard": {"en": p.standard, "zh": p.standard_zh or p.standard},
                    "rules": len(p.rules), "illustrative": bool(p.illustrative)})
    return out


def _base(lang: str) -> dict:
    return {"lang": lang, "other_lang": "zh" if lang == "en" else "en", "w": label_set(lang)}


def form_page(lang: str, form: dict | None = None, problems: list[Problem] | None = None, file_name: str = "") -> str:
    form = form or {}
    rows = problem_rows(problems or (), lang)
    return environment().get_template("index.html.j2").render(
        **_base(lang), programs=_programs(), form={"programs": list(form.get("programs") or ()),
                                                   "as_of": form.get("as_of") or ""},
        problems=rows, file_name=file_name)


def _where(p: Problem) -> str:
    parts = [p.file + (f":{p.line}" if p.line is not None else ""), p.cell or p.pointer]
    return " ".join(x for x in parts if x)


def problem_rows(problems, lang: str) -> list[dict]:
    """Each problem as a page lists it: where it is, and its message in the page's language."""
    return [dict(problem_json(p), where=_where(p), message=glossary.problem(p.message, lang)) for p in problems]


def problem_text(problems, lang: str) -> str:
    """Problems as lines of an error page, as the CLI prints them (FILE:LINE /pointer: message), the messages in the
    page's language."""
    return "\n".join(str(dataclasses.replace(p, message=glossary.problem(p.message, lang))) for p in problems)


def error_page(request, status: int, message: str, lang: str | None = None) -> str:
    lang = lang or pick_lang(request)
    w = label_set(lang)
    return environment().get_template("error.html.j2").render(
        **_base(lang), status=status, headline=w.get(f"error_{status}", w["error_title"]), message=message)


def result_page(a, lang: str, form: dict) -> str:
    """The result page of one assessment (engine.assess.Assessment), in the report's words."""
    from .. import render
    ctx = render.context(a.doc, a.dossier.data, lang, a.dossier.as_of)
    derivations = {pv["id"]: {d["row"].id: d for d in pv["derivations"]} for pv in ctx["programs"]}
    return environment().get_template("result.html.j2").render(
        **{**ctx, **_base(lang)}, derivation=derivations, form=form, payload=pack_payload(a.raw),
        sha256=a.doc["dossier"]["sha256"], file_name=a.doc["dossier"]["file"])
