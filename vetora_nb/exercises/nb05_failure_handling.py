"""Exercises of notebook 05 (failure handling): per-student parameters and self-checks.

Each judge runs the simulation for the student's own parameters and decides
from what it measured; nothing here is a typed-in expected number.
"""

from __future__ import annotations

from functools import lru_cache

from .. import measures
from ..architecture import CircuitBreaker
from ..experiments.failure import shop
from ..faults import ErrorRate, Outage, Slowdown
from ..simulation import simulate
from ..traffic import Traffic
from . import Outcome, close, one_of, register

#: The first value of each list is the default (no student id).
VARIANTS = {
    "RATE": [100, 90],                  # orders per second
    "RETRIES": [2, 1, 3],               # retries per call in the retry-storm experiment
    "FAILURE_LENGTH": [2.0, 1.5, 3.0],  # seconds shipping fails every event (exercise 3)
}

STORM_CHOICES = ("lower", "higher", "about the same")


@lru_cache(maxsize=32)
def storm_failed_share(rate: float, retries: int, timeout: float, slowdown: float, start: float, end: float,
                       duration: float, seed: int) -> float:
    """Share of the orders arriving during a shipping slowdown that failed (RR)."""
    res = simulate(shop("request_response", retries=retries, timeout=timeout), Traffic.poisson(rate),
                   duration=duration, seed=seed, faults=[Slowdown("shipping", start, end, slowdown)],
                   trace_sample=0.0)
    return measures.failed_share(res, start, end)


@register("05.retry_storm", kind="prediction",
          hint="A timed-out attempt does not stop the callee: the retry is extra work for a service that "
               "is already behind, and the caller's worker is held through every attempt and backoff.",
          defaults={"rate": VARIANTS["RATE"][0], "retries": VARIANTS["RETRIES"][0], "timeout": 0.1,
                    "slowdown": 3.5, "start": 6.0, "end": 12.0, "duration": 18.0, "seed": 7})
def _retry_storm(answer, *, rate, retries, timeout, slowdown, start, end, duration, seed):
    args = (float(timeout), float(slowdown), float(start), float(end), float(duration), int(seed))
    without = storm_failed_share(float(rate), 0, *args)
    with_retries = storm_failed_share(float(rate), int(retries), *args)
    if abs(with_retries - without) <= 0.05:
        correct = "about the same"
    else:
        correct = "higher" if with_retries > without else "lower"
    return one_of(answer, correct, STORM_CHOICES)


@lru_cache(maxsize=32)
def breaker_relief(rate: float, retries: int, timeout: float, hang: float, start: float, end: float,
                   duration: float, seed: int, failure_threshold: int = 5, reset_timeout: float = 1.0) -> float:
    """Calls to shipping per request without a breaker, divided by the same with one."""
    attempts = []
    for breaker in (None, CircuitBreaker(failure_threshold, reset_timeout)):
        res = simulate(shop("request_response", retries=retries, timeout=timeout, circuit_breaker=breaker),
                       Traffic.poisson(rate), duration=duration, seed=seed,
                       faults=[Slowdown("shipping", start, end, hang)], trace_sample=0.0)
        attempts.append(measures.attempts_per_request(res, "shipping"))
    return attempts[0] / attempts[1]


@register("05.breaker_relief", kind="measurement",
          hint="For each run of breaker_runs (experiment 3: the run without a breaker first, then the one with "
               "it), take its calls to shipping per order, measures.attempts_per_request(run, 'shipping') (the "
               "run's call attempts on the edge orders->shipping divided by its number of requests), and divide the "
               "first by the second.",
          defaults={"rate": VARIANTS["RATE"][0], "retries": VARIANTS["RETRIES"][0], "timeout": 0.1, "hang": 20.0,
                    "start": 6.0, "end": 12.0, "duration": 18.0, "seed": 7})
def _breaker_relief(answer, *, rate, retries, timeout, hang, start, end, duration, seed):
    expected = breaker_relief(float(rate), int(retries), float(timeout), float(hang), float(start), float(end),
                              float(duration), int(seed))
    return close(answer, expected, rel=0.02)


@lru_cache(maxsize=64)
def consumer_outcome(max_attempts: int, retry_backoff: float, idempotent: bool, failure_length: float,
                     rate: float, seed: int, start: float = 6.0, crash: float = 13.0,
                     duration: float = 18.0) -> tuple:
    """(dead-lettered, duplicates, end-to-end p99) of the ED order example whose shipping
    fails every event for ``failure_length`` s from ``start``, then crashes for 1 s at ``crash``."""
    arch = shop("event_driven", max_attempts=max_attempts, retry_backoff=retry_backoff, idempotent=idempotent)
    faults = [ErrorRate("shipping", start, start + failure_length, 1.0), Outage("shipping", crash, crash + 1.0)]
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed, faults=faults, trace_sample=0.0)
    s = res.summary()
    return s["events_dlq"], s["duplicates"], s["e2e_p99"]


@register("05.safe_consumer", kind="design",
          hint="A consumer retries an event max_attempts times, waiting retry_backoff * 2**k before retry k: "
               "those waits must add up to more than the failure lasts, but the last one should not be much "
               "longer than needed. And only an idempotent consumer can ignore a redelivered event.",
          defaults={"failure_length": VARIANTS["FAILURE_LENGTH"][0], "rate": VARIANTS["RATE"][0],
                    "e2e_budget": 4.0, "seed": 7})
def _safe_consumer(answer, *, failure_length, rate, e2e_budget, seed):
    need = {"max_attempts", "retry_backoff", "idempotent"}
    if not isinstance(answer, dict) or not need <= set(answer):
        return Outcome(False, "answer with a dict {'max_attempts': ..., 'retry_backoff': ..., 'idempotent': ...}")
    m, b, idem = answer["max_attempts"], answer["retry_backoff"], answer["idempotent"]
    if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 20:
        return Outcome(False, "max_attempts must be a whole number from 1 to 20")
    if isinstance(b, bool) or not isinstance(b, (int, float)) or not 0 < b <= 10:
        return Outcome(False, "retry_backoff must be a number of seconds, above 0 and at most 10")
    if not isinstance(idem, bool):
        return Outcome(False, "idempotent must be True or False")
    dlq, duplicates, e2e_p99 = consumer_outcome(m, float(b), idem, float(failure_length), float(rate), int(seed))
    if dlq:
        return Outcome(False, "some events were dead-lettered: the retries gave up before shipping recovered")
    if duplicates:
        return Outcome(False, "the crash made some shipments happen twice")
    if not e2e_p99 <= e2e_budget:
        return Outcome(False, "orders waited too long to ship: the retries wait much longer than needed")
    return Outcome(True)
