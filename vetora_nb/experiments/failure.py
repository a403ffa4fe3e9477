"""Failure handling: the order example with every defence as a knob, and what each one did.

Request-response defends itself *in the call* (``retries``, ``timeout``, a
``circuit_breaker``); event-driven *in the broker* (each consumer's
``max_attempts`` and ``retry_backoff``, then the dead-letter queue, and
``idempotent`` consumers against redeliveries). :func:`shop` builds the
order example with all of them exposed; :func:`storm_row` and
:func:`breaker_effect` read one run the way notebook 05 compares them.

>>> sorted(shop("event_driven", max_attempts=5).subscribers("order-placed"))
['analytics', 'inventory', 'notifications', 'shipping']
"""

from __future__ import annotations

from .. import measures, scenarios
from ..architecture import Architecture, CircuitBreaker

__all__ = ["RR", "ED", "STREAM", "BREAKER", "shop", "storm_row", "breaker_effect"]

RR, ED = scenarios.STYLES
STREAM = "order-placed"
#: The breaker notebook 05 and its panel put on each call: 5 failures in a row open it for 1 s.
BREAKER = CircuitBreaker(failure_threshold=5, reset_timeout=1.0)


def shop(style: str = RR, *, retries: int = 2, timeout: float = 0.5, circuit_breaker=None,
         partitions: int = 4, idempotent: bool = False, max_attempts: int = 3,
         retry_backoff: float = 0.05, groups=None) -> Architecture:
    """``vn.scenarios.order_placed(style)``, with the consumers' retry policy exposed.

    Request-response: exactly ``order_placed(style, retries=..., timeout=...,
    circuit_breaker=...)``. Event-driven: the same services and stream, and
    each consumer group in ``groups`` (default: all four) tries an event
    ``max_attempts`` times, ``retry_backoff * 2**k`` seconds apart, before
    dead-lettering it; ``idempotent`` consumers skip events they have
    already applied. With the defaults both are ``order_placed(style)``.
    """
    style = {"rr": RR, "ed": ED}.get(style, style)
    if style == RR:
        return scenarios.order_placed(RR, retries=retries, timeout=timeout, circuit_breaker=circuit_breaker)
    if style != ED:
        raise ValueError(f"style must be one of {scenarios.STYLES}, got {style!r}")
    groups = list(scenarios.DOWNSTREAM) if groups is None else list(groups)
    unknown = [g for g in groups if g not in scenarios.DOWNSTREAM]
    if unknown:
        raise KeyError(f"groups: unknown consumer {unknown[0]!r}; consumers: {list(scenarios.DOWNSTREAM)}")
    return scenarios.order_placed(ED, partitions=partitions, idempotent=idempotent,
                                  max_attempts={g: max_attempts for g in groups},
                                  retry_backoff={g: retry_backoff for g in groups})


def storm_row(res, start: float, end: float, callee: str = "shipping") -> dict:
    """What a retry storm did in one request-response run, a fault from ``start`` to ``end``:
    the failed share and the calls per order in the window, the calls per order over
    the run, orders timed out and refused at the door, and callee work nobody waited for."""
    return {
        "share failed (orders placed in the window)": measures.failed_share(res, start, end),
        f"calls to {callee} per order (window)": measures.attempts_per_request(res, callee, start, end),
        f"calls to {callee} per order (whole run)": measures.attempts_per_request(res, callee),
        "orders timed out": int(res.status_counts().get("timeout", 0)),
        "orders refused at the door": measures.refused_at_door(res),
        f"{callee} work nobody waited for": measures.wasted_work(res, callee)["wasted"],
    }


def breaker_effect(res, start: float, end: float, callee: str = "shipping", caller: str = "orders") -> dict:
    """How one request-response run failed while ``callee`` hung from ``start`` to ``end``:
    ``failed`` (share of the window's orders), ``wait_p50``/``wait_p95`` (how long failed
    orders of the window waited, s), ``calls_per_order`` (whole run), ``queue_peak``
    (``callee``'s), ``busy_workers`` (``caller``'s mean from a second into the window,
    once the queues have filled), ``rejected_below`` (``'rejected_downstream'``: refused by
    a full callee queue, not at the door) and ``circuit_open`` (refused by an open breaker)."""
    counts = res.status_counts()
    return {
        "failed": measures.failed_share(res, start, end),
        "wait_p50": measures.failed_latency(res, 50, start, end),
        "wait_p95": measures.failed_latency(res, 95, start, end),
        "calls_per_order": measures.attempts_per_request(res, callee, caller=caller),
        "queue_peak": float(res.metric("queue_depth")[callee].max()),
        "busy_workers": measures.mean_in_window(res, "busy_workers", caller, min(start + 1, end - 1e-9), end),
        "rejected_below": int(counts.get("rejected_downstream", 0)),
        "circuit_open": int(counts.get("circuit_open", 0)),
    }
