"""Chinese for what a zh report prints and no pack gives in Chinese (reports/glossary.zh.yaml).

Units as Chinese statistics write them (吨标准煤/万元), rule citations, the engine's reasons and the problems of bad
input. Text the glossary does not know is returned as it is, so a new pack never breaks a report: it shows its English.
"""
from __future__ import annotations

import re
from functools import cache

from .paths import REPORTS
from .yamlfile import read


@cache
def _glossary() -> dict:
    data = read(REPORTS / "glossary.zh.yaml").data
    units = sorted(data["units"], key=lambda p: -len(p[0]))      # longest spelling first
    pattern = re.compile("|".join(rf"(?<![A-Za-z0-9_]){re.escape(en)}(?![A-Za-z0-9_])" for en, _ in units))
    return {"units": (pattern, dict(units)),
            "citations": [(re.compile(p), r) for p, r in data["citations"]],
            "reasons": [(re.compile(p), r) for p, r in data["reasons"]],
            "formulas": [(re.compile(p), r) for p, r in data.get("formulas") or ()],
            "fields": data.get("fields") or {},
            "values": [(re.compile(p), r) for p, r in data.get("values") or ()],
            "inputs": [(re.compile(p), r) for p, r in data.get("inputs") or ()],
            "problems": [(re.compile(p), r) for p, r in data.get("problems") or ()],
            "terms": [(re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(en)}(?![A-Za-z0-9_-])"), zh)
                      for en, zh in data.get("terms") or ()]}


def unit(spelling: str, lang: str) -> str:
    """'tce/10^4 RMB' -> '吨标准煤/万元' in zh; unchanged in en."""
    if lang != "zh" or not spelling:
        return spelling
    pattern, table = _glossary()["units"]
    return pattern.sub(lambda m: table[m.group(0)], spelling)


def _rewrite(text: str, rules) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def citation(text: str, lang: str) -> str:
    """A rule's clause in zh: 'HJ 274-2009 Table 1, 2.2' -> 'HJ 274-2009 表1第2.2项'."""
    return _rewrite(text, _glossary()["citations"]) if lang == "zh" and text else text


# a lowercase word that may be a catalogue name (energy_consumption, gdp); a pointer's segments are not
_WORD = re.compile(r"(?<![/A-Za-z0-9_.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![/A-Za-z0-9_-])")
_LABELLED = re.compile(r"^([a-z][a-z0-9_]*)( target)?: (.+)$", re.S)


def names(text: str, lang: str) -> str:
    """Every catalogue or field name in a text by its Chinese title (other words as they are)."""
    if lang != "zh" or not text:
        return text
    text = _rewrite(text, _glossary()["inputs"])
    return _WORD.sub(lambda m: name(m.group(0), lang), text)


def _reason(text: str, g: dict, lang: str) -> str:
    # the engine prefixes a reason with the quantity it is about ("cod_emissions: not in the dossier (…)"), and
    # joins two reasons with '; ' — but some whole forms carry a '; ' of their own, so they are tried first
    labelled = _LABELLED.match(text)
    if labelled:
        label = name(labelled.group(1), lang) + ("目标" if labelled.group(2) else "")
        return f"{label}：{_reason(labelled.group(3), g, lang)}"
    whole = _rewrite(text, g["reasons"])
    if whole == text and "; " in text:
        return "；".join(_reason(part, g, lang) for part in text.split("; "))
    return whole


def reason(text: str, lang: str, titles: dict[str, str] | None = None) -> str:
    """An engine reason (or warning, tranche condition, declared target) in zh, where the glossary knows its form;
    the catalogue names in it by their Chinese titles, its units as Chinese statistics write them."""
    if lang != "zh" or not text:
        return text
    g = _glossary()
    text = _rewrite(_reason(text, g, lang), g["terms"])
    if titles:      # names only the outcome knows (a pack's zone attribute), by their titles
        text = _WORD.sub(lambda m: titles.get(m.group(0), m.group(0)), text)
    return unit(names(text, lang), lang)


def formula(text: str, lang: str) -> str:
    """How a value was read, in zh: the glossary's readings, catalogue names by their titles."""
    if lang != "zh" or not text:
        return text
    return names(_rewrite(text, _glossary()["formulas"]), lang)


def value(text: str, lang: str) -> str:
    """A value the engine wrote as words ("3 entries") in zh; a dossier's own text is left as it is."""
    if lang != "zh" or not text:
        return text
    return _rewrite(text, _glossary()["values"])


def name(identifier: str, lang: str) -> str:
    """A dossier field, metric or quantity name as a label: its Chinese title in zh, the identifier in en."""
    if lang != "zh":
        return identifier
    from . import load
    cat = load.catalogue()
    entry = cat.metrics.get(identifier) or cat.quantities.get(identifier)
    return entry.title.zh if entry else _glossary()["fields"].get(identifier, identifier)


# what a group of a `problems:` form holds, by the group's name (without trailing digits): a message of its own,
# a catalogue unit, a catalogue name, a list of identifiers, a workbook sheet's title; other groups are the user's
# own text and are copied as they are
_PART = re.compile(r"\\(\d+)|\\g<(\w+)>")
_QUOTED = re.compile(r"""^(?:'.*'|".*")$""")


def problem(text: str, lang: str) -> str:
    """A bad-input problem's message (engine.problems.Problem.message) in zh, where the glossary knows its form.

    The message is rewritten by the first form that matches it whole (not by every form in turn, as reasons are):
    a value quoted from the user's file is never rewritten. English is returned unchanged.
    """
    if lang != "zh" or not text:
        return text
    return _problem(text, _glossary()["problems"])


def _problem(text: str, forms) -> str:
    for pattern, replacement in forms:
        m = pattern.fullmatch(text)
        if m:
            return _PART.sub(lambda t, m=m: _group(m, t.group(1) or t.group(2), forms), replacement)
    return text


def _group(m: re.Match, key: str, forms) -> str:
    key = int(key) if key.isdigit() else key
    value = m.group(key)
    if value is None:
        return ""
    kind = key.rstrip("0123456789") if isinstance(key, str) else ""
    if kind == "msg":
        return _problem(value, forms)
    if kind == "unit":
        return unit(value, "zh")
    if kind == "name":
        return name(value, "zh")
    if kind == "ids":
        return "、".join(x if _QUOTED.match(x) else f"'{x}'" for x in value.split(", "))
    if kind == "sheet":
        return _sheet_titles().get(value, value)
    return value


@cache
def _sheet_titles() -> dict[str, str]:
    """A workbook sheet's English title -> its Chinese one (the sheets of every pack)."""
    from . import load
    from .workbook import layout
    lay = layout.build(load.catalogue(), [load.pack(p) for p in load.pack_ids()])
    return {s.title.en: s.title.zh for s in lay.sheets}
