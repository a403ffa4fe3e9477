"""Panels of sliders that re-run both styles and redraw.

A panel is the experiment of a notebook made adjustable: move a slider, and
*both* architectures are simulated again under the same seeded traffic and
the same faults, and the figure is redrawn. Nothing is precomputed or
interpolated: every picture is a fresh run.

>>> from vetora_nb import widgets
>>> panel = widgets.ComparisonPanel(duration=5, run=False)
>>> panel.update(rate=50, window=(1, 3))     # sets the sliders, runs once
>>> sorted(panel.results)
['event_driven', 'request_response']

In a notebook, put the panel on the last line of a cell to show it.

How a panel behaves:

- **It runs once per change, and only what changed.** Sliders send one
  value when released (``continuous_update=False``); ``update(**params)``
  sets any number of parameters and runs once. Runs are cached by
  everything they depend on (:mod:`vetora_nb.runs`): moving the partitions
  slider re-runs only the style that has partitions.
- **It answers at once.** In a notebook, a move starts the update in the
  background and the status line says so straight away; moves that arrive
  meanwhile supersede each other, so a burst of moves costs at most two
  updates. The two styles' runs are made side by side in worker processes
  when the machine has two cores (:mod:`vetora_nb.workers`), with results
  identical to runs made one after the other.
- **It tells you what it is doing.** The status line says "simulating…"
  while it runs, then how long each style took ("RR 420 ms · ED 190 ms"),
  or, in red, why it could not run ("Could not simulate: rate: this traffic
  would send about 45,000 requests ..."). A panel never raises and never
  shows a traceback; the last error is also kept in ``panel.error``.
- **It redraws without flicker.** The figure is rendered to a PNG and the
  panel's single ``Output`` area gets the new image in one update (the
  effect of ``clear_output(wait=True)`` followed by ``display``, without the
  moment in between when the area is empty). Figures are plain
  ``matplotlib.figure.Figure`` objects, never pyplot's, so nothing piles up
  however often you move a slider.

What is on a panel is configurable: ``controls=`` picks the groups of
sliders (``'traffic'``, ``'failure'``, ``'partition'``, ``'trace'``),
``plots=`` the figures (``'latency'``, ``'timeseries'``, ``'trace'``,
``'scorecard'``, ``'architecture'``), and any parameter can be given a
starting value by name (``ComparisonPanel(slowdown=10, down=False)``).
Parameters whose group is not shown keep that value; they are listed in
``panel.fixed``.

A notebook's own panel is a :class:`PanelSpec` — a declaration of its
controls (from the catalogue in :mod:`vetora_nb.controls`), of how their
values become runs, and of which figure and key numbers to show — run by
the one generic :class:`SpecPanel` (``vetora_nb.panels`` holds them all).

The modules: :mod:`.panel` (the base: status line, redraw, background
updates), :mod:`.spec` (:class:`PanelSpec`, :class:`SpecPanel`),
:mod:`.comparison` (:class:`ComparisonPanel` and its ready-made shapes),
:mod:`.parts` (checks and layout every panel shares) and :mod:`.editor`
(:class:`DesignEditor`, the design studio's forms, which edit a
:class:`~vetora_nb.studio.Design` rather than run anything).
"""

from .comparison import (CONTROL_GROUPS, PLOTS, ComparisonPanel, comparison_spec, numbers_table, outage_panel,
                         scenario_faults, scenario_traffic, slowdown_panel, trace_panel)
from .editor import DesignEditor
from .panel import Panel
from .parts import DEFAULT_DURATION, PANEL_MAX_REQUESTS, check_parameters, control_columns, run_duration, table_html
from .spec import PanelSpec, SpecPanel, drawn_in_place, panel_run

__all__ = ["Panel", "DesignEditor", "PanelSpec", "SpecPanel", "panel_run", "drawn_in_place", "ComparisonPanel",
           "comparison_spec", "outage_panel", "slowdown_panel", "trace_panel", "scenario_traffic", "scenario_faults",
           "numbers_table", "CONTROL_GROUPS", "PLOTS", "DEFAULT_DURATION", "PANEL_MAX_REQUESTS", "check_parameters",
           "control_columns", "table_html", "run_duration"]
