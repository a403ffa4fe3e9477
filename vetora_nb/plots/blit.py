"""Render a figure's still parts once: a cached background under the artists that move.

Most of the time it takes to render a panel's figure goes to text: tick
labels, axis labels, legends. Between two slider moves the lines change but
the axes often do not — same limits, same ticks, same fault bands — so
those pixels would come out the same. :class:`Background` keeps them.

matplotlib draws each axes in order of ``zorder``: the background patch,
fault bands and guides (0), the axis with its grid, ticks and tick labels
(0.5, the package's axes put it below the data), then the data (lines at
2), the frame (2.5), texts and titles (3) and the legend (5). Everything
below :data:`Background.ZORDER` is the *background*: rendered once and
copied back while it stays valid; everything at or above it is drawn on
top of it again at every render, in the order the axes would draw it.
The background is valid as long as its *key* is unchanged: the dpi, the
figure's size, and for every axes its limits and what its background
artists are (where each band and guide lies). A changed key renders
everything afresh — the cost of an ordinary render, no more.

Artists above the data that lie outside the data area and seldom change
(titles, a legend beside the axes) can join the background (``still``):
a line is clipped to its axes, so nothing that moves is drawn over them.

The picture is the one a full render gives, pixel for pixel, as long as
the axes' moving layers do not overlap another axes' background (a
legend hanging over the next panel's tick labels would be drawn before
them in a full render, after them here); the panels that use it are laid
out with fixed margins that keep them apart, and their tests compare the
two pictures.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imsave
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

__all__ = ["Background"]


class Background:
    """PNGs of ``figure`` that reuse its background while it is unchanged.

    ``png(dpi)`` gives what :func:`~vetora_nb.plots.figure_png` gives at
    that dpi. ``hits`` and ``misses`` count the renders that reused the
    background and those that rendered it anew.
    """

    #: Artists at or above this zorder move: they are drawn at every render.
    ZORDER = 2.0

    def __init__(self, figure, still=()):
        self.figure = figure
        #: Artists drawn above the data that lie outside every axes' data area
        #: (a title, a legend beside the axes) and seldom change: they are
        #: rendered with the background, and their content is part of its key.
        self.still = list(still)
        self.canvas = FigureCanvasAgg(figure)
        self._key = None
        self._saved = None
        self.hits = self.misses = 0

    def _moving(self) -> list:
        """Per axes, the artists drawn on top of the background, in the axes' drawing order."""
        out = []
        still = {id(a) for a in self.still}
        for ax in self.figure.axes:
            if not ax.get_visible():
                out.append([])
                continue
            # As Axes.draw does: an axes without its axis (a text panel) draws no frame.
            frameless = () if (ax.axison and ax._frameon) else ax.spines.values()
            skip = {id(ax.patch)} | {id(s) for s in frameless}
            children = [a for a in ax.get_children() if id(a) not in skip and a.get_visible()]
            out.append(sorted((a for a in children if a.get_zorder() >= self.ZORDER and id(a) not in still),
                              key=lambda a: a.get_zorder()))
        return out

    def key(self, dpi: float) -> tuple:
        """What the background's pixels depend on."""
        parts = [float(dpi), tuple(self.figure.get_size_inches())]
        for ax in self.figure.axes:
            still = [a for a in ax.get_children()
                     if a is not ax.patch and a.get_zorder() < self.ZORDER and not isinstance(a, Axis)]
            parts.append((ax.get_xlim(), ax.get_ylim(), ax.get_visible(), tuple(_signature(a) for a in still)))
        parts.append(tuple(_signature(a) for a in self.still))
        return tuple(parts)

    def png(self, dpi: float) -> bytes:
        """The figure at ``dpi`` as PNG bytes, its background reused if still valid."""
        fig = self.figure
        if fig.dpi != dpi:
            fig.set_dpi(dpi)
        key = self.key(dpi)
        moving = self._moving()
        if key != self._key or self._saved is None:
            flat = [a for layer in moving for a in layer]
            for a in flat:
                a.set_animated(True)      # left out of the full render below
            try:
                self.canvas.draw()
            finally:
                for a in flat:
                    a.set_animated(False)
            self._saved = self.canvas.copy_from_bbox(fig.bbox)
            self._key = key
            self.misses += 1
        else:
            self.canvas.restore_region(self._saved)
            self.hits += 1
        renderer = self.canvas.get_renderer()
        for layer in moving:
            for a in layer:
                a.draw(renderer)
        buf = io.BytesIO()
        imsave(buf, np.asarray(self.canvas.buffer_rgba()), format="png", origin="upper", dpi=dpi,
               pil_kwargs={"compress_level": 1})
        return buf.getvalue()


def _signature(artist) -> tuple:
    """Where a background artist lies and how it looks, hashable. An artist
    of a kind not known here is keyed on its identity: a new one is a new
    background."""
    if isinstance(artist, Line2D):
        return ("line", np.asarray(artist.get_xydata(), float).tobytes(), str(artist.get_color()),
                artist.get_linestyle(), artist.get_linewidth())
    if isinstance(artist, Patch):
        corners = artist.get_patch_transform().transform(artist.get_path().vertices)
        return ("patch", np.asarray(corners, float).tobytes(), tuple(artist.get_facecolor()),
                tuple(artist.get_edgecolor()))
    if isinstance(artist, Text):
        # Where it lands on the canvas, offsets included (a title lifted by its pad, a caption on a row).
        where = tuple(artist.get_transform().transform(artist.get_position()))
        return ("text", artist.get_text(), where, str(artist.get_color()), artist.get_visible())
    if isinstance(artist, Legend):
        return ("legend", tuple(t.get_text() for t in artist.get_texts()), artist.get_visible())
    return ("artist", id(artist))
