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

- **It runs once per change, and only what changed.** Sliders send one
  value when released (``continuous_update=False``); ``update(**params)``
  sets any number of parameters and runs once. Runs are cached by
  everything they depend on (:mod:`vetora_nb.runs`): moving the partitions
  slider re-runs only the style that has partitions.
- **It answers at once.** In a notebook, a move starts the update in the
  background and the status line says so straight away; moves that arrive
  meanwhile supersede each other, so a burst of moves costs at most two
  updates. The two styles' runs are made side by side in worker processes
  when the machine has two cores (:mod:`vetora_nb.workers`), with results
  identical to runs made one after the other.
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

A notebook's own panel is a :class:`PanelSpec` — a declaration of its
controls (from the catalogue in :mod:`vetora_nb.controls`), of how their
values become runs, and of which figure and key numbers to show — run by
the one generic :class:`SpecPanel` (``vetora_nb.panels`` holds them all).
"""

from __future__ import annotations

import base64
import html
import inspect
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from . import plots as vp
from . import scenarios, workers
from .controls import CONTROL_WIDTH, DESCRIPTION_WIDTH, KEY_SPACES, Context, control  # noqa: F401
from .faults import ErrorRate, Outage, Slowdown, cut_links_into
from .results import compare
from .runs import Run, RunCache
from .traffic import Traffic

__all__ = ["Panel", "PanelSpec", "SpecPanel", "panel_run", "ComparisonPanel", "comparison_spec",
           "outage_panel", "slowdown_panel", "trace_panel", "scenario_traffic", "scenario_faults", "numbers_table",
           "CONTROL_GROUPS", "PLOTS", "DEFAULT_DURATION", "PANEL_MAX_REQUESTS", "check_parameters", "slider",
           "dropdown", "checkbox", "control_columns", "table_html", "run_duration"]

#: Simulated seconds per run unless a panel is told otherwise: long enough for
#: a fault window and its recovery, short enough to redraw in under a second.
DEFAULT_DURATION = 30.0
#: A run that would create more requests than this is refused with a message
#: instead of keeping the kernel busy for many seconds.
PANEL_MAX_REQUESTS = 30_000

_BUSY = '<span style="color:#666">&#x23F3; simulating…</span>'
_ERROR_STYLE = "color:#b00020;font-weight:600"


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
    #: Run control moves in a background thread, coalescing bursts (``None``:
    #: only inside a Jupyter kernel, where the kernel keeps taking messages).
    background: bool | None = None

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
        self._lock = threading.Lock()
        self._wanted = 0            # settings asked for so far; a run serves all asked before it began
        self._worker: threading.Thread | None = None
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
        if self._holding:
            return
        if self._in_background():
            self.request()
        else:
            self.run()

    def _in_background(self) -> bool:
        if self.background is not None:
            return self.background
        try:
            from IPython import get_ipython
        except ImportError:   # pragma: no cover
            return False
        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None

    def request(self) -> None:
        """Ask for a run with the current settings and return at once.

        The status line says straight away that a run is under way. Moves
        that arrive while a run is going supersede each other: when it ends,
        one more run is made with the latest settings, so a burst of moves
        costs at most two updates after the last one.
        """
        with self._lock:
            self._wanted += 1
            self.status.value = _BUSY
            if self._worker is not None:
                return
            self._worker = threading.Thread(target=self._serve, name=f"{type(self).__name__} update", daemon=True)
            self._worker.start()

    def _serve(self) -> None:
        while True:
            with self._lock:
                serving = self._wanted
            self.run()
            with self._lock:
                if self._wanted == serving:
                    self._worker = None
                    return

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the runs asked for are done; ``False`` if ``timeout`` ran out first."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True

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

        if getattr(self, "parallel", False):
            workers.start()   # warm the workers up while the reader looks at the first picture
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
# Panels as specs
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PanelSpec:
    """A panel, declared: what it shows and how its parameters become runs.

    ``columns``   ``((title, names), ...)``: the controls, in columns; a
                  name is a :data:`~vetora_nb.controls.CATALOGUE` entry, or
                  ``(name, Control)`` for one with overrides
                  (``("rate", control("rate", max=400))``).
    ``runs``      ``params -> {name: Run | Job}``: what to simulate. The
                  panel simulates only runs whose :attr:`~vetora_nb.runs.Run.key`
                  it has not seen, so there are no cache keys to write.
    ``draw``      ``(results, params, analysis) -> Figure``.
    ``numbers``   optional ``(results, params, analysis) -> [(label, value)]``
                  (or an HTML string): the key numbers under the status line.
    ``analyse``   optional ``(results, params) -> dict``: measurements that
                  ``draw`` and ``numbers`` share, computed once per update.
    ``fixed``     parameters with no control, and their defaults.
    ``view_only`` controls that change the picture, never the runs.
    ``requires``  ``{control: (other controls, ...)}``: a control that only
                  matters once others are on (a spike window needs a spike).
    ``services``  what a ``'service'`` menu offers (or ``() -> tuple``).

    Every parameter — each control, each fixed one, and ``duration`` and
    ``seed`` — reaches ``runs``, ``draw`` and ``numbers`` in ``params``.
    """

    name: str
    columns: tuple
    runs: Callable
    draw: Callable
    numbers: Callable | None = None
    analyse: Callable | None = None
    fixed: dict = field(default_factory=dict)
    view_only: tuple = ()
    requires: dict = field(default_factory=dict)
    services: Any = ()
    duration: float = DEFAULT_DURATION
    seed: int = 7
    title: str | None = None

    def controls(self) -> dict:
        """``{name: Control}`` of the controls on show, in column order."""
        out = {}
        for _, names in self.columns:
            for entry in names:
                name, ctl = entry if isinstance(entry, tuple) else (entry, control(entry))
                if name in out:
                    raise ValueError(f"columns: control {name!r} appears twice in panel {self.name!r}")
                out[name] = ctl
        return out

    def context(self, duration: float) -> Context:
        services = self.services() if callable(self.services) else self.services
        return Context(duration=float(duration), services=tuple(services))


def panel_run(params: dict, architecture, traffic, faults=(), **options) -> Run:
    """The :class:`~vetora_nb.runs.Run` a panel makes for ``params``: its
    ``duration`` and ``seed``, at most :data:`PANEL_MAX_REQUESTS` requests, no
    traces unless asked (``trace_sample=1.0``), and a drain of at most twice the run."""
    options.setdefault("max_requests", PANEL_MAX_REQUESTS)
    options.setdefault("trace_sample", 0.0)
    options.setdefault("max_drain", max(30.0, 2 * float(params["duration"])))
    return Run(architecture, traffic, float(params["duration"]), tuple(faults), params["seed"], options)


class SpecPanel(Panel):
    """The one generic panel: a :class:`PanelSpec` under live controls.

    ``SpecPanel(spec, duration=..., seed=..., **values)`` builds the
    controls the spec names with their defaults for a run of ``duration``
    seconds (``values`` set any parameter's starting value by name), and
    runs unless ``run=False``. Each update asks the spec for its runs,
    simulates those it has not seen (:class:`~vetora_nb.runs.RunCache`),
    then draws.
    """

    def __init__(self, spec: PanelSpec, *, duration: float | None = None, seed: int | None = None,
                 run: bool = True, parallel: bool = True, **values):
        self.spec = spec
        duration = run_duration(spec.duration if duration is None else duration)
        seed = spec.seed if seed is None else seed
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {seed!r}")
        ctx = spec.context(duration)
        catalogue = spec.controls()
        known = list(catalogue) + list(spec.fixed)
        check_parameters(spec.name, values, known)
        widgets_ = {name: ctl.widget(ctx, values.get(name, ctl.value(ctx))) for name, ctl in catalogue.items()}
        fixed = {**spec.fixed, **{k: v for k, v in values.items() if k in spec.fixed}}
        fixed.update(duration=duration, seed=seed)
        self.duration, self.seed = duration, seed
        self.cache = RunCache()
        self.analysis: dict = {}
        #: Make a move's runs side by side in worker processes (when there are two cores).
        self.parallel = parallel
        columns = control_columns(widgets_, [(title, [e[0] if isinstance(e, tuple) else e for e in names])
                                             for title, names in spec.columns])
        super().__init__(widgets_, fixed, title=spec.title, layout=columns)
        if run:
            self.run()

    def planned_runs(self, params: dict | None = None) -> dict:
        """``{name: Run | Job}`` the spec asks for at ``params`` (default: the
        current ones), without simulating anything."""
        return self.spec.runs(self.params() if params is None else params)

    def simulate(self, params: dict, timings: dict) -> dict:
        """The planned runs: reused if seen, the rest made side by side (:mod:`vetora_nb.workers`)."""
        planned = self.planned_runs(params)
        results = {}
        fresh = [name for name, run in planned.items() if run.key not in self.cache]
        made = dict(zip(fresh, workers.execute([planned[n] for n in fresh], parallel=self.parallel)))
        for name, run in planned.items():
            if name in made:
                results[name], timings[name] = made[name]
                self.cache.put(run, results[name])
            else:
                results[name], timings[name] = self.cache.get(run)
        self.analysis = self.spec.analyse(results, params) if self.spec.analyse else {}
        return results

    def draw(self, results: dict, params: dict) -> Figure:
        return self.spec.draw(results, params, self.analysis)

    def summary_html(self, results: dict) -> str:
        if self.spec.numbers is None:
            return ""
        rows = self.spec.numbers(results, self.params(), self.analysis)
        return rows if isinstance(rows, str) else table_html(rows)


# ---------------------------------------------------------------------------
# The comparison panel: any scenario, both styles, the common controls
# ---------------------------------------------------------------------------

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
    controls, plots, metrics = (tuple((x,) if isinstance(x, str) else x) for x in (controls, plots, metrics))
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
        return vp.comparison(results, plots, metrics=metrics, nodes=nodes, latency_view=latency,
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
        self.plots, self.metrics = tuple(spec_plots(plots)), tuple(spec_plots(metrics))
        super().__init__(spec, run=run, **values)


def spec_plots(value) -> tuple:
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
