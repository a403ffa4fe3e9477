"""Figures and the slider panel of notebook 09: the log as the source of truth.

Everything here reads runs of
:func:`vetora_nb.patterns.event_sourcing.event_sourced_architecture` — a
writer appending to ``orders-log``, a live ``projection`` (the CQRS read
model) and a late consumer group that joins at some time and replays the
history — and draws what the notebook talks about:

- :func:`log_figure`: the log growing offset by offset, the moment ``T`` of
  a temporal query, when the late group joins and what retention has
  already deleted by then;
- :func:`state_figure`: the state per key at ``T`` (a replay stopped at
  ``T``) against the state at the end;
- :func:`lag_figure`: consumer lag of the projection and the late group,
  with the measured catch-up against the fluid prediction;
- :func:`staleness_figure`: the share of stale reads of the read model over
  time;
- :func:`catch_up_figure` and :func:`staleness_vs_slowdown_figure`: the
  notebook's two sweeps;
- :class:`EventLogPanel`: all four live under sliders.

>>> from vetora_nb.panels import nb09_event_sourcing_cqrs as nbp
>>> res = nbp.run(rate=50, late_at=5.0, duration=8, seed=1)
>>> sorted(res.architecture.services)
['late-5s', 'orders', 'projection']
"""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .. import plots as vp
from .. import theory
from ..faults import Slowdown
from ..patterns import consistency as _cq
from ..patterns import event_sourcing as _es
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, check_parameters, control_columns, dropdown, run_duration, slider, table_html

__all__ = ["STREAM", "READ_MODEL", "RETENTION_OPTIONS", "late_group", "run", "analyse",
           "predicted_catch_up", "log_figure", "state_figure", "time_travel_figure", "lag_figure",
           "staleness_figure", "catch_up_figure", "staleness_vs_slowdown_figure", "EventLogPanel"]

#: The stream and the live read model of ``event_sourced_architecture``.
STREAM = "orders-log"
READ_MODEL = "projection"

#: Colours: the live projection is an event-driven consumer (orange), the late
#: group gets the first palette colour, the log itself is ink.
PROJECTION_COLOR = vp.STYLE_COLORS["event_driven"]
LATE_COLOR = vp.PALETTE[0]
SYNC_COLOR = vp.STYLE_COLORS["request_response"]
DELETED_COLOR = "#b9b9b9"

#: Retention choices of the panel: (label, seconds or None = keep forever).
RETENTION_OPTIONS = (("keep forever", None), ("20 s", 20.0), ("10 s", 10.0), ("5 s", 5.0),
                     ("2 s", 2.0))


def late_group(t: float) -> str:
    """The name ``event_sourced_architecture`` gives the group joining at ``t``."""
    return f"late-{float(t):g}s"


def run(rate: float = 100.0, *, late_at: float = 20.0, retention: float | None = None,
        partitions: int = 4, keys: int = 20, duration: float = 30.0, slowdown: float = 1.0,
        slow_group: str = READ_MODEL, window: tuple | None = None, seed: int = 0):
    """One run of the event-sourced architecture with a late group joining at ``late_at``.

    ``slowdown`` makes ``slow_group`` (``'projection'`` or ``'late'``) that
    many times slower during ``window`` (default: the whole run).
    """
    arch = _es.event_sourced_architecture(late=(float(late_at),), retention=retention,
                                          partitions=int(partitions))
    faults = []
    if slowdown != 1:
        node = late_group(late_at) if slow_group == "late" else slow_group
        start, end = window if window is not None else (0.0, math.inf)
        if end > start:
            faults.append(Slowdown(node, float(start), float(end), float(slowdown)))
    return simulate(arch, Traffic.poisson(rate, keys=int(keys)), duration=duration, faults=faults,
                    seed=seed, max_drain=max(60.0, 4.0 * duration))


def analyse(result, late_at: float, read_rate: float = 200.0, seed: int = 0) -> dict:
    """What the panel shows next to the figures, computed from one :func:`run`."""
    group = late_group(late_at)
    reads = _cq.read_model_staleness(result, READ_MODEL, read_rate, seed=seed)
    info = _es.catch_up(result, STREAM, group)
    info["predicted_catch_up"] = predicted_catch_up(result, group, info)
    return {
        "matches": _es.replay_matches_live(result, STREAM, READ_MODEL),
        "late_matches": _late_matches(result, group),
        "catch_up": info,
        "reads": reads,
        "log": _es.event_log(result, STREAM),
    }


def predicted_catch_up(result, group: str, info: dict | None = None) -> float:
    """The fluid prediction of a late group's catch-up, with its slowdown if it has one.

    :func:`~vetora_nb.theory.backlog_drain_time` at the group's nominal
    capacity (what :func:`~vetora_nb.patterns.event_sourcing.catch_up`
    reports) — unless a :class:`~vetora_nb.Slowdown` of the group is on when
    it joins: then the backlog drains at ``capacity / factor − rate`` until
    the slowdown ends and at ``capacity − rate`` after (one piece each).
    """
    info = _es.catch_up(result, STREAM, group) if info is None else info
    joined, backlog = info["joined_at"], float(info["replayable"])
    slow = [f for f in result.faults if isinstance(f, Slowdown) and f.node == group
            and f.start <= joined < f.end]
    if not slow or backlog == 0:
        return info["predicted_catch_up"]
    arch = result.architecture
    svc, partitions = arch.graph.nodes[group], arch.graph.nodes[STREAM]["partitions"]
    capacity = min(svc["workers"], partitions) / svc["service_time"].mean
    rate = len(_es.event_log(result, STREAM)) / result.duration
    f = slow[0]
    first = theory.backlog_drain_time(backlog, capacity / f.factor, rate)
    if first <= f.end - joined:
        return first
    left = backlog - (capacity / f.factor - rate) * (f.end - joined)
    return (f.end - joined) + theory.backlog_drain_time(max(left, 0.0), capacity, rate)


def _late_matches(result, group: str) -> bool:
    """Does the late group's state equal the replay of what the log still held when it joined?"""
    arch = result.architecture
    keep = arch.graph.nodes[STREAM].get("retention")
    joined = float(arch.graph.edges[STREAM, group]["start_at"])
    since = None if keep is None else joined - keep
    return _es.live_state(result, STREAM, group).equals(_es.rebuild(result, STREAM, since=since))


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _retention(result):
    return result.architecture.graph.nodes[STREAM].get("retention")


def _fault_bands(ax, result, node=None) -> None:
    for f in result.faults:
        if node is not None and getattr(f, "node", None) != node:
            continue
        ax.axvspan(f.start, min(f.end, result.end_time), color=vp.FAULT_COLOR, alpha=0.09, lw=0, zorder=0)


def log_figure(result, t: float, late_at: float | None = None, ax=None, *, log=None) -> Figure:
    """The log, offset by offset: events appended over time (all partitions).

    A dark line marks the temporal query at ``t`` (its state is the replay of
    the events left of it); a coloured one the late group joining at
    ``late_at``; grey the part of the log that retention had deleted by then.
    """
    fig, ax = vp.figure_and_axes(ax, (5.2, 3.2))
    log = _es.event_log(result, STREAM) if log is None else log
    times = np.sort(log["published_at"].to_numpy(float))
    n = np.arange(1, len(times) + 1)
    vp.tidy(ax)
    vp.panel_title(ax, "the log: events appended (all partitions)")
    keep = _retention(result)
    if late_at is not None and keep is not None and late_at - keep > 0:
        cut = late_at - keep
        gone = int(np.searchsorted(times, cut, side="left"))
        ax.axvspan(0, cut, color=DELETED_COLOR, alpha=0.35, lw=0, zorder=0)
        ax.text(cut / 2, 0.97, f"deleted by retention\nbefore the late group joins\n({gone:,} events)",
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=7, color="#555555")
    ax.step(times, n, where="post", color=vp.INK, lw=1.4, label="log end offset (sum)")
    at_t = int(np.searchsorted(times, t, side="right"))
    ax.axvline(t, color=PROJECTION_COLOR, lw=1.6)
    ax.plot([t], [at_t], "o", color=PROJECTION_COLOR, ms=5)
    ax.annotate(f"T = {t:g} s\nstate = replay of\nthe first {at_t:,} events", (t, at_t),
                xytext=(6, 10), textcoords="offset points", fontsize=7.5, color=PROJECTION_COLOR,
                va="bottom", bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
    if late_at is not None:
        ax.axvline(late_at, color=LATE_COLOR, lw=1.4, ls="--")
        ax.text(late_at, 0.03, f" late group joins ({late_at:g} s)", transform=ax.get_xaxis_transform(),
                fontsize=7.5, color=LATE_COLOR, ha="left", va="bottom")
    ax.set_xlim(0, max(result.duration, float(times[-1]) if len(times) else 1.0))
    ax.set_ylim(0, max(10, len(times)) * 1.05)
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.set_ylabel("events in the log", fontsize=8.5)
    return fig


def state_figure(result, t: float, ax=None, *, max_keys: int = 40) -> Figure:
    """Orders per key at time ``t`` (``state_at``) in front of the final state (``rebuild``)."""
    fig, ax = vp.figure_and_axes(ax, (5.2, 3.2))
    final = _es.rebuild(result, STREAM)
    then = _es.state_at(result, STREAM, t).reindex(final.index, fill_value=0)
    vp.tidy(ax)
    ax.grid(axis="x", visible=False)
    keys = final.index[:max_keys]
    x = np.arange(len(keys))
    ax.bar(x, final.loc[keys, "orders"], color="#dddddd", width=0.8, label="at the end (full replay)")
    ax.bar(x, then.loc[keys, "orders"], color=PROJECTION_COLOR, width=0.55,
           label=f"at T = {t:g} s (replay up to T)")
    ax.set_xticks(x, [str(k) for k in keys], fontsize=6.5 if len(keys) > 20 else 7.5)
    ax.set_xlim(-0.7, len(keys) - 0.3)
    more = f" (first {max_keys} of {len(final)})" if len(final) > max_keys else ""
    vp.panel_title(ax, f"the state: orders per customer key{more}")
    ax.set_xlabel("key", fontsize=8.5)
    ax.set_ylabel("orders", fontsize=8.5)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left", bbox_to_anchor=(0, 1.0), ncol=2)
    ax.set_ylim(0, max(1, final["orders"].max() if len(final) else 1) * 1.25)
    return fig


def lag_figure(result, late_at: float, ax=None, *, info=None) -> Figure:
    """Consumer lag (log end − committed offset) of the projection and the late group.

    The late group's lag jumps when it joins (the whole retained history is
    behind it) and falls as it replays; a marker shows when its backlog was
    gone, next to the fluid prediction ``backlog / (capacity − arrival rate)``.
    """
    fig, ax = vp.figure_and_axes(ax, (5.2, 3.2))
    group = late_group(late_at)
    info = _es.catch_up(result, STREAM, group) if info is None else info
    lag = result.metric("consumer_lag")
    vp.tidy(ax)
    _fault_bands(ax, result)
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
            ax.plot([late_at + predicted], [top * 0.92], "v", mfc="none", mec=vp.INK, ms=7,
                    label=f"fluid prediction {predicted:.2f} s")
        else:
            ax.text(late_at, top * 0.92, "  prediction: never (capacity ≤ arrival rate)", fontsize=7,
                    color=vp.INK, va="center")
    for f in result.faults:
        ax.text(f.start, 1.0, " " + vp.fault_label(f), transform=ax.get_xaxis_transform(), fontsize=7,
                color=vp.FAULT_COLOR, fontweight="bold", va="top")
    ax.set_xlim(0, result.end_time)
    ax.set_ylim(0, top * 1.08)
    vp.panel_title(ax, "consumer lag (events behind the log end)")
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    return fig


def staleness_figure(result, reads=None, ax=None, *, read_rate: float = 200.0, seed: int = 0,
                     bin_width: float = 1.0) -> Figure:
    """Reads of the projection (the CQRS read model) that missed an acknowledged write, per second."""
    fig, ax = vp.figure_and_axes(ax, (5.2, 3.2))
    reads = _cq.read_model_staleness(result, READ_MODEL, read_rate, seed=seed) if reads is None else reads
    vp.tidy(ax)
    _fault_bands(ax, result, READ_MODEL)
    edges = np.arange(0.0, result.duration + bin_width, bin_width)
    total, _ = np.histogram(reads["time"], bins=edges)
    stale, _ = np.histogram(reads.loc[reads["stale"], "time"], bins=edges)
    share = np.divide(stale, total, out=np.zeros(len(total)), where=total > 0)
    ax.fill_between(edges[:-1], share * 100, step="post", color=PROJECTION_COLOR, alpha=0.35, lw=0)
    ax.step(edges[:-1], share * 100, where="post", color=PROJECTION_COLOR, lw=1.2)
    overall = float(reads["stale"].mean()) if len(reads) else 0.0
    late = reads.loc[reads["stale"], "staleness"]
    note = (f"{overall:.1%} of {len(reads):,} reads stale"
            + (f"; a stale read is {_ms(float(late.mean()))} behind on average" if len(late) else ""))
    ax.text(0.01, 0.97, note, transform=ax.transAxes, fontsize=7.5, va="top", color=vp.INK)
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_xlim(0, result.duration)
    ax.set_ylim(0, min(105.0, max(10.0, float(share.max()) * 100 * 1.25)))
    vp.panel_title(ax, "CQRS read model: stale reads (% per second)")
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.set_ylabel("% of reads stale", fontsize=8.5)
    return fig


def time_travel_figure(result, t: float, late_at: float | None = None) -> Figure:
    """:func:`log_figure` and :func:`state_figure` side by side, for one ``t``."""
    fig = Figure(figsize=(10.4, 3.3))
    a, b = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.065, right=0.985, bottom=0.15, top=0.91, wspace=0.2)
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
    fig, ax = vp.figure_and_axes(ax, (6.2, 3.6))
    vp.tidy(ax)
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
        color = vp.PALETTE[(k + 1) % len(vp.PALETTE)]
        ax.plot(rows["replayable"], rows["predicted_catch_up"], "s", mfc="white", mec=color, ms=6,
                label=f"retention {value:g} s: fluid prediction")
        joined = ", ".join(f"{t:g}" for t in rows["joined_at"])
        label = f"retention {value:g} s: measured" + (f" (joined {joined} s)" if len(rows) <= 4 else "")
        ax.plot(rows["replayable"], rows["catch_up_time"], "s", color=color, ms=6, label=label)
    ax.set_xlabel("events the late group replayed (what the log still held when it joined)", fontsize=8.5)
    ax.set_ylabel("catch-up time (s)", fontsize=8.5)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    vp.panel_title(ax, "replaying history: catch-up time grows with the log", size=9.5)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def staleness_vs_slowdown_figure(table: pd.DataFrame, tradeoff: pd.DataFrame | None = None) -> Figure:
    """Stale reads and consumer lag as the read model slows (``stale_fraction_vs_lag``),
    and — from ``write_latency_tradeoff`` — what a synchronous read model pays instead."""
    panels = 2 if tradeoff is not None else 1
    fig = Figure(figsize=(5.0 * panels + 0.6, 3.4), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False)[0]
    a = axes[0]
    vp.tidy(a)
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
    b.plot(x, table["mean_apply_delay"] * 1000, "^:", color=vp.INK, lw=1.0, ms=4,
           label="mean delay write → applied (ms, right)")
    b.set_yscale("log")
    b.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    b.tick_params(which="both", labelsize=8)
    b.set_ylabel("ms (log scale)", fontsize=8.5)
    b.spines[["top"]].set_visible(False)
    lines = a.get_legend_handles_labels()
    more = b.get_legend_handles_labels()
    a.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, frameon=False, loc="upper left")
    vp.panel_title(a, "reads: the event-fed read model goes stale")
    if tradeoff is not None:
        c = axes[1]
        vp.tidy(c)
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
        vp.panel_title(c, "writes: the synchronous one makes the writer wait")
        c.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class EventLogPanel(Panel):
    """The event-sourced system under sliders.

    Controls: ``rate`` (orders/s, traffic); ``t`` (the temporal query: no new
    simulation, only a replay); ``partitions``, ``late_at`` (when the late
    group joins) and ``retention`` (log settings); ``slow_group``,
    ``slowdown`` and ``window`` (a consumer slowed, failure). Every change of
    the first six re-runs the simulation under the same seed.
    """

    NAME = "event-sourced log"

    def __init__(self, *, duration: float = 30.0, seed: int = 9, keys: int = 20,
                 read_rate: float = 200.0, run: bool = True, **values):
        duration = run_duration(duration)
        self.duration, self.seed, self.keys, self.read_rate = float(duration), seed, int(keys), read_rate
        d = self.duration
        step = 0.5 if d <= 30 else 1.0
        start = {"rate": 100, "t": round(0.4 * d), "partitions": 4, "late_at": round(2 * d / 3),
                 "retention": None, "slow_group": READ_MODEL, "slowdown": 1.0,
                 "window": (round(d / 3), round(2 * d / 3))}
        check_parameters("EventLogPanel", values, start)
        start.update(values)
        c = {
            "rate": slider(W.IntSlider, value=start["rate"], min=20, max=200, step=10,
                           description="rate (orders/s)", tooltip="Poisson orders per second"),
            "t": slider(W.FloatSlider, value=start["t"], min=0.0, max=d, step=step,
                        description="state at T (s)", readout_format=".1f",
                        tooltip="the temporal query: replay the log up to T"),
            "partitions": slider(W.IntSlider, value=start["partitions"], min=1, max=8,
                                 description="partitions",
                                 tooltip="partitions of the log; one instance per partition in each group"),
            "late_at": slider(W.FloatSlider, value=start["late_at"], min=1.0, max=d, step=step,
                              description="late group joins", readout_format=".1f",
                              tooltip="when a new consumer group subscribes and replays from offset 0"),
            "retention": dropdown(options=list(RETENTION_OPTIONS), value=start["retention"],
                                  description="retention", tooltip="how long the log keeps an event"),
            "slow_group": dropdown(options=[("projection (read model)", READ_MODEL), ("late group", "late")],
                                   value=start["slow_group"], description="slow consumer"),
            "slowdown": slider(W.FloatSlider, value=start["slowdown"], min=1.0, max=30.0, step=0.5,
                               description="slowdown ×",
                               tooltip="its processing is this many times slower in the window"),
            "window": slider(W.FloatRangeSlider, value=start["window"], min=0.0, max=d, step=step,
                             description="slow window (s)", readout_format=".1f"),
        }
        groups = (("traffic", ("rate",)), ("the log", ("partitions", "late_at", "retention", "t")),
                  ("failure", ("slow_group", "slowdown", "window")))
        self.analysis: dict = {}
        super().__init__(c, {}, layout=control_columns(c, groups))
        if run:
            self.run()

    def simulate(self, params: dict, timings: dict) -> dict:
        key = tuple((k, params[k]) for k in ("rate", "partitions", "late_at", "retention", "slow_group",
                                             "slowdown", "window"))
        res, timings[self.NAME] = self.cached_run(self.NAME, key, lambda: self._run(params))
        return {self.NAME: res}

    def _run(self, params: dict):
        """A fresh run, and what the panel shows next to its figures."""
        res = run(params["rate"], late_at=params["late_at"], retention=params["retention"],
                  partitions=params["partitions"], keys=self.keys, duration=self.duration,
                  slowdown=params["slowdown"], slow_group=params["slow_group"],
                  window=params["window"], seed=self.seed)
        self.analysis = analyse(res, params["late_at"], self.read_rate, self.seed)
        return res

    def draw(self, results: dict, params: dict) -> Figure:
        res = results[self.NAME]
        a = self.analysis
        # Fixed margins instead of a layout engine: the same picture, a third faster to redraw.
        fig = Figure(figsize=(10.4, 6.2))
        axes = fig.subplots(2, 2)
        fig.subplots_adjust(left=0.065, right=0.985, bottom=0.075, top=0.96, wspace=0.2, hspace=0.33)
        log_figure(res, params["t"], params["late_at"], ax=axes[0, 0], log=a["log"])
        state_figure(res, params["t"], ax=axes[0, 1])
        lag_figure(res, params["late_at"], ax=axes[1, 0], info=a["catch_up"])
        staleness_figure(res, a["reads"], ax=axes[1, 1])
        return fig

    def summary_html(self, results: dict) -> str:
        a = self.analysis
        p = self.params()
        info = a["catch_up"]
        state_t = _es.state_at(results[self.NAME], STREAM, p["t"])
        rows = [
            ("replay from offset 0 = live projection", "yes ✓" if a["matches"] else "NO ✗"),
            (f"orders in the state at T = {p['t']:g} s", f"{int(state_t['orders'].sum()):,}"),
            ("log size when the late group joined", f"{info['log_size']:,} events"),
            ("… still in the log (replayable)", f"{info['replayable']:,}"),
            ("… deleted by retention, never seen", f"{info['lost_to_retention']:,}"),
            ("late group = replay of what it saw", "yes ✓" if a["late_matches"] else "NO ✗"),
            ("catch-up: measured / fluid prediction",
             f"{_secs(info['catch_up_time'])} / {_secs(info['predicted_catch_up'])}"),
            ("stale reads of the read model", f"{a['reads']['stale'].mean():.1%}"),
        ]
        return table_html(rows, align_right=True)


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 10 else (f"{ms:.0f} ms" if ms < 1000 else f"{seconds:.1f} s")


def _secs(x: float) -> str:
    return "never" if not math.isfinite(x) else f"{x:.2f} s"
