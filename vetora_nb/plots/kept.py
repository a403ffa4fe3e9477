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

Beyond its axes, ``content`` may draw on the figure itself — a legend or
a text of the figure's (``figure.legend``, ``figure.text``, ``suptitle``)
— and put a colorbar on an axes of ``layout``'s (``colorbar(img,
cax=...)``): a redraw removes the figure-level artists ``content`` drew
(those ``layout`` drew stay, for as long as the layout does: entries that
never change with the runs belong there, built once) and detaches the
colorbar from its axes, which are wiped like any other, so that
``content`` draws a new one on them. What ``content`` must not do is make
axes of its own (a colorbar given ``ax=``, a twin axes): the next redraw
would not find them, so :class:`KeptFigure` refuses it.
"""

from __future__ import annotations

from matplotlib.transforms import Bbox

from .drawing import Drawing

__all__ = ["KeptFigure", "wipe", "detach_colorbar"]


def wipe(ax) -> None:
    """Remove everything drawn on ``ax`` and give it a fresh axes' scaling state.

    Kept: the axes themselves, their spines, axis labels, titles and tick
    objects (those are set again by whoever draws next). A colorbar's axes
    lose their colorbar (:func:`detach_colorbar`) before they are wiped."""
    colorbar = getattr(ax, "_colorbar", None)
    if colorbar is not None:
        detach_colorbar(colorbar)             # first: its callbacks would follow the limits set below
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


def detach_colorbar(colorbar) -> None:
    """Undo what a :class:`~matplotlib.colorbar.Colorbar` did to its axes, the axes kept.

    A colorbar takes over the axes it is drawn on: it hides their spines
    for an outline of its own, places them through a locator wrapping the
    one they had, replaces their ``cla`` and ``remove``, and listens to
    their limits (and its image listens to it). ``Colorbar.remove`` undoes
    that by removing the axes too; this undoes it and leaves the axes, so
    a new colorbar drawn on them starts from what a fresh axes would give
    it instead of wrapping the old one's locator and callbacks (a chain
    that would grow with every redraw). What it drew on them (the colour
    solids, the dividers) is left to :func:`wipe`; its scale, ticks and
    label are set again by the next colorbar."""
    ax = colorbar.ax
    for cid in (colorbar._extend_cid1, colorbar._extend_cid2):
        ax.callbacks.disconnect(cid)
    mappable = colorbar.mappable
    if getattr(mappable, "colorbar", None) is colorbar:
        mappable.callbacks.disconnect(mappable.colorbar_cid)
        mappable.colorbar = mappable.colorbar_cid = None
    ax._axes_locator = getattr(ax._axes_locator, "_orig_locator", ax._axes_locator)
    ax._remove_method = colorbar._ax_remove
    for name in (*colorbar._interactive_funcs, "cla"):   # instance attributes over the Axes' methods
        ax.__dict__.pop(name, None)
    del ax._colorbar
    if ax.spines.get("outline") is colorbar.outline:
        del ax.spines["outline"]
    for spine in ax.spines.values():
        spine.set_visible(True)               # a fresh axes' frame; a new colorbar hides it again


def _figure_level(figure) -> list:
    """What is drawn on the figure itself, outside every axes: legends, texts, other artists."""
    return [*figure.legends, *figure.texts, *figure.artists]


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
        self._laid_out = {id(a) for a in _figure_level(figure)}   # the layout's figure legend stays
        content(self.axes, *args)
        extra = [ax for ax in figure.axes if all(ax is not kept for kept in self.axes)]
        if extra:
            raise ValueError(f"content made {len(extra)} axes of its own (a colorbar's ax=, a twin): "
                             "they must come from layout, or a redraw would leave them behind")

    def update(self, *args) -> bool:
        """Draw ``args`` on the same axes; ``False`` (nothing touched) if they need another layout."""
        if self._keyof(*args) != self.key:
            return False
        for ax in self.axes:
            wipe(ax)
        for artist in _figure_level(self.figure):
            if id(artist) not in self._laid_out:
                artist.remove()
        self._content(self.axes, *args)
        return True
