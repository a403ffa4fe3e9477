"""Panels: every control at both ends gives a figure; errors land in the
status line, never in a traceback; redraws do not pile up figures."""

from __future__ import annotations

import gc
import html
import weakref

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vetora_nb import widgets as vw  # noqa: E402

from panel_checks import (  # noqa: E402
    assert_drawn, assert_each_draws, assert_updates_do_not_leak, settings_at_extremes, settings_one_at_a_time)

#: Short runs keep the whole module quick; the notebooks use the defaults.
DURATION = 2.0

PANELS = {
    "comparison": lambda: vw.ComparisonPanel(
        duration=DURATION, controls=("traffic", "failure", "partition", "trace"),
        plots=("latency", "timeseries"), run=False),
    "every_plot": lambda: vw.ComparisonPanel(
        duration=DURATION, controls=("trace",), plots=("trace", "scorecard", "architecture"),
        cut="inventory", cut_window=(0.5, 1.0), run=False),
    "outage": lambda: vw.outage_panel(duration=DURATION, run=False),
    "slowdown": lambda: vw.slowdown_panel(duration=DURATION, run=False),
    "trace": lambda: vw.trace_panel(duration=DURATION, run=False),
}


def shown(panel) -> str:
    return html.unescape(panel.status.value)


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a panel registered a figure with pyplot"


def test_every_control_at_both_ends():
    """The full panel (every group of controls), one control at a time.
    Two small plots keep the 31 redraws quick; every plot is drawn at the
    extremes in the test below."""
    panel = vw.ComparisonPanel(duration=DURATION, controls=tuple(vw.CONTROL_GROUPS),
                               plots=("latency", "timeseries"), metrics=("errors",), run=False)
    # one control at a time, the one before back to its default in the same run: one run each
    assert_each_draws(panel, settings_one_at_a_time(panel))


@pytest.mark.parametrize("name", list(PANELS))
def test_every_panel_with_all_controls_at_an_end(name):
    """Every ready-made panel with all its controls at their minimum, then all
    at their maximum with every window spanning the whole run (the full
    panel's controls one by one are tested above), then every window
    collapsed at the end of the run."""
    panel = PANELS[name]()
    assert_each_draws(panel, settings_at_extremes(panel))


def test_update_sets_many_controls_and_runs_once():
    panel = vw.ComparisonPanel(duration=DURATION, run=False)
    assert panel.runs == 0 and panel.figure is None
    panel.update(rate=50, slowdown=3.0, window=(1.0, 2.0), partitions=2)
    assert panel.runs == 1
    assert panel.controls["rate"].value == 50
    assert panel.controls["partitions"].value == 2
    assert_drawn(panel)
    # moving one slider by hand runs once too
    panel.controls["rate"].value = 60
    assert panel.runs == 2
    assert_drawn(panel)


def test_both_styles_get_the_same_traffic():
    panel = vw.ComparisonPanel(duration=DURATION, run=False)
    panel.update(rate=80)
    rr, ed = panel.results["request_response"], panel.results["event_driven"]
    assert rr.requests["start"].tolist() == ed.requests["start"].tolist()
    assert [type(f) for f in rr.faults] == [type(f) for f in ed.faults]


def test_hidden_parameters_are_fixed_and_can_be_updated():
    panel = vw.outage_panel(duration=DURATION, run=False, partitions=2)
    assert "partitions" not in panel.controls and panel.fixed["partitions"] == 2
    panel.update(partitions=1)
    assert_drawn(panel)
    assert panel.results["event_driven"].architecture.graph.nodes["order-placed"]["partitions"] == 1


def test_network_cut_follows_each_style():
    panel = vw.ComparisonPanel(duration=DURATION, run=False, cut="shipping", cut_window=(1.0, 2.0), down=False)
    panel.update()
    cuts = {name: [(f.a, f.b) for f in r.faults] for name, r in panel.results.items()}
    assert cuts["request_response"] == [("orders", "shipping")]
    assert cuts["event_driven"] == [("order-placed", "shipping")]


def test_a_failed_run_is_shown_not_raised():
    panel = vw.ComparisonPanel(duration=DURATION, max_requests=100, run=False)
    panel.update(rate=300)                        # about 600 requests > 100
    assert panel.error and panel.error.startswith("Could not simulate: rate")
    assert panel.error in shown(panel)
    assert "#b00020" in panel.status.value         # in red
    assert panel.output.outputs == ()              # no stale picture
    panel.update(rate=10)                          # back in range: the error goes away
    assert_drawn(panel)


@pytest.mark.parametrize("params, fragment", [
    ({"service": "nowhere"}, "Could not set service"),
    ({"rate": "fast"}, "Could not set rate"),
    ({"colour": "blue"}, "no parameter 'colour'"),
])
def test_bad_updates_are_shown_not_raised(params, fragment):
    panel = vw.ComparisonPanel(duration=DURATION, run=False)
    panel.update(**params)
    assert panel.error and fragment in panel.error
    assert fragment in shown(panel)


def test_out_of_range_values_are_clamped_and_said():
    panel = vw.ComparisonPanel(duration=DURATION, run=False)
    panel.update(rate=10_000)
    assert_drawn(panel)
    assert panel.controls["rate"].value == panel.controls["rate"].max
    assert "outside the slider" in shown(panel)


def test_bad_construction_names_the_parameter():
    with pytest.raises(ValueError, match="controls"):
        vw.ComparisonPanel(controls=("weather",), run=False)
    with pytest.raises(ValueError, match="plots"):
        vw.ComparisonPanel(plots=("pie",), run=False)
    with pytest.raises(TypeError, match="speed"):
        vw.ComparisonPanel(speed=3, run=False)


def test_status_reports_timings():
    panel = vw.ComparisonPanel(duration=DURATION, run=False)
    panel.update(rate=40)
    assert set(panel.timings) == {"request_response", "event_driven", "draw"}
    assert "RR " in shown(panel) and "ED " in shown(panel) and "drawn in" in shown(panel)
    panel.update(partitions=8)                     # request-response has no partitions: not re-run
    assert panel.timings["request_response"] is None
    assert "RR unchanged" in shown(panel)


def test_repeated_updates_redraw_in_place_and_do_not_accumulate():
    panel = vw.ComparisonPanel(duration=2.0, controls=("traffic",), plots=("timeseries",),
                               metrics=("errors",), run=False)
    panel.update(rate=50)
    figure = panel.figure
    artists = len(figure.findobj())
    assert_updates_do_not_leak(panel, [{"rate": 40 + 10 * (i % 3)} for i in range(30)])
    assert len(plt.get_fignums()) == 0
    assert panel.in_place and panel.figure is figure, "a move that keeps the axes should redraw them in place"
    assert len(figure.findobj()) == artists, "artists pile up in the figure redrawn in place"


def test_replaced_figures_are_let_go():
    # A scorecard cannot be redrawn in place: every move makes a new figure, and the old one goes.
    panel = vw.ComparisonPanel(duration=2.0, controls=("traffic",), plots=("timeseries", "scorecard"),
                               metrics=("errors",), run=False)
    panel.update(rate=50)
    first = weakref.ref(panel.figure)
    assert_updates_do_not_leak(panel, [{"rate": 40 + 10 * (i % 3)} for i in range(10)])
    assert not panel.in_place
    gc.collect()
    assert first() is None, "old figures are still referenced somewhere"


def test_widget_and_display():
    panel = vw.ComparisonPanel(duration=DURATION, controls=("traffic",), run=False)
    assert isinstance(panel.widget, W.VBox)
    children = panel.widget.children
    assert panel.status in children and panel.output in children
    assert all(not w.continuous_update for w in panel.controls.values()
               if hasattr(w, "continuous_update"))
    panel._ipython_display_()                      # outside a kernel it must not fail either
