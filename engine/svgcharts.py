"""The report's charts written as SVG by hand: the pictures matplotlib drew, with a tenth of the nodes.

matplotlib cost a 14-page report about 0.4 s of CPU to build six charts, and WeasyPrint another 0.4 s to draw
the 1,450 SVG nodes it wrote (every tick a group, a definition and a use). Here each bar, line, marker and label
is one element, placed with matplotlib's own geometry (figure inches, axes fractions, tick lengths and pads, the
"nice" tick steps of its MaxNLocator), so the report looks the same. Text stays text (selectable, searchable) in
the bundled font. No clock, no random ids: the same inputs give the same bytes.
"""
from __future__ import annotations

import math
import re

from . import fmt

FAMILY = "ParkCert Sans SC"
COLOUR = {"pass": "#2e7d32", "fail": "#c62828", "not_applicable": "#9e9e9e", "missing": "#f9a825"}
INK, GRID, ACCENT, SPINE, REFERENCE = "#222222", "#d0d4da", "#1f4e79", "#888888", "#e65100"
PT = 72.0                       # the charts are sized in inches, as matplotlib's were; SVG units are points
TICK, PAD = 3.5, 3.5            # matplotlib's tick length and label pad, points
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _n(v: float) -> str:
    """A coordinate, short and stable: two decimals, no '-0'."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _esc(text: str) -> str:
    """Dossier text (units, labels) as XML character data: escaped, characters XML cannot hold dropped."""
    text = _NOT_XML.sub("", str(text)).encode("utf-8", "replace").decode("utf-8")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Canvas:
    def __init__(self, width_in: float, height_in: float):
        self.width, self.height = width_in * PT, height_in * PT
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"/>')

    def line(self, x1, y1, x2, y2, stroke: str, width: float, dash: str = "") -> None:
        d = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}" '
                          f'stroke-width="{_n(width)}"{d}/>')

    def polyline(self, points: list[tuple[float, float]], stroke: str, width: float) -> None:
        pts = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
        self.parts.append(f'<polyline points="{pts}" fill="none" stroke="{stroke}" stroke-width="{_n(width)}" '
                          'stroke-linejoin="round"/>')

    def circle(self, x: float, y: float, r: float, fill: str) -> None:
        self.parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{fill}"/>')

    def text(self, x: float, y: float, text: str, size: float, anchor: str = "start") -> None:
        a = "" if anchor == "start" else f' text-anchor="{anchor}"'
        self.parts.append(f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"{a}>{_esc(text)}</text>')

    def svg(self) -> str:
        w, h = _n(self.width), _n(self.height)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
                f'width="{w}pt" height="{h}pt" viewBox="0 0 {w} {h}" font-family="\'{FAMILY}\'" fill="{INK}">\n'
                f'<rect width="{w}" height="{h}" fill="#ffffff"/>\n' + "\n".join(self.parts) + "\n</svg>\n")


class Axes:
    """A plot area in points (left, top, width, height) with data limits; y grows upwards, as in data."""

    def __init__(self, canvas: Canvas, left: float, top: float, width: float, height: float,
                 xlim: tuple[float, float], ylim: tuple[float, float]):
        self.c, self.left, self.top, self.width, self.height = canvas, left, top, width, height
        self.xlim, self.ylim = xlim, ylim

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def x(self, v: float) -> float:
        return self.left + (v - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * self.width

    def y(self, v: float) -> float:
        return self.bottom - (v - self.ylim[0]) / (self.ylim[1] - self.ylim[0]) * self.height

    def spines(self) -> None:
        self.c.line(self.left, self.top, self.left, self.bottom, SPINE, 0.8)
        self.c.line(self.left, self.bottom, self.left + self.width, self.bottom, SPINE, 0.8)

    def xticks(self, ticks: list[float], labels: list[str], size: float, grid: bool = False) -> None:
        for v, label in zip(ticks, labels, strict=True):
            x = self.x(v)
            if grid:
                self.c.line(x, self.top, x, self.bottom, GRID, 0.5)
            self.c.line(x, self.bottom, x, self.bottom + TICK, INK, 0.8)
            self.c.text(x, self.bottom + TICK + PAD + 0.88 * size, label, size, "middle")

    def yticks(self, ticks: list[float], labels: list[str], size: float, grid: bool = False) -> None:
        for v, label in zip(ticks, labels, strict=True):
            y = self.y(v)
            if grid:
                self.c.line(self.left, y, self.left + self.width, y, GRID, 0.5)
            self.c.line(self.left - TICK, y, self.left, y, INK, 0.8)
            self.c.text(self.left - TICK - PAD, y + 0.44 * size, label, size, "end")


def nice_ticks(lo: float, hi: float, nbins: int) -> list[float]:
    """matplotlib's MaxNLocator (steps 1, 2, 2.5, 5, 10): at most nbins intervals, the ticks inside [lo, hi]."""
    if hi <= lo:
        return [lo]
    dv = hi - lo
    mean = (hi + lo) / 2
    offset = 0.0 if abs(mean) / dv < 100 else math.copysign(10 ** math.floor(math.log10(abs(mean))), mean)
    scale = 10 ** math.floor(math.log10(dv / nbins))
    a, b = lo - offset, hi - offset
    raw = dv / nbins
    steps = [s * scale for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20)]   # matplotlib's staircase
    top = next(i for i, s in enumerate(steps) if s >= raw * (1 - 1e-10))
    ticks: list[float] = []
    for step in reversed(steps[:top + 1]):
        first = math.floor(a / step) * step
        low = math.floor((a - first) / step + 1e-10)
        high = math.ceil((b - first) / step - 1e-10)
        ticks = [first + k * step for k in range(low, high + 1)]
        if sum(1 for t in ticks if a - 1e-10 * dv <= t <= b + 1e-10 * dv) >= 2:
            break
    tol = 1e-10 * dv
    return [round(t + offset, 12) for t in ticks if lo - tol <= t + offset <= hi + tol]


def _axis_number(v: float) -> str:
    return fmt.number(0 if abs(v) < 1e-12 else v)


def category_chart(items: list[dict], labels: dict) -> str | None:
    """Each indicator's value as a percentage of its threshold; the 100 % line is the threshold.

    items: {"id", "symbol", "value", "threshold", "status", "annotation"} (annotation: the value and the
    requirement, already formatted by the caller). Items that cannot be charted are left out.
    """
    rows = [i for i in items if chartable(i["value"], i["threshold"])]
    if not rows:
        return None
    lo_clip, hi_clip = -100.0, 250.0
    ratios = [i["value"] / i["threshold"] * 100 for i in rows]
    shown = [min(max(r, lo_clip), hi_clip) for r in ratios]
    left = min(0.0, *shown)
    right = max(130.0, *shown) * 1.28 + 5
    width, height = 6.9, 0.21 * len(rows) + 0.62
    c = Canvas(width, height)
    ax = Axes(c, 0.95 * PT, 0.18 * PT, (width - 1.05) * PT, (height - 0.58) * PT,
              (left, right), (-0.6, len(rows) - 0.1))
    ticks = nice_ticks(left, right, min(9, max(1, int(ax.width // (7 * 3)))))
    ax.xticks(ticks, [("−" if t < 0 else "") + f"{abs(t):g}" for t in ticks], 7, grid=True)   # as matplotlib wrote them
    ys = list(range(len(rows)))[::-1]
    for y, i, r, s in zip(ys, rows, ratios, shown, strict=True):
        x0, x1 = ax.x(min(0.0, s)), ax.x(max(0.0, s))
        c.rect(x0, ax.y(y + 0.33), x1 - x0, ax.y(y - 0.33) - ax.y(y + 0.33), COLOUR.get(i["status"], "#9e9e9e"))
        c.text(ax.x(max(s, 100) + (right - left) * 0.012), ax.y(y) + 0.348 * 7,
               i["annotation"] + ("  »" if r != s else ""), 7)
    c.line(ax.x(100), ax.top, ax.x(100), ax.bottom, INK, 0.9, dash="3.6,1.8")
    c.text(ax.x(100), ax.y(len(rows) - 0.35) - 0.12 * 7, labels["chart_threshold"], 7, "middle")
    ax.yticks(ys, [f"{i['id']} {i['symbol']}" for i in rows], 7.5)
    ax.spines()
    c.text(ax.left + ax.width / 2, ax.bottom + 24.6, labels["chart_value_pct"], 7.5, "middle")
    return c.svg()


def chartable(value, threshold) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(threshold, (int, float))
            and not isinstance(threshold, bool) and threshold != 0)


def _series_points(series: dict) -> list[tuple[int, float]]:
    pts = []
    for year, v in series["values"].items():
        value = v["value"] if isinstance(v, dict) else v
        pts.append((int(year), float(value)))
    return sorted(pts)


def _limits(lo: float, hi: float, margin: float) -> tuple[float, float]:
    """matplotlib's autoscaling: the data range widened by `margin` of itself; a flat line by 5 % of its value."""
    if hi > lo:
        pad = (hi - lo) * margin
        return lo - pad, hi + pad
    if lo == 0:
        return -0.05, 0.05
    return lo - abs(lo) * 0.05, hi + abs(hi) * 0.05


def trend_chart(series: dict, titles: dict, reference_year: int | None, unit=lambda u: u) -> str | None:
    """Small multiples, three a row: every dossier series with two years or more, in the dossier's own units
    (written by `unit`: as Chinese statistics write them in a Chinese report)."""
    names = [n for n in series if len(series[n]["values"]) >= 2]
    if not names:
        return None
    cols, row_h = 3, 1.62
    rows = math.ceil(len(names) / cols)
    width, height = 6.9, row_h * rows + 0.1
    wspace, hspace = 0.42, 0.36 * row_h / 1.2 + 0.3
    left, right, bottom, top = 0.62, 0.1, 0.25, 0.42          # figure margins, inches
    ax_w = (width - left - right) / (cols + wspace * (cols - 1))
    ax_h = (height - top - bottom) / (rows + hspace * (rows - 1))
    c = Canvas(width, height)
    for k, name in enumerate(names):
        pts = _series_points(series[name])
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        row, col = divmod(k, cols)
        ax = Axes(c, (left + col * ax_w * (1 + wspace)) * PT, (top + row * ax_h * (1 + hspace)) * PT, ax_w * PT,
                  ax_h * PT, _limits(min(xs), max(xs), 0.08), _limits(min(ys), max(ys), 0.18))
        yt = nice_ticks(*ax.ylim, min(9, max(1, int(ax.height // (6.5 * 2)))))
        ax.yticks(yt, [_axis_number(v) for v in yt], 6.5, grid=True)
        ax.xticks(xs, [str(x) for x in xs], 6.5)
        c.polyline([(ax.x(x), ax.y(y)) for x, y in pts], ACCENT, 1.4)
        for x, y in pts:
            c.circle(ax.x(x), ax.y(y), 2.0, ACCENT)          # markersize 3 plus its 1-point edge
        if reference_year in xs:
            c.circle(ax.x(reference_year), ax.y(ys[xs.index(reference_year)]), 3.25, REFERENCE)
        ax.spines()
        c.text(ax.left, ax.top - 6 - 7.76, titles.get(name, name), 7)
        c.text(ax.left, ax.top - 6, f"({unit(series[name]['unit'])})", 7)
    return c.svg()
