"""Measurements read off a run: consumer capacity, backlog, drain time.

The closed forms of :mod:`vetora_nb.theory` predict; these functions
measure the same quantities in a :class:`~vetora_nb.results.Result`, so a
notebook can set one against the other.

>>> import vetora_nb as vn
>>> arch = vn.scenarios.order_placed("event_driven")
>>> vn.measures.consumer_capacity(arch, "shipping")    # 4 instances x 100 events/s
400.0
>>> res = vn.simulate(arch, vn.Traffic.poisson(100), duration=20, seed=1,
...                   faults=[vn.Outage("shipping", 5, 10)])
>>> 0 < vn.measures.drain_time(res, "shipping") < 5
True
"""

from __future__ import annotations

import math

import numpy as np

from .faults import BrokerOutage, NetworkPartition, Outage

__all__ = ["consumer_capacity", "processing_backlog", "blocking_window", "drain_time",
           "error_rate_during"]


def consumer_capacity(arch, group: str) -> float:
    """Events per second ``group`` can process, flat out.

    Each partition has one owner and each instance handles one event at a
    time, so only ``min(partitions, instances)`` instances ever work, each
    at ``1 / mean service time`` events per second.
    """
    g = arch.graph
    if group not in g:
        raise KeyError(f"group: unknown service {group!r}; known: {sorted(arch.services)}")
    streams = arch.subscriptions_of(group)
    if not streams:
        raise ValueError(f"group: {group!r} subscribes to no stream in {arch.name!r}")
    partitions = g.nodes[streams[0]]["partitions"]
    instances = g.nodes[group]["workers"]
    return min(partitions, instances) / g.nodes[group]["service_time"].mean


def _group_rows(res, group):
    ev = res.events
    if group not in set(ev["group"]):
        known = sorted(set(ev["group"]))
        raise KeyError(f"group: no consumer group {group!r} in this run; groups: {known}")
    return ev[(ev["group"] == group) & (ev["outcome"] != "dlq")]


def processing_backlog(res, group: str, times) -> np.ndarray:
    """Events published but not yet processed by ``group`` at each of ``times``.

    Unlike ``consumer_lag`` (which counts up to the last *committed*
    offset), this is the work still to do: it is ~0 when the consumer keeps up.
    """
    ev = _group_rows(res, group)
    published = np.sort(ev["published_at"].to_numpy(float))
    processed = np.sort(ev["processed_at"].dropna().to_numpy(float))
    times = np.asarray(times, float)
    return np.searchsorted(published, times, side="right") - np.searchsorted(processed, times, side="right")


def blocking_window(res, group):
    """The first fault window that stops ``group`` from consuming."""
    streams = set(res.architecture.subscriptions_of(group))
    for f in res.faults:
        if isinstance(f, Outage) and (f.node == group or f.node in streams):
            return f.start, f.end
        if isinstance(f, NetworkPartition) and group in (f.a, f.b):
            return f.start, f.end
        if isinstance(f, BrokerOutage) and (f.stream is None or f.stream in streams):
            return f.start, f.end
    return None


def drain_time(res, group: str = "shipping", start: float | None = None,
                        end: float | None = None, step: float = 0.02) -> float:
    """Seconds from the end of the outage until ``group`` had caught up.

    "Caught up" means its backlog (:func:`processing_backlog`) is back to
    what it was in normal running before the outage (its 99th percentile
    over the second before ``start``... up to the whole stretch before it).
    The window defaults to the run's first fault that stops the group.
    Returns ``math.inf`` if the backlog had not cleared by the time arrivals
    stopped (``res.duration``): it never drained while traffic came in.
    """
    if start is None or end is None:
        window = blocking_window(res, group)
        if window is None:
            raise ValueError(f"start/end: no fault in this run stops {group!r}; give start= and end=")
        start, end = window
    if not 0 <= start < end:
        raise ValueError(f"start/end: need 0 <= start < end, got start={start}, end={end}")
    pre = np.arange(0.2 * start, start, step)
    if len(pre) >= 25:
        threshold = max(1.0, float(np.percentile(processing_backlog(res, group, pre), 99)))
    else:
        rate = len(res.requests) / max(res.duration, 1e-9)
        threshold = max(2.0, 0.05 * rate)
    grid = np.arange(end, res.duration + step, step)
    if len(grid) == 0:
        return math.inf
    below = np.nonzero(processing_backlog(res, group, grid) <= threshold)[0]
    return float(grid[below[0]] - end) if len(below) else math.inf


def error_rate_during(res, start: float, end: float) -> float:
    """Share of the requests that *arrived* in ``[start, end)`` and failed."""
    req = res.requests
    sel = req[(req["start"] >= start) & (req["start"] < end) & (req["status"] != "in_flight")]
    return float((sel["status"] != "ok").mean()) if len(sel) else float("nan")
