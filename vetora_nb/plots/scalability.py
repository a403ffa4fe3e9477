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
from .layout import grid_in_inches, stacked_axes, tidy
from .style import GREY, INK, STYLE_COLORS, STYLE_LABELS
from .timeseries import timeseries

__all__ = ["throughput_figure", "consumer_figure", "instance_figure", "scalability_panel"]

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
    load = measures.instance_load(res, group)
    if ax is None:
        fig = Figure(figsize=(4.2, 3.0), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    idle = load["events"] == 0
    colors = [("white" if i else STYLE_COLORS[ED]) for i in idle]
    ax.bar(load.index, load["events"], color=colors, edgecolor=STYLE_COLORS[ED], lw=1.0)
    top = max(1.0, float(load["events"].max()))
    for i, row in load.iterrows():
        if row["events"] == 0:
            ax.text(i, 0.02 * top, "idle", ha="center", va="bottom", fontsize=7.5, color=GREY, rotation=90)
    ax.set_ylim(0, top * 1.1)
    ax.set_xticks(load.index, [str(i) for i in load.index] if len(load) <= 16 else None)
    ax.set_xlabel("consumer instance", fontsize=8.5)
    ax.set_ylabel("events processed", fontsize=8.5)
    parts = sum(len(p) for p in load["partitions"])
    ax.set_title(f"ED · {group}: work per instance ({parts} partition{'' if parts == 1 else 's'})", fontsize=9, loc="left", color=INK)
    tidy(ax)
    return fig


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
    # 10.7 in at the panel's 90 dpi is 963 px: the output area shows it at full size, small print and all.
    fig = Figure(figsize=(10.7, 6.25))   # 0.55 in on top: fault captions, then the title
    metrics = ("throughput", "errors", "busy_workers", "consumer_lag")
    grid = grid_in_inches(fig, len(metrics), left=0.55, right=4.6, top=0.55, bottom=0.5, hspace=0.42)
    timeseries(results, metrics, ax=stacked_axes(fig, grid),
               nodes={"busy_workers": ["orders"], "consumer_lag": [service]})
    side = grid_in_inches(fig, 2, left=7.5, right=0.2, top=0.55, bottom=0.5, height_ratios=[1.5, 1], hspace=0.45)
    instance_figure(results[ED], service, ax=fig.add_subplot(side[0]))
    ax_txt = fig.add_subplot(side[1])
    ax_txt.set_axis_off()
    ax_txt.text(0.0, 1.0, "\n".join(_capacity_lines(results, service, slowdown)), va="top", ha="left", fontsize=8,
                color=INK, family="monospace", transform=ax_txt.transAxes, linespacing=1.5)
    return fig
