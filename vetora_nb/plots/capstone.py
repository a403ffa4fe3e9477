"""Figures of the capstone: designs x SLOs in green and red, and the drill over time.

A drill run is judged against the shop's promises
(:func:`vetora_nb.experiments.capstone.report`): :func:`slo_matrix` draws
one row per design and one cell per SLO, the measured value in green when
the promise is kept and in red when it is not; :func:`drill_figure` draws
failed checkouts per second and each consumer group's lag, the drill's
faults shaded. :func:`slo_value` and :func:`slo_promise` put an SLO's
numbers in words, :func:`slo_summary` a design's verdict in a sentence.

>>> from vetora_nb.experiments import capstone
>>> slo_value(capstone.SLOS[0], 0.1234), slo_promise(capstone.SLOS[0]), slo_promise(capstone.SLOS[3])
('123 ms', '≤ 300 ms', 'none')
>>> table = capstone.report(capstone.run_drill("hybrid", rate=60, seed=1))
>>> slo_summary(table.assign(passed=[True, False, True, False]))
'misses the SLOs on checkout errors and confirmed but unpaid'
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from .. import prose
from ..experiments.capstone import DOWNSTREAM, SLOS, report
from ..results import Result
from .drawing import Drawing
from .format import fault_label, format_ms, format_value
from .layout import captions_above, grid_in_inches, nice_above, shade_faults, stacked_axes, tidy
from .style import FAIL_COLORS, FAULT_COLOR, INK, NEUTRAL_COLOR, PASS_COLORS, _assign_colors, style_label
from .timeseries import TimeSeries, _series

__all__ = ["SERVICE_COLORS", "PASS_COLORS", "FAIL_COLORS", "slo_value", "slo_promise", "slo_summary", "slo_matrix",
           "drill_figure", "DrillFigure", "drill_panel_figure", "DrillPanelFigure"]

_PASS_FILL, _PASS_INK = PASS_COLORS
_FAIL_FILL, _FAIL_INK = FAIL_COLORS
#: One colour per downstream service in the lag plots, whatever the design.
SERVICE_COLORS = {"payment": "#d1495b", "inventory": "#6b8e23", "shipping": "#8e5ea2",
                  "notifications": "#17becf", "analytics": "#c9a227"}


def slo_value(slo, value) -> str:
    """``value`` in ``slo``'s unit, for people: '123 ms', '1.2%', '8.4 s', '3'; 'never' for inf."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(value):
        return "never"
    if slo.unit == "ms":
        return format_ms(value)
    if slo.unit == "%":
        return format_value("error_rate", value)
    if slo.unit == "s":
        return "—" if math.isnan(value) else f"{value:.1f} s"
    return format_value("requests", value)


def slo_promise(slo) -> str:
    """The target as a promise: '≤ 300 ms', or 'none' for a target of zero."""
    return "none" if slo.target == 0 else f"≤ {slo_value(slo, slo.target)}"


def slo_summary(table: pd.DataFrame) -> str:
    """A design's :func:`~vetora_nb.experiments.capstone.report` in words:
    'meets every SLO', 'misses the SLO on checkout p99', 'misses the SLOs on ... and ...'."""
    missed = list(table.loc[~table["passed"].astype(bool), "label"])
    return prose.pick(len(missed), {0: "meets every SLO", 1: f"misses the SLO on {prose.join(missed)}"},
                      default=f"misses the SLOs on {prose.join(missed)}")


def _reports(runs, slos) -> dict:
    out = {}
    for name, r in dict(runs).items():
        out[name] = r if isinstance(r, pd.DataFrame) else report(r, slos)
    return out


def slo_matrix(runs, slos=SLOS, ax=None, *, labels=None, title=None) -> Figure:
    """Designs (rows) x SLOs (columns): the measured value, green if the
    promise is kept, red if not.

    ``runs`` maps a design's name to its Result (or to its
    :func:`~vetora_nb.experiments.capstone.report`); ``labels`` optionally
    maps names to a second line under each name (e.g.
    :func:`~vetora_nb.experiments.capstone.design_label`).
    """
    reports = _reports(runs, slos)
    names = list(reports)
    labels = labels or {}
    n_rows, n_cols = max(1, len(names)), len(slos)
    if ax is None:
        fig = Figure(figsize=(2.85 + 2.1 * n_cols, 0.75 + 0.62 * n_rows))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    else:
        fig = ax.figure
    ax.set_axis_off()
    left = 2.75
    ax.set_xlim(0, left + 2.1 * n_cols + 0.05)
    ax.set_ylim(-0.05, n_rows * 0.62 + 0.72)
    top = n_rows * 0.62
    for j, slo in enumerate(slos):
        x = left + 2.1 * j + 1.0
        ax.text(x, top + 0.44, slo.label, ha="center", va="center", fontsize=9, color=INK, fontweight="bold")
        ax.text(x, top + 0.17, slo_promise(slo), ha="center", va="center", fontsize=8.5, color="#555555")
    if title:
        ax.text(0.05, top + 0.44, title, ha="left", va="center", fontsize=9.5, color=INK, fontweight="bold")
    colors = _assign_colors(names)   # the same colour per design as in the package's other plots
    for i, name in enumerate(names):
        y = top - 0.62 * (i + 1) + 0.04
        color = colors[name]
        ax.text(left - 0.12, y + 0.44 if name in labels else y + 0.27, style_label(name),
                ha="right", va="center", fontsize=9.5, color=color, fontweight="bold")
        if name in labels:   # wrapped to the width left of the matrix, so it never runs off the figure
            ax.text(left - 0.12, y + 0.33, "\n".join(textwrap.wrap(labels[name], 34)), ha="right", va="top",
                    fontsize=8, color="#666666", linespacing=1.1)
        table = reports[name]
        for j, slo in enumerate(slos):
            row = table.loc[slo.key]
            ok = bool(row["passed"])
            x = left + 2.1 * j
            ax.add_patch(FancyBboxPatch((x + 0.04, y), 1.92, 0.54, boxstyle="round,pad=0,rounding_size=0.06",
                                        fc=_PASS_FILL if ok else _FAIL_FILL, ec="none"))
            ax.text(x + 0.16, y + 0.27, "✓" if ok else "✗", ha="left", va="center", fontsize=12,
                    color=_PASS_INK if ok else _FAIL_INK, fontweight="bold")
            ax.text(x + 1.05, y + 0.27, slo_value(slo, row["measured"]), ha="center", va="center", fontsize=10,
                    color=_PASS_INK if ok else _FAIL_INK, fontweight="bold")
    return fig


def drill_figure(runs, ax=None, *, groups=("shipping",)) -> Figure:
    """The drill over time: failed checkouts per second, then consumer lag.

    ``runs`` is one Result or a dict ``{name: Result}``. With one design the
    lag panel has a line per consumer group, each in its service's colour
    (:data:`SERVICE_COLORS`); with several, the lag of ``groups`` in each
    design's colour. The drill's faults are shaded red and named on top.
    ``ax`` is an optional (sub)figure to draw into, or a pair of axes.
    """
    return DrillFigure(runs, ax, groups=groups).figure


def _drill_runs(runs) -> dict:
    runs = {runs.architecture.name: runs} if isinstance(runs, Result) else dict(runs)
    if not runs:
        raise ValueError("runs: give at least one Result")
    return runs


class DrillFigure(Drawing):
    """:func:`drill_figure`, kept so that the next runs redraw it in place.

    The errors row is a :class:`~.timeseries.TimeSeries`; the lag row keeps
    one line per design and consumer group and gives them new data; the
    drill's bands and captions are marks (:class:`~.drawing.Marks`). An
    update returns ``False`` when the new runs have other lag lines (another
    design, other consumers) or the time series cannot follow them.
    """

    def __init__(self, runs, ax=None, *, groups=("shipping",)):
        runs = _drill_runs(runs)
        if ax is None:
            ax = Figure(figsize=(10.0, 4.6), layout="constrained")
        if isinstance(ax, (list, tuple)):
            if len(ax) != 2:
                raise ValueError(f"ax: this plot needs 2 axes, got {len(ax)}")
            axes = list(ax)
            ax = axes[0].figure
        else:
            axes = ax.subplots(2, 1, sharex=True)
        super().__init__(ax if isinstance(ax, Figure) else ax.figure)
        self.axes, self.groups = axes, tuple(groups)
        self.timeseries = TimeSeries(runs, ("errors",), ax=[axes[0]], faults=False)
        axes[0].set_title("failed checkouts per second", fontsize=9, loc="left", color=INK)
        a = axes[1]
        tidy(a)
        series = self._lag(runs)
        self.key = self._key(series)
        self.lines = [a.plot(x, y, color=color, lw=1.5, label=label)[0] for label, color, x, y in series]
        which = "" if len(runs) == 1 else " — " + ", ".join(self.groups)
        a.set_title("consumer lag: events not yet processed" + which, fontsize=9, loc="left", color=INK)
        if self.lines:
            self._scale()
            a.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7.5, frameon=False, borderaxespad=0)
        else:
            a.text(0.5, 0.5, "no consumers: every service is called synchronously (no broker, no lag)",
                   transform=a.transAxes, ha="center", va="center", fontsize=8.5, color=NEUTRAL_COLOR)
        self.marks.draw(self._faults, runs)
        a.set_xlabel("simulated time (s)", fontsize=8.5)
        axes[0].set_xlabel("")
        axes[0].tick_params(labelbottom=False)

    def update(self, runs, ax=None, *, groups=("shipping",)) -> bool:
        """Redraw for ``runs`` in place; ``False`` if only a fresh figure can show them."""
        runs = _drill_runs(runs)
        if ax is not None or tuple(groups) != self.groups:
            return False
        series = self._lag(runs)
        if self._key(series) != self.key:
            return False
        self.marks.clear()    # first, as a fresh figure has none when its lines are drawn
        if not self.timeseries.update(runs):
            return False
        for line, (_, _, x, y) in zip(self.lines, series):
            line.set_data(x, y)
        if self.lines:
            self._scale()
        self.marks.draw(self._faults, runs)
        return True

    def still(self) -> list:
        legend = self.axes[1].get_legend()     # beside the lag axes
        return super().still() + ([legend] if legend is not None else [])

    def _lag(self, runs) -> list:
        """``[(label, colour, times, lag)]``: the lag lines of ``runs``."""
        colors = _assign_colors(list(runs), {n: r.architecture.name for n, r in runs.items()})
        out = []
        for name, res in runs.items():
            # res.metric("consumer_lag"), as numpy: a pandas pivot would cost more than the redraw
            times, nodes, lag = _series(res, "consumer_lag", None, 0.0)
            own = [g for g in DOWNSTREAM if g in nodes]
            shown = own if len(runs) == 1 else [g for g in own if g in self.groups]
            for g in shown:
                label = g if len(runs) == 1 else f"{style_label(name)} · {g}"
                color = SERVICE_COLORS.get(g, NEUTRAL_COLOR) if len(runs) == 1 else colors[name]
                out.append((label, color, times, lag[:, nodes.index(g)]))
        return out

    @staticmethod
    def _key(series) -> tuple:
        return tuple((label, color) for label, color, _, _ in series)

    def _scale(self) -> None:
        """What a fresh axes does, fitting the lines, then from zero to a nice value
        (the axis stays put while the lines move a little)."""
        a = self.axes[1]
        a.relim()
        a.set_autoscaley_on(True)
        a.autoscale_view(scalex=False)
        a.set_ylim(0, nice_above(max(1.0, a.get_ylim()[1])))

    def _faults(self, runs) -> None:
        _fault_captions(self.axes[0], runs)
        shade_faults(self.axes[1], _windows(runs))


def _windows(runs) -> list:
    """The drill's fault windows, each once, cut at the end of the longest run."""
    t_end = max(r.end_time for r in runs.values())
    return sorted({(f.start, min(f.end, t_end)) for res in runs.values() for f in res.faults})


def _fault_captions(ax, runs) -> int:
    """Shade the drill's faults on ``ax`` and name them above its plot area (one caption per window)."""
    t_end = max(r.end_time for r in runs.values()) or 1.0
    shade_faults(ax, _windows(runs))
    captions: dict = {}
    for res in runs.values():
        for f in res.faults:
            captions.setdefault((f.start, min(f.end, t_end)), {})[fault_label(f)] = None
    return captions_above(ax, {w: " + ".join(labels) for w, labels in captions.items()}, t_end, color=FAULT_COLOR)


def drill_panel_figure(results: dict, table: pd.DataFrame, slos=SLOS, *, label: str | None = None) -> Figure:
    """The drill panel's picture: one design's SLO row on top, its drill over time below.

    ``results`` is ``{design: Result}`` (one design), ``table`` its report.
    """
    return DrillPanelFigure(results, table, slos, label=label).figure


class DrillPanelFigure(Drawing):
    """:func:`drill_panel_figure`, kept so that the next runs redraw it in place.

    The SLO row is a mark (:class:`~.drawing.Marks`): its cells are drawn
    again for the new report, its texts over the cached background; the
    drill below is a :class:`DrillFigure`.
    An update returns ``False`` for another design or other SLOs, or when
    the drill cannot follow the runs.
    """

    def __init__(self, results: dict, table: pd.DataFrame, slos=SLOS, *, label: str | None = None):
        self.name, self.slos = next(iter(results)), tuple(slos)
        # Margins fixed in inches rather than a layout engine: the same picture, redrawn faster.
        width, height = 10.6, 6.0
        fig = Figure(figsize=(width, height))
        super().__init__(fig)
        self.matrix = fig.add_axes((0.0, 1 - 1.3 / height, 1.0, 1.3 / height))
        self.marks.draw(self._matrix, table, label)
        # room above the drill for its fault captions (two rows)
        grid = grid_in_inches(fig, 2, left=0.6, right=1.45, top=2.05, bottom=0.5, hspace=0.45)
        self.drill = DrillFigure(results, ax=stacked_axes(fig, grid))

    def update(self, results: dict, table: pd.DataFrame, slos=SLOS, *, label: str | None = None) -> bool:
        """Redraw for ``results`` in place; ``False`` if only a fresh figure can show them."""
        if tuple(results) != (self.name,) or tuple(slos) != self.slos:
            return False
        self.marks.clear()
        if not self.drill.update(results):
            return False
        self.marks.draw(self._matrix, table, label)
        return True

    def still(self) -> list:
        # The SLO row's numbers change with nearly every move: drawn over the background, they
        # let it be reused when the drill's axes stay put (4 moves in 10 rather than 1).
        return self.drill.still()

    def _matrix(self, table, label) -> None:
        slo_matrix({self.name: table}, self.slos, ax=self.matrix, labels={self.name: label} if label else None)
