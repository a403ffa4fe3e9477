"""Saga experiments: both styles on the same sagas, and the broker latency they trade on.

Both saga styles of :mod:`vetora_nb.patterns.sagas` run the *same* sagas
(same arrivals, same work, the same steps failing), so every difference
measured comes from the wiring: **choreography** (each service reacts to
the previous one's event; the event-driven style) against
**orchestration** (a coordinator calls each service and waits; the
request-response style).

>>> [s.failure for s in saga_steps(0.1)]
[0.1, 0.1, 0.1, 0.1]
>>> runs = run_both(rate=20, duration=2, seed=1, failure=0.2)
>>> sorted(runs), runs["choreography"].half_done
(['choreography', 'orchestration'], 0)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..architecture import Architecture
from ..measures.sagas import breakeven_broker_latency
from ..patterns import sagas as _sagas

__all__ = ["STYLES", "saga_steps", "run_style", "run_both", "latency_tradeoff", "style_architectures"]

STYLES = _sagas.STYLES


def saga_steps(failure=None, steps=_sagas.DEFAULT_STEPS) -> tuple:
    """The saga's steps (default: order, payment, inventory, shipping) with
    each step failing with probability ``failure`` — one number for every
    step, a sequence with one per step, or ``None`` for the defaults."""
    steps = tuple(steps)
    if failure is None:
        return steps
    if isinstance(failure, (int, float, np.integer, np.floating)) and not isinstance(failure, bool):
        failure = [float(failure)] * len(steps)
    failure = list(failure)
    if len(failure) != len(steps):
        raise ValueError(f"failure: give one probability or {len(steps)} of them, got {len(failure)}")
    return tuple(dataclasses.replace(s, failure=float(p)) for s, p in zip(steps, failure))


def run_style(style: str, *, rate: float = 50.0, duration: float = 30.0, seed: int = 0, failure=None,
              network_latency: float = 0.001, broker_latency: float = 0.007, drain: bool = True):
    """One style's :class:`~vetora_nb.patterns.sagas.SagaResult`, every step
    failing with ``failure`` (see :func:`saga_steps`)."""
    return _sagas.run_saga(style, rate=rate, duration=duration, seed=seed, steps=saga_steps(failure),
                           network_latency=network_latency, broker_latency=broker_latency, drain=drain)


def run_both(*, rate: float = 50.0, duration: float = 30.0, seed: int = 0, failure=None,
             network_latency: float = 0.001, broker_latency: float = 0.007, drain: bool = True) -> dict:
    """``{style: SagaResult}``: both styles on the same sagas (:func:`run_style`)."""
    return {style: run_style(style, rate=rate, duration=duration, seed=seed, failure=failure,
                             network_latency=network_latency, broker_latency=broker_latency, drain=drain)
            for style in STYLES}


def latency_tradeoff(broker_latencies, *, failures=(0.0, 0.1, 0.3), network_latency: float = 0.001,
                     rate: float = 50.0, duration: float = 10.0, seed: int = 0) -> pd.DataFrame:
    """Mean and p95 saga duration of both styles as the broker hop gets dearer.

    One row per failure probability (every step), broker latency and style:
    ``failure, broker_latency, style, duration_mean, duration_p95,
    inconsistency_mean, breakeven`` (:func:`~vetora_nb.measures.breakeven_broker_latency`),
    ``sagas, completion_rate, expected_completion, half_done``.
    Orchestration does not use the broker, so it is run once per failure.
    """
    rows = []
    for failure in failures:
        b_star = breakeven_broker_latency(network_latency, saga_steps(failure))
        kw = dict(rate=rate, duration=duration, seed=seed, failure=failure, network_latency=network_latency)
        orch = run_style("orchestration", **kw)
        for b in broker_latencies:
            chor = run_style("choreography", broker_latency=float(b), **kw)
            for style, res in (("choreography", chor), ("orchestration", orch)):
                s, frame = res.summary(), res.sagas
                rows.append({"failure": float(failure), "broker_latency": float(b), "style": style,
                             "duration_mean": float(frame["duration"].mean()),
                             "duration_p95": s["duration_p95"],
                             "inconsistency_mean": s["inconsistency_mean"], "breakeven": b_star,
                             "sagas": s["sagas"], "completion_rate": s["completion_rate"],
                             "expected_completion": s["expected_completion"], "half_done": s["half_done"]})
    return pd.DataFrame(rows)


def style_architectures(steps=_sagas.DEFAULT_STEPS) -> dict:
    """Drawings of the two wirings (for :func:`vetora_nb.plots.architecture`).

    The saga model runs on its own (:func:`~vetora_nb.patterns.sagas.run_saga`),
    not through these architectures: they only show who talks to whom.
    Choreography: each step's service reacts to the previous step's event
    (the last event, back to ``order``, is left out of the drawing).
    Orchestration: a ``saga-coordinator`` calls each service in turn.
    """
    steps = tuple(steps)
    chor = Architecture("choreography")
    orch = Architecture("orchestration")
    orch.add_service("saga-coordinator", workers=16, service_time=0.001)
    for s in steps:
        for arch in (chor, orch):
            arch.add_service(s.name, workers=s.workers, service_time=s.service_time)
    for a, b in zip(steps, steps[1:]):
        stream = f"{a.name}-done"
        chor.add_stream(stream, partitions=1)
        chor.add_publish(a.name, stream)
        chor.add_subscription(stream, b.name)
    for s in steps:
        orch.add_call("saga-coordinator", s.name)
    chor.entry, orch.entry = steps[0].name, "saga-coordinator"
    return {"choreography": chor, "orchestration": orch}
