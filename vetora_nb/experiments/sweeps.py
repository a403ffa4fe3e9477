"""Parameter sweeps of the order example: where each style should fall over, and the panel's grid.

A sweep runs the same seeded experiment over a grid of settings (offered
load x stream partitions x style) and collects one row per run:
``vn.sweep(vetora_nb.sweep.order_placed_run, grid)``. Where the knee of each
curve (:func:`vetora_nb.measures.knee`) should sit is the capacity of the
slowest part (:func:`slowest`): for event-driven the slowest consumer
group, ``min(partitions, instances) / mean``; for request-response the
slowest callee, ``workers / mean`` — the same
:func:`vetora_nb.measures.bottleneck` of each style's architecture.

>>> capacity("event_driven", partitions=2)   # shipping: min(2, 4) x 100/s
200.0
>>> slowest("request_response")
('shipping', 400.0)
"""

from __future__ import annotations

import pandas as pd

from .. import scenarios
from ..measures import bottleneck
from ..measures import knees as _knees
from ..measures.knee import KNEE_FACTOR, KNEE_MAX_ERROR
from ..sweep import order_placed_run

__all__ = ["RR", "ED", "slowest", "capacity", "knee_table", "grid"]

RR, ED = scenarios.STYLES


def slowest(style: str, partitions: int = 4, slowdown: float = 1.0, slow_service: str = "shipping") -> tuple:
    """``(service, events or requests per second)`` of the part that caps ``style``.

    The :func:`~vetora_nb.measures.bottleneck` of ``scenarios.order_placed(style,
    partitions=partitions)`` with ``slow_service`` counted ``slowdown``
    times slower. Keys are assumed spread evenly over the partitions.
    """
    if slow_service not in scenarios.DOWNSTREAM:
        raise KeyError(f"slow_service: unknown service {slow_service!r}; choose from {list(scenarios.DOWNSTREAM)}")
    arch = scenarios.order_placed(style, partitions=int(partitions))
    return bottleneck(arch, slowdown={slow_service: slowdown})


def capacity(style: str, partitions: int = 4, slowdown: float = 1.0, slow_service: str = "shipping") -> float:
    """The flat-out rate of the part that caps ``style`` (see :func:`slowest`)."""
    return slowest(style, partitions, slowdown, slow_service)[1]


def knee_table(df: pd.DataFrame, *, latency: str = "e2e_p99", factor: float = KNEE_FACTOR,
               max_error: float = KNEE_MAX_ERROR, slowdown: float = 1.0,
               slow_service: str = "shipping") -> pd.DataFrame:
    """:func:`vetora_nb.measures.knees` of a sweep over style, partitions and rate,
    with each curve's ``slowest`` part, its ``capacity`` (:func:`slowest`) and
    ``brackets``: does the capacity lie between the last healthy load and the knee?"""
    def theory(row):
        return slowest(row["style"], int(row["partitions"]), slowdown, slow_service)

    table = _knees(df, ("style", "partitions"), latency=latency, factor=factor, max_error=max_error,
                   capacity=theory)
    table["brackets"] = (table["last_ok"] < table["capacity"]) & (table["capacity"] < table["knee"])
    return table


def grid(style: str, rates, partitions=(4,), *, duration: float, seed: int, keys: int = 1000,
         hot_key: float = 0.0, slowdown: float = 1.0, slow_service: str = "shipping") -> pd.DataFrame:
    """One style over ``rates`` x ``partitions``: a row of ``order_placed_run`` per run.

    Request-response has no stream, so it runs once per rate, whatever
    ``partitions`` says, in a row whose ``partitions`` is ``'no stream'``
    (the first partition count is passed on, and changes nothing).
    """
    rows = []
    parts = tuple(partitions) if style == ED else (None,)
    for p in parts:
        for rate in rates:
            out = order_placed_run(style, float(rate), seed, duration, keys=int(keys), hot_key=float(hot_key),
                                   slowdown=float(slowdown), slow_service=slow_service,
                                   partitions=int(p or partitions[0]))
            rows.append({"style": style, "partitions": p if p else "no stream", "rate": float(rate), **out})
    return pd.DataFrame(rows)
