"""What happened to the requests: failures in a window, answers per second, work done.

A request's ``status`` is ``'ok'`` or why it failed; these functions read
the ``requests`` (and, for work done in request-response, the ``spans``)
frames of a :class:`~vetora_nb.results.Result`. A window ``[start, end)``
selects requests by when they *arrived*, so a fault's effect is counted
against the requests that met it.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.order_placed("request_response"), vn.Traffic.poisson(100),
...                   duration=20, seed=1, faults=[vn.Outage("shipping", 5, 10)])
>>> failed_share(res, 5, 10) > 0.9 > failed_share(res, 12, 20)
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["in_window", "failed_share", "failed_latency", "answered_per_s", "fulfilled_per_s", "work_done"]


def in_window(res, start: float | None = None, end: float | None = None) -> pd.DataFrame:
    """The answered requests (not still in flight) that arrived in ``[start, end)``.

    ``None`` for ``start`` or ``end`` leaves that side open.
    """
    lo = 0.0 if start is None else float(start)
    hi = math.inf if end is None else float(end)
    if not hi > lo:
        raise ValueError(f"start/end: need start < end, got start={start}, end={end}")
    req = res.requests
    return req[(req["start"] >= lo) & (req["start"] < hi) & (req["status"] != "in_flight")]


def failed_share(res, start: float | None = None, end: float | None = None) -> float:
    """Share of the requests that arrived in ``[start, end)`` and did not end ``ok``
    (NaN if none arrived)."""
    sel = in_window(res, start, end)
    return float((sel["status"] != "ok").mean()) if len(sel) else float("nan")


def failed_latency(res, q: float = 50, start: float | None = None, end: float | None = None) -> float:
    """The ``q``-th percentile of how long the *failed* requests that arrived in
    the window waited for their answer (a refusal at the door waits 0 s)."""
    sel = in_window(res, start, end)
    lat = sel.loc[sel["status"] != "ok", "latency"].to_numpy(float)
    return float(np.percentile(lat, q)) if len(lat) else float("nan")


def answered_per_s(res, start: float, end: float) -> float:
    """Requests answered ``ok`` per second during ``[start, end)``, by answer time."""
    if not end > start:
        raise ValueError(f"start/end: need start < end, got start={start}, end={end}")
    req = res.requests
    sel = (req["status"] == "ok") & (req["end"] >= start) & (req["end"] < end)
    return float(sel.sum()) / (end - start)


def _until(res, until):
    return res.duration if until is None else float(until)


def fulfilled_per_s(res, until: float | None = None) -> float:
    """Requests per second answered ``ok`` *and* fully done (every effect) by ``until``
    (default: the end of arrivals)."""
    until = _until(res, until)
    req = res.requests
    done = (req["status"] == "ok") & (req["settled_at"] <= until)
    return float(done.sum()) / until


def work_done(res, until: float | None = None) -> pd.Series:
    """Work each downstream service finished per second, in ``[0, until]``.

    Request-response: the service's successful ``handle`` spans that ended
    by ``until``. Event-driven: its group's deliveries processed by then.
    ``until`` defaults to the end of arrivals (``res.duration``), so work
    done while draining afterwards does not count.
    """
    until = _until(res, until)
    arch = res.architecture
    names = [s for s in arch.services if s != arch.entry]
    if arch.streams:
        ev = res.events
        done = ev[(ev["outcome"] == "processed") & (ev["processed_at"] <= until)]
        counts = done["group"].value_counts()
    else:
        sp = res.spans
        if len(sp) == 0 and len(res.requests):
            raise ValueError("res: this run recorded no spans (trace_sample=0); work_done needs them")
        done = sp[(sp["operation"] == "handle") & (sp["status"] == "ok") & (sp["end"] <= until)]
        counts = done["service"].value_counts()
    return pd.Series({n: counts.get(n, 0) / until for n in names}, name="per_s", dtype=float)
