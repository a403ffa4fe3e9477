"""Exercises of notebook 03 (observability): self-checks that decide by simulating.

- ``03.who_sees_slow`` (prediction): one service is slowed; for the request
  that took longest to settle, in which style does ``root_cause`` name it?
- ``03.tail`` (measurement): how long after the caller's answer an
  event-driven trace goes on, on average (its *tail*).
- ``03.fix_tracing`` (design): an event-driven system whose consumers drop
  the correlation id; change only the failing consumer's subscription so
  that its failures can be traced again.
"""

from __future__ import annotations

from functools import lru_cache

from .. import exercises as ex
from .. import measures, scenarios
from ..architecture import Architecture
from ..experiments import observability as nb03
from ..faults import ErrorRate
from ..patterns import tracing as _tracing
from ..simulation import simulate
from ..traffic import Traffic

RR, ED = scenarios.STYLES

#: The first value of each list is the default (no student id).
VARIANTS = {
    "RATE": [50, 40, 60, 70],
    "SLOW_SERVICE": ["inventory", "shipping", "analytics", "notifications"],
    "PROPAGATE": [False, True],
    "FAULTY": ["shipping", "inventory", "notifications", "analytics"],
}

_DEFAULTS = {"rate": VARIANTS["RATE"][0], "seed": 7, "duration": 20.0}

#: The choices of ``03.who_sees_slow``.
STYLE_CHOICES = ("request_response", "event_driven", "both", "neither")
#: How much slower the service of ``03.who_sees_slow`` gets.
SLOW_FACTOR = 5.0
#: The share of its work the faulty service of ``03.fix_tracing`` fails, and
#: the share of those failures a trace must explain.
DESIGN_ERROR_RATE, DESIGN_TARGET = 0.3, 0.9


# -- 03.who_sees_slow --------------------------------------------------------------

@lru_cache(maxsize=64)
def blamed_for_slowest(style: str, service: str, propagate: bool, rate: float, duration: float,
                       seed: int) -> str:
    """The service ``root_cause`` names for the request that took longest to
    settle, with ``service`` slowed ``SLOW_FACTOR`` times."""
    res = nb03.observability_runs(rate=rate, duration=duration, seed=seed, service=service,
                                  slowdown=SLOW_FACTOR, propagate=propagate, styles=(style,))[style]
    req = res.requests
    ok = req[(req["status"] == "ok") & req["e2e_latency"].notna()]
    rid = int(ok.loc[ok["e2e_latency"].idxmax(), "request_id"])
    return _tracing.root_cause(res, rid).service


@ex.register("03.who_sees_slow", kind="prediction",
             hint="root_cause can only blame spans that are in the request's own trace. Which spans are "
                  "there in each style, and what happens to a consumer's spans when it drops the "
                  "correlation id?",
             defaults={"service": VARIANTS["SLOW_SERVICE"][0], "propagate": VARIANTS["PROPAGATE"][0],
                       **{**_DEFAULTS, "duration": 10.0}})
def _who_sees_slow(answer, *, service, propagate, rate, seed, duration):
    sees = {style for style in (RR, ED)
            if blamed_for_slowest(style, service, bool(propagate), float(rate), float(duration), int(seed)) == service}
    correct = {frozenset(): "neither", frozenset({RR}): RR, frozenset({ED}): ED}.get(frozenset(sees), "both")
    return ex.one_of(answer, correct, STYLE_CHOICES)


# -- 03.tail -------------------------------------------------------------------------

@lru_cache(maxsize=32)
def mean_tail(rate: float, duration: float, seed: int) -> float:
    """Mean seconds from the caller's answer to the end of the request's
    trace (its last consumer), healthy event-driven order example
    (:func:`vetora_nb.measures.trace_tail`)."""
    res = nb03.observability_runs(rate=rate, duration=duration, seed=seed, styles=(ED,))[ED]
    return measures.trace_tail(res)


@ex.register("03.tail", kind="measurement",
             hint="Simulate the healthy event-driven order example at RATE for DURATION with SEED and "
                  "average the 'after_answer' column of vn.patterns.trace_shapes(run) (in seconds).",
             defaults=dict(_DEFAULTS))
def _tail(answer, *, rate, seed, duration):
    if isinstance(answer, (int, float)) and not isinstance(answer, bool) and answer > 2:
        return ex.Outcome(False, "the answer should be in seconds")
    return ex.close(answer, mean_tail(float(rate), float(duration), int(seed)), rel=0.1)


# -- 03.fix_tracing ------------------------------------------------------------------

def broken_system(name: str = "ids dropped") -> Architecture:
    """The event-driven order example in which every consumer drops the correlation id."""
    return nb03.with_propagation(scenarios.order_placed(ED), False, name=name)


def check_tracing(arch, *, faulty: str, rate: float, duration: float, seed: int) -> ex.Outcome:
    """Is ``arch`` a valid answer to ``03.fix_tracing``? (with the reason if not)"""
    if not isinstance(arch, Architecture):
        return ex.Outcome(False, "the answer should be a vn.Architecture")
    arch.validate()
    if arch.entry != "orders" or arch.calls_from("orders"):
        return ex.Outcome(False, "keep it event-driven: orders is the entry and calls nobody")
    streams = arch.publishes_from("orders")
    groups = {g: s for s in streams for g in arch.subscribers(s)}
    missing = [s for s in scenarios.DOWNSTREAM if s not in groups]
    if missing:
        return ex.Outcome(False, f"every consumer must still subscribe to what orders publishes; "
                                 f"missing: {', '.join(missing)}")
    changed = [g for g, s in groups.items() if g != faulty and arch.graph.edges[s, g]["propagate_context"]]
    if changed:
        return ex.Outcome(False, f"only the {faulty} team ships this week: leave the other subscriptions "
                                 f"as they are ({', '.join(sorted(changed))} changed)")
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed,
                   faults=[ErrorRate(faulty, 0.0, duration, DESIGN_ERROR_RATE)], max_drain=max(30.0, 2 * duration))
    t = _tracing.traced_share(res, faulty)
    if not t["failures"]:
        return ex.Outcome(False, f"{faulty} never failed in this run: is it still a consumer?")
    if not t["share"] >= DESIGN_TARGET:
        return ex.Outcome(False, f"root_cause found {faulty} behind {t['found']} of {t['failures']} failures; "
                                 f"the target is {DESIGN_TARGET:.0%}")
    return ex.Outcome(True)


@ex.register("03.fix_tracing", kind="design",
             hint="A consumer's spans join the request's trace only if that consumer carries the "
                  "correlation id across the broker: the subscription's propagate_context.",
             defaults={"faulty": VARIANTS["FAULTY"][0], **_DEFAULTS})
def _fix_tracing(answer, *, faulty, rate, seed, duration):
    return check_tracing(answer, faulty=faulty, rate=float(rate), duration=float(duration), seed=int(seed))
