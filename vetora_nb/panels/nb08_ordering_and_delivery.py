"""Notebook 08's panel: keys, partitions, instances, a consumer crash and failures, one pipeline.

Controls: ``rate``; ``keys``, ``hot_key``, ``partitions`` and ``instances``;
the ``crash`` window, ``commit_interval``, ``idempotent`` and
``error_rate`` of the consumer. The figure
(:func:`vetora_nb.plots.ordering_figure`) shows the lag of each partition,
how busy each instance was, and the delivery accounting (redelivered,
duplicates, dead-lettered, lost); the numbers are read by
:mod:`vetora_nb.measures`.

>>> p = panel(duration=4, run=False)
>>> list(p.planned_runs())
['event_driven']
"""

from __future__ import annotations

from .. import measures
from .. import plots as vp
from ..controls import control
from ..experiments import ordering
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["spec", "panel"]

NAME = "event_driven"


def _runs(p: dict) -> dict:
    arch = ordering.pipeline(int(p["partitions"]), int(p["instances"]), service_time=p["service_time"],
                             commit_interval=float(p["commit_interval"]), idempotent=bool(p["idempotent"]))
    traffic = Traffic.poisson(p["rate"], keys=int(p["keys"]), hot_key_share=float(p["hot_key"]))
    faults = ordering.consumer_faults(p["crash"], p["error_rate"])
    # Spans on: how busy each instance was is read from them.
    return {NAME: panel_run(p, arch, traffic, faults, trace_sample=1.0, max_drain=float(p["duration"]))}


def _analyse(results: dict, p: dict) -> dict:
    res = results[NAME]
    return {"order": measures.order_report(res, ordering.GROUP), "load": measures.instance_load(res, ordering.GROUP),
            "lag": measures.partition_lag(res, ordering.GROUP)}


#: :func:`vetora_nb.plots.ordering_figure`, kept: a move redraws its three axes in place.
_draw = drawn_in_place(vp.ordering_drawing, lambda results, p, a: (results[NAME], ordering.GROUP))


def _numbers(results: dict, p: dict, a: dict) -> list:
    res = results[NAME]
    s, order, load, lag = res.summary(), a["order"], a["load"], a["lag"]
    idle = int((load["partitions"].map(len) == 0).sum())
    return [
        ("same-key pairs out of order", f"{order['per_key_pairs']:,}"),
        ("cross-partition pairs out of publish order",
         f"{order['cross_partition_pairs']:,} ({order['cross_partition_share']:.2%} of such pairs)"),
        ("max lag: busiest partition · quietest", f"{lag.max().max():,.0f} · {lag.max().min():,.0f}" if lag.size else "—"),
        ("idle instances", f"{idle} of {len(load)}"),
        ("redelivered · duplicates · dead-lettered · lost",
         f"{res.redelivered:,} · {s['duplicates']:,} · {s['events_dlq']:,} · {s['events_lost']:,}"),
    ]


def spec(duration: float = 20.0, seed: int = 7) -> PanelSpec:
    """The panel of notebook 08, declared."""
    columns = (
        ("traffic", (("rate", control("rate", min=20, default=150, label="rate (ev/s)",
                                      tooltip="Poisson events per second into the pipeline")),)),
        ("keys & partitions", ("keys", "hot_key", "partitions", "instances")),
        ("failure & delivery", ("crash", "commit_interval",
                                ("idempotent", control("idempotent", label="idempotent consumer")),
                                ("error_rate", control("error_rate", max=0.6,
                                                       tooltip="share of processing attempts that fail "
                                                               "(the whole run)")))),
    )
    return PanelSpec(name="OrderingPanel", columns=columns, runs=_runs, draw=_draw, numbers=_numbers,
                     analyse=_analyse, fixed={"service_time": 0.008}, duration=duration, seed=seed)


def panel(**values) -> SpecPanel:
    """The panel, shown: ``panel(rate=150, crash=(8, 10), commit_interval=1.0, seed=7)``."""
    return SpecPanel(spec(), **values)
