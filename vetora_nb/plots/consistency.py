"""Consistency figures: when a write becomes visible, how stale reads are, and what a slower reader costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..measures import little_bound
from ..patterns.consistency import write_log
from .format import format_ms
from .kept import KeptFigure
from .latency import latency
from .layout import grid_in_inches, tidy
from .style import INK, color_for, style_label

__all__ = ["staleness", "staleness_vs_lag", "read_your_writes", "stale_reads", "stale_reads_drawing"]


def _label(style: str) -> str:
    return "synchronous read model" if style == "synchronous" else style_label(style)


def _cdf(a, values, color, label, ls="-"):
    values = np.sort(np.asarray(values, float))
    if not len(values):
        return
    ys = np.arange(1, len(values) + 1) / len(values)
    a.step(values, ys, where="post", color=color, lw=1.8, ls=ls, label=label)


def staleness(runs: dict, reads: dict, group: str = "inventory") -> Figure:
    """Left: when does a write become visible, after the writer was told
    "ok"? (CDF of the apply delay of ``group``'s read model,
    :func:`~vetora_nb.patterns.consistency.write_log`; at or below 0: applied
    before the ack). Right: how old is what a stale read returns? (CDF of the
    staleness of the stale reads; ``reads`` is ``{style: frame}`` of
    :func:`~vetora_nb.patterns.consistency.read_model_staleness`)."""
    fig = Figure(figsize=(11.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    for style, res in runs.items():
        color = color_for(style)
        delay = write_log(res, group)["apply_delay"].to_numpy(float)
        delay = delay[np.isfinite(delay)]
        _cdf(left, delay * 1000, color, f"{_label(style)}: max {format_ms(delay.max() if len(delay) else None)}")
        r = reads[style]
        stale = r.loc[r["stale"], "staleness"].to_numpy(float)
        share = r["stale"].mean()
        if len(stale):
            _cdf(right, stale * 1000, color, f"{_label(style)}: {share:.1%} of reads stale, "
                                             f"median {format_ms(np.median(stale))}")
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
        tidy(a)
        a.legend(fontsize=7.5, frameon=False, loc=where)
    return fig


def staleness_vs_lag(frame: pd.DataFrame, *, rate: float, keys: int) -> Figure:
    """What a slower inventory costs each style, from
    :func:`~vetora_nb.patterns.consistency.stale_fraction_vs_lag` rows of
    both styles: stale reads and write p99 against the slowdown factor, and
    the stale share against the mean apply delay with Little's bound."""
    fig = Figure(figsize=(9.6, 3.6), layout="constrained")
    axes = fig.subplots(1, 3)
    for style, part in frame.groupby("style", sort=False):
        part = part.sort_values("factor")
        color = color_for(style)
        axes[0].errorbar(part["factor"], part["stale_fraction"], yerr=2 * part["stderr"], fmt="o-",
                         color=color, lw=1.8, ms=5, capsize=2, label=_label(style))
        axes[1].plot(part["factor"], part["p99_write"] * 1000, "o-", color=color, lw=1.8, ms=5,
                     label=_label(style))
        if style == "event_driven":
            d = part["mean_apply_delay"].to_numpy(float) * 1000
            axes[2].plot(d, part["stale_fraction"], "o", color=color, ms=6, label="ED: measured")
            axes[2].plot(d, part["expected_stale_fraction"], "x", color=INK, ms=6,
                         label="exact share (the run)")
            for x, y, lag in zip(d, part["stale_fraction"], part["mean_consumer_lag"]):
                axes[2].annotate(f"lag {lag:.0f}", (x, y), textcoords="offset points", xytext=(5, -10),
                                 fontsize=7.5, color="#666666")
            grid = np.linspace(0, max(d) * 1.1, 50)
            axes[2].plot(grid, [little_bound(rate, keys, g / 1000) for g in grid], "--", color=INK, lw=1.0,
                         label="Little's law: rate/keys × delay")
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
        tidy(a)
        # Short labels: the bound's line climbs towards the upper right, a wide legend would sit on it.
        a.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def read_your_writes(curves: dict) -> Figure:
    """Read-your-writes: the share of writers who read their own key
    ``delay`` after the ack and miss their write, per style
    (:func:`~vetora_nb.patterns.consistency.read_your_writes_curve`)."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    a = fig.subplots()
    for style, curve in curves.items():
        a.plot(curve["delay"] * 1000, curve["missed"], "o-", color=color_for(style), lw=1.8, ms=4,
               label=_label(style))
    a.set_xlabel("the writer reads its own key this long after the ack (ms)", fontsize=8.5)
    a.set_ylabel("share who miss their own write", fontsize=8.5)
    a.set_title("Read-your-writes", fontsize=10, loc="left")
    a.set_ylim(-0.02, 1.02)
    tidy(a)
    a.legend(fontsize=8, frameon=False)
    return fig


def stale_reads(results: dict, reads: dict, duration: float) -> Figure:
    """The consistency panel's figure: every stale read of each run — when it
    happened, how stale it was (left) — and the writers' latency (right)."""
    return stale_reads_drawing(results, reads, duration).figure


def stale_reads_drawing(results: dict, reads: dict, duration: float) -> KeptFigure:
    """:func:`stale_reads` as a drawing whose two axes are kept from one run
    to the next (:class:`~vetora_nb.plots.kept.KeptFigure`, ``update(results, reads, duration)``)."""
    return KeptFigure(_stale_reads_layout, _stale_reads_content, lambda results, *_: tuple(results),
                      results, reads, duration)


def _stale_reads_layout(_names):
    # 10.7 in at the panel's 90 dpi is 963 px: the output area shows it at full size, small print and all.
    fig = Figure(figsize=(10.7, 4.4))
    left = fig.add_subplot(grid_in_inches(fig, left=0.65, right=4.7, top=0.35, bottom=0.55)[0])
    right = fig.add_subplot(grid_in_inches(fig, left=6.75, right=0.35, top=0.35, bottom=1.65)[0])
    return fig, [left, right]


def _stale_reads_content(axes, results: dict, reads: dict, duration: float) -> None:
    a, right = axes
    for style, r in reads.items():
        stale = r[r["stale"]]
        label = (f"{_label(style)}: {len(stale):,} of {len(r):,} reads stale ({r['stale'].mean():.1%})"
                 if len(r) else _label(style))
        a.plot(stale["time"], stale["staleness"] * 1000, ".", color=color_for(style), ms=3, alpha=0.6, label=label)
    a.set_xlim(0, duration)
    a.set_ylim(bottom=0, top=max(1.0, a.get_ylim()[1]))
    a.set_title("Every stale read: when it happened, how stale it was", fontsize=10, loc="left")
    a.set_xlabel("simulated time (s)", fontsize=8.5)
    a.set_ylabel("staleness (ms)", fontsize=8.5)
    tidy(a)
    a.legend(fontsize=7.5, frameon=False, loc="upper left", markerscale=3)
    latency(results, which="caller", ax=[right], title="Write latency: until the writer is told \"ok\"")
