"""Latency distributions: caller and end-to-end CDFs with their percentiles."""

from __future__ import annotations


import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .format import format_ms
from .layout import _axes_for, _note, _runs, nice_above, nice_below, tidy
from .style import INK, _assign_colors, _label

_VIEWS = {
    "caller": ("Caller latency: until the entry service answers",
               "every answered request, failures included"),
    "e2e": ("End-to-end: until every effect is done",
            "successful requests whose effects all finished"),
}


def _ms_tick(value, _pos=None) -> str:
    """A tick on a log axis in milliseconds, written for people."""
    if value >= 1000:
        return f"{value / 1000:g} s"
    return f"{value:g} ms"


_PCT_STYLES = (":", "--", "-")
#: Steps of the CDFs' x limits within a decade.
_LOG_STEPS = (1.0, 2.0, 5.0, 10.0)
_PCT_NAMES = ("dotted", "dashed", "solid")


def _latencies(res, view: str) -> np.ndarray:
    """Seconds, the way ``summary()`` counts them (caller: every answered
    request; e2e: successful requests that settled)."""
    req = res.requests
    if view == "caller":
        values = req.loc[req["status"] != "in_flight", "latency"]
    else:
        values = req.loc[req["status"] == "ok", "e2e_latency"]
    values = values.to_numpy(float)
    return values[np.isfinite(values)]


def latency(results, which: str = "both", kind: str = "cdf", ax=None, *,
            percentiles=(50, 95, 99), title=None) -> Figure:
    """Latency distributions of two or more runs, side by side.

    ``which`` picks the clock: ``'caller'`` is how long the customer waited
    for an answer; ``'e2e'`` is how long until the order was *really* done
    (every consumer finished with it); ``'both'`` draws one panel each, and
    ``'overlay'`` draws both clocks in one panel (solid: caller, dashed:
    end-to-end). Request-response answers only when all work is done, so its
    two clocks nearly agree; event-driven answers first and works afterwards,
    so its caller latency is short and its end-to-end latency carries the
    broker hop and any backlog: its two curves come apart.

    ``kind='cdf'`` draws the cumulative distribution (read it as: "this share
    of requests took at most x ms"); ``kind='hist'`` a histogram on log bins.
    The x axis is logarithmic, in milliseconds: tails live decades away from
    medians. Dots (or vertical lines) mark p50, p95 and p99, whose values are
    repeated in the legend.
    """
    fig, _ = latency_panels(results, which, kind, ax, percentiles=percentiles, title=title)
    return fig


def latency_panels(results, which: str = "both", kind: str = "cdf", ax=None, *,
                   percentiles=(50, 95, 99), title=None) -> tuple:
    """:func:`latency`, and the :class:`LatencyCDF` of each panel that can
    redraw in place (``None`` for a histogram or an empty panel):
    ``(figure, [LatencyCDF | None, ...])``."""
    if which not in ("caller", "e2e", "both", "overlay"):
        raise ValueError(f"which must be 'caller', 'e2e', 'both' or 'overlay', got {which!r}")
    if kind not in ("cdf", "hist"):
        raise ValueError(f"kind must be 'cdf' or 'hist', got {kind!r}")
    runs = _runs(results)
    colors = _assign_colors(runs, {n: r.architecture.name for n, r in runs.items()})
    panels = {"both": [["caller"], ["e2e"]], "overlay": [["caller", "e2e"]]}.get(which, [[which]])
    legend_h = 0.75 + 0.16 * len(runs) * len(panels[0])
    fig, axes = _axes_for(ax, len(panels), vertical=False,
                          figsize=(5.0 * len(panels), 2.9 + legend_h))
    live = []
    for views, a in zip(panels, axes):
        series = _series(runs, views)
        if kind == "cdf" and series:
            live.append(LatencyCDF(a, series, colors, views, percentiles, title))
        else:
            live.append(None)
            _heading(a, views, title)
            _histograms(a, series, colors, views, percentiles)
    return fig, live


def _heading(a, views, title) -> None:
    if title is not None:
        heading = title
    elif len(views) > 1:
        heading = "Latency: caller (solid) and end-to-end (dashed)"
    else:
        heading = _VIEWS[views[0]][0]
    a.set_title(heading, fontsize=10, loc="left", color=INK, y=1.0)


def _series(runs, views) -> list:
    """``[(view, name, ms, zero, floor)]``: each run's latencies in one clock,
    in milliseconds, with answers in 0 ms moved to ``floor``.

    An answer in 0 ms (refused at the door: backpressure) has no place on a
    log axis; it is drawn at a floor just left of every real latency."""
    series = []
    for view in views:
        for name, res in runs.items():
            v = _latencies(res, view) * 1000.0
            if not len(v):
                continue
            zero = v <= 0
            positive = v[~zero]
            floor = min(0.1, positive.min() / 2) if len(positive) else 0.1
            series.append((view, name, np.where(zero, floor, v), zero, floor))
    return series


#: Height of the two-line "refused in 0 ms" note, with a margin, in inches.
_NOTE_HEIGHT_IN = 0.32


def _axes_height_in(a) -> float:
    return a.bbox.height / a.figure.dpi     # the axes may sit in a subfigure


def _cdf(v: np.ndarray) -> tuple:
    """``(x, share)`` of the empirical CDF of ``v``: every point up to 1,000
    values, else 1,000 evenly spaced quantiles (the same curve on screen).

    One sort, then linear interpolation between order statistics: exactly
    ``np.quantile``'s default method, without its per-quantile work."""
    xs = np.sort(v)
    n = len(xs)
    if n > 1000:
        ys = np.linspace(0, 1, 1000)
        return np.interp(ys * (n - 1), np.arange(n), xs), ys
    return xs, np.arange(1, n + 1) / n


def _legend_label(view, name, v, zero, floor, percentiles, overlay) -> tuple:
    pct = np.percentile(v, percentiles)
    who = f"{_label(name)} {'end-to-end' if view == 'e2e' else 'caller'}" if overlay else _label(name)
    label = f"{who}: " + " · ".join(f"p{p:g} {format_ms(q / 1000) if q > floor else '0 ms'}"
                                    for p, q in zip(percentiles, pct))
    if zero.any():
        label += f" · {zero.mean():.0%} refused in 0 ms"
    return label, pct


class LatencyCDF:
    """One panel of latency CDFs that a new run redraws in place.

    Built once on an axes with the runs' ``series`` (:func:`_series`): a
    step line and percentile dots per run and clock, the log axis, the
    percentile guides and the legend. :meth:`update` then moves the same
    artists to new runs — ``set_data`` on the lines, new legend texts, new
    x limits — as long as the same runs and clocks are there (its
    :attr:`key`); otherwise it returns ``False`` and draws nothing, and the
    caller draws a fresh figure. Building is the first update, so a fresh
    panel and a redrawn one are the same picture.
    """

    def __init__(self, a, series, colors, views, percentiles=(50, 95, 99), title=None):
        self.axes, self.colors, self.views = a, dict(colors), tuple(views)
        self.percentiles, self.overlay = tuple(percentiles), len(views) > 1
        self.key = self._key(series)
        self.lines, self.dots, self.legend, self._notes = [], [], None, []
        _heading(a, views, title)
        for view, name, *_ in series:
            color = self.colors[name]
            ls = (0, (4, 2)) if self.overlay and view == "e2e" else "-"
            self.lines.append(a.plot([], [], drawstyle="steps-post", color=color, lw=1.8, ls=ls)[0])
            self.dots.append(a.plot([], [], "o", color=color, ms=5, mec="white", mew=0.8)[0])
        notes = [_VIEWS[v][1] for v in views]
        self._caption = _decorate(a, "cdf", self.percentiles, notes, self.overlay)
        self._draw(series)

    def _key(self, series) -> tuple:
        return tuple((view, name, self.colors.get(name)) for view, name, *_ in series)

    def update(self, runs, colors=None) -> bool:
        """Redraw for ``runs`` in place; ``False`` (nothing touched) if they
        do not have the same runs and clocks with the same colours."""
        runs = _runs(runs)
        if colors is not None and dict(colors) != self.colors:
            return False
        series = _series(runs, self.views)
        if self._key(series) != self.key:
            return False
        self._draw(series)
        return True

    def _draw(self, series) -> None:
        a = self.axes
        labels = []
        for note in self._notes:
            note.remove()
        self._notes = []
        for (view, name, v, zero, floor), line, dots in zip(series, self.lines, self.dots):
            label, pct = _legend_label(view, name, v, zero, floor, self.percentiles, self.overlay)
            line.set_data(*_cdf(v))
            line.set_label(label)
            dots.set_data(pct, np.asarray(self.percentiles) / 100)
            labels.append(label)
            # The note sits beside the step of refused answers, under the line; a share
            # too small to hold it is told by the legend alone.
            if zero.mean() * _axes_height_in(a) >= _NOTE_HEIGHT_IN:
                self._notes.append(a.text(floor * 1.25, zero.mean() / 2, "refused\nin 0 ms", fontsize=7,
                                          color=self.colors[name], va="center", ha="left"))
        lo = min(s[2].min() for s in series)
        hi = max(s[2].max() for s in series)
        # Limits on 1-2-5 steps: the axis (and its ticks) stays put while the curves move a little.
        a.set_xlim(nice_below(lo / 1.5, _LOG_STEPS), nice_above(hi * 1.5, _LOG_STEPS))
        if self.legend is None:
            self.legend = _legend(a, self.lines, labels, self._caption)
        else:
            for text, label in zip(self.legend.get_texts(), labels):
                text.set_text(label)


def _histograms(a, series, colors, views, percentiles) -> None:
    """Histograms on shared log bins (or a note when there is nothing to draw)."""
    overlay = len(views) > 1
    notes = [_VIEWS[v][1] for v in views]
    if not series:
        _note(a, "no latencies to show\n(" + "; ".join(notes) + ": none in these runs)")
        return
    lo = min(s[2].min() for s in series)
    hi = max(s[2].max() for s in series)
    bins = np.logspace(np.log10(lo), np.log10(max(hi, lo * 1.01)), 45)
    handles, labels = [], []
    for view, name, v, zero, floor in series:
        dashed = overlay and view == "e2e"
        label, pct = _legend_label(view, name, v, zero, floor, percentiles, overlay)
        color = colors[name]
        weights = np.full(len(v), 1 / len(v))
        if not dashed:
            a.hist(v, bins=bins, weights=weights, histtype="stepfilled", color=color, alpha=0.15)
        _, _, patches = a.hist(v, bins=bins, weights=weights, histtype="step", color=color, lw=1.5,
                               ls=(0, (4, 2)) if dashed else "-", label=label)
        handles.append(patches[0])
        labels.append(label)
        for k, q in enumerate(pct):
            a.axvline(q, color=color, ls=_PCT_STYLES[k % len(_PCT_STYLES)], lw=1.0, alpha=0.9)
    a.set_xlim(lo / 1.5, hi * 1.5)
    _legend(a, handles, labels, _decorate(a, "hist", percentiles, notes, overlay))


def _decorate(a, kind, percentiles, notes, overlay) -> str:
    """The parts of a latency panel that do not depend on the runs: the log
    axis in milliseconds, labels, percentile guides. Returns the legend's caption."""
    a.set_xscale("log")
    # Minor ticks at 2 and 5 only: enough to read a log axis, and much cheaper to draw.
    a.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    a.xaxis.set_minor_formatter(NullFormatter())
    a.xaxis.set_major_formatter(FuncFormatter(_ms_tick))   # "10 ms", "1 s": no 10^x to decode
    a.set_xlabel("latency (log scale)", fontsize=8.5)
    if kind == "cdf":
        a.set_ylim(0, 1.02)
        a.set_ylabel("share of requests", fontsize=8.5)
        for k, p in enumerate(percentiles):
            a.axhline(p / 100, color="#bbbbbb", lw=0.7, ls=":", zorder=0)
            close_above = k + 1 < len(percentiles) and percentiles[k + 1] - p < 6
            a.text(1.0, p / 100, f" p{p:g}", transform=blended_transform_factory(a.transAxes, a.transData),
                   ha="left", va="top" if close_above else "bottom", fontsize=7, color="#888888")
        guide = "dots mark " + ", ".join(f"p{p:g}" for p in percentiles)
    else:
        a.set_ylabel("share of requests per bin", fontsize=8.5)
        guide = "lines mark " + ", ".join(f"p{p:g} ({_PCT_NAMES[k % len(_PCT_NAMES)]})"
                                         for k, p in enumerate(percentiles))
    tidy(a)
    return f"caller: {notes[0]}\nend-to-end: {notes[1]}\n{guide}" if overlay else f"{notes[0]}\n{guide}"


def _legend(a, handles, labels, caption):
    """The legend, hanging a fixed distance below the axes whatever their height."""
    below = a.transAxes + ScaledTranslation(0, -0.48, a.figure.dpi_scale_trans)
    return a.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, 0.0), bbox_transform=below,
                    fontsize=7.5, frameon=False, title=caption, title_fontproperties={"size": 7},
                    alignment="left", borderaxespad=0, handlelength=2.0)
