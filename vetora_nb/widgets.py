"""Panels of sliders that re-run both styles and redraw.

A panel is the experiment of a notebook made adjustable: move a slider, and
*both* architectures are simulated again under the same seeded traffic and
the same faults, and the figure is redrawn. Nothing is precomputed or
interpolated: every picture is a fresh run.

>>> from vetora_nb import widgets
>>> panel = widgets.ComparisonPanel(duration=5, run=False)
>>> panel.update(rate=50, window=(1, 3))     # sets the sliders, runs once
>>> sorted(panel.results)
['event_driven', 'request_response']

In a notebook, put the panel on the last line of a cell to show it.

How a panel behaves:

- **It runs once per change.** Costly sliders use ``continuous_update=False``,
  so dragging sends one value when released. ``update(**params)`` sets any
  number of parameters and runs once, not once per parameter.
- **It tells you what it is doing.** The status line says "simulating…"
  while it runs, then how long each style took ("RR 420 ms · ED 190 ms"),
  or, in red, why it could not run ("Could not simulate: rate: this traffic
  would send about 45,000 requests ..."). A panel never raises and never
  shows a traceback; the last error is also kept in ``panel.error``.
- **It redraws without flicker.** The figure is rendered to a PNG and the
  panel's single ``Output`` area gets the new image in one update (the
  effect of ``clear_output(wait=True)`` followed by ``display``, without the
  moment in between when the area is empty). Figures are plain
  ``matplotlib.figure.Figure`` objects, never pyplot's, so nothing piles up
  however often you move a slider.

What is on a panel is configurable: ``controls=`` picks the groups of
sliders (``'traffic'``, ``'failure'``, ``'partition'``, ``'trace'``),
``plots=`` the figures (``'latency'``, ``'timeseries'``, ``'trace'``,
``'scorecard'``, ``'architecture'``), and any parameter can be given a
starting value by name (``ComparisonPanel(slowdown=10, down=False)``).
Parameters whose group is not shown keep that value; they are listed in
``panel.fixed``.

A notebook's own panel is a :class:`Panel` subclass built from the same
parts: controls made with :func:`slider`, :func:`dropdown` and
:func:`checkbox`, laid out by :func:`control_columns`, runs reused with
:meth:`Panel.cached_run`, key numbers shown with :func:`table_html`.
"""

from __future__ import annotations

import base64
import html
import inspect
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from . import plots as vp
from . import scenarios
from .faults import ErrorRate, NetworkPartition, Outage, Slowdown
from .results import compare
from .simulation import simulate
from .traffic import Traffic

__all__ = ["Panel", "ComparisonPanel", "outage_panel", "slowdown_panel", "trace_panel",
           "CONTROL_GROUPS", "PLOTS", "DEFAULT_DURATION", "check_parameters", "slider", "dropdown", "checkbox",
           "control_columns", "table_html", "run_duration"]

#: Simulated seconds per run unless a panel is told otherwise: long enough for
#: a fault window and its recovery, short enough to redraw in under a second.
DEFAULT_DURATION = 30.0
#: A run that would create more requests than this is refused with a message
#: instead of keeping the kernel busy for many seconds.
PANEL_MAX_REQUESTS = 30_000

_BUSY = '<span style="color:#666">&#x23F3; simulating…</span>'
_ERROR_STYLE = "color:#b00020;font-weight:600"
#: The width of a control's label, on every panel unless it says otherwise.
DESCRIPTION_WIDTH = "110px"
#: The width of a control, label included.
CONTROL_WIDTH = "330px"


# ---------------------------------------------------------------------------
# Controls, and how a panel lays them out
# ---------------------------------------------------------------------------

def run_duration(duration) -> float:
    """A panel's simulated seconds per run, checked: a number > 0."""
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
        raise ValueError(f"duration must be a number > 0, got {duration!r}")
    return float(duration)


def check_parameters(owner: str, values: dict, known) -> None:
    """Refuse starting values a panel has no parameter for, naming them all.

    >>> check_parameters("MyPanel", {"rate": 1, "rat": 2}, ["rate", "seed"])
    Traceback (most recent call last):
    ...
    TypeError: MyPanel got an unknown parameter 'rat'; parameters: rate, seed
    """
    unknown = [k for k in values if k not in known]
    if unknown:
        raise TypeError(f"{owner} got an unknown parameter {unknown[0]!r}; parameters: {', '.join(known)}")


def slider(kind, *, description_width: str = DESCRIPTION_WIDTH, width: str = CONTROL_WIDTH, **kw):
    """A ``kind`` of slider (``W.IntSlider``, ``W.FloatRangeSlider``,
    ``W.SelectionSlider`` ...) that looks like every panel's and, unless told
    otherwise, sends one value when released (``continuous_update=False``):
    each value it sends is a simulation."""
    kw.setdefault("continuous_update", False)
    return kind(style={"description_width": description_width}, layout=W.Layout(width=width), **kw)


def dropdown(*, description_width: str = DESCRIPTION_WIDTH, width: str = CONTROL_WIDTH, **kw) -> W.Dropdown:
    """A ``W.Dropdown`` that lines up with the panel's sliders."""
    return W.Dropdown(style={"description_width": description_width}, layout=W.Layout(width=width), **kw)


def checkbox(value: bool, description: str, **kw) -> W.Checkbox:
    """A ``W.Checkbox`` as wide as the sliders, set in a little from their left edge."""
    return W.Checkbox(value=value, description=description, indent=False,
                      layout=W.Layout(width=CONTROL_WIDTH, margin="0 0 0 20px"), **kw)


def control_columns(controls: dict, groups) -> list:
    """The controls in columns, one per ``(title, names)`` of ``groups``: a
    grey bold title above the controls it names (the ``layout`` of a :class:`Panel`)."""
    return [W.VBox([W.HTML(f'<b style="color:#444">{title}</b>')] + [controls[n] for n in names],
                   layout=W.Layout(margin="0 18px 6px 0")) for title, names in groups]


def table_html(rows, *, align_right: bool = False) -> str:
    """A panel's key numbers: an HTML table of ``(label, value)`` rows, both
    escaped (``align_right`` lines the values up on the right)."""
    value_style = "padding:1px 10px;text-align:right" if align_right else "padding:1px 10px"
    body = "".join(f'<tr><td style="padding:1px 10px;color:#555">{html.escape(k)}</td>'
                   f'<td style="{value_style}">{html.escape(v)}</td></tr>' for k, v in rows)
    return f'<table style="border-collapse:collapse;font-size:12px">{body}</table>'


# ---------------------------------------------------------------------------
# The base class
# ---------------------------------------------------------------------------

class Panel:
    """Controls → run → draw → show, with a status line.

    Subclasses provide :meth:`simulate` (parameters → ``{name: Result}``)
    and :meth:`draw` (results, parameters → ``Figure``); the base class does
    the rest: watching the controls, the busy/timing/error status, the
    flicker-free redraw and :meth:`update`.

    Attributes a notebook (or a test) can read:

    ``controls``   ``{name: widget}`` of the controls on show
    ``fixed``      ``{name: value}`` of parameters with no control on show
    ``results``    the latest ``{name: Result}``
    ``figure``     the latest ``Figure``
    ``error``      the latest error message, or ``None`` after a good run
    ``timings``    seconds spent per run name, and in ``'draw'``
    ``widget``     the ``VBox`` to display
    """

    #: Resolution of the PNG shown in the panel.
    dpi = 90

    def __init__(self, controls: dict, fixed: dict | None = None, *, title: str | None = None,
                 layout: list | None = None):
        self.controls: dict[str, W.ValueWidget] = dict(controls)
        self.fixed: dict[str, Any] = dict(fixed or {})
        self.results: dict = {}
        self.figure: Figure | None = None
        self.error: str | None = None
        self.timings: dict[str, float] = {}
        self.runs = 0
        self._cache: dict = {}
        self._holding = False
        self.status = W.HTML(value="", layout=W.Layout(min_height="22px"))
        self.numbers = W.HTML(value="")
        self.output = W.Output(layout=W.Layout(min_height="120px"))
        for widget in self.controls.values():
            widget.observe(self._on_change, names="value")
        parts = []
        if title:
            parts.append(W.HTML(f"<b>{html.escape(title)}</b>"))
        if layout is not None:
            parts.append(W.HBox(layout, layout=W.Layout(flex_flow="row wrap")))
        elif self.controls:
            parts.append(W.VBox(list(self.controls.values())))
        parts += [self.status, self.numbers, self.output]
        self.widget = W.VBox(parts)

    # -- what subclasses provide ---------------------------------------------
    def simulate(self, params: dict, timings: dict) -> dict:
        """Run the experiment for ``params``; return ``{name: Result}``.

        Record the seconds each run took in ``timings[name]`` (``None`` for a
        result reused because nothing it depends on changed); the status line
        shows them."""
        raise NotImplementedError

    def draw(self, results: dict, params: dict) -> Figure:
        """Draw ``results``; return a new ``Figure``."""
        raise NotImplementedError

    def summary_html(self, results: dict) -> str:
        """Optional key numbers shown under the status line."""
        return ""

    def cached_run(self, name: str, key, run: Callable):
        """``run()``, or the result it gave last time for ``name`` if ``key``
        (everything the run depends on) has not changed since.

        Returns ``(result, seconds)``: how long ``run`` took, or ``None`` for
        a result reused — what :meth:`simulate` records in ``timings[name]``.
        """
        cached = self._cache.get(name)
        if cached is not None and cached[0] == key:
            return cached[1], None
        t0 = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - t0
        self._cache[name] = (key, result)
        return result, seconds

    # -- parameters ------------------------------------------------------------
    def params(self) -> dict:
        """Every parameter's current value: the controls' and the fixed ones."""
        values = dict(self.fixed)
        values.update({name: w.value for name, w in self.controls.items()})
        return values

    def update(self, **params) -> None:
        """Set parameters (shown or fixed) by name, then run once.

        A value a control cannot take (an unknown option, the wrong type) is
        reported in the status line and nothing runs; a number beyond a
        slider's range is moved to its end, and the status says so.
        """
        unknown = [k for k in params if k not in self.controls and k not in self.fixed]
        if unknown:
            known = ", ".join(list(self.controls) + list(self.fixed))
            self._show_error(f"Could not update: no parameter {unknown[0]!r} (known: {known})")
            return
        notes = []
        before = self.params()
        self._holding = True
        try:
            for name, value in params.items():
                if name not in self.controls:
                    self.fixed[name] = value
                    continue
                widget = self.controls[name]
                try:
                    widget.value = value
                except Exception as exc:   # a TraitError names the bad value
                    self._restore(before)  # all or nothing: the picture still matches the controls
                    self._show_error(f"Could not set {name} to {value!r}: {_message(exc)}", clear=False)
                    return
                if _differs(widget.value, value):
                    notes.append(f"{name} {value!r} is outside the slider: using {_short(widget.value)}")
        finally:
            self._holding = False
        self.run(notes=notes)

    def _restore(self, values: dict) -> None:
        for name, value in values.items():
            if name in self.controls:
                self.controls[name].value = value
            else:
                self.fixed[name] = value

    # -- running ---------------------------------------------------------------
    def _on_change(self, change) -> None:
        if not self._holding:
            self.run()

    def run(self, notes=()) -> None:
        """Simulate with the current parameters and redraw (never raises)."""
        self.runs += 1
        self.status.value = _BUSY
        params = self.params()
        timings: dict[str, float] = {}
        try:
            results = self.simulate(params, timings)
        except Exception as exc:
            self._show_error(f"Could not simulate: {_message(exc)}")
            return
        t0 = time.perf_counter()
        try:
            fig = self.draw(results, params)
            png = vp.figure_png(fig, dpi=self.dpi)
            numbers = self.summary_html(results)
        except Exception as exc:
            self._show_error(f"Could not draw: {_message(exc)}")
            return
        timings["draw"] = time.perf_counter() - t0
        self.results, self.figure, self.timings, self.error = results, fig, timings, None
        width, height = fig.get_size_inches() * self.dpi
        # One update replaces the image: no empty moment, no flicker, nothing accumulates.
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": base64.b64encode(png).decode("ascii"),
                     "text/plain": f"<Figure {width:.0f}x{height:.0f}>"},
            "metadata": {},
        },)
        self.numbers.value = numbers
        self.status.value = self._timing_html(timings, notes)

    def _timing_html(self, timings: dict, notes=()) -> str:
        parts = [f"{vp.STYLE_LABELS.get(name, name)} " + ("unchanged" if seconds is None else f"{seconds * 1000:.0f} ms")
                 for name, seconds in timings.items() if name != "draw"]
        if "draw" in timings:
            parts.append(f"drawn in {timings['draw'] * 1000:.0f} ms")
        text = '<span style="color:#2a7a2a">&#x2713;</span> simulated ' + " · ".join(parts)
        for note in notes:
            text += f' &nbsp;<span style="color:#a05a00">({html.escape(note)})</span>'
        return f'<span style="color:#555">{text}</span>'

    def _show_error(self, message: str, clear: bool = True) -> None:
        """Say what went wrong, in the panel, in red. After a failed run the
        old picture goes (it no longer matches the controls); after a refused
        update nothing changed, so it stays."""
        self.error = message
        self.status.value = f'<span style="{_ERROR_STYLE}">{html.escape(message)}</span>'
        if clear:
            self.output.outputs = ()
            self.numbers.value = ""

    # -- display -----------------------------------------------------------------
    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {', '.join(self.controls) or 'no controls'}>"


def _message(exc: BaseException) -> str:
    """The readable part of an exception (a KeyError's message has quotes around it)."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    text = str(exc).strip()
    return text or type(exc).__name__


def _differs(got, wanted) -> bool:
    try:
        if isinstance(got, tuple):
            return any(not math.isclose(float(a), float(b)) for a, b in zip(got, wanted))
        if isinstance(got, (int, float)) and not isinstance(got, bool):
            return not math.isclose(float(got), float(wanted))
    except (TypeError, ValueError):
        return False
    return False


def _short(value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:g}" for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


# ---------------------------------------------------------------------------
# Parameters and their controls
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Param:
    group: str
    default: Callable      # (ctx) -> value
    control: Callable      # (ctx, value) -> widget


def _nice_step(duration: float) -> float:
    for step in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0):
        if duration / step <= 60:
            return step
    return 20.0


def _window(ctx, a: float, b: float) -> tuple:
    step = ctx["step"]
    d = ctx["duration"]
    return (round(d * a / step) * step, round(d * b / step) * step)


def _range(ctx, value, description, tooltip):
    return slider(W.FloatRangeSlider, value=value, min=0.0, max=ctx["duration"], step=ctx["step"],
                  description=description, tooltip=tooltip, readout_format=".1f")


def _dropdown(options, value, description, tooltip):
    return dropdown(options=options, value=value, description=description, tooltip=tooltip)


#: The key spaces a key-space slider offers.
KEY_SPACES = (1, 2, 5, 10, 20, 50, 100, 1000, 10_000)

PARAMS: dict[str, _Param] = {
    # traffic: the same arrivals go to both styles
    "rate": _Param("traffic", lambda c: 100, lambda c, v: slider(
        W.IntSlider, value=v, min=10, max=300, step=10, description="rate (req/s)",
        tooltip="Poisson arrivals per second at the entry service")),
    "spike": _Param("traffic", lambda c: 1.0, lambda c, v: slider(
        W.FloatSlider, value=v, min=1.0, max=5.0, step=0.5, description="spike ×",
        tooltip="the rate is multiplied by this during the spike window (1 = no spike)")),
    "spike_window": _Param("traffic", lambda c: _window(c, 0.4, 0.55), lambda c, v: _range(
        c, v, "spike at (s)", "when the spike starts and ends")),
    # failure: one downstream service misbehaves in a window
    "service": _Param("failure", lambda c: c["default_service"], lambda c, v: _dropdown(
        c["services"], v, "faulty service", "the service that goes down, slows or fails")),
    "down": _Param("failure", lambda c: True, lambda c, v: checkbox(
        v, "down (outage)", tooltip="the service is down during the window")),
    "window": _Param("failure", lambda c: _window(c, 1 / 3, 2 / 3), lambda c, v: _range(
        c, v, "fault window (s)", "when the fault starts and ends (equal ends: no fault)")),
    "slowdown": _Param("failure", lambda c: 1.0, lambda c, v: slider(
        W.FloatSlider, value=v, min=1.0, max=20.0, step=0.5, description="slowdown ×",
        tooltip="service times are this many times longer during the window (1 = normal)")),
    "error_rate": _Param("failure", lambda c: 0.0, lambda c, v: slider(
        W.FloatSlider, value=v, min=0.0, max=1.0, step=0.05, description="error rate",
        tooltip="share of handling that fails during the window", readout_format=".0%")),
    # partition: topic partitions, keys, and a network cut
    "partitions": _Param("partition", lambda c: c["partitions"], lambda c, v: slider(
        W.IntSlider, value=v, min=1, max=16, description="partitions",
        tooltip="partitions of the stream (event-driven): at most this many consumers per group work")),
    "keys": _Param("partition", lambda c: 1000, lambda c, v: slider(
        W.SelectionSlider, options=KEY_SPACES, value=v, description="key space",
        tooltip="distinct order keys; a key always goes to the same partition")),
    "hot_key": _Param("partition", lambda c: 0.0, lambda c, v: slider(
        W.FloatSlider, value=v, min=0.0, max=0.9, step=0.05, description="hot-key share",
        tooltip="share of all requests that carry one hot key (one partition)", readout_format=".0%")),
    "cut": _Param("partition", lambda c: "", lambda c, v: _dropdown(
        [("no network cut", "")] + [(f"cut link to {s}", s) for s in c["services"]], v, "network",
        "cut the link that brings work to a service: from the entry (request-response) "
        "or from the stream (event-driven)")),
    "cut_window": _Param("partition", lambda c: _window(c, 1 / 3, 0.5), lambda c, v: _range(
        c, v, "cut window (s)", "when the network partition starts and heals")),
    # trace: which request to look at (no new simulation needed)
    "trace_at": _Param("trace", lambda c: _window(c, 0.5, 0.5)[0], lambda c, v: slider(
        W.FloatSlider, value=v, min=0.0, max=c["duration"], step=c["step"] / 5,
        description="trace at (s)", tooltip="show the first request that arrived after this time",
        readout_format=".1f")),
}

#: The groups of controls a panel can show, in display order.
CONTROL_GROUPS = {
    "traffic": ("rate", "spike", "spike_window"),
    "failure": ("service", "down", "window", "slowdown", "error_rate"),
    "partition": ("partitions", "keys", "hot_key", "cut", "cut_window"),
    "trace": ("trace_at",),
}

_GROUP_TITLES = {"traffic": "traffic (both styles)", "failure": "failure",
                 "partition": "partitions & network", "trace": "trace"}

#: The figures a ComparisonPanel can draw, left to right.
PLOTS = ("latency", "timeseries", "trace", "scorecard", "architecture")

_KEY_NUMBERS = ("p50", "p99", "e2e_p99", "error_rate", "throughput", "max_consumer_lag")


# ---------------------------------------------------------------------------
# The comparison panel
# ---------------------------------------------------------------------------

class ComparisonPanel(Panel):
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
        if not callable(scenario):
            raise TypeError(f"scenario must be a function style -> Architecture, got {scenario!r}")
        if isinstance(controls, str):
            controls = (controls,)
        if isinstance(plots, str):
            plots = (plots,)
        if isinstance(metrics, str):
            metrics = (metrics,)
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
        duration = run_duration(duration)
        check_parameters("ComparisonPanel", values, PARAMS)
        self.scenario = scenario
        self.styles = tuple(styles)
        self.duration = float(duration)
        self.seed = seed
        self.plots = tuple(plots)
        self.metrics = tuple(metrics)
        self.nodes = nodes
        self.latency_view = latency
        self.show_numbers = numbers
        self.max_requests = max_requests
        self._scenario_kwargs = _accepted_kwargs(scenario)
        probe = scenario(self.styles[0])
        services = [s for s in probe.services if s != probe.entry] or list(probe.services)
        ctx = {
            "duration": self.duration,
            "step": _nice_step(self.duration),
            "services": services,
            "default_service": "shipping" if "shipping" in services else services[0],
            "partitions": _default_partitions(scenario),
        }
        self._ctx = ctx
        shown = [name for g in controls for name in CONTROL_GROUPS[g]]
        initial = {name: values.get(name, spec.default(ctx)) for name, spec in PARAMS.items()}
        widgets_ = {name: PARAMS[name].control(ctx, initial[name]) for name in shown}
        fixed = {name: v for name, v in initial.items() if name not in widgets_}
        columns = control_columns(widgets_, [(_GROUP_TITLES[g], CONTROL_GROUPS[g]) for g in controls])
        super().__init__(widgets_, fixed, title=title, layout=columns)
        if run:
            self.run()

    # -- the experiment ----------------------------------------------------------
    def traffic(self, p: dict) -> Traffic:
        """The arrivals both styles get."""
        keys = {"keys": int(p["keys"]), "hot_key_share": float(p["hot_key"])}
        start, end = p["spike_window"]
        if p["spike"] != 1 and end > start:
            return Traffic.spike(p["rate"], p["spike"], start, end, **keys)
        return Traffic.poisson(p["rate"], **keys)

    def faults(self, arch, p: dict) -> list:
        """The faults for one style's architecture (the same ones for every style)."""
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
            out += [NetworkPartition(a, b, start, end) for a, b in _inbound_links(arch, p["cut"])]
        return out

    def architectures(self, p: dict) -> dict:
        kwargs = {}
        if "partitions" in self._scenario_kwargs:
            kwargs["partitions"] = int(p["partitions"])
        return {style: self.scenario(style, **kwargs) for style in self.styles}

    def simulate(self, params: dict, timings: dict) -> dict:
        """Run every style; a style whose architecture, traffic and faults did
        not change since its last run keeps its result (``timings[style]`` is
        then ``None``): moving the partitions slider re-runs only the styles
        that have partitions, and choosing another trace re-runs nothing."""
        traffic = self.traffic(params)
        sampled = 1.0 if "trace" in self.plots else 0.0
        results = {}
        for style, arch in self.architectures(params).items():
            faults = self.faults(arch, params)
            key = (_fingerprint(arch), traffic, tuple(faults), self.duration, self.seed, sampled,
                   self.max_requests)
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                arch, traffic, self.duration, faults=faults, seed=self.seed, max_requests=self.max_requests,
                max_drain=max(30.0, 2 * self.duration), trace_sample=sampled))
        return results

    # -- the picture -------------------------------------------------------------
    def draw(self, results: dict, params: dict) -> Figure:
        if set(self.plots) <= {"latency", "timeseries"}:
            return self._draw_columns(results)
        sizes = {
            "latency": (4.6, 3.6 * (2 if self.latency_view == "both" else 1)),
            "timeseries": (6.8, 0.5 + 1.6 * len(self.metrics)),
            "trace": (9.0, 0.9 + 0.3 * (9 + 6)),
            "scorecard": (4.4, 3.4),
            "architecture": (10.0, 4.4),
        }
        widths = [sizes[p][0] for p in self.plots]
        height = max(sizes[p][1] for p in self.plots)
        fig = Figure(figsize=(min(14.0, sum(widths)), height), layout="constrained")
        subs = fig.subfigures(1, len(self.plots), width_ratios=widths, squeeze=False)[0]
        for sub, plot in zip(subs, self.plots):
            if plot == "latency":
                views = 2 if self.latency_view == "both" else 1
                vp.latency(results, which=self.latency_view, ax=list(sub.subplots(views, 1, squeeze=False)[:, 0]))
            elif plot == "timeseries":
                vp.timeseries(results, self.metrics, ax=sub, nodes=self.nodes)
            elif plot == "trace":
                vp.waterfall(_same_request_traces(results, params["trace_at"]), ax=sub)
            elif plot == "scorecard":
                vp.scorecard(results, ax=sub.subplots())
            elif plot == "architecture":
                vp.architecture({name: r.architecture for name, r in results.items()},
                                {name: r.faults for name, r in results.items()}, ax=sub)
        return fig

    def _draw_columns(self, results: dict) -> Figure:
        """Latency and time series in columns with margins fixed in inches.

        The same picture a layout engine would find, without the extra
        measuring pass it costs on every redraw (about a third of the time).
        """
        entries = len(results) * (2 if self.latency_view == "overlay" else 1)
        columns = []   # (plot, width, left, right, top, bottom, panels, gap, min panel height) in inches
        for plot in self.plots:
            if plot == "latency":
                bottom = 1.0 + 0.165 * entries
                panels = 2 if self.latency_view == "both" else 1
                columns.append((plot, 4.6, 0.65, 0.35, 0.35, bottom, panels, bottom + 0.3, 2.5))
            else:
                columns.append((plot, 6.8, 0.6, 1.75, 0.35, 0.5, len(self.metrics), 0.42, 1.15))
        height = max(c[4] + c[5] + c[6] * c[8] + (c[6] - 1) * c[7] for c in columns)
        width = sum(c[1] for c in columns)
        fig = Figure(figsize=(width, height))
        x = 0.0
        for plot, w, left, right, top, bottom, panels, gap, _ in columns:
            panel_h = (height - top - bottom - (panels - 1) * gap) / panels
            grid = fig.add_gridspec(panels, 1, left=(x + left) / width, right=(x + w - right) / width,
                                    top=1 - top / height, bottom=bottom / height, hspace=gap / panel_h)
            if plot == "latency":
                vp.latency(results, which=self.latency_view, ax=[fig.add_subplot(grid[i]) for i in range(panels)])
            else:
                vp.timeseries(results, self.metrics, ax=vp.stacked_axes(fig, grid), nodes=self.nodes)
            x += w
        return fig

    def summary_html(self, results: dict) -> str:
        if not self.show_numbers:
            return ""
        return _numbers_table(results)


def _fingerprint(arch) -> tuple:
    """Everything about an architecture that a run depends on, hashable."""
    g = arch.graph
    nodes = tuple((n, tuple(sorted((k, repr(v)) for k, v in attrs.items()))) for n, attrs in g.nodes(data=True))
    edges = tuple((a, b, tuple(sorted((k, repr(v)) for k, v in attrs.items()))) for a, b, attrs in g.edges(data=True))
    return nodes, edges, arch.entry


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


def _inbound_links(arch, service: str) -> list:
    """The links that bring work to ``service``: calls into it, else the
    streams it consumes, else (not connected) the entry."""
    g = arch.graph
    if service not in g:
        raise KeyError(f"cut: unknown service {service!r}")
    callers = [a for a in g.predecessors(service) if g.edges[a, service]["kind"] == "call"]
    streams = [a for a in g.predecessors(service) if g.edges[a, service]["kind"] == "subscribe"]
    links = [(a, service) for a in callers + streams]
    if not links and arch.entry and arch.entry != service:
        links = [(arch.entry, service)]
    return links


def _same_request_traces(results: dict, at: float) -> dict:
    """The spans of the same request (the first arriving at or after ``at``)
    in each run: identical traffic means identical request ids."""
    out = {}
    for name, res in results.items():
        req = res.requests
        later = req[req["start"] >= at]
        row = later.iloc[0] if len(later) else (req.iloc[-1] if len(req) else None)
        if row is None:
            out[name] = res.spans.iloc[0:0]
            continue
        spans = res.spans
        out[f"{name}, request {int(row['request_id'])} ({row['status']})"] = spans[spans["trace_id"] == row["trace_id"]]
    return out


def _numbers_table(results: dict) -> str:
    """The key numbers as a small HTML table, the better value in bold green."""
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
# Ready-made panels for the notebooks
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
