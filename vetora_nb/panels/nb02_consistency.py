"""Notebook 02's panel: the inventory read model under sliders, both styles.

Controls: ``rate`` (writes: orders per second) and ``read_rate`` (reads
per second) (traffic); ``slowdown`` (inventory is that many times slower
for the whole run) (failure); ``partitions`` of the stream (in
event-driven style at most that many inventory instances work). The
figure shows every stale read (when, and how stale) and the writers'
latency (:func:`vetora_nb.plots.stale_reads`); the numbers put stale reads
and write latency side by side. The reads are a workload of their own,
run against the simulated read model: ``read_rate`` changes the picture,
never the simulation. The experiment is :mod:`vetora_nb.experiments.consistency`.

>>> from vetora_nb.panels import nb02_consistency
>>> p = nb02_consistency.panel(duration=2, run=False)
>>> sorted(p.planned_runs())
['event_driven', 'request_response']
"""

from __future__ import annotations

from .. import plots as vp
from ..controls import control
from ..experiments import consistency as exp
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["spec", "panel"]


def _runs(p: dict) -> dict:
    traffic = Traffic.poisson(p["rate"], keys=int(p["keys"]))
    faults = exp.slowdown_faults(float(p["slowdown"]))
    return {style: panel_run(p, exp.consistency_architecture(style, partitions=int(p["partitions"])), traffic,
                             faults, trace_sample=1.0)
            for style in (exp.RR, exp.ED)}


def _analyse(results: dict, p: dict) -> dict:
    """The reads, made once per update: the figure and the numbers both show them."""
    return {"reads": exp.reads_of(results, float(p["read_rate"]), p["seed"])}


def _figure_args(results: dict, p: dict, analysis: dict) -> tuple:
    return results, analysis["reads"], p["duration"]


#: :func:`vetora_nb.plots.stale_reads`, kept: a move redraws its two axes in place.
_draw = drawn_in_place(vp.stale_reads_drawing, _figure_args)


def _numbers(results: dict, p: dict, analysis: dict) -> list:
    table = exp.staleness_table(results, float(p["read_rate"]), seed=p["seed"], reads=analysis["reads"])
    rr, ed = table.loc[exp.RR], table.loc[exp.ED]
    ms = vp.format_ms
    return [
        ("stale reads", f"RR {rr['stale_fraction']:.1%} · ED {ed['stale_fraction']:.1%}"),
        ("staleness of a stale read: mean · p99", f"ED {ms(ed['mean_staleness'])} · {ms(ed['p99_staleness'])}"),
        ("writers who miss their write 50 ms later", f"RR {rr['ryw_missed']:.1%} · ED {ed['ryw_missed']:.1%}"),
        ("write p50 · p99", f"RR {ms(rr['write_p50'])} · {ms(rr['write_p99'])}  ·  "
                            f"ED {ms(ed['write_p50'])} · {ms(ed['write_p99'])}"),
        ("write error rate", f"RR {rr['write_error_rate']:.1%} · ED {ed['write_error_rate']:.1%}"),
        ("max consumer lag (ED)", f"{ed['max_consumer_lag']:,.0f} events"),
    ]


def spec(duration: float = 10.0, seed: int = 7) -> PanelSpec:
    """The consistency panel, declared."""
    columns = (
        ("traffic (both styles)", (("rate", control("rate", label="writes (req/s)",
                                                    tooltip="orders per second: each one changes one key's stock")),
                                   "read_rate")),
        ("failure", (("slowdown", control("slowdown", max=8.0, label="inventory slowdown ×",
                                          tooltip="inventory's service time is this many times longer, "
                                                  "all run long")),)),
        ("partitions", (("partitions", control("partitions", tooltip="partitions of order-placed: at most this "
                                               "many inventory instances work in event-driven style")),)),
    )
    return PanelSpec(name="ConsistencyPanel", columns=columns, runs=_runs, draw=_draw, numbers=_numbers,
                     analyse=_analyse, fixed={"keys": 50}, view_only=("read_rate",), duration=duration, seed=seed)


def panel(*, duration: float = 10.0, seed: int = 7, run: bool = True, **values) -> SpecPanel:
    """The consistency panel under live controls (``values`` set any parameter by name, ``keys`` too)."""
    return SpecPanel(spec(duration, seed), run=run, **values)
