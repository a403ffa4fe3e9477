"""Exercises of notebook 13, the design studio.

Each judge decides by running the design (and its twin) with the student's
own parameters; none prints the answer.

- ``13.twin_payment_down`` (prediction): the all-synchronous shop's twin
  keeps only ``payment`` synchronous; ``payment`` goes down. Does the twin
  fail fewer orders than the design, about the same, or more?
- ``13.slo_design`` (design): a design of the shop — the same services with
  the same workers and costs, every one of them still reached, ``payment``
  still called synchronously — that keeps the caller's error rate and p99
  within their SLOs while ``FAULT_SERVICE`` is down.
"""

from __future__ import annotations

from functools import lru_cache

from .. import exercises as ex
from ..architecture import Architecture
from ..architecture_files import dumps, loads
from ..experiments import studio
from ..faults import Outage
from ..simulation import simulate
from ..studio import Design, DesignError
from ..traffic import Traffic

#: Per-student parameters; the first value of each is the default.
VARIANTS = {
    "RATE": [100, 80, 120, 140],
    "FAULT_SERVICE": ["shipping", "inventory", "notifications", "analytics"],
    "ERROR_SLO": [0.01, 0.02],
    "P99_SLO": [0.1, 0.08, 0.12],
}

_RUN = {"duration": 30.0, "window": (10.0, 20.0)}
PREDICTION_CHOICES = ("fewer", "about the same", "more")


@lru_cache(maxsize=64)
def _error_rates(rate, start, end, duration, seed) -> tuple:
    """Error rates of the shop and of its twin that keeps payment synchronous, payment down."""
    design = Design.load(studio.SHOP)
    design.set_sync("orders", "payment", True)
    runs = studio.compare_runs(design, rate=rate, duration=duration, fault_service="payment",
                               window=(start, end), seed=seed)
    design_run, twin_run = runs.values()
    return design_run.summary()["error_rate"], twin_run.summary()["error_rate"]


@ex.register("13.twin_payment_down", kind="prediction",
             hint="The twin decouples only the links that became events. Which links does an order still "
                  "wait for in the twin, and is payment among them?",
             defaults={"rate": VARIANTS["RATE"][0], "start": _RUN["window"][0], "end": _RUN["window"][1],
                       "duration": _RUN["duration"], "seed": 7})
def _twin_payment_down(answer, *, rate, start, end, duration, seed):
    design, twin = _error_rates(rate, float(start), float(end), float(duration), seed)
    ratio = twin / design if design > 0 else (1.0 if twin == 0 else float("inf"))
    correct = "about the same" if 0.8 <= ratio <= 1.25 else ("fewer" if ratio < 0.8 else "more")
    return ex.one_of(answer, correct, PREDICTION_CHOICES)


def _architecture(answer) -> Architecture:
    if isinstance(answer, Design):
        return answer.architecture()     # a DesignError says what is wrong, in words
    if isinstance(answer, Architecture):
        return answer
    raise TypeError("answer must be a Design (vetora_nb.studio.Design) or a vn.Architecture")


@lru_cache(maxsize=64)
def _measured(text, rate, service, start, end, duration, seed) -> tuple:
    res = simulate(loads(text), Traffic.poisson(rate), duration=duration, faults=[Outage(service, start, end)],
                   seed=seed)
    s = res.summary()
    return s["error_rate"], s["p99"]


@ex.register("13.slo_design", kind="design",
             hint="Keep payment a call (the customer waits for it); which of the other links must not wait "
                  "for a service that is down? Check your design in the studio's panel with that service down.",
             defaults={"rate": VARIANTS["RATE"][0], "service": VARIANTS["FAULT_SERVICE"][0],
                       "error_slo": VARIANTS["ERROR_SLO"][0], "p99_slo": VARIANTS["P99_SLO"][0],
                       "start": _RUN["window"][0], "end": _RUN["window"][1], "duration": _RUN["duration"],
                       "seed": 7})
def _slo_design(answer, *, rate, service, error_slo, p99_slo, start, end, duration, seed):
    try:
        arch = _architecture(answer)
    except DesignError as exc:
        return ex.Outcome(False, f"the design is not a system yet: {exc}")
    reference = Design.load(studio.SHOP).architecture()
    changed = studio.same_services(arch, reference)
    if changed:
        return ex.Outcome(False, "the services must stay as they are (" + "; ".join(changed) + ")")
    if arch.entry != reference.entry:
        return ex.Outcome(False, f"the entry must stay {reference.entry!r}")
    reached = studio.reaches(arch)
    missing = [s for s in reference.services if s != reference.entry and s not in reached]
    if missing:
        return ex.Outcome(False, f"every service must still get its work: {', '.join(missing)} gets none")
    if reached.get("payment") != "call" or "payment" not in arch.calls_from(reference.entry):
        return ex.Outcome(False, "orders must still call payment and wait for it")
    error_rate, p99 = _measured(dumps(arch), rate, service, float(start), float(end), float(duration), seed)
    if error_rate > error_slo:
        return ex.Outcome(False, f"{error_rate:.1%} of the orders failed, over the SLO")
    if p99 > p99_slo:
        return ex.Outcome(False, "the caller's p99 is over the SLO")
    return ex.Outcome(True)
