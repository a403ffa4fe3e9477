"""What every panel test checks: controls at their extremes, a drawn figure,
and redraws that leave nothing behind.

A panel is a :class:`vetora_nb.widgets.Panel`: ``panel.controls`` are its
widgets and ``panel.update(**values)`` sets any of them and runs once.
"""

from __future__ import annotations

import gc
import html
import warnings

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def extremes(widget) -> list:
    """The values at both ends of a control: a slider's min and max, both ends
    of a range slider (and its full span last), False and True for a checkbox,
    the first and the last option of a dropdown or a selection slider."""
    if isinstance(widget, W.FloatRangeSlider):
        return [(widget.min, widget.min), (widget.max, widget.max), (widget.min, widget.max)]
    if isinstance(widget, W.Checkbox):
        return [False, True]
    if isinstance(widget, (W.Dropdown, W.SelectionSlider)):
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return [values[0], values[-1]]
    return [widget.min, widget.max]


def settings_at_extremes(panel) -> list[dict]:
    """Updates that put every control at an end at once: all at their low end;
    all at their high end, with every range spanning its whole slider (so that
    a spike or a fault at its maximum does happen); and, if the panel has
    ranges, the same with every range collapsed at the top of its slider."""
    low, high, late = {}, {}, {}
    for name, widget in panel.controls.items():
        ends = extremes(widget)
        low[name], high[name] = ends[0], ends[-1]
        if isinstance(widget, W.FloatRangeSlider):
            late[name] = (widget.max, widget.max)
    return [low, high, {**high, **late}] if late else [low, high]


def settings_one_at_a_time(panel, *, reset: bool = True) -> list[dict]:
    """Updates that move one control at a time to each of its :func:`extremes`.

    With ``reset`` the control moved before goes back to the value it has now
    in the same update, so each setting differs from the panel's in one
    control only; without, every control stays where it was last put."""
    start = {name: widget.value for name, widget in panel.controls.items()}
    settings, back = [], {}
    for name, widget in panel.controls.items():
        for value in extremes(widget):
            settings.append({**back, name: value})
            back = {}
        if reset:
            back = {name: start[name]}
    return settings


def assert_drawn(panel) -> None:
    """The last run drew: no error, a ``Figure``, and its PNG as the one output."""
    assert panel.error is None, panel.error
    assert isinstance(panel.figure, Figure)
    assert len(panel.output.outputs) == 1
    assert "image/png" in panel.output.outputs[0]["data"]
    assert "Could not" not in html.unescape(panel.status.value)


def updates_that_draw(panel, settings):
    """Apply each update of ``settings`` in turn: each must run the panel once
    and draw (:func:`assert_drawn`), with no warning on the way. Yields each setting after its run, for a
    test's own checks."""
    for setting in settings:
        runs = panel.runs
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            panel.update(**setting)
        # A warning would be printed under the panel, in the student's notebook.
        shown = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))]
        assert not shown, f"{setting}: a warning reaches the notebook: {shown[0].category.__name__}: {shown[0].message}"
        assert panel.error is None, f"{setting}: {panel.error}"
        assert panel.runs == runs + 1, f"{setting} ran {panel.runs - runs} times"
        assert_drawn(panel)
        yield setting


def assert_each_draws(panel, settings) -> None:
    """Every update of ``settings`` runs the panel once and draws."""
    for _ in updates_that_draw(panel, settings):
        pass


def assert_updates_do_not_leak(panel, settings) -> None:
    """Each update of ``settings`` redraws the panel in place, and none of
    them leaves a figure behind in pyplot's registry."""
    gc.collect()
    before = len(plt.get_fignums())
    for setting in updates_that_draw(panel, settings):
        assert len(plt.get_fignums()) == before, f"{setting}: a figure was registered with pyplot"
    gc.collect()
    assert len(plt.get_fignums()) == before
