"""Figures of a run: pictures you would rather look at than read a table.

One module per family of figures, over three shared ones: :mod:`.style`
(colours and labels), :mod:`.format` (numbers and faults in words) and
:mod:`.layout` (figures in inches, PNGs, fault shading). Everything is
re-exported here, so ``from vetora_nb import plots`` is all a notebook needs.

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

>>> import vetora_nb as vn
>>> from vetora_nb import plots
>>> runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(50),
...                        duration=5, seed=1) for s in vn.scenarios.STYLES}
>>> fig = plots.latency(runs)          # caller and end-to-end CDFs side by side
>>> type(fig).__name__
'Figure'
"""

from __future__ import annotations

from .architecture import architecture
from .comparison import FIGURES as comparison_figures
from .comparison import comparison, same_request_traces
from .format import DEFAULT_SCORE, EVENT_METRICS, SCORE_ROWS, fault_label, format_ms, format_seconds, format_value
from .latency import latency
from .layout import (_axes_for, _note, _runs, figure_and_axes, figure_png, grid_in_inches, panel_title,
                     shade_faults, stacked_axes, tidy)
from .scorecard import scorecard
from .style import (FAULT_COLOR, GOOD_COLOR, GREY, INK, METRIC_LABELS, NEUTRAL_COLOR, PALETTE, RATE_METRICS,
                    STYLE_COLORS, STYLE_LABELS, STYLE_NAMES, _assign_colors, color_for, shade, style_label)
from .timeseries import timeseries
from .traces import waterfall
from .coupling import chain_availability, coupling_sweep, fanout
from .consistency import read_your_writes, stale_reads, staleness, staleness_vs_lag
from .observability import failure_traces, request_traces, trace_sampling

__all__ = [
    "STYLE_COLORS", "STYLE_LABELS", "STYLE_NAMES", "PALETTE", "FAULT_COLOR", "GOOD_COLOR", "NEUTRAL_COLOR", "INK",
    "GREY", "METRIC_LABELS", "RATE_METRICS", "SCORE_ROWS", "DEFAULT_SCORE", "EVENT_METRICS",
    "architecture", "comparison", "comparison_figures", "same_request_traces", "latency", "timeseries", "waterfall", "scorecard",
    "color_for", "style_label", "shade", "fault_label", "format_value", "format_ms", "format_seconds", "figure_png", "shade_faults",
    "tidy", "panel_title", "figure_and_axes", "grid_in_inches", "stacked_axes",
    "coupling_sweep", "chain_availability", "fanout",
    "staleness", "staleness_vs_lag", "read_your_writes", "stale_reads",
    "request_traces", "failure_traces", "trace_sampling",
]

# -- notebooks 04-06: scalability, failure handling, the two clocks ------------------
from .clocks import clock_bars, fanout_figure, hop_figure, latency_panel, tail_figure  # noqa: E402
from .failure import failure_panel  # noqa: E402
from .scalability import consumer_figure, instance_figure, scalability_panel, throughput_figure  # noqa: E402

__all__ += ["throughput_figure", "consumer_figure", "instance_figure", "scalability_panel", "failure_panel",
            "hop_figure", "fanout_figure", "tail_figure", "clock_bars", "latency_panel"]

# -- notebook 07: temporal coupling --
from .temporal import cut_figure, drain_figure, outage_figure  # noqa: E402

__all__ += ["outage_figure", "cut_figure", "drain_figure"]

# -- notebook 08: ordering and delivery --
from .ordering import delivery_figure, ordering_figure, partition_figure  # noqa: E402

__all__ += ["partition_figure", "delivery_figure", "ordering_figure"]

# -- notebook 09: event sourcing and CQRS --
from .event_log import (catch_up_figure, event_log_figure, lag_figure, log_figure, state_figure,  # noqa: E402
                        staleness_figure, staleness_vs_slowdown_figure, time_travel_figure)

__all__ += ["log_figure", "state_figure", "lag_figure", "staleness_figure", "time_travel_figure", "event_log_figure",
            "catch_up_figure", "staleness_vs_slowdown_figure"]

# -- notebook 12: heat maps of a sweep --
from .sweeps import METRICS as SWEEP_METRICS  # noqa: E402
from .sweeps import heatmap, heatmap_figure, sweep_panel_figure  # noqa: E402

__all__ += ["SWEEP_METRICS", "heatmap", "heatmap_figure", "sweep_panel_figure"]

# -- notebook 10: sagas --
from .sagas import SAGA_COLORS, duration_figure, outcomes_figure, saga_figure, tradeoff_figure, window_figure  # noqa: E402

__all__ += ["SAGA_COLORS", "outcomes_figure", "window_figure", "duration_figure", "saga_figure", "tradeoff_figure"]

# -- notebook 11: the capstone's SLOs and drill, the seven verdicts --
from .capstone import (SERVICE_COLORS, drill_figure, drill_panel_figure, slo_matrix, slo_promise,  # noqa: E402
                       slo_summary, slo_value)
from .style import FAIL_COLORS, PASS_COLORS  # noqa: E402
from .verdicts import verdict_figure  # noqa: E402

__all__ += ["SERVICE_COLORS", "PASS_COLORS", "FAIL_COLORS", "slo_value", "slo_promise", "slo_summary", "slo_matrix",
            "drill_figure", "drill_panel_figure", "verdict_figure"]
