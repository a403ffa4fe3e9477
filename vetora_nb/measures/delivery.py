"""Delivery: what a run did to events (and requests) that failed or came twice.

A consumer commits its offsets after processing; a crash makes it re-read
what it did since the last commit (``Result.redelivered``, and
``summary()['duplicates']`` for effects applied twice). Processing that
keeps failing is dead-lettered after ``max_attempts`` tries
(:func:`dlq_share`). Request-response repeats effects too, without a log
to count them in: a retried call whose first try had in fact succeeded
(:func:`repeated_effects`).

>>> import math
>>> import vetora_nb as vn
>>> from vetora_nb.experiments import ordering
>>> res = vn.simulate(ordering.pipeline(max_attempts=1), vn.Traffic.poisson(150), duration=5, seed=7,
...                   faults=[vn.ErrorRate("billing", 0, math.inf, 0.3)])
>>> 0.2 < dlq_share(res, "billing") < 0.4          # one attempt: about 30% dead-lettered
True
"""

from __future__ import annotations

from .ordering import group_of

__all__ = ["dlq_share", "repeated_effects"]


def dlq_share(res, group: str | None = None) -> float:
    """Share of ``group``'s events that ended in the dead-letter queue (0 with no events)."""
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
