"""Figures of notebook 07: an outage or a cut in both styles, and backlogs draining against the theory.

- :func:`outage_figure`: caller errors per second above the watched
  consumer's lag, the fault shaded, the theory's end of the drain dashed and
  the measured one as a dot;
- :func:`cut_figure`: the same fault window over more metrics, one band and
  one caption however many styles share it;
- :func:`drain_figure`: a sweep of measured drain times against
  ``backlog / (capacity − rate)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import measures
from ..faults import NetworkPartition
from .drawing import Drawing
from .format import fault_label, format_seconds
from .layout import captions_above, shade_faults, tidy
from .style import FAULT_COLOR, INK, PALETTE, STYLE_COLORS
from .timeseries import TimeSeries, timeseries

__all__ = ["outage_figure", "OutageFigure", "cut_figure", "drain_figure", "fault_captions"]


def _caption(fault, group: str) -> str:
    if isinstance(fault, NetworkPartition):
        return f"network to {group} cut" if group in (fault.a, fault.b) else "network to the broker cut"
    return fault_label(fault)


def fault_captions(runs: dict, group: str) -> dict:
    """``{(start, end): [caption, ...]}``: each fault window of ``runs`` once,
    with the distinct captions of the faults in it (RR's and ED's cut of the
    same link read "network to shipping cut" once)."""
    windows: dict = {}
    for res in runs.values():
        for f in res.faults:
            captions = windows.setdefault((f.start, f.end), [])
            if _caption(f, group) not in captions:
                captions.append(_caption(f, group))
    return dict(sorted(windows.items()))


def _shade_and_caption(axes, runs: dict, group: str) -> None:
    """Shade the fault windows on every axes and name them above the top one, off the curves."""
    captions = fault_captions(runs, group)
    shade_faults(list(axes), list(captions))
    t_end = max((r.end_time for r in runs.values()), default=1.0)
    captions_above(axes[0], {w: " / ".join(texts) for w, texts in captions.items()}, t_end, color=FAULT_COLOR)


def outage_figure(runs: dict, group: str = "shipping", ax=None, *, predicted: float | None = None,
                  measured: bool = True, title: str | None = None) -> Figure:
    """Caller errors per second (both styles) above the consumer lag of ``group``.

    The fault window is shaded red. On the lag panel a dashed line marks
    when the fluid theory says the backlog is gone (``predicted`` seconds
    after the window; pass it to draw it) and, with ``measured``, a dot
    when it was measured to be (:func:`vetora_nb.measures.drain_time`).
    """
    return OutageFigure(runs, group, ax, predicted=predicted, measured=measured, title=title).figure


class OutageFigure(Drawing):
    """:func:`outage_figure`, kept so that the next runs redraw it in place.

    The two rows are a :class:`~.timeseries.TimeSeries`; the fault bands,
    their captions, the drain times and their legend are marks
    (:class:`~.drawing.Marks`), drawn again for the new runs. An
    update returns ``False`` for another watched ``group`` or ``title``,
    or when the time series cannot follow the runs.
    """

    def __init__(self, runs: dict, group: str = "shipping", ax=None, *, predicted: float | None = None,
                 measured: bool = True, title: str | None = None):
        if ax is None:
            # Fixed margins (in figure fractions) rather than a layout engine: the
            # same picture, drawn in half the time, which a slider feels.
            fig = Figure(figsize=(9.0, 4.6))
            fig.subplots_adjust(left=0.065, right=0.8, top=0.87, bottom=0.11, hspace=0.32)   # room for captions, legends
            ax = fig.subplots(2, 1, sharex=True)
        self.axes = list(np.ravel(ax))
        super().__init__(self.axes[0].figure)
        self.inputs = (group, title)
        self.timeseries = TimeSeries(runs, ("errors", "consumer_lag"), ax=self.axes, nodes={"consumer_lag": [group]},
                                     title=title, faults=False)
        self.marks.draw(self._drain, runs, group, predicted, measured)

    def update(self, runs: dict, group: str = "shipping", ax=None, *, predicted: float | None = None,
               measured: bool = True, title: str | None = None) -> bool:
        """Redraw for ``runs`` in place; ``False`` if only a fresh figure can show them."""
        if ax is not None or (group, title) != self.inputs:
            return False
        self.marks.clear()    # first, as a fresh figure has none when its time series is drawn
        if not self.timeseries.update(runs):
            return False
        self.marks.draw(self._drain, runs, group, predicted, measured)
        return True

    def _drain(self, runs: dict, group: str, predicted, measured: bool) -> None:
        """The fault windows, and when the backlog was (and should have been) gone."""
        axes = self.axes
        _shade_and_caption(axes, runs, group)
        ed = next((r for r in runs.values() if r.architecture.streams), None)
        window = measures.blocking_window(ed, group) if ed is not None and group in ed.architecture.services else None
        if ed is None or window is None or group not in set(ed.events["group"]):
            return
        lag_ax, end = axes[1], window[1]
        handles = []
        if predicted is not None and math.isfinite(predicted):
            lag_ax.axvline(end + predicted, color=INK, ls="--", lw=1.0)
            handles.append(Line2D([], [], color=INK, ls="--", lw=1.0, label=f"theory: drained\n{predicted:.1f} s after"))
        if measured:
            took = measures.drain_time(ed, group, *window)
            if math.isfinite(took):
                lag_ax.plot([end + took], [0], "o", color=STYLE_COLORS["event_driven"], ms=7, mec=INK, clip_on=False,
                            zorder=5)
                handles.append(Line2D([], [], marker="o", ls="", color=STYLE_COLORS["event_driven"], mec=INK,
                                      label=f"measured: caught up\n{format_seconds(took)} after"))
            else:
                handles.append(Line2D([], [], color="none", label="measured: not\ncaught up before\narrivals stopped"))
        if handles:
            # Beside the axes, in the margin the time series keep for legends: inside, the lag
            # curve and the theory's line leave no corner free at every setting.
            lag_ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.3,
                          fontsize=7.5, frameon=False, labelspacing=0.8, handlelength=1.5)


def cut_figure(runs: dict, group: str = "shipping", metrics=("errors", "busy_workers", "consumer_lag")) -> Figure:
    """Time series of runs that each cut their own link over the same window.

    One shaded band and one caption ("network to shipping cut") for the
    window, rather than a band per style's link: RR cuts
    ``orders``–``group``, ED the stream–``group``, over the same seconds.
    """
    height = 0.8 + 1.75 * len(metrics)
    fig = Figure(figsize=(9.0, height))
    fig.subplots_adjust(left=0.065, right=0.87, top=1 - 0.5 / height, bottom=0.08, hspace=0.35)
    axes = list(np.ravel(fig.subplots(len(metrics), 1, sharex=True)))
    timeseries(runs, metrics, ax=axes, faults=False,
               nodes={"busy_workers": ["orders"], "queue_depth": ["orders"], "consumer_lag": [group]})
    _shade_and_caption(axes, runs, group)
    return fig


def drain_figure(df: pd.DataFrame) -> Figure:
    """Measured drain times against the fluid theory.

    ``df`` has one row per run with columns ``rate``, ``outage``,
    ``capacity``, ``measured`` and ``predicted`` (what a ``vn.sweep`` of
    :func:`vetora_nb.experiments.temporal.drain_run` returns). Left: drain
    time against outage length, a theory line and measured dots per rate.
    Right: measured against predicted; points on the diagonal agree.
    """
    missing = {"rate", "outage", "capacity", "measured", "predicted"} - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)}")
    df = df[np.isfinite(df["predicted"]) & np.isfinite(df["measured"])]
    fig = Figure(figsize=(10.0, 3.9), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    top = float(df["outage"].max()) if len(df) else 1.0
    for k, rate in enumerate(sorted(df["rate"].unique())):
        color = PALETTE[k % len(PALETTE)]
        sel = df[df["rate"] == rate].sort_values("outage")
        capacity = float(sel["capacity"].iloc[0])
        xs = np.linspace(0, top * 1.05, 50)
        left.plot(xs, [measures.predicted_drain_time(rate, x, capacity) for x in xs], color=color, lw=1.4,
                  label=f"{rate:g}/s  (theory: line, measured: dots)")
        left.plot(sel["outage"], sel["measured"], "o", color=color, ms=6, mec="white")
        right.plot(sel["predicted"], sel["measured"], "o", color=color, ms=6, mec="white", label=f"{rate:g}/s")
    left.set_xlabel("outage length (s)", fontsize=8.5)
    left.set_ylabel("drain time after the outage (s)", fontsize=8.5)
    left.set_title("Drain time grows with the outage, faster near capacity", fontsize=10, loc="left")
    left.legend(fontsize=7.5, frameon=False, title="arrival rate", title_fontsize=7.5)
    hi = max(1.0, float(np.nanmax(df[["measured", "predicted"]].to_numpy()))) * 1.08 if len(df) else 1.0
    right.plot([0, hi], [0, hi], color="#999999", ls=":", lw=1.0, label="measured = predicted")
    right.set_xlim(0, hi)
    right.set_ylim(0, hi)
    right.set_aspect("equal", adjustable="box")
    right.set_xlabel("predicted: backlog / (capacity − rate)  (s)", fontsize=8.5)
    right.set_ylabel("measured (s)", fontsize=8.5)
    right.set_title("Measured against predicted", fontsize=10, loc="left")
    right.legend(fontsize=7.5, frameon=False, loc="upper left")
    for a in (left, right):
        tidy(a)
        a.set_xlim(left=0)
        a.set_ylim(bottom=0)
    return fig
