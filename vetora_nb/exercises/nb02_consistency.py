"""Exercises of notebook 02 (consistency): self-checks that decide by simulating.

- ``02.where_it_pays`` (prediction): one service is slowed; in the
  event-driven system and in its variant with a synchronous inventory read
  model, whose write p99 rises by more than half?
- ``02.stale_share`` (measurement): the share of stale inventory reads in
  event-driven style while inventory is slowed.
- ``02.partitions`` (design): pick partitions and inventory instances so
  that few enough reads are stale while inventory is slow.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import exercises as ex
from .. import scenarios
from ..experiments import consistency as nb02
from ..faults import Slowdown
from ..patterns import consistency as _cons
from ..simulation import simulate
from ..traffic import Traffic

RR, ED = scenarios.STYLES

#: The first value of each list is the default (no student id).
VARIANTS = {
    "RATE": [100, 80, 120, 90, 110],
    "SLOW_SERVICE": ["shipping", "inventory", "analytics", "notifications"],
    "FACTOR": [2.5, 3.5, 2.0],
    "DESIGN": [(3.0, 0.09), (3.5, 0.095), (2.5, 0.07)],
}

_DEFAULTS = {"rate": VARIANTS["RATE"][0], "seed": 7, "duration": 20.0, "keys": 50}

#: How much slower the service of ``02.where_it_pays`` gets.
PREDICT_FACTOR = 3.0
#: The choices of ``02.where_it_pays``.
PAY_CHOICES = ("synchronous", "event_driven", "both", "neither")
#: The most partitions and inventory instances ``02.partitions`` may use.
MAX_PARTITIONS, MAX_INSTANCES = 16, 12
#: What ``02.partitions`` simulates: writes per second (fixed, so that the
#: target means the same for everyone).
DESIGN_RATE = 100


# -- 02.where_it_pays -------------------------------------------------------------

def variants_pair():
    """The event-driven order example and its synchronous-read-model variant."""
    ed = scenarios.order_placed(ED)
    return {"event_driven": ed, "synchronous": _cons.synchronous_variant(ed, nb02.GROUP)}


def _write_p99(variant: str, service: str, factor: float, rate: float, keys: int, duration: float,
               seed: int) -> float:
    # The healthy run does not depend on which service would be slowed: run it once.
    return _p99(variant, service if factor != 1 else None, factor, rate, keys, duration, seed)


@lru_cache(maxsize=64)
def _p99(variant, service, factor, rate, keys, duration, seed) -> float:
    arch = variants_pair()[variant]
    faults = [Slowdown(service, 0.0, math.inf, factor)] if service is not None else []
    res = simulate(arch, Traffic.poisson(rate, keys=keys), duration=duration, faults=faults, seed=seed,
                   trace_sample=0.0, max_drain=max(30.0, 2 * duration))
    return res.summary()["p99"]


def p99_rise(*, service: str, factor: float, rate: float, keys: int, duration: float, seed: int) -> dict:
    """``{variant: p99 slowed / p99 healthy}`` for both variants."""
    return {v: _write_p99(v, service, float(factor), float(rate), int(keys), float(duration), int(seed))
            / _write_p99(v, service, 1.0, float(rate), int(keys), float(duration), int(seed))
            for v in ("synchronous", "event_driven")}


@ex.register("02.where_it_pays", kind="prediction",
             hint="A writer waits only for what is on its synchronous path. Which services does "
                  "orders call in each variant, and which only receive an event?",
             defaults={"service": VARIANTS["SLOW_SERVICE"][0], "factor": PREDICT_FACTOR,
                       **{**_DEFAULTS, "duration": 5.0}})
def _where_it_pays(answer, *, service, factor, rate, keys, seed, duration):
    rise = p99_rise(service=service, factor=factor, rate=rate, keys=keys, duration=duration, seed=seed)
    up = {v for v, ratio in rise.items() if ratio > 1.5}
    correct = {frozenset(): "neither", frozenset({"synchronous"}): "synchronous",
               frozenset({"event_driven"}): "event_driven"}.get(frozenset(up), "both")
    return ex.one_of(answer, correct, PAY_CHOICES)


# -- 02.stale_share ----------------------------------------------------------------

@lru_cache(maxsize=32)
def expected_stale(factor: float, rate: float, keys: int, duration: float, seed: int) -> float:
    """The exact share of stale inventory reads (ED) with inventory ``factor`` times slower."""
    runs = nb02.consistency_runs(rate=rate, keys=keys, duration=duration, seed=seed, factor=factor,
                                 styles=(ED,))
    return _cons.expected_stale_fraction(runs[ED], nb02.GROUP)


@ex.register("02.stale_share", kind="measurement",
             hint="Simulate both styles with nb02.consistency_runs(..., factor=FACTOR), read the event-driven "
                  "read model with vn.patterns.consistency.read_model_staleness(run, 'inventory', READ_RATE, "
                  "seed=SEED) and report the mean of its 'stale' column (a share between 0 and 1).",
             defaults={"factor": VARIANTS["FACTOR"][0], **_DEFAULTS})
def _stale_share(answer, *, factor, rate, keys, seed, duration):
    if isinstance(answer, (int, float)) and not isinstance(answer, bool) and answer > 1:
        return ex.Outcome(False, "a share is between 0 and 1, not a percentage")
    expected = expected_stale(float(factor), float(rate), int(keys), float(duration), int(seed))
    return ex.close(answer, expected, rel=0.2)


# -- 02.partitions -----------------------------------------------------------------

def design_stale_fraction(partitions: int, instances: int, *, factor: float, keys: int, duration: float,
                          seed: int) -> float:
    """The exact share of stale inventory reads with ``partitions`` and
    ``instances`` while inventory is ``factor`` times slower (ED)."""
    runs = nb02.consistency_runs(rate=DESIGN_RATE, keys=keys, duration=duration, seed=seed, factor=factor,
                                 partitions=partitions, workers=instances, styles=(ED,))
    return _cons.expected_stale_fraction(runs[ED], nb02.GROUP)


def _count(answer, name, most):
    value = answer.get(name) if isinstance(answer, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"answer[{name!r}] must be an integer")
    if not 1 <= value <= most:
        raise ValueError(f"{name} must be between 1 and {most}")
    return int(value)


@ex.register("02.partitions", kind="design",
             hint="Inside a consumer group each partition has one owner: more instances than partitions "
                  "sit idle, more partitions than instances queue up behind the same instance.",
             defaults={"factor": VARIANTS["DESIGN"][0][0], "target": VARIANTS["DESIGN"][0][1],
                       **{k: v for k, v in _DEFAULTS.items() if k != "rate"}})
def _partitions(answer, *, factor, target, keys, seed, duration):
    if not isinstance(answer, dict):
        return ex.Outcome(False, "the answer should be a dict {'partitions': ..., 'instances': ...}")
    partitions = _count(answer, "partitions", MAX_PARTITIONS)
    instances = _count(answer, "instances", MAX_INSTANCES)
    stale = design_stale_fraction(partitions, instances, factor=factor, keys=keys, duration=duration, seed=seed)
    if stale > target:
        return ex.Outcome(False, f"{stale:.1%} of reads would be stale; the target is at most {target:.1%}")
    return ex.Outcome(True)
