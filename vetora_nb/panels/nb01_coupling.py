"""Coupling: what notebook 01 measures, draws and puts under sliders.

The producer (``orders``) has ``n`` consumers. In request-response it calls
each of them and waits; in event-driven style it appends one event and the
consumers subscribe. Two costs grow with ``n`` on the producer's side in
request-response and stay flat in event-driven style:

- **change**: one call edge per consumer, and one more edit and redeploy of
  the producer for every consumer added (read off the graph with
  :func:`vetora_nb.patterns.coupling.change_impact`);
- **availability and latency**: the producer answers only when every callee
  has answered, so it waits for the slowest of ``n`` and fails when any one
  of them fails — availabilities multiply (the product rule).

Every consumer here is the same small service (:data:`CONSUMER_COST`, the one
:func:`vetora_nb.patterns.coupling.coupling_table` adds), so the only thing
that changes from one ``n`` to the next is the number of edges.

>>> from vetora_nb.panels import nb01_coupling as nb01
>>> list(nb01.consumers(3))
['consumer-0', 'consumer-1', 'consumer-2']
>>> round(nb01.predicted_success("request_response", 8, error_rate=0.2), 3)
0.938
>>> nb01.predicted_success("event_driven", 8, error_rate=0.2)
1.0
"""

from __future__ import annotations

import functools
import math

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots as vp
from .. import scenarios
from ..faults import ErrorRate, Outage
from ..patterns import coupling as _coupling
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, checkbox, control_columns, run_duration, slider, table_html

__all__ = ["RR", "ED", "CONSUMER_COST", "consumers", "fanout_architecture", "consumer_faults",
           "fanout_run", "predicted_success", "run_row", "consumer_sweep", "sweep_figure",
           "chain_experiment", "chain_figure", "CouplingPanel"]

RR, ED = scenarios.STYLES
#: Every consumer: (workers, mean service time in seconds).
CONSUMER_COST = (2, 0.005)


# ---------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------

def consumers(n: int) -> dict:
    """``n`` identical consumers ``consumer-0 .. consumer-{n-1}``, as ``downstream=`` wants them."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return {f"consumer-{i}": CONSUMER_COST for i in range(int(n))}


def fanout_architecture(style: str, n: int, **kwargs):
    """The order example with ``n`` consumers in ``style``
    (``vn.scenarios.order_placed(style, downstream=consumers(n), ...)``)."""
    return scenarios.order_placed(style, downstream=consumers(n), **kwargs)


def consumer_faults(names, *, error_rate: float = 0.0, outage=None) -> list:
    """Faults for the consumers ``names``: each fails ``error_rate`` of its
    work for the whole run, and the first is down during ``outage``
    (``(start, end)``, or ``None``)."""
    names = list(names)
    out = [ErrorRate(n, 0.0, math.inf, float(error_rate)) for n in names] if error_rate > 0 else []
    if outage is not None and names:
        start, end = outage
        if end > start:
            out.append(Outage(names[0], float(start), float(end)))
    return out


def fanout_run(style: str, n: int, *, rate: float, duration: float, seed: int,
               error_rate: float = 0.0, outage=None, trace_sample: float = 0.0, **kwargs):
    """Simulate the producer with ``n`` consumers in ``style``: Poisson
    ``rate`` orders per second for ``duration`` seconds, every consumer
    failing ``error_rate`` of the time, the first one down during ``outage``.
    ``kwargs`` go to :func:`vetora_nb.scenarios.order_placed` (``retries``,
    ``fanout``...)."""
    arch = fanout_architecture(style, n, **kwargs)
    faults = consumer_faults(consumers(n), error_rate=error_rate, outage=outage)
    return simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed,
                    trace_sample=trace_sample, max_drain=max(30.0, 2 * duration))


def predicted_success(style: str, n: int, *, error_rate: float = 0.0, retries: int = 2,
                      outage_share: float = 0.0) -> float:
    """The producer's success rate the product rule predicts.

    Request-response: a call fails only if all ``retries + 1`` attempts fail,
    and the producer needs all ``n`` calls, so it is up with probability
    ``(1 - error_rate ** (retries + 1)) ** n``, times the share of the run
    when no consumer is down. Event-driven: the producer needs none of its
    consumers, only the broker: 1.
    """
    if scenarios._style(style) == ED:
        return 1.0
    return (1.0 - float(error_rate) ** (retries + 1)) ** n * (1.0 - outage_share)


def run_row(res, style: str, n: int, *, error_rate: float = 0.0, retries: int = 2,
            outage_share: float = 0.0) -> dict:
    """The numbers of one :func:`fanout_run`: producer edges, what adding one
    more consumer costs, success (measured and predicted), latency, lag."""
    s = res.summary()
    arch = res.architecture
    impact = _coupling.change_impact(arch, ("add_consumer", f"consumer-{n}"))
    answered = s["requests"] - s["in_flight"]
    success = 1.0 - s["error_rate"]
    return {
        "style": style, "consumers": n,
        "producer_edges": arch.graph.out_degree(arch.entry),
        "touched_by_next": impact.producer_edges_touched,
        "redeploys_for_next": len(impact.must_redeploy),
        "requests": answered, "success": success,
        "stderr": math.sqrt(success * (1 - success) / answered) if answered else float("nan"),
        "predicted": predicted_success(style, n, error_rate=error_rate, retries=retries,
                                       outage_share=outage_share),
        "p50": s["p50"], "p99": s["p99"], "e2e_p99": s["e2e_p99"],
        "max_consumer_lag": s["max_consumer_lag"],
    }


def consumer_sweep(ns=range(1, 9), *, rate: float = 100.0, duration: float = 10.0, seed: int = 0,
                   error_rate: float = 0.0, outage=None, retries: int = 2) -> pd.DataFrame:
    """Add consumers one by one, in both styles, under identical seeded traffic.

    One row per style and ``n`` (see :func:`run_row`): ``style, consumers,
    producer_edges, touched_by_next, redeploys_for_next, requests, success,
    stderr, predicted, p50, p99, e2e_p99, max_consumer_lag``.
    """
    share = 0.0
    if outage is not None and outage[1] > outage[0]:
        share = (min(outage[1], duration) - max(outage[0], 0.0)) / duration
    rows = []
    for style in (RR, ED):
        for n in ns:
            res = fanout_run(style, int(n), rate=rate, duration=duration, seed=seed,
                             error_rate=error_rate, outage=outage, retries=retries)
            rows.append(run_row(res, style, int(n), error_rate=error_rate, retries=retries,
                                outage_share=share))
    return pd.DataFrame(rows)


def chain_experiment(lengths=(1, 2, 3, 4, 6, 8), *, error_rate: float = 0.05, retries: int = 0,
                     rate: float = 200.0, duration: float = 10.0, seed: int = 0) -> pd.DataFrame:
    """A synchronous chain ``s0 -> s1 -> ...`` of each length, every service
    failing ``error_rate`` of the time: the measured availability next to the
    product rule (one row per length, the columns of
    :func:`vetora_nb.patterns.coupling.chain_availability`)."""
    rows = [_coupling.chain_availability([error_rate] * int(k), retries=retries, rate=rate,
                                         duration=duration, seed=seed) for k in lengths]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def sweep_figure(frame: pd.DataFrame) -> Figure:
    """Three panels against the number of consumers, both styles: edges the
    producer holds (and redeploys to add one more), caller p99, success
    rate with the product rule's prediction (dashed)."""
    fig = Figure(figsize=(12.0, 3.7), layout="constrained")
    axes = fig.subplots(1, 3)
    for style, part in frame.groupby("style", sort=False):
        part = part.sort_values("consumers")
        color = vp.color_for(style)
        n = part["consumers"].to_numpy()
        axes[0].plot(n, part["producer_edges"], "o-", color=color, lw=1.8, ms=5,
                     label=f"{vp.style_label(style)}: edges out of the producer")
        axes[0].plot(n, part["redeploys_for_next"], "s:", color=color, lw=1.2, ms=4, alpha=0.8,
                     label=f"{vp.style_label(style)}: producer redeploys to add one more")
        axes[1].plot(n, part["p99"] * 1000, "o-", color=color, lw=1.8, ms=5, label=vp.style_label(style))
        axes[2].errorbar(n, part["success"], yerr=2 * part["stderr"].fillna(0), fmt="o-", color=color,
                         lw=1.8, ms=5, capsize=2, label=f"{vp.style_label(style)}: measured (±2 s.e.)")
        axes[2].plot(n, part["predicted"], ls="--", color=color, lw=1.2, alpha=0.8,
                     label=f"{vp.style_label(style)}: product rule")
    axes[0].set_title("Change: what the producer must know", fontsize=10, loc="left")
    axes[0].set_ylabel("count", fontsize=8.5)
    axes[1].set_title("Caller p99 latency", fontsize=10, loc="left")
    axes[1].set_ylabel("ms", fontsize=8.5)
    axes[1].set_ylim(bottom=0)
    axes[2].set_title("Producer success rate", fontsize=10, loc="left")
    axes[2].set_ylabel("share of orders answered ok", fontsize=8.5)
    low = float(np.nanmin(frame["success"] - 2 * frame["stderr"].fillna(0)))
    axes[2].set_ylim(min(0.9, low - 0.01), 1.005)
    for a in axes:
        vp.tidy(a)
        a.set_xlabel("consumers of one order", fontsize=8.5)
        a.set_xticks(sorted(frame["consumers"].unique()))
    axes[0].legend(fontsize=7, frameon=False, loc="center right")
    axes[1].legend(fontsize=7, frameon=False, loc="center right")
    axes[2].legend(fontsize=7, frameon=False, loc="lower left")
    return fig


def chain_figure(frame: pd.DataFrame, title: str | None = None) -> Figure:
    """Measured availability of synchronous chains (±2 standard errors) on
    the product rule's curve."""
    fig = Figure(figsize=(6.0, 3.6), layout="constrained")
    a = fig.subplots()
    k = frame["services"].to_numpy()
    color = vp.STYLE_COLORS[RR]
    grid = np.arange(1, int(k.max()) + 1)
    a.errorbar(k, frame["measured"], yerr=2 * frame["stderr"], fmt="o", color=color, ms=6, capsize=3,
               label="measured (±2 standard errors)", zorder=3)
    if "retries" in frame and (frame["retries"] > 0).any():
        a.plot(k, frame["predicted"], "-", color=color, lw=1.2, alpha=0.7, label="theory with retries")
    per = 1 - frame["product_rule"].iloc[0]
    base = float(frame["product_rule"].iloc[0])
    a.plot(grid, base ** grid, "--", color=vp.INK, lw=1.2,
           label=f"product rule: {base:.2f}^k")
    a.axhline(1.0, color=vp.STYLE_COLORS[ED], lw=1.5, ls=(0, (4, 2)),
              label="event-driven producer: needs none of them")
    a.set_xlabel("services the request needs (k)", fontsize=8.5)
    a.set_ylabel("share of requests answered ok", fontsize=8.5)
    a.set_title(title or f"Availabilities multiply (each service fails {per:.0%} of the time)",
                fontsize=10, loc="left")
    a.set_xticks(grid)
    a.set_ylim(max(0.0, float((frame["measured"] - 2 * frame["stderr"]).min()) - 0.1), 1.03)
    vp.tidy(a)
    a.legend(fontsize=7.5, frameon=False, loc="lower left")
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

#: The panel's controls, with a label column wider than the package's default.
_slider = functools.partial(slider, description_width="120px")


class CouplingPanel(Panel):
    """Add consumers and break them: the producer's latency and errors, both styles.

    Controls: ``rate`` (traffic); ``consumers`` (how many services react to
    an order); ``error_rate`` (every consumer fails that share of its work),
    ``down`` and ``window`` (``consumer-0`` is down during the window)
    (failure). The figure shows the caller's latency and, over time, the
    producer's errors and the consumers' lag; the numbers put the measured
    success rate next to the product rule's.
    """

    def __init__(self, *, duration: float = 10.0, seed: int = 7, rate: int = 100, consumers: int = 4,
                 error_rate: float = 0.2, down: bool = False, window: tuple | None = None,
                 run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        if window is None:
            window = (round(self.duration * 0.4, 1), round(self.duration * 0.6, 1))
        controls = {
            "rate": _slider(W.IntSlider, value=rate, min=10, max=300, step=10, description="rate (req/s)",
                            tooltip="orders per second, the same arrivals for both styles"),
            "consumers": _slider(W.IntSlider, value=consumers, min=1, max=8, description="consumers",
                                 tooltip="services that react to every order"),
            "error_rate": _slider(W.FloatSlider, value=error_rate, min=0.0, max=0.6, step=0.05,
                                  description="consumer errors", readout_format=".0%",
                                  tooltip="every consumer fails this share of its work, all run long"),
            "down": checkbox(down, "consumer-0 down in the window"),
            "window": _slider(W.FloatRangeSlider, value=window, min=0.0, max=self.duration, step=0.5,
                              description="outage window (s)", readout_format=".1f"),
        }
        groups = [("traffic (both styles)", ["rate"]), ("consumers", ["consumers"]),
                  ("failure", ["error_rate", "down", "window"])]
        columns = control_columns(controls, groups)
        super().__init__(controls, title=None, layout=columns)
        if run:
            self.run()

    def _outage(self, params):
        start, end = params["window"]
        return (start, end) if params["down"] and end > start else None

    def simulate(self, params: dict, timings: dict) -> dict:
        n = int(params["consumers"])
        outage = self._outage(params)
        results = {}
        for style in (RR, ED):
            key = (params["rate"], n, float(params["error_rate"]), outage)
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                fanout_architecture(style, n), Traffic.poisson(params["rate"]), self.duration,
                faults=consumer_faults(consumers(n), error_rate=float(params["error_rate"]), outage=outage),
                seed=self.seed, max_requests=30_000, trace_sample=0.0, max_drain=max(30.0, 2 * self.duration)))
        return results

    def draw(self, results: dict, params: dict) -> Figure:
        fig = Figure(figsize=(12.0, 4.6))
        left = vp.grid_in_inches(fig, left=0.6, right=7.7, top=0.35, bottom=1.65)
        vp.latency(results, which="caller", ax=[fig.add_subplot(left[0])])
        right = vp.grid_in_inches(fig, 2, left=5.3, right=1.9, top=0.35, bottom=0.5, hspace=0.45)
        top, bottom = vp.stacked_axes(fig, right)
        # Errors that last the whole run are not a window worth shading:
        # only the outage is drawn, as a red band.
        vp.timeseries(results, ("errors", "consumer_lag"), ax=[top, bottom], faults=False)
        outage = self._outage(params)
        if outage is not None:
            for a in (top, bottom):
                a.axvspan(*outage, color=vp.FAULT_COLOR, alpha=0.09, lw=0, zorder=0)
            top.text(outage[0], 0.98, " consumer-0 down", transform=top.get_xaxis_transform(), ha="left",
                     va="top", fontsize=7.5, color=vp.FAULT_COLOR, fontweight="bold")
        return fig

    def summary_html(self, results: dict) -> str:
        params = self.params()
        n = int(params["consumers"])
        outage = self._outage(params)
        share = 0.0 if outage is None else (outage[1] - outage[0]) / self.duration
        rows = {s: run_row(results[s], s, n, error_rate=float(params["error_rate"]), outage_share=share)
                for s in (RR, ED)}
        rr, ed = rows[RR], rows[ED]
        cells = [
            ("edges out of the producer", f"RR {rr['producer_edges']} · ED {ed['producer_edges']}"),
            (f"producer redeploys to add consumer {n + 1}",
             f"RR {rr['redeploys_for_next']} · ED {ed['redeploys_for_next']}"),
            ("producer success: measured", f"RR {rr['success']:.2%} · ED {ed['success']:.2%}"),
            ("producer success: product rule", f"RR {rr['predicted']:.2%} · ED {ed['predicted']:.2%}"),
            ("caller p99", f"RR {vp.format_ms(rr['p99'])} · ED {vp.format_ms(ed['p99'])}"),
            ("end-to-end p99", f"RR {vp.format_ms(rr['e2e_p99'])} · ED {vp.format_ms(ed['e2e_p99'])}"),
            ("max consumer lag (ED)", f"{ed['max_consumer_lag']:,} events"),
        ]
        return table_html(cells)
