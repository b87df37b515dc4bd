"""The check table at any terminal width: nothing cut, nothing vanished, COLUMNS honoured (issue 9.3)."""
import json
import re

import pytest
from click.testing import CliRunner
from rich.cells import cell_len

from engine.cli import main

from .conftest import EXAMPLES

WIDTHS = (60, 80, 120, 200)
CASES = {
    "failing": [EXAMPLES / "failing-donghai-2016.json"],
    "reviewed": [EXAMPLES / "failing-donghai-2016.json", "--review", EXAMPLES / "failing-donghai-2016.review.yaml"],
    "2011": [EXAMPLES / "assessed-2011-beilun.json"],
    "ctip": [EXAMPLES / "ctip-rizhao-etdz-2016.json"],
}


def _check(args, columns=None):
    env = {"COLUMNS": str(columns)} if columns else {"COLUMNS": None}
    result = CliRunner().invoke(main, ["check", *map(str, args)], env=env, catch_exceptions=False)
    return result.stdout


def _doc(args):
    result = CliRunner().invoke(main, ["check", "--format", "json", *map(str, args)], catch_exceptions=False)
    return json.loads(result.stdout)


def _tokens(text):
    return set(re.split(r"[\s│┃━╇─]+", text))


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", CASES)
def test_every_rule_keeps_its_id_title_value_requirement_and_status(case, width):
    out = _check(CASES[case], width)
    doc = _doc(CASES[case])
    too_long = [line for line in out.splitlines() if cell_len(line) > width]
    assert not too_long, f"{len(too_long)} lines wider than {width}: {too_long[:2]}"
    assert "…" not in out
    tokens = _tokens(out)
    for o in doc["programs"][0]["outcomes"]:
        assert o["rule_id"] in tokens, o["rule_id"]
        missing = [w for w in o["title"]["en"].split() if w not in tokens]
        assert not missing, (o["rule_id"], missing)     # wrapped between words, never cut inside one
        if "metric" in o["comparison"] and o["comparison"]["threshold"] is not None:
            assert f"({o['comparison']['metric']})" in tokens    # the compared value, then whose it is
    fails = sum(1 for o in doc["programs"][0]["outcomes"] if o["status"] == "fail")
    assert len(re.findall(r"\bFAIL\b", out)) == fails


def _block(out, rule_id):
    """The lines of one rule: from its id to the next line that starts with another id or is blank."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(rule_id))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(r"^[A-Z]+-[A-Z0-9.-]+ ", lines[i]) or not lines[i].strip()), len(lines))
    return " ".join(lines[start:end])


@pytest.mark.parametrize("width", WIDTHS)
def test_the_gap_stays_with_its_rule(width):
    block = _block(_check(CASES["failing"], width), "EIP-I-2.2")
    assert {"0.58", "0.08", "tce/10^4"} <= _tokens(block) and "(16.0 %" in block


def test_the_compared_value_is_shown_in_required():
    out = _check(CASES["2011"], 200)
    assert re.search(r"> 11\.9 \(gdp_growth_provincial\)", out)


def test_piped_output_honours_columns_and_is_120_without():
    assert max(map(cell_len, _check(CASES["failing"], 90).splitlines())) <= 90
    widest = max(map(cell_len, _check(CASES["failing"]).splitlines()))
    assert 100 < widest <= 120


@pytest.mark.parametrize("width", (80, 200))
def test_with_a_review_the_indicator_column_stays(width):
    out = _check(CASES["reviewed"], width)
    assert "Indicator" in out
    assert {"Industrial", "water", "reuse", "ratio", "OVERRIDDEN", "pass"} <= _tokens(_block(out, "EIP-I-2.8"))


def test_a_dossier_without_a_data_year_says_so_with_a_dash_not_none():
    """A CTIP portfolio entry (IISD (2015), Table A1) has no reported data yet: no Python 'None' in its header."""
    out = _check([EXAMPLES / "ctip-portfolio" / "01-wanzhou-etdz.json"], columns=200)
    header = out.splitlines()[0]
    assert "data year —" in header and "None" not in out
