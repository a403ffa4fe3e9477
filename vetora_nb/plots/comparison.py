"""The comparison figure of notebook 00's panel: latency, time series, traces,
scorecard and architecture, side by side, for any runs."""

from __future__ import annotations

from matplotlib.figure import Figure

from .architecture import architecture
from .drawing import Drawing
from .latency import latency, latency_panels
from .layout import stacked_axes
from .scorecard import scorecard
from .timeseries import TimeSeries, timeseries
from .traces import waterfall

__all__ = ["FIGURES", "comparison", "comparison_drawing", "ComparisonFigure", "same_request_traces"]

#: The figures a comparison can hold, left to right.
FIGURES = ("latency", "timeseries", "trace", "scorecard", "architecture")


def same_request_traces(results: dict, at: float) -> dict:
    """The spans of the same request (the first arriving at or after ``at``)
    in each run: identical traffic means identical request ids."""
    out = {}
    for name, res in results.items():
        req = res.requests
        later = req[req["start"] >= at]
        row = later.iloc[0] if len(later) else (req.iloc[-1] if len(req) else None)
        if row is None:
            out[name] = res.spans.iloc[0:0]
            continue
        spans = res.spans
        out[f"{name}, request {int(row['request_id'])} ({row['status']})"] = spans[spans["trace_id"] == row["trace_id"]]
    return out


def comparison(results: dict, figures=("latency", "timeseries"), *, metrics=("throughput", "errors", "consumer_lag"),
               nodes=None, latency_view: str = "overlay", trace_at: float = 0.0) -> Figure:
    """``figures`` (from :data:`FIGURES`) of ``results`` side by side in one Figure."""
    drawn = comparison_drawing(results, figures, metrics=metrics, nodes=nodes, latency_view=latency_view,
                               trace_at=trace_at)
    return drawn if isinstance(drawn, Figure) else drawn.figure


def comparison_drawing(results: dict, figures=("latency", "timeseries"), *,
                       metrics=("throughput", "errors", "consumer_lag"), nodes=None, latency_view: str = "overlay",
                       trace_at: float = 0.0):
    """:func:`comparison`, as something a panel can redraw in place: a
    :class:`ComparisonFigure` when ``figures`` are latency and time series
    only, else a plain ``Figure``."""
    bad = [f for f in figures if f not in FIGURES]
    if bad or not figures:
        raise ValueError(f"figures: choose from {FIGURES}, got {tuple(figures)!r}")
    if set(figures) <= {"latency", "timeseries"}:
        return ComparisonFigure(results, figures, metrics, nodes, latency_view)
    sizes = {
        "latency": (4.6, 3.6 * (2 if latency_view == "both" else 1)),
        "timeseries": (6.8, 0.5 + 1.6 * len(metrics)),
        "trace": (9.0, 0.9 + 0.3 * (9 + 6)),
        "scorecard": (4.4, 3.4),
        "architecture": (10.0, 4.4),
    }
    widths = [sizes[p][0] for p in figures]
    height = max(sizes[p][1] for p in figures)
    fig = Figure(figsize=(min(14.0, sum(widths)), height), layout="constrained")
    subs = fig.subfigures(1, len(figures), width_ratios=widths, squeeze=False)[0]
    for sub, plot in zip(subs, figures):
        if plot == "latency":
            views = 2 if latency_view == "both" else 1
            latency(results, which=latency_view, ax=list(sub.subplots(views, 1, squeeze=False)[:, 0]))
        elif plot == "timeseries":
            timeseries(results, metrics, ax=sub, nodes=nodes)
        elif plot == "trace":
            waterfall(same_request_traces(results, trace_at), ax=sub)
        elif plot == "scorecard":
            scorecard(results, ax=sub.subplots())
        elif plot == "architecture":
            architecture({name: r.architecture for name, r in results.items()},
                         {name: r.faults for name, r in results.items()}, ax=sub)
    return fig


class ComparisonFigure(Drawing):
    """Latency and time series in columns with margins fixed in inches,
    kept so that the next runs redraw it in place.

    The same picture a layout engine would find, without the extra
    measuring pass it costs on every redraw (about a third of the time).
    :attr:`figure` is the Figure; :meth:`update` redraws it for new runs
    of the same names — each latency panel's :class:`~.latency.LatencyCDF`
    and the :class:`~.timeseries.TimeSeries` move their artists — and
    returns ``False`` when the new runs need other artists (another run, a
    line more, a panel that has nothing to show): the figure is then no
    longer valid and the caller draws a fresh one. Its PNG is rendered over
    a cached background (:meth:`~.drawing.Drawing.png`).
    """

    def __init__(self, results, figures=("latency", "timeseries"), metrics=("throughput", "errors", "consumer_lag"),
                 nodes=None, latency_view: str = "overlay"):
        self.names = tuple(results)
        self.latency: list = []           # a LatencyCDF (or None: drawn, not redrawable) per latency panel
        self.timeseries: TimeSeries | None = None
        entries = len(results) * (2 if latency_view == "overlay" else 1)
        columns = []   # (plot, width, left, right, top, bottom, panels, gap, min panel height) in inches
        for plot in figures:
            if plot == "latency":
                bottom = 1.0 + 0.165 * entries
                panels = 2 if latency_view == "both" else 1
                columns.append((plot, 4.6, 0.65, 0.35, 0.35, bottom, panels, bottom + 0.3, 2.5))
            else:
                columns.append((plot, 6.8, 0.6, 1.75, 0.55, 0.5, len(metrics), 0.42, 1.15))
        height = max(c[4] + c[5] + c[6] * c[8] + (c[6] - 1) * c[7] for c in columns)
        width = sum(c[1] for c in columns)
        fig = Figure(figsize=(width, height))
        super().__init__(fig)
        x = 0.0
        for plot, w, left, right, top, bottom, panels, gap, _ in columns:
            panel_h = (height - top - bottom - (panels - 1) * gap) / panels
            grid = fig.add_gridspec(panels, 1, left=(x + left) / width, right=(x + w - right) / width,
                                    top=1 - top / height, bottom=bottom / height, hspace=gap / panel_h)
            if plot == "latency":
                _, self.latency = latency_panels(results, which=latency_view,
                                                 ax=[fig.add_subplot(grid[i]) for i in range(panels)])
            else:
                self.timeseries = TimeSeries(results, metrics, ax=stacked_axes(fig, grid), nodes=nodes)
            x += w

    def update(self, results, params=None, analysis=None) -> bool:
        """Redraw for ``results`` in place; ``False`` if only a fresh figure can show them."""
        if tuple(results) != self.names or any(panel is None for panel in self.latency):
            return False
        return (all(panel.update(results) for panel in self.latency)
                and (self.timeseries is None or self.timeseries.update(results)))
