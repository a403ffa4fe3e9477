"""Notebook 09's panel: the event-sourced system under sliders.

Controls: ``rate``; ``partitions``, ``late_at`` (when the late group
joins), ``retention`` and ``state_at`` (the temporal query: no new
simulation, only a replay); ``slow_group``, ``slowdown`` and ``window`` (a
consumer slowed). The run is :mod:`vetora_nb.experiments.event_log`'s, read
by its ``analyse``; the picture is :func:`vetora_nb.plots.event_log_figure`.

>>> p = panel(duration=5, run=False)
>>> list(p.planned_runs())
['event-sourced log']
"""

from __future__ import annotations

from .. import plots as vp
from ..controls import control
from ..experiments import event_log
from ..patterns import event_sourcing as es
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["NAME", "spec", "panel"]

NAME = "event-sourced log"


def _runs(p: dict) -> dict:
    arch = event_log.architecture(p["late_at"], p["retention"], p["partitions"])
    faults = event_log.slow_faults(p["late_at"], p["slowdown"], p["slow_group"], p["window"])
    return {NAME: panel_run(p, arch, event_log.traffic(p["rate"], p["keys"]), faults,
                            max_drain=event_log.max_drain(p["duration"]))}


def _analyse(results: dict, p: dict) -> dict:
    return event_log.analyse(results[NAME], p["late_at"], p["read_rate"], p["seed"])


def _figure_args(results: dict, p: dict, a: dict) -> tuple:
    return results[NAME], p["state_at"], p["late_at"], a


#: :func:`vetora_nb.plots.event_log_figure`, kept: a move redraws its four axes in place.
_draw = drawn_in_place(vp.event_log_drawing, _figure_args)


def _yes(ok: bool) -> str:
    return "yes ✓" if ok else "NO ✗"


def _numbers(results: dict, p: dict, a: dict) -> list:
    info = a["catch_up"]
    state_t = es.state_at(results[NAME], event_log.STREAM, p["state_at"])
    return [
        ("replay from offset 0 = live projection", _yes(a["matches"])),
        (f"orders in the state at T = {p['state_at']:g} s", f"{int(state_t['orders'].sum()):,}"),
        ("log size when the late group joined", f"{info['log_size']:,} events"),
        ("… still in the log (replayable)", f"{info['replayable']:,}"),
        ("… deleted by retention, never seen", f"{info['lost_to_retention']:,}"),
        ("late group = replay of what it saw", _yes(a["late_matches"])),
        ("catch-up: measured / fluid prediction",
         f"{vp.format_seconds(info['catch_up_time'])} / {vp.format_seconds(info['predicted_catch_up'])}"),
        ("stale reads of the read model", f"{a['reads']['stale'].mean():.1%}"),
    ]


def spec(duration: float = 30.0, seed: int = 9) -> PanelSpec:
    """The panel of notebook 09, declared."""
    columns = (
        ("traffic", (("rate", control("rate", min=20, max=200, label="rate (orders/s)",
                                      tooltip="Poisson orders per second")),)),
        ("the log", (("partitions", control("partitions", max=8, tooltip="partitions of the log; one instance "
                                                                          "per partition in each group")),
                     "late_at", "retention", "state_at")),
        ("failure", ("slow_group", ("slowdown", control("slowdown", max=30.0, tooltip="its processing is this "
                                                                                      "many times slower in the window")),
                     ("window", control("window", label="slow window (s)")))),
    )
    return PanelSpec(name="EventLogPanel", columns=columns, runs=_runs, draw=_draw, numbers=_numbers,
                     analyse=_analyse, fixed={"keys": 20, "read_rate": 200.0}, view_only=("state_at",),
                     requires={"slow_group": ("slowdown",), "window": ("slowdown",)}, duration=duration, seed=seed)


def panel(**values) -> SpecPanel:
    """The panel, shown: ``panel(rate=100, state_at=12, late_at=20, duration=30, seed=9, keys=20)``."""
    return SpecPanel(spec(), **values)
