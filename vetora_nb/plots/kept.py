"""Keep a figure's axes, draw what is on them again: a redraw in place for any figure.

A fresh Figure costs more than what it shows: its axes are built, and on
the first render every tick and its label is created and measured. A
slider move usually needs the same axes with other data on them. So a
:class:`KeptFigure` builds its axes once (``layout``) and draws on them
with ``content``; a new run removes what ``content`` drew — lines, bars,
texts, legends, containers — puts the axes back to how a fresh axes
starts (autoscaling on, no data limits, the colour cycle at its start)
and runs ``content`` again. A fresh figure is ``layout`` then ``content``
too, so there is one drawing code for both paths, and the redrawn
picture is the fresh one.

What ``content`` may change on an axes and that a redraw does not put
back — a tick locator of its own, a log scale, spines recoloured —
must be set by every ``content`` call the same way, or be part of the
``key``: the layout is reused only for runs with the same key (the same
number of axes, the same rows of a waterfall, ...); otherwise
:meth:`KeptFigure.update` says ``False`` and the panel draws a fresh figure.
The panels' tests compare the two pictures byte for byte.
"""

from __future__ import annotations

from matplotlib.transforms import Bbox

from .drawing import Drawing

__all__ = ["KeptFigure", "wipe"]


def wipe(ax) -> None:
    """Remove everything drawn on ``ax`` and give it a fresh axes' scaling state.

    Kept: the axes themselves, their spines, axis labels, titles and tick
    objects (those are set again by whoever draws next)."""
    for container in list(ax.containers):
        container.remove()
    for artist in list(ax._children):
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.set_prop_cycle(None)                   # the colour cycle from its start
    ax.dataLim.set(Bbox.null())
    ax.ignore_existing_data_limits = True
    for name in ("x", "y"):
        axis = ax.xaxis if name == "x" else ax.yaxis
        if axis.get_scale() == "linear":      # a fresh axes' view; a log axis keeps its own, set by content
            getattr(ax, f"set_{name}lim")(0, 1)
        getattr(ax, f"set_autoscale{name}_on")(True)


class KeptFigure(Drawing):
    """A :class:`~.drawing.Drawing` whose axes are kept and whose content is
    drawn on them again at every update.

    Where a :class:`~.drawing.Drawing` subclass moves its artists (new data
    on the same lines), this one removes them all and runs the drawing code
    once more: the way for figures whose artists change with every run (bars,
    texts, collections), at the cost of drawing them, but not of building
    the figure, its axes and their ticks.

    ``layout(key) -> (figure, axes)`` builds the figure and its empty
    axes; ``content(axes, *args)`` draws ``args`` on them; ``key(*args)``
    is what the layout depends on. ``KeptFigure(layout, content, key,
    *args)`` is the fresh picture; :meth:`update` (``*args``) redraws it
    in place when the key is unchanged.
    """

    def __init__(self, layout, content, key, *args):
        self._layout, self._content, self._keyof = layout, content, key
        self.key = key(*args)
        figure, self.axes = layout(self.key)
        super().__init__(figure)
        content(self.axes, *args)

    def update(self, *args) -> bool:
        """Draw ``args`` on the same axes; ``False`` (nothing touched) if they need another layout."""
        if self._keyof(*args) != self.key:
            return False
        for ax in self.axes:
            wipe(ax)
        self._content(self.axes, *args)
        return True
