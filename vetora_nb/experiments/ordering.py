"""Ordering and delivery: a small pipeline whose keys, partitions and delivery settings notebook 08 turns.

``orders -> order-events -> consumer groups`` (:func:`pipeline`), its
request-response twin (:func:`request_twin`), the faults of a consumer
crash and of flaky processing (:func:`consumer_faults`) and the retry-budget
sweep (:func:`dlq_table`). What the runs show is read by
:mod:`vetora_nb.measures` (``order_report``, ``instance_load``,
``dlq_share`` ...).

>>> arch = pipeline(partitions=4, groups={"billing": 2, "email": 6})
>>> sorted(arch.subscribers(STREAM))
['billing', 'email']
>>> [partition_for(k, 4) for k in range(6)]        # a key always lands in the same partition
[1, 3, 1, 3, 0, 2]
"""

from __future__ import annotations

import math

import pandas as pd

from .. import measures
from ..architecture import Architecture
from ..distributions import Constant, Exponential
from ..engine.broker import partition_for
from ..faults import ErrorRate, Outage
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["STREAM", "GROUP", "pipeline", "request_twin", "partition_for", "consumer_faults", "dlq_table"]

STREAM = "order-events"
#: The consumer group the notebook watches.
GROUP = "billing"


def pipeline(partitions: int = 4, instances: int = 4, *, groups: dict | None = None,
             service_time: float = 0.008, commit_interval: float = 0.5, idempotent: bool = False,
             max_attempts: int = 3, name: str = "pipeline") -> Architecture:
    """``orders`` publishes to ``order-events`` (``partitions``); consumer groups react.

    ``groups`` maps each consumer group to its instance count (default:
    ``{"billing": instances}``); every group takes ``service_time`` seconds
    per event on average (exponential) and the same delivery settings.
    """
    groups = {GROUP: instances} if groups is None else dict(groups)
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
    arch.add_service(GROUP, workers=instances, service_time=Exponential(mean=service_time))
    arch.add_call("orders", GROUP, timeout=timeout, retries=retries)
    arch.entry = "orders"
    return arch


def consumer_faults(crash=(0.0, 0.0), error_rate: float = 0.0, group: str = GROUP) -> list:
    """``group`` crashes over ``crash = (start, end)`` (nothing when empty) and,
    with ``error_rate > 0``, each of its attempts fails with that probability
    for the whole run."""
    start, end = crash
    faults = [Outage(group, float(start), float(end))] if end > start else []
    if error_rate > 0:
        faults.append(ErrorRate(group, 0.0, math.inf, float(error_rate)))
    return faults


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
                       faults=consumer_faults(error_rate=error_rate))
        s = res.summary()
        rows.append({"max_attempts": k, "dead_lettered": s["events_dlq"], "events": s["events_published"],
                     "measured_share": measures.dlq_share(res, GROUP), "theory_share": error_rate ** k,
                     "lost": s["events_lost"]})
    return pd.DataFrame(rows).set_index("max_attempts")
