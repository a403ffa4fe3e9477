"""Architecture drawings: services, streams and their edges, faults outlined in red."""

from __future__ import annotations

import math
from collections.abc import Mapping

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.textpath import TextToPath

from ..faults import BrokerOutage, ErrorRate, NetworkPartition, Outage, Slowdown
from .format import _window, format_ms
from .layout import _axes_for, _note, _root
from .style import FAULT_COLOR, INK, STYLE_COLORS, shade

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
    from ..architecture import Architecture

    if isinstance(arch, Mapping):
        archs = dict(arch)
        for name, a in archs.items():
            if not isinstance(a, Architecture):
                raise TypeError(f"arch[{name!r}] must be a vn.Architecture, got {type(a).__name__}")
        extents = [_extent(a) for a in archs.values()] or [(1.0, 1.0)]
        widths = [w for w, _ in extents]
        heights = [h for _, h in extents]
        side_by_side = sum(widths) / _UNITS_PER_INCH + 0.3 * len(archs)
        if side_by_side <= DISPLAY_WIDTH_IN or len(archs) == 1:
            fig, axes = _axes_for(ax, len(archs), vertical=False,
                                  figsize=(min(DISPLAY_WIDTH_IN, side_by_side),
                                           max(heights) / _UNITS_PER_INCH + 1.0),
                                  gridspec_kw={"width_ratios": widths})
        elif ax is None:   # side by side they would be shrunk to fit the page, labels and all: in rows instead
            cols = max(1, min(len(archs), int(DISPLAY_WIDTH_IN // (max(widths) / _UNITS_PER_INCH + 0.3))))
            rows = math.ceil(len(archs) / cols)
            row_heights = [max(heights[r * cols:(r + 1) * cols]) for r in range(rows)]
            fig = Figure(figsize=(min(DISPLAY_WIDTH_IN, cols * (max(widths) / _UNITS_PER_INCH + 0.3)),
                                  sum(row_heights) / _UNITS_PER_INCH + 0.45 * rows + 0.5), layout="constrained")
            grid = fig.subplots(rows, cols, squeeze=False, gridspec_kw={"height_ratios": row_heights})
            axes = list(grid.ravel())
            for spare in axes[len(archs):]:
                spare.set_axis_off()
            axes = axes[:len(archs)]
        else:
            fig, axes = _axes_for(ax, len(archs), vertical=True, figsize=None)
        for axis, (name, a) in zip(axes, archs.items()):
            own = faults.get(name, ()) if isinstance(faults, Mapping) else faults
            architecture(a, own, ax=axis, title=name, legend=False)
        if legend:
            engine = fig.get_layout_engine() if isinstance(fig, Figure) else None
            where = "outside lower center" if type(engine).__name__ == "ConstrainedLayoutEngine" else "lower center"
            fig.legend(handles=_arch_legend(), loc=where, fontsize=_LEGEND_PT, frameon=False,
                       ncol=5 if _root(fig).get_figwidth() >= 8.5 else 3)
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

    half = _halves(arch)
    pos = _positions(graph, arch.entry, x_gap=_x_gap(half))
    per_node, cuts = _node_faults(arch, faults)

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
        ax.text(x - w - 0.98, y + 0.09, "clients", ha="left", va="bottom", fontsize=_DETAIL_PT, color=INK)

    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    widest = max(w for w, _ in half.values())
    ax.set_xlim(min(xs) - widest - 1.2, max(xs) + widest + 0.35)
    ax.set_ylim(min(ys) - 0.95, max(ys) + 0.6)
    ax.set_aspect("equal", adjustable="box")
    if legend:
        ax.legend(handles=_arch_legend(), loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncol=3, fontsize=_LEGEND_PT, frameon=False)
    return fig


_X_GAP, _Y_GAP = 2.4, 1.3      # data units between columns (at least) and between rows
_UNITS_PER_INCH = 1.45          # drawing scale: data units per inch of figure
#: Font sizes (points): the node's name, its details (workers, service time, partitions), the legend.
_NAME_PT, _STREAM_NAME_PT, _DETAIL_PT, _LEGEND_PT = 8.5, 8.0, 7.5, 8.0
#: The widest figure a notebook shows without shrinking its smallest label below ~8.5 px: the
#: output area is 968 px (JupyterLab, figures at 100 dpi), and a wider figure is scaled down to
#: fit, its labels with it. Drawings wider than this side by side are stacked instead.
DISPLAY_WIDTH_IN = 9.68 * (_DETAIL_PT * 100 / 72) / 8.5
_SERVICE_H, _STREAM_H = 0.38, 0.36       # half heights of the boxes (data units)
_TEXT = TextToPath()


def _text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` set at ``size`` points, in data units of the drawing."""
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    width_pt, _, _ = _TEXT.get_text_width_height_descent(text, prop, ismath=False)
    return width_pt / 72 * _UNITS_PER_INCH


def _node_detail(attrs) -> str:
    """The line under a node's name: its partitions, or its workers and mean service time."""
    if attrs.get("kind") == "stream":
        parts = int(attrs.get("partitions", 1) or 1)
        return f"log · {parts} partition{'s' if parts != 1 else ''}"
    mean = getattr(attrs.get("service_time"), "mean", None)
    workers = attrs.get("workers", "?")
    detail = f"{workers} worker{'' if workers == 1 else 's'}"
    if mean is not None and np.isfinite(mean):
        detail += f" · {format_ms(mean)}"
    return detail


def _halves(arch) -> dict:
    """Half width and half height of each node's box: wide enough for its name and its details."""
    half = {}
    for n, attrs in arch.graph.nodes(data=True):
        stream = attrs.get("kind") == "stream"
        text = max(_text_width(str(n), _STREAM_NAME_PT if stream else _NAME_PT, bold=True),
                   _text_width(_node_detail(attrs), _DETAIL_PT))
        half[n] = (max(0.9 if stream else 0.8, text / 2 + 0.13), _STREAM_H if stream else _SERVICE_H)
    return half


def _x_gap(half) -> float:
    """Distance between columns: the widest box and room for an arrow between two of them."""
    return max(_X_GAP, 2 * max((w for w, _ in half.values()), default=0.0) + 0.5)


def _extent(arch) -> tuple[float, float]:
    """Width and height of the drawing in data units (see the limits set in architecture())."""
    layer = _layers(arch.graph, arch.entry)
    cols = max(layer.values(), default=0) + 1
    half = _halves(arch)
    widest = max((w for w, _ in half.values()), default=0.95)
    return _x_gap(half) * (cols - 1) + 1.55 + 2 * widest, _Y_GAP * (_column_height(arch) - 1) + 1.55


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
    ax.text(mx, my + 0.16, f"cut {_window(fault)}", ha="center", va="bottom", fontsize=_DETAIL_PT,
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
        ax.text(x, y + 0.07, name, ha="center", va="bottom", fontsize=_STREAM_NAME_PT, fontweight="bold",
                color=INK, zorder=5)
        ax.text(x, y + 0.03, _node_detail(attrs), ha="center", va="top", fontsize=_DETAIL_PT, color=INK, zorder=5)
    else:
        face = "#fff4d6" if entry else "white"
        ax.add_patch(FancyBboxPatch((x - w, y - h), 2 * w, 2 * h, boxstyle="round,pad=0,rounding_size=0.14",
                                    fc=face, ec=edge, lw=lw, zorder=3))
        ax.text(x, y + 0.03, name, ha="center", va="bottom", fontsize=_NAME_PT, fontweight="bold", color=INK, zorder=5)
        ax.text(x, y - 0.02, _node_detail(attrs), ha="center", va="top", fontsize=_DETAIL_PT, color="#555555",
                zorder=5)
    if faulted:
        text = "\n".join(_describe_fault(f) for f in faults)
        ax.text(x, y - h - 0.05, text, ha="center", va="top", fontsize=_DETAIL_PT, color=FAULT_COLOR,
                fontweight="bold", zorder=5)

