"""Exercises of notebook 01 (coupling): self-checks that decide by simulating.

- ``01.outage_share`` (prediction): one of ``n`` consumers is down for a
  share ``W/T`` of the run; by how much does the request-response
  producer's success rate fall?
- ``01.rr_success`` (measurement): the request-response producer's success
  rate with ``n`` consumers that each fail ``error_rate`` of the time.
- ``01.hybrid`` (design): keep inventory synchronous, let the other
  consumers react to events, and meet a success-rate target.
"""

from __future__ import annotations

import math
from functools import lru_cache

import networkx as nx

from .. import exercises as ex
from .. import measures, scenarios
from ..architecture import Architecture
from ..experiments import coupling as nb01
from ..faults import ErrorRate
from ..simulation import simulate
from ..traffic import Traffic

RR, ED = scenarios.STYLES

#: The first value of each list is the default (no student id).
VARIANTS = {
    "RATE": [100, 80, 120, 90, 110],
    "N_CONSUMERS": [6, 5, 4],
    "CONSUMER_ERROR_RATE": [0.3, 0.25],
    "OUTAGE_WINDOW": [(4.0, 6.0), (3.0, 6.0), (2.0, 5.0), (5.0, 7.5)],
    "DESIGN_ERROR_RATE": [0.3, 0.25, 0.35],
}

_DEFAULTS = {"rate": VARIANTS["RATE"][0], "seed": 7, "duration": 10.0}

#: The choices of ``01.outage_share``.
OUTAGE_CHOICES = ("0", "W/T", "N*W/T")


@lru_cache(maxsize=64)
def _success(style: str, n: int, rate: float, duration: float, seed: int, error_rate: float = 0.0,
             outage=None) -> tuple:
    res = nb01.fanout_run(style, n, rate=rate, duration=duration, seed=seed, error_rate=error_rate,
                          outage=outage)
    a = measures.availability(res)
    return a["success"], a["answered"]


# -- 01.outage_share ---------------------------------------------------------------

def outage_fall(*, n: int, window, rate: float, duration: float, seed: int) -> float:
    """How much the RR producer's success rate falls when ``consumer-0`` of
    ``n`` is down during ``window`` (nothing else fails)."""
    success, _ = _success(RR, int(n), float(rate), float(duration), int(seed),
                          outage=(float(window[0]), float(window[1])))
    return 1.0 - success


@ex.register("01.outage_share", kind="prediction",
             hint="A request needs every consumer, but it fails only while one of them is down: "
                  "count the moments when some consumer is down, not the consumers.",
             defaults={"n": VARIANTS["N_CONSUMERS"][0], "window": VARIANTS["OUTAGE_WINDOW"][0],
                       **_DEFAULTS})
def _outage_share(answer, *, n, window, rate, seed, duration):
    share = (window[1] - window[0]) / duration
    candidates = {"0": 0.0, "W/T": share, "N*W/T": min(1.0, n * share)}
    fall = outage_fall(n=n, window=window, rate=rate, duration=duration, seed=seed)
    correct = min(candidates, key=lambda c: abs(candidates[c] - fall))
    return ex.one_of(answer, correct, OUTAGE_CHOICES)


# -- 01.rr_success -------------------------------------------------------------------

def rr_success(*, n: int, error_rate: float, rate: float, duration: float, seed: int) -> float:
    """The RR producer's success rate with ``n`` consumers failing ``error_rate`` each."""
    success, _ = _success(RR, int(n), float(rate), float(duration), int(seed), error_rate=float(error_rate))
    return success


@ex.register("01.rr_success", kind="measurement",
             hint="Simulate nb01.fanout_run('request_response', N_CONSUMERS, ...) with every consumer "
                  "failing CONSUMER_ERROR_RATE (error_rate=...), at RATE for DURATION seconds with SEED, "
                  "and report 1 - summary()['error_rate'] (a share between 0 and 1).",
             defaults={"n": VARIANTS["N_CONSUMERS"][0], "error_rate": VARIANTS["CONSUMER_ERROR_RATE"][0],
                       **_DEFAULTS})
def _rr_success(answer, *, n, error_rate, rate, seed, duration):
    if isinstance(answer, (int, float)) and not isinstance(answer, bool) and answer > 1:
        return ex.Outcome(False, "a share is between 0 and 1, not a percentage")
    expected = rr_success(n=n, error_rate=error_rate, rate=rate, duration=duration, seed=seed)
    # Another seed moves the measured share by a few standard errors at most.
    answered = rate * duration
    se = math.sqrt(max(expected * (1 - expected), 0.01) / answered)
    return ex.close(answer, expected, rel=0.0, abs_tol=max(0.01, 4 * se))


# -- 01.hybrid -------------------------------------------------------------------------

def design_target(error_rate: float) -> float:
    """The success rate the design must reach when every consumer fails
    ``error_rate`` of its work: better than waiting for two of them."""
    return 1.0 - 2.0 * float(error_rate) ** 3


def check_hybrid(arch, *, error_rate: float, rate: float, duration: float, seed: int) -> ex.Outcome:
    """Is ``arch`` a valid answer to ``01.hybrid``? (with the reason if not)"""
    if not isinstance(arch, Architecture):
        return ex.Outcome(False, "the answer should be a vn.Architecture")
    arch.validate()
    entry = arch.entry
    if entry != "orders":
        return ex.Outcome(False, "the entry must be the 'orders' service")
    needed = list(scenarios.DOWNSTREAM)
    missing = [s for s in needed if s not in arch.graph or arch.kind(s) != "service"]
    if missing:
        return ex.Outcome(False, f"every order must still reach {', '.join(needed)}; missing: {', '.join(missing)}")
    if "inventory" not in arch.calls_from("orders"):
        return ex.Outcome(False, "orders must call inventory synchronously (the customer must know the "
                                 "stock is reserved)")
    reached = nx.descendants(arch.graph, "orders")
    unreached = [s for s in needed if s not in reached]
    if unreached:
        return ex.Outcome(False, f"some services never hear of an order: {', '.join(unreached)}")
    for a, b in arch.edges_of_kind("call"):
        if arch.graph.edges[a, b]["retries"] > 2:
            return ex.Outcome(False, f"the call {a} -> {b} retries more than 2 times; keep retries <= 2")
    faults = [ErrorRate(s, 0.0, math.inf, float(error_rate)) for s in needed]
    res = simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed,
                   trace_sample=0.0, max_drain=max(30.0, 2 * duration))
    success = measures.success_rate(res)
    target = design_target(error_rate)
    if success < target:
        return ex.Outcome(False, f"the producer answered ok {success:.1%} of the time; "
                                 f"the target is {target:.1%}")
    return ex.Outcome(True)


@ex.register("01.hybrid", kind="design",
             hint="Every synchronous call multiplies in its callee's failures. Keep only inventory on the "
                  "call path and let the others subscribe to an event that orders publishes.",
             defaults={"error_rate": VARIANTS["DESIGN_ERROR_RATE"][0], **_DEFAULTS})
def _hybrid(answer, *, error_rate, rate, seed, duration):
    return check_hybrid(answer, error_rate=error_rate, rate=rate, duration=duration, seed=seed)
