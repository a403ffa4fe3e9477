"""Latency figures beyond one CDF: the broker hop, the fan-out width, heavy tails, both clocks in bars.

``hop_figure``, ``fanout_figure`` and ``tail_figure`` take a ``vn.sweep``
frame of :mod:`vetora_nb.experiments.latency`; ``clock_bars`` draws
:func:`vetora_nb.measures.latency_table`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import measures, scenarios
from ..experiments.latency import VARIANTS, crossover_width
from .kept import KeptFigure
from .latency import latency
from .layout import tidy
from .style import GREY, INK, PALETTE, STYLE_COLORS, STYLE_LABELS

__all__ = ["hop_figure", "fanout_figure", "tail_figure", "clock_bars", "latency_panel", "latency_panel_drawing"]

RR, ED = scenarios.STYLES
_VARIANT_COLORS = {"RR parallel": STYLE_COLORS[RR], "RR sequential": "#7aa6d9", "ED": STYLE_COLORS[ED]}
_VARIANT_STYLES = {"RR parallel": "-", "RR sequential": "--", "ED": "-"}


def _need(df, columns, what: str) -> None:
    missing = set(columns) - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a sweep of {what})")


def hop_figure(df: pd.DataFrame, rr=None) -> Figure:
    """End-to-end (and caller) p50/p99 of ED against its delivery latency.

    ``df`` is a sweep of ``hop_point`` over ``delivery_ms``; ``rr`` (a
    request-response Result under the same traffic) adds its p50 and p99 as
    horizontal lines.
    """
    _need(df, {"delivery_ms", "e2e_p50", "e2e_p99", "caller_p99"}, "hop_point")
    df = df.groupby("delivery_ms", as_index=False).mean(numeric_only=True).sort_values("delivery_ms")
    fig = Figure(figsize=(7.4, 3.9), layout="constrained")
    ax = fig.subplots()
    ed = STYLE_COLORS[ED]
    ax.plot(df["delivery_ms"], df["e2e_p99"], "-o", color=ed, lw=1.8, ms=5, mec="white", label="ED end-to-end p99")
    ax.plot(df["delivery_ms"], df["e2e_p50"], "--o", color=ed, lw=1.4, ms=4, mec="white", label="ED end-to-end p50")
    ax.plot(df["delivery_ms"], df["caller_p99"], ":", color=ed, lw=1.4, label="ED caller p99 (never pays delivery)")
    if rr is not None:
        s = rr.summary()
        blue = STYLE_COLORS[RR]
        ax.axhline(s["e2e_p99"] * 1000, color=blue, lw=1.4, label="RR p99 (caller = end-to-end)")
        ax.axhline(s["e2e_p50"] * 1000, color=blue, lw=1.2, ls="--", label="RR p50")
    ax.set_xlabel("broker delivery latency (ms)", fontsize=8.5)
    ax.set_ylabel("latency (ms)", fontsize=8.5)
    ax.set_title("The broker hop is paid on the way to every effect", fontsize=10, loc="left", color=INK)
    tidy(ax)
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def fanout_figure(df: pd.DataFrame) -> Figure:
    """End-to-end and caller p99 against fan-out width for the three variants
    (a sweep of ``fanout_point``), the crossover marked."""
    _need(df, {"width", "variant", "e2e_p99", "caller_p99"}, "fanout_point")
    df = df.groupby(["variant", "width"], as_index=False).mean(numeric_only=True)
    fig = Figure(figsize=(9.6, 3.9), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    for variant in VARIANTS:
        sel = df[df["variant"] == variant].sort_values("width")
        if sel.empty:
            continue
        kw = dict(color=_VARIANT_COLORS[variant], ls=_VARIANT_STYLES[variant], lw=1.8, marker="o", ms=4.5, mec="white")
        left.plot(sel["width"], sel["e2e_p99"], label=variant, **kw)
        right.plot(sel["width"], sel["caller_p99"], label=variant, **kw)
    try:
        cross = crossover_width(df, "e2e_p99")
    except ValueError:
        cross = math.inf
    if math.isfinite(cross):
        left.axvline(cross, color=GREY, ls=":", lw=1.0)
        left.text(cross, 0.98, f" RR sequential slower than ED from width {cross:.0f}",
                  transform=left.get_xaxis_transform(), ha="left", va="top", fontsize=7.5, color=GREY)
    left.set_title("End-to-end p99: until every service is done", fontsize=10, loc="left", color=INK, pad=20)
    right.set_title("Caller p99: until orders answers", fontsize=10, loc="left", color=INK, pad=20)
    for a in (left, right):
        tidy(a)
        a.set_xlabel("fan-out width (downstream services)", fontsize=8.5)
        a.set_xticks(sorted(df["width"].unique()))
        a.set_ylim(bottom=0)
    # One legend for both panels (the same three series), above them: off every line.
    left.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3,
                borderaxespad=0.2, columnspacing=1.2)
    left.set_ylabel("latency (ms)", fontsize=8.5)
    return fig


def tail_figure(df: pd.DataFrame) -> Figure:
    """Request p99 against width, for each kind of service time (a sweep of
    ``tail_point``), with one call's p99 and the max-of-N prediction."""
    _need(df, {"width", "kind", "request_p99", "call_p99", "predicted_p99"}, "tail_point")
    df = df.groupby(["kind", "width"], as_index=False).mean(numeric_only=True)
    fig = Figure(figsize=(7.6, 4.0), layout="constrained")
    ax = fig.subplots()
    colors = {"exponential": PALETTE[0], "lognormal": PALETTE[1]}
    for kind in ("exponential", "lognormal"):
        sel = df[df["kind"] == kind].sort_values("width")
        if sel.empty:
            continue
        c = colors[kind]
        ax.plot(sel["width"], sel["request_p99"], "-o", color=c, lw=1.8, ms=5, mec="white",
                label=f"{kind}: the request's p99 (measured)")
        ax.plot(sel["width"], sel["predicted_p99"], ":", color=c, lw=1.6,
                label=f"{kind}: p99 of the max of N calls (predicted)")
        ax.plot(sel["width"], sel["call_p99"], "--", color=c, lw=1.0, alpha=0.8, label=f"{kind}: one call's p99")
    ax.set_xscale("log", base=2)
    widths = sorted(df["width"].unique())
    ax.set_xticks(widths, [f"{w:.0f}" for w in widths])
    ax.set_xlabel("parallel fan-out width N", fontsize=8.5)
    ax.set_ylabel("latency (ms)", fontsize=8.5)
    ax.set_title("Waiting for the slowest of N: the tail grows with N", fontsize=10, loc="left", color=INK)
    tidy(ax)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


def clock_bars(table: pd.DataFrame, ax, title: str = "") -> None:
    """Bars of a :func:`~vetora_nb.measures.latency_table` (ms), one colour per style, into ``ax``."""
    cols = list(table.columns)
    x = np.arange(len(cols))
    w = 0.38
    for k, style in enumerate((RR, ED)):
        if style in table.index:
            ax.bar(x + (k - 0.5) * w, table.loc[style, cols].to_numpy(float), width=w, color=STYLE_COLORS[style],
                   label=STYLE_LABELS[style])
    ax.set_xticks(x, [c.replace("end-to-end", "e2e") for c in cols], fontsize=7.5)
    ax.set_ylabel("ms", fontsize=8.5)
    ax.set_title(title, fontsize=9.5, loc="left", color=INK)
    tidy(ax)
    ax.legend(fontsize=7.5, frameon=False)


def latency_panel(results: dict, table: pd.DataFrame | None = None, title: str = "") -> Figure:
    """Notebook 06's panel: latency CDFs of both clocks (solid: caller, dashed:
    end-to-end) on the left, the p50/p95/p99 of each clock as bars on the right."""
    return latency_panel_drawing(results, table, title).figure


def latency_panel_drawing(results: dict, table: pd.DataFrame | None = None, title: str = "") -> KeptFigure:
    """:func:`latency_panel` as a drawing whose two axes are kept from one run to
    the next (:class:`~vetora_nb.plots.kept.KeptFigure`, ``update(results, table, title)``)."""
    return KeptFigure(_latency_panel_layout, _latency_panel_content, lambda *_: (), results, table, title)


def _latency_panel_layout(_key):
    width_in, height_in = 11.0, 4.6
    fig = Figure(figsize=(width_in, height_in))
    bottom = 1.0 + 0.165 * 4
    left = fig.add_axes([0.6 / width_in, bottom / height_in, 4.6 / width_in, 1 - (bottom + 0.35) / height_in])
    bars = fig.add_axes([6.4 / width_in, 0.75 / height_in, 4.4 / width_in, 1 - 1.15 / height_in])
    return fig, [left, bars]


def _latency_panel_content(axes, results, table, title) -> None:
    left, bars = axes
    latency(results, which="overlay", ax=left)
    clock_bars(measures.latency_table(results) if table is None else table, bars, title)
