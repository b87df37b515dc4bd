"""Column widths of the report's rule tables, worked out from the text they hold, so WeasyPrint can lay them out fixed.

WeasyPrint's automatic table layout measures the narrowest width of every cell, and under overflow-wrap: anywhere
that means laying the text out again at every character: a quarter of a 14-page report's render time went
there. What the automatic layout did with that measure was simple: a column whose unbreakable text (a rule id,
a number, a threshold, a status pill) is wider than its share of the table grows to fit it, and the columns of
wrapping text give up the difference. The same is done here with the bundled font's advance widths, once per
table, from the strings the table will print.
"""
from __future__ import annotations

import functools

from .paths import REPORTS

TABLE_PT = (210 - 2 * 17) / 25.4 * 72      # A4 less the page margins of report.css, points
MM = 72 / 25.4
CELL_PAD = 2 * 1.4 * MM                     # table.grid td: padding left and right
PILL_PAD = 2 * 1.6 * MM                     # .st: padding left and right
SLACK = 1.04                                # kerning and rounding: never let a measured string wrap by a hair


@functools.cache
def _metrics(weight: str) -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    from fontTools.ttLib import TTFont
    font = TTFont(str(REPORTS / "fonts" / f"ParkCertSansSC-{weight}.otf"), lazy=True)
    return font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm


def text_pt(text: str, size: float, bold: bool = False) -> float:
    """The width of one unbroken line of text in the bundled font, in points (a missing glyph counts as 1 em)."""
    cmap, hmtx, upem = _metrics("Bold" if bold else "Regular")
    units = sum(hmtx[cmap[ord(ch)]][0] if ord(ch) in cmap else upem for ch in text)
    return units * size / upem * SLACK


def fit(shares: list[float], needs: dict[int, float], give: tuple[int, ...]) -> list[float]:
    """Shares of the table (percent) after widening the columns in `needs` (points) to their text.

    The columns in `give` (wrapping text) pay for it in proportion to their share, never below half of it.
    """
    out = list(shares)
    for i, need in needs.items():
        out[i] = max(out[i], (need + CELL_PAD) / TABLE_PT * 100)
    excess = sum(out) - 100
    if excess > 0:
        pool = sum(shares[i] for i in give)
        for i in give:
            out[i] = max(shares[i] / 2, shares[i] - excess * shares[i] / pool)
    return [round(w, 2) for w in out]


# the shares the tables were designed with (report.html.j2), and which columns hold unbreakable text
INDICATORS = [9.5, 24, 7.5, 10.5, 9, 8.5, 11.5, 19.5]
INDICATORS_REVIEWED = [9, 19, 7, 9, 8, 8, 16.5, 9.5, 14]
TARGETS = [9, 21, 14, 17, 12, 16, 11]


def _widest(texts, size: float, bold: bool = False, pill: bool = False) -> float:
    return max((text_pt(t, size, bold) + (PILL_PAD if pill else 0) for t in texts if t), default=0.0)


def _with_headers(needs: dict[int, float], headers: list[str]) -> dict[int, float]:
    """Every column at least as wide as the longest word of its header (table.grid th: 7 pt bold), so that a
    header breaks between words only: the reviewed table's 7 % threshold column printed "Threshol" over "d".
    A Chinese header has no spaces and counts whole: they are two to four characters."""
    out = dict(needs)
    for i, header in enumerate(headers):
        word = _widest(header.split(), 7, bold=True)
        if word > out.get(i, 0.0):
            out[i] = word
    return out


def indicators(rows, reviewed: bool, headers: list[str] = ()) -> list[float]:
    """Rule id (bold), value (with the warning star), threshold, the engine's status pill: as the table prints them."""
    needs = _with_headers({0: _widest([r.id for r in rows], 7.7, bold=True),
                           2: _widest([r.value + ("*" if r.o["warnings"] else "") for r in rows], 7.7),
                           4: _widest([r.requirement for r in rows], 7.7),
                           5: _widest([r.engine_label for r in rows], 7.2, bold=True, pill=True)}, headers)
    if reviewed:
        return fit(INDICATORS_REVIEWED, needs, give=(1, 3, 6, 7, 8))
    return fit(INDICATORS, needs, give=(1, 3, 6, 7))


def targets(items, headers: list[str] = ()) -> list[float]:
    """The declared-targets table: rule id, the current value, the target's state pill."""
    needs = _with_headers({0: _widest([x["row"].id for x in items], 7.7, bold=True),
                           4: _widest([x["current"] for x in items], 7.7),
                           6: _widest([x["state_label"] for x in items], 7.2, bold=True, pill=True)}, headers)
    return fit(TARGETS, needs, give=(1, 2, 3, 5))
