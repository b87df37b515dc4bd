"""SVG text drawn by WeasyPrint one run at a time instead of one letter at a time.

WeasyPrint 70 (weasyprint/svg/text.py) lays every <text> out whole, then again letter by letter, and draws each
letter as its own text object, so that per-letter x/y/dx/dy/rotate attributes can move them. The report's charts
(engine/svgcharts.py) never use those: each label is one string at one point. For such nodes `install()` swaps in
a drawing that lays the string out once and draws it as one run, at the same origin, with the same font, fill and
bounding box (so text-anchor shifts it the same way). measured: the six charts of a 14-page report, 1,300 letters,
cost 0.28 s of a 2.0 s warm render letter by letter and about 0.02 s a run at a time.

Glyphs in a run are placed by the font's own advances and kerning rather than each letter's advance alone: the
same text, not visibly moved at the report's sizes. Any node with per-letter positions, letter spacing, a text
length, baseline alignment or child elements is drawn by WeasyPrint's own code, unchanged.
"""
from __future__ import annotations

from math import inf

_PER_LETTER = ("dx", "dy", "rotate", "textLength", "lengthAdjust", "letter-spacing", "dominant-baseline",
               "alignment-baseline", "display-anchor", "direction")
_installed = False


def _single(value: str | None) -> bool:
    """One coordinate (or none): a list of x or y values places letters one by one."""
    return value is None or len(value.replace(",", " ").split()) == 1


def install() -> None:
    """Route WeasyPrint's SVG <text> drawing through `run_text` (once per process; idempotent)."""
    global _installed
    if _installed:
        return
    import importlib

    from weasyprint import svg

    letters = importlib.import_module("weasyprint.svg.text").text    # the package's `text` is this function

    def run_text(svg_, node, font_size):
        if (not node.text or any(k in node.attrib for k in _PER_LETTER) or next(iter(node), None) is not None
                or not _single(node.attrib.get("x")) or not _single(node.attrib.get("y"))):
            return letters(svg_, node, font_size)
        return _draw_run(svg_, node, font_size)

    # draw_node tells text nodes apart (for text-anchor) by comparing TAGS' entry with the module's `text`
    svg.TAGS["text"] = run_text
    svg.text = run_text
    _installed = True


def _draw_run(svg, node, font_size) -> None:
    """As weasyprint.svg.text.text for a node with one x and one y, no per-letter attributes, no children."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.text import Style, TextBox
    from weasyprint.svg.utils import size
    from weasyprint.text.line_break import split_first_line

    style = Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    if weight == "normal":
        weight = 400
    elif weight == "bold":
        weight = 700
    else:
        try:
            weight = int(weight)
        except ValueError:
            weight = 400
    style["font_weight"] = weight
    style["font_size"] = font_size

    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
    x = size(node.attrib["x"], font_size, svg.inner_width) if "x" in node.attrib else None
    y = size(node.attrib["y"], font_size, svg.inner_height) if "y" in node.attrib else None
    if x is not None:
        svg.cursor_d_position[0] = 0
    if y is not None:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1]
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box, ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)))

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    text_box = TextBox(layout, style)
    text_box.baseline = baseline
    emojis = draw_first_line(svg.stream, text_box, "none", "none", Matrix(a=1, d=-1, e=x_position, f=y_position))
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)
