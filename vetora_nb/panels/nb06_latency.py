"""Latency: what notebook 06 measures, draws and puts under sliders.

Two clocks: the **caller's** latency (until ``orders`` answers the customer)
and the **end-to-end** latency (until the order is settled: every effect
done). Request-response answers when the work is done, so its two clocks
agree; event-driven answers after the broker's acknowledgement and pays the
**broker hop** (append, then delivery to the consumers) on the way to every
effect.

- :func:`latency_table` — p50/p95/p99 of both clocks for several runs;
- :func:`broker_variant` and :func:`hop_point` — the event-driven order
  example with a stream of any ``append_latency``/``delivery_latency``
  (what a ``vn.sweep`` over the delivery latency calls); :func:`hop_figure`;
- :func:`fanout_shop` and :func:`fanout_point` — ``orders`` fanning out to
  ``width`` identical services, called in parallel or one after another
  (RR) or consuming one event each (ED); :func:`crossover_width` finds where
  request-response stops winning, :func:`fanout_figure` draws it;
- :func:`tail_point` and :func:`max_of_n_quantile` — heavy-tailed service
  times (``vn.LogNormal``) in a parallel fan-out: the request waits for the
  *slowest* of ``width`` calls, so its p99 is a far quantile of one call;
- :class:`LatencyPanel` — rate, a slowdown, width and mode, partitions.

>>> from vetora_nb.panels import nb06_latency as nb06
>>> nb06.fanout_shop("request_response", width=3).calls_from("orders")
['service-0', 'service-1', 'service-2']
"""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots as vp
from .. import scenarios
from ..architecture import Architecture
from ..distributions import Distribution, Exponential, LogNormal, as_distribution
from ..faults import Slowdown
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, control_columns, dropdown, run_duration, slider, table_html

__all__ = [
    "RR", "ED", "STREAM", "VARIANTS", "latency_table", "broker_variant", "hop_point", "hop_figure",
    "fanout_shop", "fanout_point", "crossover_width", "fanout_figure", "service_time_of", "max_of_n_quantile",
    "tail_point", "tail_figure", "LatencyPanel",
]

RR, ED = scenarios.STYLES
STREAM = "order-placed"
#: The three ways to fan out that :func:`fanout_point` compares.
VARIANTS = ("RR parallel", "RR sequential", "ED")
_VARIANT_COLORS = {"RR parallel": vp.STYLE_COLORS[RR], "RR sequential": "#7aa6d9", "ED": vp.STYLE_COLORS[ED]}
_VARIANT_STYLES = {"RR parallel": "-", "RR sequential": "--", "ED": "-"}


# ---------------------------------------------------------------------------
# Two clocks
# ---------------------------------------------------------------------------

def latency_table(runs: dict, percentiles=(50, 95, 99)) -> pd.DataFrame:
    """p50/p95/p99 of the caller's and the end-to-end latency, in ms, one row per run.

    Computed like ``summary()``: the caller's clock over every answered
    request, the end-to-end clock over successful requests that settled.
    """
    rows = {}
    for name, res in runs.items():
        req = res.requests
        caller = req.loc[req["status"] != "in_flight", "latency"].to_numpy(float)
        e2e = req.loc[req["status"] == "ok", "e2e_latency"].to_numpy(float)
        e2e = e2e[np.isfinite(e2e)]
        row = {}
        for p in percentiles:
            row[f"caller p{p}"] = float(np.percentile(caller, p)) * 1000 if len(caller) else float("nan")
        for p in percentiles:
            row[f"end-to-end p{p}"] = float(np.percentile(e2e, p)) * 1000 if len(e2e) else float("nan")
        rows[name] = row
    return pd.DataFrame(rows).T


# ---------------------------------------------------------------------------
# The broker hop
# ---------------------------------------------------------------------------

def broker_variant(delivery_latency: float | Distribution = 0.005,
                   append_latency: float | Distribution = 0.002, partitions: int = 4) -> Architecture:
    """The event-driven order example with a stream of the given latencies (seconds).

    ``append_latency`` is what ``orders`` waits for the broker's ack (the
    caller pays it); ``delivery_latency`` is the hop from the append until
    consumers see the event (only the end-to-end clock pays it). With the
    defaults it is ``vn.scenarios.order_placed('event_driven')``.
    """
    return scenarios.order_placed(ED, partitions=partitions, append_latency=append_latency,
                                  delivery_latency=delivery_latency)


def hop_point(delivery_ms: float, seed: int = 0, rate: float = 100.0, duration: float = 10.0,
              append_ms: float = 2.0) -> dict:
    """ED order example with ``delivery_ms`` of delivery latency: both clocks' p50 and p99, in ms."""
    res = simulate(broker_variant(delivery_ms / 1000, append_ms / 1000), Traffic.poisson(rate),
                   duration=duration, seed=seed, trace_sample=0.0)
    s = res.summary()
    return {"caller_p50": s["p50"] * 1000, "caller_p99": s["p99"] * 1000,
            "e2e_p50": s["e2e_p50"] * 1000, "e2e_p99": s["e2e_p99"] * 1000}


def hop_figure(df: pd.DataFrame, rr=None) -> Figure:
    """End-to-end (and caller) p50/p99 of ED against its delivery latency.

    ``df`` is a sweep of :func:`hop_point` over ``delivery_ms``; ``rr`` (a
    request-response Result under the same traffic) adds its p50 and p99 as
    horizontal lines.
    """
    need = {"delivery_ms", "e2e_p50", "e2e_p99", "caller_p99"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a sweep of hop_point)")
    df = df.groupby("delivery_ms", as_index=False).mean(numeric_only=True).sort_values("delivery_ms")
    fig = Figure(figsize=(7.4, 3.9), layout="constrained")
    ax = fig.subplots()
    ed = vp.STYLE_COLORS[ED]
    ax.plot(df["delivery_ms"], df["e2e_p99"], "-o", color=ed, lw=1.8, ms=5, mec="white", label="ED end-to-end p99")
    ax.plot(df["delivery_ms"], df["e2e_p50"], "--o", color=ed, lw=1.4, ms=4, mec="white", label="ED end-to-end p50")
    ax.plot(df["delivery_ms"], df["caller_p99"], ":", color=ed, lw=1.4, label="ED caller p99 (never pays delivery)")
    if rr is not None:
        s = rr.summary()
        blue = vp.STYLE_COLORS[RR]
        ax.axhline(s["e2e_p99"] * 1000, color=blue, lw=1.4, label="RR p99 (caller = end-to-end)")
        ax.axhline(s["e2e_p50"] * 1000, color=blue, lw=1.2, ls="--", label="RR p50")
    ax.set_xlabel("broker delivery latency (ms)", fontsize=8.5)
    ax.set_ylabel("latency (ms)", fontsize=8.5)
    ax.set_title("The broker hop is paid on the way to every effect", fontsize=10, loc="left", color=vp.INK)
    vp.tidy(ax)
    ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


# ---------------------------------------------------------------------------
# Fan-out width and mode
# ---------------------------------------------------------------------------

def fanout_shop(style: str, width: int = 4, *, fanout: str = "parallel", partitions: int = 8, workers: int = 4,
                service_time: float | Distribution = 0.006, append_latency: float | Distribution = 0.002,
                delivery_latency: float | Distribution = 0.005) -> Architecture:
    """``orders`` and ``width`` identical downstream services ``service-0``, ``service-1``...

    The order example's ``orders`` (16 workers, 4 ms, a queue of 50) and
    network (1 ms each way, 0.5 s timeout, 2 retries); each downstream
    service has ``workers`` and ``service_time`` (a mean in seconds for
    exponential times, or any distribution, e.g. ``vn.LogNormal``).
    Request-response calls them in parallel or ``'sequential'``-ly;
    event-driven publishes one event to a stream of ``partitions`` that
    ``width`` consumer groups read. It is ``vn.scenarios.order_placed`` with
    these services as its ``downstream``.
    """
    style = scenarios._style(style)
    if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be an integer >= 1, got {width!r}")
    dist = Exponential(mean=service_time) if isinstance(service_time, (int, float)) else service_time
    dist = as_distribution(dist, "service_time")
    return scenarios.order_placed(style, fanout=fanout, partitions=partitions,
                                  downstream={f"service-{i}": (workers, dist) for i in range(int(width))},
                                  append_latency=append_latency, delivery_latency=delivery_latency)


def fanout_point(width: int, variant: str, seed: int = 0, rate: float = 100.0, duration: float = 6.0,
                 service_time: float | Distribution = 0.006, partitions: int = 8) -> dict:
    """One of :data:`VARIANTS` at ``width``: both clocks' p50 and p99 (ms)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    style = ED if variant == "ED" else RR
    mode = "sequential" if variant == "RR sequential" else "parallel"
    arch = fanout_shop(style, width, fanout=mode, partitions=partitions, service_time=service_time)
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed, trace_sample=0.0)
    s = res.summary()
    return {"caller_p50": s["p50"] * 1000, "caller_p99": s["p99"] * 1000,
            "e2e_p50": s["e2e_p50"] * 1000, "e2e_p99": s["e2e_p99"] * 1000}


def crossover_width(df: pd.DataFrame, metric: str = "e2e_p99", rr: str = "RR sequential") -> float:
    """The smallest width at which ``rr``'s ``metric`` is above ED's (``inf`` if none).

    ``df`` is a sweep of :func:`fanout_point` over ``width`` and ``variant``.
    """
    table = df.groupby(["width", "variant"])[metric].mean().unstack("variant")
    if rr not in table or "ED" not in table:
        raise ValueError(f"df: needs rows of variants {rr!r} and 'ED'")
    above = table.index[(table[rr] > table["ED"]).to_numpy()]
    return float(above.min()) if len(above) else math.inf


def fanout_figure(df: pd.DataFrame) -> Figure:
    """End-to-end and caller p99 against fan-out width for the three variants."""
    need = {"width", "variant", "e2e_p99", "caller_p99"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a sweep of fanout_point)")
    df = df.groupby(["variant", "width"], as_index=False).mean(numeric_only=True)
    fig = Figure(figsize=(10.5, 3.9), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    for variant in VARIANTS:
        sel = df[df["variant"] == variant].sort_values("width")
        if sel.empty:
            continue
        kw = dict(color=_VARIANT_COLORS[variant], ls=_VARIANT_STYLES[variant], lw=1.8, marker="o", ms=4.5, mec="white")
        left.plot(sel["width"], sel["e2e_p99"], label=variant, **kw)
        right.plot(sel["width"], sel["caller_p99"], label=variant, **kw)
    try:
        cross = crossover_width(df, "e2e_p99")
    except ValueError:
        cross = math.inf
    if math.isfinite(cross):
        left.axvline(cross, color=vp.GREY, ls=":", lw=1.0)
        left.text(cross, 0.98, f" RR sequential slower than ED from width {cross:.0f}",
                  transform=left.get_xaxis_transform(), ha="left", va="top", fontsize=7.5, color=vp.GREY)
    left.set_title("End-to-end p99: until every service is done", fontsize=10, loc="left", color=vp.INK)
    right.set_title("Caller p99: until orders answers", fontsize=10, loc="left", color=vp.INK)
    for a in (left, right):
        vp.tidy(a)
        a.set_xlabel("fan-out width (downstream services)", fontsize=8.5)
        a.set_xticks(sorted(df["width"].unique()))
        a.set_ylim(bottom=0)
        a.legend(fontsize=7.5, frameon=False, loc="center left")
    left.set_ylabel("latency (ms)", fontsize=8.5)
    return fig


# ---------------------------------------------------------------------------
# Heavy tails: the max of N
# ---------------------------------------------------------------------------

def service_time_of(kind: str, mean: float = 0.006, cv: float = 3.0) -> Distribution:
    """``'exponential'`` or ``'lognormal'`` (coefficient of variation ``cv``) with the given mean."""
    if kind == "exponential":
        return Exponential(mean=mean)
    if kind == "lognormal":
        return LogNormal(mean=mean, cv=cv)
    raise ValueError(f"kind must be 'exponential' or 'lognormal', got {kind!r}")


def max_of_n_quantile(values, n: int, q: float = 0.99) -> float:
    """The ``q`` quantile of the maximum of ``n`` independent draws from ``values``' distribution.

    ``P(max <= x) = F(x)**n``, so the answer is ``values``' ``q**(1/n)``
    quantile: for ``n = 8`` and ``q = 0.99``, the single call's p99.87.
    """
    values = np.asarray(values, float)
    values = values[np.isfinite(values)]
    if not len(values):
        return float("nan")
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    return float(np.quantile(values, q ** (1.0 / n)))


def tail_point(width: int, kind: str, seed: int = 0, rate: float = 100.0, duration: float = 8.0,
               mean: float = 0.006, cv: float = 3.0) -> dict:
    """A parallel RR fan-out to ``width`` services with ``kind`` service times.

    Returns the request's p99 (``request_p99``, caller = end-to-end here),
    one call's p99 measured from the call spans (``call_p99``), and the
    p99 of the maximum of ``width`` independent calls predicted from those
    spans (``predicted_p99``); all in ms.
    """
    arch = fanout_shop(RR, width, fanout="parallel", service_time=service_time_of(kind, mean, cv))
    res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed)
    sp = res.spans
    calls = sp[(sp["service"] == "orders") & sp["operation"].str.startswith("call ")]
    call_lat = (calls["end"] - calls["start"]).to_numpy(float)
    s = res.summary()
    return {"request_p99": s["p99"] * 1000, "request_p50": s["p50"] * 1000,
            "call_p99": float(np.percentile(call_lat, 99)) * 1000 if len(call_lat) else float("nan"),
            "predicted_p99": max_of_n_quantile(call_lat, width) * 1000}


def tail_figure(df: pd.DataFrame) -> Figure:
    """Request p99 against width, for each kind of service time, with one call's p99 and the max-of-N prediction."""
    need = {"width", "kind", "request_p99", "call_p99", "predicted_p99"}
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a sweep of tail_point)")
    df = df.groupby(["kind", "width"], as_index=False).mean(numeric_only=True)
    fig = Figure(figsize=(7.6, 4.0), layout="constrained")
    ax = fig.subplots()
    colors = {"exponential": vp.PALETTE[0], "lognormal": vp.PALETTE[1]}
    for kind in ("exponential", "lognormal"):
        sel = df[df["kind"] == kind].sort_values("width")
        if sel.empty:
            continue
        c = colors[kind]
        ax.plot(sel["width"], sel["request_p99"], "-o", color=c, lw=1.8, ms=5, mec="white",
                label=f"{kind}: the request's p99 (measured)")
        ax.plot(sel["width"], sel["predicted_p99"], ":", color=c, lw=1.6,
                label=f"{kind}: p99 of the max of N calls (predicted)")
        ax.plot(sel["width"], sel["call_p99"], "--", color=c, lw=1.0, alpha=0.8, label=f"{kind}: one call's p99")
    ax.set_xscale("log", base=2)
    widths = sorted(df["width"].unique())
    ax.set_xticks(widths, [f"{w:.0f}" for w in widths])
    ax.set_xlabel("parallel fan-out width N", fontsize=8.5)
    ax.set_ylabel("latency (ms)", fontsize=8.5)
    ax.set_title("Waiting for the slowest of N: the tail grows with N", fontsize=10, loc="left", color=vp.INK)
    vp.tidy(ax)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7.5, frameon=False, loc="upper left")
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class LatencyPanel(Panel):
    """Both clocks of both styles for a fan-out of ``width`` services, under sliders.

    Controls: ``rate`` (traffic); ``slowdown`` × of ``service-0`` during
    ``window`` (failure); fan-out ``width`` and RR ``mode`` ('parallel' or
    'sequential'); the stream's ``partitions``. The figure: latency CDFs
    (solid: caller, dashed: end-to-end) and the p50/p95/p99 of each clock.
    """

    def __init__(self, *, duration: float = 10.0, seed: int = 7, rate: int = 100, slowdown: float = 1.0,
                 window: tuple | None = None, width: int = 4, mode: str = "parallel", partitions: int = 8,
                 run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        if window is None:
            window = (round(self.duration * 0.3), round(self.duration * 0.6))
        controls = {
            "rate": slider(W.IntSlider, value=rate, min=10, max=300, step=10, description="rate (req/s)",
                           tooltip="Poisson arrivals per second at orders, the same in both styles"),
            "slowdown": slider(W.FloatSlider, value=slowdown, min=1.0, max=10.0, step=0.5, description="slowdown ×",
                               tooltip="service-0's service times × this during the window"),
            "window": slider(W.FloatRangeSlider, value=window, min=0.0, max=self.duration, step=0.5,
                             description="slow at (s)", readout_format=".1f"),
            "width": slider(W.IntSlider, value=width, min=1, max=10, description="fan-out width",
                            tooltip="how many downstream services each order needs"),
            "mode": dropdown(options=[("parallel calls", "parallel"), ("sequential calls", "sequential")],
                             value=mode, description="RR calls",
                             tooltip="request-response: all calls at once, or one after another"),
            "partitions": slider(W.IntSlider, value=partitions, min=1, max=16, description="partitions",
                                 tooltip="partitions of the stream (event-driven)"),
        }
        groups = [("traffic (both styles)", ["rate"]), ("failure: service-0 slows", ["slowdown", "window"]),
                  ("fan-out", ["width", "mode"]), ("partitions", ["partitions"])]
        columns = control_columns(controls, groups)
        super().__init__(controls, layout=columns)
        if run:
            self.run()

    def faults(self, p: dict) -> list:
        start, end = p["window"]
        if p["slowdown"] != 1 and end > start:
            return [Slowdown("service-0", start, end, p["slowdown"])]
        return []

    def architecture(self, style: str, p: dict) -> Architecture:
        return fanout_shop(style, int(p["width"]), fanout=p["mode"], partitions=int(p["partitions"]))

    def simulate(self, params: dict, timings: dict) -> dict:
        traffic, faults = Traffic.poisson(params["rate"]), self.faults(params)
        results = {}
        for style in (RR, ED):
            own = params["mode"] if style == RR else params["partitions"]
            key = (params["rate"], tuple(faults), params["width"], own)
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                self.architecture(style, params), traffic, self.duration, faults=faults, seed=self.seed,
                max_requests=30_000, max_drain=self.duration, trace_sample=0.0))
        return results

    def draw(self, results: dict, params: dict) -> Figure:
        width_in, height_in = 11.0, 4.6
        fig = Figure(figsize=(width_in, height_in))
        bottom = 1.0 + 0.165 * 4
        left = fig.add_axes([0.6 / width_in, bottom / height_in, 4.6 / width_in, 1 - (bottom + 0.35) / height_in])
        vp.latency(results, which="overlay", ax=left)
        bars = fig.add_axes([6.4 / width_in, 0.75 / height_in, 4.4 / width_in, 1 - 1.15 / height_in])
        table = latency_table(results)
        cols = list(table.columns)
        x = np.arange(len(cols))
        w = 0.38
        for k, style in enumerate((RR, ED)):
            if style not in table.index:
                continue
            bars.bar(x + (k - 0.5) * w, table.loc[style, cols], width=w, color=vp.STYLE_COLORS[style],
                     label=vp.STYLE_LABELS[style])
        bars.set_xticks(x, [c.replace("end-to-end", "e2e") for c in cols], fontsize=7.5)
        bars.set_ylabel("ms", fontsize=8.5)
        mode = params["mode"]
        bars.set_title(f"{params['width']} services · RR calls {mode}", fontsize=9.5, loc="left", color=vp.INK)
        vp.tidy(bars)
        bars.legend(fontsize=7.5, frameon=False)
        return fig

    def summary_html(self, results: dict) -> str:
        t = latency_table(results)
        cells = []
        for clock in ("caller", "end-to-end"):
            for p in (50, 99):
                col = f"{clock} p{p}"
                rr, ed = t.loc[RR, col], t.loc[ED, col]
                better = "RR" if rr < ed else ("ED" if ed < rr else "tie")
                cells.append((col, f"RR {vp.format_ms(rr / 1000)} · ED {vp.format_ms(ed / 1000)}  ({better} lower)"))
        return table_html(cells)
