"""Figures without pyplot, laid out in inches, rendered to PNG; the shared axes habits."""

from __future__ import annotations

import io
import sys
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure, FigureBase

from .style import FAULT_COLOR, INK, NEUTRAL_COLOR

def figure_png(fig: Figure, dpi: float = 100, tight: bool = False) -> bytes:
    """The figure as PNG bytes (what a notebook shows). ``tight`` trims the
    white margins, at the cost of measuring the figure once more."""
    buf = io.BytesIO()
    # Light compression: a panel redraws on every slider move, and zlib's
    # default level costs several times more than it saves on a local link.
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", bbox_inches="tight" if tight else None,
                pad_inches=0.08, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _register_ipython_png() -> None:
    """Let IPython show a bare ``Figure`` as a PNG.

    pyplot's inline backend does this when pyplot is imported; this package
    never imports pyplot, so without this a figure would print as
    ``<Figure size 640x480 with 1 Axes>``.
    """
    if "IPython" not in sys.modules:
        return
    try:
        ip = sys.modules["IPython"].get_ipython()
    except Exception:   # pragma: no cover - an IPython too old or half-imported
        return
    if ip is None:
        return
    formatter = ip.display_formatter.formatters.get("image/png")
    if formatter is not None:
        formatter.for_type(Figure, lambda fig: figure_png(fig, tight=True))


_register_ipython_png()


#: The steps of a "nice" axis limit within a decade.
NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_above(value: float, steps=NICE_STEPS) -> float:
    """The smallest ``step × 10^k`` at or above ``value`` (> 0).

    Axis limits rounded out this way stay put while the data moves a
    little, so a redrawn panel keeps its ticks (and their rendering).

    >>> nice_above(237.0), nice_above(0.031), nice_above(1.0)
    (300.0, 0.04, 1.0)
    """
    if not value > 0:
        raise ValueError(f"value must be > 0, got {value!r}")
    exp = np.floor(np.log10(value))
    for step in steps:
        limit = float(step * 10.0 ** exp)
        if limit >= value * (1 - 1e-12):
            return float(f"{limit:.12g}")
    return float(f"{10.0 ** (exp + 1):.12g}")


def nice_below(value: float, steps=NICE_STEPS) -> float:
    """The largest ``step × 10^k`` at or below ``value`` (> 0).

    >>> nice_below(237.0), nice_below(0.031)
    (200.0, 0.03)
    """
    if not value > 0:
        raise ValueError(f"value must be > 0, got {value!r}")
    exp = np.floor(np.log10(value))
    for step in reversed(steps):
        limit = float(step * 10.0 ** exp)
        if limit <= value * (1 + 1e-12):
            return float(f"{limit:.12g}")
    return float(f"{10.0 ** (exp - 1):.12g}")


def _axes_for(ax, n: int, *, figsize, sharex=False, sharey=False, vertical=True, **grid):
    """Either the axes the caller passed (checked) or a new figure's axes."""
    if isinstance(ax, FigureBase):        # a (sub)figure to lay the panels out in
        axes = ax.subplots(*((n, 1) if vertical else (1, n)), sharex=sharex, sharey=sharey,
                           squeeze=False, **grid)
        return ax, list(axes.ravel())
    if ax is not None:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        axes = list(np.ravel(axes))
        if len(axes) != n:
            raise ValueError(f"ax: this plot needs {n} axes, got {len(axes)}")
        return axes[0].figure, axes
    fig = Figure(figsize=figsize, layout="constrained")
    rows, cols = (n, 1) if vertical else (1, n)
    axes = fig.subplots(rows, cols, sharex=sharex, sharey=sharey, squeeze=False, **grid)
    return fig, list(axes.ravel())


def _runs(results) -> dict:
    """``{name: Result}`` from a Result, a list of them or a mapping."""
    from ..results import Result

    if isinstance(results, Result):
        return {results.architecture.name: results}
    if isinstance(results, Mapping):
        runs = dict(results)
    elif isinstance(results, Sequence) and not isinstance(results, str):
        runs = {}
        for r in results:
            if not isinstance(r, Result):
                raise TypeError(f"results must hold vn.Result objects, got {type(r).__name__}")
            name, k = r.architecture.name, 2
            while name in runs:
                name, k = f"{r.architecture.name} ({k})", k + 1
            runs[name] = r
    else:
        raise TypeError(f"results must be a vn.Result, a list of them or a dict name -> Result, got {results!r}")
    for name, r in runs.items():
        if not isinstance(r, Result):
            raise TypeError(f"results[{name!r}] must be a vn.Result, got {type(r).__name__}")
    return runs


def _note(ax, text: str) -> None:
    """An empty panel that says why it is empty."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center",
            fontsize=9, color=NEUTRAL_COLOR, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#dddddd")


def tidy(ax) -> None:
    """The package's axes: no top or right spine, small ticks, a light grid behind the data."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    ax.grid(True, color="#eeeeee", linewidth=0.8)
    ax.set_axisbelow(True)


def panel_title(ax, text: str, size: float = 9) -> None:
    """A left-aligned panel title at a fixed height (no layout pass needed to place it)."""
    ax.set_title(text, fontsize=size, loc="left", color=INK, y=1.0, pad=4)


def figure_and_axes(ax, figsize):
    """``(figure, axes)``: ``ax`` and its figure, or a new figure of ``figsize``
    (laid out by matplotlib) with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def grid_in_inches(fig, rows: int = 1, cols: int = 1, *, left: float, right: float, top: float,
                   bottom: float, **grid):
    """A grid of ``rows`` x ``cols`` on ``fig``, its margins fixed in inches
    from each edge of the figure.

    The picture a layout engine would find for a figure that is always drawn
    the same way, without the measuring pass it costs on every redraw (which
    a slider feels). ``grid`` goes to ``fig.add_gridspec`` (``hspace``,
    ``height_ratios`` ...).
    """
    width, height = fig.get_size_inches()
    return fig.add_gridspec(rows, cols, left=left / width, right=1 - right / width, top=1 - top / height,
                            bottom=bottom / height, **grid)


def stacked_axes(fig, grid) -> list:
    """The axes of a one-column ``grid``, top to bottom, on one shared x axis
    labelled at the bottom only."""
    first = fig.add_subplot(grid[0])
    axes = [first] + [fig.add_subplot(grid[i], sharex=first) for i in range(1, grid.nrows)]
    for a in axes[:-1]:
        a.tick_params(labelbottom=False)
    return axes


def shade_faults(ax, faults, *, until: float | None = None, color: str | None = None) -> None:
    """Shade each fault's window on a time axis: the package's light red band.

    ``faults`` are fault objects (anything with ``start`` and ``end``) or
    ``(start, end)`` pairs; a window that never ends (``end=inf``) is shaded
    up to ``until``. The band sits behind the data and carries no label:
    captions are the figure's business (:func:`vetora_nb.plots.fault_label`).
    """
    axes = ax if isinstance(ax, (list, tuple)) else [ax]
    for f in faults:
        start, end = (f.start, f.end) if hasattr(f, "start") else f
        if until is not None:
            end = min(end, until)
        if end > start:
            for a in axes:
                a.axvspan(start, end, color=color or FAULT_COLOR, alpha=0.09, lw=0, zorder=0)


def captions_above(ax, captions: dict, t_end: float, *, color: str, size: float = 8.0, bold: bool = True) -> int:
    """Name time windows *above* a time axis's plot area, where no curve runs and no legend sits.

    ``captions`` maps ``(start, end)`` to a caption (or to ``(caption,
    colour)``, overriding ``color``). Each starts at its window's start, or
    further left when it would run off the right edge; captions that would
    collide are staggered on further rows.
    The axes' left title is lifted above them. Returns the rows used, so a
    figure with fixed margins can leave room (about 13 pt a row).
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath
    from matplotlib.transforms import blended_transform_factory

    t_end = float(t_end) or 1.0
    blend = blended_transform_factory(ax.transData, ax.transAxes)
    axes_in = _root(ax).get_figwidth() * ax.get_position().width   # a subfigure's axes: the root's inches
    prop, measure = FontProperties(size=size, weight="bold" if bold else "normal"), TextToPath()
    taken: list = []
    for (start, end), text in sorted(captions.items()):
        text, own = text if isinstance(text, tuple) else (text, color)
        end = min(end, t_end)
        width = measure.get_text_width_height_descent(text, prop, ismath=False)[0] / 72 / axes_in * t_end
        left = min(max(start, 0.0), max(0.0, t_end - width))   # from the window's start, but inside the axes
        ha, x = "left", left
        span = (left - 0.01 * t_end, left + width * 1.05)
        row = next((r for r, spans in enumerate(taken) if all(span[1] <= a or b <= span[0] for a, b in spans)),
                   len(taken))
        if row == len(taken):
            taken.append([])
        taken[row].append(span)
        ax.text(x, 1.0, text, transform=blend + _offset(ax, 3 + 13 * row), ha=ha, va="bottom", fontsize=size,
                color=own, fontweight="bold" if bold else "normal", clip_on=False)
    title = ax.get_title(loc="left")
    if title:   # the package's panel titles: 9 pt, ink; set every time, so a redraw with fewer rows lowers it again
        ax.set_title(title, loc="left", pad=4 + 13 * len(taken), fontsize=9, color=INK)
    return len(taken)


def _offset(ax, points: float):
    """A shift of ``points`` upwards, in the figure's own scale."""
    from matplotlib.transforms import ScaledTranslation

    return ScaledTranslation(0, points / 72, _root(ax).dpi_scale_trans)


def _root(thing):
    """The top-level Figure an axes or a subfigure is drawn on."""
    fig = thing if isinstance(thing, FigureBase) else thing.figure
    while getattr(fig, "_parent", None) is not None:
        fig = fig._parent
    return fig
