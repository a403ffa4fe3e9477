"""Figures, a small closed form and the slider panel of notebook 10: sagas.

Both saga styles of :mod:`vetora_nb.patterns.sagas` run the *same* sagas
(same arrivals, same work, the same steps failing), so every difference
drawn here comes from the wiring:

- **choreography** — each service reacts to the previous one's event: one
  broker hop per step (and per compensation), no coordinator. It is the
  event-driven style, drawn in the event-driven colour;
- **orchestration** — a coordinator calls each service and waits: two
  network legs per step (and per compensation). It is request-response,
  drawn in the request-response colour.

>>> from vetora_nb.panels import nb10_sagas as nbp
>>> [s.failure for s in nbp.saga_steps(0.1)]
[0.1, 0.1, 0.1, 0.1]
>>> round(nbp.breakeven_broker_latency(0.001, nbp.saga_steps(0.0)) * 1000, 2)   # (2k - 1)/k legs
1.75
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import time

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots as vp
from ..patterns import sagas as _sagas
from ..widgets import Panel, check_parameters, control_columns, run_duration, slider

__all__ = ["STYLES", "STYLE_COLORS", "saga_steps", "run_both", "hop_counts", "failure_profile",
           "breakeven_broker_latency",
           "latency_tradeoff", "crossings", "style_architectures", "outcomes_figure", "window_figure",
           "duration_figure", "saga_figure", "tradeoff_figure", "SagaPanel"]

STYLES = _sagas.STYLES
#: Choreography travels over the broker (event-driven colour); orchestration
#: is a coordinator making synchronous calls (request-response colour).
STYLE_COLORS = {"choreography": vp.STYLE_COLORS["event_driven"],
                "orchestration": vp.STYLE_COLORS["request_response"]}


def saga_steps(failure=None, steps=_sagas.DEFAULT_STEPS) -> tuple:
    """The saga's steps (default: order, payment, inventory, shipping) with
    each step failing with probability ``failure`` — one number for every
    step, a sequence with one per step, or ``None`` for the defaults."""
    steps = tuple(steps)
    if failure is None:
        return steps
    if isinstance(failure, (int, float, np.integer, np.floating)) and not isinstance(failure, bool):
        failure = [float(failure)] * len(steps)
    failure = list(failure)
    if len(failure) != len(steps):
        raise ValueError(f"failure: give one probability or {len(steps)} of them, got {len(failure)}")
    return tuple(dataclasses.replace(s, failure=float(p)) for s, p in zip(steps, failure))


def run_both(*, rate: float = 50.0, duration: float = 30.0, seed: int = 0, failure=None,
             network_latency: float = 0.001, broker_latency: float = 0.007, drain: bool = True) -> dict:
    """``{style: SagaResult}``: both styles on the same sagas."""
    steps = saga_steps(failure)
    return {style: _sagas.run_saga(style, rate=rate, duration=duration, seed=seed, steps=steps,
                                   network_latency=network_latency, broker_latency=broker_latency,
                                   drain=drain)
            for style in STYLES}


def hop_counts(steps=_sagas.DEFAULT_STEPS) -> dict:
    """Expected message legs per saga, from the step failure probabilities.

    A saga that completes all ``k`` steps pays ``k`` broker hops in
    choreography and ``2k`` network legs in orchestration; one that fails at
    step ``j`` (0-based, after ``j`` successes) pays ``2j`` broker hops (an
    event after each success, one before each compensation) against
    ``2(j + 1) + 2j`` network legs (there and back for each step tried and
    each compensation). Choreography also pays one network leg for the
    command that starts it. Returns ``{'broker_hops', 'network_legs',
    'completion'}`` (expected values and the completion probability).
    """
    steps = tuple(steps)
    k = len(steps)
    p = np.array([s.failure for s in steps], float)
    survive = np.concatenate([[1.0], np.cumprod(1 - p)])      # P(reach step j)
    fail_at = survive[:-1] * p                                 # P(fail at step j)
    j = np.arange(k)
    complete = survive[-1]
    broker = float(np.sum(fail_at * 2 * j) + complete * k)
    network = float(np.sum(fail_at * (4 * j + 2)) + complete * 2 * k)
    return {"broker_hops": broker, "network_legs": network, "completion": float(complete)}


def failure_profile(steps=_sagas.DEFAULT_STEPS) -> pd.Series:
    """The probability that a saga fails *at* each step (it passed the ones
    before), by step name; the rest, ``expected_completion``, completes."""
    steps = tuple(steps)
    p = np.array([s.failure for s in steps], float)
    reach = np.concatenate([[1.0], np.cumprod(1 - p)[:-1]])
    return pd.Series(reach * p, index=[s.name for s in steps], name="p_fail_here")


def breakeven_broker_latency(network_latency: float, steps=_sagas.DEFAULT_STEPS) -> float:
    """The broker latency at which both styles take as long on average.

    Service and compensation work is the same in both styles, so the mean
    durations differ only by messaging: ``n + b·E[broker hops]`` against
    ``n·E[network legs]``. They are equal at
    ``b* = n·(E[network legs] − 1) / E[broker hops]``; above it, the broker
    hop costs choreography more than the coordinator costs orchestration.
    (Queueing is left out: at moderate load it is small and the same in both.)
    """
    h = hop_counts(steps)
    if h["broker_hops"] == 0:
        return math.inf
    return float(network_latency) * (h["network_legs"] - 1) / h["broker_hops"]


def latency_tradeoff(broker_latencies, *, failures=(0.0, 0.1, 0.3), network_latency: float = 0.001,
                     rate: float = 50.0, duration: float = 10.0, seed: int = 0) -> pd.DataFrame:
    """Mean and p95 saga duration of both styles as the broker hop gets dearer.

    One row per failure probability (every step), broker latency and style:
    ``failure, broker_latency, style, duration_mean, duration_p95,
    inconsistency_mean, breakeven`` (:func:`breakeven_broker_latency`),
    ``sagas, completion_rate, expected_completion, half_done``.
    Orchestration does not use the broker, so it is run once per failure.
    """
    rows = []
    for failure in failures:
        steps = saga_steps(failure)
        b_star = breakeven_broker_latency(network_latency, steps)
        orch = _sagas.run_saga("orchestration", rate=rate, duration=duration, seed=seed, steps=steps,
                               network_latency=network_latency)
        for b in broker_latencies:
            chor = _sagas.run_saga("choreography", rate=rate, duration=duration, seed=seed, steps=steps,
                                   network_latency=network_latency, broker_latency=float(b))
            for style, res in (("choreography", chor), ("orchestration", orch)):
                s, frame = res.summary(), res.sagas
                rows.append({"failure": float(failure), "broker_latency": float(b), "style": style,
                             "duration_mean": float(frame["duration"].mean()),
                             "duration_p95": s["duration_p95"],
                             "inconsistency_mean": s["inconsistency_mean"], "breakeven": b_star,
                             "sagas": s["sagas"], "completion_rate": s["completion_rate"],
                             "expected_completion": s["expected_completion"], "half_done": s["half_done"]})
    return pd.DataFrame(rows)


def crossings(table: pd.DataFrame) -> pd.DataFrame:
    """Per failure probability of a :func:`latency_tradeoff` table: the broker
    latency at which choreography's mean duration meets orchestration's
    (``measured``, linear interpolation between the sweep's points; NaN if
    the sweep does not cross) next to the closed form (``closed_form``)."""
    rows = []
    for failure, part in table.groupby("failure", sort=True):
        chor = part[part["style"] == "choreography"].sort_values("broker_latency")
        orch = part[part["style"] == "orchestration"].sort_values("broker_latency")
        x = chor["broker_latency"].to_numpy(float)
        diff = chor["duration_mean"].to_numpy(float) - orch["duration_mean"].to_numpy(float)
        measured = float("nan")
        for i in range(len(x) - 1):
            if diff[i] <= 0 < diff[i + 1]:
                measured = float(x[i] + (x[i + 1] - x[i]) * (-diff[i]) / (diff[i + 1] - diff[i]))
                break
        rows.append({"failure": float(failure), "measured": measured,
                     "closed_form": float(part["breakeven"].iloc[0])})
    return pd.DataFrame(rows)


def style_architectures(steps=_sagas.DEFAULT_STEPS) -> dict:
    """Drawings of the two wirings (for :func:`vetora_nb.plots.architecture`).

    The saga model runs on its own (:func:`~vetora_nb.patterns.sagas.run_saga`),
    not through these architectures: they only show who talks to whom.
    Choreography: each step's service reacts to the previous step's event
    (the last event, back to ``order``, is left out of the drawing).
    Orchestration: a ``saga-coordinator`` calls each service in turn.
    """
    from ..architecture import Architecture

    steps = tuple(steps)
    chor = Architecture("choreography")
    orch = Architecture("orchestration")
    orch.add_service("saga-coordinator", workers=16, service_time=0.001)
    for s in steps:
        for arch in (chor, orch):
            arch.add_service(s.name, workers=s.workers, service_time=s.service_time)
    for a, b in zip(steps, steps[1:]):
        stream = f"{a.name}-done"
        chor.add_stream(stream, partitions=1)
        chor.add_publish(a.name, stream)
        chor.add_subscription(stream, b.name)
    for s in steps:
        orch.add_call("saga-coordinator", s.name)
    chor.entry, orch.entry = steps[0].name, "saga-coordinator"
    return {"choreography": chor, "orchestration": orch}


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "—"
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def outcomes_figure(results: dict, ax=None) -> Figure:
    """Completed and compensated sagas per style, against what the step
    failure probabilities predict (``expected_completion``, with the
    binomial ±2σ range)."""
    fig, ax = vp.figure_and_axes(ax, (4.2, 3.2))
    vp.tidy(ax)
    ax.grid(axis="x", visible=False)
    names = list(results)
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        s = results[name].summary()
        x = np.array([0, 1]) + (i - (len(names) - 1) / 2) * width
        ax.bar(x, [s["completed"], s["compensated"]], width=width * 0.92,
               color=STYLE_COLORS.get(name, vp.PALETTE[i]), label=name)
        for xi, v in zip(x, (s["completed"], s["compensated"])):
            ax.text(xi, v, f"{v:,}", ha="center", va="bottom", fontsize=7)
    first = results[names[0]].summary()
    n = first["completed"] + first["compensated"]
    p = first["expected_completion"]
    for k, share in enumerate((p, 1 - p)):
        mean, sd = n * share, math.sqrt(n * p * (1 - p))
        ax.errorbar([k + 0.48], [mean], yerr=[[2 * sd], [2 * sd]], fmt="_", ms=14, color=vp.INK,
                    capsize=3, lw=1.2, label="expected ±2σ" if k == 0 else None)
    ax.set_xticks([0, 1], ["completed", "compensated"], fontsize=8.5)
    ax.set_ylabel("sagas", fontsize=8.5)
    ax.set_ylim(0, max(1, n) * 1.12)
    vp.panel_title(ax, f"outcomes (expected completion {p:.1%})")
    ax.legend(fontsize=7.5, frameon=False, loc="upper right")
    return fig


def _cdf(ax, values, color, ls, label) -> None:
    v = np.sort(np.asarray(values, float))
    v = v[np.isfinite(v)]
    if not len(v):
        return
    y = np.arange(1, len(v) + 1) / len(v)
    ax.step(v * 1000, y, where="post", color=color, ls=ls, lw=1.4, label=label)


def _cdf_frame(ax, xlabel: str, title: str, legend_size: float) -> None:
    """Axes, p95 guide, title and legend of a CDF of sagas."""
    ax.axhline(0.95, color="#bbbbbb", lw=0.8, ls=":")
    ax.set_xlabel(xlabel, fontsize=8.5)
    ax.set_ylabel("share of sagas", fontsize=8.5)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    vp.panel_title(ax, title)
    ax.legend(fontsize=legend_size, frameon=False, loc="lower right")


def window_figure(results: dict, ax=None) -> Figure:
    """The inconsistency window — how long a saga stayed partly applied — as
    a CDF per style: completed sagas solid, compensated ones dashed, their
    p95 marked."""
    fig, ax = vp.figure_and_axes(ax, (4.6, 3.2))
    vp.tidy(ax)
    for i, (name, res) in enumerate(results.items()):
        color = STYLE_COLORS.get(name, vp.PALETTE[i])
        frame = res.sagas
        for outcome, ls in (("completed", "-"), ("compensated", "--")):
            w = frame.loc[frame["outcome"] == outcome, "inconsistent_time"]
            if len(w):
                q = float(np.percentile(w, 95))
                _cdf(ax, w, color, ls, f"{name}, {outcome} (p95 {_ms(q)})")
                ax.plot([q * 1000], [0.95], "o", color=color, ms=3.5)
    _cdf_frame(ax, "time partly applied (ms)", "inconsistency window", legend_size=6.8)
    return fig


def duration_figure(results: dict, ax=None) -> Figure:
    """Saga duration (start to completed or fully compensated) as a CDF per style, p95 marked."""
    fig, ax = vp.figure_and_axes(ax, (4.2, 3.2))
    vp.tidy(ax)
    for i, (name, res) in enumerate(results.items()):
        color = STYLE_COLORS.get(name, vp.PALETTE[i])
        d = res.sagas["duration"].dropna()
        q = res.summary()["duration_p95"]
        _cdf(ax, d, color, "-", f"{name} (p95 {_ms(q)})")
        if np.isfinite(q):
            ax.axvline(q * 1000, color=color, lw=0.9, ls=":")
    _cdf_frame(ax, "saga duration (ms)", "saga duration", legend_size=7)
    return fig


def saga_figure(results: dict) -> Figure:
    """Outcomes, inconsistency windows and durations of both styles, side by side."""
    # Fixed margins instead of a layout engine: the same picture, a third faster to redraw.
    fig = Figure(figsize=(12.5, 3.5))
    a, b, c = fig.subplots(1, 3, width_ratios=[1.0, 1.25, 1.1])
    fig.subplots_adjust(left=0.055, right=0.99, bottom=0.14, top=0.91, wspace=0.22)
    outcomes_figure(results, ax=a)
    window_figure(results, ax=b)
    duration_figure(results, ax=c)
    return fig


def tradeoff_figure(table: pd.DataFrame) -> Figure:
    """From :func:`latency_tradeoff`: left, the mean duration of both styles
    against the broker latency (one shade per failure probability); right,
    choreography minus orchestration, crossing zero at the measured
    break-even, next to the closed form (triangles)."""
    fig = Figure(figsize=(10.5, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    failures = sorted(table["failure"].unique())
    for a in (left, right):
        vp.tidy(a)
    for i, failure in enumerate(failures):
        shade = 0.55 * (1 - i / max(1, len(failures) - 1))   # darkest = most failures
        rows = table[table["failure"] == failure]
        label = f"steps fail {failure:.0%}"
        by = {s: rows[rows["style"] == s].sort_values("broker_latency") for s in STYLES}
        for style, ls in (("choreography", "-"), ("orchestration", "--")):
            r = by[style]
            left.plot(r["broker_latency"] * 1000, r["duration_mean"] * 1000, ls, marker="o", ms=3,
                      color=vp.shade(STYLE_COLORS[style], shade),
                      lw=1.3, label=f"{style}, {label}")
        diff = (by["choreography"]["duration_mean"].to_numpy()
                - by["orchestration"]["duration_mean"].to_numpy())
        x = by["choreography"]["broker_latency"].to_numpy() * 1000
        color = vp.shade(vp.INK, shade)
        right.plot(x, diff * 1000, "o-", color=color, ms=3, lw=1.3, label=label)
        b_star = float(rows["breakeven"].iloc[0]) * 1000
        if np.isfinite(b_star):
            right.plot([b_star], [0], "v", color=color, ms=8, mec="white")
    right.axhline(0, color="#888888", lw=0.9)
    right.text(0.02, 0.97, "above 0: orchestration is faster\nbelow 0: choreography is faster\n"
               "▼ closed form b* = n·(E[legs] − 1)/E[hops]", transform=right.transAxes, fontsize=7.5,
               va="top", color=vp.INK)
    left.set_xlabel("broker latency per hop (ms)", fontsize=8.5)
    left.set_ylabel("mean saga duration (ms)", fontsize=8.5)
    vp.panel_title(left, "both styles as the broker hop gets dearer")
    left.legend(fontsize=6.5, frameon=False, loc="upper left", ncol=1)
    right.set_xlabel("broker latency per hop (ms)", fontsize=8.5)
    right.set_ylabel("choreography − orchestration (ms)", fontsize=8.5)
    vp.panel_title(right, "where the extra broker hops start to cost more")
    right.legend(fontsize=7.5, frameon=False, loc="lower right")
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

#: The panel's controls, a little wider than the package's default.
_slider = functools.partial(slider, description_width="120px", width="340px")


class SagaPanel(Panel):
    """Choreography and orchestration on the same sagas, under sliders.

    Controls: ``rate`` (sagas/s, traffic), ``failure`` (the probability that
    each step fails, failure), ``broker_ms`` and ``network_ms`` (one broker
    hop and one network leg, in milliseconds). Each change runs both styles
    again (drained: every saga ends completed or compensated).
    """

    def __init__(self, *, duration: float = 20.0, seed: int = 10, run: bool = True, **values):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        start = {"rate": 50, "failure": 0.05, "broker_ms": 7.0, "network_ms": 1.0}
        check_parameters("SagaPanel", values, start)
        start.update(values)
        c = {
            "rate": _slider(W.IntSlider, value=start["rate"], min=10, max=150, step=10,
                            description="rate (sagas/s)", tooltip="Poisson saga starts per second"),
            "failure": _slider(W.FloatSlider, value=start["failure"], min=0.0, max=0.5, step=0.01,
                               description="step failure p", readout_format=".0%",
                               tooltip="the chance that each step fails (then the done ones are undone)"),
            "broker_ms": _slider(W.FloatSlider, value=start["broker_ms"], min=0.5, max=20.0, step=0.5,
                                 description="broker hop (ms)", readout_format=".1f",
                                 tooltip="one event hop, append to delivery (choreography)"),
            "network_ms": _slider(W.FloatSlider, value=start["network_ms"], min=0.2, max=10.0, step=0.2,
                                  description="network leg (ms)", readout_format=".1f",
                                  tooltip="one way of a synchronous call (orchestration pays two per step)"),
        }
        groups = (("traffic", ("rate",)), ("failure", ("failure",)),
                  ("latencies", ("broker_ms", "network_ms")))
        super().__init__(c, {}, layout=control_columns(c, groups))
        if run:
            self.run()

    def simulate(self, params: dict, timings: dict) -> dict:
        steps = saga_steps(params["failure"])
        out = {}
        for style in STYLES:
            t0 = time.perf_counter()
            out[style] = _sagas.run_saga(style, rate=params["rate"], duration=self.duration, seed=self.seed,
                                         steps=steps, network_latency=params["network_ms"] / 1000,
                                         broker_latency=params["broker_ms"] / 1000)
            timings[style] = time.perf_counter() - t0
        return out

    def draw(self, results: dict, params: dict) -> Figure:
        return saga_figure(results)

    def summary_html(self, results: dict) -> str:
        p = self.params()
        s = {name: r.summary() for name, r in results.items()}
        b_star = breakeven_broker_latency(p["network_ms"] / 1000, saga_steps(p["failure"]))
        rows = [("sagas", "{:,}", "sagas"), ("completed", "{:,}", "completed"),
                ("compensated", "{:,}", "compensated"), ("completion rate", "{:.1%}", "completion_rate"),
                ("expected completion", "{:.1%}", "expected_completion"),
                ("left half-done after the drain", "{}", "half_done"),
                ("inconsistency window p95", "ms", "inconsistency_p95"),
                ("saga duration p95", "ms", "duration_p95")]
        head = "".join(f'<th style="padding:1px 10px;color:{STYLE_COLORS[n]}">{n}</th>' for n in results)
        body = []
        for label, fmt, key in rows:
            values = [_ms(s[n][key]) if fmt == "ms" else fmt.format(s[n][key]) for n in results]
            cells = "".join(f'<td style="padding:1px 10px;text-align:right">{html.escape(v)}</td>'
                            for v in values)
            body.append(f'<tr><td style="padding:1px 10px;color:#555">{label}</td>{cells}</tr>')
        faster = "choreography" if p["broker_ms"] / 1000 < b_star else "orchestration"
        note = (f'<div style="font-size:12px;color:#555;margin-top:2px">closed form: the styles tie on '
                f'average at a broker hop of {_ms(b_star)}; at {p["broker_ms"]:g} ms '
                f'<b style="color:{STYLE_COLORS[faster]}">{faster}</b> should be faster.</div>')
        return (f'<table style="border-collapse:collapse;font-size:12px"><tr><th></th>{head}</tr>'
                f'{"".join(body)}</table>{note}')
