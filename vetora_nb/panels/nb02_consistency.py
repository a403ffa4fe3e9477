"""Consistency: what notebook 02 measures, draws and puts under sliders.

The inventory service keeps a *read model* — stock levels that the shop's
pages read. Every order changes it. In request-response style ``orders``
calls inventory and answers only after inventory has applied the order, so
a read that comes after the answer always sees it. In event-driven style
``orders`` answers as soon as the event is in the log; inventory applies it
a little later, and a read in between is *stale*.

How often? Each key is written ``rate / keys`` times per second and each
write stays unapplied for its *apply delay* ``d`` (broker delivery, waiting
behind other events, processing), so by Little's law a key has on average
``rate / keys * d`` unapplied writes — which bounds the share of time it is
stale from above (:func:`little_bound`); the exact share is
:func:`vetora_nb.patterns.consistency.expected_stale_fraction`.

>>> import vetora_nb as vn
>>> from vetora_nb.panels import nb02_consistency as nb02
>>> runs = nb02.consistency_runs(rate=50, keys=20, duration=5, seed=1)
>>> sorted(runs)
['event_driven', 'request_response']
>>> table = nb02.staleness_table(runs, read_rate=100, seed=1)
>>> float(table.loc["request_response", "stale_fraction"])
0.0
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
from ..faults import Slowdown
from ..patterns import consistency as _cons
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, control_columns, run_duration, slider, table_html

__all__ = ["RR", "ED", "GROUP", "consistency_architecture", "consistency_runs", "reads_of",
           "lag_sweep", "little_bound", "staleness_table", "staleness_figure", "lag_figure", "ryw_figure",
           "ConsistencyPanel"]

RR, ED = scenarios.STYLES
#: The read model: inventory's view of stock, fed by orders.
GROUP = "inventory"


def _label(style: str) -> str:
    return "synchronous read model" if style == "synchronous" else vp.style_label(style)


# ---------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------

def consistency_architecture(style: str, *, partitions: int = 4, workers: int | None = None):
    """The order example in ``style``, with ``partitions`` on its stream and
    (optionally) ``workers`` inventory instances."""
    downstream = dict(scenarios.DOWNSTREAM)
    if workers is not None:
        downstream[GROUP] = (int(workers), downstream[GROUP][1])
    return scenarios.order_placed(style, partitions=int(partitions), downstream=downstream)


def consistency_runs(*, rate: float = 100.0, keys: int = 50, duration: float = 20.0, seed: int = 0,
                     factor: float = 1.0, partitions: int = 4, workers: int | None = None,
                     styles=scenarios.STYLES) -> dict:
    """Both styles under identical seeded traffic over ``keys`` keys, with
    inventory ``factor`` times slower for the whole run: ``{style: Result}``."""
    faults = [Slowdown(GROUP, 0.0, math.inf, float(factor))] if factor != 1 else []
    traffic = Traffic.poisson(rate, keys=int(keys))
    return {style: simulate(consistency_architecture(style, partitions=partitions, workers=workers),
                            traffic, duration=duration, faults=faults, seed=seed, trace_sample=1.0,
                            max_drain=max(30.0, 2 * duration))
            for style in styles}


def reads_of(runs: dict, read_rate: float, seed: int = 0) -> dict:
    """The same read workload against each run's inventory read model:
    ``{style: reads}`` (:func:`~vetora_nb.patterns.consistency.read_model_staleness`)."""
    return {style: _cons.read_model_staleness(res, GROUP, read_rate, seed=seed) for style, res in runs.items()}


def lag_sweep(factors=(1, 2, 3, 4), *, rate: float = 100.0, keys: int = 50, duration: float = 20.0,
              read_rate: float = 200.0, seed: int = 0) -> pd.DataFrame:
    """:func:`~vetora_nb.patterns.consistency.stale_fraction_vs_lag` for both
    styles, with the same function and the same seeded reads: one frame."""
    return pd.concat([_cons.stale_fraction_vs_lag(factors, style=style, group=GROUP, rate=rate, keys=keys,
                                                  duration=duration, read_rate=read_rate, seeds=(seed,))
                      for style in (RR, ED)], ignore_index=True)


def little_bound(rate: float, keys: int, mean_apply_delay: float) -> float:
    """Little's law: a key is written ``rate / keys`` times a second and each
    write waits ``mean_apply_delay`` to be applied, so it has that many
    unapplied writes on average — an upper bound on the share of time it is
    stale (overlapping writes count once in the exact share)."""
    return min(1.0, max(0.0, rate / keys * mean_apply_delay))


def staleness_table(runs: dict, read_rate: float, seed: int = 0, ryw_delay: float = 0.05,
                    reads: dict | None = None) -> pd.DataFrame:
    """The numbers of each run, one row per style: ``stale_fraction`` (of the
    reads), ``expected_stale_fraction`` (exact, from the run),
    ``mean_staleness`` and ``p99_staleness`` (of the stale reads),
    ``mean_apply_delay``, ``p99_apply_delay`` and ``max_apply_delay`` (from ack to apply; <= 0 when
    applied before the ack), ``ryw_missed`` (writers who do not see their own
    write ``ryw_delay`` after the ack), ``write_p50``, ``write_p99``,
    ``write_error_rate``, ``max_consumer_lag``."""
    reads = reads if reads is not None else reads_of(runs, read_rate, seed)
    rows = {}
    for style, res in runs.items():
        r = reads[style]
        stale = r.loc[r["stale"], "staleness"].to_numpy(float)
        writes = _cons.write_log(res, GROUP)
        delay = writes["apply_delay"].replace(np.inf, np.nan).to_numpy(float)
        s = res.summary()
        rows[style] = {
            "reads": len(r),
            "stale_fraction": float(r["stale"].mean()) if len(r) else float("nan"),
            "expected_stale_fraction": _cons.expected_stale_fraction(res, GROUP),
            "mean_staleness": float(stale.mean()) if len(stale) else 0.0,
            "p99_staleness": float(np.percentile(stale, 99)) if len(stale) else 0.0,
            "writes": len(writes),
            "mean_apply_delay": float(np.nanmean(delay)) if len(delay) else float("nan"),
            "p99_apply_delay": float(np.nanpercentile(delay, 99)) if len(delay) else float("nan"),
            "max_apply_delay": float(np.nanmax(delay)) if len(delay) else float("nan"),
            "ryw_missed": _cons.read_your_writes(res, GROUP, ryw_delay),
            "write_p50": s["p50"], "write_p99": s["p99"], "write_error_rate": s["error_rate"],
            "max_consumer_lag": s["max_consumer_lag"],
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "style"
    return frame


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _cdf(a, values, color, label, ls="-"):
    values = np.sort(np.asarray(values, float))
    if not len(values):
        return
    ys = np.arange(1, len(values) + 1) / len(values)
    a.step(values, ys, where="post", color=color, lw=1.8, ls=ls, label=label)


def staleness_figure(runs: dict, reads: dict) -> Figure:
    """Left: when does a write become visible, after the writer was told
    "ok"? (CDF of the apply delay; at or below 0: applied before the ack).
    Right: how old is what a stale read returns? (CDF of the staleness of
    the stale reads)."""
    fig = Figure(figsize=(11.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for style, res in runs.items():
        color = vp.color_for(style)
        delay = _cons.write_log(res, GROUP)["apply_delay"].replace(np.inf, np.nan).dropna() * 1000
        _cdf(left, delay, color, f"{_label(style)}: max {delay.max():.1f} ms")
        r = reads[style]
        stale = r.loc[r["stale"], "staleness"] * 1000
        share = r["stale"].mean()
        if len(stale):
            _cdf(right, stale, color, f"{_label(style)}: {share:.1%} of reads stale, "
                                      f"median {np.median(stale):.0f} ms")
        else:
            right.plot([], [], color=color, lw=1.8, label=f"{_label(style)}: no stale read ({share:.0%})")
    left.axvline(0, color="#999999", lw=1.0, ls=":")
    left.text(0, 0.99, " the writer is told \"ok\"", fontsize=7.5, color="#666666", ha="left", va="top")
    left.set_title("When the read model applies a write, after the ack", fontsize=10, loc="left")
    left.set_xlabel("apply time minus ack time (ms); ≤ 0: applied before the answer", fontsize=8.5)
    right.set_title("How old a stale read is", fontsize=10, loc="left")
    right.set_xlabel("staleness of the stale reads (ms)", fontsize=8.5)
    for a, where in ((left, "center right"), (right, "lower right")):
        a.set_ylabel("share", fontsize=8.5)
        a.set_ylim(0, 1.02)
        vp.tidy(a)
        a.legend(fontsize=7.5, frameon=False, loc=where)
    return fig


def lag_figure(frame: pd.DataFrame, *, rate: float, keys: int) -> Figure:
    """What a slower inventory costs each style, from
    :func:`~vetora_nb.patterns.consistency.stale_fraction_vs_lag` rows of
    both styles: stale reads and write p99 against the slowdown factor, and
    the stale share against the mean apply delay with Little's bound."""
    fig = Figure(figsize=(12.0, 3.7), layout="constrained")
    axes = fig.subplots(1, 3)
    for style, part in frame.groupby("style", sort=False):
        part = part.sort_values("factor")
        color = vp.color_for(style)
        axes[0].errorbar(part["factor"], part["stale_fraction"], yerr=2 * part["stderr"], fmt="o-",
                         color=color, lw=1.8, ms=5, capsize=2, label=_label(style))
        axes[1].plot(part["factor"], part["p99_write"] * 1000, "o-", color=color, lw=1.8, ms=5,
                     label=_label(style))
        if style == ED:
            d = part["mean_apply_delay"].to_numpy(float) * 1000
            axes[2].plot(d, part["stale_fraction"], "o", color=color, ms=6, label="event-driven: measured")
            axes[2].plot(d, part["expected_stale_fraction"], "x", color=vp.INK, ms=6,
                         label="exact share, from the run")
            for x, y, lag in zip(d, part["stale_fraction"], part["mean_consumer_lag"]):
                axes[2].annotate(f"lag {lag:.0f}", (x, y), textcoords="offset points", xytext=(5, -10),
                                 fontsize=7, color="#666666")
            grid = np.linspace(0, max(d) * 1.1, 50)
            axes[2].plot(grid, [little_bound(rate, keys, g / 1000) for g in grid], "--", color=vp.INK, lw=1.0,
                         label="Little's law bound: rate/keys × delay")
    axes[0].set_title("Share of stale reads", fontsize=10, loc="left")
    axes[0].set_ylabel("share of reads", fontsize=8.5)
    axes[1].set_title("Write p99 (the writer's wait)", fontsize=10, loc="left")
    axes[1].set_ylabel("ms", fontsize=8.5)
    axes[1].set_ylim(bottom=0)
    for a in axes[:2]:
        a.set_xlabel("inventory slowdown ×", fontsize=8.5)
        a.set_xticks(sorted(frame["factor"].unique()))
    axes[2].set_title("Stale reads follow the apply delay", fontsize=10, loc="left")
    axes[2].set_xlabel("mean apply delay after the ack (ms)", fontsize=8.5)
    axes[2].set_ylabel("share of reads", fontsize=8.5)
    axes[2].set_xlim(left=0)
    axes[2].set_ylim(bottom=0)
    for a in axes:
        vp.tidy(a)
        a.legend(fontsize=7, frameon=False, loc="upper left")
    return fig


def ryw_figure(curves: dict) -> Figure:
    """Read-your-writes: the share of writers who read their own key
    ``delay`` after the ack and miss their write, per style
    (:func:`~vetora_nb.patterns.consistency.read_your_writes_curve`)."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    a = fig.subplots()
    for style, curve in curves.items():
        a.plot(curve["delay"] * 1000, curve["missed"], "o-", color=vp.color_for(style), lw=1.8, ms=4,
               label=_label(style))
    a.set_xlabel("the writer reads its own key this long after the ack (ms)", fontsize=8.5)
    a.set_ylabel("share who miss their own write", fontsize=8.5)
    a.set_title("Read-your-writes", fontsize=10, loc="left")
    a.set_ylim(-0.02, 1.02)
    vp.tidy(a)
    a.legend(fontsize=8, frameon=False)
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

#: The panel's controls, with a label column wider than the package's default.
_slider = functools.partial(slider, description_width="120px")


class ConsistencyPanel(Panel):
    """The inventory read model under sliders, both styles.

    Controls: ``rate`` (writes: orders per second) and ``read_rate`` (reads
    per second) (traffic); ``slowdown`` (inventory is that many times slower
    for the whole run) (failure); ``partitions`` of the stream (partition:
    in event-driven style at most that many inventory instances work).
    The figure shows every stale read (when, and how stale) and the writers'
    latency; the numbers put stale reads and write latency side by side.
    """

    def __init__(self, *, duration: float = 10.0, seed: int = 7, rate: int = 100, read_rate: int = 200,
                 slowdown: float = 1.0, partitions: int = 4, keys: int = 50, run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed, self.keys = float(duration), seed, int(keys)
        controls = {
            "rate": _slider(W.IntSlider, value=rate, min=10, max=300, step=10, description="writes (req/s)",
                            tooltip="orders per second: each one changes one key's stock"),
            "read_rate": _slider(W.IntSlider, value=read_rate, min=50, max=1000, step=50,
                                 description="reads (per s)", tooltip="queries of the read model per second"),
            "slowdown": _slider(W.FloatSlider, value=slowdown, min=1.0, max=8.0, step=0.5,
                                description="inventory slowdown ×",
                                tooltip="inventory's service time is this many times longer, all run long"),
            "partitions": _slider(W.IntSlider, value=partitions, min=1, max=16, description="partitions",
                                  tooltip="partitions of order-placed: at most this many inventory "
                                          "instances work in event-driven style"),
        }
        groups = [("traffic (both styles)", ["rate", "read_rate"]), ("failure", ["slowdown"]),
                  ("partitions", ["partitions"])]
        columns = control_columns(controls, groups)
        self.reads: dict = {}
        super().__init__(controls, title=None, layout=columns)
        if run:
            self.run()

    def simulate(self, params: dict, timings: dict) -> dict:
        factor = float(params["slowdown"])
        results = {}
        for style in (RR, ED):
            key = (params["rate"], factor, int(params["partitions"]) if style == ED else None)
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                consistency_architecture(style, partitions=int(params["partitions"])),
                Traffic.poisson(params["rate"], keys=self.keys), self.duration,
                faults=[Slowdown(GROUP, 0.0, math.inf, factor)] if factor != 1 else [], seed=self.seed,
                max_requests=30_000, max_drain=max(30.0, 2 * self.duration)))
        self.reads = reads_of(results, float(params["read_rate"]), self.seed)
        return results

    def draw(self, results: dict, params: dict) -> Figure:
        fig = Figure(figsize=(12.0, 4.4))
        a = fig.add_subplot(vp.grid_in_inches(fig, left=0.65, right=5.4, top=0.35, bottom=0.55)[0])
        for style in (RR, ED):
            r = self.reads[style]
            stale = r[r["stale"]]
            color = vp.color_for(style)
            label = (f"{_label(style)}: {len(stale):,} of {len(r):,} reads stale ({r['stale'].mean():.1%})"
                     if len(r) else _label(style))
            a.plot(stale["time"], stale["staleness"] * 1000, ".", color=color, ms=3, alpha=0.6, label=label)
        a.set_xlim(0, self.duration)
        a.set_ylim(bottom=0, top=max(1.0, a.get_ylim()[1]))
        a.set_title("Every stale read: when it happened, how stale it was", fontsize=10, loc="left")
        a.set_xlabel("simulated time (s)", fontsize=8.5)
        a.set_ylabel("staleness (ms)", fontsize=8.5)
        vp.tidy(a)
        a.legend(fontsize=7.5, frameon=False, loc="upper left", markerscale=3)
        grid = vp.grid_in_inches(fig, left=7.5, right=0.35, top=0.35, bottom=1.65)
        vp.latency(results, which="caller", ax=[fig.add_subplot(grid[0])],
                   title="Write latency: until the writer is told \"ok\"")
        return fig

    def summary_html(self, results: dict) -> str:
        table = staleness_table(results, read_rate=1.0, reads=self.reads)
        rr, ed = table.loc[RR], table.loc[ED]
        cells = [
            ("stale reads", f"RR {rr['stale_fraction']:.1%} · ED {ed['stale_fraction']:.1%}"),
            ("staleness of a stale read: mean · p99",
             f"ED {vp.format_ms(ed['mean_staleness'])} · {vp.format_ms(ed['p99_staleness'])}"),
            ("writers who miss their write 50 ms later",
             f"RR {rr['ryw_missed']:.1%} · ED {ed['ryw_missed']:.1%}"),
            ("write p50 · p99", f"RR {vp.format_ms(rr['write_p50'])} · {vp.format_ms(rr['write_p99'])}  ·  "
                                f"ED {vp.format_ms(ed['write_p50'])} · {vp.format_ms(ed['write_p99'])}"),
            ("write error rate", f"RR {rr['write_error_rate']:.1%} · ED {ed['write_error_rate']:.1%}"),
            ("max consumer lag (ED)", f"{ed['max_consumer_lag']:,.0f} events"),
        ]
        return table_html(cells)
