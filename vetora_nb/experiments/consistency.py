"""Consistency: the inventory read model, kept up to date by a call or by an event.

The inventory service keeps a *read model* — stock levels that the shop's
pages read. Every order changes it. In request-response style ``orders``
calls inventory and answers only after inventory has applied the order, so
a read that comes after the answer always sees it. In event-driven style
``orders`` answers as soon as the event is in the log; inventory applies it
a little later, and a read in between is *stale*.

How often? Each key is written ``rate / keys`` times per second and each
write stays unapplied for its *apply delay* ``d`` (broker delivery, waiting
behind other events, processing), so by Little's law a key has on average
``rate / keys * d`` unapplied writes — which bounds the share of time it is
stale from above (:func:`vetora_nb.measures.little_bound`); the exact share
is :func:`vetora_nb.patterns.consistency.expected_stale_fraction`.

>>> runs = consistency_runs(rate=50, keys=20, duration=5, seed=1)
>>> sorted(runs)
['event_driven', 'request_response']
>>> table = staleness_table(runs, read_rate=100, seed=1)
>>> float(table.loc["request_response", "stale_fraction"])
0.0
"""

from __future__ import annotations

import math

import pandas as pd

from .. import measures, scenarios
from ..faults import Slowdown
from ..patterns import consistency as _cons
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["RR", "ED", "GROUP", "consistency_architecture", "slowdown_faults", "consistency_runs", "reads_of",
           "staleness_table", "lag_sweep"]

RR, ED = scenarios.STYLES
#: The read model: inventory's view of stock, fed by orders.
GROUP = "inventory"


def consistency_architecture(style: str, *, partitions: int = 4, workers: int | None = None):
    """The order example in ``style``, with ``partitions`` on its stream and
    (optionally) ``workers`` inventory instances."""
    downstream = dict(scenarios.DOWNSTREAM)
    if workers is not None:
        downstream[GROUP] = (int(workers), downstream[GROUP][1])
    return scenarios.order_placed(style, partitions=int(partitions), downstream=downstream)


def slowdown_faults(factor: float) -> list:
    """Inventory ``factor`` times slower for the whole run (no fault for 1).

    >>> slowdown_faults(1.0), len(slowdown_faults(3))
    ([], 1)
    """
    return [Slowdown(GROUP, 0.0, math.inf, float(factor))] if factor != 1 else []


def consistency_runs(*, rate: float = 100.0, keys: int = 50, duration: float = 20.0, seed: int = 0,
                     factor: float = 1.0, partitions: int = 4, workers: int | None = None,
                     styles=scenarios.STYLES) -> dict:
    """Both styles under identical seeded traffic over ``keys`` keys, with
    inventory ``factor`` times slower for the whole run: ``{style: Result}``."""
    traffic = Traffic.poisson(rate, keys=int(keys))
    return {style: simulate(consistency_architecture(style, partitions=partitions, workers=workers),
                            traffic, duration=duration, faults=slowdown_faults(factor), seed=seed,
                            trace_sample=1.0, max_drain=max(30.0, 2 * duration))
            for style in styles}


def reads_of(runs: dict, read_rate: float, seed: int = 0) -> dict:
    """The same read workload against each run's inventory read model:
    ``{style: reads}`` (:func:`~vetora_nb.patterns.consistency.read_model_staleness`)."""
    return {style: _cons.read_model_staleness(res, GROUP, read_rate, seed=seed) for style, res in runs.items()}


def staleness_table(runs: dict, read_rate: float, seed: int = 0, ryw_delay: float = 0.05,
                    reads: dict | None = None) -> pd.DataFrame:
    """The numbers of each run, one row per style: those of
    :func:`~vetora_nb.measures.read_staleness` (``reads, stale_fraction,
    stderr, mean_staleness, p99_staleness``) and
    :func:`~vetora_nb.measures.apply_delays` (``writes, mean_apply_delay,
    p99_apply_delay, max_apply_delay``), ``expected_stale_fraction`` (exact,
    from the run), ``ryw_missed`` (writers who do not see their own write
    ``ryw_delay`` after the ack), ``write_p50``, ``write_p99``,
    ``write_error_rate``, ``max_consumer_lag``. ``reads`` reuses a
    :func:`reads_of` already made."""
    reads = reads if reads is not None else reads_of(runs, read_rate, seed)
    rows = {}
    for style, res in runs.items():
        s = res.summary()
        r = measures.read_staleness(reads[style])
        writes = _cons.write_log(res, GROUP)        # once: three of the numbers read it
        rows[style] = {
            "reads": r["reads"], "stale_fraction": r["stale_fraction"], "stderr": r["stderr"],
            "expected_stale_fraction": _cons.expected_stale_fraction(res, GROUP, writes=writes),
            "mean_staleness": r["mean_staleness"], "p99_staleness": r["p99_staleness"],
            **measures.apply_delays(writes),
            "ryw_missed": _cons.read_your_writes(res, GROUP, ryw_delay, writes=writes),
            "write_p50": s["p50"], "write_p99": s["p99"], "write_error_rate": s["error_rate"],
            "max_consumer_lag": s["max_consumer_lag"],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "style"
    return frame


def lag_sweep(factors=(1, 2, 3, 4), *, rate: float = 100.0, keys: int = 50, duration: float = 20.0,
              read_rate: float = 200.0, seed: int = 0) -> pd.DataFrame:
    """:func:`~vetora_nb.patterns.consistency.stale_fraction_vs_lag` for both
    styles, with the same function and the same seeded reads: one frame."""
    return pd.concat([_cons.stale_fraction_vs_lag(factors, style=style, group=GROUP, rate=rate, keys=keys,
                                                  duration=duration, read_rate=read_rate, seeds=(seed,))
                      for style in (RR, ED)], ignore_index=True)
