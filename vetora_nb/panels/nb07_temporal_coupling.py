"""Notebook 07's panel: a downstream service (or the broker) goes down or is cut off, both styles.

Controls: ``rate``; ``fault`` (``'outage'`` or ``'cut'``), ``service``
(what fails: a downstream service or ``'broker'``) and ``window``;
``partitions`` of the stream and ``instances`` of the watched service (its
consumer instances in event-driven, its workers in request-response; with
the broker chosen, shipping's). The figure shows caller errors of both
styles and the watched group's consumer lag, with the theory's drain time
and the measured one (:mod:`vetora_nb.experiments.temporal`,
:func:`vetora_nb.plots.outage_figure`).

>>> p = panel(duration=4, run=False)
>>> sorted(p.planned_runs())
['event_driven', 'request_response']
"""

from __future__ import annotations

from .. import plots as vp
from .. import scenarios
from ..controls import control, window
from ..experiments import temporal
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["spec", "panel"]


def _what_fails(ctx) -> list:
    return [(s, s) for s in ctx.services] + [("the broker", "broker")]


def _runs(p: dict) -> dict:
    traffic = Traffic.poisson(p["rate"])
    out = {}
    for style in scenarios.STYLES:
        arch = temporal.order_example(style, p["partitions"], p["service"], p["instances"])
        out[style] = panel_run(p, arch, traffic, temporal.outage_faults(arch, p["service"], *p["window"], p["fault"]))
    return out


def _analyse(results: dict, p: dict) -> dict:
    return temporal.drain_report(results[temporal.ED], p["service"], p["rate"], p["window"])


def _figure(results: dict, p: dict, a: dict) -> dict:
    """What the figure shows (:class:`~vetora_nb.plots.OutageFigure`): a move redraws it in place."""
    # With the broker down nothing piles up (the producers fail): no drain to mark.
    return {"runs": results, "group": temporal.watched(p["service"]), "predicted": a["predicted"],
            "measured": a["capacity"] is not None}


def _numbers(results: dict, p: dict, a: dict) -> list:
    start, end = p["window"]
    rr, ed = results[temporal.RR].summary(), results[temporal.ED].summary()
    group = temporal.watched(p["service"])
    rows = [
        ("caller error rate", f"RR {rr['error_rate']:.1%} · ED {ed['error_rate']:.1%}"),
        ("share of the run faulted", f"{max(0.0, end - start) / p['duration']:.0%}"),
        ("caller p99", f"RR {vp.format_ms(rr['p99'])} · ED {vp.format_ms(ed['p99'])}"),
        (f"max lag of {group}", f"{ed['max_consumer_lag']:,}"),
    ]
    if a["capacity"] is not None:
        rows += [
            (f"{group} capacity", f"min({p['partitions']}, {p['instances']}) instances → "
                                  f"{a['capacity']:,.0f}/s for {p['rate']}/s"),
            ("drain: theory · measured",
             f"{vp.format_seconds(a['predicted'], never='never (capacity ≤ rate)')} · "
             f"{vp.format_seconds(a['measured'], never='not before arrivals stopped')}"),
        ]
    return rows


def spec(duration: float = 16.0, seed: int = 7) -> PanelSpec:
    """The panel of notebook 07, declared."""
    columns = (
        ("traffic (both styles)", (("rate", control("rate", min=20)),)),
        ("failure", ("fault", ("service", control("service", label="what fails", options=_what_fails)),
                     ("window", control("window", default=window(0.3, 0.55))))),
        ("partitions & instances", ("partitions", "instances")),
    )
    return PanelSpec(name="TemporalCouplingPanel", columns=columns, runs=_runs,
                     draw=drawn_in_place(vp.OutageFigure, _figure), numbers=_numbers,
                     analyse=_analyse, services=tuple(scenarios.DOWNSTREAM), duration=duration, seed=seed)


def panel(**values) -> SpecPanel:
    """The panel, shown: ``panel(rate=150, service='inventory', duration=16, seed=7, run=True)``."""
    return SpecPanel(spec(), **values)
