"""The legibility checker (tests/legibility.py) on small figures with one defect planted each.

A clean figure passes; each planted defect fails with a message that names
the text. The collection's own figures are held to it by
``test_figures_legible.py``.
"""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

import vetora_nb as vn
from vetora_nb import plots

from legibility import problems


def _clean_figure():
    fig = Figure(figsize=(6, 3.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    for ax, name in ((left, "caller"), (right, "end to end")):
        ax.plot([0, 1, 2, 3], [0, 1, 4, 9], label="request-response")
        ax.plot([0, 1, 2, 3], [0, 2, 3, 4], label="event-driven")
        ax.set_title(f"{name} latency", fontsize=9)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("ms")
        ax.legend(fontsize=8, loc="upper left")
        ax.text(2.9, 0.5, "a note", ha="right", fontsize=8)
    fig.suptitle("a clean figure", fontsize=10)
    return fig


def _one_axes(**kw):
    fig = Figure(figsize=(4, 3), layout="constrained")
    ax = fig.subplots()
    ax.set(xlim=(0, 1), ylim=(0, 1), **kw)
    return fig, ax


@pytest.mark.parametrize("dpi, tight", [(100, True), (90, False)])
def test_a_clean_figure_passes(dpi, tight):
    assert problems(_clean_figure(), dpi=dpi, tight=tight, display_width=1000) == []


def test_two_texts_on_each_other_fail_by_name():
    fig, ax = _one_axes()
    ax.text(0.2, 0.5, "shipping down", fontsize=10)
    ax.text(0.3, 0.5, "RR curve", fontsize=10)
    found = problems(fig)
    assert len(found) == 1, found
    assert "overlap" in found[0] and "'shipping down'" in found[0] and "'RR curve'" in found[0]


def test_crowded_tick_labels_fail():
    fig, ax = _one_axes()
    ax.set_xticks([0.0, 0.02, 0.04], ["first tick", "second tick", "third tick"])
    found = problems(fig)
    assert any("overlap" in p and "'first tick'" in p and "'second tick'" in p for p in found), found


def test_a_caption_on_a_legend_fails_naming_both():
    fig, ax = _one_axes()
    ax.plot([0, 1], [0.2, 0.2], label="RR")
    ax.plot([0, 1], [0.4, 0.4], label="ED")
    ax.legend(loc="upper left", fontsize=8)
    ax.text(0.03, 0.9, "caption over the legend", fontsize=8)
    found = problems(fig)
    assert any("on a legend" in p and "'caption over the legend'" in p and "'RR'" in p for p in found), found


def test_a_label_pushed_out_of_its_axes_fails():
    fig, ax = _one_axes()
    ax.text(0.9, 0.5, "a label running out of the plot", fontsize=9)
    found = problems(fig)
    assert any("outside its axes" in p and "'a label running out of the plot'" in p and "right" in p
               for p in found), found


def test_a_label_placed_on_the_edge_on_purpose_passes_but_not_running_off_sideways():
    """An anchor on the axes' edge (``p99`` at x=1 in axes coordinates, ha='left') is placed outside on
    purpose; a caption hung from the top edge may not run out on the right for all that."""
    fig = Figure(figsize=(4, 3))             # no layout engine: the axes stay put as texts are added
    ax = fig.add_axes((0.15, 0.15, 0.6, 0.7))
    ax.text(1.0, 0.5, " p99", transform=ax.transAxes, ha="left", fontsize=8)
    ax.text(0.1, 1.0, "a caption hung from the top", transform=ax.transAxes, va="bottom", fontsize=8)
    assert problems(fig, tight=True) == []
    ax.text(0.8, 1.0, "a caption hung from the top, too far right", transform=ax.transAxes, va="top", fontsize=8)
    found = problems(fig, tight=True)
    assert len(found) == 1 and "outside its axes" in found[0] and "too far right" in found[0] \
        and "on the right" in found[0], found


@pytest.mark.parametrize("va, fails", [("center", False), ("bottom", True)])
def test_a_label_may_reach_past_its_axes_by_its_leading_only(va, fails):
    """An 8 pt label at 100 dpi (11 px font) anchored 3 px under the top edge: centred on
    that point it passes the edge by 2.6 px, leading rather than ink; sitting on it, by 8 px."""
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0.15, 0.15, 0.6, 0.7))
    ax.annotate(" p99", xy=(1.0, 1.0), xycoords="axes fraction", xytext=(0, -3), textcoords="offset pixels",
                ha="left", va=va, fontsize=8)
    found = problems(fig, dpi=100)
    assert bool(found) == fails, found
    assert all("outside its axes" in p and "'p99'" in p and "on the top" in p for p in found)


def test_a_text_cut_off_by_the_figure_edge_fails_unless_the_picture_grows_to_hold_it():
    fig = Figure(figsize=(4, 3))          # no layout engine: nothing moves it back in
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.set_axis_off()
    fig.text(0.95, 0.5, "cut at the edge", fontsize=10)
    found = problems(fig, tight=False)
    assert any("outside the figure" in p and "'cut at the edge'" in p for p in found), found
    assert problems(fig, tight=True) == []        # bbox_inches="tight" grows the PNG to hold it


def test_a_5_px_font_fails():
    fig, ax = _one_axes()
    ax.text(0.5, 0.5, "tiny subtitle", fontsize=3.6)       # 3.6 pt at 100 dpi = 5 px
    found = problems(fig, dpi=100)
    assert any("too small" in p and "'tiny subtitle'" in p and "5 px" in p for p in found), found


def test_a_picture_shrunk_to_fit_its_place_makes_its_texts_small():
    fig = Figure(figsize=(14, 3), layout="constrained")
    ax = fig.subplots()
    ax.set_title("a wide drawing", fontsize=8)
    ax.set_axis_off()
    assert problems(fig, dpi=100, tight=True) == []                       # 11 px at full size
    found = problems(fig, dpi=100, tight=True, display_width=700)         # shown at half size
    assert any("too small" in p and "'a wide drawing'" in p and "shrunk" in p for p in found), found


def test_a_box_label_wider_than_its_box_fails():
    fig, ax = _one_axes()
    ax.set_axis_off()
    ax.add_patch(FancyBboxPatch((0.4, 0.4), 0.2, 0.2, boxstyle="round,pad=0,rounding_size=0.02"))
    ax.text(0.5, 0.5, "saga-coordinator-service", ha="center", va="center", fontsize=9)
    ax.text(0.5, 0.3, "caption under the box", ha="center", va="top", fontsize=8)   # outside: not its label
    found = problems(fig)
    assert len(found) == 1, found
    assert "out of its box" in found[0] and "'saga-coordinator-service'" in found[0]


def test_a_box_label_reaching_just_past_the_border_fails():
    """The border is drawn on the box's edge: a label 2 px wider than its box touches it on both sides."""
    fig = Figure(figsize=(4, 3))
    ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 1), ylim=(0, 1))
    ax.set_axis_off()
    label = ax.text(0.5, 0.5, "payment-done", ha="center", va="center", fontsize=9, fontweight="bold")
    fig.draw_without_rendering()
    extent = label.get_window_extent().transformed(ax.transData.inverted())
    one_px = (ax.transData.inverted().transform((1, 0)) - ax.transData.inverted().transform((0, 0)))[0]
    width = extent.width - 2 * one_px
    ax.add_patch(FancyBboxPatch((0.5 - width / 2, 0.4), width, 0.2, boxstyle="round,pad=0,rounding_size=0.01"))
    found = problems(fig, dpi=fig.dpi)
    assert len(found) == 1 and "out of its box" in found[0] and "'payment-done'" in found[0], found


def test_an_architecture_drawing_passes_and_a_name_too_long_for_its_box_fails():
    assert problems(plots.architecture(vn.scenarios.order_placed("event_driven")), tight=True) == []
    arch = vn.Architecture("long names")
    arch.add_service("orders", workers=2, service_time=vn.Exponential(mean=0.005))
    arch.add_service("inventory", workers=2, service_time=vn.Exponential(mean=0.005))
    arch.add_call("orders", "inventory")
    arch.entry = "orders"
    fig = plots.architecture(arch)
    assert problems(fig, tight=True) == []          # the drawing sizes each box to its labels
    label = next(t for t in fig.axes[0].texts if t.get_text() == "inventory")
    label.set_text("a-service-name-far-too-long")   # planted: a name longer than the box drawn for it
    found = problems(fig, tight=True)
    assert any("out of its box" in p and "'a-service-name-far-too-long'" in p for p in found), found


def test_a_text_running_into_the_next_axes_fails():
    fig = Figure(figsize=(6, 3))           # constrained layout would make room for it
    left, right = fig.subplots(1, 2)
    left.text(1.02, 0.5, "a long note beside the left plot", transform=left.transAxes, fontsize=9)
    found = problems(fig)
    assert any("into another axes" in p and "'a long note beside the left plot'" in p for p in found), found


def test_a_label_struck_through_by_a_curve_fails_and_one_resting_on_a_line_passes():
    fig, ax = _one_axes()
    ax.plot([0, 1], [0, 1], label="RR")
    ax.text(0.5, 0.5, "refused in 0 ms", ha="center", va="center", fontsize=8)
    found = problems(fig)
    assert any("struck through" in p and "'refused in 0 ms'" in p and "'RR'" in p for p in found), found

    fig, ax = _one_axes()
    ax.axhline(0.5)
    ax.text(0.1, 0.5, "capacity 100/s", va="bottom", fontsize=8)
    ax.grid(True)                                  # grid lines are not data
    ax.text(0.5, 0.2, "on the grid", ha="center", va="center", fontsize=8)
    assert problems(fig) == []


def test_a_legend_lying_on_a_curve_fails_and_one_beside_it_passes():
    fig, ax = _one_axes()
    ax.plot([0, 1], [0.9, 0.9], label="RR")
    ax.plot([0, 1], [0.1, 0.3], label="ED")
    ax.legend(loc="upper right", fontsize=8, frameon=False)
    found = problems(fig)
    assert any("legend on data" in p and "'RR'" in p for p in found), found
    ax.get_legend().remove()
    ax.legend(loc="center", fontsize=8, frameon=False)
    assert problems(fig) == []


def test_empty_invisible_and_unshown_texts_are_ignored():
    fig, ax = _one_axes()
    ax.text(0.5, 0.5, "shown", fontsize=10)
    ax.text(0.5, 0.5, "", fontsize=10)
    ax.text(0.5, 0.5, "   ", fontsize=10)
    ax.text(0.5, 0.5, "hidden", fontsize=10, visible=False)
    ax.text(0.5, 0.5, "tiny but hidden", fontsize=2, visible=False)
    ax.set_xticks([0, 0.5, 1, 5, 5.01])
    ax.set_xlim(0, 1)                          # ticks beyond the view are not drawn
    assert problems(fig) == []


def test_the_figure_is_left_as_it_was():
    fig = _clean_figure()
    canvas, dpi = fig.canvas, fig.dpi
    problems(fig, dpi=37)
    assert fig.canvas is canvas and fig.dpi == dpi


@pytest.mark.parametrize("kwargs, error", [({"fig": "not a figure"}, TypeError),
                                           ({"fig": Figure(), "dpi": 0}, ValueError),
                                           ({"fig": Figure(), "display_width": -5}, ValueError)])
def test_bad_input_is_refused_by_name(kwargs, error):
    fig = kwargs.pop("fig")
    with pytest.raises(error, match="fig|dpi|display_width"):
        problems(fig, **kwargs)
