"""Coupling: a producer with ``n`` consumers, and what each more consumer costs it.

The producer (``orders``) has ``n`` consumers. In request-response it calls
each of them and waits; in event-driven style it appends one event and the
consumers subscribe. Two costs grow with ``n`` on the producer's side in
request-response and stay flat in event-driven style:

- **change**: one call edge per consumer, and one more edit and redeploy of
  the producer for every consumer added (read off the graph with
  :func:`vetora_nb.patterns.coupling.change_impact`);
- **availability and latency**: the producer answers only when every callee
  has answered, so it waits for the slowest of ``n`` and fails when any one
  of them fails — availabilities multiply (the product rule).

Every consumer here is the same small service (:data:`CONSUMER_COST`, the one
:func:`vetora_nb.patterns.coupling.coupling_table` adds), so the only thing
that changes from one ``n`` to the next is the number of edges.

>>> list(consumers(3))
['consumer-0', 'consumer-1', 'consumer-2']
>>> round(predicted_success("request_response", 8, error_rate=0.2), 3)
0.938
>>> predicted_success("event_driven", 8, error_rate=0.2)
1.0
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import measures, scenarios
from .. import theory
from ..faults import ErrorRate, Outage
from ..patterns import coupling as _coupling
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["RR", "ED", "CONSUMER_COST", "consumers", "fanout_architecture", "consumer_faults", "outage_of",
           "fanout_run", "predicted_success", "run_row", "consumer_sweep", "chain_experiment"]

RR, ED = scenarios.STYLES
#: Every consumer: (workers, mean service time in seconds).
CONSUMER_COST = (2, 0.005)


def consumers(n: int) -> dict:
    """``n`` identical consumers ``consumer-0 .. consumer-{n-1}``, as ``downstream=`` wants them."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return {f"consumer-{i}": CONSUMER_COST for i in range(int(n))}


def fanout_architecture(style: str, n: int, **kwargs):
    """The order example with ``n`` consumers in ``style``
    (``vn.scenarios.order_placed(style, downstream=consumers(n), ...)``)."""
    return scenarios.order_placed(style, downstream=consumers(n), **kwargs)


def outage_of(down: bool, window):
    """The outage window of ``consumer-0``: ``window`` if it is ``down`` and the
    window is not empty, else ``None``.

    >>> outage_of(True, (4, 6)), outage_of(False, (4, 6)), outage_of(True, (5, 5))
    ((4.0, 6.0), None, None)
    """
    start, end = float(window[0]), float(window[1])
    return (start, end) if down and end > start else None


def consumer_faults(names, *, error_rate: float = 0.0, outage=None) -> list:
    """Faults for the consumers ``names``: each fails ``error_rate`` of its
    work for the whole run, and the first is down during ``outage``
    (``(start, end)``, or ``None``)."""
    names = list(names)
    out = [ErrorRate(n, 0.0, math.inf, float(error_rate)) for n in names] if error_rate > 0 else []
    if outage is not None and names:
        start, end = outage
        if end > start:
            out.append(Outage(names[0], float(start), float(end)))
    return out


def fanout_run(style: str, n: int, *, rate: float, duration: float, seed: int,
               error_rate: float = 0.0, outage=None, trace_sample: float = 0.0, **kwargs):
    """Simulate the producer with ``n`` consumers in ``style``: Poisson
    ``rate`` orders per second for ``duration`` seconds, every consumer
    failing ``error_rate`` of the time, the first one down during ``outage``.
    ``kwargs`` go to :func:`vetora_nb.scenarios.order_placed` (``retries``,
    ``fanout``...)."""
    arch = fanout_architecture(style, n, **kwargs)
    faults = consumer_faults(consumers(n), error_rate=error_rate, outage=outage)
    return simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed,
                    trace_sample=trace_sample, max_drain=max(30.0, 2 * duration))


def predicted_success(style: str, n: int, *, error_rate: float = 0.0, retries: int = 2,
                      outage_share: float = 0.0) -> float:
    """The producer's success rate the product rule predicts.

    Request-response: a call fails only if all ``retries + 1`` attempts fail
    (:func:`~vetora_nb.patterns.coupling.chain_availability_theory` of the
    one-hop chain producer → consumer), and the producer needs all ``n``
    calls (:func:`~vetora_nb.theory.availability_chain`), times the share of
    the run when no consumer is down. Event-driven: the producer needs none
    of its consumers, only the broker: 1.
    """
    if scenarios._style(style) == ED:
        return 1.0
    per_call = _coupling.chain_availability_theory([1.0, 1.0 - float(error_rate)], retries)
    return theory.availability_chain(*[per_call] * int(n)) * (1.0 - float(outage_share))


def run_row(res, style: str, n: int, *, error_rate: float = 0.0, retries: int = 2,
            outage_share: float = 0.0) -> dict:
    """The numbers of one :func:`fanout_run`: producer edges, what adding one
    more consumer costs, success (measured with its standard error, and
    predicted), latency, lag."""
    s = res.summary()
    arch = res.architecture
    impact = _coupling.change_impact(arch, ("add_consumer", f"consumer-{n}"))
    a = measures.availability(res)
    return {
        "style": style, "consumers": n,
        "producer_edges": arch.graph.out_degree(arch.entry),
        "touched_by_next": impact.producer_edges_touched,
        "redeploys_for_next": len(impact.must_redeploy),
        "requests": a["answered"], "success": a["success"], "stderr": a["stderr"],
        "predicted": predicted_success(style, n, error_rate=error_rate, retries=retries,
                                       outage_share=outage_share),
        "p50": s["p50"], "p99": s["p99"], "e2e_p99": s["e2e_p99"],
        "max_consumer_lag": s["max_consumer_lag"],
    }


def consumer_sweep(ns=range(1, 9), *, rate: float = 100.0, duration: float = 10.0, seed: int = 0,
                   error_rate: float = 0.0, outage=None, retries: int = 2) -> pd.DataFrame:
    """Add consumers one by one, in both styles, under identical seeded traffic.

    One row per style and ``n`` (see :func:`run_row`): ``style, consumers,
    producer_edges, touched_by_next, redeploys_for_next, requests, success,
    stderr, predicted, p50, p99, e2e_p99, max_consumer_lag``.
    """
    share = measures.window_share(outage, duration)
    rows = []
    for style in (RR, ED):
        for n in ns:
            res = fanout_run(style, int(n), rate=rate, duration=duration, seed=seed,
                             error_rate=error_rate, outage=outage, retries=retries)
            rows.append(run_row(res, style, int(n), error_rate=error_rate, retries=retries,
                                outage_share=share))
    return pd.DataFrame(rows)


def chain_experiment(lengths=(1, 2, 3, 4, 6, 8), *, error_rate: float = 0.05, retries: int = 0,
                     rate: float = 200.0, duration: float = 10.0, seed: int = 0) -> pd.DataFrame:
    """A synchronous chain ``s0 -> s1 -> ...`` of each length, every service
    failing ``error_rate`` of the time: the measured availability next to the
    product rule (one row per length, the columns of
    :func:`vetora_nb.patterns.coupling.chain_availability`)."""
    rows = [_coupling.chain_availability([error_rate] * int(k), retries=retries, rate=rate,
                                         duration=duration, seed=seed) for k in lengths]
    return pd.DataFrame(rows)
