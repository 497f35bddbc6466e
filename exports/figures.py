"""The report's charts, drawn with matplotlib's Agg canvas and returned as PNG bytes.

Each figure is built on its own :class:`~matplotlib.figure.Figure` with an explicit Agg
canvas, never through ``pyplot``: no global figure state, no display needed, and safe to
call from a server thread. Labels are entity names; characters the bundled font cannot
draw (Chinese names, for instance) are transliterated rather than shown as empty boxes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache

from matplotlib import font_manager, ft2font
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from unidecode import unidecode

from exports.concentration import HIGHLY_CONCENTRATED

DPI = 150
LABEL_CHARS = 42
KIND_COLORS = {
    "named": "#D62728",
    "affiliate": "#E377C2",
    "restricted": "#8C564B",
    "cut-off": "#BCBD22",
    "technology": "#FF7F0E",
    "supplier": "#1F77B4",
    "ownership": "#9467BD",
}
OTHER_KIND_COLOR = "#7F7F7F"
FIRM_COLOR, COUNTRY_COLOR, BROKER_COLOR = "#4C8EDA", "#F79767", "#569480"


@cache
def _drawable() -> frozenset[int]:
    font = ft2font.FT2Font(font_manager.findfont(font_manager.FontProperties()))
    return frozenset(font.get_charmap())


def plot_label(text: str, limit: int = LABEL_CHARS) -> str:
    """A chart label the default font can draw, shortened with an ellipsis."""
    if any(ord(ch) not in _drawable() for ch in text):
        text = unidecode(text).strip() or text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def _height(rows: float) -> float:
    return max(2.4, 0.9 + 0.34 * rows)


def _legend_below(ax: Axes, columns: int, title: str | None = None) -> None:
    """A legend under the axes (below the axis label), never over the bars."""
    height = ax.get_figure().get_figheight()  # type: ignore[union-attr]
    ax.legend(
        title=title,
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -min(0.3, 0.75 / height)),
        ncol=max(1, columns),
    )


def exposure_by_tier(counts: Mapping[tuple[int, str], int], title: str) -> bytes:
    """Horizontal stacked bars, one per tier: exposed organizations split by how they are
    exposed, each segment labelled with its count, the legend below the chart."""
    tiers = sorted({t for t, _ in counts}) or [0]
    present = {k for _, k in counts}
    kinds = [k for k in KIND_COLORS if k in present] + sorted(present - set(KIND_COLORS))
    fig = Figure(figsize=(6.8, _height(len(tiers)) + 0.6))
    ax = fig.subplots()
    labels = [f"tier {t}" for t in tiers]
    left = [0] * len(tiers)
    for kind in kinds:
        values = [counts.get((t, kind), 0) for t in tiers]
        bars = ax.barh(
            labels, values, left=left, label=kind, color=KIND_COLORS.get(kind, OTHER_KIND_COLOR)
        )
        ax.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center",
                     color="white", fontsize=8)  # fmt: skip
        left = [a + v for a, v in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("Exposed organizations (tier 0 = reached directly by the policy)")
    ax.set_title(plot_label(title, 70))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend_below(ax, len(kinds), "How they are exposed")
    return _png(fig)


def policies_overview(rows: Sequence[tuple[str, Mapping[int, int]]]) -> bytes:
    """Horizontal stacked bars: exposed organizations per policy (most first), by tier,
    each bar labelled with its total."""
    rows = sorted(rows, key=lambda r: (-sum(r[1].values()), r[0]))
    tiers = sorted({t for _, by_tier in rows for t in by_tier})
    fig = Figure(figsize=(7.6, _height(len(rows)) + 0.5))
    ax = fig.subplots()
    labels = [plot_label(name) for name, _ in rows]
    left = [0] * len(rows)
    cmap = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#EFF3FF"]
    for i, tier in enumerate(tiers):
        values = [by_tier.get(tier, 0) for _, by_tier in rows]
        ax.barh(labels, values, left=left, label=f"tier {tier}", color=cmap[min(i, len(cmap) - 1)])
        left = [a + v for a, v in zip(left, values, strict=True)]
    for y, total in enumerate(left):
        ax.text(total, y, f" {total}", va="center", fontsize=8)
    ax.set_xlim(0, max(left, default=1) * 1.12 + 1)
    ax.invert_yaxis()
    ax.set_xlabel("Exposed organizations")
    ax.set_title("Reach of each policy")
    if tiers:
        _legend_below(ax, len(tiers))
    return _png(fig)


def chokepoint_chart(rows: Sequence[tuple[str, float, float]]) -> bytes:
    """Grouped horizontal bars of the firm and country HHI per item, with the threshold.

    Rows come ranked (most concentrated first); their labels should say how many suppliers
    the index rests on."""
    fig = Figure(figsize=(7.6, _height(len(rows) * 1.4) + 0.6))
    ax = fig.subplots()
    ys = list(range(len(rows)))
    ax.barh([y - 0.2 for y in ys], [r[1] for r in rows], 0.4, label="firms", color=FIRM_COLOR)
    ax.barh(
        [y + 0.2 for y in ys], [r[2] for r in rows], 0.4, label="countries", color=COUNTRY_COLOR
    )
    ax.axvline(
        HIGHLY_CONCENTRATED,
        color="#444444",
        linestyle="--",
        linewidth=1,
        label=f"highly concentrated ({HIGHLY_CONCENTRATED:,.0f})",
    )
    ax.set_yticks(ys, [plot_label(r[0]) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 10_500)
    ax.set_xlabel("Herfindahl-Hirschman index (0-10,000)")
    ax.set_ylabel("Technology (known suppliers)")
    ax.set_title("Supplier concentration of the most concentrated technologies")
    _legend_below(ax, 3, "HHI over")
    return _png(fig)


def betweenness_chart(rows: Sequence[tuple[str, float]]) -> bytes:
    """Horizontal bars of the firms' betweenness in the supply network."""
    fig = Figure(figsize=(7.2, _height(len(rows))))
    ax = fig.subplots()
    rows = sorted(rows, key=lambda r: (-r[1], r[0]))
    bars = ax.barh([plot_label(r[0]) for r in rows], [r[1] for r in rows], color=BROKER_COLOR)
    ax.bar_label(bars, labels=[f" {r[1]:.3f}" for r in rows], fontsize=8)
    ax.set_xlim(0, max((r[1] for r in rows), default=1.0) * 1.18)
    ax.invert_yaxis()
    ax.set_xlabel("Betweenness centrality (normalised, supply network)")
    ax.set_title("Firms on the most supply routes")
    return _png(fig)


def dependency_heatmap(
    firms: Sequence[str], countries: Sequence[str], tiers: Mapping[tuple[int, int], int]
) -> bytes:
    """Firms x countries; a cell shows the supplier tier through which a firm depends on a
    country (0 = its own headquarters), darker for closer dependencies."""
    fig = Figure(figsize=(max(5.0, 1.4 + 0.55 * len(countries)), _height(len(firms))))
    ax = fig.subplots()
    max_tier = max(tiers.values(), default=0)
    grid = [
        [max_tier + 1 - tiers[(i, j)] if (i, j) in tiers else 0 for j in range(len(countries))]
        for i in range(len(firms))
    ]
    image = ax.imshow(grid, cmap="Blues", vmin=0, vmax=max_tier + 1, aspect="auto")
    for (i, j), tier in tiers.items():
        dark = grid[i][j] > (max_tier + 1) / 2
        ax.text(j, i, str(tier), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(range(len(countries)), [plot_label(c, 24) for c in countries], rotation=45,
                  ha="right")  # fmt: skip
    ax.set_yticks(range(len(firms)), [plot_label(f) for f in firms])
    ax.set_title("Countries each firm depends on (cell: supplier tier)")
    bar = fig.colorbar(image, ax=ax, ticks=[])
    bar.set_label("closer dependency →")
    return _png(fig)
