"""Numbers people read: never in scientific notation; a value and its gap rounded alike (issue 9.5)."""
import json
import re

import pytest
from pypdf import PdfReader

from engine import fmt

from .conftest import EXAMPLES

EXPONENT = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize("v", [7.2e-5, 1.01e-5, 5.73e-8, 0.000888, 1e-12, -3.3e-6, 12.00191323, 1.5e16])
def test_no_number_is_written_with_an_exponent(v):
    text = fmt.number(v)
    assert not EXPONENT.search(text), text
    assert float(text.replace(",", "")) == pytest.approx(v, rel=5e-3)


def test_value_and_gap_share_their_decimals_so_the_difference_reads_right():
    o = {"value": 12.00191323, "gap": 2.99808677, "status": "fail"}
    value, gap = fmt.value_and_gap(o)
    assert (value, gap) == ("12.002", "2.998")
    assert 15 - float(value) == pytest.approx(float(gap))
    value, gap = fmt.value_and_gap({"value": 14.998, "gap": 0.002, "status": "fail"})
    assert (value, gap) == ("14.998", "0.002")          # never "15" failing "≥ 15" by 0.002


def test_beilun_reads_as_arithmetic(run):
    code, out, _ = run("check", EXAMPLES / "assessed-2011-beilun.json")
    row = next(line for line in out.splitlines() if line.startswith("EIP-I-1.2"))
    assert "12.002" in row and "2.998 pt" in row


def test_ctip_intensities_are_per_10_4_rmb_and_plain(run):
    code, out, _ = run("check", EXAMPLES / "ctip-rizhao-etdz-2016.json")
    assert not EXPONENT.search(out)
    row = next(line for line in out.splitlines() if line.startswith("CTIP-2.1"))
    assert "0.72" in row and "tce/10^4 RMB" in row and "0.75" in row
    _, raw, _ = run("check", "--format", "json", EXAMPLES / "ctip-rizhao-etdz-2016.json")
    o = next(o for o in json.loads(raw)["programs"][0]["outcomes"] if o["rule_id"] == "CTIP-2.1")
    assert o["unit"] == "tce/10^4 RMB" and o["value"] == pytest.approx(0.72)


def test_every_example_text_is_free_of_exponents(run):
    for path in sorted(EXAMPLES.glob("*.json")):
        _, out, _ = run("check", path)
        assert not EXPONENT.search(out), path.name


def test_the_ctip_pdf_is_free_of_exponents(run, tmp_path):
    for lang in ("en", "zh"):
        pdf = tmp_path / f"ctip.{lang}.pdf"
        code, _, err = run("report", EXAMPLES / "ctip-rizhao-etdz-2016.json", "--lang", lang, "-o", pdf)
        assert code == 0, err
        text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
        hits = [m.group(0) for m in re.finditer(r"\S*\d[eE][+-]?\d\S*", text)
                if not re.fullmatch(r"[0-9a-f]+", m.group(0))]   # hashes are hex, not numbers
        assert not hits, hits[:5]
