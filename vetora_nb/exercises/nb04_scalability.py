"""Exercises of notebook 04 (scalability): per-student parameters and self-checks.

Each judge runs the simulation for the student's own parameters and decides
from what it measured; nothing here is a typed-in expected number.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .. import measures, scenarios
from ..experiments import scalability
from ..simulation import simulate
from ..traffic import Traffic
from . import Outcome, close, one_of, register, whole_number

RR, ED = scenarios.STYLES

#: The first value of each list is the default (no student id).
VARIANTS = {
    "RATE": [150, 125, 175],          # orders/s in the slowdown and spike experiments
    "SPIKE": [4.0, 5.0, 4.5],         # the spike multiplies RATE by this
    "OVERLOAD": [600, 550, 650, 700],  # orders/s for the prediction
    "TARGET": [350, 280, 420, 520],   # events/s the consumer group must keep up with
}

OVERLOAD_CHOICES = ("request_response", "event_driven", "about the same")


@lru_cache(maxsize=32)
def shipping_done(rate: float, style: str, seed: int, duration: float = 3.0) -> float:
    """Shipping work finished per second at ``rate`` orders/s (no drain)."""
    return float(scalability.throughput_point(rate, style, seed, duration)["done_shipping"])


def overload_answer(rate: float, seed: int) -> str:
    """The style that gets more shipping work done at ``rate``, or 'about the same' (within 10%)."""
    rr, ed = shipping_done(rate, RR, seed), shipping_done(rate, ED, seed)
    if abs(rr - ed) <= 0.1 * max(rr, ed):
        return "about the same"
    return RR if rr > ed else ED


@register("04.overload_work", kind="prediction",
          hint="Answering a request and doing its work are not the same thing. Look at the right-hand "
               "plot of experiment 1: what caps shipping's work in each style?",
          defaults={"rate": VARIANTS["OVERLOAD"][0], "seed": 7})
def _overload_work(answer, *, rate, seed):
    return one_of(answer, overload_answer(rate, seed), OVERLOAD_CHOICES)


@lru_cache(maxsize=32)
def spike_drain_time(rate: float, spike: float, start: float, end: float, duration: float, seed: int) -> float:
    """Seconds after the spike until ED shipping's backlog was back to normal (``vn.measures.drain_time``)."""
    res = simulate(scenarios.order_placed(ED), Traffic.spike(rate, spike, start, end), duration=duration,
                   seed=seed, trace_sample=0.0)
    return measures.drain_time(res, "shipping", start, end)


@register("04.spike_drain", kind="measurement",
          hint="Run the event-driven order example under vn.Traffic.spike(RATE, SPIKE, SPIKE_START, SPIKE_END), "
               "read shipping's processing backlog (vn.measures.processing_backlog: events published but not yet "
               "processed) on a fine grid of times, and find the first time after SPIKE_END at which it is back "
               "to the highest value it had before SPIKE_START. Answer in seconds after SPIKE_END.",
          defaults={"rate": VARIANTS["RATE"][0], "spike": VARIANTS["SPIKE"][0], "start": 5.0, "end": 8.0,
                    "duration": 16.0, "seed": 7})
def _spike_drain(answer, *, rate, spike, start, end, duration, seed):
    expected = spike_drain_time(float(rate), float(spike), float(start), float(end), float(duration), int(seed))
    if not math.isfinite(expected):
        return Outcome(False, "this spike never drained inside the run: lengthen DURATION")
    return close(answer, expected, rel=0.15, abs_tol=0.3)


#: The design exercise: the share of the offered events the group must process inside its run ...
KEEP_UP = 0.97
#: ... of this many seconds.
DESIGN_DURATION = 8.0


@lru_cache(maxsize=64)
def keeps_up(partitions: int, instances: int, target: float, seed: int, mean: float = 0.010,
             duration: float = DESIGN_DURATION) -> bool:
    """Does a consumer group of ``instances`` on ``partitions`` process at least :data:`KEEP_UP` of ``target`` events/s?"""
    res = simulate(scalability.consumer_group(partitions, instances, mean), Traffic.poisson(target),
                   duration=duration, seed=seed, drain=False, trace_sample=0.0)
    ev = res.events
    if not len(ev):
        return True
    return bool((ev["outcome"] == "processed").mean() >= KEEP_UP)


@register("04.consumer_design", kind="design",
          hint="Each instance processes one event at a time (EVENT_COST seconds each, so 1 / EVENT_COST events "
               "per second), and a partition "
               "has one owner: only min(partitions, instances) instances work. Add instances until they can "
               "carry TARGET with some headroom, and give every one of them a partition.",
          defaults={"target": VARIANTS["TARGET"][0], "max_instances": 8, "seed": 7, "mean": 0.010,
                    "duration": DESIGN_DURATION})
def _consumer_design(answer, *, target, max_instances, seed, mean, duration):
    if not isinstance(answer, dict) or not {"partitions", "instances"} <= set(answer):
        return Outcome(False, "answer with a dict {'partitions': ..., 'instances': ...}")
    partitions, instances = whole_number(answer["partitions"]), whole_number(answer["instances"])
    if partitions is None or instances is None or partitions < 1 or instances < 1:
        return Outcome(False, "partitions and instances must be whole numbers >= 1")
    if partitions > 64:
        return Outcome(False, "keep partitions at 64 or fewer")
    if instances > max_instances:
        return Outcome(False, "that is more instances than the budget allows")
    if instances > partitions:
        return Outcome(False, "some instances own no partition: they sit idle")
    if not keeps_up(partitions, instances, float(target), int(seed), float(mean), float(duration)):
        return Outcome(False, "the group falls behind: its backlog keeps growing")
    return Outcome(True)
