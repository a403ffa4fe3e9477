"""Notebook 11's panel: the shop under checkboxes and sliders, held to its SLOs under the drill.

One checkbox per downstream service (``sync_payment=True`` keeps payment
synchronous; ``False`` makes it a consumer of ``order-placed``), ``rate``
(checkouts/s), ``intensity`` (0 = no drill, 1 = the drill, 2 = twice as
harsh) and ``partitions`` (of ``order-placed``). Every change runs the drill
on that design (:func:`vetora_nb.experiments.capstone.drill_run`) and shows
each SLO in green or red; a design tried before comes back at once.

>>> p = panel("request_response", run=False)
>>> [n for n, on in p.params().items() if n.startswith("sync_") and on] == [f"sync_{s}" for s in capstone.DOWNSTREAM]
True
"""

from __future__ import annotations

import html

from .. import plots
from ..controls import control
from ..experiments import capstone
from ..widgets import PanelSpec, SpecPanel, drawn_in_place

__all__ = ["drill_spec", "panel", "sync_of"]

_BOXES = tuple(f"sync_{s}" for s in capstone.DOWNSTREAM)


def sync_of(params: dict) -> list:
    """The services ticked synchronous, in checkout order."""
    return [s for s in capstone.DOWNSTREAM if params[f"sync_{s}"]]


def _badges(table, slos) -> str:
    badges = []
    for slo in slos:
        row = table.loc[slo.key]
        fill, ink = plots.PASS_COLORS if row["passed"] else plots.FAIL_COLORS
        badges.append(
            f'<span style="display:inline-block;margin:2px 6px 2px 0;padding:2px 8px;border-radius:10px;'
            f'background:{fill};color:{ink};font-weight:600">{"✓" if row["passed"] else "✗"} '
            f'{html.escape(slo.label)} {html.escape(plots.slo_value(slo, row["measured"]))} '
            f'<span style="font-weight:400">({html.escape(plots.slo_promise(slo))})</span></span>')
    missed = int((~table["passed"].astype(bool)).sum())
    ink = (plots.PASS_COLORS if missed == 0 else plots.FAIL_COLORS)[1]
    head = f"all {len(slos)} SLOs met" if missed == 0 else f"{missed} of {len(slos)} SLOs missed"
    return f'<div style="font-size:12px"><b style="color:{ink}">{head}</b><br>{"".join(badges)}</div>'


def drill_spec(*, duration: float = capstone.DURATION, seed: int = 7, slos=capstone.SLOS) -> PanelSpec:
    """The drill panel: a design, the traffic, the drill's intensity and the partitions."""

    def runs(p):
        run = capstone.drill_run(sync_of(p), rate=int(p["rate"]), intensity=float(p["intensity"]),
                                 partitions=int(p["partitions"]), seed=p["seed"], duration=float(p["duration"]))
        return {run.architecture.name: run}

    def analyse(results, p):
        return {"report": capstone.report(next(iter(results.values())), p["slos"])}

    def figure(results, p, a):
        # What plots.DrillPanelFigure shows: a move redraws it in place.
        return {"results": results, "table": a["report"], "slos": p["slos"],
                "label": capstone.design_label(sync_of(p), int(p["partitions"]))}

    def numbers(results, p, a):
        return _badges(a["report"], p["slos"])

    columns = (("synchronous (the customer waits)", _BOXES),
               ("traffic, drill, partitions",
                (("rate", control("rate", min=40, max=200, default=120, tooltip="checkouts per second (Poisson)")),
                 "intensity",
                 ("partitions", control("partitions", max=8, tooltip="partitions of order-placed: at most this "
                                        "many instances of each consumer group work")))))
    return PanelSpec(name="DrillPanel", columns=columns, runs=runs, draw=drawn_in_place(plots.DrillPanelFigure, figure),
                     numbers=numbers, analyse=analyse, fixed={"slos": tuple(slos)}, duration=duration, seed=seed)


def panel(sync="hybrid", *, duration: float = capstone.DURATION, seed: int = 7, slos=capstone.SLOS,
          run: bool = True, **values) -> SpecPanel:
    """The drill panel starting from design ``sync`` (a style name or a list of
    services): ``panel("request_response", rate=RATE, seed=SEED, slos=SLOS)``.
    Any other keyword sets a control (``partitions=2``, ``sync_payment=False``)."""
    chosen = set(capstone.sync_names(sync))
    start = {**{f"sync_{s}": s in chosen for s in capstone.DOWNSTREAM}, **values}
    return SpecPanel(drill_spec(duration=duration, seed=seed, slos=slos), run=run, **start)
