"""Heat maps of a parameter sweep: offered load x partitions, one row of maps per style.

Each cell is one run's number (caller p99, end-to-end p99 or error rate);
each row of cells is one load curve, its knee outlined in black and the
capacity of its slowest part marked with a dashed line. Latency maps
share one logarithmic colour scale, so the same colour is the same latency
in every map.

>>> import pandas as pd
>>> from matplotlib.figure import Figure
>>> table = pd.DataFrame([[0.01, 0.02, 0.9]], index=[1], columns=[20, 40, 80])
>>> ax = Figure().subplots()
>>> _ = heatmap(ax, table, "e2e_p99", knees={1: 80.0})
>>> [t.get_text() for t in ax.texts]
['10 ms', '20 ms', '900 ms']
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from ..experiments.sweeps import knee_table
from ..measures.knee import KNEE_FACTOR, KNEE_MAX_ERROR
from ..scenarios import STYLES
from .format import format_ms, format_value
from .kept import KeptFigure
from .layout import grid_in_inches, panel_title
from .style import INK, STYLE_LABELS

__all__ = ["METRICS", "heatmap", "heatmap_figure", "sweep_panel_figure", "sweep_panel_drawing"]

#: The metrics a heat map can show: summary column -> label.
METRICS = {"p99": "caller p99", "e2e_p99": "end-to-end p99", "error_rate": "error rate"}
RR, ED = STYLES

_LATENCY_CMAP = LinearSegmentedColormap.from_list(
    "latency", ["#f7fbf4", "#fde9a9", "#f7a35c", "#d9472b", "#7f1d1d"])
_ERROR_CMAP = LinearSegmentedColormap.from_list("errors", ["#f7fbf4", "#f4b6a6", "#c0392b", "#6d1313"])



def _format(metric: str, value: float) -> str:
    """A cell's text: an error rate as a share ('0' when none failed), a latency in ms."""
    if metric == "error_rate" and value == 0:
        return "0"
    return format_value("error_rate", value) if metric == "error_rate" else format_ms(value)


def _norm(metric: str, values) -> Normalize:
    arr = np.asarray(values, float)
    arr = arr[np.isfinite(arr)]
    if metric == "error_rate":
        return Normalize(vmin=0.0, vmax=max(0.1, float(arr.max()) if len(arr) else 0.1))
    positive = arr[arr > 0]
    lo = float(positive.min()) if len(positive) else 0.01
    hi = float(positive.max()) if len(positive) else 1.0
    # at least 50x the lowest value: a healthy cell stays pale even when nothing fell over
    return LogNorm(vmin=lo, vmax=max(hi, lo * 5 * KNEE_FACTOR))


def _nice(lo: float, hi: float, mantissas=(1, 2, 5)) -> list:
    return [m * 10.0 ** e for e in range(-4, 4) for m in mantissas if lo <= m * 10.0 ** e <= hi]


def _ticks(cb, metric: str) -> None:
    """Readable ticks on a heat map's colour bar: 5 %, 10 % ...; 20 ms, 50 ms, 100 ms ..."""
    axis = cb.ax.xaxis if cb.orientation == "horizontal" else cb.ax.yaxis
    cb.ax.tick_params(labelsize=7)
    if metric == "error_rate":
        axis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
        return
    lo, hi = cb.norm.vmin, cb.norm.vmax
    ticks = _nice(lo, hi)
    if len(ticks) > 6:
        ticks = _nice(lo, hi, (1,)) or ticks
    cb.set_ticks(ticks)
    cb.minorticks_off()
    axis.set_major_formatter(FuncFormatter(lambda v, _p: format_ms(v)))


def _cmap(metric: str):
    return _ERROR_CMAP if metric == "error_rate" else _LATENCY_CMAP


def _position(value: float, rates) -> float:
    """Where ``value`` falls on a heat map's axis of ``rates`` (cells at 0, 1, ...),
    interpolated on a log scale between neighbouring cells."""
    rates = np.asarray(rates, float)
    if len(rates) == 1:
        return 0.0
    idx = np.arange(len(rates), dtype=float)
    lr = np.log(rates)
    lv = math.log(value)
    if lv <= lr[0]:
        step = lr[1] - lr[0]
        return max(-0.5, (lv - lr[0]) / step)
    if lv >= lr[-1]:
        step = lr[-1] - lr[-2]
        return min(len(rates) - 0.5, len(rates) - 1 + (lv - lr[-1]) / step)
    return float(np.interp(lv, lr, idx))


def heatmap(ax, table: pd.DataFrame, metric: str, *, norm=None, knees: dict | None = None,
            capacities: dict | None = None, title: str | None = None, ylabel: str = "partitions",
            xlabel: str = "offered load (orders/s)", fontsize: float = 7.5):
    """Draw one heat map on ``ax``: ``table`` rows (e.g. partitions) x columns (offered loads).

    Each cell shows its value; ``knees`` (``{row: rate}``) outlines the knee
    cell of each row in black; ``capacities`` (``{row: per second}``) marks
    where each row's capacity falls on the load axis (a dashed line).
    Returns the image (for a colour bar).
    """
    values = table.to_numpy(float)
    norm = norm or _norm(metric, values)
    cmap = _cmap(metric)
    shown = np.where(np.isfinite(values), values, np.nan)
    if isinstance(norm, LogNorm):
        shown = np.clip(shown, norm.vmin, None)
    img = ax.imshow(shown, cmap=cmap, norm=norm, origin="lower", aspect="auto", interpolation="nearest")
    rates = [float(c) for c in table.columns]
    for r, row in enumerate(table.index):
        for c, rate in enumerate(table.columns):
            v = values[r, c]
            level = float(norm(max(v, norm.vmin))) if np.isfinite(v) else 0.0
            ax.text(c, r, _format(metric, v), ha="center", va="center", fontsize=fontsize,
                    color="white" if level > 0.62 else INK)
        k = (knees or {}).get(row)
        if k is not None and math.isfinite(k) and k in rates:
            c = rates.index(k)
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="black", lw=2.2, zorder=4))
        cap = (capacities or {}).get(row)
        if cap is not None and math.isfinite(cap) and cap > 0:
            x = _position(cap, rates)
            for lo, hi in ((r - 0.47, r - 0.2), (r + 0.2, r + 0.47)):   # the middle is left to the cell's text
                ax.plot([x, x], [lo, hi], color="#1f1f1f", lw=1.3, ls=(0, (2.5, 1.5)), zorder=5)
    ax.set_xticks(range(len(rates)), [f"{x:g}" for x in rates])
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xlim(-0.5, len(rates) - 0.5)
    ax.tick_params(labelsize=8, length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8.5)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8.5)
    if title:
        panel_title(ax, title)
    return img


def _tables(df: pd.DataFrame, metric: str, row: str = "partitions", rate: str = "rate") -> dict:
    """``{style: rows x rates}`` of ``metric``, averaged over seeds."""
    out = {}
    for style in STYLES:
        sel = df[df["style"] == style]
        if sel.empty:
            continue
        out[style] = sel.pivot_table(index=row, columns=rate, values=metric, aggfunc="mean").sort_index()
    return out


def _legend_handles():
    return [Rectangle((0, 0), 1, 1, fill=False, ec="black", lw=2.0, label="knee: the first load where it fell over"),
            Line2D([0], [0], color="#1f1f1f", lw=1.3, ls=(0, (2.5, 1.5)),
                   label="capacity of the slowest consumer (ED) / callee (RR)")]


def heatmap_figure(df: pd.DataFrame, metrics=tuple(METRICS), *, latency: str = "e2e_p99",
                   factor: float = KNEE_FACTOR, max_error: float = KNEE_MAX_ERROR, slowdown: float = 1.0,
                   slow_service: str = "shipping", title: str | None = None) -> Figure:
    """Heat maps of ``metrics`` over offered load x partitions: one row per style.

    ``df`` is a ``vn.sweep`` over ``style``, ``partitions`` and ``rate``.
    Every heat map of a metric shares one colour scale (latencies on a log
    scale), so the styles compare cell by cell. Each row of cells is one
    curve: its knee (:func:`vetora_nb.experiments.sweeps.knee_table`) is
    outlined and its capacity marked.
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    need = {"style", "partitions", "rate", "error_rate", latency} | set(metrics)
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a vn.sweep over style, partitions and rate)")
    k = knee_table(df, latency=latency, factor=factor, max_error=max_error, slowdown=slowdown,
                   slow_service=slow_service)
    styles = [s for s in STYLES if s in set(df["style"])]
    n_rows = df["partitions"].nunique()
    n_rates = df["rate"].nunique()
    cell_w, cell_h = 0.6, 0.42
    width = len(metrics) * (n_rates * cell_w + 1.0) + 0.6
    # Wider than a notebook's output area (about 9.7 in), the page would shrink the figure and its labels:
    # then the metrics go in rows and the styles in columns, each metric with its colour bar on the right.
    transposed = width > 9.7 and len(metrics) > 1
    if transposed:
        width = len(styles) * (n_rates * cell_w + 0.9) + 1.1
        height = len(metrics) * (n_rows * cell_h + 0.95) + 0.9
        fig = Figure(figsize=(width, height), layout="constrained")
        grid = fig.subplots(len(metrics), len(styles), squeeze=False, sharex=True)
        axes = grid.T                       # axes[style row, metric column], as below
    else:
        height = len(styles) * (n_rows * cell_h + 0.75) + 1.5
        fig = Figure(figsize=(max(7.5, width), height), layout="constrained")
        axes = fig.subplots(len(styles), len(metrics), squeeze=False, sharex=True)
    tables = {metric: _tables(df, metric) for metric in metrics}
    # one colour scale per kind: the same colour is the same latency in every latency map
    latency_values = [t.to_numpy(float).ravel() for m in metrics if m != "error_rate" for t in tables[m].values()]
    latency_norm = _norm("latency", np.concatenate(latency_values)) if latency_values else None
    for col, metric in enumerate(metrics):
        if metric == "error_rate":
            norm = _norm(metric, np.concatenate([t.to_numpy(float).ravel() for t in tables[metric].values()]))
        else:
            norm = latency_norm
        img = None
        for r, style in enumerate(styles):
            ax = axes[r, col]
            sel = k[k["style"] == style].set_index("partitions")
            img = heatmap(ax, tables[metric][style], metric, norm=norm, knees=sel["knee"].to_dict(),
                          capacities=sel["capacity"].to_dict(),
                          title=f"{STYLE_LABELS[style]} · {METRICS.get(metric, metric)}",
                          ylabel="partitions" if (r if transposed else col) == 0 else "",
                          xlabel="offered load (orders/s)" if (col == len(metrics) - 1 if transposed
                                                               else r == len(styles) - 1) else "")
        if transposed:
            cb = fig.colorbar(img, ax=list(axes[:, col]), orientation="vertical", shrink=0.9, aspect=10, pad=0.02)
        else:
            cb = fig.colorbar(img, ax=list(axes[:, col]), orientation="horizontal", shrink=0.85, aspect=30,
                              pad=0.02)
        _ticks(cb, metric)
        cb.set_label(METRICS.get(metric, metric), fontsize=8)
    fig.legend(handles=_legend_handles(), loc="outside upper right", ncols=2, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10, x=0.01, ha="left", color=INK)
    return fig


def sweep_panel_figure(results: dict, metric: str, partitions, knees: dict, capacities: dict) -> Figure:
    """The sweep panel's picture: request-response's one row of runs over
    event-driven's row per partition count, on one colour scale.

    ``results`` is ``{style: grid}`` (:func:`vetora_nb.experiments.sweeps.grid`),
    ``knees`` and ``capacities`` ``{(style, row): per second}``.
    """
    return sweep_panel_drawing(results, metric, partitions, knees, capacities).figure


def sweep_panel_drawing(results: dict, metric: str, partitions, knees: dict, capacities: dict) -> KeptFigure:
    """:func:`sweep_panel_figure` as a drawing whose axes — both heat maps and
    the colour bar's — and legend are kept from one move to the next
    (:class:`~vetora_nb.plots.kept.KeptFigure`, ``update(results, metric,
    partitions, knees, capacities)``); the layout follows the partition counts."""
    return KeptFigure(_sweep_panel_layout, _sweep_panel_content, lambda _r, _m, partitions, *_: tuple(partitions),
                      results, metric, partitions, knees, capacities)


def _sweep_panel_layout(partitions):
    n_ed = len(partitions)
    fig = Figure(figsize=(8.6, 1.5 + 0.46 * (n_ed + 1) + 1.1))
    grid = grid_in_inches(fig, 2, left=0.95, right=1.3, top=0.35, bottom=0.85, height_ratios=[1, n_ed],
                          hspace=0.55)
    ax_rr, ax_ed = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    cax = fig.add_axes([1 - 1.05 / fig.get_figwidth(), 0.85 / fig.get_figheight(), 0.14 / fig.get_figwidth(),
                        1 - 1.2 / fig.get_figheight()])
    # The legend's entries are the same for every run: drawn once, with the axes.
    fig.legend(handles=_legend_handles(), loc="lower left", bbox_to_anchor=(0.0, 0.0), ncols=2, fontsize=7.5,
               frameon=False)
    return fig, [ax_rr, ax_ed, cax]


def _sweep_panel_content(axes, results: dict, metric: str, partitions, knees: dict, capacities: dict) -> None:
    ax_rr, ax_ed, cax = axes
    partitions = list(partitions)
    tables = {s: results[s].pivot_table(index="partitions", columns="rate", values=metric, aggfunc="mean")
              for s in (RR, ED)}
    tables[ED] = tables[ED].reindex(partitions)
    norm = _norm(metric, np.concatenate([t.to_numpy(float).ravel() for t in tables.values()]))
    label = METRICS[metric]
    heatmap(ax_rr, tables[RR], metric, norm=norm, knees={"no stream": knees[(RR, "no stream")]},
            capacities={"no stream": capacities[(RR, "no stream")]}, ylabel="", xlabel="",
            title=f"RR · {label} (no stream: partitions and keys do not exist here)")
    img = heatmap(ax_ed, tables[ED], metric, norm=norm, knees={p: knees[(ED, p)] for p in partitions},
                  capacities={p: capacities[(ED, p)] for p in partitions}, title=f"ED · {label}")
    _ticks(cax.figure.colorbar(img, cax=cax), metric)
