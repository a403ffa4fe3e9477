"""Figures of notebook 08: partitions and their lag, who did the work, and what delivery cost.

- :func:`partition_figure`: per run, the lag of each partition over time
  (the hot key's partition thick and red) above how busy each instance was
  (grey: idle, it owns no partition);
- :func:`delivery_figure`: consumer lag with the crash shaded, next to the
  delivery accounting of each run (redelivered, applied twice,
  dead-lettered, pending, lost);
- :func:`ordering_figure`: all three for one run, the panel's picture.

What is drawn is read by :mod:`vetora_nb.measures` (``partition_lag``,
``hot_partition``, ``instance_load`` from the engine's own assignment).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import measures
from ..faults import Outage
from .kept import KeptFigure
from .layout import shade_faults, tidy
from .style import FAULT_COLOR, INK, PALETTE, STYLE_COLORS

__all__ = ["partition_figure", "delivery_figure", "ordering_figure", "ordering_drawing", "IDLE_COLOR", "HOT_COLOR", "DELIVERY_BARS"]

IDLE_COLOR = "#c8ccd0"
HOT_COLOR = "#c0392b"
#: The delivery accounting, left to right: (summary metric or 'redelivered', bar label).
DELIVERY_BARS = (("redelivered", "redelivered"), ("duplicates", "applied\ntwice"),
                 ("events_dlq", "dead-\nlettered"), ("events_pending", "pending\nat the end"),
                 ("events_lost", "lost"))


def _crashes(res) -> list:
    return [f for f in res.faults if isinstance(f, Outage)]


def _hot(res, group: str):
    """The hot key's partition, when the traffic has a hot key and there is more than one partition."""
    if res.traffic.hot_key_share <= 0:
        return None
    return measures.hot_partition(res, group)


def _lag_axes(ax, res, group, title, *, legend_beside: bool = False):
    lag = measures.partition_lag(res, group)
    hot = _hot(res, group)
    partitions = lag.shape[1]
    for k, col in enumerate(lag.columns):
        is_hot = partitions > 1 and hot is not None and int(col[1:]) == hot
        color = HOT_COLOR if is_hot else PALETTE[k % len(PALETTE)]
        label = f"{col} (hot key)" if is_hot else col
        ax.plot(lag.index, lag[col].to_numpy(float), color=color, lw=2.0 if is_hot else 1.1,
                label=label if partitions <= 8 or is_hot else "_nolegend_")
    shade_faults(ax, _crashes(res), until=res.end_time)
    ax.axvline(res.duration, color="#999999", ls=":", lw=1.0)
    ax.set_title(title, fontsize=9.5, loc="left", color=INK)
    ax.set_ylabel("lag (events)", fontsize=8.5)
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.set_xlim(0, res.end_time)
    ax.set_ylim(bottom=0, top=max(5.0, ax.get_ylim()[1]))
    tidy(ax)
    # Beyond 8 partitions only the hot one is named, and there may be none.
    if partitions > 1 and ax.get_legend_handles_labels()[0]:
        if legend_beside:   # a narrow axes with room on its right
            ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.3,
                      ncol=1, handlelength=1.4, labelspacing=0.3)
        else:
            ax.legend(fontsize=8, frameon=False, loc="upper left", ncol=min(partitions, 4) if partitions <= 8 else 1)


def _load_axes(ax, res, group):
    load = measures.instance_load(res, group)
    hot = _hot(res, group)
    colors = [IDLE_COLOR if not parts else (HOT_COLOR if hot in parts else STYLE_COLORS["event_driven"])
              for parts in load["partitions"]]
    ax.bar(load.index, load["utilization"] * 100, color=colors, width=0.7)
    many = len(load) > 8
    for i, row in load.iterrows():
        text = ", ".join(f"p{p}" for p in row["partitions"]) or "idle"
        ax.text(i, row["utilization"] * 100 + 2, text, ha="center", va="bottom", fontsize=8,
                color="#555555", rotation=90 if many and len(text) > 3 else 0)
    ax.set_ylim(0, 118)
    ax.set_xticks(list(load.index))
    ax.set_xlabel("instance of the consumer group", fontsize=8.5)
    ax.set_ylabel("busy (% of the run)", fontsize=8.5)
    ax.set_title("how busy each instance was", fontsize=9.5, loc="left", color=INK)
    tidy(ax)


def _delivery_axes(ax, runs: dict):
    names = list(runs)
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        res = runs[name]
        s = res.summary()
        values = [res.redelivered if m == "redelivered" else s[m] for m, _ in DELIVERY_BARS]
        xs = np.arange(len(DELIVERY_BARS)) + (k - (len(names) - 1) / 2) * width
        color = PALETTE[k % len(PALETTE)] if len(names) > 1 else STYLE_COLORS["event_driven"]
        ax.bar(xs, values, width=width * 0.92, color=color, label=str(name))
        for x, v in zip(xs, values):
            ax.text(x, v, f"{v:,}", ha="center", va="bottom", fontsize=7.5, color="#444444")
    ax.set_xticks(range(len(DELIVERY_BARS)), [label for _, label in DELIVERY_BARS], fontsize=8)
    ax.set_ylabel("events", fontsize=8.5)
    ax.set_title("Delivery: what a crash and failures cost", fontsize=9.5, loc="left", color=INK)
    ax.set_ylim(0, max(5.0, ax.get_ylim()[1] * 1.12))
    tidy(ax)
    ax.grid(False, axis="x")
    if len(names) > 1:
        ax.legend(fontsize=7.5, frameon=False, loc="upper right")


def _as_runs(runs) -> dict:
    return {runs.architecture.name: runs} if not isinstance(runs, dict) else dict(runs)


def partition_figure(runs, group: str | None = None) -> Figure:
    """For each run (a row): lag per partition over time, and how busy each instance was.

    ``runs`` is a Result or a dict ``{name: Result}``; ``group`` defaults to
    each run's first consumer group. The partition of the hot key (when the
    traffic has one) is drawn thick and red; idle instances (beyond the
    partition count) are grey.
    """
    runs = _as_runs(runs)
    n = len(runs)
    # One run per row, at the width of a notebook's output area: the page does not shrink the labels.
    height = 0.55 + 2.55 * n
    fig = Figure(figsize=(9.6, height))
    fig.subplots_adjust(left=0.075, right=0.985, top=1 - 0.35 / height, bottom=0.5 / height, hspace=0.75,
                        wspace=0.5)
    axes = fig.subplots(n, 2, squeeze=False, width_ratios=[1.3, 1.0])
    for k, (name, res) in enumerate(runs.items()):
        g = measures.group_of(res, group)
        _lag_axes(axes[k, 0], res, g, f"{name}: lag per partition", legend_beside=True)
        _load_axes(axes[k, 1], res, g)
    return fig


def delivery_figure(runs, group: str | None = None) -> Figure:
    """Consumer lag with the crash shaded (left) and the delivery accounting of each run (right)."""
    runs = _as_runs(runs)
    fig = Figure(figsize=(10.0, 3.4))
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.2, wspace=0.28)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    for k, (name, res) in enumerate(runs.items()):
        lag = res.metric("consumer_lag")[measures.group_of(res, group)]
        color = PALETTE[k % len(PALETTE)] if len(runs) > 1 else STYLE_COLORS["event_driven"]
        left.plot(lag.index, lag.to_numpy(float), color=color, lw=1.3, label=str(name), ls="-" if k == 0 else "--")
    first = next(iter(runs.values()))
    shade_faults(left, _crashes(first), until=first.end_time)
    for f in _crashes(first):
        left.text(f.start, 1.0, f" {f.node} crashed", transform=left.get_xaxis_transform(), ha="left",
                  va="top", fontsize=7.5, color=FAULT_COLOR, fontweight="bold")
    left.set_title("consumer lag (events not yet committed)", fontsize=9.5, loc="left", color=INK)
    left.set_xlabel("simulated time (s)", fontsize=8.5)
    left.set_ylim(bottom=0)
    left.set_xlim(0, max(r.end_time for r in runs.values()))
    tidy(left)
    if len(runs) > 1:
        left.legend(fontsize=7.5, frameon=False, loc="upper right")
    _delivery_axes(right, runs)
    return fig


def ordering_figure(res, group: str | None = None) -> Figure:
    """One run: the lag of every partition (top), how busy each instance was
    (bottom left) and the delivery accounting (bottom right)."""
    return ordering_drawing(res, group).figure


def ordering_drawing(res, group: str | None = None) -> KeptFigure:
    """:func:`ordering_figure` as a drawing whose three axes are kept from one
    run to the next (:class:`~vetora_nb.plots.kept.KeptFigure`, ``update(res, group)``)."""
    return KeptFigure(_ordering_layout, _ordering_content, lambda *_: (), res, group)


def _ordering_layout(_key):
    fig = Figure(figsize=(10.5, 5.6))
    grid = fig.add_gridspec(2, 2, left=0.07, right=0.98, top=0.93, bottom=0.1, hspace=0.6, wspace=0.25,
                            height_ratios=[1.1, 1])
    return fig, [fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])]


def _ordering_content(axes, res, group) -> None:
    group = measures.group_of(res, group)
    lag, load, delivery = axes
    _lag_axes(lag, res, group, "lag per partition (events not yet committed); the crash is shaded")
    _load_axes(load, res, group)
    _delivery_axes(delivery, {group: res})
