"""A Chinese reader gets every rule's source and rationale in Chinese (issue 9): packs translated so far."""
import json
import re

import pytest

from engine import load, render

from .conftest import EXAMPLES

TRANSLATED = ("eip-integrated", "eip-sector", "eip-venous")
# Latin a Chinese standards text keeps: citation keys, standard numbers, chemical and statistical abbreviations
KEPT = {"IISD", "HJ", "T", "ISO", "GB", "COD", "SO", "CO", "GDP"}


@pytest.mark.parametrize("program", TRANSLATED)
def test_every_rule_gives_its_source_and_rationale_in_chinese(program):
    for r in load.pack(program).rules:
        for text in (r.source, r.rationale):
            assert text.zh, (r.id, text.en)
            english = set(re.findall(r"[A-Za-z]+", text.zh)) - KEPT - set(re.findall(r"[A-Za-z]+", r.id))
            assert not english, (r.id, english, text.zh)
            assert not re.search(r"[(),:;]", text.zh), (r.id, "half-width punctuation", text.zh)


@pytest.mark.parametrize("name", ["certifiable-xinhe-2016", "sector-specific-nanhai-2016", "venous-dongjiang-2016"])
def test_a_zh_report_quotes_the_rule_sources_in_chinese(run, name):
    path = EXAMPLES / f"{name}.json"
    code, out, _ = run("check", path, "--format", "json")
    doc = json.loads(out)
    assert {p["program"] for p in doc["programs"]} <= set(TRANSLATED)
    html = render.html(doc, json.loads(path.read_text(encoding="utf-8")), "zh")
    assert "（说明原文为英文）" not in html
    assert "IISD（2015），§3.1.3" in html and "Table 1" not in html
