"""Failure-handling figures: a failing service and each style's defences, over time."""

from __future__ import annotations

from matplotlib.figure import Figure

from .layout import grid_in_inches, stacked_axes
from .timeseries import timeseries

__all__ = ["failure_panel"]


def failure_panel(results: dict, service: str = "shipping", caller: str = "orders", breaker: bool = False) -> Figure:
    """Notebook 05's panel: failed requests per second, ``caller``'s busy workers,
    the breaker's state on ``caller->service`` (when there is a ``breaker``),
    ``service``'s consumer lag and its dead-lettered events, one row each."""
    metrics = ["errors", "busy_workers"] + (["breaker_state"] if breaker else []) + ["consumer_lag", "dlq_depth"]
    fig = Figure(figsize=(10.0, 1.1 + 1.45 * len(metrics)))   # 0.55 in on top: fault captions, then the title
    grid = grid_in_inches(fig, len(metrics), left=0.6, right=1.75, top=0.55, bottom=0.55, hspace=0.5)
    timeseries(results, metrics, ax=stacked_axes(fig, grid),
               nodes={"busy_workers": [caller], "consumer_lag": [service], "dlq_depth": [service],
                      "breaker_state": [f"{caller}->{service}"]})
    return fig
