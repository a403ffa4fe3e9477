"""Exercises of notebook 07, temporal coupling.

Each judge decides by running the simulation with the student's own
parameters; none prints the answer.

- ``07.more_partitions`` (prediction): shipping keeps 4 instances and its
  stream goes from 4 to 8 partitions — does the drain get shorter?
- ``07.drain_time`` (measurement): the measured drain time of another
  consumer (inventory) after the notebook's outage window.
- ``07.capacity_plan`` (design): partitions and instances that drain the
  backlog of an outage within a target, with no instance to spare.
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache

from .. import exercises as ex
from .. import measures, scenarios
from ..experiments import temporal
from ..faults import Outage
from ..simulation import simulate
from ..traffic import Traffic

#: Per-student parameters; the first value of each is the default.
VARIANTS = {
    "RATE": [100, 80, 120, 140, 160],
    "OUTAGE_LENGTH": [10, 6, 8, 12],
    "DRAIN_TARGET": [3.0, 2.0, 4.0, 2.5],
}

_DEFAULTS = {"rate": VARIANTS["RATE"][0], "outage": float(VARIANTS["OUTAGE_LENGTH"][0]), "seed": 7}

PREDICTION_CHOICES = ("shorter", "about the same", "longer")


@lru_cache(maxsize=256)
def _drain(rate, outage, partitions, instances, seed) -> float:
    """Measured drain time of :func:`~vetora_nb.experiments.temporal.drain_run`, remembered: a check and its
    graded test ask the same question, and a simulation is the slow part."""
    return temporal.drain_run(rate, outage, partitions=partitions, instances=instances, seed=seed)["measured"]


@lru_cache(maxsize=64)
def _outage_drain(service, rate, start, end, duration, seed) -> float:
    res = simulate(scenarios.order_placed("event_driven"), Traffic.poisson(rate), duration=duration,
                   faults=[Outage(service, start, end)], seed=seed)
    return measures.drain_time(res, service, start, end)


@ex.register("07.more_partitions", kind="prediction",
             hint="A partition has one owner and an instance handles one event at a time: the "
                  "group's capacity is min(partitions, instances) x service rate.",
             defaults=_DEFAULTS)
def _more_partitions(answer, *, rate, outage, seed):
    four = _drain(rate, outage, 4, 4, seed)
    eight = _drain(rate, outage, 8, 4, seed)
    ratio = eight / four
    correct = "about the same" if 0.8 <= ratio <= 1.25 else ("shorter" if ratio < 0.8 else "longer")
    return ex.one_of(answer, correct, PREDICTION_CHOICES)


@ex.register("07.drain_time", kind="measurement",
             hint="Run the event-driven order example with the service down over the window "
                  "(vn.Outage), then vn.measures.drain_time(run, service): seconds from the end "
                  "of the outage until its backlog is back to normal.",
             defaults={"service": "inventory", "rate": VARIANTS["RATE"][0], "start": 8.0, "end": 18.0,
                       "duration": 36.0, "seed": 7})
def _drain_time(answer, *, service, rate, start, end, duration, seed):
    expected = _outage_drain(service, rate, float(start), float(end), float(duration), seed)
    return ex.close(answer, expected, rel=0.15, abs_tol=0.5)


def _design(answer):
    if not isinstance(answer, dict) or not {"partitions", "instances"} <= set(answer):
        raise ValueError("answer must be a dict like {'partitions': 8, 'instances': 8}")
    p, n = answer["partitions"], answer["instances"]
    for name, v in (("partitions", p), ("instances", n)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 1 <= v <= 64:
            raise ValueError(f"{name} must be a whole number between 1 and 64, got {v!r}")
    return int(p), int(n)


@ex.register("07.capacity_plan", kind="design",
             hint="Capacity is min(partitions, instances) / shipping's mean service time; the drain takes "
                  "backlog / (capacity - rate). Start from the theory, then check by simulation "
                  "(temporal.drain_run): the measured drain runs longer than the fluid line.",
             defaults={**_DEFAULTS, "target": VARIANTS["DRAIN_TARGET"][0]})
def _capacity_plan(answer, *, rate, outage, target, seed):
    partitions, instances = _design(answer)
    if instances > partitions:
        return ex.Outcome(False, f"{instances - partitions} instance(s) would own no partition and sit idle")
    measured = _drain(rate, outage, partitions, instances, seed)
    if not measured <= 1.05 * target:
        why = "it never catches up" if math.isinf(measured) else "the backlog drains too slowly"
        return ex.Outcome(False, why)
    if instances > 1:
        # The best plan with one instance fewer: as many partitions as instances.
        fewer = _drain(rate, outage, instances - 1, instances - 1, seed)
        if fewer <= 0.9 * target:
            return ex.Outcome(False, "one instance fewer would meet the target too")
    return ex.Outcome(True)
