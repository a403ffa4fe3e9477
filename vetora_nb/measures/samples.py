"""The sampled series of a run, over a window.

``res.metric(name)`` is a wide frame sampled every ``res.sample_interval``
seconds, one column per node (``busy_workers``, ``queue_depth``,
``consumer_lag`` ...). :func:`mean_in_window` reads one column's average
over ``[start, end)``: how many of ``orders``' workers were busy during a
fault, say, rather than at its worst moment.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.order_placed("request_response"), vn.Traffic.poisson(100),
...                   duration=8, seed=7, faults=[vn.Slowdown("inventory", 2, 6, 5)])
>>> mean_in_window(res, "busy_workers", "orders", 3, 6) > 4 * mean_in_window(res, "busy_workers", "orders", 0, 2)
True
"""

from __future__ import annotations

__all__ = ["mean_in_window"]


def mean_in_window(res, metric: str, node: str, start: float, end: float) -> float:
    """Mean of ``res.metric(metric)[node]`` over the samples taken in ``[start, end)`` (NaN if none)."""
    if not end > start:
        raise ValueError(f"start/end: need start < end, got start={start}, end={end}")
    wide = res.metric(metric)
    if node not in wide.columns:
        raise KeyError(f"node: no {metric!r} series for {node!r} in this run; series: {sorted(wide.columns)}")
    s = wide[node]
    return float(s[(s.index >= start) & (s.index < end)].mean())
