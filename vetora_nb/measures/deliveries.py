"""Where the events went: processed, retried, dead-lettered, pending — and what a customer was promised.

Event-driven handles a failing consumer *in the broker*: the consumer tries
an event again, and after ``max_attempts`` parks it in the dead-letter
queue; nothing is lost, but an order answered ``ok`` may never be done.

- :func:`accounting` — every delivery's end, and whether the books balance
  (``processed + dlq + pending == rows``);
- :func:`events_in_window` and :func:`retry_outcomes` — a group's events
  published in a window, how many needed a retry, how many were dead-lettered;
- :func:`unfulfilled` — of the requests answered ``ok``, how many were
  never done (no ``settled_at``): a promise the system could not keep;
- :func:`dlq_share` — the share of a group's events dead-lettered;
- :func:`repeated_effects` — request-response's duplicates, with no log to
  count them in: a retried call whose first try had in fact succeeded.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(100), duration=8,
...                   seed=7, faults=[vn.ErrorRate("shipping", 2, 6, 0.3)])
>>> books = accounting(res)
>>> books["balanced"], books["lost"]
(True, 0)
>>> out = retry_outcomes(res, "shipping", 2, 6)
>>> out["events"] > out["retried"] > out["dlq"] > 0
True
"""

from __future__ import annotations

import math

import pandas as pd

from .consumers import group_of
from .requests import in_window

__all__ = ["accounting", "events_in_window", "retry_outcomes", "unfulfilled", "dlq_share", "repeated_effects"]


def accounting(res) -> dict:
    """Where every event delivery ended: ``rows`` (one per event and group),
    ``processed``, ``dlq``, ``pending``, ``balanced`` (they add up to
    ``rows``), ``lost`` (``summary()['events_lost']``, always 0) and
    ``duplicates`` (deliveries applied twice)."""
    s = res.summary()
    rows = len(res.events)
    return {"rows": rows, "processed": s["events_processed"], "dlq": s["events_dlq"],
            "pending": s["events_pending"],
            "balanced": s["events_processed"] + s["events_dlq"] + s["events_pending"] == rows,
            "lost": s["events_lost"], "duplicates": s["duplicates"]}


def events_in_window(res, group: str, start: float | None = None, end: float | None = None) -> pd.DataFrame:
    """``group``'s event rows *published* in ``[start, end)`` (open sides when ``None``)."""
    ev = res.events
    if group not in set(ev["group"]):
        raise KeyError(f"group: no consumer group {group!r} in this run; groups: {sorted(set(ev['group']))}")
    lo = 0.0 if start is None else float(start)
    hi = math.inf if end is None else float(end)
    if not hi > lo:
        raise ValueError(f"start/end: need start < end, got start={start}, end={end}")
    ev = ev[ev["group"] == group]
    return ev[(ev["published_at"] >= lo) & (ev["published_at"] < hi)]


def retry_outcomes(res, group: str, start: float | None = None, end: float | None = None) -> dict:
    """Of ``group``'s events published in the window: ``events``, ``retried``
    (needed more than one attempt), and how each ended: ``processed``,
    ``dlq`` (ran out of attempts) or still ``pending``."""
    ev = events_in_window(res, group, start, end)
    ended = ev["outcome"].value_counts()
    return {"events": len(ev), "retried": int((ev["attempts"] > 1).sum()),
            **{k: int(ended.get(k, 0)) for k in ("processed", "dlq", "pending")}}


def unfulfilled(res, start: float | None = None, end: float | None = None) -> dict:
    """Of the requests that arrived in ``[start, end)`` and were answered ``ok``:
    ``ok`` (how many), ``never_done`` (no ``settled_at``: some effect never
    happened) and ``share`` (``never_done / ok``, NaN if none was ok)."""
    sel = in_window(res, start, end)
    ok = sel[sel["status"] == "ok"]
    never = int(ok["settled_at"].isna().sum())
    return {"ok": len(ok), "never_done": never, "share": never / len(ok) if len(ok) else float("nan")}


def dlq_share(res, group: str | None = None) -> float:
    """Share of ``group``'s events that ended in the dead-letter queue (0 with no events).

    >>> import math
    >>> import vetora_nb as vn
    >>> from vetora_nb.experiments import ordering
    >>> res = vn.simulate(ordering.pipeline(max_attempts=1), vn.Traffic.poisson(150), duration=5, seed=7,
    ...                   faults=[vn.ErrorRate("billing", 0, math.inf, 0.3)])
    >>> 0.2 < dlq_share(res, "billing") < 0.4          # one attempt: about 30% dead-lettered
    True
    """
    group = group_of(res, group)
    ev = res.events
    ev = ev[ev["group"] == group]
    return float((ev["outcome"] == "dlq").mean()) if len(ev) else 0.0


def repeated_effects(res, callee: str) -> dict:
    """Request-response's duplicates: requests ``callee`` handled successfully more than once.

    A caller that times out and retries does not know whether the first try
    happened; often it did. ``repeated`` counts requests whose effect on
    ``callee`` happened two or more times; ``repeated_but_failed`` those of
    them the caller was told had failed; ``effects`` all successful handlings.
    Needs the spans (``trace_sample=1.0``, the default).
    """
    spans = res.spans
    done = spans[(spans["service"] == callee) & (spans["operation"] == "handle") & (spans["status"] == "ok")]
    if done.empty and spans.empty:
        raise ValueError("res: no spans were recorded (simulate with trace_sample=1.0)")
    counts = done.groupby("trace_id").size()
    twice = set(counts[counts > 1].index)
    req = res.requests
    failed = set(req.loc[req["status"] != "ok", "trace_id"])
    return {"requests": len(req), "effects": int(counts.sum()), "repeated": len(twice),
            "repeated_but_failed": len(twice & failed)}
