"""Observability: what notebook 03 measures, draws and puts under sliders.

A request leaves a *trace*: every span of work it caused, linked parent to
child by a correlation id (the trace id) that travels with the work —
through synchronous calls, and across the broker inside the event. This
module runs both styles with a failing service, walks each failure's trace
to its root cause, and counts how many failures a debugging session could
actually explain:

- a failure in request-response is a failed request; in event-driven style
  the caller was told "ok" and the failure is an effect that never happened
  (an event dead-lettered by a consumer group);
- a failure is *found* when :func:`vetora_nb.patterns.tracing.root_cause`,
  walking the request's own trace, blames the service that really failed;
- it cannot be found when its trace was not sampled
  (``simulate(..., trace_sample=...)``: head-based sampling decides at the
  entry, before anyone knows the request will fail), or when the consumer
  that failed dropped the correlation id (its spans start a trace of their
  own: ``add_subscription(..., propagate_context=False)``).

>>> from vetora_nb.panels import nb03_observability as nb03
>>> runs = nb03.observability_runs(rate=20, duration=5, seed=1)
>>> sorted(runs)
['event_driven', 'request_response']
>>> nb03.traced_share(runs["request_response"], "shipping")["failures"]
0
"""

from __future__ import annotations

import functools

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots as vp
from .. import scenarios
from ..faults import ErrorRate, Slowdown
from ..patterns import tracing as _tracing
from ..patterns.tracing import diagnose, failures, traced_share  # noqa: F401  (the notebook's names)
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, checkbox, control_columns, dropdown, run_duration, slider, table_html

__all__ = ["RR", "ED", "with_propagation", "observability_runs", "failures", "diagnose", "traced_share",
           "shapes_table", "first_failure", "sampling_experiment", "sampling_figure", "waterfalls",
           "TracePanel"]

RR, ED = scenarios.STYLES
#: The most failures a panel walks to their root cause per redraw (an even sample of them).
PANEL_DIAGNOSE_LIMIT = 40


# ---------------------------------------------------------------------------
# Architectures and runs
# ---------------------------------------------------------------------------

def with_propagation(arch, propagate: bool, groups=None, name: str | None = None):
    """A copy of ``arch`` whose consumer groups ``groups`` (default: every
    subscription) carry the correlation id across the broker
    (``propagate=True``) or drop it (``False``). The edge attribute is
    ``propagate_context``, the one ``add_subscription`` sets."""
    out = arch.copy(name or arch.name)
    wanted = None if groups is None else set([groups] if isinstance(groups, str) else groups)
    for stream, group in out.edges_of_kind("subscribe"):
        if wanted is None or group in wanted:
            out.graph.edges[stream, group]["propagate_context"] = bool(propagate)
    return out


def observability_runs(*, rate: float = 50.0, duration: float = 20.0, seed: int = 0, service: str | None = None,
                       error_rate: float = 0.0, slowdown: float = 1.0, propagate: bool = True,
                       trace_sample: float = 1.0, styles=scenarios.STYLES) -> dict:
    """Both styles of the order example under identical seeded traffic, with
    ``service`` failing ``error_rate`` of its work and/or ``slowdown`` times
    slower during the run; ``propagate=False`` makes every event-driven
    consumer drop the correlation id. ``{style: Result}``."""
    faults = []
    if service is not None and error_rate > 0:
        faults.append(ErrorRate(service, 0.0, float(duration), float(error_rate)))
    if service is not None and slowdown != 1:
        faults.append(Slowdown(service, 0.0, float(duration), float(slowdown)))
    out = {}
    for style in styles:
        arch = scenarios.order_placed(style)
        if arch.streams and not propagate:
            arch = with_propagation(arch, False)
        out[style] = simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed,
                              trace_sample=trace_sample, max_drain=max(30.0, 2 * duration))
    return out


# ---------------------------------------------------------------------------
# Failures and their root causes
# ---------------------------------------------------------------------------

def first_failure(result, after: float = 0.0, sampled: bool = True):
    """The first failure (by arrival) at or after ``after`` seconds whose
    trace was recorded (``sampled``), else the first before it; ``None`` if
    the run has none."""
    f = failures(result)
    if sampled:
        f = f[f["sampled"]]
    if not len(f):
        return None
    later = f[f["start"] >= after]
    return int((later if len(later) else f).iloc[0 if len(later) else -1]["request_id"])


def shapes_table(runs: dict, n: int = 200) -> pd.DataFrame:
    """The mean trace shape (:func:`~vetora_nb.patterns.tracing.trace_shapes`)
    of the first ``n`` requests of each run, one row per style."""
    rows = {}
    for style, res in runs.items():
        ids = res.requests["trace_id"].iloc[:n]
        rows[style] = _tracing.trace_shapes(res, ids).mean()
    frame = pd.DataFrame(rows).T
    frame.index.name = "style"
    return frame


def sampling_experiment(samples=(1.0, 0.5, 0.2, 0.1, 0.05), *, style: str = RR, rate: float = 50.0,
                        duration: float = 20.0, seed: int = 0, service: str = "shipping",
                        error_rate: float = 0.3) -> pd.DataFrame:
    """Run the same failing system at several trace sample rates. Sampling
    only decides which traces are *recorded* (its coin is a random stream of
    its own), so every run has the very same failures. One row per sample
    rate: ``sample, requests, failures, traced, found, expected_traced``
    (``failures * sample``)."""
    rows = []
    for p in samples:
        res = observability_runs(rate=rate, duration=duration, seed=seed, service=service,
                                 error_rate=error_rate, trace_sample=float(p), styles=(style,))[style]
        t = traced_share(res, service)
        rows.append({"sample": float(p), "requests": len(res.requests), "failures": t["failures"],
                     "traced": t["sampled"], "found": t["found"], "expected_traced": t["failures"] * float(p)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def waterfalls(results: dict, request_ids: dict) -> Figure:
    """Waterfalls of one request per run, stacked on one time axis:
    ``results`` and ``request_ids`` are ``{name: Result}`` and
    ``{name: request_id}`` (a missing or ``None`` id draws the run's first
    request)."""
    frames = {}
    for name, res in results.items():
        rid = request_ids.get(name)
        rid = 0 if rid is None else int(rid)
        row = res.requests.iloc[rid]
        spans = res.spans
        title = f"{vp.style_label(name)} · request {rid} ({row['status']})"
        frames[title] = spans[spans["trace_id"] == row["trace_id"]]
    return vp.waterfall(frames)


def sampling_figure(frame: pd.DataFrame) -> Figure:
    """Failures that left a trace, against the trace sample rate."""
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    a = fig.subplots()
    x = np.arange(len(frame))
    total = int(frame["failures"].iloc[0]) if len(frame) else 0
    a.bar(x - 0.18, frame["traced"], width=0.36, color=vp.STYLE_COLORS[RR], label="failures with a trace")
    a.bar(x + 0.18, frame["found"], width=0.36, color=vp.color_for("x", 0),
          label="of which root_cause finds the culprit")
    a.plot(x, frame["expected_traced"], "_", color=vp.INK, ms=22, mew=1.5,
           label="expected: failures × sample rate")
    a.axhline(total, color=vp.FAULT_COLOR, lw=1.0, ls=":", label=f"failures that happened: {total}")
    a.set_ylim(0, max(1.0, total) * 1.6)
    a.set_xticks(x, [f"{p:.0%}" for p in frame["sample"]])
    a.set_xlabel("trace sample rate (head-based: decided at the entry)", fontsize=8.5)
    a.set_ylabel("failed requests", fontsize=8.5)
    a.set_title("Rare failures vanish from sampled traces", fontsize=10, loc="left")
    vp.tidy(a)
    a.legend(fontsize=7.5, frameon=False, loc="upper right")
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

#: The panel's controls, with a label column wider than the package's default.
_slider = functools.partial(slider, description_width="120px")


class TracePanel(Panel):
    """Debug a failing service from its traces, both styles.

    Controls: ``rate`` (traffic); ``service`` and ``error_rate`` (failure:
    that service fails this share of its work); ``propagate`` (do the
    event-driven consumers carry the correlation id across the broker?) and
    ``trace_sample`` (the share of requests whose trace is recorded)
    (tracing); ``trace_at`` (which failure to draw: the first with a trace
    after this time). The figure shows that failure's waterfall in each
    style; the numbers say how many failures a trace explains.
    """

    def __init__(self, *, duration: float = 10.0, seed: int = 7, rate: int = 50, service: str = "shipping",
                 error_rate: float = 0.3, propagate: bool = True, trace_sample: float = 1.0,
                 trace_at: float | None = None, run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        services = list(scenarios.DOWNSTREAM)
        controls = {
            "rate": _slider(W.IntSlider, value=rate, min=10, max=200, step=10, description="rate (req/s)",
                            tooltip="orders per second, the same arrivals for both styles"),
            "service": dropdown(options=services, value=service, description="faulty service",
                                description_width="120px"),
            "error_rate": _slider(W.FloatSlider, value=error_rate, min=0.0, max=1.0, step=0.05,
                                  description="error rate", readout_format=".0%",
                                  tooltip="share of its work the faulty service fails"),
            "propagate": checkbox(propagate, "consumers carry the correlation id"),
            "trace_sample": _slider(W.FloatSlider, value=trace_sample, min=0.0, max=1.0, step=0.05,
                                    description="trace sample", readout_format=".0%",
                                    tooltip="share of requests whose trace is recorded (decided at the entry)"),
            "trace_at": _slider(W.FloatSlider, value=self.duration / 2 if trace_at is None else trace_at,
                                min=0.0, max=self.duration, step=0.1, description="failure after (s)",
                                readout_format=".1f", tooltip="draw the first failure with a trace after this"),
        }
        groups = [("traffic (both styles)", ["rate"]), ("failure", ["service", "error_rate"]),
                  ("tracing", ["propagate", "trace_sample", "trace_at"])]
        columns = control_columns(controls, groups)
        self.diagnosis: dict = {}
        super().__init__(controls, title=None, layout=columns)
        if run:
            self.run()

    def simulate(self, params: dict, timings: dict) -> dict:
        results = {}
        for style in (RR, ED):
            key = (params["rate"], params["service"], float(params["error_rate"]),
                   bool(params["propagate"]) if style == ED else None, float(params["trace_sample"]))
            results[style], timings[style] = self.cached_run(style, key, lambda: self._run(style, params))
        return results

    def _run(self, style: str, params: dict):
        """One style's run, and its failures walked to their root causes."""
        res = observability_runs(
            rate=params["rate"], duration=self.duration, seed=self.seed, service=params["service"],
            error_rate=float(params["error_rate"]), propagate=bool(params["propagate"]),
            trace_sample=float(params["trace_sample"]), styles=(style,))[style]
        self.diagnosis[style] = traced_share(res, params["service"], limit=PANEL_DIAGNOSE_LIMIT)
        return res

    def draw(self, results: dict, params: dict) -> Figure:
        frames = {}
        for style in (RR, ED):
            res = results[style]
            rid = first_failure(res, params["trace_at"])
            if rid is None:
                what = "no failure with a recorded trace in this run"
                frames[f"{vp.style_label(style)}: {what}"] = res.spans.iloc[0:0]
                continue
            row = res.requests.iloc[rid]
            kind = "request failed" if row["status"] != "ok" else "answered ok, an effect failed"
            frames[f"{vp.style_label(style)} · request {rid} ({kind})"] = res.spans[res.spans["trace_id"] == row["trace_id"]]
        return vp.waterfall(frames)

    def summary_html(self, results: dict) -> str:
        params = self.params()
        service = params["service"]
        d = {s: self.diagnosis.get(s) or traced_share(results[s], service, limit=PANEL_DIAGNOSE_LIMIT)
             for s in (RR, ED)}

        def found(x):
            if not x["examined"]:
                return "no failures"
            return f"{x['found']} of {x['examined']} ({x['share']:.0%})"

        cells = [
            ("failures (RR: requests failed · ED: effects dead-lettered)",
             f"RR {d[RR]['failures']:,} · ED {d[ED]['failures']:,}"),
            ("of those examined, with a recorded trace", f"RR {d[RR]['sampled']} · ED {d[ED]['sampled']}"),
            (f"root_cause blames {service}", f"RR {found(d[RR])} · ED {found(d[ED])}"),
        ]
        return table_html(cells)
