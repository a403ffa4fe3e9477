"""Notebook 03's panel: debug a failing service from its traces, both styles.

Controls: ``rate`` (traffic); ``service`` and ``error_rate`` (failure:
that service fails this share of its work, all run long); ``propagate``
(do the event-driven consumers carry the correlation id across the
broker?) and ``trace_sample`` (the share of requests whose trace is
recorded) (tracing); ``trace_at`` (which failure to draw: the first with a
trace after this time — the picture only, never the runs). The figure is
that failure's waterfall in each style (:func:`vetora_nb.plots.failure_traces`);
the numbers say how many failures a trace explains
(:func:`vetora_nb.patterns.tracing.traced_share`). The experiment is
:mod:`vetora_nb.experiments.observability`.

>>> from vetora_nb.panels import nb03_observability
>>> p = nb03_observability.panel(duration=2, run=False)
>>> sorted(p.planned_runs())
['event_driven', 'request_response']
"""

from __future__ import annotations

from .. import measures, scenarios
from ..controls import control
from ..experiments import observability as exp
from ..patterns.tracing import traced_share
from ..plots.observability import failure_frames
from ..plots.traces import waterfall_drawing
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["spec", "panel", "DIAGNOSE_LIMIT"]

#: The most failures the panel walks to their root cause per update (an even sample of them).
DIAGNOSE_LIMIT = 40


def _runs(p: dict) -> dict:
    faults = exp.service_faults(p["service"], p["duration"], error_rate=float(p["error_rate"]))
    return {style: panel_run(p, exp.observability_architecture(style, bool(p["propagate"])),
                             Traffic.poisson(p["rate"]), faults, trace_sample=float(p["trace_sample"]))
            for style in (exp.RR, exp.ED)}


def _analyse(results: dict, p: dict) -> dict:
    return {s: traced_share(res, p["service"], limit=DIAGNOSE_LIMIT) for s, res in results.items()}


def _traces(results: dict, p: dict, analysis: dict) -> tuple:
    """The waterfall's traces: each run's first failure with a trace after ``trace_at``."""
    return (failure_frames(results, {s: measures.first_failure(res, p["trace_at"]) for s, res in results.items()}),)


#: :func:`vetora_nb.plots.failure_traces`, kept: a move to traces of the same rows redraws in place.
_draw = drawn_in_place(waterfall_drawing, _traces)


def _found(x: dict) -> str:
    return f"{x['found']} of {x['examined']} ({x['share']:.0%})" if x["examined"] else "no failures"


def _numbers(results: dict, p: dict, d: dict) -> list:
    rr, ed = d[exp.RR], d[exp.ED]
    return [
        ("failures (RR: requests failed · ED: effects dead-lettered)", f"RR {rr['failures']:,} · ED {ed['failures']:,}"),
        ("of those examined, with a recorded trace", f"RR {rr['sampled']} · ED {ed['sampled']}"),
        (f"root_cause blames {p['service']}", f"RR {_found(rr)} · ED {_found(ed)}"),
    ]


def spec(duration: float = 10.0, seed: int = 7) -> PanelSpec:
    """The trace panel, declared."""
    columns = (
        ("traffic (both styles)", (("rate", control("rate", default=50, max=200, tooltip="orders per second, the same "
                                                                              "arrivals for both styles")),)),
        ("failure", ("service", ("error_rate", control("error_rate", default=0.3,
                                                       tooltip="share of its work the faulty service fails, "
                                                               "all run long")))),
        ("tracing", ("propagate", "trace_sample",
                     ("trace_at", control("trace_at", label="failure after (s)",
                                          tooltip="draw the first failure with a recorded trace after this")))),
    )
    return PanelSpec(name="TracePanel", columns=columns, runs=_runs, draw=_draw, numbers=_numbers,
                     analyse=_analyse, view_only=("trace_at",), services=tuple(scenarios.DOWNSTREAM),
                     duration=duration, seed=seed)


def panel(*, duration: float = 10.0, seed: int = 7, run: bool = True, **values) -> SpecPanel:
    """The trace panel under live controls (``values`` set any control by name)."""
    return SpecPanel(spec(duration, seed), run=run, **values)
