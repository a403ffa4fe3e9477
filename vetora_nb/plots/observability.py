"""Observability figures: one request's trace in each style, and what sampling loses."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..patterns.tracing import trace
from .layout import tidy
from .style import FAULT_COLOR, INK, STYLE_COLORS, color_for, style_label
from .traces import waterfall

__all__ = ["request_traces", "failure_traces", "failure_frames", "trace_sampling"]


def _trace_of(res, request_id: int) -> pd.DataFrame:
    """The spans of a request's trace (:func:`vetora_nb.patterns.tracing.trace`),
    or none when its trace was not recorded (the waterfall then says so)."""
    try:
        return trace(res, int(res.requests.iloc[int(request_id)]["trace_id"]))
    except KeyError:
        return res.spans.iloc[0:0]


def request_traces(results: dict, request_ids: dict) -> Figure:
    """Waterfalls of one request per run, stacked on one time axis:
    ``results`` and ``request_ids`` are ``{name: Result}`` and
    ``{name: request_id}`` (a missing or ``None`` id draws the run's first
    request)."""
    frames = {}
    for name, res in results.items():
        rid = request_ids.get(name)
        rid = 0 if rid is None else int(rid)
        status = res.requests.iloc[rid]["status"]
        frames[f"{style_label(name)} · request {rid} ({status})"] = _trace_of(res, rid)
    return waterfall(frames)


def failure_traces(results: dict, request_ids: dict) -> Figure:
    """The trace panel's figure: the waterfall of one failure per run
    (``{name: request_id}``, ``None`` when the run has no failure with a
    recorded trace), titled with what failed — the request, or (the caller
    told "ok") one of its effects."""
    return waterfall(failure_frames(results, request_ids))


def failure_frames(results: dict, request_ids: dict) -> dict:
    """``{title: spans}`` of :func:`failure_traces`, for a waterfall
    (:func:`~vetora_nb.plots.traces.waterfall_drawing` redraws one in place)."""
    frames = {}
    for name, res in results.items():
        rid = request_ids.get(name)
        if rid is None:
            frames[f"{style_label(name)}: no failure with a recorded trace in this run"] = res.spans.iloc[0:0]
            continue
        failed = res.requests.iloc[int(rid)]["status"] != "ok"
        kind = "request failed" if failed else "answered ok, an effect failed"
        frames[f"{style_label(name)} · request {int(rid)} ({kind})"] = _trace_of(res, rid)
    return frames


def trace_sampling(frame: pd.DataFrame) -> Figure:
    """Failures that left a trace, against the trace sample rate (the rows of
    :func:`vetora_nb.experiments.observability.sampling_experiment`)."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    a = fig.subplots()
    x = np.arange(len(frame))
    total = int(frame["failures"].iloc[0]) if len(frame) else 0
    a.bar(x - 0.18, frame["traced"], width=0.36, color=STYLE_COLORS["request_response"],
          label="failures with a trace")
    a.bar(x + 0.18, frame["found"], width=0.36, color=color_for("x", 0),
          label="of which root_cause finds the culprit")
    a.plot(x, frame["expected_traced"], "_", color=INK, ms=22, mew=1.5, label="expected: failures × sample rate")
    a.axhline(total, color=FAULT_COLOR, lw=1.0, ls=":", label=f"failures that happened: {total}")
    a.set_ylim(0, max(1.0, total) * 1.6)
    a.set_xticks(x, [f"{p:.0%}" for p in frame["sample"]])
    a.set_xlabel("trace sample rate (head-based: decided at the entry)", fontsize=8.5)
    a.set_ylabel("failed requests", fontsize=8.5)
    a.set_title("Rare failures vanish from sampled traces", fontsize=10, loc="left")
    tidy(a)
    a.legend(fontsize=7.5, frameon=False, loc="upper right")
    return fig
