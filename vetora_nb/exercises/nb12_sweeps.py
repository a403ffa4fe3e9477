"""Exercises of notebook 12 (parameter sweeps): per-student parameters and self-checks.

Each judge sweeps the order example for the student's own parameters
(``vetora_nb.sweep.order_placed_run``, one run per offered load) and finds
the knee with ``vn.measures.knee``; nothing here is a typed-in expected number.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from .. import scenarios
from ..measures import knee
from ..sweep import order_placed_run
from . import Outcome, close, one_of, register, whole_number

RR, ED = scenarios.STYLES

#: The first value of each list is the default (no student id).
VARIANTS = {
    "DOUBLE_FROM": [2, 1, 4],            # prediction: the stream's partitions, before doubling
    "PARTITIONS": [4, 3, 2],             # measurement: the stream's partitions ...
    "HOT_KEY": [0.2, 0.3, 0.1, 0.4],     # ... and the share of orders on one hot key
    "TARGET": [150, 240, 320, 130, 230],  # design: orders/s the event-driven shop must take
}

#: The notebook's sweep: offered loads (orders/s), seconds per run.
RATES = (20, 40, 80, 160, 320, 640)
DURATION = 5.0
#: The finer loads of the measurement exercise.
KNEE_RATES = (20,) + tuple(range(40, 441, 40))

DOUBLE_CHOICES = ("request_response", "event_driven", "both", "neither")


@lru_cache(maxsize=1024)
def _run(style, rate, partitions, seed, duration, hot_key) -> tuple:
    """One run's summary, kept: a judge asked twice (check, then expect) runs once."""
    return tuple(order_placed_run(style, rate, seed, duration, partitions=partitions, hot_key=hot_key).items())


def _rates(rates) -> tuple:
    try:
        out = tuple(sorted(float(r) for r in rates))
    except TypeError:
        raise TypeError(f"rates must be a list of offered loads, got {rates!r}") from None
    if len(out) < 2 or out[0] <= 0:
        raise ValueError(f"rates: need at least two offered loads > 0, got {rates!r}")
    return out


def curve_knee(style: str, partitions: int, rates, duration: float, seed: int, hot_key: float = 0.0) -> float:
    """The knee of ``style`` with ``partitions`` over ``rates`` (``vn.measures.knee``; ``inf`` if none)."""
    rows = [{"rate": r, **dict(_run(style, r, int(partitions), int(seed), float(duration), float(hot_key)))}
            for r in _rates(rates)]
    return knee(pd.DataFrame(rows))


def double_answer(from_partitions: int, rates, duration: float, seed: int) -> str:
    """Whose knee moves when the partitions go from ``from_partitions`` to twice as many."""
    moved = {style: curve_knee(style, from_partitions, rates, duration, seed)
             != curve_knee(style, 2 * from_partitions, rates, duration, seed) for style in (RR, ED)}
    if moved[RR] and moved[ED]:
        return "both"
    if moved[RR]:
        return RR
    if moved[ED]:
        return ED
    return "neither"


@register("12.partitions_double", kind="prediction",
          hint="Which style has partitions at all? And for the one that has them: how many consumer "
               "instances can work, min(partitions, instances), before and after doubling?",
          defaults={"from_partitions": VARIANTS["DOUBLE_FROM"][0], "rates": RATES, "duration": DURATION,
                    "seed": 7})
def _partitions_double(answer, *, from_partitions, rates, duration, seed):
    return one_of(answer, double_answer(int(from_partitions), rates, duration, seed), DOUBLE_CHOICES)


@register("12.ed_knee", kind="measurement",
          hint="Sweep the event-driven order example over KNEE_RATES with order_placed_run (style ED, your "
               "partitions and hot-key share, SWEEP_DURATION, SEED) and give the result to vn.measures.knee: the "
               "lowest load whose error rate is above KNEE_MAX_ERROR or whose end-to-end p99 is above KNEE_FACTOR times the p99 at the "
               "lowest load. Answer in orders/s.",
          defaults={"partitions": VARIANTS["PARTITIONS"][0], "hot_key": VARIANTS["HOT_KEY"][0],
                    "rates": KNEE_RATES, "duration": DURATION, "seed": 7})
def _ed_knee(answer, *, partitions, hot_key, rates, duration, seed):
    expected = curve_knee(ED, partitions, rates, duration, seed, hot_key=hot_key)
    if not math.isfinite(expected):
        return Outcome(False, "at these settings the sweep never falls over: add higher loads to the rates")
    return close(answer, expected, rel=0.0, abs_tol=0.5)


def keeps_up(partitions: int, target: float, duration: float, seed: int, low_rate: float) -> bool:
    """Is the event-driven knee above ``target``: not fallen over at ``target``
    (compared with its own p99 at ``low_rate``)?"""
    return curve_knee(ED, partitions, (low_rate, target), duration, seed) > target


@register("12.fewest_partitions", kind="design",
          hint="The event-driven knee sits just above the capacity of the slowest consumer group, "
               "min(partitions, instances) x its events per second. Find the partition count whose capacity "
               "clears TARGET with some headroom; then check it, and one fewer, with a sweep over "
               "[RATES[0], TARGET].",
          defaults={"target": VARIANTS["TARGET"][0], "duration": DURATION, "seed": 7, "low_rate": RATES[0],
                    "max_partitions": 16})
def _fewest_partitions(answer, *, target, duration, seed, low_rate, max_partitions):
    partitions = whole_number(answer)
    if partitions is None or partitions < 1:
        return Outcome(False, "answer with a whole number of partitions >= 1")
    if partitions > max_partitions:
        return Outcome(False, f"keep it to {max_partitions} partitions or fewer")
    if float(target) <= float(low_rate):
        raise ValueError(f"target must be above low_rate ({low_rate}), got {target}")
    if not keeps_up(partitions, target, duration, seed, low_rate):
        return Outcome(False, "with that many partitions the event-driven shop falls over below the target")
    if partitions > 1 and keeps_up(partitions - 1, target, duration, seed, low_rate):
        return Outcome(False, "fewer partitions would do")
    return Outcome(True)
