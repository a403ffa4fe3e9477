"""Failure-handling figures: a failing service and each style's defences, over time."""

from __future__ import annotations

from matplotlib.figure import Figure

from .drawing import Drawing
from .layout import grid_in_inches, stacked_axes
from .timeseries import TimeSeries

__all__ = ["failure_panel", "FailureFigure"]


def failure_panel(results: dict, service: str = "shipping", caller: str = "orders", breaker: bool = False) -> Figure:
    """Notebook 05's panel: failed requests per second, ``caller``'s busy workers,
    the breaker's state on ``caller->service`` (when there is a ``breaker``),
    ``service``'s consumer lag and its dead-lettered events, one row each."""
    return FailureFigure(results, service, caller, breaker).figure


class FailureFigure(Drawing):
    """:func:`failure_panel`, kept so that the next runs redraw it in place.

    Every row is a :class:`~.timeseries.TimeSeries` panel, so an update is
    the time series' own; it returns ``False`` when the rows change (the
    breaker's row comes and goes with the breaker, and the figure's height
    with it) or the time series cannot follow the runs.
    """

    def __init__(self, results: dict, service: str = "shipping", caller: str = "orders", breaker: bool = False):
        self.inputs = (service, caller, bool(breaker))
        metrics = ["errors", "busy_workers"] + (["breaker_state"] if breaker else []) + ["consumer_lag", "dlq_depth"]
        fig = Figure(figsize=(10.0, 1.1 + 1.45 * len(metrics)))   # 0.55 in on top: fault captions, then the title
        super().__init__(fig)
        grid = grid_in_inches(fig, len(metrics), left=0.6, right=1.75, top=0.55, bottom=0.55, hspace=0.5)
        self.timeseries = TimeSeries(results, metrics, ax=stacked_axes(fig, grid),
                                     nodes={"busy_workers": [caller], "consumer_lag": [service],
                                            "dlq_depth": [service], "breaker_state": [f"{caller}->{service}"]})

    def update(self, results: dict, service: str = "shipping", caller: str = "orders", breaker: bool = False) -> bool:
        """Redraw for ``results`` in place; ``False`` if only a fresh figure can show them."""
        return (service, caller, bool(breaker)) == self.inputs and self.timeseries.update(results)
