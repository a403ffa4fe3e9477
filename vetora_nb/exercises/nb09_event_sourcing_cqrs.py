"""Exercises of notebook 09: event sourcing and CQRS.

Every judge re-runs the event-sourced architecture of the notebook
(:func:`vetora_nb.experiments.event_log.run`: a writer appending
to ``orders-log``, a live ``projection`` and a late group) with the
student's parameters, and decides from that run.
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache

from ..experiments import event_log
from ..patterns import consistency as cq
from ..patterns import event_sourcing as es
from . import Outcome, close, one_of, register

#: Per-student parameters; the first value of each is the default.
VARIANTS = {
    "RATE": [100, 80, 120, 140],
    "T_QUERY": [12.0, 8.0, 16.0, 21.0],
    "QUERY_KEY": [7, 3, 11, 16],
    "LATE_AT": [20.0, 15.0, 25.0],
    "SLOWDOWN": [8.0, 6.0, 10.0, 12.0],
}

#: What the notebook keeps fixed (its first cell).
SEED, KEYS, DURATION, READ_RATE, CATCH_UP_TARGET = 9, 20, 30.0, 200.0, 4.0
SLOW_WINDOW = (10.0, 20.0)
MAX_PARTITIONS = 16

_BASE = {"rate": VARIANTS["RATE"][0], "seed": SEED, "keys": KEYS, "duration": DURATION}


def _run(**kw):
    """The notebook's run for these parameters (the last few are kept: a check
    and the graded test after it judge the same run)."""
    return _cached_run(tuple(sorted(kw.items())))


@lru_cache(maxsize=8)
def _cached_run(items):
    return event_log.run(**dict(items))


@lru_cache(maxsize=64)
def _catch_up(rate, late_at, partitions, keys, duration, seed) -> float:
    """Catch-up time of the group joining at ``late_at`` with ``partitions`` partitions."""
    res = _run(rate=rate, late_at=late_at, partitions=partitions, keys=keys, duration=duration, seed=seed)
    return es.catch_up(res, event_log.STREAM, event_log.late_group(late_at))["catch_up_time"]


@register("09.converges", kind="prediction",
          hint="A slow consumer changes *when* it applies each event, not *what* it applies: after "
               "the drain it has processed the same events, in the same per-key order. Check with "
               "es.replay_matches_live on a run with vn.Slowdown('projection', 0, float('inf'), SLOWDOWN).",
          defaults={**_BASE, "slowdown": VARIANTS["SLOWDOWN"][0], "late_at": VARIANTS["LATE_AT"][0]})
def _converges(answer, *, rate, seed, keys, duration, slowdown, late_at):
    res = _run(rate=rate, late_at=late_at, keys=keys, duration=duration, seed=seed, slowdown=slowdown)
    same = es.replay_matches_live(res, event_log.STREAM, event_log.READ_MODEL)
    return one_of(answer, "yes" if same else "no", ("yes", "no"))


@register("09.state_at", kind="measurement",
          hint="Simulate the notebook's run (RATE, KEYS, DURATION, SEED), then ask "
               "es.state_at(run, 'orders-log', T_QUERY) and read the 'orders' of key QUERY_KEY "
               "(a key with no orders yet is not in the frame: that is 0).",
          defaults={**_BASE, "t": VARIANTS["T_QUERY"][0], "key": VARIANTS["QUERY_KEY"][0],
                    "late_at": VARIANTS["LATE_AT"][0]})
def _state_at(answer, *, rate, seed, keys, duration, t, key, late_at):
    res = _run(rate=rate, late_at=late_at, keys=keys, duration=duration, seed=seed)
    state = es.state_at(res, event_log.STREAM, t)
    expected = int(state.loc[key, "orders"]) if key in state.index else 0
    return close(answer, expected, rel=0.0, abs_tol=0.5)


@register("09.stale_share", kind="measurement",
          hint="Run the architecture with vn.Slowdown('projection', 10, 20, SLOWDOWN), then "
               "cq.read_model_staleness(run, 'projection', READ_RATE, seed=SEED)['stale'].mean() "
               "— a share between 0 and 1, not a percentage.",
          defaults={**_BASE, "slowdown": VARIANTS["SLOWDOWN"][0], "read_rate": READ_RATE,
                    "window": SLOW_WINDOW, "late_at": VARIANTS["LATE_AT"][0]})
def _stale_share(answer, *, rate, seed, keys, duration, slowdown, read_rate, window, late_at):
    res = _run(rate=rate, late_at=late_at, keys=keys, duration=duration, seed=seed, slowdown=slowdown,
               window=tuple(window))
    expected = float(cq.read_model_staleness(res, event_log.READ_MODEL, read_rate, seed=seed)["stale"].mean())
    return close(answer, expected, rel=0.1, abs_tol=0.005)


@register("09.partitions", kind="design",
          hint="Sweep the partition count from 1 upwards: for each, run the architecture with the "
               "late group joining at LATE_AT and read es.catch_up(...)['catch_up_time']. Keep the "
               "smallest count whose catch-up is within CATCH_UP_TARGET — and do not assume more "
               "partitions always help (KEYS keys do not spread evenly over every count).",
          defaults={**_BASE, "late_at": VARIANTS["LATE_AT"][0], "target": CATCH_UP_TARGET})
def _partitions(answer, *, rate, seed, keys, duration, late_at, target):
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real) or not math.isfinite(answer) \
            or answer != int(answer):
        return Outcome(False, "the answer should be a whole number of partitions")
    n = int(answer)
    if not 1 <= n <= MAX_PARTITIONS:
        return Outcome(False, f"choose between 1 and {MAX_PARTITIONS} partitions")
    if _catch_up(rate, late_at, n, keys, duration, seed) > target:
        return Outcome(False, "with that many partitions the late group misses the target")
    for fewer in range(n - 1, 0, -1):
        if _catch_up(rate, late_at, fewer, keys, duration, seed) <= target:
            return Outcome(False, "it meets the target, but fewer partitions would too")
    return Outcome(True)

