"""Ordering and delivery: what notebook 08 measures, draws and puts under sliders.

The mechanics under the event-driven column of the comparison:

- a key picks a partition, so events of one key stay in order; events in
  different partitions are processed by different instances and overtake
  each other (:func:`order_report`);
- a partition has one owner in a consumer group: a hot key makes one hot
  partition, and instances beyond the partition count sit idle
  (:func:`assignment`, :func:`instance_load`, :func:`partition_figure`);
- offsets are committed after processing: a crash redelivers what was done
  since the last commit — duplicates, unless the consumer is idempotent
  (:func:`delivery_figure`); processing that keeps failing is
  dead-lettered after ``max_attempts`` (:func:`dlq_share`).

Everything is measured from runs of a small pipeline,
``orders -> order-events -> consumer groups`` (:func:`pipeline`).

>>> from vetora_nb.panels import nb08_ordering_and_delivery as nb08
>>> nb08.assignment(partitions=4, instances=6)
{0: [0], 1: [1], 2: [2], 3: [3], 4: [], 5: []}
"""

from __future__ import annotations

import math
import time

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots as vp
from ..architecture import Architecture
from ..distributions import Constant, Exponential
from ..engine.broker import partition_for
from ..faults import ErrorRate, Outage
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import KEY_SPACES, Panel, checkbox, control_columns, run_duration, slider, table_html

__all__ = [
    "STREAM", "KEY_SPACES", "pipeline", "request_twin", "partition_for", "assignment", "order_report",
    "request_order_report", "instance_load", "hot_partition", "partition_lag", "dlq_share", "dlq_table", "repeated_effects", "partition_figure",
    "delivery_figure", "OrderingPanel",
]

STREAM = "order-events"
_IDLE = "#c8ccd0"
_HOT = "#c0392b"


# ---------------------------------------------------------------------------
# The architecture
# ---------------------------------------------------------------------------

def pipeline(partitions: int = 4, instances: int = 4, *, groups: dict | None = None,
             service_time: float = 0.008, commit_interval: float = 0.5, idempotent: bool = False,
             max_attempts: int = 3, name: str = "pipeline") -> Architecture:
    """``orders`` publishes to ``order-events`` (``partitions``); consumer groups react.

    ``groups`` maps each consumer group to its instance count (default:
    ``{"billing": instances}``); every group takes ``service_time`` seconds
    per event on average (exponential) and the same delivery settings.
    """
    groups = {"billing": instances} if groups is None else dict(groups)
    if not groups:
        raise ValueError("groups: give at least one consumer group, e.g. {'billing': 4}")
    arch = Architecture(name)
    arch.add_service("orders", workers=64, service_time=Constant(0.001))
    arch.add_stream(STREAM, partitions=partitions)
    arch.add_publish("orders", STREAM)
    for group, n in groups.items():
        arch.add_service(group, workers=n, service_time=Exponential(mean=service_time))
        arch.add_subscription(STREAM, group, commit_interval=commit_interval, idempotent=idempotent,
                              max_attempts=max_attempts)
    arch.entry = "orders"
    return arch


def request_twin(instances: int = 4, *, service_time: float = 0.008, timeout: float = 1.0, retries: int = 0,
                 name: str = "request_response") -> Architecture:
    """The same work wired synchronously: ``orders`` calls ``billing`` (``instances`` workers)."""
    arch = Architecture(name)
    arch.add_service("orders", workers=64, service_time=Constant(0.001))
    arch.add_service("billing", workers=instances, service_time=Exponential(mean=service_time))
    arch.add_call("orders", "billing", timeout=timeout, retries=retries)
    arch.entry = "orders"
    return arch


def _group_of(res, group):
    if group is None:
        groups = [b for _, b in res.architecture.edges_of_kind("subscribe")]
        if not groups:
            raise ValueError("group: this run has no consumer group")
        return groups[0]
    if group not in res.architecture.services or not res.architecture.subscriptions_of(group):
        raise KeyError(f"group: {group!r} is not a consumer group of this run")
    return group


def _shape(res, group):
    """(partitions, instances) of ``group``'s subscription."""
    g = res.architecture.graph
    stream = res.architecture.subscriptions_of(group)[0]
    return g.nodes[stream]["partitions"], g.nodes[group]["workers"]


def assignment(partitions: int, instances: int) -> dict:
    """Which partitions each instance owns: round robin, ``p % instances``.

    An instance owns no partition when there are more instances than
    partitions: it sits idle, whatever the load.
    """
    if partitions < 1 or instances < 1:
        raise ValueError(f"partitions and instances must be >= 1, got {partitions}, {instances}")
    return {i: [p for p in range(partitions) if p % instances == i] for i in range(instances)}


# ---------------------------------------------------------------------------
# Ordering
# ---------------------------------------------------------------------------

def _inversions(values) -> int:
    """Pairs ``i < j`` with ``values[i] > values[j]`` (a Fenwick tree, n log n)."""
    values = np.asarray(values, float)
    n = len(values)
    if n < 2:
        return 0
    ranks = np.empty(n, np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(1, n + 1)
    tree = [0] * (n + 1)
    total = 0
    for i, r in enumerate(ranks.tolist()):
        j, below = r, 0
        while j > 0:
            below += tree[j]
            j -= j & -j
        total += i - below
        j = r
        while j <= n:
            tree[j] += 1
            j += j & -j
    return total


def _grouped_inversions(groups, first, then) -> int:
    """Pairs in the same group, in ``first`` order, whose ``then`` goes backwards."""
    groups = np.asarray(groups)
    order = np.lexsort((np.asarray(first, float), groups))          # by group, then by ``first``
    rank = np.empty(len(order), np.int64)
    rank[np.lexsort((np.asarray(then, float), groups))] = np.arange(len(order))
    # Across groups both orders agree (groups ascend), so only in-group pairs count.
    return _inversions(rank[order])


def order_report(res, group: str | None = None) -> dict:
    """How well ``group`` kept publish order, counted over its processed events.

    Each count is of *pairs* of events, the later-published one processed
    first:

    - ``per_key_pairs``: both events carry the same key;
    - ``within_partition_pairs``: both are in the same partition;
    - ``cross_partition_pairs``: they are in different partitions;
    - ``cross_partition_share``: that count over all cross-partition pairs.
    """
    group = _group_of(res, group)
    ev = res.events
    ev = ev[(ev["group"] == group) & (ev["outcome"] == "processed")]
    pub = ev["published_at"].to_numpy(float)
    done = ev["processed_at"].to_numpy(float)
    part = ev["partition"].to_numpy()
    total = _inversions(done[np.argsort(pub, kind="stable")])
    within = _grouped_inversions(part, pub, done)
    sizes = np.bincount(part) if len(part) else np.zeros(0, int)
    n = len(ev)
    cross_pairs = n * (n - 1) // 2 - int((sizes * (sizes - 1) // 2).sum())
    cross = total - within
    return {"events": n, "keys": int(ev["key"].nunique()),
            "per_key_pairs": _grouped_inversions(ev["key"].to_numpy(), pub, done),
            "within_partition_pairs": within, "cross_partition_pairs": cross,
            "cross_partition_share": cross / cross_pairs if cross_pairs else 0.0}


# ---------------------------------------------------------------------------
# Partitions, instances, hot keys
# ---------------------------------------------------------------------------

def instance_load(res, group: str | None = None) -> pd.DataFrame:
    """One row per instance of ``group``: its partitions, events and busy share.

    Busy time is the sum of the instance's processing spans (every attempt,
    duplicates included) over the time the run took.
    """
    group = _group_of(res, group)
    partitions, instances = _shape(res, group)
    ev = res.events
    ev = ev[ev["group"] == group]
    per_partition = ev[ev["outcome"] == "processed"].groupby("partition").size()
    spans = res.spans
    spans = spans[(spans["service"] == group) & spans["operation"].str.startswith("consume")]
    part_of = dict(zip(ev["trace_id"], ev["partition"]))
    busy_by_part = (spans["end"] - spans["start"]).groupby(spans["trace_id"].map(part_of)).sum()
    rows = []
    for i, parts in assignment(partitions, instances).items():
        busy = float(sum(busy_by_part.get(p, 0.0) for p in parts))
        rows.append({"instance": i, "partitions": ", ".join(f"p{p}" for p in parts) or "none (idle)",
                     "events": int(sum(per_partition.get(p, 0) for p in parts)),
                     "busy_s": busy, "utilization": busy / res.end_time if res.end_time else 0.0})
    return pd.DataFrame(rows).set_index("instance")


def hot_partition(res, group: str | None = None) -> int:
    """The partition that received the most events."""
    group = _group_of(res, group)
    ev = res.events
    return int(ev[ev["group"] == group].groupby("partition").size().idxmax())


def partition_lag(res, group: str | None = None) -> pd.DataFrame:
    """Lag of each partition over time: a column per partition (``p0``, ``p1``...)."""
    group = _group_of(res, group)
    wide = res.metric("partition_lag")
    cols = [c for c in wide.columns if str(c).startswith(f"{group}/")]
    wide = wide[cols]
    wide.columns = [str(c).rsplit("/", 1)[-1] for c in cols]
    return wide[sorted(wide.columns, key=lambda c: int(c[1:]))]


# ---------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------

def dlq_share(res, group: str | None = None) -> float:
    """Share of ``group``'s events that ended in the dead-letter queue."""
    group = _group_of(res, group)
    ev = res.events
    ev = ev[ev["group"] == group]
    return float((ev["outcome"] == "dlq").mean()) if len(ev) else 0.0


def dlq_table(error_rate: float, attempts=(1, 2, 3, 4), rate: float = 150.0, duration: float = 20.0,
              seed: int = 0) -> pd.DataFrame:
    """Dead-lettered share for each retry budget, measured, next to ``error_rate ** max_attempts``.

    Each attempt of the billing group fails with probability ``error_rate``
    (a :class:`~vetora_nb.faults.ErrorRate` over the whole run); an event
    reaches the dead-letter queue only when all ``max_attempts`` fail.
    """
    rows = []
    for k in attempts:
        res = simulate(pipeline(max_attempts=k), Traffic.poisson(rate), duration=duration, seed=seed,
                       faults=[ErrorRate("billing", 0.0, math.inf, error_rate)])
        s = res.summary()
        rows.append({"max_attempts": k, "dead_lettered": s["events_dlq"], "events": s["events_published"],
                     "measured_share": dlq_share(res, "billing"), "theory_share": error_rate ** k,
                     "lost": s["events_lost"]})
    return pd.DataFrame(rows).set_index("max_attempts")


def repeated_effects(res, callee: str) -> dict:
    """Request-response's duplicates: requests ``callee`` handled successfully more than once.

    A caller that times out and retries does not know whether the first try
    happened; often it did. ``repeated`` counts requests whose effect on
    ``callee`` happened two or more times; ``repeated_but_failed`` those of
    them the caller was told had failed.
    """
    spans = res.spans
    done = spans[(spans["service"] == callee) & (spans["operation"] == "handle") & (spans["status"] == "ok")]
    if done.empty and spans.empty:
        raise ValueError("res: no spans were recorded (simulate with trace_sample=1.0)")
    counts = done.groupby("trace_id").size()
    twice = set(counts[counts > 1].index)
    req = res.requests
    failed = set(req.loc[req["status"] != "ok", "trace_id"])
    return {"requests": len(req), "effects": int(counts.sum()), "repeated": len(twice),
            "repeated_but_failed": len(twice & failed)}


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _shade_faults(ax, res):
    for f in res.faults:
        if isinstance(f, Outage):
            ax.axvspan(f.start, min(f.end, res.end_time), color=vp.FAULT_COLOR, alpha=0.09, lw=0, zorder=0)


def _lag_axes(ax, res, group, title):
    lag = partition_lag(res, group)
    hot = hot_partition(res, group)
    partitions = lag.shape[1]
    for k, col in enumerate(lag.columns):
        is_hot = int(col[1:]) == hot and partitions > 1 and res.traffic.hot_key_share > 0
        color = _HOT if is_hot else vp.PALETTE[k % len(vp.PALETTE)]
        label = f"{col} (hot key)" if is_hot else col
        ax.plot(lag.index, lag[col].to_numpy(float), color=color, lw=2.0 if is_hot else 1.1,
                label=label if partitions <= 8 or is_hot else "_nolegend_")
    _shade_faults(ax, res)
    ax.axvline(res.duration, color="#999999", ls=":", lw=1.0)
    ax.set_title(title, fontsize=9.5, loc="left", color=vp.INK)
    ax.set_ylabel("lag (events)", fontsize=8.5)
    ax.set_xlabel("simulated time (s)", fontsize=8.5)
    ax.set_xlim(0, res.end_time)
    ax.set_ylim(bottom=0, top=max(5.0, ax.get_ylim()[1]))
    vp.tidy(ax)
    if partitions > 1:
        ax.legend(fontsize=7, frameon=False, loc="upper left", ncol=min(partitions, 4) if partitions <= 8 else 1)


def _load_axes(ax, res, group):
    load = instance_load(res, group)
    hot = hot_partition(res, group)
    colors = []
    for i, row in load.iterrows():
        owns_hot = f"p{hot}" in row["partitions"].split(", ") and res.traffic.hot_key_share > 0
        colors.append(_IDLE if row["partitions"].startswith("none") else (_HOT if owns_hot else vp.STYLE_COLORS["event_driven"]))
    ax.bar(load.index, load["utilization"] * 100, color=colors, width=0.7)
    for i, row in load.iterrows():
        text = "idle" if row["partitions"].startswith("none") else row["partitions"]
        ax.text(i, row["utilization"] * 100 + 2, text, ha="center", va="bottom", fontsize=6.5 if len(load) > 8 else 7.5,
                color="#555555", rotation=90 if len(load) > 8 and len(text) > 3 else 0)
    ax.set_ylim(0, 118)
    ax.set_xticks(list(load.index))
    ax.set_xlabel("instance of the consumer group", fontsize=8.5)
    ax.set_ylabel("busy (% of the run)", fontsize=8.5)
    ax.set_title("How busy each instance was (and which partitions it owns)", fontsize=9.5, loc="left", color=vp.INK)
    vp.tidy(ax)


def _delivery_axes(ax, runs: dict, group):
    names = list(runs)
    metrics = [("redelivered", "redelivered"), ("duplicates", "applied\ntwice"),
               ("events_dlq", "dead-\nlettered"), ("events_pending", "pending\nat the end"),
               ("events_lost", "lost")]
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        res = runs[name]
        s = res.summary()
        values = [res.redelivered if m == "redelivered" else s[m] for m, _ in metrics]
        xs = np.arange(len(metrics)) + (k - (len(names) - 1) / 2) * width
        color = vp.PALETTE[k % len(vp.PALETTE)] if len(names) > 1 else vp.STYLE_COLORS["event_driven"]
        ax.bar(xs, values, width=width * 0.92, color=color, label=str(name))
        for x, v in zip(xs, values):
            ax.text(x, v, f"{v:,}", ha="center", va="bottom", fontsize=7.5, color="#444444")
    ax.set_xticks(range(len(metrics)), [label for _, label in metrics], fontsize=8)
    ax.set_ylabel("events", fontsize=8.5)
    ax.set_title("Delivery: what a crash and failures cost", fontsize=9.5, loc="left", color=vp.INK)
    top = ax.get_ylim()[1]
    ax.set_ylim(0, max(5.0, top * 1.12))
    vp.tidy(ax)
    ax.grid(False, axis="x")
    if len(names) > 1:
        ax.legend(fontsize=7.5, frameon=False, loc="upper right")


def partition_figure(runs, group: str | None = None) -> Figure:
    """For each run (a column): lag per partition over time, and how busy each instance was.

    ``runs`` is a Result or a dict ``{name: Result}``. The partition of the
    hot key (when the traffic has one) is drawn thick and red; idle
    instances (beyond the partition count) are grey.
    """
    runs = {runs.architecture.name: runs} if not isinstance(runs, dict) else dict(runs)
    n = len(runs)
    fig = Figure(figsize=(min(14.0, 5.2 * n + 0.4), 5.4))
    fig.subplots_adjust(left=0.08 / n ** 0.5, right=0.98, top=0.9, bottom=0.1, hspace=0.55, wspace=0.22)
    axes = fig.subplots(2, n, squeeze=False)
    for k, (name, res) in enumerate(runs.items()):
        g = _group_of(res, group)
        _lag_axes(axes[0, k], res, g, f"{name}: lag per partition")
        _load_axes(axes[1, k], res, g)
    return fig


def delivery_figure(runs, group: str | None = None) -> Figure:
    """Consumer lag with the crash shaded (left) and the delivery accounting of each run (right)."""
    runs = {runs.architecture.name: runs} if not isinstance(runs, dict) else dict(runs)
    fig = Figure(figsize=(10.0, 3.4))
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.2, wspace=0.28)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    for k, (name, res) in enumerate(runs.items()):
        g = _group_of(res, group)
        lag = res.metric("consumer_lag")[g]
        color = vp.PALETTE[k % len(vp.PALETTE)] if len(runs) > 1 else vp.STYLE_COLORS["event_driven"]
        left.plot(lag.index, lag.to_numpy(float), color=color, lw=1.3, label=str(name),
                  ls="-" if k == 0 else "--")
    first = next(iter(runs.values()))
    _shade_faults(left, first)
    for f in first.faults:
        if isinstance(f, Outage):
            left.text(f.start, 1.0, f" {f.node} crashed", transform=left.get_xaxis_transform(), ha="left",
                      va="top", fontsize=7.5, color=vp.FAULT_COLOR, fontweight="bold")
    left.set_title("consumer lag (events not yet committed)", fontsize=9.5, loc="left", color=vp.INK)
    left.set_xlabel("simulated time (s)", fontsize=8.5)
    left.set_ylim(bottom=0)
    left.set_xlim(0, max(r.end_time for r in runs.values()))
    vp.tidy(left)
    if len(runs) > 1:
        left.legend(fontsize=7.5, frameon=False, loc="upper right")
    _delivery_axes(right, runs, group)
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class OrderingPanel(Panel):
    """Keys, partitions, instances, a consumer crash and failures: one pipeline under sliders.

    Controls: ``rate`` (traffic); ``keys``, ``hot_key``, ``partitions`` and
    ``instances`` (partition); ``crash`` window, ``commit_interval``,
    ``idempotent`` and ``error_rate`` of the consumer (failure). The figure
    shows the lag of each partition, how busy each instance was, and the
    delivery accounting (redelivered, duplicates, dead-lettered, lost).
    """

    def __init__(self, *, duration: float = 20.0, seed: int = 7, rate: int = 150, keys: int = 1000,
                 hot_key: float = 0.0, partitions: int = 4, instances: int = 4, crash: tuple | None = None,
                 commit_interval: float = 1.0, idempotent: bool = False, error_rate: float = 0.0,
                 service_time: float = 0.008, run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed, self.service_time = float(duration), seed, service_time
        if crash is None:
            start = round(duration * 0.8) / 2             # 40% of the run, on the slider's 0.5 s steps
            crash = (start, min(float(duration), max(start + 0.5, round(duration) / 2)))
        controls = {
            "rate": slider(W.IntSlider, value=rate, min=20, max=300, step=10, description="rate (ev/s)"),
            "keys": slider(W.SelectionSlider, options=KEY_SPACES, value=keys, description="key space"),
            "hot_key": slider(W.FloatSlider, value=hot_key, min=0.0, max=0.9, step=0.05,
                              description="hot-key share", readout_format=".0%"),
            "partitions": slider(W.IntSlider, value=partitions, min=1, max=16, description="partitions"),
            "instances": slider(W.IntSlider, value=instances, min=1, max=16, description="instances"),
            "crash": slider(W.FloatRangeSlider, value=crash, min=0.0, max=self.duration, step=0.5,
                            description="crash (s)", readout_format=".1f"),
            "commit_interval": slider(W.FloatSlider, value=commit_interval, min=0.0, max=5.0, step=0.25,
                                      description="commit every (s)"),
            "idempotent": checkbox(idempotent, "idempotent consumer"),
            "error_rate": slider(W.FloatSlider, value=error_rate, min=0.0, max=0.6, step=0.05,
                                 description="error rate", readout_format=".0%"),
        }
        groups = [("traffic", ["rate"]), ("keys & partitions", ["keys", "hot_key", "partitions", "instances"]),
                  ("failure & delivery", ["crash", "commit_interval", "idempotent", "error_rate"])]
        columns = control_columns(controls, groups)
        super().__init__(controls, layout=columns)
        if run:
            self.run()

    def simulate(self, params: dict, timings: dict) -> dict:
        arch = pipeline(int(params["partitions"]), int(params["instances"]), service_time=self.service_time,
                        commit_interval=float(params["commit_interval"]), idempotent=bool(params["idempotent"]))
        faults = []
        start, end = params["crash"]
        if end > start:
            faults.append(Outage("billing", start, end))
        if params["error_rate"] > 0:
            faults.append(ErrorRate("billing", 0.0, math.inf, float(params["error_rate"])))
        traffic = Traffic.poisson(params["rate"], keys=int(params["keys"]), hot_key_share=float(params["hot_key"]))
        t0 = time.perf_counter()
        res = simulate(arch, traffic, self.duration, faults=faults, seed=self.seed, drain=True,
                       max_drain=self.duration, max_requests=30_000)
        timings["event_driven"] = time.perf_counter() - t0
        return {"event_driven": res}

    def draw(self, results: dict, params: dict) -> Figure:
        res = results["event_driven"]
        fig = Figure(figsize=(10.5, 5.6))
        grid = fig.add_gridspec(2, 2, left=0.07, right=0.98, top=0.93, bottom=0.1, hspace=0.6, wspace=0.25,
                                height_ratios=[1.1, 1])
        _lag_axes(fig.add_subplot(grid[0, :]), res, "billing",
                  "lag per partition (events not yet committed); the crash is shaded")
        _load_axes(fig.add_subplot(grid[1, 0]), res, "billing")
        _delivery_axes(fig.add_subplot(grid[1, 1]), {"billing": res}, "billing")
        return fig

    def summary_html(self, results: dict) -> str:
        res = results["event_driven"]
        s = res.summary()
        order = order_report(res, "billing")
        load = instance_load(res, "billing")
        idle = int((load["partitions"] == "none (idle)").sum())
        lag = partition_lag(res, "billing")
        cells = [
            ("same-key pairs out of order", f"{order['per_key_pairs']:,}"),
            ("cross-partition pairs out of publish order",
             f"{order['cross_partition_pairs']:,} ({order['cross_partition_share']:.2%} of such pairs)"),
            ("max lag: busiest partition · quietest",
             f"{lag.max().max():,.0f} · {lag.max().min():,.0f}" if lag.size else "—"),
            ("idle instances", f"{idle} of {len(load)}"),
            ("redelivered · duplicates · dead-lettered · lost",
             f"{res.redelivered:,} · {s['duplicates']:,} · {s['events_dlq']:,} · {s['events_lost']:,}"),
        ]
        return table_html(cells)


def request_order_report(res, service: str) -> dict:
    """Request-response's order: did ``service`` finish requests in the order they arrived?

    Counts, by request start, pairs of requests whose handling by
    ``service`` ended in the opposite order (``pairs``) and among them
    those of one key (``per_key_pairs``). Needs the spans
    (``trace_sample=1.0``, the default).
    """
    spans = res.spans
    done = spans[(spans["service"] == service) & (spans["operation"] == "handle") & (spans["status"] == "ok")]
    done = done.groupby("trace_id")["end"].min()
    req = res.requests.set_index("trace_id")
    req = req.loc[req.index.intersection(done.index)].assign(done=done)
    start, end = req["start"].to_numpy(float), req["done"].to_numpy(float)
    return {"requests": len(req), "keys": int(req["key"].nunique()),
            "pairs": _inversions(end[np.argsort(start, kind="stable")]),
            "per_key_pairs": _grouped_inversions(req["key"].to_numpy(), start, end)}
