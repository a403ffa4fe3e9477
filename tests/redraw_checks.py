"""What the redraw tests check: the picture a panel shows is a fresh draw's, pixel for pixel.

A helper module for the tests (not collected itself): tests/test_redraw.py
(notebook 00's comparison panel) and tests/test_redraw_panels.py (the
notebooks' own panels) compare, after each move, the PNG the panel shows —
redrawn in place and rendered over a cached background when it could be —
with the PNG of a fresh draw of the same results, and what the two
figures hold (nothing left behind under the new picture).
"""

from __future__ import annotations

import base64
import io

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from vetora_nb import plots as vp


def pixels_differ(a: bytes, b: bytes) -> str:
    """'' when two PNGs are the same picture, else what differs."""
    if a == b:
        return ""
    x, y = (np.asarray(Image.open(io.BytesIO(png))) for png in (a, b))
    if x.shape != y.shape:
        return f"sizes differ: {x.shape} vs {y.shape}"
    diff = np.any(x != y, axis=-1)
    rows, cols = np.nonzero(diff)
    return f"{diff.sum()} pixels differ, in x {cols.min()}..{cols.max()}, y {rows.min()}..{rows.max()}"


def fresh_figure(panel) -> Figure:
    """A fresh draw of the panel's latest results."""
    drawn = panel.spec.draw(panel.results, panel.params(), panel.analysis)
    return drawn if isinstance(drawn, Figure) else drawn.figure


def holdings(figure) -> tuple:
    """What a figure holds, counted: per axes its artists and the callbacks
    listening to it; the figure's own legends, texts and artists. A redraw
    that left something behind — hidden under what was drawn anew, such as
    an old colour bar under the new one — holds more than a fresh figure."""
    axes = [(len(ax.get_children()), sum(len(c) for c in ax.callbacks.callbacks.values())) for ax in figure.axes]
    return axes, len(figure.legends), len(figure.texts), len(figure.artists)


def shown_png(panel) -> bytes:
    """The PNG the panel shows (what the reader sees)."""
    return base64.b64decode(panel.output.outputs[0]["data"]["image/png"])


def assert_same_picture(panel, what) -> None:
    assert panel.error is None, f"{what}: {panel.error}"
    fresh = fresh_figure(panel)
    problem = pixels_differ(shown_png(panel), vp.figure_png(fresh, dpi=panel.dpi))
    assert not problem, f"{what}: the figure redrawn in place is not a fresh draw's picture: {problem}"
    assert holdings(panel.figure) == holdings(fresh), f"{what}: the figure redrawn in place holds more than a fresh one"
    assert_lines_fit(panel.figure, what)


def assert_lines_fit(figure, what) -> None:
    """Every line's data lies inside its axes' limits (a stale scale would hide some).

    Within a billionth of the axis: a clock rounded up to a tenth of the run
    may end 1e-14 s before a last sample at ``7.5000000000000355``, which no
    pixel shows."""
    for ax in figure.axes:
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        dx, dy = 1e-9 * (x1 - x0), 1e-9 * (y1 - y0)
        x0, x1, y0, y1 = x0 - dx, x1 + dx, y0 - dy, y1 + dy
        for line in ax.get_lines():
            x, y = (np.asarray(v, float) for v in line.get_data())
            if line.get_transform() != ax.transData or not np.isfinite(y).any():
                continue                       # guides in axes coordinates (a percentile, a drain marker)
            assert np.nanmin(x) >= x0 and np.nanmax(x) <= x1, f"{what}: {ax.get_title(loc='left')!r} cuts off x"
            assert np.nanmin(y) >= y0 and np.nanmax(y) <= y1, f"{what}: {ax.get_title(loc='left')!r} cuts off y"

