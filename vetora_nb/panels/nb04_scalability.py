"""Notebook 04's panel: load, a burst, a slow service and the size of a consumer group.

Controls: ``rate`` (orders/s), a ``spike`` (x) during ``spike_window``
(traffic); inventory's ``slowdown`` (x) during ``window`` (failure); the
stream's ``partitions`` and inventory's ``instances`` (its consumer
instances in event-driven, its workers in request-response). The figure
(:func:`vetora_nb.plots.scalability_panel`): answers and failures per
second, ``orders``' busy workers (RR backpressure), inventory's consumer
lag (ED buffering) and the events each inventory instance processed.

What the panel runs lives in :mod:`vetora_nb.experiments.scalability`,
what it draws in :mod:`vetora_nb.plots.scalability`.

>>> spec = scalability_spec()
>>> [title for title, _ in spec.columns]
['traffic (both styles)', 'failure: inventory slows', 'partitions & instances']
"""

from __future__ import annotations

from .. import measures
from .. import plots as vp
from ..controls import control, window
from ..experiments.scalability import ED, RR, scaled_shop
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run, scenario_faults, scenario_traffic

__all__ = ["SERVICE", "scalability_spec", "panel"]

#: The service the panel slows down and resizes.
SERVICE = "inventory"


def _runs(p: dict) -> dict:
    traffic = scenario_traffic(p)
    out = {}
    for style in (RR, ED):
        arch = scaled_shop(style, partitions=p["partitions"], instances=p["instances"], service=SERVICE)
        out[style] = panel_run(p, arch, traffic, scenario_faults(arch, p))
    return out


def _slowdown(p: dict) -> float:
    start, end = p["window"]
    return float(p["slowdown"]) if p["slowdown"] != 1 and end > start else 1.0


def _figure(results: dict, p: dict, _analysis) -> dict:
    """What the figure shows (:class:`~vetora_nb.plots.ScalabilityFigure`): a move redraws it in place."""
    return {"results": results, "service": SERVICE, "slowdown": _slowdown(p)}


def _numbers(results: dict, p: dict, _analysis) -> list:
    rr, ed = results[RR].summary(), results[ED].summary()
    d = p["duration"]
    fulfilled = {s: measures.fulfilled_per_s(results[s]) for s in (RR, ED)}
    return [
        ("answered ok per second", f"RR {rr['ok'] / d:,.0f}/s · ED {ed['ok'] / d:,.0f}/s"),
        ("caller error rate", f"RR {rr['error_rate']:.1%} · ED {ed['error_rate']:.1%}"),
        ("caller p99", f"RR {vp.format_ms(rr['p99'])} · ED {vp.format_ms(ed['p99'])}"),
        ("fulfilled per second", f"RR {fulfilled[RR]:,.0f}/s · ED {fulfilled[ED]:,.0f}/s"),
        (f"max lag ({SERVICE}, ED)", f"{results[ED].metric('consumer_lag')[SERVICE].max():,.0f} events"),
    ]


def scalability_spec(duration: float = 10.0, seed: int = 7) -> PanelSpec:
    """The :class:`~vetora_nb.widgets.PanelSpec` of notebook 04's panel."""
    return PanelSpec(
        name="ScalabilityPanel",
        columns=(
            ("traffic (both styles)", (("rate", control("rate", min=20, max=400, default=150)), "spike",
                                       ("spike_window", control("spike_window", default=window(0.3, 0.45))))),
            ("failure: inventory slows", (
                ("slowdown", control("slowdown", max=10.0, tooltip="inventory's service times are this many times "
                                     "longer during the window (1 = normal)")),
                ("window", control("window", label="slow at (s)", default=window(0.3, 0.6))))),
            ("partitions & instances", ("partitions", ("instances", control(
                "instances", tooltip="inventory's consumer instances (ED) / workers (RR)")))),
        ),
        runs=_runs, draw=drawn_in_place(vp.ScalabilityFigure, _figure), numbers=_numbers,
        # The slowdown is the only fault; the arrivals carry the default keys.
        fixed={"service": SERVICE, "down": False, "error_rate": 0.0, "cut": "", "cut_window": (0.0, 0.0),
               "keys": control("keys").default, "hot_key": 0.0},
        requires={"spike_window": ("spike",), "window": ("slowdown",)},
        duration=duration, seed=seed)


def panel(*, duration: float = 10.0, seed: int = 7, run: bool = True, **values) -> SpecPanel:
    """Notebook 04's panel, live (``panel(rate=150, partitions=2)``)."""
    return SpecPanel(scalability_spec(duration, seed), run=run, **values)
