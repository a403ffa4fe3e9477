"""Coupling figures: what each more consumer costs the producer, and the product rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch

from .drawing import Drawing
from .latency import latency_panels
from .layout import grid_in_inches, shade_faults, stacked_axes, tidy
from .style import FAULT_COLOR, INK, STYLE_COLORS, STYLE_LABELS, color_for, style_label
from .timeseries import TimeSeries

__all__ = ["coupling_sweep", "chain_availability", "fanout", "FanoutFigure"]


def coupling_sweep(frame: pd.DataFrame) -> Figure:
    """Three panels against the number of consumers, both styles: edges the
    producer holds (and redeploys to add one more), caller p99, success
    rate with the product rule's prediction (dashed). ``frame`` holds the rows
    of :func:`vetora_nb.experiments.coupling.consumer_sweep`.

    Sized for the notebook's output area (shown unshrunk), with the legends
    above the axes, off the data. RR's "redeploys" line often lies on ED's
    "edges" line (both 1): it is drawn last, hollow, so both stay visible.
    """
    fig = Figure(figsize=(9.6, 4.1), layout="constrained")
    axes = fig.subplots(1, 3)
    styles = list(dict.fromkeys(frame["style"]))
    for style in sorted(styles, key=lambda s: s == "request_response"):   # RR on top
        part = frame[frame["style"] == style].sort_values("consumers")
        color, short = color_for(style), STYLE_LABELS.get(style, style_label(style))
        n = part["consumers"].to_numpy()
        axes[0].plot(n, part["producer_edges"], "o-", color=color, lw=1.8, ms=5, label=f"{short}: edges out")
        axes[0].plot(n, part["redeploys_for_next"], "s:", color=color, lw=1.4, ms=7, mfc="white", mew=1.4,
                     label=f"{short}: redeploys for one more")
        axes[1].plot(n, part["p99"] * 1000, "o-", color=color, lw=1.8, ms=5, label=short)
        axes[2].errorbar(n, part["success"], yerr=2 * part["stderr"].fillna(0), fmt="o-", color=color,
                         lw=1.8, ms=5, capsize=2, label=f"{short}: measured ±2 s.e.")
        axes[2].plot(n, part["predicted"], ls="--", color=color, lw=1.2, alpha=0.8, label=f"{short}: product rule")
    axes[0].set_title("What the producer must know", fontsize=10, loc="left", pad=50)
    axes[0].set_ylabel("count", fontsize=8.5)
    axes[1].set_title("Caller p99 latency", fontsize=10, loc="left", pad=50)
    axes[1].set_ylabel("ms", fontsize=8.5)
    axes[1].set_ylim(bottom=0)
    axes[2].set_title("Producer success rate", fontsize=10, loc="left", pad=50)
    axes[2].set_ylabel("share of orders answered ok", fontsize=8.5)
    low = float(np.nanmin(frame["success"] - 2 * frame["stderr"].fillna(0)))
    axes[2].set_ylim(min(0.9, low - 0.01), 1.005)
    for a in axes:
        tidy(a)
        a.set_xlabel("consumers of one order", fontsize=8.5)
        a.set_xticks(sorted(frame["consumers"].unique()))
        handles, labels = a.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: (not labels[i].startswith("RR"), i))
        a.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8, frameon=False,
                 loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=1,
                 borderaxespad=0.2, handlelength=2.2, columnspacing=1.0, labelspacing=0.2)
    return fig


def chain_availability(frame: pd.DataFrame, title: str | None = None) -> Figure:
    """Measured availability of synchronous chains (±2 standard errors) on
    the product rule's curve; ``frame`` holds the rows of
    :func:`vetora_nb.experiments.coupling.chain_experiment`."""
    fig = Figure(figsize=(6.0, 3.6), layout="constrained")
    a = fig.subplots()
    k = frame["services"].to_numpy()
    color = STYLE_COLORS["request_response"]
    grid = np.arange(1, int(k.max()) + 1)
    a.errorbar(k, frame["measured"], yerr=2 * frame["stderr"], fmt="o", color=color, ms=6, capsize=3,
               label="measured (±2 standard errors)", zorder=3)
    if "retries" in frame and (frame["retries"] > 0).any():
        a.plot(k, frame["predicted"], "-", color=color, lw=1.2, alpha=0.7, label="theory with retries")
    base = float(frame["product_rule"].iloc[0])
    a.plot(grid, base ** grid, "--", color=INK, lw=1.2, label=f"product rule: {base:.2f}^k")
    a.axhline(1.0, color=STYLE_COLORS["event_driven"], lw=1.5, ls=(0, (4, 2)),
              label="event-driven producer: needs none of them")
    a.set_xlabel("services the request needs (k)", fontsize=8.5)
    a.set_ylabel("share of requests answered ok", fontsize=8.5)
    a.set_title(title or f"Availabilities multiply (each service fails {1 - base:.0%} of the time)",
                fontsize=10, loc="left")
    a.set_xticks(grid)
    a.set_ylim(max(0.0, float((frame["measured"] - 2 * frame["stderr"]).min()) - 0.1), 1.03)
    tidy(a)
    a.legend(fontsize=7.5, frameon=False, loc="lower left")
    return fig


def fanout(results: dict, outage=None) -> Figure:
    """The coupling panel's figure: the caller's latency (left) and, over time,
    the producer's errors and the consumers' lag (right), with ``consumer-0``'s
    ``outage`` window ``(start, end)`` (or ``None``) shaded. Errors that last the
    whole run are not a window worth shading: only the outage is drawn."""
    return FanoutFigure(results, outage).figure


class FanoutFigure(Drawing):
    """:func:`fanout`, kept so that the next runs redraw it in place.

    The latency panel is a :class:`~.latency.LatencyCDF` and the two rows a
    :class:`~.timeseries.TimeSeries`; the outage's bands are marks
    (:class:`~.drawing.Marks`), drawn again where the new window lies. An
    update returns ``False`` when the outage comes or goes (its legend
    entry with it), when there is no latency to draw, or when the curves
    cannot follow the runs.
    """

    def __init__(self, results: dict, outage=None):
        # 10.7 in at the panel's 90 dpi is 963 px: the output area shows it at full size, small print and all.
        fig = Figure(figsize=(10.7, 4.85))   # 0.6 in on top: fault captions, then the title
        super().__init__(fig)
        self.outage = outage is not None
        left = grid_in_inches(fig, left=0.6, right=6.9, top=0.6, bottom=1.65)
        _, (self.latency,) = latency_panels(results, which="caller", ax=[fig.add_subplot(left[0])])
        right = grid_in_inches(fig, 2, left=4.8, right=1.9, top=0.6, bottom=0.5, hspace=0.45)
        top, bottom = stacked_axes(fig, right)
        self.timeseries = TimeSeries(results, ("errors", "consumer_lag"), ax=[top, bottom], faults=False)
        self.marks.draw(self._outage, outage)
        if outage is not None:
            # Named in the legend, beside the axes: a caption inside them would sit on the curves.
            handles, labels = top.get_legend_handles_labels()
            band = Patch(facecolor=(*to_rgb(FAULT_COLOR), 0.09), edgecolor=FAULT_COLOR, lw=0.8)   # as shaded
            top.legend(handles + [band], labels + ["consumer-0 down"], loc="upper left", bbox_to_anchor=(1.005, 1.0),
                       fontsize=7.5, frameon=False, handlelength=2.2, borderaxespad=0)

    def update(self, results: dict, outage=None) -> bool:
        """Redraw for ``results`` in place; ``False`` if only a fresh figure can show them."""
        if (outage is not None) != self.outage or self.latency is None:
            return False
        self.marks.clear()    # first, as a fresh figure has none when its time series is drawn
        if not (self.latency.update(results) and self.timeseries.update(results)):
            return False
        self.marks.draw(self._outage, outage)
        return True

    def _outage(self, outage) -> None:
        if outage is not None:
            shade_faults(self.timeseries.axes, [outage])
