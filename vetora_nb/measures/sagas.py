"""What a saga costs in messages, where it fails, and when the two styles tie.

Both saga styles of :mod:`vetora_nb.patterns.sagas` run the *same* sagas,
so their outcomes are the same and only the messaging differs:

- **choreography** pays one network leg to start, then one broker hop per
  step and per compensation;
- **orchestration** pays two network legs (call and answer) per step and
  per compensation.

The closed forms here (:func:`hop_counts`, :func:`failure_profile`,
:func:`breakeven_broker_latency`) predict from the step failure
probabilities; :func:`crossings` and :func:`outcome_check` measure the same
things in runs.

>>> from dataclasses import replace
>>> from vetora_nb.patterns.sagas import DEFAULT_STEPS
>>> never = [replace(s, failure=0.0) for s in DEFAULT_STEPS]   # no step ever fails
>>> h = hop_counts(never)             # 4 hops against 8 legs
>>> h["broker_hops"], h["network_legs"]
(4.0, 8.0)
>>> round(breakeven_broker_latency(0.001, never) * 1000, 2)   # (2k - 1)/k legs
1.75
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["hop_counts", "failure_profile", "breakeven_broker_latency", "crossings", "outcome_check"]


def hop_counts(steps) -> dict:
    """Expected message legs per saga, from the step failure probabilities.

    A saga that completes all ``k`` steps pays ``k`` broker hops in
    choreography and ``2k`` network legs in orchestration; one that fails at
    step ``j`` (0-based, after ``j`` successes) pays ``2j`` broker hops (an
    event after each success, one before each compensation) against
    ``2(j + 1) + 2j`` network legs (there and back for each step tried and
    each compensation). Choreography also pays one network leg for the
    command that starts it. Returns ``{'broker_hops', 'network_legs',
    'completion'}`` (expected values and the completion probability).
    """
    steps = tuple(steps)
    k = len(steps)
    p = np.array([s.failure for s in steps], float)
    survive = np.concatenate([[1.0], np.cumprod(1 - p)])      # P(reach step j)
    fail_at = survive[:-1] * p                                 # P(fail at step j)
    j = np.arange(k)
    complete = survive[-1]
    broker = float(np.sum(fail_at * 2 * j) + complete * k)
    network = float(np.sum(fail_at * (4 * j + 2)) + complete * 2 * k)
    return {"broker_hops": broker, "network_legs": network, "completion": float(complete)}


def failure_profile(steps) -> pd.Series:
    """The probability that a saga fails *at* each step (it passed the ones
    before), by step name; the rest, ``expected_completion``, completes."""
    steps = tuple(steps)
    p = np.array([s.failure for s in steps], float)
    reach = np.concatenate([[1.0], np.cumprod(1 - p)[:-1]])
    return pd.Series(reach * p, index=[s.name for s in steps], name="p_fail_here")


def breakeven_broker_latency(network_latency: float, steps) -> float:
    """The broker latency at which both styles take as long on average.

    Service and compensation work is the same in both styles, so the mean
    durations differ only by messaging: ``n + b·E[broker hops]`` against
    ``n·E[network legs]``. They are equal at
    ``b* = n·(E[network legs] − 1) / E[broker hops]``; above it, the broker
    hop costs choreography more than the coordinator costs orchestration.
    (Queueing is left out: at moderate load it is small and the same in both.)
    """
    h = hop_counts(steps)
    if h["broker_hops"] == 0:
        return math.inf
    return float(network_latency) * (h["network_legs"] - 1) / h["broker_hops"]


def crossings(table: pd.DataFrame) -> pd.DataFrame:
    """Per failure probability of a latency trade-off table (one row per
    ``failure``, ``broker_latency`` and ``style``, with ``duration_mean`` and
    ``breakeven``): the broker latency at which choreography's mean duration
    meets orchestration's (``measured``, linear interpolation between the
    sweep's points; NaN if the sweep does not cross) next to the closed form
    (``closed_form``).

    >>> t = pd.DataFrame({"failure": 0.0, "broker_latency": [0.001, 0.003] * 2, "breakeven": 0.00175,
    ...                   "style": ["choreography"] * 2 + ["orchestration"] * 2,
    ...                   "duration_mean": [0.010, 0.014, 0.0115, 0.0115]})
    >>> crossings(t)["measured"].round(5).tolist()
    [0.00175]
    """
    rows = []
    for failure, part in table.groupby("failure", sort=True):
        chor = part[part["style"] == "choreography"].sort_values("broker_latency")
        orch = part[part["style"] == "orchestration"].sort_values("broker_latency")
        x = chor["broker_latency"].to_numpy(float)
        diff = chor["duration_mean"].to_numpy(float) - orch["duration_mean"].to_numpy(float)
        measured = float("nan")
        for i in range(len(x) - 1):
            if diff[i] <= 0 < diff[i + 1]:
                measured = float(x[i] + (x[i + 1] - x[i]) * (-diff[i]) / (diff[i + 1] - diff[i]))
                break
        rows.append({"failure": float(failure), "measured": measured,
                     "closed_form": float(part["breakeven"].iloc[0])})
    return pd.DataFrame(rows)


def outcome_check(result) -> dict:
    """A saga run's completions set against ``∏(1 − pᵢ)``.

    ``sagas`` (ended ones), ``completed``, ``expected`` (sagas expected to
    complete) and ``sd`` (its binomial standard deviation), ``z`` (how many
    of those the run is away), and per step ``failed_at`` (sagas that
    failed there) next to ``expected_at`` (:func:`failure_profile` times the
    sagas).
    """
    s = result.summary()
    n, p = s["completed"] + s["compensated"], s["expected_completion"]
    sd = math.sqrt(n * p * (1 - p))
    counts = result.sagas["failed_step"].value_counts()
    expected_at = failure_profile(result.steps) * n
    return {"sagas": n, "completed": s["completed"], "expected": n * p, "sd": sd,
            "z": (s["completed"] - n * p) / sd if sd > 0 else math.nan,
            "failed_at": counts.reindex(expected_at.index, fill_value=0).astype(int), "expected_at": expected_at}
