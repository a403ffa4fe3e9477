"""Figures of a run: pictures you would rather look at than read a table.

Three shared modules — :mod:`.style` (colours and labels), :mod:`.format`
(numbers and faults in words) and :mod:`.layout` (figures in inches, PNGs,
the one fault shading) — under two kinds of figure modules: the general
figures of any run (:mod:`.architecture`, :mod:`.latency`,
:mod:`.timeseries`, :mod:`.traces`, :mod:`.scorecard`, :mod:`.comparison`)
and one module per topic of the notebooks (:mod:`.coupling`,
:mod:`.consistency`, :mod:`.observability`, :mod:`.scalability`,
:mod:`.failure`, :mod:`.clocks`, :mod:`.temporal`, :mod:`.ordering`,
:mod:`.event_log`, :mod:`.sagas`, :mod:`.capstone`, :mod:`.verdicts`,
:mod:`.sweeps`). Everything public is re-exported here, so
``from vetora_nb import plots`` is all a notebook needs.

Every function here takes what :func:`vetora_nb.simulate` measured (or an
:class:`~vetora_nb.Architecture`) and returns a ``matplotlib.figure.Figure``.
Nothing is simulated here; nothing is estimated. A plot only shows numbers
that are already in a :class:`~vetora_nb.Result`.

Two habits hold across the package, so that a reader learns them once:

- **One colour per style.** Request-response is always blue and event-driven
  always orange (:data:`STYLE_COLORS`). A run whose name is not a style gets
  a colour from :data:`PALETTE`.
- **Faults are red.** A fault window is a light red band on every time axis,
  and a faulted node in an architecture drawing has a red outline.

The figures are built with ``matplotlib.figure.Figure()`` rather than
``pyplot``: pyplot keeps every figure it made in a global registry until it
is closed, which is how a slider moved 200 times ends up holding 200 figures.
A plain ``Figure`` is garbage like any other object once nobody refers to it.
In a notebook, a ``Figure`` left as the last expression of a cell shows as a
PNG (this module teaches IPython how, even when pyplot was never imported).

Each function also accepts ``ax=`` (one ``Axes``, or a list of them for the
multi-panel plots) to draw into a figure you laid out yourself; it then
returns that figure.

The figures a panel redraws on every slider move also exist as classes
that keep them (:class:`ComparisonFigure`, :class:`FanoutFigure`,
:class:`ScalabilityFigure`, :class:`FailureFigure`, :class:`OutageFigure`,
:class:`DrillPanelFigure`): built like the function, then ``update(...)``
with new runs moves the same artists, the same picture a fresh figure
would be (:mod:`.drawing`). The functions return their ``figure``.

>>> import vetora_nb as vn
>>> from vetora_nb import plots
>>> runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(50),
...                        duration=5, seed=1) for s in vn.scenarios.STYLES}
>>> fig = plots.latency(runs)          # caller and end-to-end CDFs side by side
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

# the look, numbers in words, layout
from .format import (DEFAULT_SCORE, EVENT_METRICS, SCORE_ROWS, fault_label, format_ms, format_seconds,
                     format_table, format_value)
from .layout import (_axes_for, _note, _runs, figure_and_axes, figure_png, grid_in_inches, panel_title,
                     shade_faults, stacked_axes, tidy)
from .style import (FAIL_COLORS, FAULT_COLOR, GOOD_COLOR, GREY, INK, METRIC_LABELS, NEUTRAL_COLOR, PALETTE,
                    PASS_COLORS, RATE_METRICS, STYLE_COLORS, STYLE_LABELS, STYLE_NAMES, _assign_colors, color_for,
                    shade, style_label)

# figures of any run
from .architecture import architecture
from .comparison import FIGURES as comparison_figures
from .comparison import ComparisonFigure, comparison, comparison_drawing, same_request_traces
from .drawing import Drawing
from .latency import latency
from .scorecard import scorecard
from .timeseries import timeseries
from .traces import waterfall

# figures by topic, in the notebooks' order
from .coupling import FanoutFigure, chain_availability, coupling_sweep, fanout
from .consistency import read_your_writes, stale_reads, stale_reads_drawing, staleness, staleness_vs_lag
from .observability import failure_traces, request_traces, trace_sampling
from .scalability import (InstanceBars, ScalabilityFigure, consumer_figure, instance_figure, scalability_panel,
                          throughput_figure)
from .failure import FailureFigure, failure_panel
from .clocks import clock_bars, fanout_figure, hop_figure, latency_panel, latency_panel_drawing, tail_figure
from .temporal import OutageFigure, cut_figure, drain_figure, outage_figure
from .ordering import delivery_figure, ordering_drawing, ordering_figure, partition_figure
from .event_log import (catch_up_figure, event_log_drawing, event_log_figure, lag_figure, log_figure,
                        state_figure, staleness_figure, staleness_vs_slowdown_figure, time_travel_figure)
from .sagas import (SAGA_COLORS, duration_figure, outcomes_figure, saga_drawing, saga_figure, tradeoff_figure,
                    window_figure)
from .capstone import (SERVICE_COLORS, DrillFigure, DrillPanelFigure, drill_figure, drill_panel_figure, slo_matrix,
                       slo_promise, slo_summary, slo_value)
from .verdicts import verdict_figure
from .sweeps import METRICS as SWEEP_METRICS
from .sweeps import heatmap, heatmap_figure, sweep_panel_drawing, sweep_panel_figure

__all__ = [
    "STYLE_COLORS", "STYLE_LABELS", "STYLE_NAMES", "PALETTE", "FAULT_COLOR", "GOOD_COLOR", "NEUTRAL_COLOR", "INK",
    "GREY", "PASS_COLORS", "FAIL_COLORS", "METRIC_LABELS", "RATE_METRICS", "SCORE_ROWS", "DEFAULT_SCORE",
    "EVENT_METRICS", "color_for", "style_label", "shade", "fault_label", "format_value", "format_table", "format_ms", "format_seconds",
    "figure_png", "shade_faults", "tidy", "panel_title", "figure_and_axes", "grid_in_inches", "stacked_axes",
    "architecture", "comparison", "comparison_drawing", "ComparisonFigure", "comparison_figures", "Drawing",
    "same_request_traces", "latency", "timeseries", "waterfall",
    "scorecard",
    "coupling_sweep", "chain_availability", "fanout", "FanoutFigure",
    "staleness", "staleness_vs_lag", "read_your_writes", "stale_reads", "stale_reads_drawing",
    "request_traces", "failure_traces", "trace_sampling",
    "throughput_figure", "consumer_figure", "instance_figure", "scalability_panel", "failure_panel",
    "InstanceBars", "ScalabilityFigure", "FailureFigure",
    "hop_figure", "fanout_figure", "tail_figure", "clock_bars", "latency_panel", "latency_panel_drawing",
    "outage_figure", "OutageFigure", "cut_figure", "drain_figure",
    "partition_figure", "delivery_figure", "ordering_figure", "ordering_drawing",
    "log_figure", "state_figure", "lag_figure", "staleness_figure", "time_travel_figure", "event_log_figure",
    "event_log_drawing", "catch_up_figure", "staleness_vs_slowdown_figure",
    "SAGA_COLORS", "outcomes_figure", "window_figure", "duration_figure", "saga_figure", "saga_drawing",
    "tradeoff_figure",
    "SERVICE_COLORS", "slo_value", "slo_promise", "slo_summary", "slo_matrix", "drill_figure", "drill_panel_figure",
    "DrillFigure", "DrillPanelFigure",
    "verdict_figure",
    "SWEEP_METRICS", "heatmap", "heatmap_figure", "sweep_panel_figure", "sweep_panel_drawing",
]
