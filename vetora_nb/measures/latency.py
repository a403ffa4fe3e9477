"""Two clocks, and the tail of a fan-out.

The **caller's** latency is how long the customer waited for an answer; the
**end-to-end** latency is how long until every effect of the request was
done. Request-response answers when the work is done, so its two clocks
agree; event-driven answers at the broker's ack.

- :func:`latency_table` — p50/p95/p99 of both clocks for several runs, in ms;
- :func:`call_latencies` — how long each call a service made took (from the spans);
- :func:`max_of_n_quantile` — the ``q`` quantile of the slowest of ``n``
  independent calls: a parallel fan-out waits for the slowest.

>>> import numpy as np
>>> values = np.arange(1, 10_001)
>>> bool(max_of_n_quantile(values, 8) == np.quantile(values, 0.99 ** (1 / 8)))     # one call's p99.87
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["latency_table", "call_latencies", "max_of_n_quantile"]


def latency_table(runs: dict, percentiles=(50, 95, 99)) -> pd.DataFrame:
    """p50/p95/p99 of the caller's and the end-to-end latency, in ms, one row per run.

    Computed like ``summary()``: the caller's clock over every answered
    request, the end-to-end clock over successful requests that settled.
    Columns ``'caller p50'`` ... ``'end-to-end p99'``.
    """
    rows = {}
    for name, res in runs.items():
        req = res.requests
        caller = req.loc[req["status"] != "in_flight", "latency"].to_numpy(float)
        e2e = req.loc[req["status"] == "ok", "e2e_latency"].to_numpy(float)
        e2e = e2e[np.isfinite(e2e)]
        row = {}
        for clock, values in (("caller", caller), ("end-to-end", e2e)):
            for p in percentiles:
                row[f"{clock} p{p}"] = float(np.percentile(values, p)) * 1000 if len(values) else float("nan")
        rows[name] = row
    return pd.DataFrame(rows).T


def call_latencies(res, caller: str = "orders") -> np.ndarray:
    """Seconds each call ``caller`` made took, from its ``call ...`` spans (every attempt)."""
    sp = res.spans
    if len(sp) == 0 and len(res.requests):
        raise ValueError("res: this run recorded no spans (trace_sample=0); call_latencies needs them")
    calls = sp[(sp["service"] == caller) & sp["operation"].str.startswith("call ")]
    return (calls["end"] - calls["start"]).to_numpy(float)


def max_of_n_quantile(values, n: int, q: float = 0.99) -> float:
    """The ``q`` quantile of the maximum of ``n`` independent draws from ``values``' distribution.

    ``P(max <= x) = F(x)**n``, so the answer is ``values``' ``q**(1/n)``
    quantile: for ``n = 8`` and ``q = 0.99``, the single call's p99.87.
    """
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if not len(values):
        return float("nan")
    return float(np.quantile(values, q ** (1.0 / n)))
