"""Trace waterfalls: one request's spans, across services and the broker."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure, FigureBase
from matplotlib.transforms import blended_transform_factory

from .format import format_ms
from .kept import KeptFigure
from .layout import _note, tidy
from .style import FAULT_COLOR, INK, NEUTRAL_COLOR, STYLE_COLORS, shade

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
    frames = _frames(spans, trace_id, title)
    if ax is None:
        return waterfall_drawing(frames).figure
    if isinstance(ax, FigureBase):
        fig, (label_w, rows, _) = ax, _layout_key(frames)
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
    _draw_traces([a for pair in pairs for a in pair], frames)
    return fig


def _frames(spans, trace_id, title) -> dict:
    """``{title: one trace's spans}``, checked."""
    if isinstance(spans, Mapping):
        frames = {}
        for name, frame in spans.items():
            if not isinstance(frame, pd.DataFrame):
                raise TypeError(f"spans[{name!r}] must be a DataFrame of spans, got {type(frame).__name__}")
            frames[name] = _one_trace(frame, trace_id)
    else:
        if not isinstance(spans, pd.DataFrame):
            raise TypeError("spans must be a DataFrame of spans (res.spans filtered to one trace), "
                            f"got {type(spans).__name__}")
        frames = {title: _one_trace(spans, trace_id)}
    if not frames:
        raise ValueError("spans: the mapping is empty; give at least one trace")
    return frames


def _layout_key(frames: dict) -> tuple:
    """What a waterfall's layout depends on: the label strip's width (inches),
    the rows of each trace, and which traces are empty (drawn as a note)."""
    rows = tuple(max(2, len(f)) for f in frames.values())
    labels = [f"{s} · {o}" for f in frames.values() for s, o in zip(f["service"], f["operation"])]
    label_w = min(4.0, 0.35 + 0.062 * max((len(x) for x in labels), default=10))
    return label_w, rows, tuple(f.empty for f in frames.values())


#: Inches of a trace's block: its title above the bars, its ticks and x label below, one span row.
_ABOVE, _BELOW, _ROW = 0.34, 0.46, 0.27
#: Inches: the bars' width, the margins of the figure.
_BARS_W, _RIGHT, _EDGE = 6.8, 0.15, 0.08


def waterfall_drawing(frames: dict) -> KeptFigure:
    """The waterfall of ``frames`` (``{title: one trace's spans}``) on its own
    figure, as a drawing whose axes are kept while the traces have the same
    rows (:class:`~vetora_nb.plots.kept.KeptFigure`, ``update(frames)``).

    Its margins are fixed in inches — a title above each trace, its axis
    below — rather than found by a layout engine at every render."""
    return KeptFigure(_waterfall_layout, _draw_traces, _layout_key, frames)


def _waterfall_layout(key):
    label_w, rows, _ = key
    width = label_w + _BARS_W
    height = 2 * _EDGE + sum(_ABOVE + _ROW * r + _BELOW for r in rows)
    fig = Figure(figsize=(width, height))
    axes, first, top = [], None, height - _EDGE
    for r in rows:
        top -= _ABOVE
        bottom = top - _ROW * r
        box = [label_w / width, bottom / height, (_BARS_W - _RIGHT) / width, _ROW * r / height]
        bars = fig.add_axes(box, sharex=first)
        first = first or bars
        labels = fig.add_axes([_EDGE / width, box[1], (label_w - _EDGE) / width, box[3]], sharey=bars)
        axes += [labels, bars]
        top = bottom - _BELOW
    return fig, axes


def _draw_traces(axes, frames: dict) -> None:
    """Each trace on its (labels, bars) pair of axes, on one time scale."""
    longest = max((_trace_length(f) for f in frames.values()), default=1e-3)
    for k, (name, frame) in enumerate(frames.items()):
        _draw_trace(frame, axes[2 * k], axes[2 * k + 1], name, longest)


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
                # An elbow, down from under the parent's bar, then along the child's row to its start:
                # a diagonal from the parent's end would strike through the labels on its way.
                ax.plot([ends[j], ends[j], starts[i]], [row_of[int(p)] + 0.31, row, row], color="#999999",
                        ls=":", lw=1.0)
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
