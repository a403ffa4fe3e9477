"""Exercises of notebook 10: sagas, choreography against orchestration.

Every judge runs :func:`vetora_nb.patterns.sagas.run_saga` with the
student's parameters (every step failing with the same probability, as in
the notebook) and decides from what it measured.
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache

from . import Outcome, close, one_of, register

#: Per-student parameters; the first value of each is the default.
VARIANTS = {
    "RATE": [50, 40, 60, 80],
    "FAILURE": [0.05, 0.03, 0.08, 0.1],
    "PREDICT_NETWORK_MS": [5.0, 2.0, 6.0, 1.5],
    "MEASURE_FAILURE": [0.2, 0.15, 0.25, 0.3],
    "DESIGN_NETWORK_MS": [2.0, 1.5, 2.5, 3.0],
}

#: What the notebook keeps fixed (its first cell).
SEED, DURATION, NETWORK_LATENCY, BROKER_LATENCY = 10, 30.0, 0.001, 0.007
STYLES = ("choreography", "orchestration")

_BASE = {"rate": VARIANTS["RATE"][0], "duration": DURATION, "seed": SEED}


@lru_cache(maxsize=32)
def _summary(style, rate, failure, network_latency, broker_latency, duration, seed) -> dict:
    from ..experiments.sagas import saga_steps
    from ..patterns import sagas

    return sagas.run_saga(style, rate=rate, duration=duration, seed=seed, steps=saga_steps(failure),
                          network_latency=network_latency, broker_latency=broker_latency).summary()


@register("10.faster_style", kind="prediction",
          hint="Count the messages. Choreography pays one network leg to start plus one broker hop per "
               "step; orchestration pays two network legs per step. With 4 steps, which total is "
               "larger at these latencies? Then check with run_saga (or the panel) and duration_p95.",
          defaults={**_BASE, "failure": VARIANTS["FAILURE"][0],
                    "network_latency": VARIANTS["PREDICT_NETWORK_MS"][0] / 1000,
                    "broker_latency": BROKER_LATENCY})
def _faster_style(answer, *, rate, failure, network_latency, broker_latency, duration, seed):
    p95 = {s: _summary(s, rate, failure, network_latency, broker_latency, duration, seed)["duration_p95"]
           for s in STYLES}
    return one_of(answer, min(p95, key=p95.get), STYLES)


@register("10.compensated_window", kind="measurement",
          hint="Run the choreography style with every step failing with MEASURE_FAILURE "
               "(steps=saga_steps(MEASURE_FAILURE)), the notebook's latencies, RATE, DURATION "
               "and SEED; then read summary()['compensated_inconsistency_mean'] (in seconds).",
          defaults={**_BASE, "failure": VARIANTS["MEASURE_FAILURE"][0], "network_latency": NETWORK_LATENCY,
                    "broker_latency": BROKER_LATENCY})
def _compensated_window(answer, *, rate, failure, network_latency, broker_latency, duration, seed):
    s = _summary("choreography", rate, failure, network_latency, broker_latency, duration, seed)
    return close(answer, s["compensated_inconsistency_mean"], rel=0.02)


@register("10.broker_budget", kind="design",
          hint="Orchestration does not use the broker: run it once. Then run choreography at growing "
               "broker latencies (in small steps, or halve the interval each time) and keep the "
               "largest at which its duration_p95 is still no higher than orchestration's. "
               "The answer is in seconds.",
          defaults={**_BASE, "failure": VARIANTS["FAILURE"][0],
                    "network_latency": VARIANTS["DESIGN_NETWORK_MS"][0] / 1000, "tolerance": 0.15})
def _broker_budget(answer, *, rate, failure, network_latency, duration, seed, tolerance):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer):
        return Outcome(False, "the answer should be a broker latency in seconds")
    b = float(answer)
    if b <= 0:
        return Outcome(False, "a latency must be > 0 seconds")
    if b > 1.0:
        return Outcome(False, "that is more than a second per hop: give the latency in seconds, not ms")
    orch = _summary("orchestration", rate, failure, network_latency, BROKER_LATENCY, duration, seed)
    target = orch["duration_p95"]
    if _summary("choreography", rate, failure, network_latency, b, duration, seed)["duration_p95"] > target:
        return Outcome(False, "at that broker latency choreography's p95 is already worse: too high")
    more = b * (1 + tolerance)
    slower = _summary("choreography", rate, failure, network_latency, more, duration, seed)
    if slower["duration_p95"] <= target:
        return Outcome(False, "choreography still keeps up at a clearly slower broker: too low")
    return Outcome(True)
