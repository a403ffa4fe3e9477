"""Notebook 12's panel: a small sweep under sliders, offered load x partitions, both styles.

The metric shown is a view; the traffic's key space and hot-key share
(event-driven only: request-response has no stream) and a service slowed
for the whole run are simulated. The offered load is the sweep's own axis
(``rates``). Each style's grid is one :class:`~vetora_nb.runs.Job`, so a
setting seen before, or another metric, re-runs nothing.

>>> spec = sweep_spec(rates=(20, 80), partitions=(1, 2))
>>> list(spec.controls())
['metric', 'keys', 'hot_key', 'slow_service', 'slowdown']
"""

from __future__ import annotations

import math

from .. import plots, scenarios
from ..controls import control
from ..experiments import sweeps
from ..measures import knee
from ..runs import Job
from ..widgets import PanelSpec, SpecPanel, drawn_in_place

__all__ = ["sweep_spec", "panel"]

RR, ED = sweeps.RR, sweeps.ED


def sweep_spec(*, rates=(20, 40, 80, 160, 320, 640), partitions=(1, 2, 4), duration: float = 3.0,
               seed: int = 7) -> PanelSpec:
    """The sweep panel over ``rates`` (orders/s) x ``partitions``, runs of ``duration`` seconds."""
    rates = tuple(sorted(float(r) for r in rates))
    if len(rates) < 2 or rates[0] <= 0:
        raise ValueError(f"rates: need at least two offered loads > 0, got {rates!r}")
    partitions = tuple(sorted(int(p) for p in partitions))
    if not partitions or partitions[0] < 1:
        raise ValueError(f"partitions: need partition counts >= 1, got {partitions!r}")

    def runs(p):
        slow = {"slowdown": float(p["slowdown"]),
                "slow_service": p["slow_service"] if p["slowdown"] != 1 else "shipping"}
        common = dict(rates=rates, partitions=partitions, duration=float(p["duration"]), seed=p["seed"], **slow)
        return {RR: Job(sweeps.grid, dict(style=RR, **common)),
                ED: Job(sweeps.grid, dict(style=ED, keys=int(p["keys"]), hot_key=float(p["hot_key"]), **common))}

    def analyse(results, p):
        slow = (float(p["slowdown"]), p["slow_service"])
        knees = {(style, row): knee(group.drop(columns=["partitions", "style"]))
                 for style, df in results.items() for row, group in df.groupby("partitions", sort=False)}
        caps = {(RR, "no stream"): sweeps.capacity(RR, partitions[0], *slow),
                **{(ED, n): sweeps.capacity(ED, n, *slow) for n in partitions}}
        return {"knees": knees, "capacities": caps}

    # the heat maps' axes, the colour bar's and the legend are kept: a move redraws them in place
    draw = drawn_in_place(plots.sweep_panel_drawing,
                          lambda results, p, a: (results, p["metric"], partitions, a["knees"], a["capacities"]))

    def numbers(results, p, a):
        def rate(v):
            return f"{v:,.0f}/s" if math.isfinite(v) else f"above {rates[-1]:,.0f}/s"

        rows = [("", "knee · capacity")]
        curves = [((RR, "no stream"), "RR (any partitions)")]
        curves += [((ED, n), f"ED, {n} partition{'s' if n > 1 else ''}") for n in partitions]
        for key, label in curves:
            rows.append((label, f"{rate(a['knees'][key])} · {a['capacities'][key]:,.0f}/s"))
        return rows

    columns = (("show", ("metric",)),
               ("partition: keys", ("keys", "hot_key")),
               ("failure: a slow service",
                (("slow_service", control("service", label="slow service",
                                          tooltip="the service that runs slowdown × slower for the whole run")),
                 ("slowdown", control("slowdown", max=3.0, step=0.25,
                                      tooltip="this service's times are this many times longer, for the whole run")))))
    return PanelSpec(name="SweepPanel", columns=columns, runs=runs, draw=draw, numbers=numbers, analyse=analyse,
                     view_only=("metric",), requires={"slow_service": ("slowdown",)},
                     services=tuple(scenarios.DOWNSTREAM), duration=duration, seed=seed)


def panel(*, rates=(20, 40, 80, 160, 320, 640), partitions=(1, 2, 4), duration: float = 3.0, seed: int = 7,
          run: bool = True, **values) -> SpecPanel:
    """The sweep panel, shown: ``panel(rates=RATES, partitions=PARTITIONS, duration=3, seed=SEED)``."""
    return SpecPanel(sweep_spec(rates=rates, partitions=partitions, duration=duration, seed=seed), run=run, **values)
