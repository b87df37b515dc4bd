"""What hostile dossier text does to the PDF (issue 10.10): long words break, markup stays text, nothing leaves
the page. Rendered once for the module; positions read back with `pdftotext -bbox`."""
import html
import json
import re
import subprocess

import pytest

from .conftest import EXAMPLES

LONG_NAME = "Zone" + "W" * 196
LONG_ZH = "区" * 200
LONG_WORD = "D" * 5000
PAYLOAD = "<img src='file:///etc/passwd'>[/red]"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    from click.testing import CliRunner

    from engine.cli import main
    d = json.loads((EXAMPLES / "certifiable-xinhe-2016.json").read_text(encoding="utf-8"))
    d["zone"]["name"] = {"en": LONG_NAME, "zh": LONG_ZH}
    d["zone"]["city"] = PAYLOAD
    d["series"]["energy_consumption"]["source"] = {"document": LONG_WORD, "page": 1}
    folder = tmp_path_factory.mktemp("hostile-pdf")
    src = folder / "dossier.json"
    src.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = folder / "report.pdf"
    result = CliRunner().invoke(main, ["report", str(src), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return out


def words(pdf):
    """(page, x0, y0, x1, y1, page width, page height, text) of every word pdftotext finds."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page, size = 0, (0.0, 0.0)
    for line in out.splitlines():
        m = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line)
        if m:
            page, size = page + 1, (float(m.group(1)), float(m.group(2)))
            continue
        m = re.search(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*)</word>', line)
        if m:
            yield (page, *map(float, m.groups()[:4]), *size, html.unescape(m.group(5)))


def test_no_text_lies_outside_the_page(pdf):
    found = list(words(pdf))
    assert any(LONG_NAME[:20] in w[-1] for w in found)           # the name is there, broken into lines
    assert any("DDDDDDDDDD" in w[-1] for w in found)
    outside = [(p, x0, x1, t[:30]) for p, x0, y0, x1, y1, width, height, t in found
               if x0 < 0 or y0 < 0 or x1 > width + 0.5 or y1 > height + 0.5]
    assert outside == []


def test_no_text_crosses_into_the_page_margins_sideways(pdf):
    """A4 with 17 mm side margins: body text and running headers stay between them (2 pt of tolerance)."""
    margin = 17 / 25.4 * 72
    wide = [(p, round(x0), round(x1), t[:30]) for p, x0, y0, x1, y1, width, height, t in words(pdf)
            if x0 < margin - 2 or x1 > width - margin + 2]
    assert wide == []


def test_markup_in_dossier_text_is_printed_as_text(pdf):
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "<img" in text and "[/red]" in text
