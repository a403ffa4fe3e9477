"""Notebook 06's panel: both clocks of both styles for a fan-out of ``width`` services.

Controls: ``rate`` (traffic); ``slowdown`` × of ``service-0`` during
``window`` (failure); the fan-out ``width`` and how RR makes its calls,
``fanout`` ('parallel' or 'sequential'); the stream's ``partitions``. The
figure (:func:`vetora_nb.plots.latency_panel`): latency CDFs (solid:
caller, dashed: end-to-end) and the p50/p95/p99 of each clock; the key
numbers say which style is lower on each.

>>> spec = latency_spec()
>>> spec.controls()["fanout"].default
'parallel'
"""

from __future__ import annotations

from .. import measures, prose
from .. import plots as vp
from ..controls import control, window
from ..experiments.latency import ED, RR, fanout_shop
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run, scenario_faults

__all__ = ["SERVICE", "latency_spec", "panel"]

#: The service the panel slows down.
SERVICE = "service-0"


def _runs(p: dict) -> dict:
    traffic = Traffic.poisson(p["rate"])
    out = {}
    for style in (RR, ED):
        arch = fanout_shop(style, int(p["width"]), fanout=p["fanout"], partitions=int(p["partitions"]))
        out[style] = panel_run(p, arch, traffic, scenario_faults(arch, p))
    return out


def _analyse(results: dict, _p: dict) -> dict:
    return {"table": measures.latency_table(results)}


def _figure_args(results: dict, p: dict, analysis: dict) -> tuple:
    return results, analysis["table"], f"{p['width']} services · RR calls {p['fanout']}"


#: :func:`vetora_nb.plots.latency_panel`, kept: a move redraws its two axes in place.
_draw = drawn_in_place(vp.latency_panel_drawing, _figure_args)


def _numbers(results: dict, _p: dict, analysis: dict) -> list:
    t = analysis["table"]
    rows = []
    for clock in ("caller", "end-to-end"):
        for q in (50, 99):
            col = f"{clock} p{q}"
            lower = prose.winner({"RR": t.loc[RR, col], "ED": t.loc[ED, col]}, tolerance=0.0)
            verdict = f"{lower} lower" if lower else "tie"
            rows.append((col, f"RR {vp.format_ms(t.loc[RR, col] / 1000)} · ED {vp.format_ms(t.loc[ED, col] / 1000)}"
                              f"  ({verdict})"))
    return rows


def latency_spec(duration: float = 10.0, seed: int = 7) -> PanelSpec:
    """The :class:`~vetora_nb.widgets.PanelSpec` of notebook 06's panel."""
    return PanelSpec(
        name="LatencyPanel",
        columns=(
            ("traffic (both styles)", ("rate",)),
            ("failure: service-0 slows", (
                ("slowdown", control("slowdown", max=10.0, tooltip="service-0's service times are this many times "
                                     "longer during the window (1 = normal)")),
                ("window", control("window", label="slow at (s)", default=window(0.3, 0.6))))),
            ("fan-out", ("width", "fanout")),
            ("partitions", (("partitions", control("partitions", default=8)),)),
        ),
        runs=_runs, draw=_draw, numbers=_numbers, analyse=_analyse,
        fixed={"service": SERVICE, "down": False, "error_rate": 0.0, "cut": "", "cut_window": (0.0, 0.0)},
        requires={"window": ("slowdown",)},
        duration=duration, seed=seed)


def panel(*, duration: float = 10.0, seed: int = 7, run: bool = True, **values) -> SpecPanel:
    """Notebook 06's panel, live (``panel(width=8, fanout='sequential')``)."""
    return SpecPanel(latency_spec(duration, seed), run=run, **values)
