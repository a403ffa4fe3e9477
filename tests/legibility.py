"""Can a reader read this figure? Problems with its texts, at the size it is shown.

A helper module for the tests (not collected itself). :func:`problems`
draws a matplotlib ``Figure`` once, at the resolution it is shown at, notes
every text that was actually drawn (tick labels, axis labels, titles,
suptitles, legend entries, annotations, ``ax.text``) and measures where each
one landed. It reports, in words that name the texts:

- **overlap**: two texts on top of each other, or a text on a legend it does
  not belong to (a caption over a legend hides an entry);
- **out of bounds**: a text cut off by the edge of the picture, a label
  anchored inside an axes that runs out of it, a text or a legend that runs
  into the plot area of another axes;
- **out of its box**: a label anchored inside a box (a ``FancyBboxPatch``,
  as in :func:`vetora_nb.plots.architecture`) that spills out of it;
- **struck through**: a label in the plot area with a data line running
  across it, and a legend lying on a data line;
- **too small**: a font size under ``min_px`` pixels at display size
  (points × dpi / 72, times the shrink below). A picture
  wider than the space it is shown in is shrunk to fit (JupyterLab shows
  images at ``max-width: 100%``), and its texts with it: pass
  ``display_width`` to account for that.

Sizes are measured with the renderer's window extents, after the layout
engine ran, exactly as ``savefig`` lays the figure out. Empty, blank and
invisible texts are ignored, and so are ticks outside the view (they are
not drawn). ``tolerance`` pixels of contact are allowed everywhere.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: Padding ``savefig(bbox_inches="tight")`` leaves around the picture, in
#: inches (``vetora_nb.plots.figure_png`` uses this value).
TIGHT_PAD_INCHES = 0.08

_PATCH_LOCK = threading.Lock()


@dataclass
class _Drawn:
    """What one draw of the figure put on the canvas."""
    renderer: object
    texts: list = field(default_factory=list)
    legends: list = field(default_factory=list)
    boxes: list = field(default_factory=list)
    lines: list = field(default_factory=list)


@dataclass
class _Item:
    """One drawn text, measured."""
    text: Text
    bbox: Bbox                  # window extent, canvas pixels
    owner: Axes | None          # the axes it belongs to, None for the figure's own
    legend: Legend | None       # the legend it is an entry (or title) of
    in_axes_texts: bool         # added by ax.text / ax.annotate
    anchor: tuple               # its anchor point, canvas pixels

    @property
    def name(self) -> str:
        return _quote(self.text.get_text())


def problems(fig: Figure, *, dpi: float = 100, tight: bool = False, display_width: float | None = None,
             min_px: float = 8.0, tolerance: float = 2.0, lines: bool = True) -> list[str]:
    """Every legibility problem of ``fig`` as shown, one sentence each; ``[]`` if none.

    ``dpi`` is the resolution of the PNG that is shown (a panel's
    ``widgets.Panel.dpi``; 100 for a figure IPython shows), ``tight`` whether
    it is saved with ``bbox_inches="tight"`` (which grows the picture to hold
    every text, so only what still falls outside is cut). ``display_width``
    is the width in CSS pixels of the place the picture is shown in; a wider
    picture is shrunk to it. ``min_px`` is the smallest font size in pixels
    at display size; ``tolerance`` the pixels two things may touch by.
    ``lines=False`` leaves out the checks for labels and legends on data lines.

    The figure is drawn on a private Agg canvas and left as it was.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not dpi > 0:
        raise ValueError(f"dpi must be positive, got {dpi!r}")
    if display_width is not None and not display_width > 0:
        raise ValueError(f"display_width must be positive or None, got {display_width!r}")

    old_canvas, old_dpi = fig.canvas, fig.dpi
    try:
        canvas = FigureCanvasAgg(fig)
        fig.dpi = dpi
        drawn = _draw(fig, canvas)
        return _check(fig, drawn, dpi=dpi, tight=tight, display_width=display_width, min_px=min_px,
                      tolerance=tolerance, lines=lines)
    finally:
        fig.dpi = old_dpi
        fig.set_canvas(old_canvas)


# -- drawing and noting what was drawn -----------------------------------------

def _draw(fig: Figure, canvas: FigureCanvasAgg) -> _Drawn:
    """Draw ``fig`` once and note the texts, legends, boxes and lines that were drawn.

    Draw methods are wrapped for the length of one draw; the wrappers only
    take note for this canvas's renderer (another thread drawing another
    figure meanwhile is left alone).
    """
    renderer = canvas.get_renderer()
    drawn = _Drawn(renderer)
    originals = {cls: cls.draw for cls in (Text, Legend, FancyBboxPatch, Line2D)}

    def noting(cls, keep):
        original = originals[cls]

        @functools.wraps(original)           # keeps what matplotlib's decorators put on it
        def draw(self, r, *args, **kwargs):
            result = original(self, r, *args, **kwargs)
            if r is renderer and keep(self):
                getattr(drawn, _SLOT[cls]).append(self)
            return result
        return draw

    with _PATCH_LOCK:
        Text.draw = noting(Text, _text_was_drawn)
        Legend.draw = noting(Legend, lambda a: a.get_visible())
        FancyBboxPatch.draw = noting(FancyBboxPatch, lambda a: a.get_visible())
        Line2D.draw = noting(Line2D, lambda a: a.get_visible())
        try:
            canvas.draw()
        finally:
            for cls, original in originals.items():
                cls.draw = original
    return drawn


_SLOT = {Text: "texts", Legend: "legends", FancyBboxPatch: "boxes", Line2D: "lines"}


def _text_was_drawn(t: Text) -> bool:
    """The tests ``Text.draw`` makes before it puts anything on the canvas."""
    if not t.get_visible() or not t.get_text().strip():
        return False
    return all(np.isfinite(_anchor(t)))


def _anchor(t: Text) -> tuple:
    x, y = t.get_unitless_position()
    return tuple(t.get_transform().transform((float(x), float(y))))


def _extent(t: Text, renderer) -> Bbox:
    """The text's own extent as drawn (an annotation's arrow left out; a
    wrapped text measured wrapped, as it is drawn)."""
    if t.get_wrap():
        with t._cm_set(text=t._get_wrapped_text()):
            return Text.get_window_extent(t, renderer)
    return Text.get_window_extent(t, renderer)


# -- measuring -------------------------------------------------------------------

def _check(fig, drawn, *, dpi, tight, display_width, min_px, tolerance, lines) -> list[str]:
    renderer = drawn.renderer
    owners = _owners(fig)
    legend_of = {id(t): leg for leg in drawn.legends for t in [*leg.texts, leg.get_title()]}
    axes_texts = {id(t) for ax in fig.get_axes() for t in ax.texts}
    items, seen = [], set()
    for t in drawn.texts:
        if id(t) in seen:
            continue
        seen.add(id(t))
        items.append(_Item(t, _extent(t, renderer), owners.get(id(t)), legend_of.get(id(t)),
                           id(t) in axes_texts, _anchor(t)))

    frame = _frame(fig, renderer, dpi, tight)
    scale = 1.0 if display_width is None else min(1.0, display_width / frame.width)
    tol = tolerance / scale                   # display pixels -> canvas pixels
    where = _Namer(fig)

    found = []
    found += _too_small(items, dpi, scale, min_px)
    found += _outside_picture(items, frame, tol, where, tight)
    found += _overlaps(items, tol, scale, where)
    found += _on_foreign_legends(items, drawn.legends, tol, where, renderer, owners)
    found += _outside_own_axes(items, tol, where, dpi)
    found += _into_other_axes(items, drawn.legends, fig, owners, tol, where, renderer)
    found += _out_of_boxes(items, drawn.boxes, owners, 0.5 / scale, where, renderer)   # a box holds its label whole
    if lines:
        # Data lines are the axes' own (plot, axhline ...): not grid lines, ticks or a legend's samples.
        plotted = {id(line) for ax in fig.get_axes() for line in ax.lines}
        data = [line for line in drawn.lines if id(line) in plotted]
        found += _struck_through(items, data, owners, tol, where)
        found += _legends_on_lines(drawn.legends, data, owners, tol, where, renderer)
    return found


def _owners(fig) -> dict:
    """id(text or legend) -> the axes it belongs to (texts of the figure itself are absent)."""
    owners = {}
    for ax in fig.get_axes():
        for artist in ax.findobj(lambda a: isinstance(a, (Text, Legend)), include_self=False):
            owners.setdefault(id(artist), ax)
    return owners


def _frame(fig, renderer, dpi, tight) -> Bbox:
    """The part of the canvas that ends up in the PNG, in canvas pixels."""
    if not tight:
        return fig.bbox
    inches = fig.get_tightbbox(renderer).padded(TIGHT_PAD_INCHES)
    return Bbox(inches.get_points() * dpi)


class _Namer:
    """Words for where a thing is: the axes by its title, or the figure."""

    def __init__(self, fig):
        self.index = {id(ax): k for k, ax in enumerate(fig.get_axes(), start=1)}

    def __call__(self, ax) -> str:
        if ax is None:
            return "the figure"
        title = next((ax.get_title(loc) for loc in ("center", "left", "right") if ax.get_title(loc).strip()), "")
        label = title or ax.get_ylabel() or ax.get_xlabel()
        k = self.index.get(id(ax), "?")
        return f"axes {k} ({_quote(label)})" if label.strip() else f"axes {k}"


def _quote(text: str, limit: int = 48) -> str:
    text = " / ".join(part.strip() for part in text.strip().splitlines() if part.strip())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)


def _listing(names, limit: int = 8) -> str:
    names = list(dict.fromkeys(names))
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _too_small(items, dpi, scale, min_px) -> list[str]:
    by_size: dict[float, list] = {}
    for it in items:
        px = it.text.get_fontsize() * dpi / 72 * scale
        if px < min_px - 1e-9:
            by_size.setdefault(round(px, 1), []).append(it)
    out = []
    for px, group in sorted(by_size.items()):
        pt = group[0].text.get_fontsize()
        shrunk = f", the picture shrunk to {scale:.0%}" if scale < 1 else ""
        out.append(f"too small: {_listing(it.name for it in group)} at {px:g} px "
                   f"({pt:g} pt at {dpi:g} dpi{shrunk}); at least {min_px:g} px")
    return out


def _overhang(inner: Bbox, outer: Bbox) -> dict:
    """How far ``inner`` reaches out of ``outer`` on each side, in pixels (positive only)."""
    sides = {"left": outer.x0 - inner.x0, "right": inner.x1 - outer.x1,
             "bottom": outer.y0 - inner.y0, "top": inner.y1 - outer.y1}
    return {side: d for side, d in sides.items() if d > 0}


def _overhang_words(over: dict, tol: float, scale: float = 1.0) -> str:
    return ", ".join(f"{d * scale:.0f} px on the {side}" for side, d in over.items() if d > tol)


def _outside_picture(items, frame, tol, where, tight) -> list[str]:
    out = []
    edge = "the picture" if tight else "the figure"
    for it in items:
        words = _overhang_words(_overhang(it.bbox, frame), tol)
        if words:
            out.append(f"outside {edge}: {it.name} in {where(it.owner)} is cut off ({words})")
    return out


def _overlap(a: Bbox, b: Bbox) -> tuple[float, float]:
    return min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)


def _overlaps(items, tol, scale, where) -> list[str]:
    if len(items) < 2:
        return []
    boxes = np.array([[it.bbox.x0, it.bbox.y0, it.bbox.x1, it.bbox.y1] for it in items])
    w = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0], boxes[None, :, 0])
    h = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1], boxes[None, :, 1])
    hit = (w > tol) & (h > tol)
    out = []
    for i, j in zip(*np.nonzero(np.triu(hit, k=1))):
        a, b = items[i], items[j]
        place = where(a.owner) if a.owner is b.owner else f"{where(a.owner)} and {where(b.owner)}"
        out.append(f"overlap: {a.name} and {b.name} in {place} "
                   f"({w[i, j] * scale:.0f}×{h[i, j] * scale:.0f} px)")
    return out


def _legend_name(leg: Legend) -> str:
    entries = [t.get_text() for t in leg.texts if t.get_text().strip()]
    return "the legend (" + _listing([_quote(e, 24) for e in entries], limit=4) + ")"


def _on_foreign_legends(items, legends, tol, where, renderer, owners) -> list[str]:
    out = []
    boxes = [(leg, leg.get_window_extent(renderer)) for leg in legends]
    for it in items:
        for leg, box in boxes:
            if it.legend is leg:
                continue
            w, h = _overlap(it.bbox, box)
            if w > tol and h > tol:
                out.append(f"on a legend: {it.name} in {where(it.owner)} lies on {_legend_name(leg)} "
                           f"of {where(owners.get(id(leg)))}")
    for k, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[k + 1:]:
            w, h = _overlap(box_a, box_b)
            if w > tol and h > tol:
                out.append(f"overlap: {_legend_name(a)} and {_legend_name(b)} lie on each other")
    return out


def _inside(point, box: Bbox, margin: float) -> bool:
    """Whether ``point`` lies in ``box`` and more than ``margin`` pixels from its edges."""
    x, y = point
    return box.x0 + margin < x < box.x1 - margin and box.y0 + margin < y < box.y1 - margin


def _outside_own_axes(items, tol, where, dpi) -> list[str]:
    """A label anchored in its axes' plot area stays in it.

    A label anchored on an edge (``p99`` at x = 1 in axes coordinates, a
    caption hung from the top at y = 1) is placed there on purpose: it may
    go past that edge, but not past the two edges across (a caption hung
    from the top still may not run out on the right)."""
    out = []
    for it in items:
        if not it.in_axes_texts or it.owner is None:
            continue
        area = it.owner.bbox
        if not _inside(it.anchor, area, -tol):
            continue             # placed outside on purpose: only bounds and overlaps apply
        x, y = it.anchor
        over = _overhang(it.bbox, area)
        if not area.x0 + tol < x < area.x1 - tol:
            over.pop("left", None), over.pop("right", None)
        if not area.y0 + tol < y < area.y1 - tol:
            over.pop("bottom", None), over.pop("top", None)
        # A text's extent holds its font's leading above the capitals: up to a
        # third of the font size past the edge is leading, not ink.
        leading = it.text.get_fontsize() * dpi / 72 / 3
        words = _overhang_words(over, max(tol, leading))
        if words:
            out.append(f"outside its axes: {it.name} runs out of {where(it.owner)} ({words})")
    return out


def _twins(a: Axes, b: Axes) -> bool:
    """Axes drawn over the same area (twinx/twiny, or placed on the same spot)."""
    if a is b:
        return True
    if b in a._twinned_axes.get_siblings(a):
        return True
    return np.allclose(a.bbox.get_points(), b.bbox.get_points(), atol=0.5)


def _into_other_axes(items, legends, fig, owners, tol, where, renderer) -> list[str]:
    """No text or legend runs into the plot area of an axes it does not belong to."""
    areas = [ax for ax in fig.get_axes() if ax.get_visible() and ax.axison and ax.bbox.width > 0]
    out = []
    things = [(it.name, it.bbox, it.owner, it.legend) for it in items]
    things += [(_legend_name(leg), leg.get_window_extent(renderer), owners.get(id(leg)), None) for leg in legends]
    for name, box, owner, legend in things:
        if legend is not None:
            continue            # judged with its legend
        for ax in areas:
            if owner is not None and _twins(owner, ax):
                continue
            w, h = _overlap(box, ax.bbox)
            if w > tol and h > tol:
                out.append(f"into another axes: {name} of {where(owner)} runs into the plot area of {where(ax)}")
    return out


def _out_of_boxes(items, boxes, owners, tol, where, renderer) -> list[str]:
    """A label anchored inside a box stays inside it (the smallest box holding its anchor).

    Only rounding is tolerated here: the border is drawn on the box's edge,
    so a label reaching the edge already touches it."""
    out = []
    own = {id(p) for ax in {id(b.axes): b.axes for b in boxes if b.axes is not None}.values() for p in ax.patches}
    placed = [(b, b.get_window_extent(renderer)) for b in boxes if id(b) in own]
    for it in items:
        if not it.in_axes_texts:
            continue
        holding = [(extent.width * extent.height, extent) for b, extent in placed
                   if b.axes is it.owner and _inside(it.anchor, extent, 0)]
        if not holding:
            continue
        _, extent = min(holding, key=lambda pair: pair[0])
        words = _overhang_words(_overhang(it.bbox, extent), tol)
        if words:
            out.append(f"out of its box: {it.name} in {where(it.owner)} spills out of its box ({words})")
    return out


def _struck_through(items, lines, owners, tol, where) -> list[str]:
    """A label in the plot area with a data line crossing it (a line only
    touching its edge, as a label set on a line does, is fine)."""
    out = []
    for it in items:
        if not it.in_axes_texts or it.owner is None:
            continue
        crossing = _crossing_lines(it.bbox, [line for line in lines if line.axes is it.owner], tol)
        if crossing:
            out.append(f"struck through: {it.name} in {where(it.owner)} is crossed by {_listing(crossing)}")
    return out


def _crossing_lines(box: Bbox, lines, tol: float) -> list[str]:
    """The names of the drawn ``lines`` that pass through ``box`` (shrunk by ``tol``)."""
    names = []
    for line in lines:
        if line.get_linestyle() in ("None", "", " ") or line.get_linewidth() <= 0:
            continue
        area = box
        if line.get_clip_on() and line.axes is not None:
            area = Bbox.intersection(box, line.axes.bbox)
            if area is None:
                continue
        area = Bbox.from_extents(area.x0 + tol, area.y0 + tol, area.x1 - tol, area.y1 - tol)
        if area.width <= 0 or area.height <= 0:
            continue
        if _path_crosses(_line_pixels(line), area):
            label = line.get_label()
            names.append(_quote(label, 24) if label and not label.startswith("_") else "a line")
    return names


def _legends_on_lines(legends, lines, owners, tol, where, renderer) -> list[str]:
    """A legend lying on the data it explains hides part of it."""
    out = []
    for leg in legends:
        crossing = _crossing_lines(leg.get_window_extent(renderer), lines, tol)
        if crossing:
            out.append(f"legend on data: {_legend_name(leg)} of {where(owners.get(id(leg)))} lies on "
                       f"{_listing(crossing)}")
    return out


def _line_pixels(line: Line2D) -> np.ndarray:
    """The line as drawn (steps included), in canvas pixels."""
    try:
        path, affine = line._get_transformed_path().get_transformed_path_and_affine()
        return affine.transform(path.vertices)
    except AttributeError:   # pragma: no cover - a matplotlib without the private helper
        return line.get_transform().transform(line.get_xydata())


def _path_crosses(xy: np.ndarray, box: Bbox) -> bool:
    """Whether the polyline ``xy`` (N x 2, NaN breaks it) passes through ``box``."""
    if len(xy) < 2:
        return False
    p, q = xy[:-1], xy[1:]
    ok = np.isfinite(p).all(axis=1) & np.isfinite(q).all(axis=1)
    p, q = p[ok], q[ok]
    if not len(p):
        return False
    # Liang-Barsky: clip each segment against the box, vectorised.
    d = q - p
    t0 = np.zeros(len(p))
    t1 = np.ones(len(p))
    inside = np.ones(len(p), dtype=bool)
    for axis, lo, hi in ((0, box.x0, box.x1), (1, box.y0, box.y1)):
        for sign, bound in ((-1, lo), (1, hi)):
            num = sign * (bound - p[:, axis])      # distance to the bound, along the inward normal
            den = sign * d[:, axis]
            parallel = den == 0
            inside &= ~(parallel & (num < 0))
            with np.errstate(divide="ignore", invalid="ignore"):
                t = num / den
            entering = den < 0
            leaving = den > 0
            t0 = np.where(entering, np.maximum(t0, t), t0)
            t1 = np.where(leaving, np.minimum(t1, t), t1)
    return bool(np.any(inside & (t0 <= t1)))

