"""Issue 9.4: a Chinese report of every example is Chinese, to the last sentence.

Every shipped example (each against every program made for its zone type, the reviewed failing example, and the
illustrative external pack's example) is rendered in zh, and no Latin word may be left outside a short
allow-list: rule ids, standard numbers, pointers, hashes, file names, program ids and the abbreviations Chinese
statistics write in Latin letters (COD, SO2, GDP ...). What the dossier itself says (a zone's English name, the
title of a source document) is the zone's own text and is not ParkCert's to translate.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import re
import urllib.parse

import pytest
import yaml

from engine import load, render
from engine.assess import assess
from engine.review import load_review

from .conftest import EXAMPLES

ABBREVIATIONS = {"COD", "SO2", "CO2", "GDP", "ISO", "ISC", "IISD", "JSON", "PDF", "SHA", "sha", "ParkCert", "parkcert",
                 "durable_rules", "verify", "sha256"}
PATHS = re.compile(r"[\w./-]+\.(?:json|pdf|yaml|xlsx|md)\b|[\w.-]+(?:/[\w.-]+)+")   # file names, folders
ALLOWED = re.compile("|".join([
    r"/[\w./~-]+",                                   # JSON pointers
    r"\b[0-9a-f]{16,64}\b", r"SHA-256",              # hashes
    r"HJ(?:/T)? \d+-\d+", r"ISO \d+", r"GB(?:/T)? [\d.]+-\d+",    # standard numbers
    r"\b[A-Z]{2,}-[A-Z0-9]{2}-[A-Z0-9]+\b",          # zone ids: CN-SD-RZETDZ
    r"(?<![A-Za-z])[A-Z]\d+\b",                       # table and row labels: 表A2
]))
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'-]*[A-Za-z0-9]")     # two characters or more: 附录A, 表A2 pass


def _dossier_strings(node) -> set[str]:
    if isinstance(node, str):
        return {node, " ".join(node.split())}
    items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return set().union(*(_dossier_strings(x) for x in items)) if items else set()


def _svg_text(uri: str) -> str:
    """The words a chart draws (its text nodes), one per line: a chart is read too."""
    head, data = uri.split(",", 1)
    svg = base64.b64decode(data).decode() if head.endswith(";base64") else urllib.parse.unquote(data)
    return "\n".join(f"<p>{t}</p>" for t in re.findall(r">([^<>]+)</text>", svg))


def english_left(page: str, dossier: dict) -> list[str]:
    """The lines of a rendered page that still hold a Latin word outside the allow-list."""
    charts = "\n".join(_svg_text(uri) for uri in re.findall(r'src="(data:image/svg\+xml[^"]*)"', page))
    text = re.sub(r"<(style|script)\b.*?</\1>", "", page + charts, flags=re.S)
    text = re.sub(r"\b(?:src|href)=\"[^\"]*\"", "", text)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", text))
    own = sorted(_dossier_strings(dossier), key=len, reverse=True)
    allowed_words = ABBREVIATIONS | set(load.pack_ids())
    rule_ids = sorted({r.id for p in load.pack_ids() for r in load.pack(p).rules}, key=len, reverse=True)
    left = []
    for line in text.splitlines():
        line = line.strip()
        rest = line
        for s in own:      # the zone's own texts, as whole words (not a program id inside a file name)
            if len(s) > 2 and s in rest:
                rest = re.sub(rf"(?<![\w/.-]){re.escape(s)}(?![\w/.-])", " ", rest)
        rest = PATHS.sub(" ", rest)
        for rule_id in rule_ids:
            rest = rest.replace(rule_id, " ")
        rest = ALLOWED.sub(" ", rest)
        words = [w for w in LATIN_WORD.findall(rest) if w not in allowed_words]
        if words:
            left.append(f"{line[:150]}  <- {' '.join(words[:6])}")
    return left


def _cases():
    for path in sorted(EXAMPLES.glob("*.json")) + sorted(EXAMPLES.glob("ctip-portfolio/*.json")):
        yield pytest.param(path, ("all",), None, id=path.stem)
    failing = EXAMPLES / "failing-donghai-2016.json"
    yield pytest.param(failing, (), EXAMPLES / "failing-donghai-2016.review.yaml", id="failing-donghai-2016-reviewed")


@pytest.mark.parametrize(("path", "programs", "review_file"), list(_cases()))
def test_every_example_reads_in_chinese(path, programs, review_file):
    reviews = [load_review(review_file)] if review_file else []
    a = assess(path.read_bytes(), str(path.relative_to(EXAMPLES.parent)), programs, reviews=reviews)
    page = render.html(a.doc, a.dossier.data, "zh", dt.date(2016, 9, 20))
    # the panel's own words (members, roles, rationales) are the review file's text, as the dossier's are its own
    left = english_left(page, [a.dossier.data] + [yaml.safe_load(r.raw) for r in reviews])
    assert not left, f"{len(left)} lines with English in the zh report of {path.name}:\n" + "\n".join(left[:40])


@pytest.mark.parametrize("path", [EXAMPLES / "packs" / "provincial-demo-zone-2016.json",
                                  EXAMPLES / "multi-program-yunxi-2016.json"], ids=lambda p: p.stem)
def test_the_illustrative_external_pack_reads_in_chinese(monkeypatch, path):
    """Its own zone, and a zone that does not declare the attribute its thresholds depend on."""
    monkeypatch.setenv("PARKCERT_RULES", str(EXAMPLES / "packs"))
    a = assess(path.read_bytes(), path.name, ("all",))
    left = english_left(render.html(a.doc, a.dossier.data, "zh", dt.date(2016, 9, 20)), a.dossier.data)
    assert not left, "\n".join(left[:40])


def test_the_allow_list_still_catches_english():
    """The check itself: an English sentence, a raw identifier and an English unit are caught."""
    page = "<p>人均工业增加值 not in the dossier</p><p>iav_per_capita</p><p>0.5 tce/10^4 RMB</p><p>EIP-I-2.2 /series/x</p>"
    assert len(english_left(page, {})) == 3


@pytest.mark.parametrize("path", [EXAMPLES / "ctip-rizhao-etdz-2016.json", EXAMPLES / "multi-program-yunxi-2016.json"],
                         ids=lambda p: p.stem)
def test_chinese_sentences_use_chinese_punctuation(path):
    """ParkCert's own punctuation after Chinese text is full-width (警告：, （见暂定参数）。, ，进展, ；投资): a
    half-width colon or semicolon after a Chinese word reads as a typo. Numbers in brackets (≤ 0.5) and the
    dossier's own text keep theirs."""
    a = assess(path.read_bytes(), str(path.relative_to(EXAMPLES.parent)), ("all",))
    page = render.html(a.doc, a.dossier.data, "zh", dt.date(2016, 9, 20))
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page, flags=re.S))))
    own = {v for d in [a.dossier.data] for v in _dossier_strings(d)}
    bad = [m.group(0) for m in re.finditer(r".{0,12}[\u4e00-\u9fff）] ?[:;,.](?!\d).{0,12}", text)
           if not any(m.group(0).strip() in s or s in m.group(0) for s in own if len(s) > 3)]
    assert not bad, bad[:10]
