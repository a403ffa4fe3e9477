"""Redrawing in place never changes the picture.

A panel that keeps its figure and moves its artists to new runs must show
exactly what a fresh figure of the same runs shows: after each move of a
sequence (rate, outage window, the faulty service, slowdown, error rate,
partitions, a network cut, a spike), the PNG of the figure redrawn in place
is compared byte for byte with the PNG of a fresh draw of the same results.
The PNG compared is the one the panel shows, rendered over a cached
background when the axes did not change (:mod:`vetora_nb.plots.blit`).
Moves that need other artists (a line more, a panel with nothing to show)
must fall back to a fresh figure, and the picture must match too.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from redraw_checks import assert_same_picture, pixels_differ  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import plots as vp  # noqa: E402
from vetora_nb import widgets as vw  # noqa: E402
from vetora_nb.plots.timeseries import _series  # noqa: E402

DURATION = 6.0

#: (move, redrawn in place?) — each applied on top of the ones before it.
MOVES = [
    ({"rate": 150}, True),
    ({"window": (1.0, 4.0)}, True),
    ({"service": "inventory"}, True),
    ({"down": False, "slowdown": 8.0}, True),
    ({"error_rate": 0.3}, True),
    ({"partitions": 2}, True),
    ({"cut": "shipping", "cut_window": (2.0, 3.0)}, True),
    ({"spike": 3.0, "spike_window": (1.0, 2.0)}, True),
    ({"rate": 60, "window": (0.0, 0.0)}, True),
    ({"partitions": 3}, True),
    ({"rate": 70}, True),
    ({"service": "shipping"}, True),          # the axes stay put: the background is reused
    ({"cut": "analytics"}, True),
]


@pytest.mark.parametrize("latency", ["overlay", "both"])
def test_a_sequence_of_moves_redraws_in_place_the_same_picture(latency):
    panel = vw.ComparisonPanel(duration=DURATION, latency=latency, run=False)
    panel.update()
    assert not panel.in_place
    figure = panel.figure
    for move, in_place in MOVES:
        panel.update(**move)
        assert panel.in_place == in_place, f"{move}: redrawn in place {panel.in_place}, expected {in_place}"
        assert panel.figure is figure
        assert_same_picture(panel, move)
    background = panel._drawing._background
    assert background.hits and background.misses, "both the reused and the new background must be compared"


def test_moves_that_need_other_artists_draw_a_fresh_figure_with_the_same_picture():
    # One line per partition: changing the partitions adds or removes lines.
    panel = vw.ComparisonPanel(duration=DURATION, metrics=("partition_lag", "errors"), run=False)
    panel.update()
    first = panel.figure
    panel.update(rate=120)
    assert panel.in_place and panel.figure is first
    assert_same_picture(panel, "rate")
    panel.update(partitions=2)
    assert not panel.in_place and panel.figure is not first
    assert_same_picture(panel, "partitions 4 -> 2")
    panel.update(partitions=2, rate=80)
    assert panel.in_place
    assert_same_picture(panel, "rate after the new figure")
    panel.update(partitions=6)
    assert not panel.in_place
    assert_same_picture(panel, "partitions 2 -> 6")


def test_a_drawing_refuses_runs_of_other_names_or_other_metrics():
    runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(50), duration=3, seed=1)
            for s in vn.scenarios.STYLES}
    drawing = vp.comparison_drawing(runs)
    assert isinstance(drawing, vp.ComparisonFigure)
    assert drawing.update(runs)
    assert not drawing.update({"request_response": runs["request_response"]})       # a run less
    assert not drawing.update({"a": runs["request_response"], "b": runs["event_driven"]})
    # No traffic, no latencies: the CDFs give way to a note, in a fresh figure.
    idle = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(0.0), duration=1, seed=1)
            for s in vn.scenarios.STYLES}
    assert not vp.comparison_drawing(runs).update(idle)
    assert not vp.comparison_drawing(idle).update(runs)
    # Figures that cannot redraw in place are plain Figures.
    assert isinstance(vp.comparison_drawing(runs, ("latency", "scorecard")), matplotlib.figure.Figure)


def test_the_numpy_pivot_is_pandas_pivot_table():
    res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(80), duration=5,
                      faults=[vn.Outage("shipping", 1, 3)], seed=4)
    ts = res.timeseries
    for metric in sorted(ts["metric"].unique()):
        for smooth in (0.0, 1.0):
            wide = ts[ts["metric"] == metric].pivot_table(index="time", columns="node", values="value",
                                                          aggfunc="last").sort_index()
            if metric in vp.style.RATE_METRICS and smooth:
                step = float(np.median(np.diff(wide.index.to_numpy())))
                window = max(1, int(round(smooth / step)))
                if window > 1:
                    wide = wide.rolling(window, min_periods=1).mean()
            times, names, values = _series(res, metric, None, smooth)
            assert names == [str(c) for c in wide.columns], metric
            np.testing.assert_allclose(times, wide.index.to_numpy(float))
            np.testing.assert_allclose(values, wide.to_numpy(float), rtol=1e-12, atol=1e-12, equal_nan=True)
    times, names, values = _series(res, "busy_workers", ["orders"], 1.0)
    assert names == ["orders"] and values.shape == (len(times), 1)
    assert _series(res, "no_such_metric", None, 1.0)[1] == []
    assert isinstance(ts, pd.DataFrame)


def test_the_background_is_rendered_anew_whenever_its_pixels_would_differ():
    from matplotlib.figure import Figure

    from vetora_nb.plots.blit import Background

    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    vp.tidy(ax)
    (line,) = ax.plot([0, 1, 2], [0, 1, 0])
    band = ax.axvspan(0.2, 0.5, color="red", alpha=0.1, lw=0, zorder=0)
    vp.panel_title(ax, "one")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    background = Background(fig, still=[t for t in ax.texts] + [ax.title, ax._left_title])
    guides = []
    changes = [
        ("nothing", lambda: None),
        ("a line moves", lambda: line.set_ydata([1, 0, 1])),
        ("a band moves", lambda: band.set_x(1.0)),
        ("the y axis grows", lambda: ax.set_ylim(0, 3)),
        ("the title changes", lambda: vp.panel_title(ax, "two")),
        ("a guide appears", lambda: guides.append(ax.axhline(0.5, color="#bbbbbb", zorder=0))),
        ("the guide moves", lambda: guides[0].set_ydata([0.8, 0.8])),
    ]
    for what, change in changes:
        change()
        problem = pixels_differ(background.png(90), vp.figure_png(fig, dpi=90))
        assert not problem, f"{what}: {problem}"
    assert (background.hits, background.misses) == (1, 6)     # the first render, then one reuse


def test_an_axes_without_its_axis_draws_no_frame_over_the_background():
    # A text panel (notebook 04's capacities) is an axes with its axis off:
    # a full render draws neither its frame nor its ticks, so neither may the background's.
    from matplotlib.figure import Figure

    from vetora_nb.plots.blit import Background

    fig = Figure(figsize=(4, 3))
    plot, text = fig.subplots(2, 1)
    plot.plot([0, 1, 2], [0, 1, 0])
    text.set_axis_off()
    text.text(0.0, 1.0, "capacities\nflat out", va="top", transform=text.transAxes)
    background = Background(fig)
    for what in ("rendered anew", "reused"):
        problem = pixels_differ(background.png(90), vp.figure_png(fig, dpi=90))
        assert not problem, f"{what}: {problem}"
    assert (background.hits, background.misses) == (1, 1)
