"""Figures kept between slider moves: redrawn in place, rendered over a cached background.

A panel redraws its figure after every move. Building a new Figure each
time makes its axes, ticks and legends anew; a :class:`Drawing` keeps them.
A figure class built on it draws everything once in ``__init__`` and then,
in ``update``, gives the same artists new data: the lines of a
:class:`~.timeseries.TimeSeries` or a :class:`~.latency.LatencyCDF`,
new texts in the same captions. What depends on the runs in ways no
``set_data`` can follow (fault bands, captions above a plot, a marker
that may or may not be there) is drawn through :attr:`Drawing.marks`: it
is removed and drawn again, in the same order, at every update. When the
new runs need other artists altogether (another line, another legend
entry, another number of bars), ``update`` returns ``False`` and the
caller draws a fresh figure.

The promise: after an update, the figure is the very picture a fresh one
of the same inputs would be, pixel for pixel. That is why an update removes
the marks *before* it moves the other artists and draws them again *after*:
a fresh figure is built in that order too, and the order in which
translucent bands are drawn shows in their pixels.

:meth:`Drawing.png` renders through :class:`~.blit.Background`: the axes,
ticks, grid, bands and the still texts (titles, legends beside the axes)
are rendered only when they changed. The figures that use it are laid out
with margins fixed in inches, so that what moves never overlaps another
axes' background (the condition under which the two renders agree).
"""

from __future__ import annotations

from .blit import Background
from .layout import figure_png

__all__ = ["Drawing", "Marks"]


class Marks:
    """The artists that each update of a figure removes and draws again.

    ``marks.draw(fn, *args)`` calls ``fn(*args)`` and remembers every
    artist it added to an axes of ``figure`` (found by comparing each
    axes' children before and after); :meth:`clear` removes them all.
    Drawing a mark is therefore the same code as drawing it in a fresh
    figure, never a second copy of it.
    """

    def __init__(self, figure):
        self.figure = figure
        self.artists: list = []

    def draw(self, fn, *args, **kwargs):
        before = {id(ax): {id(c) for c in ax.get_children()} for ax in self.figure.axes}
        out = fn(*args, **kwargs)
        for ax in self.figure.axes:
            known = before.get(id(ax), set())
            self.artists += [c for c in ax.get_children() if id(c) not in known]
        return out

    def clear(self) -> None:
        for artist in self.artists:
            artist.remove()
        self.artists = []


class Drawing:
    """A figure a panel keeps and redraws in place (see the module's docstring).

    Subclasses build :attr:`figure` (fixed margins, no layout engine),
    draw their marks through :attr:`marks` and implement
    ``update(...) -> bool`` taking the same inputs as their constructor.
    :meth:`still` names the artists above the data that lie outside every
    plot area and seldom change; subclasses add theirs.
    """

    figure = None
    #: The :class:`~.timeseries.TimeSeries` of the figure, if it has one: its legends beside the axes are still.
    timeseries = None

    def __init__(self, figure):
        self.figure = figure
        self.marks = Marks(figure)
        self._background: Background | None = None

    def still(self) -> list:
        """Titles above the axes, the time series' legends beside them, and
        the figure's own legends and texts (always drawn with the background:
        named here, their content is in its key)."""
        out = [t for ax in self.figure.axes for t in (ax.title, ax._left_title, ax._right_title)]
        out += [*self.figure.legends, *self.figure.texts]
        if self.timeseries is not None:
            out += [ax.get_legend() for ax in self.timeseries.axes if ax.get_legend() is not None]
        return out

    def png(self, dpi: float) -> bytes:
        """The figure as PNG bytes, what :func:`~.layout.figure_png` gives,
        rendering its background only when it changed (:class:`~.blit.Background`).
        A figure laid out by a layout engine may move its axes at any render,
        which the background cannot see: it is rendered in full."""
        if self.figure.get_layout_engine() is not None:
            return figure_png(self.figure, dpi=dpi)
        if self._background is None:
            self._background = Background(self.figure)
        # Asked anew each time: a mark drawn again is a new artist (its content is in the key).
        self._background.still = self.still()
        return self._background.png(dpi)
