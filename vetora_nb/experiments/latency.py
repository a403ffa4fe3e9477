"""Latency: the broker hop, the width of a fan-out, and heavy tails.

- :func:`broker_variant` and :func:`hop_point` — the event-driven order
  example with a stream of any ``append_latency``/``delivery_latency``
  (what a ``vn.sweep`` over the delivery latency calls);
- :func:`fanout_shop` and :func:`fanout_point` — ``orders`` fanning out to
  ``width`` identical services, called in parallel or one after another
  (RR) or consuming one event each (ED); :func:`crossover_width` finds
  where request-response stops winning;
- :func:`service_time_of` and :func:`tail_point` — heavy-tailed service
  times in a parallel fan-out: the request waits for the slowest of its calls.

>>> fanout_shop("request_response", width=3).calls_from("orders")
['service-0', 'service-1', 'service-2']
"""

from __future__ import annotations

import math

import numpy as np

from .. import measures, scenarios
from ..architecture import Architecture
from ..distributions import Distribution, Exponential, LogNormal, as_distribution
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["RR", "ED", "STREAM", "VARIANTS", "broker_variant", "hop_point", "fanout_shop", "fanout_point",
           "crossover_width", "service_time_of", "tail_point"]

RR, ED = scenarios.STYLES
STREAM = "order-placed"
#: The three ways to fan out that :func:`fanout_point` compares.
VARIANTS = ("RR parallel", "RR sequential", "ED")


def _clocks_ms(res) -> dict:
    s = res.summary()
    return {"caller_p50": s["p50"] * 1000, "caller_p99": s["p99"] * 1000,
            "e2e_p50": s["e2e_p50"] * 1000, "e2e_p99": s["e2e_p99"] * 1000}


def broker_variant(delivery_latency: float | Distribution = 0.005,
                   append_latency: float | Distribution = 0.002, partitions: int = 4) -> Architecture:
    """The event-driven order example with a stream of the given latencies (seconds).

    ``append_latency`` is what ``orders`` waits for the broker's ack (the
    caller pays it); ``delivery_latency`` is the hop from the append until
    consumers see the event (only the end-to-end clock pays it). With the
    defaults it is ``vn.scenarios.order_placed('event_driven')``.
    """
    return scenarios.order_placed(ED, partitions=partitions, append_latency=append_latency,
                                  delivery_latency=delivery_latency)


def hop_point(delivery_ms: float, seed: int = 0, rate: float = 100.0, duration: float = 10.0,
              append_ms: float = 2.0) -> dict:
    """ED order example with ``delivery_ms`` of delivery latency: both clocks' p50 and p99, in ms."""
    res = simulate(broker_variant(delivery_ms / 1000, append_ms / 1000), Traffic.poisson(rate),
                   duration=duration, seed=seed, trace_sample=0.0)
    return _clocks_ms(res)


def fanout_shop(style: str, width: int = 4, *, fanout: str = "parallel", partitions: int = 8, workers: int = 4,
                service_time: float | Distribution = 0.006, append_latency: float | Distribution = 0.002,
                delivery_latency: float | Distribution = 0.005) -> Architecture:
    """``orders`` and ``width`` identical downstream services ``service-0``, ``service-1``...

    The order example's ``orders`` (16 workers, 4 ms, a queue of 50) and
    network (1 ms each way, 0.5 s timeout, 2 retries); each downstream
    service has ``workers`` and ``service_time`` (a mean in seconds for
    exponential times, or any distribution, e.g. ``vn.LogNormal``).
    Request-response calls them in parallel or ``'sequential'``-ly;
    event-driven publishes one event to a stream of ``partitions`` that
    ``width`` consumer groups read. It is ``vn.scenarios.order_placed`` with
    these services as its ``downstream``.
    """
    style = scenarios._style(style)
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be an integer >= 1, got {width!r}")
    dist = Exponential(mean=service_time) if isinstance(service_time, (int, float)) else service_time
    dist = as_distribution(dist, "service_time")
    return scenarios.order_placed(style, fanout=fanout, partitions=partitions,
                                  downstream={f"service-{i}": (workers, dist) for i in range(int(width))},
                                  append_latency=append_latency, delivery_latency=delivery_latency)


def fanout_point(width: int, variant: str, seed: int = 0, rate: float = 100.0, duration: float = 6.0,
                 service_time: float | Distribution = 0.006, partitions: int = 8) -> dict:
    """One of :data:`VARIANTS` at ``width``: both clocks' p50 and p99 (ms)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    style = ED if variant == "ED" else RR
    mode = "sequential" if variant == "RR sequential" else "parallel"
    arch = fanout_shop(style, width, fanout=mode, partitions=partitions, service_time=service_time)
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed, trace_sample=0.0)
    return _clocks_ms(res)


def crossover_width(df, metric: str = "e2e_p99", rr: str = "RR sequential") -> float:
    """The smallest width at which ``rr``'s ``metric`` is above ED's (``inf`` if none).

    ``df`` is a sweep of :func:`fanout_point` over ``width`` and ``variant``.
    """
    table = df.groupby(["width", "variant"])[metric].mean().unstack("variant")
    if rr not in table or "ED" not in table:
        raise ValueError(f"df: needs rows of variants {rr!r} and 'ED'")
    above = table.index[(table[rr] > table["ED"]).to_numpy()]
    return float(above.min()) if len(above) else math.inf


def service_time_of(kind: str, mean: float = 0.006, cv: float = 3.0) -> Distribution:
    """``'exponential'`` or ``'lognormal'`` (coefficient of variation ``cv``) with the given mean."""
    if kind == "exponential":
        return Exponential(mean=mean)
    if kind == "lognormal":
        return LogNormal(mean=mean, cv=cv)
    raise ValueError(f"kind must be 'exponential' or 'lognormal', got {kind!r}")


def tail_point(width: int, kind: str, seed: int = 0, rate: float = 100.0, duration: float = 8.0,
               mean: float = 0.006, cv: float = 3.0) -> dict:
    """A parallel RR fan-out to ``width`` services with ``kind`` service times.

    Returns the request's p50 and p99 (``request_p50``, ``request_p99``:
    caller = end-to-end here), one call's p99 measured from the call spans
    (``call_p99``), and the p99 of the maximum of ``width`` independent
    calls predicted from those spans (``predicted_p99``); all in ms.
    """
    arch = fanout_shop(RR, width, fanout="parallel", service_time=service_time_of(kind, mean, cv))
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed)
    call_lat = measures.call_latencies(res, "orders")
    s = res.summary()
    return {"request_p99": s["p99"] * 1000, "request_p50": s["p50"] * 1000,
            "call_p99": float(np.percentile(call_lat, 99)) * 1000 if len(call_lat) else float("nan"),
            "predicted_p99": measures.max_of_n_quantile(call_lat, width) * 1000}
