"""Traces as evidence: which failure to look at, and how long a trace outlives the answer.

:mod:`vetora_nb.patterns.tracing` reads one trace (its tree, shape, critical
path and root cause) and lists a run's failures; these functions read a run's
traces the one way notebook 03, its panel and its exercises all do:

- :func:`first_failure`: the failure a debugging session would open first
  after a moment of the run — the first one (by arrival) whose trace was
  recorded;
- :func:`trace_tail`: how long, on average, a trace goes on after the caller
  got its answer (the ``after_answer`` of
  :func:`~vetora_nb.patterns.tracing.trace_shape`): 0 for a synchronous tree,
  the consumers' time for an event-driven fan-out;
- :func:`mean_shape`: the average shape of the first traces of a run.

>>> import vetora_nb as vn
>>> runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(20), duration=3, seed=1,
...                        faults=[vn.ErrorRate("shipping", 0, 3, 0.5)]) for s in vn.scenarios.STYLES}
>>> trace_tail(runs["request_response"]), trace_tail(runs["event_driven"]) > 0
(0.0, True)
>>> rid = first_failure(runs["request_response"], after=1.0)
>>> bool(runs["request_response"].requests.loc[rid, "start"] >= 1.0)
True
"""

from __future__ import annotations

import pandas as pd

from ..patterns.tracing import failures, trace_shapes

__all__ = ["first_failure", "trace_tail", "mean_shape"]


def first_failure(result, after: float = 0.0, sampled: bool = True):
    """The request id of the first failure (by arrival) at or after ``after``
    seconds — a failed request or an effect dead-lettered — whose trace was
    recorded (any failure with ``sampled=False``); the last one before
    ``after`` if none came later; ``None`` if the run has none."""
    f = failures(result)
    if sampled:
        f = f[f["sampled"]]
    if not len(f):
        return None
    later = f[f["start"] >= after]
    return int((later if len(later) else f).iloc[0 if len(later) else -1]["request_id"])


def trace_tail(result, trace_ids=None) -> float:
    """Mean seconds from the root's answer to the end of the trace, over the
    traces ``trace_ids`` (default: every recorded trace); NaN without any."""
    shapes = trace_shapes(result, trace_ids)
    return float(shapes["after_answer"].mean()) if len(shapes) else float("nan")


def mean_shape(result, n: int = 200) -> pd.Series:
    """The mean :func:`~vetora_nb.patterns.tracing.trace_shape` of the traces of
    the first ``n`` requests (those recorded)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    return trace_shapes(result, result.requests["trace_id"].iloc[:n]).mean()
