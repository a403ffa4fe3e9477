"""Scalability: what notebook 04 measures, draws and puts under sliders.

Four questions, each answered by runs of the order example:

- **How much does each style get done as the load grows?**
  :func:`throughput_point` (the function a ``vn.sweep`` over rate x style
  calls) measures requests answered ``ok`` per second, orders *fulfilled*
  per second (every effect done), and the work each downstream service
  finished per second (:func:`work_done`); :func:`throughput_figure` draws
  them against the offered load.
- **Where does request-response stop?** At its slowest service: a caller
  holds a worker while it waits, so the slowest callee sets the pace of the
  whole chain and its bounded queues push back to the customer.
- **Where does a burst go?** Into the log: :func:`drain_time` measures how
  long a consumer group took to work off the backlog a spike left behind.
- **How far do consumers scale?** One instance per partition at most:
  :func:`consumer_group_point` and :func:`consumer_latency_point` measure a
  consumer group under a grid of partitions x instances, next to
  ``vn.theory.partitioned_consumers``; :func:`instance_load` shows which
  instances did the work and which sat idle.

:class:`ScalabilityPanel` puts traffic, a slowdown, partitions and instances
under sliders.

>>> import vetora_nb as vn
>>> from vetora_nb.panels import nb04_scalability as nb04
>>> nb04.capacities(vn.scenarios.order_placed("request_response"))["shipping"]
400.0
"""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .. import plots as vp
from .. import scenarios, theory
from ..faults import Slowdown
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, control_columns, run_duration, slider, table_html

__all__ = [
    "RR", "ED", "capacities", "work_done", "fulfilled_per_s", "throughput_point", "throughput_figure",
    "answered_per_s", "failed_share", "drain_time", "consumer_group", "consumer_group_point", "consumer_latency_point",
    "instance_load", "consumer_figure", "instance_figure", "ScalabilityPanel",
]

RR, ED = scenarios.STYLES


# ---------------------------------------------------------------------------
# Capacity and work done
# ---------------------------------------------------------------------------

def capacities(arch) -> dict:
    """Requests (or events) per second each non-entry service can finish, flat out.

    ``workers / mean service time``: what its workers (consumer instances)
    complete when never idle. For a consumer group the stream's partitions
    cap the instances that can work (see :func:`consumer_group`).
    """
    g = arch.graph
    out = {}
    for name in arch.services:
        if name == arch.entry:
            continue
        workers = g.nodes[name]["workers"]
        streams = arch.subscriptions_of(name)
        if streams:
            workers = min(workers, g.nodes[streams[0]]["partitions"])
        out[name] = workers / g.nodes[name]["service_time"].mean
    return out


def _until(res, until):
    return res.duration if until is None else float(until)


def work_done(res, until: float | None = None) -> pd.Series:
    """Work each downstream service finished per second, in ``[0, until]``.

    Request-response: the service's successful ``handle`` spans that ended
    by ``until``. Event-driven: its group's deliveries processed by then.
    ``until`` defaults to the end of arrivals (``res.duration``), so work
    done while draining afterwards does not count.
    """
    until = _until(res, until)
    arch = res.architecture
    names = [s for s in arch.services if s != arch.entry]
    out = {}
    if arch.streams:
        ev = res.events
        done = ev[(ev["outcome"] == "processed") & (ev["processed_at"] <= until)]
        counts = done["group"].value_counts()
        out = {n: counts.get(n, 0) / until for n in names}
    else:
        sp = res.spans
        if len(sp) == 0 and len(res.requests):
            raise ValueError("res: this run recorded no spans (trace_sample=0); work_done needs them")
        done = sp[(sp["operation"] == "handle") & (sp["status"] == "ok") & (sp["end"] <= until)]
        counts = done["service"].value_counts()
        out = {n: counts.get(n, 0) / until for n in names}
    return pd.Series(out, name="per_s", dtype=float)


def fulfilled_per_s(res, until: float | None = None) -> float:
    """Orders per second answered ``ok`` *and* fully done (every effect) by ``until``."""
    until = _until(res, until)
    req = res.requests
    done = (req["status"] == "ok") & (req["settled_at"] <= until)
    return float(done.sum()) / until


def answered_per_s(res, start: float, end: float) -> float:
    """Requests answered ``ok`` per second during ``[start, end)`` (by answer time)."""
    if not end > start:
        raise ValueError(f"start/end: need start < end, got start={start}, end={end}")
    req = res.requests
    sel = (req["status"] == "ok") & (req["end"] >= start) & (req["end"] < end)
    return float(sel.sum()) / (end - start)


def failed_share(res, start: float, end: float) -> float:
    """Share of the requests that *arrived* in ``[start, end)`` and did not end ``ok``."""
    if not end > start:
        raise ValueError(f"start/end: need start < end, got start={start}, end={end}")
    req = res.requests
    sel = req[(req["start"] >= start) & (req["start"] < end) & (req["status"] != "in_flight")]
    return float((sel["status"] != "ok").mean()) if len(sel) else float("nan")


def throughput_point(rate: float, style: str, seed: int = 0, duration: float = 6.0) -> dict:
    """The order example in ``style`` under ``rate`` orders/s for ``duration`` s.

    The clock stops at ``duration`` (no drain): everything is counted inside
    the window. Returns ``ok_per_s`` (answered ok), ``fulfilled_per_s``
    (ok and every effect done), ``error_rate``, ``p99`` (caller) and
    ``done_<service>`` (work each downstream service finished per second).
    """
    res = simulate(scenarios.order_placed(style), Traffic.poisson(rate), duration=duration, seed=seed,
                   drain=False)
    s = res.summary()
    answered = res.requests[res.requests["status"] != "in_flight"]
    row = {
        "ok_per_s": s["ok"] / duration,
        "fulfilled_per_s": fulfilled_per_s(res),
        "error_rate": s["error_rate"],
        "rejected_per_s": float((answered["status"] == "rejected").sum()) / duration,
        "p99": s["p99"],
        "max_consumer_lag": s["max_consumer_lag"],
    }
    row.update({f"done_{k}": v for k, v in work_done(res).items()})
    return row


def throughput_figure(df: pd.DataFrame, services=("inventory", "shipping")) -> Figure:
    """Answers and work done per second against the offered load, both styles.

    ``df`` is a ``vn.sweep`` of :func:`throughput_point` over ``rate`` and
    ``style``. Left: requests answered ok per second (and, dotted, orders
    fulfilled within the window). Right: the work ``services`` finished per
    second, with each one's capacity as a grey line.
    """
    need = {"rate", "style", "ok_per_s", "fulfilled_per_s"} | {f"done_{s}" for s in services}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a sweep of throughput_point)")
    df = df.groupby(["style", "rate"], as_index=False).mean(numeric_only=True)
    caps = capacities(scenarios.order_placed(RR))
    fig = Figure(figsize=(10.5, 4.1), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    top = float(df["rate"].max())
    xs = np.array([0.0, top * 1.04])
    slowest = min(caps, key=caps.get)
    for a in (left, right):
        a.plot(xs, xs, color="#bbbbbb", ls=":", lw=1.0)
        a.text(top * 0.98, top * 0.98, "offered ", ha="right", va="bottom", fontsize=7.5, color=vp.GREY, rotation=0)
    left.axhline(caps[slowest], color=vp.GREY, ls="--", lw=1.0)
    left.text(0.01 * top, caps[slowest], f" {slowest}'s capacity {caps[slowest]:.0f}/s", va="bottom",
              fontsize=7.5, color=vp.GREY)
    for style in (RR, ED):
        sel = df[df["style"] == style].sort_values("rate")
        if sel.empty:
            continue
        color = vp.STYLE_COLORS[style]
        left.plot(sel["rate"], sel["ok_per_s"], "-o", color=color, lw=1.8, ms=4.5, mec="white",
                  label=f"{vp.STYLE_LABELS[style]}: answered ok")
        left.plot(sel["rate"], sel["fulfilled_per_s"], ls=(0, (1.5, 1.5)), marker="x", color=color, lw=1.3,
                  ms=5, label=f"{vp.STYLE_LABELS[style]}: fulfilled (all four effects done in the run)")
        for k, svc in enumerate(services):
            marker, ls = ("o", "-") if k == 0 else ("s", "--")
            right.plot(sel["rate"], sel[f"done_{svc}"], ls=ls, marker=marker, color=color, lw=1.6, ms=4.5,
                       mec="white", label=f"{vp.STYLE_LABELS[style]}: {svc}")
    for svc in services:
        right.axhline(caps[svc], color=vp.GREY, ls="--", lw=0.9)
        right.text(0.01 * top, caps[svc], f" {svc}'s capacity {caps[svc]:.0f}/s", va="bottom", fontsize=7.5,
                   color=vp.GREY)
    left.set_title("Orders answered per second", fontsize=10, loc="left", color=vp.INK)
    right.set_title("Work done per second, per service", fontsize=10, loc="left", color=vp.INK)
    for a in (left, right):
        vp.tidy(a)
        a.set_xlim(0, top * 1.04)
        a.set_ylim(0, top * 1.08)
        a.set_xlabel("offered load (orders/s)", fontsize=8.5)
        a.legend(fontsize=7.5, frameon=False, loc="upper left")
    left.set_ylabel("per second (inside the run)", fontsize=8.5)
    return fig


# ---------------------------------------------------------------------------
# Bursts
# ---------------------------------------------------------------------------

def drain_time(res, group: str, start: float, end: float) -> float:
    """Seconds from ``end`` (a spike or a fault ends) until ``group`` had caught up.

    Read from the ``consumer_lag`` series: "caught up" is the first sample
    after ``end`` whose lag is no higher than the highest lag seen before
    ``start`` (a healthy consumer always carries a little: events not yet
    committed). ``math.inf`` if that never happened before the run stopped.
    """
    if not 0 <= start < end:
        raise ValueError(f"start/end: need 0 <= start < end, got start={start}, end={end}")
    lag = res.metric("consumer_lag")
    if group not in lag.columns:
        raise KeyError(f"group: no consumer group {group!r} in this run; groups: {sorted(lag.columns)}")
    lag = lag[group]
    before = lag[lag.index < start]
    normal = float(before.max()) if len(before) else 0.0
    after = lag[(lag.index > end) & (lag <= normal)]
    return float(after.index[0] - end) if len(after) else math.inf


# ---------------------------------------------------------------------------
# Consumer groups: partitions x instances
# ---------------------------------------------------------------------------

def consumer_group(partitions: int, instances: int, mean: float = 0.010):
    """One consumer group behind a stream: ``instances`` consumers, ``partitions`` partitions,
    ``mean`` seconds per event (exponential), a free producer and broker —
    the setting of ``vn.theory.partitioned_consumers``."""
    return scenarios.single_service(workers=instances, mean_service_time=mean, name="consumer",
                                    style=ED, partitions=partitions)


def consumer_group_point(partitions: int, instances: int, seed: int = 0, rate: float = 350.0,
                         mean: float = 0.010, duration: float = 4.0) -> dict:
    """Events per second a consumer group got through at ``rate`` offered, and what theory allows.

    ``theory_capacity`` is what the busiest instance lets through:
    ``mu * partitions / busiest_partitions`` with ``mu = 1 / mean`` (so
    ``min(instances, partitions) * mu`` when they divide evenly).
    ``active``/``idle`` are instances with and without a partition.
    """
    res = simulate(consumer_group(partitions, instances, mean), Traffic.poisson(rate), duration=duration,
                   seed=seed, drain=False, trace_sample=0.0)
    ev = res.events
    mu = 1.0 / mean
    shape = theory.partitioned_consumers(1e-6, mu, partitions, instances)   # the assignment only
    return {
        "processed_per_s": float((ev["outcome"] == "processed").sum()) / duration,
        "offered": rate,
        "theory_capacity": mu * partitions / shape.busiest_partitions,
        "active": shape.active_instances,
        "idle": shape.idle_instances,
    }


def consumer_latency_point(instances: int, seed: int = 0, partitions: int = 4, rate: float = 80.0,
                           mean: float = 0.010, duration: float = 10.0) -> dict:
    """Mean time an event spends in a stable consumer group, measured and in theory.

    ``measured`` is the mean end-to-end latency (append to processed; the
    broker costs nothing here); ``theory`` is
    ``vn.theory.partitioned_consumers(...).metrics.W`` (the busiest
    instance as an M/M/1 queue); ``pooled`` is its ``mmc_equivalent.W``,
    what the same instances would achieve sharing one queue. ``theory`` is
    ``inf`` when the busiest instance cannot keep up.
    """
    res = simulate(consumer_group(partitions, instances, mean), Traffic.poisson(rate), duration=duration,
                   seed=seed, trace_sample=0.0)
    mu = 1.0 / mean
    try:
        pc = theory.partitioned_consumers(rate, mu, partitions, instances)
        w, idle = pc.metrics.W, pc.idle_instances
    except ValueError:
        w, idle = math.inf, max(0, instances - partitions)
    try:
        pooled = theory.mmc(rate, mu, instances).W
    except ValueError:
        pooled = math.inf
    req = res.requests
    return {"measured": float(req.loc[req["status"] == "ok", "e2e_latency"].mean()), "theory": w,
            "pooled": pooled, "idle": idle}


def instance_load(res, group: str) -> pd.DataFrame:
    """Which consumer instance of ``group`` did the work.

    Partition ``p`` belongs to instance ``p % instances``; an instance
    with no partition is idle. One row per instance: ``partitions`` it
    owns, ``events`` it processed and ``busy`` seconds it spent processing
    (from the group's ``consume`` spans, when the run recorded spans).
    """
    arch = res.architecture
    streams = arch.subscriptions_of(group) if group in arch.graph else []
    if not streams:
        raise KeyError(f"group: {group!r} is not a consumer group of this run; groups: "
                       f"{sorted(set(res.events['group'])) if len(res.events) else []}")
    n = arch.graph.nodes[group]["workers"]
    parts = arch.graph.nodes[streams[0]]["partitions"]
    owner = {p: p % n for p in range(parts)}
    ev = res.events
    ev = ev[(ev["group"] == group) & (ev["stream"] == streams[0])]
    instance_of = ev["partition"].map(owner)
    processed = ev["outcome"] == "processed"
    events = processed.groupby(instance_of).sum()
    busy = pd.Series(0.0, index=range(n))
    sp = res.spans
    if len(sp):
        consume = sp[(sp["service"] == group) & (sp["operation"] == f"consume {streams[0]}")]
        part_of_trace = ev.drop_duplicates("trace_id").set_index("trace_id")["partition"]
        inst = consume["trace_id"].map(part_of_trace).map(owner)
        busy = (consume["end"] - consume["start"]).groupby(inst).sum().reindex(range(n), fill_value=0.0)
    rows = [{"instance": i, "partitions": [p for p in range(parts) if owner[p] == i],
             "events": int(events.get(i, 0)), "busy": float(busy.get(i, 0.0))} for i in range(n)]
    return pd.DataFrame(rows).set_index("instance")


def consumer_figure(grid: pd.DataFrame, latency: pd.DataFrame | None = None) -> Figure:
    """Left: events/s a consumer group got through, per partitions x instances
    (measured, with the theory's cap underneath). Right (if ``latency`` is
    given: a sweep of :func:`consumer_latency_point` over ``instances``):
    mean time in the group against instances, measured and in theory, next
    to one pooled queue."""
    need = {"partitions", "instances", "processed_per_s", "theory_capacity", "idle"}
    missing = need - set(grid.columns)
    if missing:
        raise ValueError(f"grid: missing columns {sorted(missing)} (a sweep of consumer_group_point)")
    grid = grid.groupby(["partitions", "instances"], as_index=False).mean(numeric_only=True)
    parts = sorted(grid["partitions"].unique())
    insts = sorted(grid["instances"].unique())

    def wide(column):
        return grid.pivot(index="partitions", columns="instances", values=column).reindex(index=parts, columns=insts)

    table, cap, idle = wide("processed_per_s"), wide("theory_capacity"), wide("idle")
    offered = float(grid["offered"].iloc[0]) if "offered" in grid else float("nan")
    two = latency is not None and len(latency)
    fig = Figure(figsize=(10.5 if two else 5.6, 4.2), layout="constrained")
    axes = fig.subplots(1, 2 if two else 1, squeeze=False)[0]
    ax = axes[0]
    cmap = LinearSegmentedColormap.from_list("ed", ["#fdf1e4", vp.STYLE_COLORS[ED]])
    vmax = offered if math.isfinite(offered) else float(np.nanmax(table.to_numpy()))
    img = ax.imshow(table.to_numpy(float), cmap=cmap, vmin=0, vmax=vmax, origin="lower", aspect="auto")
    for r, p in enumerate(parts):
        for c, i in enumerate(insts):
            v, t, k = table.loc[p, i], cap.loc[p, i], idle.loc[p, i]
            text = f"{v:.0f}/s\ncap {min(t, offered) if math.isfinite(offered) else t:.0f}"
            if k > 0:
                text += f"\n{k:.0f} idle"
            ax.text(c, r, text, ha="center", va="center", fontsize=7.5,
                    color="white" if v > 0.6 * vmax else vp.INK)
    ax.set_xticks(range(len(insts)), [str(i) for i in insts])
    ax.set_yticks(range(len(parts)), [str(p) for p in parts])
    ax.set_xlabel("consumer instances in the group", fontsize=8.5)
    ax.set_ylabel("partitions of the stream", fontsize=8.5)
    title = "Events processed per second"
    if math.isfinite(offered):
        title += f" ({offered:.0f}/s offered)"
    ax.set_title(title, fontsize=10, loc="left", color=vp.INK)
    ax.tick_params(labelsize=8)
    cb = fig.colorbar(img, ax=ax, shrink=0.8, pad=0.02)
    cb.ax.tick_params(labelsize=7)
    if two:
        a = axes[1]
        lat = latency.groupby("instances", as_index=False).mean(numeric_only=True).sort_values("instances")
        finite = lat[np.isfinite(lat["theory"])]
        a.plot(finite["instances"], finite["theory"] * 1000, "-", color=vp.INK, lw=1.3,
               label="theory: partitioned (busiest instance, M/M/1)")
        a.plot(lat["instances"], lat["measured"] * 1000, "o", color=vp.STYLE_COLORS[ED], ms=7, mec="white",
               label="measured")
        pooled = lat[np.isfinite(lat["pooled"])]
        a.plot(pooled["instances"], pooled["pooled"] * 1000, "--", color=vp.GREY, lw=1.2,
               label="theory: the same instances sharing one queue (M/M/c)")
        for _, row in lat.iterrows():
            if row["idle"] > 0:
                a.annotate(f"{row['idle']:.0f} idle", (row["instances"], row["measured"] * 1000),
                           textcoords="offset points", xytext=(0, 8), ha="center", fontsize=7.5, color=vp.GREY)
        a.set_xscale("log", base=2)
        a.set_xticks(lat["instances"], [f"{i:.0f}" for i in lat["instances"]])
        a.set_xlabel("consumer instances", fontsize=8.5)
        a.set_ylabel("mean time in the group (ms)", fontsize=8.5)
        a.set_title("Past the partition count, more instances buy nothing", fontsize=10, loc="left", color=vp.INK)
        vp.tidy(a)
        a.set_ylim(bottom=0)
        a.legend(fontsize=7.5, frameon=False)
    return fig


def instance_figure(res, group: str, ax=None) -> Figure:
    """Bars: events each consumer instance of ``group`` processed; idle ones marked 'idle'."""
    load = instance_load(res, group)
    if ax is None:
        fig = Figure(figsize=(4.2, 3.0), layout="constrained")
        ax = fig.subplots()
    fig = ax.figure
    idle = load["events"] == 0
    colors = [("white" if i else vp.STYLE_COLORS[ED]) for i in idle]
    ax.bar(load.index, load["events"], color=colors, edgecolor=vp.STYLE_COLORS[ED], lw=1.0)
    top = max(1.0, float(load["events"].max()))
    for i, row in load.iterrows():
        if row["events"] == 0:
            ax.text(i, 0.02 * top, "idle", ha="center", va="bottom", fontsize=6.5, color=vp.GREY, rotation=90)
    ax.set_ylim(0, top * 1.1)
    ax.set_xticks(load.index, [str(i) for i in load.index] if len(load) <= 16 else None)
    ax.set_xlabel("consumer instance", fontsize=8.5)
    ax.set_ylabel("events processed", fontsize=8.5)
    parts = res.architecture.graph.nodes[res.architecture.subscriptions_of(group)[0]]["partitions"]
    ax.set_title(f"ED · {group}: work per instance ({parts} partitions)", fontsize=9, loc="left", color=vp.INK)
    vp.tidy(ax)
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class ScalabilityPanel(Panel):
    """Load, a burst, a slow service and the size of a consumer group, under sliders.

    Controls: ``rate`` (orders/s), ``spike`` (x) during ``spike_window``
    (traffic); ``slowdown`` (x) of ``inventory`` during ``slow_window``
    (failure); the stream's ``partitions`` and inventory's ``instances``
    (its consumer instances in event-driven, its workers in
    request-response) (partition). The figure: answers and failures per
    second, orders' busy workers (RR backpressure), consumer lag (ED
    buffering) and the events each inventory instance processed.
    """

    SERVICE = "inventory"

    def __init__(self, *, duration: float = 10.0, seed: int = 7, rate: int = 150, spike: float = 1.0,
                 spike_window: tuple | None = None, slowdown: float = 1.0, slow_window: tuple | None = None,
                 partitions: int = 4, instances: int | None = None, run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        d = self.duration
        if spike_window is None:
            spike_window = (round(d * 0.3), round(d * 0.45))
        if slow_window is None:
            slow_window = (round(d * 0.3), round(d * 0.6))
        if instances is None:
            instances = scenarios.DOWNSTREAM[self.SERVICE][0]
        step = 0.5
        controls = {
            "rate": slider(W.IntSlider, value=rate, min=20, max=400, step=10, description="rate (req/s)",
                           tooltip="Poisson arrivals per second at orders, the same in both styles"),
            "spike": slider(W.FloatSlider, value=spike, min=1.0, max=5.0, step=0.5, description="spike ×",
                            tooltip="the rate is multiplied by this during the spike window (1 = no spike)"),
            "spike_window": slider(W.FloatRangeSlider, value=spike_window, min=0.0, max=d, step=step,
                                   description="spike at (s)", readout_format=".1f"),
            "slowdown": slider(W.FloatSlider, value=slowdown, min=1.0, max=10.0, step=0.5,
                               description="slowdown ×",
                               tooltip="inventory's service times are this many times longer in the window"),
            "slow_window": slider(W.FloatRangeSlider, value=slow_window, min=0.0, max=d, step=step,
                                  description="slow at (s)", readout_format=".1f"),
            "partitions": slider(W.IntSlider, value=partitions, min=1, max=16, description="partitions",
                                 tooltip="partitions of the order-placed stream (event-driven)"),
            "instances": slider(W.IntSlider, value=instances, min=1, max=16, description="instances",
                                tooltip="inventory's consumer instances (ED) / workers (RR)"),
        }
        groups = [("traffic (both styles)", ["rate", "spike", "spike_window"]),
                  ("failure: inventory slows", ["slowdown", "slow_window"]),
                  ("partitions & instances", ["partitions", "instances"])]
        columns = control_columns(controls, groups)
        super().__init__(controls, layout=columns)
        if run:
            self.run()

    # -- the experiment ------------------------------------------------------
    def traffic(self, p: dict) -> Traffic:
        start, end = p["spike_window"]
        if p["spike"] != 1 and end > start:
            return Traffic.spike(p["rate"], p["spike"], start, end)
        return Traffic.poisson(p["rate"])

    def faults(self, p: dict) -> list:
        start, end = p["slow_window"]
        if p["slowdown"] != 1 and end > start:
            return [Slowdown(self.SERVICE, start, end, p["slowdown"])]
        return []

    def architecture(self, style: str, p: dict):
        downstream = dict(scenarios.DOWNSTREAM)
        downstream[self.SERVICE] = (int(p["instances"]), downstream[self.SERVICE][1])
        return scenarios.order_placed(style, partitions=int(p["partitions"]), downstream=downstream)

    def simulate(self, params: dict, timings: dict) -> dict:
        traffic, faults = self.traffic(params), self.faults(params)
        results = {}
        for style in (RR, ED):
            key = (traffic, tuple(faults), params["instances"], params["partitions"] if style == ED else None)
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                self.architecture(style, params), traffic, self.duration, faults=faults, seed=self.seed,
                max_requests=30_000, max_drain=self.duration, trace_sample=0.0))
        return results

    # -- the picture -----------------------------------------------------------
    def draw(self, results: dict, params: dict) -> Figure:
        fig = Figure(figsize=(12.0, 6.0))
        metrics = ("throughput", "errors", "busy_workers", "consumer_lag")
        grid = vp.grid_in_inches(fig, len(metrics), left=0.55, right=5.1, top=0.3, bottom=0.5, hspace=0.42)
        vp.timeseries(results, metrics, ax=vp.stacked_axes(fig, grid),
                      nodes={"busy_workers": ["orders"], "consumer_lag": [self.SERVICE]})
        side = vp.grid_in_inches(fig, 2, left=8.6, right=0.2, top=0.3, bottom=0.5, height_ratios=[1.5, 1],
                                 hspace=0.45)
        ax_bar = fig.add_subplot(side[0])
        instance_figure(results[ED], self.SERVICE, ax=ax_bar)
        ax_txt = fig.add_subplot(side[1])
        ax_txt.set_axis_off()
        caps = capacities(results[ED].architecture)
        rr_caps = capacities(results[RR].architecture)
        per = 1 / scenarios.DOWNSTREAM[self.SERVICE][1]
        start, end = params["slow_window"]
        slow = params["slowdown"] if params["slowdown"] != 1 and end > start else 1.0
        lines = [
            f"{self.SERVICE}, flat out:",
            f"ED  min({params['instances']} inst., {params['partitions']} part.) × {per:.0f}/s"
            f" = {caps[self.SERVICE]:.0f}/s",
            f"RR  {params['instances']} workers × {per:.0f}/s = {rr_caps[self.SERVICE]:.0f}/s",
            f"slowest RR callee: {min(rr_caps, key=rr_caps.get)} ({min(rr_caps.values()):.0f}/s)",
        ]
        if slow != 1:
            lines.append(f"{self.SERVICE} while slowed: ÷{slow:g}")
        ax_txt.text(0.0, 1.0, "\n".join(lines), va="top", ha="left", fontsize=8, color=vp.INK,
                    family="monospace", transform=ax_txt.transAxes, linespacing=1.5)
        return fig

    def summary_html(self, results: dict) -> str:
        rr, ed = results[RR].summary(), results[ED].summary()
        d = self.duration
        cells = [
            ("answered ok per second", f"RR {rr['ok'] / d:,.0f}/s · ED {ed['ok'] / d:,.0f}/s"),
            ("caller error rate", f"RR {rr['error_rate']:.1%} · ED {ed['error_rate']:.1%}"),
            ("caller p99", f"RR {vp.format_ms(rr['p99'])} · ED {vp.format_ms(ed['p99'])}"),
            ("fulfilled per second",
             f"RR {fulfilled_per_s(results[RR]):,.0f}/s · ED {fulfilled_per_s(results[ED]):,.0f}/s"),
            (f"max lag ({self.SERVICE}, ED)",
             f"{results[ED].metric('consumer_lag')[self.SERVICE].max():,.0f} events"),
        ]
        return table_html(cells)
