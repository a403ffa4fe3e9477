"""Numbers and faults written for people: latencies in ms, rates, shares, fault captions."""

from __future__ import annotations


import numpy as np

from ..faults import BrokerOutage, ErrorRate, NetworkPartition, Outage, Slowdown

def format_ms(seconds: float) -> str:
    """A latency for people: 0.42 ms, 4.2 ms, 42 ms, 1.4 s."""
    if seconds is None or not np.isfinite(seconds):
        return "—"
    ms = seconds * 1000
    if ms < 1:
        return f"{ms:.2f} ms"
    if ms < 10:
        return f"{ms:.1f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds:.0f} s"


def format_seconds(seconds: float, never: str = "never") -> str:
    """A duration in seconds for people (``never`` when it is infinite): 3.4 s, 42 s.

    >>> format_seconds(3.412), format_seconds(float("inf"))
    ('3.4 s', 'never')
    """
    if seconds is None or seconds != seconds:
        return "—"
    if seconds == float("inf"):
        return never
    return f"{seconds:.1f} s" if abs(seconds) < 100 else f"{seconds:.0f} s"


def fault_label(fault) -> str:
    """A fault in a few words: 'shipping down', 'inventory ×10 slower', ..."""
    if isinstance(fault, Outage):
        return f"{fault.node} down"
    if isinstance(fault, Slowdown):
        return f"{fault.node} ×{fault.factor:g} slower"
    if isinstance(fault, ErrorRate):
        return f"{fault.node} {fault.rate:.0%} errors"
    if isinstance(fault, NetworkPartition):
        return f"{fault.a}–{fault.b} cut"
    if isinstance(fault, BrokerOutage):
        return f"{fault.stream} down" if fault.stream else "broker down"
    return type(fault).__name__


def _window(fault) -> str:
    return f"{fault.start:g}–{fault.end:g} s"


#: Row label, "better" direction (-1 lower, +1 higher, 0 neither) and format kind.
SCORE_ROWS = {
    "requests": ("requests", 0, "count"),
    "ok": ("answered ok", +1, "count"),
    "failed": ("failed", -1, "count"),
    "in_flight": ("still in flight", -1, "count"),
    "error_rate": ("error rate", -1, "pct"),
    "p50": ("caller p50", -1, "ms"),
    "p95": ("caller p95", -1, "ms"),
    "p99": ("caller p99", -1, "ms"),
    "mean_latency": ("caller mean", -1, "ms"),
    "e2e_p50": ("end-to-end p50", -1, "ms"),
    "e2e_p95": ("end-to-end p95", -1, "ms"),
    "e2e_p99": ("end-to-end p99", -1, "ms"),
    "unsettled": ("never settled", -1, "count"),
    "throughput": ("throughput (ok/s)", +1, "rate"),
    "events_published": ("events published", 0, "count"),
    "events_processed": ("events processed", 0, "count"),
    "events_dlq": ("dead-lettered", -1, "count"),
    "events_pending": ("events pending", -1, "count"),
    "events_lost": ("events lost", -1, "count"),
    "duplicates": ("duplicate deliveries", -1, "count"),
    "failed_publishes": ("failed publishes", -1, "count"),
    "max_consumer_lag": ("max consumer lag", -1, "count"),
}
DEFAULT_SCORE = ("error_rate", "p50", "p99", "e2e_p50", "e2e_p99", "throughput",
                 "max_consumer_lag", "events_dlq", "events_lost")
#: Metrics that only mean something when the run has a stream.
EVENT_METRICS = ("events_published", "events_processed", "events_dlq", "events_pending", "events_lost",
                 "duplicates", "failed_publishes", "max_consumer_lag")


def format_value(metric: str, value) -> str:
    """A summary value as a person reads it: ms, %, /s or a count."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(value):
        return "—"
    return _format_kind(SCORE_ROWS.get(metric, (metric, 0, "num"))[2], value)


_KINDS = ("ms", "pct", "rate", "count", "num")


def _format_kind(kind: str, value: float) -> str:
    if not np.isfinite(value):
        return "—"
    if kind == "ms":
        return format_ms(value)
    if kind == "pct":
        return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
    if kind == "rate":
        return f"{value:,.1f}/s"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def format_table(frame, kinds=None, *, by: str = "auto"):
    """A copy of a table for a person to read: counts as integers, latencies in ms, shares in %.

    ``frame`` itself is left raw (seconds, fractions, floats): keep it for
    computing, and show ``format_table(frame)``. Each number is written by
    the kind of its row or column (``by="rows"`` or ``"columns"``; ``"auto"``
    picks rows when the index holds summary metrics such as ``p99``, as in
    ``vn.compare``): the kind comes from ``kinds`` (``{label: "ms" | "pct" |
    "rate" | "count" | "num"}``), else from the summary's own metrics
    (:data:`SCORE_ROWS`); a label of neither is written with four
    significant digits. Text stays as it is.

    >>> import pandas as pd
    >>> raw = pd.DataFrame({"rr": {"requests": 6059.0, "error_rate": 0.0312, "p99": 0.0234}})
    >>> format_table(raw)["rr"].tolist()
    ['6,059', '3.1%', '23 ms']
    >>> format_table(pd.DataFrame({"wait": [0.0042], "n": [12.0]}), {"wait": "ms", "n": "count"}).iloc[0].tolist()
    ['4.2 ms', '12']
    """
    import pandas as pd

    kinds = dict(kinds or {})
    bad = {k: v for k, v in kinds.items() if v not in _KINDS}
    if bad:
        raise ValueError(f"kinds: unknown kind(s) {bad} (choose from {', '.join(_KINDS)})")
    if by not in ("auto", "rows", "columns"):
        raise ValueError(f"by must be 'auto', 'rows' or 'columns', got {by!r}")
    if by == "auto":
        by = "rows" if any(label in SCORE_ROWS for label in frame.index) else "columns"

    def kind_of(label):
        return kinds.get(label) or SCORE_ROWS.get(label, (label, 0, "num"))[2]

    def cell(kind, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
            return value
        return _format_kind(kind, float(value))

    out = pd.DataFrame(index=frame.index, columns=frame.columns, dtype=object)
    for r, row_label in enumerate(frame.index):
        for c, col_label in enumerate(frame.columns):
            out.iat[r, c] = cell(kind_of(row_label if by == "rows" else col_label), frame.iat[r, c])
    return out
