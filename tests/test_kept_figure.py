"""A kept figure redraws what is drawn on the figure itself and a colour bar, and the picture is a fresh one's.

:class:`vetora_nb.plots.kept.KeptFigure` wipes its axes and draws on them
again; these tests hold the parts outside the axes' own artists: a legend
and a title of the figure's drawn by ``content`` (removed, drawn anew, and
in the cached background's key), a legend drawn by ``layout`` (kept), and
a colour bar on a kept axes (detached, drawn anew, its norm changing from
linear to log and back, nothing piling up on its axes).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from redraw_checks import pixels_differ  # noqa: E402

from vetora_nb.plots import figure_png  # noqa: E402
from vetora_nb.plots.kept import KeptFigure  # noqa: E402

DPI = 60


def _layout(_key):
    fig = Figure(figsize=(4.0, 3.0))
    ax = fig.add_axes([0.12, 0.3, 0.6, 0.6])
    cax = fig.add_axes([0.86, 0.3, 0.05, 0.6])   # its tick labels clear of the other axes (as blit.py asks)
    fig.legend(handles=[Line2D([0], [0], color="k", label="drawn once")], loc="lower right", frameon=False)
    return fig, [ax, cax]


def _content(axes, scale: float, log: bool, labels: tuple) -> None:
    """A heat map, its colour bar on the kept axes, a legend and a title of the figure's."""
    ax, cax = axes
    data = scale * (1 + np.arange(12.0).reshape(3, 4))
    norm = LogNorm(data.min(), data.max()) if log else Normalize(0, data.max())
    img = ax.imshow(data, norm=norm, aspect="auto")
    ax.figure.colorbar(img, cax=cax)
    ax.figure.legend(handles=[Line2D([0], [0], color=f"C{i}", label=t) for i, t in enumerate(labels)],
                     loc="lower left", frameon=False)
    ax.figure.suptitle(f"{len(labels)} entries", x=0.02, ha="left")


def _lines(axes, labels: tuple) -> None:
    """Only a line above the background and a figure legend: a move of the legend alone keeps the axes."""
    ax, _ = axes
    ax.plot([0, 1], [0, 1], color="C0")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.figure.legend(handles=[Line2D([0], [0], label=t) for t in labels], loc="lower left", frameon=False)


def _fresh_png(content, *args) -> bytes:
    return figure_png(KeptFigure(_layout, content, lambda *_: (), *args).figure, dpi=DPI)


def _extend_callbacks(ax) -> int:
    return sum(len(ax.callbacks.callbacks.get(s, {})) for s in ("xlim_changed", "ylim_changed"))


def test_a_colour_bar_and_the_figure_legend_are_drawn_again_as_a_fresh_figure_would():
    states = [(1.0, False, ("a",)), (3.0, True, ("a", "b")), (0.5, True, ("b",)), (2.0, False, ("a", "b", "c"))]
    kept = KeptFigure(_layout, _content, lambda *_: (), *states[0])
    ax, cax = kept.axes
    laid_out = kept.figure.legends[0]
    callbacks = _extend_callbacks(cax)
    for state in states[1:]:
        assert kept.update(*state)
        problem = pixels_differ(kept.png(DPI), _fresh_png(_content, *state))
        assert not problem, f"{state}: {problem}"
        assert kept.figure.axes == [ax, cax], "the axes are the layout's"
        assert len(kept.figure.legends) == 2 and kept.figure.legends[0] is laid_out, "the layout's legend is kept"
        assert [t.get_text() for t in kept.figure.legends[1].get_texts()] == list(state[2])
        assert [t.get_text() for t in kept.figure.texts] == [f"{len(state[2])} entries"]
        # One colour bar's worth of state on the kept axes: no chain of locators, callbacks, solids.
        assert cax._axes_locator._orig_locator is None
        assert _extend_callbacks(cax) == callbacks
        assert len(cax.collections) == 2 and len(ax.images) == 1      # the solids and the dividers; the image
        assert (cax.yaxis.get_scale() == "log") == state[1]


def test_a_figure_legend_that_changes_alone_is_not_left_in_the_cached_background():
    kept = KeptFigure(_layout, _lines, lambda *_: (), ("first",))
    kept.png(DPI)
    assert kept.update(("second",))
    problem = pixels_differ(kept.png(DPI), _fresh_png(_lines, ("second",)))
    assert not problem, problem


def test_content_that_makes_axes_of_its_own_is_refused():
    def own_colorbar_axes(axes):
        ax, _ = axes
        ax.figure.colorbar(ax.imshow(np.eye(2)), ax=ax)

    with pytest.raises(ValueError, match="axes of its own"):
        KeptFigure(_layout, own_colorbar_axes, lambda *_: ())
