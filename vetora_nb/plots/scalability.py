"""Scalability figures: throughput against load, the partitions x instances grid, work per instance.

Every function takes what the runs measured (a ``vn.sweep`` frame of
:mod:`vetora_nb.experiments.scalability`, or :class:`~vetora_nb.results.Result`
objects) and returns a ``Figure``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .. import measures, scenarios
from .drawing import Drawing, Marks
from .layout import grid_in_inches, stacked_axes, tidy
from .style import GREY, INK, STYLE_COLORS, STYLE_LABELS
from .timeseries import TimeSeries

__all__ = ["throughput_figure", "consumer_figure", "instance_figure", "InstanceBars", "scalability_panel",
           "ScalabilityFigure"]

RR, ED = scenarios.STYLES


def _need(df, columns, what: str, name: str = "df") -> None:
    missing = set(columns) - set(df.columns)
    if missing:
        raise ValueError(f"{name}: missing columns {sorted(missing)} (a sweep of {what})")


def throughput_figure(df: pd.DataFrame, services=("inventory", "shipping"), capacities: dict | None = None) -> Figure:
    """Answers and work done per second against the offered load, both styles.

    ``df`` is a ``vn.sweep`` of ``throughput_point`` over ``rate`` and
    ``style``. Left: requests answered ok per second (and, dotted, orders
    fulfilled within the window). Right: the work ``services`` finished per
    second, with each one's capacity as a grey line (``capacities``, by
    default those of the request-response order example).
    """
    _need(df, {"rate", "style", "ok_per_s", "fulfilled_per_s"} | {f"done_{s}" for s in services}, "throughput_point")
    df = df.groupby(["style", "rate"], as_index=False).mean(numeric_only=True)
    caps = capacities if capacities is not None else measures.capacities(scenarios.order_placed(RR))
    fig = Figure(figsize=(10.5, 4.1), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    top = float(df["rate"].max())
    xs = np.array([0.0, top * 1.04])
    slowest = min(caps, key=caps.get)
    for a in (left, right):
        a.plot(xs, xs, color="#bbbbbb", ls=":", lw=1.0)
        a.text(top * 0.98, top * 0.98, "offered ", ha="right", va="bottom", fontsize=7.5, color=GREY)
    for a, names in ((left, [slowest]), (right, list(services))):
        for svc in names:
            a.axhline(caps[svc], color=GREY, ls="--", lw=1.0)
            a.text(0.01 * top, caps[svc], f" {svc}'s capacity {caps[svc]:.0f}/s", va="bottom", fontsize=7.5,
                   color=GREY)
    for style in (RR, ED):
        sel = df[df["style"] == style].sort_values("rate")
        if sel.empty:
            continue
        color, label = STYLE_COLORS[style], STYLE_LABELS[style]
        left.plot(sel["rate"], sel["ok_per_s"], "-o", color=color, lw=1.8, ms=4.5, mec="white",
                  label=f"{label}: answered ok")
        left.plot(sel["rate"], sel["fulfilled_per_s"], ls=(0, (1.5, 1.5)), marker="x", color=color, lw=1.3,
                  ms=5, label=f"{label}: fulfilled (all four effects done in the run)")
        for k, svc in enumerate(services):
            marker, ls = ("o", "-") if k == 0 else ("s", "--")
            right.plot(sel["rate"], sel[f"done_{svc}"], ls=ls, marker=marker, color=color, lw=1.6, ms=4.5,
                       mec="white", label=f"{label}: {svc}")
    left.set_title("Orders answered per second", fontsize=10, loc="left", color=INK)
    right.set_title("Work done per second, per service", fontsize=10, loc="left", color=INK)
    for a in (left, right):
        tidy(a)
        a.set_xlim(0, top * 1.04)
        a.set_ylim(0, top * 1.08)
        a.set_xlabel("offered load (orders/s)", fontsize=8.5)
        a.legend(fontsize=7.5, frameon=False, loc="upper left")
    left.set_ylabel("per second (inside the run)", fontsize=8.5)
    return fig


def _grid_heatmap(fig, ax, grid: pd.DataFrame) -> None:
    grid = grid.groupby(["partitions", "instances"], as_index=False).mean(numeric_only=True)
    parts, insts = sorted(grid["partitions"].unique()), sorted(grid["instances"].unique())

    def wide(column):
        return grid.pivot(index="partitions", columns="instances", values=column).reindex(index=parts, columns=insts)

    table, cap, idle = wide("processed_per_s"), wide("theory_capacity"), wide("idle")
    offered = float(grid["offered"].iloc[0]) if "offered" in grid else float("nan")
    cmap = LinearSegmentedColormap.from_list("ed", ["#fdf1e4", STYLE_COLORS[ED]])
    vmax = offered if math.isfinite(offered) else float(np.nanmax(table.to_numpy()))
    img = ax.imshow(table.to_numpy(float), cmap=cmap, vmin=0, vmax=vmax, origin="lower", aspect="auto")
    for r, p in enumerate(parts):
        for c, i in enumerate(insts):
            v, t, k = table.loc[p, i], cap.loc[p, i], idle.loc[p, i]
            text = f"{v:.0f}/s\ncap {min(t, offered) if math.isfinite(offered) else t:.0f}"
            if k > 0:
                text += f"\n{k:.0f} idle"
            ax.text(c, r, text, ha="center", va="center", fontsize=7.5, color="white" if v > 0.6 * vmax else INK)
    ax.set_xticks(range(len(insts)), [str(i) for i in insts])
    ax.set_yticks(range(len(parts)), [str(p) for p in parts])
    ax.set_xlabel("consumer instances in the group", fontsize=8.5)
    ax.set_ylabel("partitions of the stream", fontsize=8.5)
    title = "Events processed per second" + (f" ({offered:.0f}/s offered)" if math.isfinite(offered) else "")
    ax.set_title(title, fontsize=10, loc="left", color=INK)
    ax.tick_params(labelsize=8)
    cb = fig.colorbar(img, ax=ax, shrink=0.8, pad=0.02)
    cb.ax.tick_params(labelsize=7)


def _latency_by_instances(a, latency: pd.DataFrame) -> None:
    lat = latency.groupby("instances", as_index=False).mean(numeric_only=True).sort_values("instances")
    finite = lat[np.isfinite(lat["theory"])]
    a.plot(finite["instances"], finite["theory"] * 1000, "-", color=INK, lw=1.3,
           label="theory: partitioned (busiest instance, M/M/1)")
    a.plot(lat["instances"], lat["measured"] * 1000, "o", color=STYLE_COLORS[ED], ms=7, mec="white", label="measured")
    pooled = lat[np.isfinite(lat["pooled"])]
    a.plot(pooled["instances"], pooled["pooled"] * 1000, "--", color=GREY, lw=1.2,
           label="theory: the same instances sharing one queue (M/M/c)")
    for _, row in lat.iterrows():
        if row["idle"] > 0:
            a.annotate(f"{row['idle']:.0f} idle", (row["instances"], row["measured"] * 1000),
                       textcoords="offset points", xytext=(0, 8), ha="center", fontsize=7.5, color=GREY)
    a.set_xscale("log", base=2)
    a.set_xticks(lat["instances"], [f"{i:.0f}" for i in lat["instances"]])
    a.set_xlabel("consumer instances", fontsize=8.5)
    a.set_ylabel("mean time in the group (ms)", fontsize=8.5)
    a.set_title("Past the partition count, more instances buy nothing", fontsize=10, loc="left", color=INK)
    tidy(a)
    a.set_ylim(bottom=0)
    a.legend(fontsize=7.5, frameon=False)


def consumer_figure(grid: pd.DataFrame, latency: pd.DataFrame | None = None) -> Figure:
    """Left: events/s a consumer group got through, per partitions x instances
    (measured, with the theory's cap underneath). Right (if ``latency`` is
    given: a sweep of ``consumer_latency_point`` over ``instances``): mean
    time in the group against instances, measured and in theory, next to
    one pooled queue."""
    _need(grid, {"partitions", "instances", "processed_per_s", "theory_capacity", "idle"}, "consumer_group_point",
          "grid")
    two = latency is not None and len(latency) > 0
    fig = Figure(figsize=(10.5 if two else 5.6, 4.2), layout="constrained")
    axes = fig.subplots(1, 2 if two else 1, squeeze=False)[0]
    _grid_heatmap(fig, axes[0], grid)
    if two:
        _latency_by_instances(axes[1], latency)
    return fig


def instance_figure(res, group: str, ax=None) -> Figure:
    """Bars: events each consumer instance of ``group`` processed
    (:func:`vetora_nb.measures.instance_load`); idle ones marked 'idle'."""
    if ax is None:
        fig = Figure(figsize=(4.2, 3.0), layout="constrained")
        ax = fig.subplots()
    InstanceBars(ax, res, group)
    return ax.figure


class InstanceBars:
    """The bars of :func:`instance_figure` on ``ax``, kept so that a new run moves them.

    :meth:`update` gives the same bars new heights and colours, writes the
    'idle' labels and the title again and rescales the axis, as long as the
    group has the same instances; otherwise it returns ``False``.
    """

    def __init__(self, ax, res, group: str):
        self.ax, self.marks = ax, Marks(ax.figure)
        load = measures.instance_load(res, group)
        self.instances = tuple(load.index)
        self.bars = ax.bar(load.index, load["events"], color=[_bar_color(e) for e in load["events"]],
                           edgecolor=STYLE_COLORS[ED], lw=1.0)
        self._draw(load, group)
        ax.set_xticks(load.index, [str(i) for i in load.index] if len(load) <= 16 else None)
        ax.set_xlabel("consumer instance", fontsize=8.5)
        ax.set_ylabel("events processed", fontsize=8.5)
        tidy(ax)

    def update(self, res, group: str) -> bool:
        """Redraw for ``res`` in place; ``False`` if it has other instances."""
        load = measures.instance_load(res, group)
        if tuple(load.index) != self.instances:
            return False
        self._draw(load, group)
        return True

    def _draw(self, load, group: str) -> None:
        ax = self.ax
        self.marks.clear()
        top = max(1.0, float(load["events"].max()))
        for bar, events in zip(self.bars, load["events"]):
            bar.set_height(events)
            bar.set_facecolor(_bar_color(events))
        self.marks.draw(self._idle, load, top)
        ax.set_ylim(0, top * 1.1)
        parts = sum(len(p) for p in load["partitions"])
        ax.set_title(f"ED · {group}: work per instance ({parts} partition{'' if parts == 1 else 's'})", fontsize=9,
                     loc="left", color=INK)

    def _idle(self, load, top: float) -> None:
        for i, row in load.iterrows():
            if row["events"] == 0:
                self.ax.text(i, 0.02 * top, "idle", ha="center", va="bottom", fontsize=7.5, color=GREY, rotation=90)


def _bar_color(events) -> str:
    """An idle instance's bar is hollow."""
    return "white" if events == 0 else STYLE_COLORS[ED]


def _capacity_lines(results: dict, service: str, slowdown: float) -> list:
    ed_arch, rr_arch = results[ED].architecture, results[RR].architecture
    caps, rr_caps = measures.capacities(ed_arch), measures.capacities(rr_arch)
    per = 1 / ed_arch.graph.nodes[service]["service_time"].mean
    instances = ed_arch.graph.nodes[service]["workers"]
    partitions = ed_arch.graph.nodes[ed_arch.subscriptions_of(service)[0]]["partitions"]
    slowest = min(rr_caps, key=rr_caps.get)
    lines = [f"{service}, flat out:",
             f"ED  min({instances} inst., {partitions} part.) × {per:.0f}/s = {caps[service]:.0f}/s",
             f"RR  {rr_arch.graph.nodes[service]['workers']} workers × {per:.0f}/s = {rr_caps[service]:.0f}/s",
             f"slowest RR callee: {slowest} ({rr_caps[slowest]:.0f}/s)"]
    if slowdown != 1:
        lines.append(f"{service} while slowed: ÷{slowdown:g}")
    return lines


def scalability_panel(results: dict, service: str = "inventory", slowdown: float = 1.0) -> Figure:
    """Notebook 04's panel: answers and failures per second, ``orders``' busy workers
    (RR's backpressure) and ``service``'s consumer lag (ED's buffer) on the left;
    the events each ``service`` instance processed (ED) and what it can do flat
    out in each style on the right (``slowdown``: its factor while slowed, 1 if not)."""
    return ScalabilityFigure(results, service, slowdown).figure


class ScalabilityFigure(Drawing):
    """:func:`scalability_panel`, kept so that the next runs redraw it in place.

    The four rows are a :class:`~.timeseries.TimeSeries`, the bars an
    :class:`InstanceBars`, the capacities one text given new lines. An
    update returns ``False`` for another ``service``, another number of
    instances (other bars), or when the time series cannot follow the runs.
    """

    def __init__(self, results: dict, service: str = "inventory", slowdown: float = 1.0):
        # 10.7 in at the panel's 90 dpi is 963 px: the output area shows it at full size, small print and all.
        fig = Figure(figsize=(10.7, 6.25))   # 0.55 in on top: fault captions, then the title
        super().__init__(fig)
        self.service = service
        metrics = ("throughput", "errors", "busy_workers", "consumer_lag")
        grid = grid_in_inches(fig, len(metrics), left=0.55, right=4.6, top=0.55, bottom=0.5, hspace=0.42)
        self.timeseries = TimeSeries(results, metrics, ax=stacked_axes(fig, grid),
                                     nodes={"busy_workers": ["orders"], "consumer_lag": [service]})
        side = grid_in_inches(fig, 2, left=7.5, right=0.2, top=0.55, bottom=0.5, height_ratios=[1.5, 1],
                              hspace=0.45)
        self.bars = InstanceBars(fig.add_subplot(side[0]), results[ED], service)
        ax_txt = fig.add_subplot(side[1])
        ax_txt.set_axis_off()
        self.capacities = ax_txt.text(0.0, 1.0, "\n".join(_capacity_lines(results, service, slowdown)), va="top",
                                      ha="left", fontsize=8, color=INK, family="monospace",
                                      transform=ax_txt.transAxes, linespacing=1.5)

    def update(self, results: dict, service: str = "inventory", slowdown: float = 1.0) -> bool:
        """Redraw for ``results`` in place; ``False`` if only a fresh figure can show them."""
        if service != self.service or not (self.timeseries.update(results) and self.bars.update(results[ED], service)):
            return False
        self.capacities.set_text("\n".join(_capacity_lines(results, service, slowdown)))
        return True

    def still(self) -> list:
        # The capacities sit in an axes of their own, with no data: they join the background.
        return super().still() + [self.capacities]
