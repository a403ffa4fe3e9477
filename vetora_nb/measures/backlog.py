"""Backlog and drain time: how far a consumer fell behind, and how long it took to catch up.

The closed form (:func:`vetora_nb.theory.backlog_drain_time`) predicts
that a backlog ``B`` left by an outage drains in ``B / (capacity - rate)``
seconds. :func:`drain_time` measures the same quantity in a run, the one
way notebooks 00, 04 and 07 all read it: from the *processing backlog*
(events published but not yet processed), not from the committed-offset
lag, which trails processing by up to a commit interval.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(100),
...                   duration=20, seed=1, faults=[vn.Outage("shipping", 5, 10)])
>>> 0 < drain_time(res, "shipping") < 5
True
>>> round(predicted_drain_time(rate=100, outage=5, capacity=400), 2)   # 500 events / 300 per s
1.67
"""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from ..faults import BrokerOutage, NetworkPartition, Outage

__all__ = ["processing_backlog", "blocking_window", "drain_time", "predicted_drain_time", "max_consumer_lag"]


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


def blocking_window(res, group: str):
    """``(start, end)`` of the run's first fault that stops ``group`` from
    consuming (it, its stream or the broker down, or a cut); ``None`` if there is none."""
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
    """Seconds from ``end`` (an outage, a spike, a cut ends) until ``group`` had caught up.

    "Caught up" means its backlog (:func:`processing_backlog`) is back to
    what it was in normal running before ``start`` (its 99th percentile over
    the stretch before it, at least 1 event). The window defaults to the
    run's first fault that stops the group. Returns ``math.inf`` if the
    backlog had not cleared by the time arrivals stopped (``res.duration``):
    it never drained while traffic came in.
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


def predicted_drain_time(rate: float, outage: float, capacity: float) -> float:
    """The fluid prediction for an outage of ``outage`` seconds at ``rate``:
    ``backlog_drain_time(backlog_after_outage(rate, outage), capacity, rate)``
    (``inf`` when ``capacity <= rate``)."""
    return theory.backlog_drain_time(theory.backlog_after_outage(rate, outage), capacity, rate)


def max_consumer_lag(res, group: str | None = None):
    """The highest sampled ``consumer_lag`` of each consumer group (a Series by
    group), or of one ``group`` (a number).

    ``summary()['max_consumer_lag']`` is the highest over *all* groups: one
    slow group hides how the others did. This is the same peak, per group.

    >>> import vetora_nb as vn
    >>> res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(100),
    ...                   duration=10, seed=1, faults=[vn.Outage("shipping", 2, 6)])
    >>> peaks = max_consumer_lag(res)
    >>> peaks.idxmax(), int(peaks.max()) == res.summary()["max_consumer_lag"]
    ('shipping', True)
    >>> max_consumer_lag(res, "shipping") > 5 * max_consumer_lag(res, "inventory")   # about rate x outage
    True
    >>> max_consumer_lag(res, "inventory") <= 100 * 0.5 * 1.5      # ~rate x commit interval when healthy
    True
    """
    lag = res.metric("consumer_lag")
    peaks = lag.max().astype(int) if len(lag.columns) else lag.max()
    peaks.index.name, peaks.name = "group", "max_consumer_lag"
    if group is None:
        return peaks
    if group not in peaks.index:
        raise KeyError(f"group: no consumer group {group!r} in this run; groups: {sorted(peaks.index)}")
    return int(peaks[group])
