"""Figures of a run: pictures you would rather look at than read a table.

Every function here takes what :func:`vetora_nb.simulate` measured (or an
:class:`~vetora_nb.Architecture`) and returns a ``matplotlib.figure.Figure``.
Nothing is simulated here; nothing is estimated. A plot only shows numbers
that are already in a :class:`~vetora_nb.Result`.

Two habits hold across the package, so that a reader learns them once:

- **One colour per style.** Request-response is always blue and event-driven
  always orange (:data:`STYLE_COLORS`). A run whose name is not a style gets
  a colour from :data:`PALETTE`.
- **Faults are red.** A fault window is a light red band on every time axis,
  and a faulted node in an architecture drawing has a red outline.

The figures are built with ``matplotlib.figure.Figure()`` rather than
``pyplot``: pyplot keeps every figure it made in a global registry until it
is closed, which is how a slider moved 200 times ends up holding 200 figures.
A plain ``Figure`` is garbage like any other object once nobody refers to it.
In a notebook, a ``Figure`` left as the last expression of a cell shows as a
PNG (this module teaches IPython how, even when pyplot was never imported).

Each function also accepts ``ax=`` (one ``Axes``, or a list of them for the
multi-panel plots) to draw into a figure you laid out yourself; it then
returns that figure.

>>> import vetora_nb as vn
>>> from vetora_nb import plots
>>> runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(50),
...                        duration=5, seed=1) for s in vn.scenarios.STYLES}
>>> fig = plots.latency(runs)          # caller and end-to-end CDFs side by side
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Mapping, Sequence

import matplotlib.colors as mcolors
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure, FigureBase
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .faults import BrokerOutage, ErrorRate, NetworkPartition, Outage, Slowdown

__all__ = [
    "STYLE_COLORS", "STYLE_LABELS", "STYLE_NAMES", "PALETTE", "FAULT_COLOR", "GOOD_COLOR", "INK", "GREY",
    "METRIC_LABELS", "architecture", "latency", "timeseries", "waterfall", "scorecard",
    "color_for", "style_label", "shade", "fault_label", "format_value", "format_ms", "figure_png",
    "tidy", "panel_title", "figure_and_axes", "grid_in_inches", "stacked_axes",
]

# ---------------------------------------------------------------------------
# The look
# ---------------------------------------------------------------------------

#: The colour of each style, everywhere in the package.
STYLE_COLORS = {
    "request_response": "#2f6db5",   # blue
    "event_driven": "#e07a1f",       # orange
}
#: Short names used in legends and status lines.
STYLE_LABELS = {"request_response": "RR", "event_driven": "ED"}
#: The styles' names in words, for titles and the notebooks' legends.
STYLE_NAMES = {"request_response": "request-response", "event_driven": "event-driven"}
#: Colours for runs that are not one of the two styles (or a second run of one).
PALETTE = ("#2a9d8f", "#8e5ea2", "#6b8e23", "#c9a227", "#d1495b", "#17becf", "#7f7f7f", "#8c564b")
FAULT_COLOR = "#c0392b"
GOOD_COLOR = "#d8f0d2"
NEUTRAL_COLOR = "#7a8794"
#: Text and reference lines (theory, predictions).
INK = "#2b2b2b"
#: Secondary reference lines and their captions (capacities, limits).
GREY = "#8a8a8a"

#: What each time-series metric means, as a panel title.
METRIC_LABELS = {
    "throughput": "successful requests per second",
    "errors": "failed requests per second",
    "arrivals": "arriving requests per second",
    "consumer_lag": "consumer lag: events not yet processed",
    "partition_lag": "lag per partition (events)",
    "dlq_depth": "dead-lettered events",
    "queue_depth": "requests waiting for a worker",
    "busy_workers": "busy workers",
    "busy_instances": "busy consumer instances",
    "in_flight": "requests in flight",
    "breaker_state": "circuit breaker",
}
#: Rates are binned counts; they are smoothed over ``smooth`` seconds.
RATE_METRICS = ("throughput", "errors", "arrivals")

_ALIASES = {"rr": "request_response", "request-response": "request_response",
            "ed": "event_driven", "event-driven": "event_driven"}


def _style_of(name) -> str | None:
    """The style a run name refers to, if any ('rr', 'event_driven (outage)' ...)."""
    text = str(name).strip().lower()
    if text in _ALIASES:
        return _ALIASES[text]
    text = text.replace("-", "_").replace(" ", "_")
    for style in STYLE_COLORS:
        if text.startswith(style):
            return style
    for short, style in (("rr", "request_response"), ("ed", "event_driven")):
        if text.startswith(short + "_") or text.startswith(short + ":"):
            return style
    return None


def color_for(name, index: int = 0) -> str:
    """The colour of a run called ``name``: its style's colour, else a palette colour."""
    style = _style_of(name)
    return STYLE_COLORS[style] if style else PALETTE[index % len(PALETTE)]


def _assign_colors(names, hints=None) -> dict:
    """A distinct colour per run: the style colour for the first run of each
    style, palette colours for everything else."""
    hints = hints or {}
    used, out, spare = set(), {}, 0
    for name in names:
        style = _style_of(name) or _style_of(hints.get(name, ""))
        if style and style not in used:
            used.add(style)
            out[name] = STYLE_COLORS[style]
        else:
            out[name] = PALETTE[spare % len(PALETTE)]
            spare += 1
    return out


def shade(color, amount: float) -> str:
    """``color`` mixed towards white (amount > 0) or black (amount < 0)."""
    rgb = np.array(mcolors.to_rgb(color))
    target = np.ones(3) if amount > 0 else np.zeros(3)
    return mcolors.to_hex(rgb + (target - rgb) * abs(amount))


def _label(name) -> str:
    """A run's name in a legend: 'RR' and 'ED' for the two styles."""
    return STYLE_LABELS.get(name, str(name))


def style_label(style) -> str:
    """A style in words: 'request-response', 'event-driven'; any other name as it is."""
    return STYLE_NAMES.get(style, str(style))


def format_ms(seconds: float) -> str:
    """A latency for people: 0.42 ms, 4.2 ms, 42 ms, 1.4 s."""
    if seconds is None or not np.isfinite(seconds):
        return "—"
    ms = seconds * 1000
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds:.0f} s"


def fault_label(fault) -> str:
    """A fault in a few words: 'shipping down', 'inventory ×10 slower', ..."""
    if isinstance(fault, Outage):
        return f"{fault.node} down"
    if isinstance(fault, Slowdown):
        return f"{fault.node} ×{fault.factor:g} slower"
    if isinstance(fault, ErrorRate):
        return f"{fault.node} {fault.rate:.0%} errors"
    if isinstance(fault, NetworkPartition):
        return f"{fault.a}–{fault.b} cut"
    if isinstance(fault, BrokerOutage):
        return f"{fault.stream} down" if fault.stream else "broker down"
    return type(fault).__name__


def _window(fault) -> str:
    return f"{fault.start:g}–{fault.end:g} s"


def figure_png(fig: Figure, dpi: float = 100, tight: bool = False) -> bytes:
    """The figure as PNG bytes (what a notebook shows). ``tight`` trims the
    white margins, at the cost of measuring the figure once more."""
    buf = io.BytesIO()
    # Light compression: a panel redraws on every slider move, and zlib's
    # default level costs several times more than it saves on a local link.
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", bbox_inches="tight" if tight else None,
                pad_inches=0.08, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _register_ipython_png() -> None:
    """Let IPython show a bare ``Figure`` as a PNG.

    pyplot's inline backend does this when pyplot is imported; this package
    never imports pyplot, so without this a figure would print as
    ``<Figure size 640x480 with 1 Axes>``.
    """
    if "IPython" not in sys.modules:
        return
    try:
        ip = sys.modules["IPython"].get_ipython()
    except Exception:   # pragma: no cover - an IPython too old or half-imported
        return
    if ip is None:
        return
    formatter = ip.display_formatter.formatters.get("image/png")
    if formatter is not None:
        formatter.for_type(Figure, lambda fig: figure_png(fig, tight=True))


_register_ipython_png()


def _axes_for(ax, n: int, *, figsize, sharex=False, sharey=False, vertical=True, **grid):
    """Either the axes the caller passed (checked) or a new figure's axes."""
    if isinstance(ax, FigureBase):        # a (sub)figure to lay the panels out in
        axes = ax.subplots(*((n, 1) if vertical else (1, n)), sharex=sharex, sharey=sharey,
                           squeeze=False, **grid)
        return ax, list(axes.ravel())
    if ax is not None:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        axes = list(np.ravel(axes))
        if len(axes) != n:
            raise ValueError(f"ax: this plot needs {n} axes, got {len(axes)}")
        return axes[0].figure, axes
    fig = Figure(figsize=figsize, layout="constrained")
    rows, cols = (n, 1) if vertical else (1, n)
    axes = fig.subplots(rows, cols, sharex=sharex, sharey=sharey, squeeze=False, **grid)
    return fig, list(axes.ravel())


def _runs(results) -> dict:
    """``{name: Result}`` from a Result, a list of them or a mapping."""
    from .results import Result

    if isinstance(results, Result):
        return {results.architecture.name: results}
    if isinstance(results, Mapping):
        runs = dict(results)
    elif isinstance(results, Sequence) and not isinstance(results, str):
        runs = {}
        for r in results:
            if not isinstance(r, Result):
                raise TypeError(f"results must hold vn.Result objects, got {type(r).__name__}")
            name, k = r.architecture.name, 2
            while name in runs:
                name, k = f"{r.architecture.name} ({k})", k + 1
            runs[name] = r
    else:
        raise TypeError(f"results must be a vn.Result, a list of them or a dict name -> Result, got {results!r}")
    for name, r in runs.items():
        if not isinstance(r, Result):
            raise TypeError(f"results[{name!r}] must be a vn.Result, got {type(r).__name__}")
    return runs


def _note(ax, text: str) -> None:
    """An empty panel that says why it is empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=9, color=NEUTRAL_COLOR, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#dddddd")


def tidy(ax) -> None:
    """The package's axes: no top or right spine, small ticks, a light grid behind the data."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(True, color="#eeeeee", linewidth=0.8)
    ax.set_axisbelow(True)


def panel_title(ax, text: str, size: float = 9) -> None:
    """A left-aligned panel title at a fixed height (no layout pass needed to place it)."""
    ax.set_title(text, fontsize=size, loc="left", color=INK, y=1.0, pad=4)


def figure_and_axes(ax, figsize):
    """``(figure, axes)``: ``ax`` and its figure, or a new figure of ``figsize``
    (laid out by matplotlib) with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def grid_in_inches(fig, rows: int = 1, cols: int = 1, *, left: float, right: float, top: float,
                   bottom: float, **grid):
    """A grid of ``rows`` x ``cols`` on ``fig``, its margins fixed in inches
    from each edge of the figure.

    The picture a layout engine would find for a figure that is always drawn
    the same way, without the measuring pass it costs on every redraw (which
    a slider feels). ``grid`` goes to ``fig.add_gridspec`` (``hspace``,
    ``height_ratios`` ...).
    """
    width, height = fig.get_size_inches()
    return fig.add_gridspec(rows, cols, left=left / width, right=1 - right / width, top=1 - top / height,
                            bottom=bottom / height, **grid)


def stacked_axes(fig, grid) -> list:
    """The axes of a one-column ``grid``, top to bottom, on one shared x axis
    labelled at the bottom only."""
    first = fig.add_subplot(grid[0])
    axes = [first] + [fig.add_subplot(grid[i], sharex=first) for i in range(1, grid.nrows)]
    for a in axes[:-1]:
        a.tick_params(labelbottom=False)
    return axes


# ---------------------------------------------------------------------------
# Architecture
# ---------------------------------------------------------------------------

def _layers(graph: nx.DiGraph, entry) -> dict:
    """Column of each node: the longest path from a source (the entry first),
    so every edge points to the right. Falls back to breadth-first distance
    from the entry if the graph has a cycle."""
    try:
        order = list(nx.topological_sort(graph))
    except nx.NetworkXUnfeasible:
        dist = nx.single_source_shortest_path_length(graph, entry) if entry in graph else {}
        top = max(dist.values(), default=-1)
        return {n: dist.get(n, top + 1) for n in graph}
    layer = {}
    for n in order:
        preds = [layer[p] + 1 for p in graph.predecessors(n)]
        layer[n] = max(preds, default=0)
    return layer


def _positions(graph, entry, x_gap=None, y_gap=None) -> dict:
    x_gap = _X_GAP if x_gap is None else x_gap
    y_gap = _Y_GAP if y_gap is None else y_gap
    layer = _layers(graph, entry)
    columns: dict[int, list] = {}
    for n in graph:                         # insertion order: the order nodes were added
        columns.setdefault(layer[n], []).append(n)
    pos = {}
    for col in sorted(columns):
        nodes = columns[col]
        if col > 0:                         # one barycentre pass keeps edges from crossing
            def bary(n):
                ys = [pos[p][1] for p in graph.predecessors(n) if p in pos]
                return -np.mean(ys) if ys else 0.0
            nodes = sorted(nodes, key=bary)
        k = len(nodes)
        for i, n in enumerate(nodes):
            pos[n] = (col * x_gap, ((k - 1) / 2 - i) * y_gap)
    return pos


def _box_edge(center, half, toward) -> tuple[float, float]:
    """Where the segment from ``center`` toward ``toward`` leaves a box."""
    (x, y), (w, h) = center, half
    dx, dy = toward[0] - x, toward[1] - y
    if dx == 0 and dy == 0:
        return x, y
    t = min(w / abs(dx) if dx else math.inf, h / abs(dy) if dy else math.inf)
    return x + dx * t, y + dy * t


def _node_faults(arch, faults) -> tuple[dict, list]:
    """Faults per node, and the network cuts as (a, b, fault)."""
    per_node, cuts = {}, []
    for f in faults or ():
        if isinstance(f, NetworkPartition):
            cuts.append((f.a, f.b, f))
        elif isinstance(f, BrokerOutage):
            for s in ([f.stream] if f.stream else arch.streams):
                per_node.setdefault(s, []).append(f)
        else:
            node = getattr(f, "node", None)
            if node is not None:
                per_node.setdefault(node, []).append(f)
    return per_node, cuts


def _describe_fault(f) -> str:
    if isinstance(f, Outage) or isinstance(f, BrokerOutage):
        what = "down"
    elif isinstance(f, Slowdown):
        what = f"×{f.factor:g} slower"
    elif isinstance(f, ErrorRate):
        what = f"{f.rate:.0%} errors"
    else:
        what = type(f).__name__
    return f"{what} {_window(f)}"


def architecture(arch, faults=(), ax=None, *, title=None, legend=True) -> Figure:
    """Draw an architecture as the graph it is, left to right from the entry.

    Columns follow the flow of work: the entry service on the left, what it
    calls or publishes to in the next column, and so on. Services are rounded
    boxes (with their workers and mean service time); streams are wide bars
    cut into their partitions, like the log they are. The entry is shaded and
    gets an arrow from "clients".

    Edges say *how* work moves, which is the whole comparison:
    a **solid blue** arrow is a synchronous call (the caller waits for the
    answer), a **dashed orange** arrow is publish/subscribe (nobody waits).

    ``faults`` (the same list you pass to ``simulate``) are drawn in red: a
    red outline and a caption under a faulted node, a red cross on a cut
    link. ``arch`` can also be a mapping ``{name: Architecture}`` to draw
    several side by side; ``faults`` then applies to each, or is a mapping
    ``{name: faults}`` of its own.
    """
    from .architecture import Architecture

    if isinstance(arch, Mapping):
        archs = dict(arch)
        for name, a in archs.items():
            if not isinstance(a, Architecture):
                raise TypeError(f"arch[{name!r}] must be a vn.Architecture, got {type(a).__name__}")
        extents = [_extent(a) for a in archs.values()] or [(1.0, 1.0)]
        widths = [w for w, _ in extents]
        fig, axes = _axes_for(ax, len(archs), vertical=False,
                              figsize=(min(14.0, sum(widths) / _UNITS_PER_INCH + 0.3 * len(archs)),
                                       max(h for _, h in extents) / _UNITS_PER_INCH + 1.0),
                              gridspec_kw={"width_ratios": widths})
        for axis, (name, a) in zip(axes, archs.items()):
            own = faults.get(name, ()) if isinstance(faults, Mapping) else faults
            architecture(a, own, ax=axis, title=name, legend=False)
        if legend:
            engine = fig.get_layout_engine() if isinstance(fig, Figure) else None
            where = "outside lower center" if type(engine).__name__ == "ConstrainedLayoutEngine" else "lower center"
            fig.legend(handles=_arch_legend(), loc=where, ncol=5, fontsize=8, frameon=False)
        return fig
    if not isinstance(arch, Architecture):
        raise TypeError(f"arch must be a vn.Architecture (or a dict of them), got {type(arch).__name__}")

    graph = arch.graph
    width, height = _extent(arch)
    fig, (ax,) = _axes_for(ax, 1, figsize=(max(5.2 if legend else 2.5, width / _UNITS_PER_INCH + 0.3),
                                           height / _UNITS_PER_INCH + 1.2))
    ax.set_axis_off()
    ax.set_title(title if title is not None else arch.name, fontsize=11, color=INK, loc="left", y=1.0)
    if graph.number_of_nodes() == 0:
        _note(ax, "empty architecture")
        return fig

    pos = _positions(graph, arch.entry)
    per_node, cuts = _node_faults(arch, faults)
    half = {}
    for n, kind in graph.nodes(data="kind"):
        half[n] = (1.05, 0.31) if kind == "stream" else (0.95, 0.34)

    # edges first, so boxes sit on top of them
    for a, b, kind in graph.edges(data="kind"):
        _draw_edge(ax, pos[a], pos[b], half[a], half[b], kind)
    for a, b, f in cuts:
        if a in pos and b in pos:
            _draw_cut(ax, graph, pos, half, a, b, f)

    for n, attrs in graph.nodes(data=True):
        _draw_node(ax, n, attrs, pos[n], half[n], entry=(n == arch.entry), faults=per_node.get(n, ()))

    if arch.entry in pos:
        x, y = pos[arch.entry]
        w = half[arch.entry][0]
        ax.add_patch(FancyArrowPatch((x - w - 0.95, y), (x - w - 0.02, y), arrowstyle="-|>",
                                     mutation_scale=12, color=INK, lw=1.3))
        ax.text(x - w - 0.98, y + 0.09, "clients", ha="left", va="bottom", fontsize=8, color=INK)

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 2.2, max(xs) + 1.3)
    ax.set_ylim(min(ys) - 0.95, max(ys) + 0.6)
    ax.set_aspect("equal", adjustable="box")
    if legend:
        ax.legend(handles=_arch_legend(), loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=3, fontsize=7.5, frameon=False)
    return fig


_X_GAP, _Y_GAP = 3.0, 1.25     # data units between columns and between rows
_UNITS_PER_INCH = 1.45          # drawing scale: boxes big enough for their labels


def _extent(arch) -> tuple[float, float]:
    """Width and height of the drawing in data units (see the limits set in architecture())."""
    layer = _layers(arch.graph, arch.entry)
    cols = max(layer.values(), default=0) + 1
    return _X_GAP * (cols - 1) + 3.5, _Y_GAP * (_column_height(arch) - 1) + 1.55


def _column_height(arch) -> int:
    layer = _layers(arch.graph, arch.entry)
    counts = pd.Series(list(layer.values())).value_counts() if layer else pd.Series([1])
    return int(counts.max())


def _arch_legend():
    return [
        Line2D([], [], color=STYLE_COLORS["request_response"], lw=1.6,
               label="synchronous call (caller waits)"),
        Line2D([], [], color=STYLE_COLORS["event_driven"], lw=1.6, ls=(0, (4, 2.5)),
               label="publish / subscribe (no waiting)"),
        Patch(facecolor="white", edgecolor=INK, label="service"),
        Patch(facecolor="#fdf1e4", edgecolor=STYLE_COLORS["event_driven"], label="stream (partitioned log)"),
        Patch(facecolor="white", edgecolor=FAULT_COLOR, linewidth=2, label="fault injected"),
    ]


def _draw_edge(ax, pa, pb, ha, hb, kind) -> None:
    start = _box_edge(pa, ha, pb)
    end = _box_edge(pb, hb, pa)
    if kind == "call":
        color, ls = STYLE_COLORS["request_response"], "-"
    else:
        color, ls = STYLE_COLORS["event_driven"], (0, (4, 2.5))
    # The shaft is a plain line (dashed if async); the head is drawn solid on top,
    # because a dashed FancyArrowPatch also dashes its arrow head.
    ax.plot([start[0], end[0]], [start[1], end[1]], color=color, lw=1.5, ls=ls,
            solid_capstyle="butt", zorder=1)
    d = np.subtract(end, start)
    length = float(np.hypot(*d)) or 1.0
    tail = np.subtract(end, d / length * 0.25)
    ax.add_patch(FancyArrowPatch(tuple(tail), end, arrowstyle="-|>", mutation_scale=13,
                                 color=color, lw=0, zorder=2))


def _draw_cut(ax, graph, pos, half, a, b, fault) -> None:
    pa, pb = pos[a], pos[b]
    linked = graph.has_edge(a, b) or graph.has_edge(b, a)
    if not linked:   # the two are not talking directly in this architecture: show the cut link anyway
        s, e = _box_edge(pa, half[a], pb), _box_edge(pb, half[b], pa)
        ax.plot([s[0], e[0]], [s[1], e[1]], color=FAULT_COLOR, lw=1.0, ls=":", zorder=1)
    mx, my = (pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2
    ax.plot([mx], [my], marker="X", ms=11, color=FAULT_COLOR, mec="white", mew=1.2, zorder=4)
    ax.text(mx, my + 0.16, f"cut {_window(fault)}", ha="center", va="bottom", fontsize=7.5,
            color=FAULT_COLOR, zorder=4,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))


def _draw_node(ax, name, attrs, center, half, *, entry, faults) -> None:
    x, y = center
    w, h = half
    faulted = bool(faults)
    edge = FAULT_COLOR if faulted else INK
    lw = 2.2 if faulted else (1.6 if entry else 1.0)
    if attrs.get("kind") == "stream":
        face = "#fdf1e4"
        ax.add_patch(FancyBboxPatch((x - w, y - h), 2 * w, 2 * h, boxstyle="round,pad=0,rounding_size=0.06",
                                    fc=face, ec=edge if faulted else STYLE_COLORS["event_driven"], lw=lw, zorder=3))
        parts = int(attrs.get("partitions", 1) or 1)
        strip_h = 0.11
        cell = (2 * w - 0.12) / parts
        for p in range(min(parts, 64)):
            ax.add_patch(Rectangle((x - w + 0.06 + p * cell, y - h + 0.04), cell * 0.9, strip_h,
                                   fc=shade(STYLE_COLORS["event_driven"], 0.35), ec="none", zorder=4))
        ax.text(x, y + 0.08, name, ha="center", va="bottom", fontsize=8.5, fontweight="bold", color=INK, zorder=5)
        ax.text(x, y + 0.05, f"log · {parts} partition{'s' if parts != 1 else ''}", ha="center", va="top",
                fontsize=7, color=INK, zorder=5)
    else:
        face = "#fff4d6" if entry else "white"
        ax.add_patch(FancyBboxPatch((x - w, y - h), 2 * w, 2 * h, boxstyle="round,pad=0,rounding_size=0.14",
                                    fc=face, ec=edge, lw=lw, zorder=3))
        ax.text(x, y + 0.03, name, ha="center", va="bottom", fontsize=9, fontweight="bold", color=INK, zorder=5)
        dist = attrs.get("service_time")
        mean = getattr(dist, "mean", None)
        workers = attrs.get("workers", "?")
        detail = f"{workers} worker{'' if workers == 1 else 's'}"
        if mean is not None and np.isfinite(mean):
            detail += f" · {format_ms(mean)}"
        ax.text(x, y - 0.02, detail, ha="center", va="top", fontsize=7, color="#555555", zorder=5)
    if faulted:
        text = "\n".join(_describe_fault(f) for f in faults)
        ax.text(x, y - h - 0.05, text, ha="center", va="top", fontsize=7.5, color=FAULT_COLOR,
                fontweight="bold", zorder=5)


# ---------------------------------------------------------------------------
# Latency distributions
# ---------------------------------------------------------------------------

_VIEWS = {
    "caller": ("Caller latency: until the entry service answers",
               "every answered request, failures included"),
    "e2e": ("End-to-end: until every effect is done",
            "successful requests whose effects all finished"),
}


def _ms_tick(value, _pos=None) -> str:
    """A tick on a log axis in milliseconds, written for people."""
    if value >= 1000:
        return f"{value / 1000:g} s"
    return f"{value:g} ms"


_PCT_STYLES = (":", "--", "-")
_PCT_NAMES = ("dotted", "dashed", "solid")


def _latencies(res, view: str) -> np.ndarray:
    """Seconds, the way ``summary()`` counts them (caller: every answered
    request; e2e: successful requests that settled)."""
    req = res.requests
    if view == "caller":
        values = req.loc[req["status"] != "in_flight", "latency"]
    else:
        values = req.loc[req["status"] == "ok", "e2e_latency"]
    values = values.to_numpy(float)
    return values[np.isfinite(values)]


def latency(results, which: str = "both", kind: str = "cdf", ax=None, *,
            percentiles=(50, 95, 99), title=None) -> Figure:
    """Latency distributions of two or more runs, side by side.

    ``which`` picks the clock: ``'caller'`` is how long the customer waited
    for an answer; ``'e2e'`` is how long until the order was *really* done
    (every consumer finished with it); ``'both'`` draws one panel each, and
    ``'overlay'`` draws both clocks in one panel (solid: caller, dashed:
    end-to-end). Request-response answers only when all work is done, so its
    two clocks nearly agree; event-driven answers first and works afterwards,
    so its caller latency is short and its end-to-end latency carries the
    broker hop and any backlog: its two curves come apart.

    ``kind='cdf'`` draws the cumulative distribution (read it as: "this share
    of requests took at most x ms"); ``kind='hist'`` a histogram on log bins.
    The x axis is logarithmic, in milliseconds: tails live decades away from
    medians. Dots (or vertical lines) mark p50, p95 and p99, whose values are
    repeated in the legend.
    """
    if which not in ("caller", "e2e", "both", "overlay"):
        raise ValueError(f"which must be 'caller', 'e2e', 'both' or 'overlay', got {which!r}")
    if kind not in ("cdf", "hist"):
        raise ValueError(f"kind must be 'cdf' or 'hist', got {kind!r}")
    runs = _runs(results)
    colors = _assign_colors(runs, {n: r.architecture.name for n, r in runs.items()})
    panels = {"both": [["caller"], ["e2e"]], "overlay": [["caller", "e2e"]]}.get(which, [[which]])
    legend_h = 0.75 + 0.16 * len(runs) * len(panels[0])
    fig, axes = _axes_for(ax, len(panels), vertical=False,
                          figsize=(5.0 * len(panels), 2.9 + legend_h))
    for views, a in zip(panels, axes):
        _latency_panel(a, runs, colors, views, kind, percentiles, title)
    return fig


def _latency_panel(a, runs, colors, views, kind, percentiles, title) -> None:
    overlay = len(views) > 1
    if title is not None:
        heading = title
    elif overlay:
        heading = "Latency: caller (solid) and end-to-end (dashed)"
    else:
        heading = _VIEWS[views[0]][0]
    a.set_title(heading, fontsize=10, loc="left", color=INK, y=1.0)
    # First pass: the data, so that every histogram shares the same bins.
    series = []
    for view in views:
        for name, res in runs.items():
            v = _latencies(res, view) * 1000.0
            if not len(v):
                continue
            # An answer in 0 ms (refused at the door: backpressure) has no place on a
            # log axis; it is drawn at a floor just left of every real latency.
            zero = v <= 0
            positive = v[~zero]
            floor = min(0.1, positive.min() / 2) if len(positive) else 0.1
            series.append((view, name, np.where(zero, floor, v), zero, floor))
    lo = min((s[2].min() for s in series), default=None)
    hi = max((s[2].max() for s in series), default=None)
    if series:
        bins = np.logspace(np.log10(lo), np.log10(max(hi, lo * 1.01)), 45)
    for view, name, v, zero, floor in series:
        dashed = overlay and view == "e2e"
        pct = np.percentile(v, percentiles)
        who = f"{_label(name)} {'end-to-end' if view == 'e2e' else 'caller'}" if overlay else _label(name)
        label = f"{who}: " + " · ".join(f"p{p:g} {format_ms(q / 1000) if q > floor else '0 ms'}"
                                        for p, q in zip(percentiles, pct))
        if zero.any():
            label += f" · {zero.mean():.0%} refused in 0 ms"
        color = colors[name]
        ls = (0, (4, 2)) if dashed else "-"
        if kind == "cdf":
            if len(v) > 1000:       # 1000 quantiles draw the same curve, faster
                ys = np.linspace(0, 1, 1000)
                xs = np.quantile(v, ys)
            else:
                xs = np.sort(v)
                ys = np.arange(1, len(xs) + 1) / len(xs)
            a.step(xs, ys, where="post", color=color, lw=1.8, ls=ls, label=label)
            a.plot(pct, np.asarray(percentiles) / 100, "o", color=color, ms=5, mec="white", mew=0.8)
            if zero.any():
                a.text(floor * 1.25, zero.mean() / 2, "refused\nin 0 ms", fontsize=7, color=color,
                       va="center", ha="left")
        else:
            weights = np.full(len(v), 1 / len(v))
            if not dashed:
                a.hist(v, bins=bins, weights=weights, histtype="stepfilled", color=color, alpha=0.15)
            a.hist(v, bins=bins, weights=weights, histtype="step", color=color, lw=1.5, ls=ls, label=label)
            for k, q in enumerate(pct):
                a.axvline(q, color=color, ls=_PCT_STYLES[k % len(_PCT_STYLES)], lw=1.0, alpha=0.9)
    notes = [_VIEWS[v][1] for v in views]
    if lo is None:
        _note(a, "no latencies to show\n(" + "; ".join(notes) + ": none in these runs)")
        return
    a.set_xscale("log")
    a.set_xlim(lo / 1.5, hi * 1.5)
    # Minor ticks at 2 and 5 only: enough to read a log axis, and much cheaper to draw.
    a.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    a.xaxis.set_minor_formatter(NullFormatter())
    a.xaxis.set_major_formatter(FuncFormatter(_ms_tick))   # "10 ms", "1 s": no 10^x to decode
    a.set_xlabel("latency (log scale)", fontsize=8.5)
    if kind == "cdf":
        a.set_ylim(0, 1.02)
        a.set_ylabel("share of requests", fontsize=8.5)
        for k, p in enumerate(percentiles):
            a.axhline(p / 100, color="#bbbbbb", lw=0.7, ls=":", zorder=0)
            close_above = k + 1 < len(percentiles) and percentiles[k + 1] - p < 6
            a.text(1.0, p / 100, f" p{p:g}", transform=blended_transform_factory(a.transAxes, a.transData),
                   ha="left", va="top" if close_above else "bottom", fontsize=7, color="#888888")
        guide = "dots mark " + ", ".join(f"p{p:g}" for p in percentiles)
    else:
        a.set_ylabel("share of requests per bin", fontsize=8.5)
        guide = "lines mark " + ", ".join(f"p{p:g} ({_PCT_NAMES[k % len(_PCT_NAMES)]})"
                                         for k, p in enumerate(percentiles))
    tidy(a)
    # The legend hangs a fixed distance below the axes, whatever their height.
    below = a.transAxes + ScaledTranslation(0, -0.48, a.figure.dpi_scale_trans)
    caption = (f"caller: {notes[0]}\nend-to-end: {notes[1]}\n{guide}" if overlay
               else f"{notes[0]}\n{guide}")
    a.legend(loc="upper left", bbox_to_anchor=(0.0, 0.0), bbox_transform=below, fontsize=7.5,
             frameon=False, title=caption, title_fontproperties={"size": 7},
             alignment="left", borderaxespad=0, handlelength=2.0)


# ---------------------------------------------------------------------------
# Time series
# ---------------------------------------------------------------------------

_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))


def _fault_list(runs) -> list:
    seen, out = set(), []
    for res in runs.values():
        for f in res.faults:
            key = (fault_label(f), f.start, f.end)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _series(res, metric: str, nodes, smooth: float) -> pd.DataFrame:
    ts = res.timeseries
    ts = ts[ts["metric"] == metric]
    if ts.empty:
        return pd.DataFrame()
    wide = ts.pivot_table(index="time", columns="node", values="value", aggfunc="last").sort_index()
    if nodes is not None:
        wide = wide[[c for c in wide.columns if c in nodes]]
    if metric in RATE_METRICS and smooth and smooth > 0 and len(wide) > 2:
        step = float(np.median(np.diff(wide.index.to_numpy()))) or 1.0
        window = max(1, int(round(smooth / step)))
        if window > 1:
            wide = wide.rolling(window, center=True, min_periods=1).mean()
    return wide


def _line_styles(name, cols, color, n_runs, prefix=False) -> list:
    """(label, colour, dash, width) for each node's line of one run.

    One node: the run's colour. Several: one colour each when the run is the
    only one with this metric, else shades of the run's colour told apart by
    dash. ``prefix`` puts the run's name before each node's. Many nodes that
    share a prefix ('shipping/order-placed/p0', ...p1) are drawn thin, one
    colour and one legend entry per prefix.
    """
    if len(cols) == 1:
        node = cols[0]
        label = _label(name) if (prefix or node in ("requests", "system")) else f"{_label(name)} · {node}"
        return [(label, color, "-", 1.5)]
    groups = [str(c).split("/")[0] for c in cols]
    keys = list(dict.fromkeys(groups))
    grouped = len(cols) > 8 and len(keys) < len(cols)
    if not grouped:
        keys, groups = list(cols), list(cols)
    out, labelled = [], set()
    for group in groups:
        k = keys.index(group)
        if n_runs == 1:
            others = [p for p in PALETTE if p != color]   # never the run's own colour twice
            c, ls = (color if k == 0 else others[(k - 1) % len(others)]), "-"
        else:
            c = shade(color, -0.35 + 0.7 * k / max(1, len(keys) - 1))
            ls = _LINESTYLES[k % len(_LINESTYLES)]
        label = f"{_label(name)} · {group}" if prefix else str(group)
        if grouped:
            label += " (one line per partition)"
        out.append((label if group not in labelled else "_nolegend_", c, ls, 1.0 if grouped else 1.5))
        labelled.add(group)
    return out


def timeseries(results, metrics=("throughput", "errors", "consumer_lag"), ax=None, *,
               nodes=None, smooth: float = 1.0, faults: bool = True, title=None) -> Figure:
    """What happened over time: one panel per metric, all sharing the clock.

    ``results`` is one Result or several (a dict ``{name: Result}``); each
    run keeps its colour in every panel. A metric with one series
    (``throughput``, ``errors``, ``arrivals``, ``in_flight``) gets one line
    per run; a metric measured per node (``consumer_lag`` per consumer group,
    ``queue_depth`` and ``busy_workers`` per service, ``partition_lag``,
    ``breaker_state``...) gets one line per run and node, told apart by
    shade and dash. ``nodes`` keeps only some nodes: a list for every panel,
    or a dict ``{metric: [nodes]}``.

    Per-second rates are counted in small bins and then averaged over
    ``smooth`` seconds (0 draws the raw bins). Fault windows are shaded red
    and named on the top panel; a dotted line marks when arrivals stopped,
    after which the run only drained the work it already had.

    A run that does not have a metric at all (request-response has no
    consumer lag, since it has no consumers) simply draws nothing there;
    the panel says so if no run has it.
    """
    runs = _runs(results)
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one metric, e.g. 'throughput'")
    colors = _assign_colors(runs, {n: r.architecture.name for n, r in runs.items()})
    fig, axes = _axes_for(ax, len(metrics), sharex=True, figsize=(9.0, 0.6 + 1.75 * len(metrics)))
    t_end = max((r.end_time for r in runs.values()), default=1.0) or 1.0
    arrivals_end = max((r.duration for r in runs.values()), default=t_end)
    fault_list = _fault_list(runs) if faults else []
    draining = t_end - arrivals_end > 0.04 * t_end   # a drain worth marking
    for i, (metric, a) in enumerate(zip(metrics, axes)):
        wanted = nodes.get(metric) if isinstance(nodes, Mapping) else nodes
        if isinstance(wanted, str):
            wanted = [wanted]
        tidy(a)
        lines = 0
        series = {name: _series(res, metric, wanted, smooth) for name, res in runs.items()}
        series = {name: w for name, w in series.items() if not w.empty and len(w.columns)}
        heading = METRIC_LABELS.get(metric, metric)
        only = {c for w in series.values() for c in w.columns}
        if len(only) == 1 and all(len(w.columns) == 1 for w in series.values()):
            node = next(iter(only))
            if node not in ("requests", "system"):
                heading += f" — {node}"      # e.g. busy workers — orders
        a.set_title(title if (title and i == 0) else heading, fontsize=9, loc="left", color=INK, y=1.0)
        for name, wide in series.items():
            styles = _line_styles(name, list(wide.columns), colors[name], len(series), prefix=len(runs) > 1)
            for node, (label, c, ls, lw) in zip(wide.columns, styles):
                a.plot(wide.index, wide[node].to_numpy(float), color=c, ls=ls, lw=lw, label=label,
                       drawstyle="steps-post" if metric == "breaker_state" else "default")
                lines += 1
        if not lines:
            why = ("no run has consumer groups (request-response has no lag: it has no buffer)"
                   if metric in ("consumer_lag", "partition_lag", "dlq_depth") else f"no '{metric}' in these runs")
            a.text(0.5, 0.5, why, transform=a.transAxes, ha="center", va="center", fontsize=8.5,
                   color=NEUTRAL_COLOR)
        else:
            a.set_ylim(0, max(1.0, a.get_ylim()[1]))   # all-zero counts: 0..1, not 0..0.05
            if lines > 1:
                a.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7.5, frameon=False,
                         handlelength=2.2, borderaxespad=0)
        if metric == "breaker_state":
            a.set_yticks([0, 1, 2], ["closed", "half-open", "open"])
            a.set_ylim(-0.2, 2.2)
        for f in fault_list:
            # A fault that never ends (end=inf) is shaded to the edge of the run.
            a.axvspan(f.start, min(f.end, t_end), color=FAULT_COLOR, alpha=0.09, lw=0, zorder=0)
        if draining:
            a.axvline(arrivals_end, color="#999999", ls=":", lw=1.0, zorder=0)
    top = axes[0]
    blend = blended_transform_factory(top.transData, top.transAxes)
    # Faults over the same window share one caption (a cut is two links).
    captions: dict = {}
    for f in fault_list:
        captions.setdefault((f.start, min(f.end, t_end)), []).append(fault_label(f))
    for k, ((start, _), labels) in enumerate(captions.items()):
        top.text(start, 1.0 - 0.13 * (k % 3), " " + " + ".join(dict.fromkeys(labels)), transform=blend,
                 ha="left", va="top", fontsize=7.5, color=FAULT_COLOR, fontweight="bold", clip_on=False)
    if draining:
        top.text(arrivals_end, 1.0, "arrivals stop, work drains ", transform=blend, ha="right", va="top",
                 fontsize=7, color="#777777", bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8))
    for a in axes:
        a.set_xlim(0, t_end)
    axes[-1].set_xlabel("simulated time (s)", fontsize=8.5)
    return fig


# ---------------------------------------------------------------------------
# Trace waterfall
# ---------------------------------------------------------------------------

def _span_rows(spans: pd.DataFrame) -> list[tuple[int, int]]:
    """(row index, depth) in depth-first order, children by start time.
    A span whose parent is not in the frame is a root."""
    ids = spans["span_id"].to_numpy()
    parents = spans["parent_id"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    start = spans["start"].to_numpy(float)
    present = set(ids.tolist())
    children: dict[int, list[int]] = {}
    roots = []
    for i, (sid, p) in enumerate(zip(ids, parents)):
        if np.isnan(p) or int(p) not in present or int(p) == sid:
            roots.append(i)
        else:
            children.setdefault(int(p), []).append(i)
    def by_start(rows):
        return sorted(rows, key=lambda i: (start[i], i))

    order = []
    stack = [(i, 0) for i in reversed(by_start(roots))]
    seen = set()
    while stack:
        i, depth = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        order.append((i, depth))
        stack.extend((k, depth + 1) for k in reversed(by_start(children.get(int(ids[i]), []))))
    return order


def _span_color(operation: str, status: str) -> str:
    if status not in ("ok",):
        return FAULT_COLOR
    if operation.startswith("consume"):
        return STYLE_COLORS["event_driven"]
    if operation.startswith("publish"):
        return shade(STYLE_COLORS["event_driven"], 0.45)
    if operation.startswith("call"):
        return STYLE_COLORS["request_response"]
    return NEUTRAL_COLOR


def waterfall(spans, ax=None, *, trace_id=None, title=None) -> Figure:
    """One trace as a waterfall: who did what, when, inside whom.

    ``spans`` is ``res.spans`` filtered to one trace
    (``res.spans[res.spans.trace_id == t]``), or the whole frame together with
    ``trace_id=t``. Each row is one span, labelled "service · operation" and
    indented under the span that caused it; its bar runs from start to end,
    in milliseconds after the trace began.

    Colours tell the story: grey is a service doing its own work, blue a
    synchronous call (the caller is waiting on that bar), pale orange an
    append to a stream, orange a consumer processing the event, red anything
    that failed. A dotted line joins a span to a child that started after it
    had ended: that gap is time the event spent in the log, with nobody
    waiting. In a request-response trace every bar nests inside its parent;
    in an event-driven one the consumers' bars start after the answer was
    already sent.

    ``spans`` can also be a mapping ``{name: spans}`` to stack several traces
    on one shared time axis. ``ax`` may be an ``Axes`` (the labels then go in
    a strip to its left: leave room there) or a figure/subfigure to lay out in.
    """
    if isinstance(spans, Mapping):
        frames = {}
        for name, frame in spans.items():
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"spans[{name!r}] must be a DataFrame of spans, got {type(frame).__name__}")
            frames[name] = _one_trace(frame, trace_id)
        titles = list(frames)
    else:
        if not isinstance(spans, pd.DataFrame):
            raise TypeError("spans must be a DataFrame of spans (res.spans filtered to one trace), "
                            f"got {type(spans).__name__}")
        frames = {title: _one_trace(spans, trace_id)}
        titles = [title]
    if not frames:
        raise ValueError("spans: the mapping is empty; give at least one trace")
    rows = [max(2, len(f)) for f in frames.values()]
    labels = [f"{s} · {o}" for f in frames.values() for s, o in zip(f["service"], f["operation"])]
    label_w = min(4.0, 0.35 + 0.062 * max((len(x) for x in labels), default=10))
    if ax is None or isinstance(ax, FigureBase):
        fig = ax if ax is not None else Figure(
            figsize=(label_w + 6.8, 0.5 + sum(0.27 * r + 0.75 for r in rows)), layout="constrained")
        grid = fig.add_gridspec(len(frames), 2, width_ratios=[label_w, 6.8], height_ratios=rows)
        pairs, first = [], None
        for k in range(len(frames)):
            bars = fig.add_subplot(grid[k, 1], sharex=first)
            first = first or bars
            pairs.append((fig.add_subplot(grid[k, 0], sharey=bars), bars))
    else:
        axes = list(np.ravel(ax)) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        if len(axes) != len(frames):
            raise ValueError(f"ax: this plot needs {len(frames)} axes, got {len(axes)}")
        fig = axes[0].figure
        pairs = [(a.inset_axes([-0.42, 0, 0.41, 1], sharey=a), a) for a in axes]
    longest = max((_trace_length(f) for f in frames.values()), default=1e-3)
    for (labels_ax, bars_ax), frame, name in zip(pairs, frames.values(), titles):
        _draw_trace(frame, labels_ax, bars_ax, name, longest)
    return fig


def _trace_length(frame) -> float:
    """Milliseconds from the first start to the last known end."""
    if frame.empty:
        return 1e-3
    ends = frame["end"].to_numpy(float)
    starts = frame["start"].to_numpy(float)
    last = np.nanmax(np.where(np.isfinite(ends), ends, starts))
    return max(float(last - starts.min()) * 1000, 1e-3)


def _draw_trace(frame, labels_ax, ax, title, longest) -> None:
    labels_ax.set_axis_off()
    if frame.empty:
        ax.set_title(title or "trace", fontsize=10, loc="left", color=INK, y=1.0)
        _note(ax, "no spans recorded for this trace\n(was it sampled? see simulate(..., trace_sample=...))")
        return
    order = _span_rows(frame)
    t0 = float(frame["start"].min())
    starts = (frame["start"].to_numpy(float) - t0) * 1000
    ends = (frame["end"].to_numpy(float) - t0) * 1000
    total = _trace_length(frame)
    ops = frame["operation"].astype(str).to_numpy()
    services = frame["service"].astype(str).to_numpy()
    status = frame["status"].astype(str).to_numpy()
    ids = frame["span_id"].to_numpy()
    parents = frame["parent_id"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    index_of = {int(sid): i for i, sid in enumerate(ids)}
    row_of = {int(ids[i]): row for row, (i, _) in enumerate(order)}
    min_width = longest * 0.004
    for row, (i, depth) in enumerate(order):
        s = starts[i]
        unfinished = not np.isfinite(ends[i])
        e = total if unfinished else ends[i]
        failed = status[i] != "ok" and not unfinished
        ax.barh(row, max(e - s, min_width), left=s, height=0.62,
                color=FAULT_COLOR if failed else _span_color(ops[i], "ok"),
                hatch="//" if unfinished else None, edgecolor=INK if unfinished else "white", lw=0.5)
        text = f" {format_ms((e - s) / 1000)}"
        if unfinished:
            text += " · unfinished"
        elif failed:
            text += f" · {status[i]}"
        ax.text(e, row, text, va="center", ha="left", fontsize=7.5, zorder=4,
                color=FAULT_COLOR if failed else "#444444",
                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85))
        labels_ax.text(0.03 + 0.06 * min(depth, 10), row, f"{services[i]} · {ops[i]}", va="center", ha="left",
                       fontsize=8, color=INK, transform=blended_transform_factory(labels_ax.transAxes,
                                                                                  labels_ax.transData))
        p = parents[i]
        if np.isfinite(p) and int(p) in row_of:
            j = index_of[int(p)]
            if np.isfinite(ends[j]) and starts[i] > ends[j] + 1e-9:   # started after its parent ended
                ax.plot([ends[j], starts[i]], [row_of[int(p)], row], color="#999999", ls=":", lw=1.0)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xlim(0, longest * 1.25)
    ax.set_xlabel("ms since the trace began", fontsize=8.5)
    tidy(ax)
    ax.grid(False, axis="y")
    tid = frame["trace_id"].iloc[0]
    heading = f"trace {tid}: {len(frame)} spans over {format_ms(total / 1000)}"
    ax.set_title(f"{title} — {heading}" if title else heading, fontsize=10, loc="left", color=INK, y=1.0)


def _one_trace(spans: pd.DataFrame, trace_id) -> pd.DataFrame:
    missing = {"trace_id", "span_id", "parent_id", "service", "operation", "start", "end", "status"} - set(spans.columns)
    if missing:
        raise ValueError(f"spans: missing columns {sorted(missing)}; pass res.spans (filtered to one trace)")
    if trace_id is not None:
        spans = spans[spans["trace_id"] == trace_id]
    traces = spans["trace_id"].unique()
    if len(traces) > 1:
        raise ValueError(f"spans: holds {len(traces)} traces; pick one with trace_id=..., "
                         f"e.g. trace_id={traces[0]}")
    return spans


# ---------------------------------------------------------------------------
# Scorecard
# ---------------------------------------------------------------------------

#: Row label, "better" direction (-1 lower, +1 higher, 0 neither) and format kind.
SCORE_ROWS = {
    "requests": ("requests", 0, "count"),
    "ok": ("answered ok", +1, "count"),
    "failed": ("failed", -1, "count"),
    "in_flight": ("still in flight", -1, "count"),
    "error_rate": ("error rate", -1, "pct"),
    "p50": ("caller p50", -1, "ms"),
    "p95": ("caller p95", -1, "ms"),
    "p99": ("caller p99", -1, "ms"),
    "mean_latency": ("caller mean", -1, "ms"),
    "e2e_p50": ("end-to-end p50", -1, "ms"),
    "e2e_p95": ("end-to-end p95", -1, "ms"),
    "e2e_p99": ("end-to-end p99", -1, "ms"),
    "unsettled": ("never settled", -1, "count"),
    "throughput": ("throughput (ok/s)", +1, "rate"),
    "events_published": ("events published", 0, "count"),
    "events_processed": ("events processed", 0, "count"),
    "events_dlq": ("dead-lettered", -1, "count"),
    "events_pending": ("events pending", -1, "count"),
    "events_lost": ("events lost", -1, "count"),
    "duplicates": ("duplicate deliveries", -1, "count"),
    "failed_publishes": ("failed publishes", -1, "count"),
    "max_consumer_lag": ("max consumer lag", -1, "count"),
}
DEFAULT_SCORE = ("error_rate", "p50", "p99", "e2e_p50", "e2e_p99", "throughput",
                 "max_consumer_lag", "events_dlq", "events_lost")
#: Metrics that only mean something when the run has a stream.
EVENT_METRICS = ("events_published", "events_processed", "events_dlq", "events_pending", "events_lost",
                 "duplicates", "failed_publishes", "max_consumer_lag")


def format_value(metric: str, value) -> str:
    """A summary value as a person reads it: ms, %, /s or a count."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(value):
        return "—"
    kind = SCORE_ROWS.get(metric, (metric, 0, "num"))[2]
    if kind == "ms":
        return format_ms(value)
    if kind == "pct":
        return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
    if kind == "rate":
        return f"{value:,.1f}/s"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def _score_frame(table, metrics) -> pd.DataFrame:
    from .results import compare

    if isinstance(table, pd.DataFrame):
        frame = table.copy()
        hints = {}
    else:
        runs = _runs(table)
        frame = compare(runs)
        for name, res in runs.items():   # a run with no stream has no lag, no DLQ: not "0, better"
            if not res.architecture.streams:
                for m in EVENT_METRICS:
                    if m in frame.index:
                        frame.loc[m, name] = np.nan
        hints = {n: r.architecture.name for n, r in runs.items()}
    metrics = list(metrics) if metrics is not None else [m for m in DEFAULT_SCORE if m in frame.index]
    unknown = [m for m in metrics if m not in frame.index]
    if unknown:
        raise KeyError(f"metrics: {unknown} not in the comparison; known: {list(frame.index)}")
    return frame.loc[metrics], hints


def scorecard(table, metrics=None, ax=None, *, title=None) -> Figure:
    """The comparison as a table you can read at a glance.

    ``table`` is what :func:`vetora_nb.compare` returns (one column per run)
    or a dict ``{name: Result}``. Each row is one number of ``summary()``,
    formatted (ms, %, per second), and the better value of the row is
    shaded green: *lower* is better for latencies, errors, lag, dead letters
    and losses; *higher* for requests answered ok and throughput; rows like
    "requests" have no better side. Given results rather than a table, event
    metrics of a run with no stream show "—" (a system with no broker has no
    lag — and no buffer either — so it does not "win" that row).
    """
    frame, hints = _score_frame(table, metrics)
    names = list(frame.columns)
    colors = _assign_colors(names, hints)
    fig, (ax,) = _axes_for(ax, 1, figsize=(2.4 + 1.55 * max(1, len(names)), 0.45 + 0.27 * (max(1, len(frame)) + 1)))
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10, loc="left", color=INK, y=1.0)
    if frame.empty or not names:
        _note(ax, "nothing to compare")
        return fig
    cells, shades = [], []
    for metric, row in frame.iterrows():
        _, better, _ = SCORE_ROWS.get(metric, (metric, 0, "num"))
        values = pd.to_numeric(row, errors="coerce").to_numpy(float)
        best = set()
        finite = np.isfinite(values)
        if better and finite.sum() >= 2:
            target = np.nanmin(values) if better < 0 else np.nanmax(values)
            if not np.all(values[finite] == target):
                best = {k for k, v in enumerate(values) if np.isfinite(v) and np.isclose(v, target)}
        cells.append([format_value(metric, v) for v in values])
        shades.append([GOOD_COLOR if k in best else "white" for k in range(len(values))])
    row_labels = [SCORE_ROWS.get(m, (m,))[0] for m in frame.index]
    table_artist = ax.table(cellText=cells, cellColours=shades, rowLabels=row_labels, colLabels=names,
                            cellLoc="center", rowLoc="right", bbox=[0.0, 0.09, 1.0, 0.91])
    table_artist.auto_set_font_size(False)
    table_artist.set_fontsize(9)
    for (r, c), cell in table_artist.get_celld().items():
        cell.set_edgecolor("#dddddd")
        if r == 0 and c >= 0:
            cell.get_text().set_color(colors[names[c]])
            cell.get_text().set_fontweight("bold")
            cell.set_facecolor("#fafafa")
        elif c == -1:
            cell.set_edgecolor("none")
            cell.get_text().set_color(INK)
        elif cell.get_facecolor()[:3] == mcolors.to_rgb(GOOD_COLOR):
            cell.get_text().set_fontweight("bold")
    ax.text(1.0, 0.0, "green: the better value of the row", transform=ax.transAxes, ha="right", va="top",
            fontsize=7, color="#777777")
    return fig
