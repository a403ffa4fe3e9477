"""The comparison panel: any scenario, both styles, the common traffic, failure and network controls."""

from __future__ import annotations

import html
import inspect
from typing import Callable

import numpy as np

from .. import plots as vp
from .. import scenarios
from ..controls import Context, control
from ..faults import ErrorRate, Outage, Slowdown, cut_links_into
from ..results import compare
from ..traffic import Traffic
from .parts import DEFAULT_DURATION, PANEL_MAX_REQUESTS, run_duration
from .spec import PanelSpec, SpecPanel, panel_run


#: The groups of controls a ComparisonPanel can show, in display order.
CONTROL_GROUPS = {
    "traffic": ("rate", "spike", "spike_window"),
    "failure": ("service", "down", "window", "slowdown", "error_rate"),
    "partition": ("partitions", "keys", "hot_key", "cut", "cut_window"),
    "trace": ("trace_at",),
}
_GROUP_TITLES = {"traffic": "traffic (both styles)", "failure": "failure",
                 "partition": "partitions & network", "trace": "trace"}
#: The figures a ComparisonPanel can draw, left to right.
PLOTS = vp.comparison_figures
_KEY_NUMBERS = ("p50", "p99", "e2e_p99", "error_rate", "throughput", "max_consumer_lag")


def scenario_traffic(p: dict) -> Traffic:
    """The arrivals of the common traffic controls: ``rate``, a ``spike`` in
    ``spike_window``, ``keys`` and a ``hot_key`` share."""
    keys = {"keys": int(p["keys"]), "hot_key_share": float(p["hot_key"])}
    start, end = p["spike_window"]
    if p["spike"] != 1 and end > start:
        return Traffic.spike(p["rate"], p["spike"], start, end, **keys)
    return Traffic.poisson(p["rate"], **keys)


def scenario_faults(arch, p: dict) -> list:
    """The faults of the common failure and network controls, for one style's
    architecture: the same fault for every style, wired each style's way."""
    out = []
    service = p["service"]
    start, end = p["window"]
    if end > start:
        if p["down"]:
            out.append(Outage(service, start, end))
        if p["slowdown"] != 1:
            out.append(Slowdown(service, start, end, p["slowdown"]))
        if p["error_rate"] > 0:
            out.append(ErrorRate(service, start, end, p["error_rate"]))
    start, end = p["cut_window"]
    if p["cut"] and end > start:
        out += cut_links_into(arch, p["cut"], start, end)
    return out


def comparison_spec(scenario: Callable = scenarios.order_placed, *, styles=scenarios.STYLES,
                    controls=("traffic", "failure", "partition"), plots=("latency", "timeseries"),
                    metrics=("throughput", "errors", "consumer_lag"), nodes=None, latency: str = "overlay",
                    numbers: bool = True, max_requests: int = PANEL_MAX_REQUESTS, duration: float = DEFAULT_DURATION,
                    seed: int = 7, title: str | None = None) -> PanelSpec:
    """The :class:`PanelSpec` of a :class:`ComparisonPanel` (its arguments, checked)."""
    if not callable(scenario):
        raise TypeError(f"scenario must be a function style -> Architecture, got {scenario!r}")
    controls, plots, metrics = _names(controls), _names(plots), _names(metrics)
    bad = [g for g in controls if g not in CONTROL_GROUPS]
    if bad:
        raise ValueError(f"controls: unknown group {bad[0]!r}; choose from {tuple(CONTROL_GROUPS)}")
    bad = [p for p in plots if p not in PLOTS]
    if bad:
        raise ValueError(f"plots: unknown plot {bad[0]!r}; choose from {PLOTS}")
    if not plots:
        raise ValueError(f"plots: choose at least one of {PLOTS}")
    if latency not in ("caller", "e2e", "both", "overlay"):
        raise ValueError(f"latency must be 'caller', 'e2e', 'both' or 'overlay', got {latency!r}")
    takes = _accepted_kwargs(scenario)
    probe = scenario(tuple(styles)[0])
    services = tuple(s for s in probe.services if s != probe.entry) or tuple(probe.services)
    overrides = {"partitions": control("partitions", default=_default_partitions(scenario))}
    shown = [name for g in controls for name in CONTROL_GROUPS[g]]
    columns = tuple((_GROUP_TITLES[g], tuple((n, overrides[n]) if n in overrides else n for n in CONTROL_GROUPS[g]))
                    for g in controls)
    ctx = Context(duration=run_duration(duration), services=services)
    fixed = {}
    for name in (n for names in CONTROL_GROUPS.values() for n in names):
        if name not in shown:
            fixed[name] = overrides.get(name, control(name)).value(ctx)
    traced = "trace" in plots

    def runs(p):
        kwargs = {"partitions": int(p["partitions"])} if "partitions" in takes else {}
        traffic = scenario_traffic(p)
        out = {}
        for style in styles:
            arch = scenario(style, **kwargs)
            out[style] = panel_run(p, arch, traffic, scenario_faults(arch, p), max_requests=max_requests,
                                   trace_sample=1.0 if traced else 0.0)
        return out

    def draw(results, p, _):
        # Latency and time series redraw in place on the next move (vp.ComparisonFigure).
        return vp.comparison_drawing(results, plots, metrics=metrics, nodes=nodes, latency_view=latency,
                                     trace_at=p["trace_at"])

    return PanelSpec(name="ComparisonPanel", columns=columns, runs=runs, draw=draw,
                     numbers=(lambda results, p, _: numbers_table(results)) if numbers else None,
                     fixed=fixed, view_only=("trace_at",), services=services,
                     requires={"spike_window": ("spike",), "cut_window": ("cut",)}, duration=duration, seed=seed,
                     title=title)


class ComparisonPanel(SpecPanel):
    """Both styles of a scenario, side by side, under sliders.

    Every run builds ``scenario(style)`` for each of ``styles``, sends the
    *same* traffic through each with the *same* ``seed`` (so both see the
    very same arrivals and keys), injects the same faults, and simulates
    ``duration`` seconds (plus the drain).

    ``controls`` picks the groups of sliders shown:

    - ``'traffic'``: ``rate`` (req/s), a ``spike`` factor and its ``spike_window``;
    - ``'failure'``: a faulty ``service``; during ``window`` it is ``down``
      and/or ``slowdown`` times slower and/or fails at ``error_rate``;
    - ``'partition'``: stream ``partitions``, the key space ``keys`` and a
      ``hot_key`` share, and a network ``cut`` during ``cut_window``. The cut
      is the link that brings work to the chosen service: ``orders → service``
      in request-response, ``stream → service`` in event-driven — the same
      loss of contact, wired each style's way;
    - ``'trace'``: ``trace_at``, which request's trace to draw.

    ``plots`` picks the figures: ``'latency'`` (CDFs; ``latency='overlay'``
    draws both clocks in one panel, or choose 'caller', 'e2e' or 'both'),
    ``'timeseries'`` (the ``metrics``, optionally only some ``nodes``),
    ``'trace'`` (waterfalls of the same request in each style),
    ``'scorecard'`` and ``'architecture'``. Key numbers are shown as a small
    table under the status line (``numbers=False`` hides it).

    Any other keyword sets a parameter's starting value by name
    (``rate=150``, ``service='inventory'``, ``down=False``, ``slowdown=10``,
    ``partitions=1`` ...).
    """

    def __init__(self, scenario: Callable = scenarios.order_placed, *, styles=scenarios.STYLES,
                 duration: float = DEFAULT_DURATION, seed: int = 7,
                 controls=("traffic", "failure", "partition"), plots=("latency", "timeseries"),
                 metrics=("throughput", "errors", "consumer_lag"), nodes=None, latency: str = "overlay",
                 numbers: bool = True, max_requests: int = PANEL_MAX_REQUESTS, title: str | None = None,
                 run: bool = True, **values):
        spec = comparison_spec(scenario, styles=styles, controls=controls, plots=plots, metrics=metrics,
                               nodes=nodes, latency=latency, numbers=numbers, max_requests=max_requests,
                               duration=duration, seed=seed, title=title)
        self.plots, self.metrics = _names(plots), _names(metrics)
        super().__init__(spec, run=run, **values)


def _names(value) -> tuple:
    """One name or several, as a tuple: ``"latency"`` is ``("latency",)``."""
    return (value,) if isinstance(value, str) else tuple(value)


def _accepted_kwargs(func) -> set:
    try:
        return set(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return set()


def _default_partitions(scenario) -> int:
    try:
        default = inspect.signature(scenario).parameters["partitions"].default
        return int(default) if isinstance(default, int) else 4
    except (KeyError, TypeError, ValueError):
        return 4


def numbers_table(results: dict) -> str:
    """The key numbers of ``results`` as a small HTML table, the better value in bold green."""
    table = compare(results)
    names = list(table.columns)
    colors = vp._assign_colors(names, {n: r.architecture.name for n, r in results.items()})
    head = "".join(f'<th style="padding:2px 10px;color:{colors[n]}">{html.escape(str(n))}</th>' for n in names)
    rows = []
    for metric in _KEY_NUMBERS:
        label, better, _ = vp.SCORE_ROWS[metric]
        values = []
        for n in names:
            v = float(table.loc[metric, n])
            if metric in vp.EVENT_METRICS and not results[n].architecture.streams:
                v = float("nan")
            values.append(v)
        arr = np.array(values)
        finite = np.isfinite(arr)
        best = set()
        if better and finite.sum() >= 2:
            target = np.nanmin(arr) if better < 0 else np.nanmax(arr)
            if not np.all(arr[finite] == target):
                best = {k for k, v in enumerate(arr) if np.isfinite(v) and np.isclose(v, target)}
        cells = "".join(
            f'<td style="padding:2px 10px;text-align:right;{"color:#1e7b1e;font-weight:600" if k in best else ""}">'
            f"{vp.format_value(metric, v)}</td>" for k, v in enumerate(values))
        rows.append(f'<tr><td style="padding:2px 10px;color:#555">{label}</td>{cells}</tr>')
    return ('<table style="border-collapse:collapse;font-size:12px">'
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")


# ---------------------------------------------------------------------------

def outage_panel(**kw) -> ComparisonPanel:
    """A downstream service goes down: RR errors against ED consumer lag."""
    options = dict(controls=("failure", "traffic"), plots=("timeseries",),
                   metrics=("errors", "consumer_lag"), down=True)
    options.update(kw)
    return ComparisonPanel(**options)


def slowdown_panel(**kw) -> ComparisonPanel:
    """A downstream service slows: does the slowness reach the caller?"""
    options = dict(controls=("failure", "traffic"), plots=("latency", "timeseries"), latency="caller",
                   metrics=("errors", "busy_workers"), nodes={"busy_workers": ["orders"]},
                   service="inventory", down=False, slowdown=10.0)
    options.update(kw)
    return ComparisonPanel(**options)


def trace_panel(**kw) -> ComparisonPanel:
    """One request's trace in each style; slide along the run to pick another."""
    options = dict(controls=("trace", "failure"), plots=("trace",), numbers=False, down=False)
    options.update(kw)
    return ComparisonPanel(**options)
