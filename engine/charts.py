"""The national picture's charts (`batch --summary-pdf`), drawn by matplotlib as PNG: thousands of bars and cells.

The PDF report's own charts are hand-written SVG (engine.svgcharts): matplotlib is imported only here.
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
from .svgcharts import COLOUR, FAMILY, GRID, INK  # noqa: E402

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


def _small_multiples(n: int, row_height: float, left: float, top: float, wspace: float, hspace: float):
    """A grid of three panels a row, `n` of them shown, the rest hidden: (figure, the n axes)."""
    cols = 3
    rows = math.ceil(n / cols)
    width, height = 6.9, row_height * rows + 0.1
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(left=left / width, right=1 - 0.1 / width, bottom=0.25 / height, top=1 - top / height,
                        wspace=wspace, hspace=hspace)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


# --- the national picture (`batch --summary-pdf`) -------------------------------------------------

def image_uri(fig, dpi: int = 170) -> str:
    """A dense chart as a PNG data: URI: thousands of bars and cells lay out several times faster than as SVG."""
    import base64
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def axis_number(v: float, lang: str) -> str:
    """A tick label short enough for a small panel: millions and billions in words (万 and 亿 in Chinese, as
    Chinese statistics write them), never an exponent; smaller numbers as the report writes them."""
    a = abs(v)
    if a < 1e6:
        return fmt.number(v, lang)
    if lang == "zh":
        scale, word = (1e8, "亿") if a >= 1e8 else (1e4, "万")
    else:
        scale, word = (1e9, " bn") if a >= 1e9 else (1e6, " M")
    return f"{v / scale:,.4g}{word}"


def distribution_charts(items: list[dict], labels: dict) -> str:
    """Small multiples: each indicator's values across dossiers, passing and failing stacked, threshold dashed.

    items: {"id", "title", "unit", "values", "statuses", "threshold"} (threshold None: it depends on the zone).
    The axis spans the 1st to 99th percentile and the threshold, so one outlier does not flatten the rest.
    """
    import numpy as np
    with _LOCK:
        _setup()
        fig, axes = _small_multiples(len(items), 1.55, left=0.45, top=0.45, wspace=0.32, hspace=0.9)
        for ax, item in zip(axes, items, strict=True):
            values = np.asarray(item["values"], dtype=float)
            lo, hi = np.percentile(values, [1, 99]) if len(values) > 20 else (values.min(), values.max())
            if item["threshold"] is not None:
                lo, hi = min(lo, item["threshold"]), max(hi, item["threshold"])
            if hi <= lo:
                lo, hi = lo - 0.5, hi + 0.5
            bins = np.linspace(lo, hi, 21)
            clipped = np.clip(values, lo, hi)
            status = np.asarray(item["statuses"])
            passing = np.histogram(clipped[status == "pass"], bins)[0]
            failing = np.histogram(clipped[status == "fail"], bins)[0]
            # one filled outline per colour, failing stacked on passing (a patch per bar is ten times slower)
            ax.stairs(passing + failing, bins, fill=True, color=COLOUR["fail"], zorder=2)
            ax.stairs(passing, bins, fill=True, color=COLOUR["pass"], zorder=3)
            if item["threshold"] is not None:
                ax.axvline(item["threshold"], color=INK, linewidth=0.9, linestyle=(0, (4, 2)), zorder=4)
            title = f"{item['id']} {item['title']}"
            title = title if len(title) <= 34 else title[:33] + "…"
            ax.set_title(f"{title}\n({item['unit'] or '—'})" + ("" if item["threshold"] is not None
                                                                  else f" · {labels['varies']}"),
                         fontsize=6.5, color=INK, loc="left")
            ax.tick_params(labelsize=6)
            # a panel is 2 inches wide: five labels like "6,000,000,000" ran into each other
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4))
            ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=4, integer=True))   # counts of dossiers
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
                lambda v, _p: axis_number(v, labels.get("lang", "en"))))
            ax.grid(axis="y", color=GRID, linewidth=0.5, zorder=0)
        return image_uri(fig)


def share_heatmap(data: dict) -> str:
    """Rules (rows) × provinces or years (columns): the share failing, as colour and as a number."""
    import numpy as np
    with _LOCK:
        _setup()
        n_rows, n_cols = len(data["rows"]), len(data["columns"])
        grid = np.array([[np.nan if v is None else v for v in row] for row in data["shares"]], dtype=float)
        width = 6.9
        height = 0.19 * n_rows + 1.0
        fig, ax = plt.subplots(figsize=(width, height))
        fig.subplots_adjust(left=0.85 / width, right=1 - 0.1 / width, bottom=0.95 / height, top=1 - 0.1 / height)
        cmap = matplotlib.colormaps["Reds"].with_extremes(bad="#eeeeee")
        ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=100, aspect="auto", interpolation="nearest")
        if n_rows * n_cols <= 600:
            for r in range(n_rows):
                for c in range(n_cols):
                    v = grid[r, c]
                    if not np.isnan(v):
                        ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=5.5,
                                color="#ffffff" if v > 60 else INK)
        ax.set_yticks(range(n_rows), data["rows"], fontsize=6.5)
        ax.set_xticks(range(n_cols), data["columns"], fontsize=6.5, rotation=60, ha="right")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        return image_uri(fig)


def nearest_chart(nearest: list[tuple[str, str, str]], labels: dict) -> str:
    """Zones per province, each bar split by the program the zone is closest to."""
    provinces = sorted({p for _, p, _ in nearest})
    programs = sorted({g for _, _, g in nearest})
    palette = ["#1f4e79", "#2e7d32", "#e65100", "#6a1b9a", "#00838f", "#9e9d24", "#5d4037", "#ad1457"]
    with _LOCK:
        _setup()
        width, height = 6.9, 0.2 * len(provinces) + 0.9
        fig, ax = plt.subplots(figsize=(width, height))
        fig.subplots_adjust(left=1.2 / width, right=1 - 0.1 / width, bottom=0.55 / height, top=1 - 0.3 / height)
        ys = list(range(len(provinces)))[::-1]
        left = [0] * len(provinces)
        for k, prog in enumerate(programs):
            counts = [sum(1 for _, p, g in nearest if p == prov and g == prog) for prov in provinces]
            ax.barh(ys, counts, left=left, height=0.7, color=palette[k % len(palette)], label=prog, zorder=2)
            left = [a + b for a, b in zip(left, counts, strict=True)]
        ax.set_yticks(ys, provinces, fontsize=6.5)
        ax.set_xlabel(labels["zones"], fontsize=7)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelsize=6.5)
        ax.grid(axis="x", color=GRID, linewidth=0.5, zorder=0)
        ax.legend(fontsize=6.5, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(programs))
        return image_uri(fig)
