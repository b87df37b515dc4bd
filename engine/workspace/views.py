"""The workspace's pages: Jinja templates under reports/workspace/ on the web pre-check's base layout
(reports/web/base.html.j2), autoescaped (dossier and review text print as text), no inline script or style."""
from __future__ import annotations

import functools
import json

import jinja2
import yaml

from .. import glossary, render
from ..paths import REPORTS
from ..web import views as web_views

PAGES = REPORTS / "workspace"


@functools.cache
def environment() -> jinja2.Environment:
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(PAGES)), jinja2.FileSystemLoader(str(web_views.WEB))])
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


@functools.cache
def labels() -> dict[str, dict[str, str]]:
    with open(PAGES / "labels.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def label_set(lang: str) -> dict[str, str]:
    return {k: v[lang] for k, v in labels().items()}


def number(v, lang: str) -> str:
    if v is None:
        return "—"
    return render.value_text(v, lang)


def unit_text(u: str | None, lang: str = "en") -> str:
    return "" if u in (None, "1", "bool") else render.unit_text(u, lang)


def outcome_row(o: dict, lang: str) -> dict:
    """One outcome as a table row: value, threshold and gap in the rule's unit, as the report writes them."""
    unit = unit_text(o.get("unit"), lang)
    c = o["comparison"]
    threshold = f"{c['symbol']} {number(c['threshold'], lang)}" if c.get("threshold") is not None else "—"
    return {"id": o["rule_id"], "title": o["title"][lang], "status": o["status"],
            "engine_status": o.get("engine_status") or o["status"], "value": number(o["value"], lang), "unit": unit,
            "threshold": threshold,
            # a gap is shown where there is one to close; a negative gap is headroom, not news
            "gap": number(o["gap"], lang) if (o.get("gap") or 0) > 0 else "",
            "clause": glossary.citation(o.get("clause") or "", lang), "review": o.get("review")}


def change_text(text: str | None, limit: int = 400) -> str:
    """An audit entry's before/after for the page: compact JSON, cut short."""
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return text[:limit]
    out = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return out if len(out) <= limit else out[:limit - 1] + "…"


def page(request, name: str, lang: str, user=None, csrf: str | None = None, status: int = 200, **ctx):
    from fastapi.responses import HTMLResponse
    w = web_views.label_set(lang)
    html = environment().get_template(name).render(
        lang=lang, other_lang="zh" if lang == "en" else "en", w=w, ws=label_set(lang), user=user, csrf=csrf,
        path=request.url.path, **ctx)
    return HTMLResponse(html, status_code=status)
