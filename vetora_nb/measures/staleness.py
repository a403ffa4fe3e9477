"""Staleness: how often a read model serves an old value, by how much, and why.

:mod:`vetora_nb.patterns.consistency` says *which* reads are stale — a read
of a key at ``t`` is stale when a write of that key was acknowledged at or
before ``t`` and applied after it — in two frames: the read workload
(:func:`~vetora_nb.patterns.consistency.read_model_staleness`, one row per
read) and the write log (:func:`~vetora_nb.patterns.consistency.write_log`,
one row per acknowledged write, with its ``apply_delay`` from ack to apply).
These functions put numbers on those frames, the one way every notebook,
sweep and verdict reads them:

- :func:`read_staleness`: the share of stale reads (with its binomial
  standard error) and how old the stale ones were;
- :func:`apply_delays`: how long writes waited, after the ack, to be applied
  (at or below 0 when the read model was updated before the writer was
  answered; a write never applied counts as not applied, not as a delay);
- :func:`little_bound`: Little's law — a key written ``rate / keys`` times a
  second, each write unapplied for ``d`` on average, has ``rate / keys * d``
  unapplied writes on average, which bounds the share of time it is stale.

>>> import pandas as pd
>>> reads = pd.DataFrame({"stale": [False, True, True, False], "staleness": [0.0, 0.01, 0.03, 0.0]})
>>> r = read_staleness(reads)
>>> r["stale_fraction"], round(r["mean_staleness"], 3)
(0.5, 0.02)
>>> writes = pd.DataFrame({"apply_delay": [0.004, 0.006, float("inf")]})
>>> round(apply_delays(writes)["mean_apply_delay"], 3)        # the write never applied is left out
0.005
>>> little_bound(rate=100, keys=50, mean_apply_delay=0.01)
0.02
"""

from __future__ import annotations

import numpy as np

from .availability import binomial_stderr

__all__ = ["read_staleness", "apply_delays", "little_bound"]


def read_staleness(reads) -> dict:
    """The numbers of a read workload (a :func:`~vetora_nb.patterns.consistency.read_model_staleness`
    frame): ``reads``, ``stale_fraction`` (NaN without reads) and its ``stderr``,
    ``mean_staleness`` and ``p99_staleness`` of the stale reads (0 without any)."""
    n = len(reads)
    share = float(reads["stale"].mean()) if n else float("nan")
    stale = reads.loc[reads["stale"], "staleness"].to_numpy(float)
    return {"reads": n, "stale_fraction": share, "stderr": binomial_stderr(share, n) if n else float("nan"),
            "mean_staleness": float(stale.mean()) if len(stale) else 0.0,
            "p99_staleness": float(np.percentile(stale, 99)) if len(stale) else 0.0}


def apply_delays(writes) -> dict:
    """The numbers of a write log (a :func:`~vetora_nb.patterns.consistency.write_log`
    frame): ``writes``, and the ``mean_apply_delay``, ``p99_apply_delay`` and
    ``max_apply_delay`` of the writes that were applied (NaN if none was)."""
    delay = writes["apply_delay"].to_numpy(float)
    delay = delay[np.isfinite(delay)]
    if not len(delay):
        nan = float("nan")
        return {"writes": len(writes), "mean_apply_delay": nan, "p99_apply_delay": nan, "max_apply_delay": nan}
    return {"writes": len(writes), "mean_apply_delay": float(delay.mean()),
            "p99_apply_delay": float(np.percentile(delay, 99)), "max_apply_delay": float(delay.max())}


def little_bound(rate: float, keys: int, mean_apply_delay: float) -> float:
    """Little's law: a key is written ``rate / keys`` times a second and each
    write waits ``mean_apply_delay`` to be applied, so it has that many
    unapplied writes on average — an upper bound on the share of time it is
    stale (overlapping writes count once in the exact share,
    :func:`~vetora_nb.patterns.consistency.expected_stale_fraction`)."""
    if not keys >= 1:
        raise ValueError(f"keys must be >= 1, got {keys!r}")
    return min(1.0, max(0.0, rate / keys * mean_apply_delay))
