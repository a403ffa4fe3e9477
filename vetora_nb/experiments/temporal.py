"""Temporal coupling: a consumer (or the broker) goes away, and each style pays its own way.

A consumer goes down from ``start`` to ``end``. In request-response its
callers fail for exactly that long; in event-driven the broker keeps what
arrives, the consumer's lag grows, and once it is back the backlog drains at
the *spare* capacity::

    backlog    = rate * (end - start)                 vn.theory.backlog_after_outage
    capacity   = min(partitions, instances) / mean    vn.measures.consumer_capacity
    drain time = backlog / (capacity - rate)          vn.measures.predicted_drain_time

This module builds the architectures notebook 07 varies
(:func:`shipping_only`, :func:`order_example`), wires "the same loss of
contact" into each style (:func:`outage_faults`), runs one point of the drain
sweep (:func:`drain_run`, what ``vn.sweep`` calls) and the overload
experiment (:func:`overload`), and reads one outage run against the theory
(:func:`drain_report`).

>>> arch = shipping_only(partitions=4, instances=2)
>>> from vetora_nb import measures
>>> measures.consumer_capacity(arch, "shipping")
200.0
>>> [type(f).__name__ for f in outage_faults(order_example("event_driven"), "broker", 2, 4)]
['BrokerOutage']
"""

from __future__ import annotations

import math

import pandas as pd

from .. import measures, scenarios, theory
from ..faults import BrokerOutage, NetworkPartition, Outage, cut_links_into
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["RR", "ED", "STREAM", "FAULTS", "shipping_only", "order_example", "watched", "outage_faults",
           "drain_run", "drain_report", "overload"]

RR, ED = scenarios.STYLES
#: The stream of the order example (event-driven style).
STREAM = "order-placed"
#: What can happen to the watched service: it goes down, or the network to it is cut.
FAULTS = ("outage", "cut")


def shipping_only(partitions: int = 4, instances: int = 4, style: str = ED,
                  service_time: float | None = None) -> "scenarios.Architecture":
    """The order example with shipping as its only consumer (or callee).

    ``instances`` is shipping's consumer instances (its workers in
    request-response); ``service_time`` its mean, by default the order
    example's.
    """
    _, mean = scenarios.DOWNSTREAM["shipping"]
    mean = mean if service_time is None else service_time
    return scenarios.order_placed(style, partitions=partitions, downstream={"shipping": (instances, mean)})


def watched(service: str) -> str:
    """The consumer group whose lag tells the story when ``service`` fails
    (shipping's when the broker does)."""
    return "shipping" if service == "broker" else service


def order_example(style: str, partitions: int = 4, service: str = "shipping",
                  instances: int | None = None) -> "scenarios.Architecture":
    """The full order example, with :func:`watched` ``(service)`` given
    ``instances`` consumer instances (workers in request-response)."""
    downstream = dict(scenarios.DOWNSTREAM)
    group = watched(service)
    if group not in downstream:
        raise KeyError(f"service: unknown service {service!r}; choose from {sorted(downstream) + ['broker']}")
    if instances is not None:
        downstream[group] = (int(instances), downstream[group][1])
    return scenarios.order_placed(style, partitions=int(partitions), downstream=downstream)


def outage_faults(arch, service: str, start: float, end: float, fault: str = "outage") -> list:
    """The same loss of contact, wired ``arch``'s way.

    ``fault='outage'``: ``service`` is down (``service='broker'``: the
    broker is, which request-response does not have). ``fault='cut'``: the
    links that bring ``service`` its work are cut
    (:func:`vetora_nb.faults.cut_links_into`: ``orders`` in request-response,
    the stream in event-driven); with ``service='broker'``, the link from the
    entry to the stream.
    """
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
    if end <= start:
        return []
    if service == "broker":
        if not arch.streams:
            return []
        if fault == "outage":
            return [BrokerOutage(start, end)]
        return [NetworkPartition(arch.entry, s, start, end) for s in arch.streams]
    if fault == "outage":
        return [Outage(service, start, end)]
    return cut_links_into(arch, service, start, end)


def drain_run(rate: float, outage: float, partitions: int = 4, instances: int = 4, seed: int = 0,
              start: float = 4.0) -> dict:
    """Shipping down for ``outage`` seconds at ``rate`` orders/s: measured and predicted drain.

    The run lasts long enough for the predicted drain to finish well before
    arrivals stop (when the prediction is finite). Returns ``measured``
    (:func:`vetora_nb.measures.drain_time`), ``predicted``, ``backlog``,
    ``capacity``.
    """
    arch = shipping_only(partitions, instances)
    capacity = measures.consumer_capacity(arch, "shipping")
    predicted = measures.predicted_drain_time(rate, outage, capacity)
    tail = 1.5 * predicted + 4 if math.isfinite(predicted) else 3 * outage
    res = simulate(arch, Traffic.poisson(rate), duration=start + outage + tail, seed=seed,
                   faults=[Outage("shipping", start, start + outage)], sample_interval=0.1)
    return {"measured": measures.drain_time(res, "shipping", start, start + outage),
            "predicted": predicted, "backlog": theory.backlog_after_outage(rate, outage),
            "capacity": capacity}


def drain_report(res, service: str, rate: float, window) -> dict:
    """An event-driven run with ``service`` failing over ``window`` read against the theory.

    ``capacity`` (:func:`~vetora_nb.measures.consumer_capacity`),
    ``predicted`` and ``measured`` drain times after ``window = (start,
    end)``; all three ``None`` when the window is empty or there is no
    backlog to drain: ``service`` is the broker (the producers fail, nothing
    piles up) or is not a consumer of ``res``.
    """
    start, end = window
    group = service
    if end <= start or service == "broker" or not res.architecture.subscriptions_of(group):
        return {"capacity": None, "predicted": None, "measured": None}
    capacity = measures.consumer_capacity(res.architecture, group)
    return {"capacity": capacity, "predicted": measures.predicted_drain_time(rate, end - start, capacity),
            "measured": measures.drain_time(res, group, start, end)}


def overload(rate: float, instances=(1, 2, 4), window=(5.0, 10.0), duration: float = 30.0, seed: int = 7,
             partitions: int = 4):
    """Shipping on ``partitions`` partitions with each count of ``instances``,
    down over ``window`` at ``rate``; arrivals stop the clock (``drain=False``).

    Returns ``(runs, table)``: ``{name: Result}`` and one row per run with its
    ``capacity``, the ``predicted`` and ``measured`` drain times and the
    consumer ``lag at the end``.
    """
    start, end = window
    runs = {}
    for n in instances:
        arch = shipping_only(partitions=partitions, instances=n)
        name = f"{n} instance{'s' if n > 1 else ''}: {measures.consumer_capacity(arch, 'shipping'):.0f}/s"
        runs[name] = simulate(arch, Traffic.poisson(rate), duration=duration,
                              faults=[Outage("shipping", start, end)], seed=seed, drain=False)
    rows = []
    for name, res in runs.items():
        capacity = measures.consumer_capacity(res.architecture, "shipping")
        rows.append({"run": name, "capacity": capacity,
                     "predicted drain (s)": measures.predicted_drain_time(rate, end - start, capacity),
                     "measured drain (s)": measures.drain_time(res, "shipping", start, end),
                     "lag at the end": res.metric("consumer_lag")["shipping"].iloc[-1]})
    return runs, pd.DataFrame(rows).set_index("run")
