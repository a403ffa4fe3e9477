"""Metrics over time (throughput, errors, lag ...), fault windows shaded."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from .format import fault_label
from .layout import _axes_for, _runs, shade_faults, tidy
from .style import FAULT_COLOR, INK, METRIC_LABELS, NEUTRAL_COLOR, PALETTE, RATE_METRICS, _assign_colors, _label, shade

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


def _series(res, metric: str, nodes, smooth: float) -> pd.DataFrame:
    ts = res.timeseries
    ts = ts[ts["metric"] == metric]
    if ts.empty:
        return pd.DataFrame()
    wide = ts.pivot_table(index="time", columns="node", values="value", aggfunc="last").sort_index()
    if nodes is not None:
        wide = wide[[c for c in wide.columns if c in nodes]]
    if metric in RATE_METRICS and smooth and smooth > 0 and len(wide) > 2:
        step = float(np.median(np.diff(wide.index.to_numpy()))) or 1.0
        window = max(1, int(round(smooth / step)))
        if window > 1:
            wide = wide.rolling(window, center=True, min_periods=1).mean()
    return wide


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
            others = [p for p in PALETTE if p != color]   # never the run's own colour twice
            c, ls = (color if k == 0 else others[(k - 1) % len(others)]), "-"
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
    runs = _runs(results)
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = list(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one metric, e.g. 'throughput'")
    colors = _assign_colors(runs, {n: r.architecture.name for n, r in runs.items()})
    fig, axes = _axes_for(ax, len(metrics), sharex=True, figsize=(9.0, 0.6 + 1.75 * len(metrics)))
    t_end = max((r.end_time for r in runs.values()), default=1.0) or 1.0
    arrivals_end = max((r.duration for r in runs.values()), default=t_end)
    fault_list = _fault_list(runs) if faults else []
    draining = t_end - arrivals_end > 0.04 * t_end   # a drain worth marking
    for i, (metric, a) in enumerate(zip(metrics, axes)):
        wanted = nodes.get(metric) if isinstance(nodes, Mapping) else nodes
        if isinstance(wanted, str):
            wanted = [wanted]
        tidy(a)
        lines = 0
        series = {name: _series(res, metric, wanted, smooth) for name, res in runs.items()}
        series = {name: w for name, w in series.items() if not w.empty and len(w.columns)}
        heading = METRIC_LABELS.get(metric, metric)
        only = {c for w in series.values() for c in w.columns}
        if len(only) == 1 and all(len(w.columns) == 1 for w in series.values()):
            node = next(iter(only))
            if node not in ("requests", "system"):
                heading += f" — {node}"      # e.g. busy workers — orders
        a.set_title(title if (title and i == 0) else heading, fontsize=9, loc="left", color=INK, y=1.0)
        for name, wide in series.items():
            styles = _line_styles(name, list(wide.columns), colors[name], len(series), prefix=len(runs) > 1)
            for node, (label, c, ls, lw) in zip(wide.columns, styles):
                a.plot(wide.index, wide[node].to_numpy(float), color=c, ls=ls, lw=lw, label=label,
                       drawstyle="steps-post" if metric == "breaker_state" else "default")
                lines += 1
        if not lines:
            why = ("no run has consumer groups (request-response has no lag: it has no buffer)"
                   if metric in ("consumer_lag", "partition_lag", "dlq_depth") else f"no '{metric}' in these runs")
            a.text(0.5, 0.5, why, transform=a.transAxes, ha="center", va="center", fontsize=8.5,
                   color=NEUTRAL_COLOR)
        else:
            a.set_ylim(0, max(1.0, a.get_ylim()[1]))   # all-zero counts: 0..1, not 0..0.05
            if lines > 1:
                a.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7.5, frameon=False,
                         handlelength=2.2, borderaxespad=0)
        if metric == "breaker_state":
            a.set_yticks([0, 1, 2], ["closed", "half-open", "open"])
            a.set_ylim(-0.2, 2.2)
        shade_faults(a, fault_list, until=t_end)   # a fault that never ends: to the edge of the run
        if draining:
            a.axvline(arrivals_end, color="#999999", ls=":", lw=1.0, zorder=0)
    top = axes[0]
    blend = blended_transform_factory(top.transData, top.transAxes)
    # Faults over the same window share one caption (a cut is two links).
    captions: dict = {}
    for f in fault_list:
        captions.setdefault((f.start, min(f.end, t_end)), []).append(fault_label(f))
    for k, ((start, _), labels) in enumerate(captions.items()):
        top.text(start, 1.0 - 0.13 * (k % 3), " " + " + ".join(dict.fromkeys(labels)), transform=blend,
                 ha="left", va="top", fontsize=7.5, color=FAULT_COLOR, fontweight="bold", clip_on=False)
    if draining:
        top.text(arrivals_end, 1.0, "arrivals stop, work drains ", transform=blend, ha="right", va="top",
                 fontsize=7, color="#777777", bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.8))
    for a in axes:
        a.set_xlim(0, t_end)
    axes[-1].set_xlabel("simulated time (s)", fontsize=8.5)
    return fig
