"""Exercises of notebook 11, the capstone: one shop, both styles.

Each judge runs the failure drill (:mod:`vetora_nb.experiments.capstone`)
with the student's own parameters; none prints the answer.

- ``11.must_stay_sync`` (prediction): the one downstream service that must stay
  synchronous for the checkout's answer to mean anything — the service whose
  work, once moved behind the broker, fails *after* the customer was told "ok".
- ``11.slo_margin`` (measurement): the checkout-p99 margin (SLO target minus
  measured p99, in milliseconds) of the recommended hybrid under the drill.
- ``11.design`` (design): a sync/async split and the fewest partitions with
  which the shop meets every SLO under the drill.
"""

from __future__ import annotations

import numbers

from .. import exercises as ex
from ..experiments import capstone
from ..measures import confirmed_but_failed

#: Per-student parameters; the first value of each is the default.
VARIANTS = {
    "RATE": [120, 100, 130, 140, 90],
}

_RUN = {"rate": VARIANTS["RATE"][0], "intensity": 1.0, "seed": 7}
_TARGETS = {"p99_slo": 0.300, "error_slo": 0.015, "ship_slo": 10.0}


def _slos(p99_slo, error_slo, ship_slo):
    return capstone.slos(p99=p99_slo, error_rate=error_slo, ship_within=ship_slo)


def _drill(sync, rate, intensity, seed, partitions=4):
    # trace=True: the same runs the notebook made, so a check right after them is instant.
    return capstone.run_drill(sync, rate=rate, intensity=intensity, partitions=partitions, seed=seed, trace=True)


@ex.register("11.must_stay_sync", kind="prediction",
             hint="Move everything behind the broker and run the drill: which service's work fails "
                  "after the customer has already been told the order went through? "
                  "(vn.measures.confirmed_but_failed)",
             defaults=dict(_RUN))
def _must_stay_sync(answer, *, rate, intensity, seed):
    everything_async = _drill("event_driven", rate, intensity, seed)
    broken = confirmed_but_failed(everything_async)
    if broken.max() <= 0:   # a drill too gentle to break anything: nothing to decide on
        return ex.Outcome(False, "at this drill intensity no confirmation broke; use intensity >= 1")
    return ex.one_of(answer, broken.idxmax(), capstone.DOWNSTREAM)


@ex.register("11.slo_margin", kind="measurement",
             hint="Run capstone.run_drill('hybrid', rate=RATE, seed=SEED) and capstone.report(...) it against "
                  "the SLOs; the margin is target minus measured, here for the checkout p99, in ms.",
             defaults={**_RUN, "p99_slo": _TARGETS["p99_slo"], "partitions": 4})
def _slo_margin(answer, *, rate, intensity, seed, p99_slo, partitions):
    p99 = capstone.measure(_drill("hybrid", rate, intensity, seed, partitions))["checkout_p99"]
    return ex.close(answer, (p99_slo - p99) * 1000, rel=0.03, abs_tol=2.0)


def _design(answer):
    if not isinstance(answer, dict) or not {"sync", "partitions"} <= set(answer):
        raise ValueError("answer must be a dict like {'sync': ['payment'], 'partitions': 3}")
    sync, p = answer["sync"], answer["partitions"]
    if isinstance(sync, str):
        raise ValueError("sync must be a list of service names, e.g. ['payment']")
    names = list(sync)
    unknown = [s for s in names if s not in capstone.DOWNSTREAM]
    if unknown:
        raise ValueError(f"sync: unknown service {unknown[0]!r}; choose from {list(capstone.DOWNSTREAM)}")
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or not 1 <= p <= 64:
        raise ValueError(f"partitions must be a whole number between 1 and 64, got {p!r}")
    return names, int(p)


def _missed(sync, partitions, rate, intensity, seed, slos) -> list:
    table = capstone.report(_drill(sync, rate, intensity, seed, partitions), slos)
    return list(table.loc[~table["passed"], "label"])


@ex.register("11.design", kind="design",
             hint="Each step of the drill rules out one choice: who may be down or cut off without "
                  "failing checkouts, whose failure must reach the customer, and how many partitions "
                  "the shipping group needs to catch up in time. Try it in the panel first.",
             defaults={**_RUN, **_TARGETS})
def _design_check(answer, *, rate, intensity, seed, p99_slo, error_slo, ship_slo):
    sync, partitions = _design(answer)
    slos = _slos(p99_slo, error_slo, ship_slo)
    missed = _missed(sync, partitions, rate, intensity, seed, slos)
    if missed:
        return ex.Outcome(False, "under the drill it misses: " + ", ".join(missed))
    if partitions > 1 and len(sync) < len(capstone.DOWNSTREAM):
        if not _missed(sync, partitions - 1, rate, intensity, seed, slos):
            return ex.Outcome(False, "it meets every SLO, but so would one partition fewer")
    return ex.Outcome(True)
