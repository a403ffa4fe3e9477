"""Exercises of notebook 08, ordering and delivery.

Each judge decides by running the simulation with the student's own
parameters; none prints the answer.

- ``08.order_scope`` (prediction): with one partition and several
  instances, which events can be processed out of publish order?
- ``08.hot_instances`` (prediction): does doubling the instances help the
  hot partition?
- ``08.duplicates`` (measurement): duplicate effects after two consumer crashes.
- ``08.retry_budget`` (design): the fewest attempts that keep the
  dead-letter share under a target.
"""

from __future__ import annotations

import numbers
from functools import lru_cache

from .. import exercises as ex
from .. import measures
from ..experiments import ordering
from ..faults import Outage
from ..simulation import simulate
from ..traffic import Traffic

#: Per-student parameters; the first value of each is the default.
VARIANTS = {
    "RATE": [150, 120, 180, 100],
    "HOT_SHARE": [0.6, 0.7, 0.8, 0.65],
    "CRASH": [(8.0, 10.0), (6.0, 8.0), (10.0, 11.0), (12.0, 14.0)],
    "COMMIT_INTERVAL": [1.0, 0.5, 1.5, 2.0],
    # (consumer error rate, largest acceptable share of events dead-lettered)
    "DLQ_CASE": [(0.3, 0.015), (0.2, 0.02), (0.4, 0.04), (0.3, 0.05), (0.5, 0.09)],
}

ORDER_CHOICES = ("none", "same key", "same partition", "different partitions")
HOT_CHOICES = ("lower", "about the same", "higher")


@ex.register("08.order_scope", kind="prediction",
             hint="Order is kept per partition (one owner, offset order). Count what the stream "
                  "has across partitions when there is only one.",
             defaults={"rate": VARIANTS["RATE"][0], "partitions": 1, "instances": 4, "duration": 20.0,
                       "seed": 7})
def _order_scope(answer, *, rate, partitions, instances, duration, seed):
    correct = _order_scope_answer(rate, partitions, instances, float(duration), seed)
    return ex.one_of(answer, correct, ORDER_CHOICES)


# A check and its graded test ask the same question: the simulations are remembered.
@lru_cache(maxsize=64)
def _order_scope_answer(rate, partitions, instances, duration, seed) -> str:
    res = simulate(ordering.pipeline(partitions, instances), Traffic.poisson(rate), duration=duration, seed=seed)
    report = measures.order_report(res, "billing")
    if report["per_key_pairs"]:
        return "same key"
    if report["within_partition_pairs"]:
        return "same partition"
    if report["cross_partition_pairs"]:
        return "different partitions"
    return "none"


@ex.register("08.hot_instances", kind="prediction",
             hint="Who may process the hot partition's events? How many instances is that, "
                  "whatever the group's size?",
             defaults={"rate": 200, "hot_share": VARIANTS["HOT_SHARE"][0], "duration": 20.0, "seed": 7})
def _hot_instances(answer, *, rate, hot_share, duration, seed):
    peaks = [_hot_peak(rate, hot_share, instances, float(duration), seed) for instances in (4, 8)]
    ratio = peaks[1] / max(peaks[0], 1.0)
    correct = "about the same" if 0.8 <= ratio <= 1.25 else ("lower" if ratio < 0.8 else "higher")
    return ex.one_of(answer, correct, HOT_CHOICES)


@lru_cache(maxsize=64)
def _hot_peak(rate, hot_share, instances, duration, seed) -> float:
    """The largest partition lag of 4 partitions read by ``instances`` instances."""
    traffic = Traffic.poisson(rate, keys=1000, hot_key_share=hot_share)
    res = simulate(ordering.pipeline(4, instances), traffic, duration=duration, seed=seed)
    return float(measures.partition_lag(res, "billing").max().max())


def _windows(crashes) -> tuple:
    """``((start, end), ...)`` from one window or several, as floats."""
    crashes = tuple(crashes)
    if len(crashes) == 2 and all(isinstance(c, (int, float)) for c in crashes):
        crashes = (crashes,)
    return tuple((float(a), float(b)) for a, b in crashes)


@lru_cache(maxsize=64)
def _duplicates(rate, crashes, commit_interval, duration, seed, idempotent) -> int:
    res = simulate(ordering.pipeline(commit_interval=commit_interval, idempotent=idempotent),
                   Traffic.poisson(rate), duration=duration, seed=seed,
                   faults=[Outage("billing", a, b) for a, b in crashes])
    return int(res.summary()["duplicates"])


def duplicates(rate, crashes, commit_interval, duration=20.0, seed=7, idempotent=False) -> int:
    """Duplicate effects of the billing group after it crashes over ``crashes``
    (one ``(start, end)`` window or a list of them)."""
    return _duplicates(rate, _windows(crashes), float(commit_interval), float(duration), seed, bool(idempotent))


@ex.register("08.duplicates", kind="measurement",
             hint="Build the pipeline with commit_interval=COMMIT_INTERVAL (not idempotent), crash "
                  "billing with one vn.Outage per window in CRASHES, run RATE for DURATION s with "
                  "SEED, and read summary()['duplicates'].",
             defaults={"rate": VARIANTS["RATE"][0],
                       "crashes": (VARIANTS["CRASH"][0], (VARIANTS["CRASH"][0][0] + 6, VARIANTS["CRASH"][0][1] + 6)),
                       "commit_interval": VARIANTS["COMMIT_INTERVAL"][0], "duration": 20.0, "seed": 7})
def _judge_duplicates(answer, *, rate, crashes, commit_interval, duration, seed):
    return ex.close(answer, duplicates(rate, crashes, commit_interval, duration, seed), rel=0.0, abs_tol=0.5)


@lru_cache(maxsize=128)
def dlq_share(max_attempts, error_rate, rate=150, duration=20.0, seed=7) -> float:
    """Share of billing's events dead-lettered when each attempt fails with ``error_rate``."""
    res = simulate(ordering.pipeline(max_attempts=max_attempts), Traffic.poisson(rate), duration=duration,
                   seed=seed, faults=ordering.consumer_faults(error_rate=error_rate))
    return measures.dlq_share(res, "billing")


@ex.register("08.retry_budget", kind="design",
             hint="An event is dead-lettered only if every attempt fails: about error_rate ** "
                  "max_attempts of them. Each extra attempt also holds its partition up longer, "
                  "so pick the fewest that meet the target, and check by simulation.",
             defaults={"error_rate": VARIANTS["DLQ_CASE"][0][0], "target": VARIANTS["DLQ_CASE"][0][1],
                       "rate": VARIANTS["RATE"][0], "duration": 20.0, "seed": 7})
def _retry_budget(answer, *, error_rate, target, rate, duration, seed):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Integral) or not 1 <= answer <= 20:
        raise ValueError(f"max_attempts must be a whole number between 1 and 20, got {answer!r}")
    answer = int(answer)
    duration = float(duration)
    if dlq_share(answer, error_rate, rate, duration, seed) > target:
        return ex.Outcome(False, "too many events still end in the dead-letter queue")
    if answer > 1 and dlq_share(answer - 1, error_rate, rate, duration, seed) <= target:
        return ex.Outcome(False, "one attempt fewer would meet the target too")
    return ex.Outcome(True)
