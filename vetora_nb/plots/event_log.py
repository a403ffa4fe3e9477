"""Figures of notebook 09: the log as the source of truth, and the read model that trails it.

Everything here reads runs of
:func:`vetora_nb.experiments.event_log.run` — a writer appending to
``orders-log``, a live ``projection`` (the CQRS read model) and a late
consumer group that joins at some time and replays the history:

- :func:`log_figure`: the log growing offset by offset, the moment ``T`` of
  a temporal query, when the late group joins and what retention has
  already deleted by then;
- :func:`state_figure`: the state per key at ``T`` (a replay stopped at
  ``T``) against the state at the end;
- :func:`lag_figure`: consumer lag of the projection and the late group,
  with the measured catch-up against the fluid prediction;
- :func:`staleness_figure`: the share of stale reads of the read model over
  time;
- :func:`time_travel_figure` and :func:`event_log_figure` (the panel's four
  at once); :func:`catch_up_figure` and :func:`staleness_vs_slowdown_figure`:
  the notebook's two sweeps.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..experiments.event_log import READ_MODEL, STREAM, late_group
from ..patterns import consistency as cq
from ..patterns import event_sourcing as es
from .format import fault_label, format_ms
from .kept import KeptFigure
from .layout import captions_above, figure_and_axes, panel_title, shade_faults, tidy
from .style import FAULT_COLOR, INK, PALETTE, STYLE_COLORS

__all__ = ["log_figure", "state_figure", "lag_figure", "staleness_figure", "time_travel_figure",
           "event_log_figure", "event_log_drawing", "catch_up_figure", "staleness_vs_slowdown_figure"]

#: Colours: the live projection is an event-driven consumer (orange), the late
#: group gets the first palette colour, the log itself is ink.
PROJECTION_COLOR = STYLE_COLORS["event_driven"]
LATE_COLOR = PALETTE[0]
SYNC_COLOR = STYLE_COLORS["request_response"]
DELETED_COLOR = "#b9b9b9"


def log_figure(result, t: float, late_at: float | None = None, ax=None, *, log=None) -> Figure:
    """The log, offset by offset: events appended over time (all partitions).

    A dark line marks the temporal query at ``t`` (its state is the replay of
    the events left of it); a coloured one the late group joining at
    ``late_at``; grey the part of the log that retention had deleted by then.
    """
    fig, ax = figure_and_axes(ax, (5.2, 3.2))
    log = es.event_log(result, STREAM) if log is None else log
    times = np.sort(log["published_at"].to_numpy(float))
    n = np.arange(1, len(times) + 1)
    tidy(ax)
    panel_title(ax, "the log: events appended (all partitions)")
    # Captions go above the plot area: inside it, the log and the vertical lines would cross them.
    captions = {}
    keep = result.architecture.graph.nodes[STREAM].get("retention")
    if late_at is not None and keep is not None and late_at - keep > 0:
        cut = late_at - keep
        gone = int(np.searchsorted(times, cut, side="left"))
        ax.axvspan(0, cut, color=DELETED_COLOR, alpha=0.35, lw=0, zorder=0)
        captions[(0.0, cut)] = (f"grey: {gone:,} events deleted by retention before the late group joins", "#555555")
    ax.step(times, n, where="post", color=INK, lw=1.4, label="log end offset (sum)")
    at_t = int(np.searchsorted(times, t, side="right"))
    ax.axvline(t, color=PROJECTION_COLOR, lw=1.6)
    ax.plot([t], [at_t], "o", color=PROJECTION_COLOR, ms=5)
    captions[(t, t)] = (f"T = {t:g} s: state = replay of the first {at_t:,} events", PROJECTION_COLOR)
    if late_at is not None:
        ax.axvline(late_at, color=LATE_COLOR, lw=1.4, ls="--")
        captions[(late_at, late_at)] = (f"late group joins ({late_at:g} s)", LATE_COLOR)
    end = max(result.duration, float(times[-1]) if len(times) else 1.0)
    captions_above(ax, captions, end, color=INK, bold=False)
    ax.set_xlim(0, end)
    ax.set_ylim(0, max(10, len(times)) * 1.05)
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.set_ylabel("events in the log", fontsize=8.5)
    return fig


def state_figure(result, t: float, ax=None, *, max_keys: int = 40) -> Figure:
    """Orders per key at time ``t`` (``state_at``) in front of the final state (``rebuild``)."""
    fig, ax = figure_and_axes(ax, (5.2, 3.2))
    final = es.rebuild(result, STREAM)
    then = es.state_at(result, STREAM, t).reindex(final.index, fill_value=0)
    tidy(ax)
    ax.grid(axis="x", visible=False)
    keys = final.index[:max_keys]
    x = np.arange(len(keys))
    _bars(ax, x, final.loc[keys, "orders"], 0.8, "#dddddd", "at the end (full replay)")
    _bars(ax, x, then.loc[keys, "orders"], 0.55, PROJECTION_COLOR, f"at T = {t:g} s (replay up to T)")
    ax.set_xticks(x, [str(k) for k in keys], fontsize=6.5 if len(keys) > 20 else 7.5)
    ax.set_xlim(-0.7, len(keys) - 0.3)
    more = f" (first {max_keys} of {len(final)})" if len(final) > max_keys else ""
    panel_title(ax, f"the state: orders per customer key{more}")
    ax.set_xlabel("key", fontsize=8.5)
    ax.set_ylabel("orders", fontsize=8.5)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(0, 1.0), ncol=2)
    ax.set_ylim(0, max(1, final["orders"].max() if len(final) else 1) * 1.25)
    return fig


def _bars(ax, x, heights, width: float, color: str, label: str) -> None:
    """Bars from 0 as one collection: forty Rectangles cost a redraw more than the rest of the axes."""
    x, h = np.asarray(x, float), np.asarray(heights, float)
    left, right = x - width / 2, x + width / 2
    zero = np.zeros_like(x)
    corners = np.stack([np.column_stack(p) for p in ((left, zero), (left, h), (right, h), (right, zero))], axis=1)
    ax.add_collection(PolyCollection(corners, facecolors=color, edgecolors="none", label=label))


def lag_figure(result, late_at: float, ax=None, *, info=None) -> Figure:
    """Consumer lag (log end − committed offset) of the projection and the late group.

    The late group's lag jumps when it joins (the whole retained history is
    behind it) and falls as it replays; a marker shows when its backlog was
    gone, next to the fluid prediction ``backlog / (capacity − arrival rate)``.
    """
    fig, ax = figure_and_axes(ax, (5.2, 3.2))
    group = late_group(late_at)
    info = es.catch_up(result, STREAM, group) if info is None else info
    lag = result.metric("consumer_lag")
    tidy(ax)
    shade_faults(ax, result.faults, until=result.end_time)
    for node, color, label in ((READ_MODEL, PROJECTION_COLOR, "projection (live read model)"),
                               (group, LATE_COLOR, f"{group} (replays history)")):
        if node in lag.columns:
            ax.plot(lag.index, lag[node].to_numpy(float), color=color, lw=1.3, label=label)
    ax.axvline(late_at, color=LATE_COLOR, lw=1.0, ls="--")
    top = max(1.0, float(np.nanmax(lag.to_numpy(float))) if lag.size else 1.0)
    measured, predicted = info["catch_up_time"], info["predicted_catch_up"]
    if info["replayable"] > 0:
        if math.isfinite(measured):
            ax.plot([late_at + measured], [top * 0.92], "v", color=LATE_COLOR, ms=7,
                    label=f"caught up after {measured:.2f} s")
        if math.isfinite(predicted):
            ax.plot([late_at + predicted], [top * 0.92], "v", mfc="none", mec=INK, ms=7,
                    label=f"fluid prediction {predicted:.2f} s")
        else:
            ax.text(late_at, top * 0.92, "  prediction: never (capacity ≤ arrival rate)", fontsize=8,
                    color=INK, va="center")
    ax.set_xlim(0, result.end_time)
    ax.set_ylim(0, top * 1.08)
    panel_title(ax, "consumer lag (events behind the log end)")
    captions_above(ax, {(f.start, f.end): fault_label(f) for f in result.faults}, result.end_time,
                   color=FAULT_COLOR)
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.legend(fontsize=7.5, frameon=False, loc="best")   # a fixed corner lies on the lag when the group joins early
    return fig


def staleness_figure(result, reads=None, ax=None, *, read_rate: float = 200.0, seed: int = 0,
                     bin_width: float = 1.0) -> Figure:
    """Reads of the projection (the CQRS read model) that missed an acknowledged write, per second."""
    fig, ax = figure_and_axes(ax, (5.2, 3.2))
    reads = cq.read_model_staleness(result, READ_MODEL, read_rate, seed=seed) if reads is None else reads
    tidy(ax)
    shade_faults(ax, [f for f in result.faults if getattr(f, "node", None) == READ_MODEL], until=result.end_time)
    edges = np.arange(0.0, result.duration + bin_width, bin_width)
    total, _ = np.histogram(reads["time"], bins=edges)
    stale, _ = np.histogram(reads.loc[reads["stale"], "time"], bins=edges)
    share = np.divide(stale, total, out=np.zeros(len(total)), where=total > 0)
    ax.fill_between(edges[:-1], share * 100, step="post", color=PROJECTION_COLOR, alpha=0.35, lw=0)
    ax.step(edges[:-1], share * 100, where="post", color=PROJECTION_COLOR, lw=1.2)
    overall = float(reads["stale"].mean()) if len(reads) else 0.0
    late = reads.loc[reads["stale"], "staleness"]
    note = (f"{overall:.1%} of {len(reads):,} reads stale"
            + (f", {format_ms(float(late.mean()))} behind on average" if len(late) else ""))
    # in the title: inside the axes the curve can reach any height
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_xlim(0, result.duration)
    ax.set_ylim(0, min(105.0, max(10.0, float(share.max()) * 100 * 1.25)))
    panel_title(ax, "CQRS read model: stale reads (% per second)\n" + note)
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.set_ylabel("% of reads stale", fontsize=8.5)
    return fig


def time_travel_figure(result, t: float, late_at: float | None = None) -> Figure:
    """:func:`log_figure` and :func:`state_figure` side by side, for one ``t``."""
    fig = Figure(figsize=(10.4, 3.9))
    a, b = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.065, right=0.985, bottom=0.13, top=0.76, wspace=0.2)   # room for the log's captions
    log_figure(result, t, late_at, ax=a)
    state_figure(result, t, ax=b)
    return fig


def catch_up_figure(table: pd.DataFrame, ax=None) -> Figure:
    """Catch-up time of late groups against the events they had to replay.

    ``table`` is :func:`~vetora_nb.patterns.event_sourcing.late_consumer_experiment`'s
    frame. Filled dots: measured catch-up of each late group; open ones (and
    the line): the fluid prediction ``backlog / (capacity − arrival rate)``.
    With retention, only the groups that lost history are drawn (the others
    replayed exactly what a group without retention did).
    """
    fig, ax = figure_and_axes(ax, (6.2, 3.6))
    tidy(ax)
    keep = table["retention"].astype(float)
    forever = table[keep.isna()].sort_values("replayable")
    if len(forever):
        ax.plot(forever["replayable"], forever["predicted_catch_up"], "-", color=LATE_COLOR, lw=1.0,
                alpha=0.8)
        ax.plot(forever["replayable"], forever["predicted_catch_up"], "o", mfc="white", mec=LATE_COLOR,
                ms=6, label="keep forever: fluid prediction")
        ax.plot(forever["replayable"], forever["catch_up_time"], "o", color=LATE_COLOR, ms=6,
                label="keep forever: measured")
        for _, r in forever.iterrows():
            ax.annotate(f"joined {r['joined_at']:g} s", (r["replayable"], r["catch_up_time"]),
                        xytext=(-6, 6), textcoords="offset points", fontsize=7, color=LATE_COLOR, ha="right")
    for k, value in enumerate(sorted(keep.dropna().unique())):
        rows = table[(keep == value) & (table["lost_to_retention"] > 0)].sort_values("replayable")
        if not len(rows):
            continue
        color = PALETTE[(k + 1) % len(PALETTE)]
        ax.plot(rows["replayable"], rows["predicted_catch_up"], "s", mfc="white", mec=color, ms=6,
                label=f"retention {value:g} s: fluid prediction")
        joined = ", ".join(f"{t:g}" for t in rows["joined_at"])
        label = f"retention {value:g} s: measured" + (f" (joined {joined} s)" if len(rows) <= 4 else "")
        ax.plot(rows["replayable"], rows["catch_up_time"], "s", color=color, ms=6, label=label)
    ax.set_xlabel("events the late group replayed (what the log still held when it joined)", fontsize=8.5)
    ax.set_ylabel("catch-up time (s)", fontsize=8.5)
    ax.set_xlim(left=0)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.12)    # room above the last dot for its label
    panel_title(ax, "replaying history: catch-up time grows with the log", size=9.5)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def staleness_vs_slowdown_figure(table: pd.DataFrame, tradeoff: pd.DataFrame | None = None) -> Figure:
    """Stale reads and consumer lag as the read model slows (``stale_fraction_vs_lag``),
    and — from ``write_latency_tradeoff`` — what a synchronous read model pays instead."""
    panels = 2 if tradeoff is not None else 1
    fig = Figure(figsize=(5.0 * panels + 0.6, 3.4), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    a = axes[0]
    tidy(a)
    x = table["factor"].to_numpy(float)
    a.plot(x, table["stale_fraction"] * 100, "o-", color=PROJECTION_COLOR, lw=1.5,
           label="event-fed read model: stale reads (%)")
    if tradeoff is not None:
        sync = tradeoff[tradeoff["style"] == "synchronous"].sort_values("factor")
        a.plot(sync["factor"], sync["stale_fraction"] * 100, "s--", color=SYNC_COLOR, lw=1.2, ms=4,
               label="synchronous read model: stale reads (%)")
    a.set_xlabel("read model slowed × (whole run)", fontsize=8.5)
    a.set_ylabel("% of reads stale", fontsize=8.5)
    a.set_ylim(-3, 103)
    b = a.twinx()
    b.plot(x, table["mean_apply_delay"] * 1000, "^:", color=INK, lw=1.0, ms=4,
           label="mean delay write → applied (ms, right)")
    b.set_yscale("log")
    b.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    b.tick_params(which="both", labelsize=8)
    b.set_ylabel("ms (log scale)", fontsize=8.5)
    b.spines[["top"]].set_visible(False)
    lines = a.get_legend_handles_labels()
    more = b.get_legend_handles_labels()
    a.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, frameon=False, loc="upper left")
    panel_title(a, "reads: the event-fed read model goes stale")
    if tradeoff is not None:
        c = axes[1]
        tidy(c)
        for style, color, label in (("event_driven", PROJECTION_COLOR, "event-fed read model"),
                                    ("synchronous", SYNC_COLOR, "synchronous read model")):
            rows = tradeoff[tradeoff["style"] == style]
            c.plot(rows["factor"], rows["write_p99"] * 1000, "o-", color=color, lw=1.5, label=label)
        c.set_yscale("log")
        c.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        c.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if str(f"{v:g}")[0] in "25" else ""))
        c.tick_params(which="both", labelsize=8)
        c.set_xlabel("read model slowed × (whole run)", fontsize=8.5)
        c.set_ylabel("write p99 (ms, log scale)", fontsize=8.5)
        panel_title(c, "writes: the synchronous one makes the writer wait")
        c.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def event_log_figure(result, t: float, late_at: float, analysis: dict | None = None) -> Figure:
    """The panel's picture: :func:`log_figure`, :func:`state_figure`,
    :func:`lag_figure` and :func:`staleness_figure` in a 2 × 2 grid.

    ``analysis`` is :func:`vetora_nb.experiments.event_log.analyse` of
    ``result`` (its ``log``, ``catch_up`` and ``reads`` are reused).
    """
    return event_log_drawing(result, t, late_at, analysis).figure


def event_log_drawing(result, t: float, late_at: float, analysis: dict | None = None) -> KeptFigure:
    """:func:`event_log_figure` as a drawing that redraws in place
    (:class:`~vetora_nb.plots.kept.KeptFigure`): its four axes are kept
    from one run to the next (``update(result, t, late_at, analysis)``)."""
    return KeptFigure(_event_log_layout, _event_log_content, _one_layout, result, t, late_at, analysis)


def _one_layout(*_) -> tuple:
    return ()


def _event_log_layout(_key):
    # Fixed margins instead of a layout engine: the same picture, a third faster to redraw.
    fig = Figure(figsize=(10.4, 6.9))
    axes = fig.subplots(2, 2)
    # room above the log for its captions (up to three rows), and between the rows for two-line titles
    fig.subplots_adjust(left=0.065, right=0.985, bottom=0.07, top=0.86, wspace=0.2, hspace=0.45)
    return fig, list(axes.ravel())


def _event_log_content(axes, result, t, late_at, analysis) -> None:
    a = analysis or {}
    log, state, lag, stale = axes
    log_figure(result, t, late_at, ax=log, log=a.get("log"))
    state_figure(result, t, ax=state)
    lag_figure(result, late_at, ax=lag, info=a.get("catch_up"))
    staleness_figure(result, a.get("reads"), ax=stale)
