"""Every control of every panel reaches what it controls.

For each panel spec in ``vetora_nb.panels.SPECS``: moving a control that
feeds the simulation must change at least one planned run's key (so the
panel simulates again, and can never show a stale run), and moving a
view-only control must change the picture. A control whose wiring is cut
fails here, by name.
"""

from __future__ import annotations

import ipywidgets as W
import pytest

from vetora_nb import plots, widgets
from vetora_nb.panels import SPECS

from panel_checks import extremes

#: Short runs: this test is about wiring, not about the numbers.
DURATION = 4.0


def _keys(panel, params):
    return {name: run.key for name, run in panel.planned_runs(params).items()}


#: The notebooks' panels, and the comparison panel's other ready-made shapes.
ALL_SPECS = {**SPECS,
             "trace_panel": lambda: widgets.comparison_spec(controls=("trace", "failure"), plots=("trace",)),
             "every_group": lambda: widgets.comparison_spec(controls=tuple(widgets.CONTROL_GROUPS),
                                                            plots=("latency", "timeseries", "trace"))}


@pytest.fixture(scope="module", params=sorted(ALL_SPECS))
def panel(request):
    return widgets.SpecPanel(ALL_SPECS[request.param](), duration=DURATION, run=False)


def test_every_simulation_control_changes_the_planned_runs(panel):
    """Each end of each control (a range's full span included) changes a
    planned run, the other controls at their defaults — but for those the
    spec says it ``requires`` (a spike window needs a spike), which are put
    at their high end."""
    spec = panel.spec
    dead = []
    for name, widget in panel.controls.items():
        if name in spec.view_only:
            continue
        base = {**panel.params(), **{other: extremes(panel.controls[other])[-1]
                                     for other in spec.requires.get(name, ()) if other in panel.controls}}
        for value in extremes(widget):
            if value != base[name] and _keys(panel, {**base, name: value}) == _keys(panel, base):
                dead.append((name, value))
    assert not dead, f"{spec.name}: these settings change no run (the control does not reach the simulation): {dead}"


def test_every_view_only_control_changes_the_picture(panel):
    spec = panel.spec
    shown = [n for n in spec.view_only if n in panel.controls]
    if not shown:
        pytest.skip(f"{spec.name} shows no view-only control")
    params = panel.params()
    results = {name: run.execute() for name, run in panel.planned_runs(params).items()}
    for name in shown:
        widget = panel.controls[name]
        low, high = extremes(widget)[0], extremes(widget)[-1]
        if isinstance(widget, W.FloatSlider):   # the ends of a run may have no request to show
            low, high = widget.min + 0.2 * (widget.max - widget.min), widget.min + 0.6 * (widget.max - widget.min)
        # as the panel does on every update: the analysis for these parameters, then the figure (or a drawing)
        moved = [{**params, name: v} for v in (low, high)]
        drawn = [spec.draw(results, p, spec.analyse(results, p) if spec.analyse else {}) for p in moved]
        pictures = [plots.figure_png(getattr(d, "figure", d), dpi=40) for d in drawn]
        assert pictures[0] != pictures[1], f"{spec.name}: moving {name!r} does not change the picture"
    assert _keys(panel, params) == _keys(panel, {**params, **{n: extremes(panel.controls[n])[-1] for n in shown}})
