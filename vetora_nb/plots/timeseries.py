"""Metrics over time (throughput, errors, lag ...), fault windows shaded."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from .format import fault_label
from .layout import _axes_for, _runs, captions_above, nice_above, shade_faults, tidy
from .style import FAULT_COLOR, GREY, INK, METRIC_LABELS, NEUTRAL_COLOR, PALETTE, RATE_METRICS, _assign_colors, _label, shade

_LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)))


def _fault_list(runs) -> list:
    seen, out = set(), []
    for res in runs.values():
        for f in res.faults:
            key = (fault_label(f), f.start, f.end)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _series(res, metric: str, nodes, smooth: float) -> tuple:
    """``(times, node names, values)`` of ``metric`` in one run: one column
    per node (sorted by name), one row per sampling time (sorted), the last
    value where a node was sampled twice at one time, NaN where it was not
    sampled. Rates are averaged over the ``smooth`` seconds *up to* each time
    (a trailing window: a curve never moves before what moved it).

    A numpy pivot: the same table as ``pivot_table(index='time',
    columns='node', aggfunc='last')`` and a trailing rolling mean, at a
    fraction of their cost on every redraw. ``names`` is empty when the run
    has no such metric (or none of ``nodes``)."""
    ts = res.timeseries
    sel = ts["metric"].to_numpy() == metric
    values = ts["value"].to_numpy(float)[sel]
    keep = ~np.isnan(values)                       # 'last' skips missing values
    times = ts["time"].to_numpy(float)[sel][keep]
    node = ts["node"].to_numpy(object)[sel][keep]
    values = values[keep]
    if not len(values):
        return np.empty(0), [], np.empty((0, 0))
    names, col = np.unique(node.astype(str), return_inverse=True)
    stamps, row = np.unique(times, return_inverse=True)
    wide = np.full((len(stamps), len(names)), np.nan)
    wide[row, col] = values                        # a repeated (time, node): the last one stays
    names = list(names)
    if nodes is not None:
        chosen = [k for k, n in enumerate(names) if n in nodes]
        names, wide = [names[k] for k in chosen], wide[:, chosen]
    if metric in RATE_METRICS and smooth and smooth > 0 and len(stamps) > 2 and names:
        step = float(np.median(np.diff(stamps))) or 1.0
        window = max(1, int(round(smooth / step)))
        if window > 1:
            wide = _trailing_mean(wide, window)
    return stamps, names, wide


def _trailing_mean(wide: np.ndarray, window: int) -> np.ndarray:
    """A trailing moving mean over ``window`` rows that ignores NaN and needs
    one value (pandas' ``rolling(window, min_periods=1).mean()``): row ``i``
    averages rows ``i - window + 1`` to ``i``, so nothing leaks back in time."""
    n = len(wide)
    seen = ~np.isnan(wide)
    sums = np.vstack([np.zeros((1, wide.shape[1])), np.cumsum(np.where(seen, wide, 0.0), axis=0)])
    counts = np.vstack([np.zeros((1, wide.shape[1])), np.cumsum(seen, axis=0)])
    i = np.arange(n)
    lo, hi = np.maximum(0, i - window + 1), i + 1
    count = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (sums[hi] - sums[lo]) / count, np.nan)


def _line_styles(name, cols, color, n_runs, prefix=False) -> list:
    """(label, colour, dash, width) for each node's line of one run.

    One node: the run's colour. Several: one colour each when the run is the
    only one with this metric, else shades of the run's colour told apart by
    dash. ``prefix`` puts the run's name before each node's. Many nodes that
    share a prefix ('shipping/order-placed/p0', ...p1) are drawn thin, one
    colour and one legend entry per prefix.
    """
    if len(cols) == 1:
        node = cols[0]
        label = _label(name) if (prefix or node in ("requests", "system")) else f"{_label(name)} · {node}"
        return [(label, color, "-", 1.5)]
    groups = [str(c).split("/")[0] for c in cols]
    keys = list(dict.fromkeys(groups))
    grouped = len(cols) > 8 and len(keys) < len(cols)
    if not grouped:
        keys, groups = list(cols), list(cols)
    out, labelled = [], set()
    for group in groups:
        k = keys.index(group)
        if n_runs == 1:
            # Several series of one style: palette colours, never a style's own colour
            # (orange means event-driven, so it cannot also mean "ED · analytics").
            others = [p for p in PALETTE if p != color]
            c, ls = others[k % len(others)], "-"
        else:
            c = shade(color, -0.35 + 0.7 * k / max(1, len(keys) - 1))
            ls = _LINESTYLES[k % len(_LINESTYLES)]
        label = f"{_label(name)} · {group}" if prefix else str(group)
        if grouped:
            label += " (one line per partition)"
        out.append((label if group not in labelled else "_nolegend_", c, ls, 1.0 if grouped else 1.5))
        labelled.add(group)
    return out


def timeseries(results, metrics=("throughput", "errors", "consumer_lag"), ax=None, *,
               nodes=None, smooth: float = 1.0, faults: bool = True, title=None) -> Figure:
    """What happened over time: one panel per metric, all sharing the clock.

    ``results`` is one Result or several (a dict ``{name: Result}``); each
    run keeps its colour in every panel. A metric with one series
    (``throughput``, ``errors``, ``arrivals``, ``in_flight``) gets one line
    per run; a metric measured per node (``consumer_lag`` per consumer group,
    ``queue_depth`` and ``busy_workers`` per service, ``partition_lag``,
    ``breaker_state``...) gets one line per run and node, told apart by
    shade and dash. ``nodes`` keeps only some nodes: a list for every panel,
    or a dict ``{metric: [nodes]}``.

    Per-second rates are counted in small bins and then averaged over
    ``smooth`` seconds (0 draws the raw bins). Fault windows are shaded red
    and named on the top panel; a dotted line marks when arrivals stopped,
    after which the run only drained the work it already had.

    A run that does not have a metric at all (request-response has no
    consumer lag, since it has no consumers) simply draws nothing there;
    the panel says so if no run has it.
    """
    return TimeSeries(results, metrics, ax, nodes=nodes, smooth=smooth, faults=faults, title=title).figure


class TimeSeries:
    """The panels of :func:`timeseries`, kept so that a new run redraws them in place.

    Building draws everything once: per metric an axes with one line per
    run and node (no data yet), its title and legend. :meth:`update` then
    gives the same lines new data (``set_data``), rescales each y axis from
    its lines (``relim``/``autoscale_view``, as a fresh axes does) and
    replaces the fault bands, their captions and the drain marker — as long
    as the new runs draw the same lines with the same labels (:attr:`key`).
    Otherwise it returns ``False`` without touching anything, and the
    caller draws a fresh figure. Building is the first update, so a fresh
    figure and a redrawn one are the same picture.
    """

    def __init__(self, results, metrics=("throughput", "errors", "consumer_lag"), ax=None, *,
                 nodes=None, smooth: float = 1.0, faults: bool = True, title=None):
        runs = _runs(results)
        if isinstance(metrics, str):
            metrics = (metrics,)
        self.metrics = list(metrics)
        if not self.metrics:
            raise ValueError("metrics must name at least one metric, e.g. 'throughput'")
        self.nodes, self.smooth, self.faults, self.title = nodes, smooth, faults, title
        self.colors = _assign_colors(runs, {n: r.architecture.name for n, r in runs.items()})
        self.figure, self.axes = _axes_for(ax, len(self.metrics), sharex=True,
                                           figsize=(9.0, 0.6 + 1.75 * len(self.metrics)))
        prepared = self._prepare(runs)
        self.key = self._key(prepared)
        self.lines: list = []     # per metric: [Line2D, ...] in the order of the prepared series
        self._marks: list = []    # what every update replaces: fault bands, captions, the drain marker
        for i, (metric, a, (heading, series)) in enumerate(zip(self.metrics, self.axes, prepared)):
            tidy(a)
            a.set_title(title if (title and i == 0) else heading, fontsize=9, loc="left", color=INK, y=1.0)
            lines = []
            for name, stamps, names, wide, styles in series:
                for label, c, ls, lw in styles:
                    lines.append(a.plot([], [], color=c, ls=ls, lw=lw, label=label,
                                        drawstyle="steps-post" if metric == "breaker_state" else "default")[0])
            self.lines.append(lines)
            if not lines:
                why = ("no run has consumer groups (request-response has no lag: it has no buffer)"
                       if metric in ("consumer_lag", "partition_lag", "dlq_depth") else f"no '{metric}' in these runs")
                a.text(0.5, 0.5, why, transform=a.transAxes, ha="center", va="center", fontsize=8.5,
                       color=NEUTRAL_COLOR)
            elif len(lines) > 1:
                a.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7.5, frameon=False,
                         handlelength=2.2, borderaxespad=0)
            if metric == "breaker_state":
                a.set_yticks([0, 1, 2], ["closed", "half-open", "open"])
        self.axes[-1].set_xlabel("simulated time (s)", fontsize=8.5)
        self._draw(runs, prepared)

    def _prepare(self, runs) -> list:
        """Per metric: ``(heading, [(run, times, nodes, values, line styles)])``."""
        out = []
        for metric in self.metrics:
            wanted = self.nodes.get(metric) if isinstance(self.nodes, Mapping) else self.nodes
            if isinstance(wanted, str):
                wanted = [wanted]
            series = [(name, *_series(res, metric, wanted, self.smooth)) for name, res in runs.items()]
            series = [s for s in series if len(s[2])]
            heading = METRIC_LABELS.get(metric, metric)
            only = {c for s in series for c in s[2]}
            if len(only) == 1 and all(len(s[2]) == 1 for s in series):
                node = next(iter(only))
                if node not in ("requests", "system"):
                    heading += f" — {node}"      # e.g. busy workers — orders
            out.append((heading, [(*s, _line_styles(s[0], s[2], self.colors[s[0]], len(series),
                                                    prefix=len(runs) > 1)) for s in series]))
        return out

    @staticmethod
    def _key(prepared) -> tuple:
        return tuple((heading, tuple((name, tuple(names), tuple(styles)) for name, _, names, _, styles in series))
                     for heading, series in prepared)

    def update(self, results) -> bool:
        """Redraw for ``results`` in place; ``False`` (nothing touched) if
        they would not draw the same lines with the same labels and colours."""
        runs = _runs(results)
        if _assign_colors(runs, {n: r.architecture.name for n, r in runs.items()}) != self.colors:
            return False
        prepared = self._prepare(runs)
        if self._key(prepared) != self.key:
            return False
        self._draw(runs, prepared)
        return True

    def _draw(self, runs, prepared) -> None:
        for mark in self._marks:
            mark.remove()
        self._marks = []
        t_end = max((r.end_time for r in runs.values()), default=1.0) or 1.0
        arrivals_end = max((r.duration for r in runs.values()), default=t_end)
        fault_list = _fault_list(runs) if self.faults else []
        surges = _surges(runs)
        draining = t_end - arrivals_end > 0.04 * t_end   # a drain worth marking
        for metric, a, lines, (_, series) in zip(self.metrics, self.axes, self.lines, prepared):
            k = 0
            for _, stamps, names, wide, _ in series:
                for j in range(len(names)):
                    lines[k].set_data(stamps, wide[:, j])
                    k += 1
            if metric == "breaker_state":
                a.set_ylim(-0.2, 2.2)
            elif lines:
                # What a fresh axes does: fit the lines, then start at zero
                # (all-zero counts: 0..1, not 0..0.05).
                a.relim()
                a.set_autoscaley_on(True)
                a.autoscale_view(scalex=False)
                # Rounded up to a nice value: the axis stays put while the lines move a little.
                a.set_ylim(0, nice_above(max(1.0, a.get_ylim()[1])))
            before = len(a.patches)
            shade_faults(a, fault_list, until=t_end)   # a fault that never ends: to the edge of the run
            shade_faults(a, [(s, e) for s, e, _ in surges], until=t_end, color=GREY)   # a traffic spike is a cause too: grey, named
            self._marks += a.patches[before:]
            if draining:
                self._marks.append(a.axvline(arrivals_end, color="#999999", ls=":", lw=1.0, zorder=0))
        top = self.axes[0]
        # Faults over the same window share one caption (a cut is two links).
        captions: dict = {}
        for f in fault_list:
            captions.setdefault((f.start, min(f.end, t_end)), []).append(fault_label(f))
        # Captions go above the plot area, where no curve runs: nothing is struck through.
        named = {window: " + ".join(dict.fromkeys(labels)) for window, labels in captions.items()}
        for start, end, factor in surges:
            named.setdefault((start, end), (f"traffic ×{factor:g}", GREY))
        if draining:
            named[(arrivals_end, t_end)] = ("arrivals stop, work drains", "#777777")
        before = len(top.texts)
        captions_above(top, named, t_end, color=FAULT_COLOR)
        self._marks += top.texts[before:]
        # The clock runs to the end of the run, rounded up to a tenth of the arrivals.
        tick = arrivals_end / 10 if arrivals_end > 0 else t_end
        right = np.ceil(t_end / tick * (1 - 1e-9)) * tick
        for a in self.axes:
            a.set_xlim(0, right)


def _surges(runs) -> list:
    """``(start, end, factor)`` of each traffic spike the runs were given
    (``Traffic.spike``): a window where arrivals rose above the base rate."""
    out = []
    for res in runs.values():
        traffic = res.traffic
        if not str(getattr(traffic, "label", "")).startswith("spike"):
            continue
        segments = list(traffic.segments) + [(res.duration, None)]
        base = min(rate for _, rate in traffic.segments)
        for (start, rate), (end, _) in zip(segments, segments[1:]):
            if rate > base and end > start and (start, end, rate / base) not in out:
                out.append((start, end, rate / base))
    return out
