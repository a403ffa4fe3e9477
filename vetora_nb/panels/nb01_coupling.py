"""Notebook 01's panel: add consumers and break them, both styles.

Controls: ``rate`` (traffic); ``consumers`` (how many services react to
an order); ``error_rate`` (every consumer fails that share of its work, all
run long), ``down`` and ``window`` (``consumer-0`` is down during the
window) (failure). The figure shows the caller's latency and, over time,
the producer's errors and the consumers' lag
(:func:`vetora_nb.plots.fanout`); the numbers put the measured success
rate next to the product rule's. The experiment is
:mod:`vetora_nb.experiments.coupling`.

>>> from vetora_nb.panels import nb01_coupling
>>> p = nb01_coupling.panel(duration=2, run=False)
>>> sorted(p.planned_runs())
['event_driven', 'request_response']
"""

from __future__ import annotations

from .. import measures
from .. import plots as vp
from ..controls import control, window
from ..experiments import coupling as exp
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["spec", "panel"]


def _runs(p: dict) -> dict:
    n = int(p["consumers"])
    faults = exp.consumer_faults(exp.consumers(n), error_rate=float(p["error_rate"]),
                                 outage=exp.outage_of(p["down"], p["window"]))
    return {style: panel_run(p, exp.fanout_architecture(style, n), Traffic.poisson(p["rate"]), faults)
            for style in (exp.RR, exp.ED)}


def _analyse(results: dict, p: dict) -> dict:
    n = int(p["consumers"])
    share = measures.window_share(exp.outage_of(p["down"], p["window"]), p["duration"])
    return {s: exp.run_row(results[s], s, n, error_rate=float(p["error_rate"]), outage_share=share)
            for s in (exp.RR, exp.ED)}


def _figure(results: dict, p: dict, analysis: dict) -> dict:
    """What the figure shows (:class:`~vetora_nb.plots.FanoutFigure`): a move redraws it in place."""
    return {"results": results, "outage": exp.outage_of(p["down"], p["window"])}


def _numbers(results: dict, p: dict, rows: dict) -> list:
    rr, ed = rows[exp.RR], rows[exp.ED]
    return [
        ("edges out of the producer", f"RR {rr['producer_edges']} · ED {ed['producer_edges']}"),
        (f"producer redeploys to add consumer {int(p['consumers']) + 1}",
         f"RR {rr['redeploys_for_next']} · ED {ed['redeploys_for_next']}"),
        ("producer success: measured", f"RR {rr['success']:.2%} · ED {ed['success']:.2%}"),
        ("producer success: product rule", f"RR {rr['predicted']:.2%} · ED {ed['predicted']:.2%}"),
        ("caller p99", f"RR {vp.format_ms(rr['p99'])} · ED {vp.format_ms(ed['p99'])}"),
        ("end-to-end p99", f"RR {vp.format_ms(rr['e2e_p99'])} · ED {vp.format_ms(ed['e2e_p99'])}"),
        ("max consumer lag (ED)", f"{ed['max_consumer_lag']:,} events"),
    ]


def spec(duration: float = 10.0, seed: int = 7) -> PanelSpec:
    """The coupling panel, declared."""
    columns = (
        ("traffic (both styles)", (("rate", control("rate", tooltip="orders per second, the same arrivals "
                                                                    "for both styles")),)),
        ("consumers", ("consumers",)),
        ("failure", (("error_rate", control("error_rate", default=0.2, max=0.6, label="consumer errors",
                                            tooltip="every consumer fails this share of its work, all run long")),
                     ("down", control("down", default=False, label="consumer-0 down in the window")),
                     ("window", control("window", default=window(0.4, 0.6), label="outage window (s)")))),
    )
    return PanelSpec(name="CouplingPanel", columns=columns, runs=_runs, draw=drawn_in_place(vp.FanoutFigure, _figure),
                     numbers=_numbers, analyse=_analyse, requires={"window": ("down",)}, duration=duration, seed=seed)


def panel(*, duration: float = 10.0, seed: int = 7, run: bool = True, **values) -> SpecPanel:
    """The coupling panel under live controls (``values`` set any control by name)."""
    return SpecPanel(spec(duration, seed), run=run, **values)
