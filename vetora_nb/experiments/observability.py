"""Observability: both styles with a failing service, and how many failures their traces explain.

A request leaves a *trace*: every span of work it caused, linked parent to
child by a correlation id (the trace id) that travels with the work —
through synchronous calls, and across the broker inside the event. These
runs make a service fail and let :mod:`vetora_nb.patterns.tracing` walk
each failure's trace to its root cause:

- a failure in request-response is a failed request; in event-driven style
  the caller was told "ok" and the failure is an effect that never happened
  (an event dead-lettered by a consumer group);
- a failure is *found* when :func:`~vetora_nb.patterns.tracing.root_cause`,
  walking the request's own trace, blames the service that really failed;
- it cannot be found when its trace was not sampled
  (``simulate(..., trace_sample=...)``: head-based sampling decides at the
  entry, before anyone knows the request will fail), or when the consumer
  that failed dropped the correlation id (its spans start a trace of their
  own: ``add_subscription(..., propagate_context=False)``, or
  :func:`with_propagation`).

>>> from vetora_nb.patterns.tracing import traced_share
>>> runs = observability_runs(rate=20, duration=5, seed=1)
>>> sorted(runs)
['event_driven', 'request_response']
>>> traced_share(runs["request_response"], "shipping")["failures"]
0
"""

from __future__ import annotations

import pandas as pd

from .. import measures, scenarios
from ..faults import ErrorRate, Slowdown
from ..patterns.tracing import traced_share
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["RR", "ED", "with_propagation", "service_faults", "observability_architecture", "observability_runs", "shapes_table",
           "sampling_experiment"]

RR, ED = scenarios.STYLES


def with_propagation(arch, propagate: bool, groups=None, name: str | None = None):
    """A copy of ``arch`` whose consumer groups ``groups`` (default: every
    subscription) carry the correlation id across the broker
    (``propagate=True``) or drop it (``False``). The edge attribute is
    ``propagate_context``, the one ``add_subscription`` sets.

    >>> arch = with_propagation(scenarios.order_placed("event_driven"), False)
    >>> {arch.graph.edges[s, g]["propagate_context"] for s, g in arch.edges_of_kind("subscribe")}
    {False}
    """
    out = arch.copy(name or arch.name)
    wanted = None if groups is None else set([groups] if isinstance(groups, str) else groups)
    for stream, group in out.edges_of_kind("subscribe"):
        if wanted is None or group in wanted:
            out.graph.edges[stream, group]["propagate_context"] = bool(propagate)
    return out


def service_faults(service: str | None, duration: float, *, error_rate: float = 0.0, slowdown: float = 1.0) -> list:
    """``service`` failing ``error_rate`` of its work and/or ``slowdown`` times
    slower for the whole run of ``duration`` seconds (no fault for ``None``)."""
    faults = []
    if service is not None and error_rate > 0:
        faults.append(ErrorRate(service, 0.0, float(duration), float(error_rate)))
    if service is not None and slowdown != 1:
        faults.append(Slowdown(service, 0.0, float(duration), float(slowdown)))
    return faults


def observability_architecture(style: str, propagate: bool = True):
    """The order example in ``style``; with ``propagate=False`` every
    event-driven consumer drops the correlation id."""
    arch = scenarios.order_placed(style)
    return with_propagation(arch, False) if arch.streams and not propagate else arch


def observability_runs(*, rate: float = 50.0, duration: float = 20.0, seed: int = 0, service: str | None = None,
                       error_rate: float = 0.0, slowdown: float = 1.0, propagate: bool = True,
                       trace_sample: float = 1.0, styles=scenarios.STYLES) -> dict:
    """Both styles of the order example under identical seeded traffic, with
    ``service`` failing ``error_rate`` of its work and/or ``slowdown`` times
    slower during the run; ``propagate=False`` makes every event-driven
    consumer drop the correlation id. ``{style: Result}``."""
    faults = service_faults(service, duration, error_rate=error_rate, slowdown=slowdown)
    return {style: simulate(observability_architecture(style, propagate), Traffic.poisson(rate), duration=duration,
                            faults=faults, seed=seed, trace_sample=trace_sample, max_drain=max(30.0, 2 * duration))
            for style in styles}


def shapes_table(runs: dict, n: int = 200) -> pd.DataFrame:
    """The mean trace shape of the first ``n`` requests of each run
    (:func:`vetora_nb.measures.mean_shape`), one row per style."""
    frame = pd.DataFrame({style: measures.mean_shape(res, n) for style, res in runs.items()}).T
    frame.index.name = "style"
    return frame


def sampling_experiment(samples=(1.0, 0.5, 0.2, 0.1, 0.05), *, style: str = RR, rate: float = 50.0,
                        duration: float = 20.0, seed: int = 0, service: str = "shipping",
                        error_rate: float = 0.3) -> pd.DataFrame:
    """Run the same failing system at several trace sample rates. Sampling
    only decides which traces are *recorded* (its coin is a random stream of
    its own), so every run has the very same failures. One row per sample
    rate: ``sample, requests, failures, traced, found, expected_traced``
    (``failures * sample``)."""
    rows = []
    for p in samples:
        res = observability_runs(rate=rate, duration=duration, seed=seed, service=service,
                                 error_rate=error_rate, trace_sample=float(p), styles=(style,))[style]
        t = traced_share(res, service)
        rows.append({"sample": float(p), "requests": len(res.requests), "failures": t["failures"],
                     "traced": t["sampled"], "found": t["found"], "expected_traced": t["failures"] * float(p)})
    return pd.DataFrame(rows)
