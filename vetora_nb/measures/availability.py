"""Availability: the share of requests a service answered ``ok``, and how sure we are of it.

A run's availability is measured the way a customer would: of the requests
that got an answer (not still in flight at the end), the share whose answer
was ``ok`` — one minus :func:`~vetora_nb.measures.failed_share`. A run of
``n`` answered requests measures that share with a binomial standard error
``sqrt(p (1 - p) / n)``: two of them either side is where another seed would
most likely land. A fault window counts for the share of the run it covers,
clipped to the run (:func:`window_share`): what the product rule multiplies
in for an outage.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.order_placed("request_response"), vn.Traffic.poisson(100),
...                   duration=10, seed=1, faults=[vn.ErrorRate("shipping", 0, 10, 0.5)])
>>> a = availability(res)
>>> 0.8 < a["success"] < 0.95, a["answered"] == res.summary()["requests"] - res.summary()["in_flight"]
(True, True)
>>> window_share((8, 14), 10)             # only 2 of the window's 6 s fall inside the run
0.2
"""

from __future__ import annotations

import math

from .requests import failed_share, in_window

__all__ = ["success_rate", "binomial_stderr", "availability", "window_share"]


def success_rate(res, start: float | None = None, end: float | None = None) -> float:
    """Share of the answered requests that arrived in ``[start, end)`` and ended ``ok``
    (NaN if none arrived): ``1 - failed_share(res, start, end)``."""
    return 1.0 - failed_share(res, start, end)


def binomial_stderr(share: float, n: int) -> float:
    """The standard error of a share measured on ``n`` independent trials (NaN for ``n = 0``).

    >>> round(binomial_stderr(0.9, 100), 3)
    0.03
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n!r}")
    return math.sqrt(share * (1.0 - share) / n) if n else float("nan")


def availability(res, start: float | None = None, end: float | None = None) -> dict:
    """``{answered, success, stderr}``: how many requests of ``[start, end)`` got an
    answer, the share answered ``ok`` (:func:`success_rate`), and its standard error."""
    n = len(in_window(res, start, end))
    success = success_rate(res, start, end)
    return {"answered": n, "success": success, "stderr": binomial_stderr(success, n)}


def window_share(window, duration: float) -> float:
    """The share of a run of ``duration`` seconds that the window ``(start, end)``
    covers, clipped to ``[0, duration]`` (0 for ``None`` or an empty window)."""
    if not duration > 0:
        raise ValueError(f"duration must be > 0, got {duration!r}")
    if window is None:
        return 0.0
    start, end = max(float(window[0]), 0.0), min(float(window[1]), float(duration))
    return max(0.0, end - start) / float(duration)
