"""Temporal coupling: what notebook 07 measures, draws and puts under sliders.

A consumer goes down from ``start`` to ``end``. In request-response its
callers fail for exactly that long; in event-driven the broker keeps what
arrives, the consumer's lag grows, and once it is back the backlog drains at
the *spare* capacity::

    backlog    = rate * (end - start)                 vn.theory.backlog_after_outage
    capacity   = min(partitions, instances) / mean service time
    drain time = backlog / (capacity - rate)          vn.theory.backlog_drain_time

This module measures the drain time from a run (:func:`measured_drain_time`),
runs the experiment for one setting (:func:`drain_run`, the function a
``vn.sweep`` calls), draws the outage and the drain (:func:`outage_figure`,
:func:`drain_figure`) and puts it all under sliders
(:class:`TemporalCouplingPanel`).

>>> import vetora_nb as vn
>>> from vetora_nb.panels import nb07_temporal_coupling as nb07
>>> nb07.consumer_capacity(nb07.shipping_only(partitions=4, instances=2), "shipping")
200.0
"""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .. import plots as vp
from .. import scenarios, theory
from ..faults import BrokerOutage, NetworkPartition, Outage
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, control_columns, dropdown, run_duration, slider, table_html
from ..measures import blocking_window as _blocking_window  # noqa: F401
from ..measures import consumer_capacity, processing_backlog  # noqa: F401
from ..measures import failed_share as error_rate_during  # noqa: F401
from ..measures import drain_time as measured_drain_time

__all__ = [
    "RR", "ED", "STREAM", "shipping_only", "consumer_capacity", "processing_backlog",
    "measured_drain_time", "error_rate_during", "predicted_drain_time", "drain_run",
    "outage_faults", "outage_figure", "cut_figure", "drain_figure", "TemporalCouplingPanel",
]

RR, ED = scenarios.STYLES
#: The stream of the order example (event-driven style).
STREAM = "order-placed"


# ---------------------------------------------------------------------------
# Architectures and capacity
# ---------------------------------------------------------------------------

def shipping_only(partitions: int = 4, instances: int = 4, style: str = ED,
                  service_time: float | None = None) -> "scenarios.Architecture":
    """The order example with shipping as its only consumer (or callee).

    ``instances`` is shipping's consumer instances (its workers in
    request-response); ``service_time`` its mean, by default the order
    example's.
    """
    workers, mean = scenarios.DOWNSTREAM["shipping"]
    mean = mean if service_time is None else service_time
    return scenarios.order_placed(style, partitions=partitions, downstream={"shipping": (instances, mean)})


def predicted_drain_time(rate: float, outage: float, capacity: float) -> float:
    """The fluid prediction: ``backlog_drain_time(backlog_after_outage(rate, T), capacity, rate)``."""
    return theory.backlog_drain_time(theory.backlog_after_outage(rate, outage), capacity, rate)


def drain_run(rate: float, outage: float, partitions: int = 4, instances: int = 4, seed: int = 0,
              start: float = 4.0) -> dict:
    """Shipping down for ``outage`` seconds at ``rate`` orders/s: measured and predicted drain.

    The run lasts long enough for the predicted drain to finish well before
    arrivals stop (when the prediction is finite). Returns ``measured``,
    ``predicted``, ``backlog``, ``capacity``.
    """
    arch = shipping_only(partitions, instances)
    capacity = consumer_capacity(arch, "shipping")
    predicted = predicted_drain_time(rate, outage, capacity)
    tail = 1.5 * predicted + 4 if math.isfinite(predicted) else 3 * outage
    res = simulate(arch, Traffic.poisson(rate), duration=start + outage + tail, seed=seed,
                   faults=[Outage("shipping", start, start + outage)], sample_interval=0.1)
    return {"measured": measured_drain_time(res, "shipping", start, start + outage),
            "predicted": predicted, "backlog": theory.backlog_after_outage(rate, outage),
            "capacity": capacity}


# ---------------------------------------------------------------------------
# Faults, both styles
# ---------------------------------------------------------------------------

def outage_faults(style: str, service: str, start: float, end: float, fault: str = "outage") -> list:
    """The same loss of contact, wired each style's way.

    ``fault='outage'``: ``service`` is down (``service='broker'``: the
    broker is, which request-response does not have). ``fault='cut'``: a
    network partition between the service and what brings it work —
    ``orders`` in request-response, the stream in event-driven; with
    ``service='broker'``, between ``orders`` and the stream.
    """
    if end <= start:
        return []
    if fault not in ("outage", "cut"):
        raise ValueError(f"fault must be 'outage' or 'cut', got {fault!r}")
    if service == "broker":
        if style == RR:
            return []
        return [BrokerOutage(start, end)] if fault == "outage" else [NetworkPartition("orders", STREAM, start, end)]
    if fault == "outage":
        return [Outage(service, start, end)]
    return [NetworkPartition("orders" if style == RR else STREAM, service, start, end)]


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _fault_caption(fault, group: str) -> str:
    if isinstance(fault, NetworkPartition):
        return f"network to {group} cut" if group in (fault.a, fault.b) else "network to the broker cut"
    return vp.fault_label(fault)


def _shade_faults(axes, runs: dict, group: str) -> None:
    """One red band and one caption per fault window, however many styles share it."""
    windows: dict = {}
    for res in runs.values():
        for f in res.faults:
            windows.setdefault((f.start, f.end), [])
            caption = _fault_caption(f, group)
            if caption not in windows[(f.start, f.end)]:
                windows[(f.start, f.end)].append(caption)
    for k, ((start, end), captions) in enumerate(sorted(windows.items())):
        for a in axes:
            a.axvspan(start, end, color=vp.FAULT_COLOR, alpha=0.09, lw=0, zorder=0)
        axes[0].text(start, 1.0 - 0.13 * k, " " + " / ".join(captions), transform=axes[0].get_xaxis_transform(),
                     ha="left", va="top", fontsize=7.5, color=vp.FAULT_COLOR, fontweight="bold")


def outage_figure(runs: dict, group: str = "shipping", ax=None, *, predicted: float | None = None,
                  measured: bool = True, title: str | None = None) -> Figure:
    """Caller errors per second (both styles) above the consumer lag of ``group``.

    The fault window is shaded red. On the lag panel a dashed line marks
    when the fluid theory says the backlog is gone (``predicted`` seconds
    after the window; pass it to draw it) and, with ``measured``, a dot
    when it was measured to be.
    """
    if ax is None:
        # Fixed margins (in figure fractions) rather than a layout engine: the
        # same picture, drawn in half the time, which a slider feels.
        fig = Figure(figsize=(9.0, 4.4))
        fig.subplots_adjust(left=0.065, right=0.87, top=0.93, bottom=0.11, hspace=0.32)
        ax = fig.subplots(2, 1, sharex=True)
    axes = list(np.ravel(ax))
    fig = axes[0].figure
    vp.timeseries(runs, ("errors", "consumer_lag"), ax=axes, nodes={"consumer_lag": [group]}, title=title,
                  faults=False)
    _shade_faults(axes, runs, group)
    ed = next((r for r in runs.values() if r.architecture.streams), None)
    window = _blocking_window(ed, group) if ed is not None and group in ed.architecture.services else None
    if ed is not None and window is not None and group in set(ed.events["group"]):
        lag_ax = axes[1]
        end = window[1]
        handles = []
        if predicted is not None and math.isfinite(predicted):
            lag_ax.axvline(end + predicted, color=vp.INK, ls="--", lw=1.0)
            handles.append(Line2D([], [], color=vp.INK, ls="--", lw=1.0,
                                  label=f"theory: drained {predicted:.1f} s after"))
        if measured:
            took = measured_drain_time(ed, group, *window)
            if math.isfinite(took):
                lag_ax.plot([end + took], [0], "o", color=vp.STYLE_COLORS[ED], ms=7, mec=vp.INK,
                            clip_on=False, zorder=5)
                handles.append(Line2D([], [], marker="o", ls="", color=vp.STYLE_COLORS[ED], mec=vp.INK,
                                      label=f"measured: caught up {took:.1f} s after"))
            else:
                handles.append(Line2D([], [], color="none",
                                      label="measured: not caught up before arrivals stopped"))
        if handles:
            lag_ax.legend(handles=handles, loc="upper right", fontsize=7.5, frameon=False)
    return fig


def cut_figure(runs: dict, group: str = "shipping", metrics=("errors", "busy_workers", "consumer_lag")) -> Figure:
    """Time series of runs that each cut their own link over the same window.

    One shaded band and one caption ("network to shipping cut") for the
    window, rather than a band per style's link: RR cuts
    ``orders``–``group``, ED the stream–``group``, over the same seconds.
    """
    fig = Figure(figsize=(9.0, 0.6 + 1.75 * len(metrics)))
    fig.subplots_adjust(left=0.065, right=0.87, top=0.95, bottom=0.08, hspace=0.35)
    axes = list(np.ravel(fig.subplots(len(metrics), 1, sharex=True)))
    vp.timeseries(runs, metrics, ax=axes, faults=False,
                  nodes={"busy_workers": ["orders"], "queue_depth": ["orders"], "consumer_lag": [group]})
    _shade_faults(axes, runs, group)
    return fig


def drain_figure(df: pd.DataFrame) -> Figure:
    """Measured drain times against the fluid theory.

    ``df`` has one row per run with columns ``rate``, ``outage``,
    ``capacity``, ``measured`` and ``predicted`` (what a ``vn.sweep`` of
    :func:`drain_run` returns). Left: drain time against outage length, a theory line and
    measured dots per rate. Right: measured against predicted; points on
    the diagonal agree.
    """
    missing = {"rate", "outage", "capacity", "measured", "predicted"} - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)}")
    df = df[np.isfinite(df["predicted"]) & np.isfinite(df["measured"])]
    fig = Figure(figsize=(10.0, 3.9), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    rates = sorted(df["rate"].unique())
    top = float(df["outage"].max()) if len(df) else 1.0
    for k, rate in enumerate(rates):
        color = vp.PALETTE[k % len(vp.PALETTE)]
        sel = df[df["rate"] == rate].sort_values("outage")
        capacity = float(sel["capacity"].iloc[0])
        xs = np.linspace(0, top * 1.05, 50)
        left.plot(xs, [predicted_drain_time(rate, x, capacity) for x in xs], color=color, lw=1.4,
                  label=f"{rate:g}/s  (theory: line, measured: dots)")
        left.plot(sel["outage"], sel["measured"], "o", color=color, ms=6, mec="white")
        right.plot(sel["predicted"], sel["measured"], "o", color=color, ms=6, mec="white", label=f"{rate:g}/s")
    left.set_xlabel("outage length (s)", fontsize=8.5)
    left.set_ylabel("drain time after the outage (s)", fontsize=8.5)
    left.set_title("Drain time grows with the outage, faster near capacity", fontsize=10, loc="left")
    left.legend(fontsize=7.5, frameon=False, title="arrival rate", title_fontsize=7.5)
    hi = max(1.0, float(np.nanmax(df[["measured", "predicted"]].to_numpy()))) * 1.08 if len(df) else 1.0
    right.plot([0, hi], [0, hi], color="#999999", ls=":", lw=1.0, label="measured = predicted")
    right.set_xlim(0, hi)
    right.set_ylim(0, hi)
    right.set_aspect("equal", adjustable="box")
    right.set_xlabel("predicted: backlog / (capacity − rate)  (s)", fontsize=8.5)
    right.set_ylabel("measured (s)", fontsize=8.5)
    right.set_title("Measured against predicted", fontsize=10, loc="left")
    right.legend(fontsize=7.5, frameon=False, loc="upper left")
    for a in (left, right):
        vp.tidy(a)
        a.set_xlim(left=0)
        a.set_ylim(bottom=0)
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class TemporalCouplingPanel(Panel):
    """A downstream service (or the broker) goes down or is cut off: both styles, under sliders.

    Controls: ``rate`` (traffic); ``fault`` ('outage' or 'cut'), ``service``
    (a downstream service or ``'broker'``) and ``window`` (failure);
    ``partitions`` of the stream and ``instances`` of the watched service
    (its consumer instances in event-driven, its workers in
    request-response; with the broker chosen, shipping's). The figure shows
    caller errors of both styles and the watched group's consumer lag, with
    the theory's drain time and the measured one.
    """

    def __init__(self, *, duration: float = 16.0, seed: int = 7, rate: int = 100, fault: str = "outage",
                 service: str = "shipping", window: tuple | None = None, partitions: int = 4,
                 instances: int | None = None, run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        services = list(scenarios.DOWNSTREAM)
        if window is None:
            window = (round(duration * 0.3), round(duration * 0.55))
        if instances is None:
            instances = scenarios.DOWNSTREAM.get(service, scenarios.DOWNSTREAM["shipping"])[0]
        controls = {
            "rate": slider(W.IntSlider, value=rate, min=20, max=300, step=10, description="rate (req/s)"),
            "fault": dropdown(options=[("outage (down)", "outage"), ("network cut", "cut")], value=fault,
                              description="fault"),
            "service": dropdown(options=[(s, s) for s in services] + [("the broker", "broker")], value=service,
                                description="what fails"),
            "window": slider(W.FloatRangeSlider, value=window, min=0.0, max=self.duration, step=0.5,
                             description="fault window (s)", readout_format=".1f"),
            "partitions": slider(W.IntSlider, value=partitions, min=1, max=16, description="partitions"),
            "instances": slider(W.IntSlider, value=instances, min=1, max=16, description="instances"),
        }
        groups = [("traffic (both styles)", ["rate"]), ("failure", ["fault", "service", "window"]),
                  ("partitions & instances", ["partitions", "instances"])]
        columns = control_columns(controls, groups)
        super().__init__(controls, title=None, layout=columns)
        if run:
            self.run()

    @staticmethod
    def watched(params: dict) -> str:
        """The consumer group whose lag is drawn."""
        return "shipping" if params["service"] == "broker" else params["service"]

    def architecture(self, style: str, params: dict):
        downstream = dict(scenarios.DOWNSTREAM)
        watched = self.watched(params)
        downstream[watched] = (int(params["instances"]), downstream[watched][1])
        return scenarios.order_placed(style, partitions=int(params["partitions"]), downstream=downstream)

    def simulate(self, params: dict, timings: dict) -> dict:
        start, end = params["window"]
        traffic = Traffic.poisson(params["rate"])
        results = {}
        for style in (RR, ED):
            faults = outage_faults(style, params["service"], start, end, params["fault"])
            key = (params["rate"], params["partitions"] if style == ED else None, self.watched(params),
                   params["instances"], tuple(faults))
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                self.architecture(style, params), traffic, self.duration, faults=faults, seed=self.seed,
                max_requests=30_000, max_drain=2 * self.duration, trace_sample=0.0))
        return results

    def _prediction(self, results: dict, params: dict):
        start, end = params["window"]
        if end <= start or params["service"] == "broker":
            return None, None
        ed = results[ED]
        capacity = consumer_capacity(ed.architecture, self.watched(params))
        return capacity, predicted_drain_time(params["rate"], end - start, capacity)

    def draw(self, results: dict, params: dict) -> Figure:
        _, predicted = self._prediction(results, params)
        # With the broker down nothing piles up (the producers fail): no drain to mark.
        return outage_figure(results, self.watched(params), predicted=predicted,
                             measured=params["service"] != "broker")

    def summary_html(self, results: dict) -> str:
        params = self.params()
        start, end = params["window"]
        rr, ed = results[RR].summary(), results[ED].summary()
        capacity, predicted = self._prediction(results, params)
        watched = self.watched(params)
        cells = [
            ("caller error rate", f"RR {rr['error_rate']:.1%} · ED {ed['error_rate']:.1%}"),
            ("share of the run faulted", f"{max(0.0, end - start) / self.duration:.0%}"),
            ("caller p99", f"RR {vp.format_ms(rr['p99'])} · ED {vp.format_ms(ed['p99'])}"),
            (f"max lag of {watched}", f"{ed['max_consumer_lag']:,}"),
        ]
        if capacity is not None:
            measured = measured_drain_time(results[ED], watched, start, end)
            cells += [
                (f"{watched} capacity", f"min({params['partitions']}, {params['instances']}) instances → "
                                        f"{capacity:,.0f}/s for {params['rate']}/s"),
                ("drain: theory · measured",
                 f"{_seconds(predicted)} · {_seconds(measured) if math.isfinite(measured) else 'not before arrivals stopped'}"),
            ]
        return table_html(cells)


def _seconds(value: float) -> str:
    return "never (capacity ≤ rate)" if not math.isfinite(value) else f"{value:.1f} s"
