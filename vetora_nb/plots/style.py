"""The look shared by every figure: one colour per style, a palette for other runs, the labels."""

from __future__ import annotations


import matplotlib.colors as mcolors
import numpy as np



#: The colour of each style, everywhere in the package.
STYLE_COLORS = {
    "request_response": "#2f6db5",   # blue
    "event_driven": "#e07a1f",       # orange
}
#: Short names used in legends and status lines.
STYLE_LABELS = {"request_response": "RR", "event_driven": "ED"}
#: The styles' names in words, for titles and the notebooks' legends.
STYLE_NAMES = {"request_response": "request-response", "event_driven": "event-driven"}
#: Colours for runs that are not one of the two styles (or a second run of one).
PALETTE = ("#2a9d8f", "#8e5ea2", "#6b8e23", "#c9a227", "#d1495b", "#17becf", "#7f7f7f", "#8c564b")
FAULT_COLOR = "#c0392b"
GOOD_COLOR = "#d8f0d2"
NEUTRAL_COLOR = "#7a8794"
#: Text and reference lines (theory, predictions).
INK = "#2b2b2b"
#: Secondary reference lines and their captions (capacities, limits).
GREY = "#8a8a8a"

#: What each time-series metric means, as a panel title.
METRIC_LABELS = {
    "throughput": "successful requests per second",
    "errors": "failed requests per second",
    "arrivals": "arriving requests per second",
    "consumer_lag": "consumer lag: events not yet processed",
    "partition_lag": "lag per partition (events)",
    "dlq_depth": "dead-lettered events",
    "queue_depth": "requests waiting for a worker",
    "busy_workers": "busy workers",
    "busy_instances": "busy consumer instances",
    "in_flight": "requests in flight",
    "breaker_state": "circuit breaker",
}
#: Rates are binned counts; they are smoothed over ``smooth`` seconds.
RATE_METRICS = ("throughput", "errors", "arrivals")

_ALIASES = {"rr": "request_response", "request-response": "request_response",
            "ed": "event_driven", "event-driven": "event_driven"}


def _style_of(name) -> str | None:
    """The style a run name refers to, if any ('rr', 'event_driven (outage)' ...)."""
    text = str(name).strip().lower()
    if text in _ALIASES:
        return _ALIASES[text]
    text = text.replace("-", "_").replace(" ", "_")
    for style in STYLE_COLORS:
        if text.startswith(style):
            return style
    for short, style in (("rr", "request_response"), ("ed", "event_driven")):
        if text.startswith(short + "_") or text.startswith(short + ":"):
            return style
    return None


def color_for(name, index: int = 0) -> str:
    """The colour of a run called ``name``: its style's colour, else a palette colour."""
    style = _style_of(name)
    return STYLE_COLORS[style] if style else PALETTE[index % len(PALETTE)]


def _assign_colors(names, hints=None) -> dict:
    """A distinct colour per run: the style colour for the first run of each
    style, palette colours for everything else."""
    hints = hints or {}
    used, out, spare = set(), {}, 0
    for name in names:
        style = _style_of(name) or _style_of(hints.get(name, ""))
        if style and style not in used:
            used.add(style)
            out[name] = STYLE_COLORS[style]
        else:
            out[name] = PALETTE[spare % len(PALETTE)]
            spare += 1
    return out


def shade(color, amount: float) -> str:
    """``color`` mixed towards white (amount > 0) or black (amount < 0)."""
    rgb = np.array(mcolors.to_rgb(color))
    target = np.ones(3) if amount > 0 else np.zeros(3)
    return mcolors.to_hex(rgb + (target - rgb) * abs(amount))


def _label(name) -> str:
    """A run's name in a legend: 'RR' and 'ED' for the two styles."""
    return STYLE_LABELS.get(name, str(name))


def style_label(style) -> str:
    """A style in words: 'request-response', 'event-driven'; any other name as it is."""
    return STYLE_NAMES.get(style, str(style))

# -- notebook 11 --
#: (fill, ink) of a promise kept and of a promise broken: SLO cells, verdicts that hold.
PASS_COLORS, FAIL_COLORS = ("#d8f0d2", "#1e6b1e"), ("#f8d5d0", "#a01d12")
