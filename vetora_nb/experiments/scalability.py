"""Scalability: how much each style gets done as the load grows, and how far consumers scale.

- :func:`throughput_point` — one run of the order example at an offered
  rate (what a ``vn.sweep`` over rate x style calls): answered, fulfilled
  and the work each downstream service finished per second;
- :func:`scaled_shop` — the order example with one service's workers
  (consumer instances) and the stream's partitions as knobs;
- :func:`consumer_group`, :func:`consumer_group_point`,
  :func:`consumer_latency_point` — one consumer group behind one stream
  under a grid of partitions x instances, next to
  ``vn.theory.partitioned_consumers``; :func:`theory_gap` says how far a
  grid strayed from the theory's cap.

>>> consumer_group_point(2, 4, rate=150, duration=2)["idle"]     # 4 instances, 2 partitions
2
"""

from __future__ import annotations

import math

from .. import measures, scenarios, theory
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["RR", "ED", "throughput_point", "scaled_shop", "consumer_group", "consumer_group_point",
           "consumer_latency_point", "theory_gap"]

RR, ED = scenarios.STYLES


def throughput_point(rate: float, style: str, seed: int = 0, duration: float = 6.0) -> dict:
    """The order example in ``style`` under ``rate`` orders/s for ``duration`` s.

    The clock stops at ``duration`` (no drain): everything is counted inside
    the window. Returns ``ok_per_s`` (answered ok), ``fulfilled_per_s``
    (ok and every effect done), ``error_rate``, ``rejected_per_s``, ``p99``
    (caller), ``max_consumer_lag`` and ``done_<service>`` (work each
    downstream service finished per second, :func:`vetora_nb.measures.work_done`).
    """
    res = simulate(scenarios.order_placed(style), Traffic.poisson(rate), duration=duration, seed=seed,
                   drain=False)
    s = res.summary()
    answered = res.requests[res.requests["status"] != "in_flight"]
    row = {
        "ok_per_s": s["ok"] / duration,
        "fulfilled_per_s": measures.fulfilled_per_s(res),
        "error_rate": s["error_rate"],
        "rejected_per_s": float((answered["status"] == "rejected").sum()) / duration,
        "p99": s["p99"],
        "max_consumer_lag": s["max_consumer_lag"],
    }
    row.update({f"done_{k}": v for k, v in measures.work_done(res).items()})
    return row


def scaled_shop(style: str, *, partitions: int = 4, instances: int | None = None, service: str = "inventory"):
    """``vn.scenarios.order_placed(style, partitions=...)`` with ``service`` given
    ``instances`` workers (its consumer instances in event-driven); the other
    services keep theirs. ``instances=None`` keeps ``service``'s own."""
    if service not in scenarios.DOWNSTREAM:
        raise KeyError(f"service: unknown service {service!r}; services: {list(scenarios.DOWNSTREAM)}")
    downstream = dict(scenarios.DOWNSTREAM)
    workers, mean = downstream[service]
    downstream[service] = (workers if instances is None else int(instances), mean)
    return scenarios.order_placed(style, partitions=int(partitions), downstream=downstream)


def consumer_group(partitions: int, instances: int, mean: float = 0.010):
    """One consumer group behind a stream: ``instances`` consumers, ``partitions`` partitions,
    ``mean`` seconds per event (exponential), a free producer and broker —
    the setting of ``vn.theory.partitioned_consumers``."""
    return scenarios.single_service(workers=instances, mean_service_time=mean, name="consumer",
                                    style=ED, partitions=partitions)


def _idle(res) -> int:
    """Instances of the consumer group that own no partition in the run (``Result.assignment``)."""
    return sum(1 for parts in measures.assignment(res, "consumer").values() if not parts)


def consumer_group_point(partitions: int, instances: int, seed: int = 0, rate: float = 350.0,
                         mean: float = 0.010, duration: float = 4.0) -> dict:
    """Events per second a consumer group got through at ``rate`` offered, and what theory allows.

    ``theory_capacity`` is what the busiest instance lets through:
    ``mu * partitions / busiest_partitions`` with ``mu = 1 / mean`` (so
    ``min(instances, partitions) * mu`` when they divide evenly).
    ``active``/``idle`` are the run's instances with and without a partition.
    """
    res = simulate(consumer_group(partitions, instances, mean), Traffic.poisson(rate), duration=duration,
                   seed=seed, drain=False, trace_sample=0.0)
    ev = res.events
    mu = 1.0 / mean
    shape = theory.partitioned_consumers(1e-6, mu, partitions, instances)   # the assignment only
    idle = _idle(res)
    return {
        "processed_per_s": float((ev["outcome"] == "processed").sum()) / duration,
        "offered": rate,
        "theory_capacity": mu * partitions / shape.busiest_partitions,
        "active": instances - idle,
        "idle": idle,
    }


def consumer_latency_point(instances: int, seed: int = 0, partitions: int = 4, rate: float = 80.0,
                           mean: float = 0.010, duration: float = 10.0) -> dict:
    """Mean time an event spends in a stable consumer group, measured and in theory.

    ``measured`` is the mean end-to-end latency (append to processed; the
    broker costs nothing here); ``theory`` is
    ``vn.theory.partitioned_consumers(...).metrics.W`` (the busiest
    instance as an M/M/1 queue); ``pooled`` is ``vn.theory.mmc(...).W``,
    what the same instances would achieve sharing one queue. ``theory`` is
    ``inf`` when the busiest instance cannot keep up. ``idle``: instances
    with no partition in the run.
    """
    res = simulate(consumer_group(partitions, instances, mean), Traffic.poisson(rate), duration=duration,
                   seed=seed, trace_sample=0.0)
    mu = 1.0 / mean
    try:
        w = theory.partitioned_consumers(rate, mu, partitions, instances).metrics.W
    except ValueError:
        w = math.inf
    try:
        pooled = theory.mmc(rate, mu, instances).W
    except ValueError:
        pooled = math.inf
    req = res.requests
    return {"measured": float(req.loc[req["status"] == "ok", "e2e_latency"].mean()), "theory": w,
            "pooled": pooled, "idle": _idle(res)}


def theory_gap(grid) -> float:
    """The largest relative gap, over a sweep of :func:`consumer_group_point`, between
    what a cell processed and the theory's cap (or the offered load, if lower)."""
    expected = grid[["theory_capacity", "offered"]].min(axis=1)
    return float(((grid["processed_per_s"] - expected).abs() / expected).max())
