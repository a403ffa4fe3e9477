"""Exercises of notebook 06 (latency): per-student parameters and self-checks.

Each judge runs the simulation for the student's own parameters and decides
from what it measured; nothing here is a typed-in expected number.
"""

from __future__ import annotations

from functools import lru_cache

from .. import scenarios
from ..experiments.latency import fanout_point, fanout_shop
from ..simulation import simulate
from ..traffic import Traffic
from . import Outcome, close, one_of, register

RR, ED = scenarios.STYLES

#: The first value of each list is the default (no student id).
VARIANTS = {
    "RATE": [100, 80, 120],   # orders per second
    "WIDTH": [8, 1, 6],       # services called one after another (exercise 1)
    "SLO_WIDTH": [8, 6, 10],  # services every order needs (exercise 3)
}

WINNER_CHOICES = ("request_response", "event_driven", "about the same")


@lru_cache(maxsize=32)
def sequential_e2e_p99(width: int, rate: float, seed: int, duration: float = 6.0) -> tuple:
    """End-to-end p99 (ms) of RR calling ``width`` services one after another, and of ED."""
    rr = fanout_point(width, "RR sequential", seed, rate, duration)["e2e_p99"]
    ed = fanout_point(width, "ED", seed, rate, duration)["e2e_p99"]
    return rr, ed


@register("06.sequential_width", kind="prediction",
          hint="RR's end-to-end time is the sum of the calls when they are made one after another; ED's "
               "consumers all work at once, after one broker hop. Which grows with the width?",
          defaults={"width": VARIANTS["WIDTH"][0], "rate": VARIANTS["RATE"][0], "seed": 7})
def _sequential_width(answer, *, width, rate, seed):
    rr, ed = sequential_e2e_p99(int(width), float(rate), int(seed))
    if abs(rr - ed) <= 0.05 * max(rr, ed):
        correct = "about the same"
    else:
        correct = RR if rr < ed else ED
    return one_of(answer, correct, WINNER_CHOICES)


@lru_cache(maxsize=32)
def broker_hop_ms(rate: float, duration: float, seed: int) -> float:
    """ED's end-to-end p50 minus RR's, in ms, for the order example."""
    p50 = {}
    for style in (RR, ED):
        res = simulate(scenarios.order_placed(style), Traffic.poisson(rate), duration=duration, seed=seed,
                       trace_sample=0.0)
        p50[style] = res.summary()["e2e_p50"]
    return (p50[ED] - p50[RR]) * 1000


@register("06.broker_hop", kind="measurement",
          hint="Simulate vn.scenarios.order_placed in both styles under vn.Traffic.poisson(RATE) for DURATION "
               "seconds with SEED; take summary()['e2e_p50'] of each, subtract RR's from ED's, and convert "
               "seconds to milliseconds.",
          defaults={"rate": VARIANTS["RATE"][0], "duration": 20.0, "seed": 7})
def _broker_hop(answer, *, rate, duration, seed):
    return close(answer, broker_hop_ms(float(rate), float(duration), int(seed)), rel=0.03, abs_tol=0.2)


@lru_cache(maxsize=64)
def slo_latencies(style: str, fanout: str, partitions: int, width: int, rate: float, seed: int,
                  duration: float = 10.0) -> tuple:
    """(caller p99, end-to-end p99) in seconds of the fan-out design."""
    arch = fanout_shop(style, width, fanout=fanout, partitions=partitions)
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed, trace_sample=0.0)
    s = res.summary()
    return s["p99"], s["e2e_p99"]


@register("06.latency_slo", kind="design",
          hint="Only the customer's wait counts against the caller SLO, and only an answer that does not wait "
               "for the services can be that fast. Then look at what keeps every effect fast: how many "
               "consumer instances can work on each service's events?",
          defaults={"width": VARIANTS["SLO_WIDTH"][0], "rate": VARIANTS["RATE"][0], "caller_slo": 0.030,
                    "e2e_slo": 0.080, "seed": 7})
def _latency_slo(answer, *, width, rate, caller_slo, e2e_slo, seed):
    need = {"style", "fanout", "partitions"}
    if not isinstance(answer, dict) or not need <= set(answer):
        return Outcome(False, "answer with a dict {'style': ..., 'fanout': ..., 'partitions': ...}")
    style, fanout, partitions = answer["style"], answer["fanout"], answer["partitions"]
    if style not in scenarios.STYLES:
        return Outcome(False, f"style must be one of {scenarios.STYLES}")
    if fanout not in ("parallel", "sequential"):
        return Outcome(False, "fanout must be 'parallel' or 'sequential'")
    if isinstance(partitions, bool) or not isinstance(partitions, int) or not 1 <= partitions <= 32:
        return Outcome(False, "partitions must be a whole number from 1 to 32")
    caller, e2e = slo_latencies(style, fanout, partitions, int(width), float(rate), int(seed))
    if not caller <= caller_slo:
        return Outcome(False, "the customer waits longer than the caller SLO at p99")
    if not e2e <= e2e_slo:
        return Outcome(False, "some orders take longer than the end-to-end SLO to be fully done")
    return Outcome(True)
