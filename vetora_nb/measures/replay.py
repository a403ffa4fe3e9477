"""Replaying a log: how long a consumer group that joins late needs to catch up.

A group that subscribes at ``T`` and reads from offset 0 starts with the
whole retained history as its backlog; it drains at ``capacity - rate``
(:func:`vetora_nb.theory.backlog_drain_time`). When the group is slowed
while it replays, the first stretch drains at ``capacity / factor - rate``
instead (:func:`slowed_drain_time`); :func:`predicted_catch_up` applies
that to a run. The measured catch-up is
:func:`vetora_nb.patterns.event_sourcing.catch_up`'s ``catch_up_time``.

>>> round(slowed_drain_time(300, capacity=400, rate=100, factor=2, slow_for=1.0), 3)   # 1 s, then 200 at 300/s
1.667
>>> slowed_drain_time(300, capacity=400, rate=100, factor=2, slow_for=10.0)  # slow all the way: 300 at 100/s
3.0
"""

from __future__ import annotations

from .. import theory
from ..faults import Slowdown
from .capacity import consumer_capacity

__all__ = ["slowed_drain_time", "predicted_catch_up"]


def slowed_drain_time(backlog: float, capacity: float, rate: float, factor: float, slow_for: float) -> float:
    """Fluid drain time of ``backlog`` events when the consumer works ``factor``
    times slower for the first ``slow_for`` seconds and at ``capacity`` after
    (``inf`` if it never drains)."""
    first = theory.backlog_drain_time(backlog, capacity / factor, rate)
    if first <= slow_for:
        return first
    left = backlog - (capacity / factor - rate) * slow_for
    return slow_for + theory.backlog_drain_time(max(left, 0.0), capacity, rate)


def predicted_catch_up(result, stream: str, group: str, info: dict) -> float:
    """The fluid prediction of late ``group``'s catch-up in ``result``, with its slowdown if it has one.

    ``info`` is :func:`~vetora_nb.patterns.event_sourcing.catch_up`'s report
    (``joined_at``, ``replayable``, ``predicted_catch_up`` at full speed).
    If a :class:`~vetora_nb.Slowdown` of ``group`` is on when it joins, the
    backlog drains at ``capacity / factor − rate`` until the slowdown ends
    and at ``capacity − rate`` after (:func:`slowed_drain_time`).
    """
    joined, backlog = info["joined_at"], float(info["replayable"])
    slow = [f for f in result.faults if isinstance(f, Slowdown) and f.node == group and f.start <= joined < f.end]
    if not slow or backlog == 0:
        return info["predicted_catch_up"]
    ev = result.events
    rate = ev.loc[ev["stream"] == stream, "event_id"].nunique() / result.duration
    f = slow[0]
    return slowed_drain_time(backlog, consumer_capacity(result.architecture, group), rate, f.factor, f.end - joined)
