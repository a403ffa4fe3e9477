"""Figures of saga runs: outcomes, the inconsistency window, durations, and the broker-latency trade-off.

Choreography travels over the broker, so it is drawn in the event-driven
colour; orchestration is a coordinator making synchronous calls, drawn in
the request-response colour (:data:`SAGA_COLORS`).

>>> from vetora_nb.experiments import sagas
>>> runs = sagas.run_both(rate=20, duration=2, seed=1, failure=0.2)
>>> fig = outcomes_figure(runs)
>>> [int(b.get_height()) for b in fig.axes[0].patches[:2]] == [runs["choreography"].summary()[k]
...                                                          for k in ("completed", "compensated")]
True
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .format import format_ms
from .kept import KeptFigure
from .layout import figure_and_axes, panel_title, tidy
from .style import INK, PALETTE, STYLE_COLORS, shade

__all__ = ["SAGA_COLORS", "outcomes_figure", "window_figure", "duration_figure", "saga_figure", "saga_drawing",
           "tradeoff_figure"]

#: Choreography in the event-driven colour, orchestration in the request-response colour.
SAGA_COLORS = {"choreography": STYLE_COLORS["event_driven"],
               "orchestration": STYLE_COLORS["request_response"]}


def outcomes_figure(results: dict, ax=None) -> Figure:
    """Completed and compensated sagas per style, against what the step
    failure probabilities predict (``expected_completion``, with the
    binomial ±2σ range)."""
    fig, ax = figure_and_axes(ax, (4.2, 3.2))
    tidy(ax)
    ax.grid(axis="x", visible=False)
    names = list(results)
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        s = results[name].summary()
        x = np.array([0, 1]) + (i - (len(names) - 1) / 2) * width
        ax.bar(x, [s["completed"], s["compensated"]], width=width * 0.92,
               color=SAGA_COLORS.get(name, PALETTE[i]), label=name)
        for xi, v in zip(x, (s["completed"], s["compensated"])):
            ax.text(xi, v, f"{v:,}", ha="center", va="bottom", fontsize=8)
    first = results[names[0]].summary()
    n = first["completed"] + first["compensated"]
    p = first["expected_completion"]
    for k, share in enumerate((p, 1 - p)):
        mean, sd = n * share, math.sqrt(n * p * (1 - p))
        ax.errorbar([k + 0.48], [mean], yerr=[[2 * sd], [2 * sd]], fmt="_", ms=14, color=INK,
                    capsize=3, lw=1.2, label="expected ±2σ" if k == 0 else None)
    ax.set_xticks([0, 1], ["completed", "compensated"], fontsize=8.5)
    ax.set_ylabel("sagas", fontsize=8.5)
    ax.set_ylim(0, max(1, n) * 1.12)
    panel_title(ax, f"outcomes (expected completion {p:.1%})")
    _legend_below(ax)
    return fig


def _cdf(ax, values, color, ls, label) -> None:
    v = np.sort(np.asarray(values, float))
    v = v[np.isfinite(v)]
    if not len(v):
        return
    y = np.arange(1, len(v) + 1) / len(v)
    ax.step(v * 1000, y, where="post", color=color, ls=ls, lw=1.4, label=label)


def _legend_below(ax) -> None:
    """The legend under the axes' x label: on the data, it would hide the curves or the bars' labels."""
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1,
              borderaxespad=0, handlelength=1.8)


def _cdf_frame(ax, xlabel: str, title: str) -> None:
    """Axes, p95 guide, title and legend of a CDF of sagas."""
    ax.axhline(0.95, color="#bbbbbb", lw=0.8, ls=":")
    ax.set_xlabel(xlabel, fontsize=8.5)
    ax.set_ylabel("share of sagas", fontsize=8.5)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    panel_title(ax, title)
    _legend_below(ax)


def window_figure(results: dict, ax=None) -> Figure:
    """The inconsistency window — how long a saga stayed partly applied — as
    a CDF per style: completed sagas solid, compensated ones dashed, their
    p95 marked."""
    fig, ax = figure_and_axes(ax, (4.6, 3.2))
    tidy(ax)
    for i, (name, res) in enumerate(results.items()):
        color = SAGA_COLORS.get(name, PALETTE[i])
        frame = res.sagas
        for outcome, ls in (("completed", "-"), ("compensated", "--")):
            w = frame.loc[frame["outcome"] == outcome, "inconsistent_time"]
            if len(w):
                q = float(np.percentile(w, 95))
                _cdf(ax, w, color, ls, f"{name}, {outcome} (p95 {format_ms(q)})")
                ax.plot([q * 1000], [0.95], "o", color=color, ms=3.5)
    _cdf_frame(ax, "time partly applied (ms)", "inconsistency window")
    return fig


def duration_figure(results: dict, ax=None) -> Figure:
    """Saga duration (start to completed or fully compensated) as a CDF per style, p95 marked."""
    fig, ax = figure_and_axes(ax, (4.2, 3.2))
    tidy(ax)
    for i, (name, res) in enumerate(results.items()):
        color = SAGA_COLORS.get(name, PALETTE[i])
        d = res.sagas["duration"].dropna()
        q = res.summary()["duration_p95"]
        _cdf(ax, d, color, "-", f"{name} (p95 {format_ms(q)})")
        if np.isfinite(q):
            ax.axvline(q * 1000, color=color, lw=0.9, ls=":")
    _cdf_frame(ax, "saga duration (ms)", "saga duration")
    return fig


def saga_figure(results: dict) -> Figure:
    """Outcomes, inconsistency windows and durations of both styles, side by side."""
    return saga_drawing(results).figure


def saga_drawing(results: dict) -> KeptFigure:
    """:func:`saga_figure` as a drawing whose three axes are kept from one run
    to the next (:class:`~vetora_nb.plots.kept.KeptFigure`, ``update(results)``)."""
    return KeptFigure(_saga_layout, _saga_content, lambda results: tuple(results), results)


def _saga_layout(_names):
    # Fixed margins instead of a layout engine: the same picture, a third faster to redraw.
    # 9.6 in: the width of a notebook's output area, so that the page does not shrink the labels.
    fig = Figure(figsize=(9.6, 4.4))
    axes = fig.subplots(1, 3, width_ratios=[1.0, 1.15, 1.1])
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.36, top=0.93, wspace=0.32)
    return fig, list(axes)


def _saga_content(axes, results) -> None:
    a, b, c = axes
    outcomes_figure(results, ax=a)
    window_figure(results, ax=b)
    duration_figure(results, ax=c)


def tradeoff_figure(table: pd.DataFrame) -> Figure:
    """From :func:`vetora_nb.experiments.sagas.latency_tradeoff`: left, the mean duration of both styles
    against the broker latency (one shade per failure probability); right,
    choreography minus orchestration, crossing zero at the measured
    break-even, next to the closed form (triangles)."""
    fig = Figure(figsize=(10.5, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    failures = sorted(table["failure"].unique())
    for a in (left, right):
        tidy(a)
    for i, failure in enumerate(failures):
        depth = 0.55 * (1 - i / max(1, len(failures) - 1))   # darkest = most failures
        rows = table[table["failure"] == failure]
        label = f"steps fail {failure:.0%}"
        by = {s: rows[rows["style"] == s].sort_values("broker_latency") for s in SAGA_COLORS}
        for style, ls in (("choreography", "-"), ("orchestration", "--")):
            r = by[style]
            left.plot(r["broker_latency"] * 1000, r["duration_mean"] * 1000, ls, marker="o", ms=3,
                      color=shade(SAGA_COLORS[style], depth),
                      lw=1.3, label=f"{style}, {label}")
        diff = (by["choreography"]["duration_mean"].to_numpy()
                - by["orchestration"]["duration_mean"].to_numpy())
        x = by["choreography"]["broker_latency"].to_numpy() * 1000
        color = shade(INK, depth)
        right.plot(x, diff * 1000, "o-", color=color, ms=3, lw=1.3, label=label)
        b_star = float(rows["breakeven"].iloc[0]) * 1000
        if np.isfinite(b_star):
            right.plot([b_star], [0], "v", color=color, ms=8, mec="white")
    right.axhline(0, color="#888888", lw=0.9)
    right.text(0.02, 0.97, "above 0: orchestration is faster\nbelow 0: choreography is faster\n"
               "▼ closed form b* = n·(E[legs] − 1)/E[hops]", transform=right.transAxes, fontsize=7.5,
               va="top", color=INK)
    left.set_xlabel("broker latency per hop (ms)", fontsize=8.5)
    left.set_ylabel("mean saga duration (ms)", fontsize=8.5)
    panel_title(left, "both styles as the broker hop gets dearer")
    left.legend(fontsize=6.5, frameon=False, loc="upper left", ncol=1)
    right.set_xlabel("broker latency per hop (ms)", fontsize=8.5)
    right.set_ylabel("choreography − orchestration (ms)", fontsize=8.5)
    panel_title(right, "where the extra broker hops start to cost more")
    right.legend(fontsize=7.5, frameon=False, loc="lower right")
    return fig
