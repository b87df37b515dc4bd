"""Report charts drawn by matplotlib as SVG, with stable bytes: fixed hash salt, no date, text as paths.

Charts plot values the result document and the dossier already hold; the only arithmetic is presentation
(a value shown as a percentage of its threshold, so that indicators in different units share one axis).
"""
from __future__ import annotations

import io
import math
import threading

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from . import fmt  # noqa: E402
from .paths import REPORTS  # noqa: E402

FAMILY = "ParkCert Sans SC"
COLOUR = {"pass": "#2e7d32", "fail": "#c62828", "not_applicable": "#9e9e9e", "missing": "#f9a825"}
INK, GRID, ACCENT = "#222222", "#d0d4da", "#1f4e79"
_LOCK = threading.Lock()        # pyplot's state is global
_READY = False


def _setup() -> None:
    global _READY
    if _READY:
        return
    for weight in ("Regular", "Bold"):
        font_manager.fontManager.addfont(str(REPORTS / "fonts" / f"ParkCertSansSC-{weight}.otf"))
    plt.rcParams.update({
        "font.family": FAMILY, "font.size": 8, "svg.hashsalt": "parkcert", "svg.fonttype": "none",
        "axes.edgecolor": "#888888", "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
        "axes.spines.top": False, "axes.spines.right": False, "axes.unicode_minus": True,
    })
    _READY = True


def _svg(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})   # one draw: margins are fixed
    plt.close(fig)
    return buf.getvalue().decode("utf-8")


def chartable(value, threshold) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(threshold, (int, float))
            and not isinstance(threshold, bool) and threshold != 0)


def category_chart(items: list[dict], labels: dict) -> str | None:
    """Each indicator's value as a percentage of its threshold; the 100 % line is the threshold.

    items: {"id", "symbol", "value", "threshold", "status", "annotation"} (annotation: the value and the
    requirement, already formatted by the caller). Items that cannot be charted are left out.
    """
    rows = [i for i in items if chartable(i["value"], i["threshold"])]
    if not rows:
        return None
    with _LOCK:
        _setup()
        lo_clip, hi_clip = -100.0, 250.0
        ratios = [i["value"] / i["threshold"] * 100 for i in rows]
        shown = [min(max(r, lo_clip), hi_clip) for r in ratios]
        left = min(0.0, *shown)
        right = max(130.0, *shown) * 1.28 + 5
        width, height = 6.9, 0.21 * len(rows) + 0.62
        fig, ax = plt.subplots(figsize=(width, height))
        fig.subplots_adjust(left=0.95 / width, right=1 - 0.1 / width, bottom=0.4 / height, top=1 - 0.18 / height)
        ys = list(range(len(rows)))[::-1]
        for y, i, r, s in zip(ys, rows, ratios, shown, strict=True):
            ax.barh(y, s, height=0.66, color=COLOUR.get(i["status"], "#9e9e9e"), edgecolor="none", zorder=2)
            ax.text(max(s, 100) + (right - left) * 0.012, y, i["annotation"] + ("  »" if r != s else ""),
                    va="center", ha="left", fontsize=7, color=INK, zorder=3)
        ax.axvline(100, color=INK, linewidth=0.9, linestyle=(0, (4, 2)), zorder=4)
        ax.text(100, len(rows) - 0.35, labels["chart_threshold"], ha="center", va="bottom", fontsize=7, color=INK)
        ax.set_yticks(ys, [f"{i['id']} {i['symbol']}" for i in rows], fontsize=7.5)
        ax.set_xlim(left, right)
        ax.set_ylim(-0.6, len(rows) - 0.1)
        ax.set_xlabel(labels["chart_value_pct"], fontsize=7.5)
        ax.grid(axis="x", color=GRID, linewidth=0.5, zorder=0)
        ax.tick_params(axis="x", labelsize=7)
        return _svg(fig)


def _series_points(series: dict) -> list[tuple[int, float]]:
    pts = []
    for year, v in series["values"].items():
        value = v["value"] if isinstance(v, dict) else v
        pts.append((int(year), float(value)))
    return sorted(pts)


def trend_chart(series: dict, titles: dict, reference_year: int | None) -> str | None:
    """Small multiples: every dossier series with two years or more, in the dossier's own units."""
    names = [n for n in series if len(series[n]["values"]) >= 2]
    if not names:
        return None
    with _LOCK:
        _setup()
        cols = 3
        rows = math.ceil(len(names) / cols)
        width, height = 6.9, 1.62 * rows + 0.1
        fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False)
        fig.subplots_adjust(left=0.62 / width, right=1 - 0.1 / width, bottom=0.25 / height, top=1 - 0.42 / height,
                            wspace=0.42, hspace=0.36 * 1.62 / 1.2 + 0.3)
        for i, name in enumerate(names):
            ax = axes[i // cols][i % cols]
            pts = _series_points(series[name])
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            ax.plot(xs, ys, color=ACCENT, linewidth=1.4, marker="o", markersize=3, zorder=3)
            if reference_year in xs:
                ax.plot([reference_year], [ys[xs.index(reference_year)]], marker="o", markersize=5.5,
                        color="#e65100", zorder=4)
            title = titles.get(name, name)
            unit = series[name]["unit"]
            ax.set_title(f"{title}\n({unit})", fontsize=7, color=INK, loc="left")
            ax.set_xticks(xs, [str(x) for x in xs], fontsize=6.5)
            ax.tick_params(axis="y", labelsize=6.5)
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: fmt.number(v)))
            ax.grid(axis="y", color=GRID, linewidth=0.5, zorder=0)
            ax.margins(x=0.08, y=0.18)
        for j in range(len(names), rows * cols):
            axes[j // cols][j % cols].set_visible(False)
        return _svg(fig)
