"""Panels as specs: a :class:`PanelSpec` declares a panel, :class:`SpecPanel` runs any of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .. import workers
from ..controls import Context, control
from ..runs import Run, RunCache
from .panel import Panel
from .parts import DEFAULT_DURATION, PANEL_MAX_REQUESTS, check_parameters, control_columns, run_duration, table_html


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
    ``draw``      ``(results, params, analysis) -> Figure``, or a drawing
                  that redraws in place: an object with a ``figure`` and
                  ``update(results, params, analysis) -> bool`` (``False``:
                  draw me afresh), e.g. :class:`~vetora_nb.plots.ComparisonFigure`
                  or one made by :func:`drawn_in_place`.
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


def drawn_in_place(figure: type, inputs: Callable) -> Callable:
    """A spec's ``draw`` for a figure class that redraws in place.

    ``figure`` makes a :class:`~vetora_nb.plots.drawing.Drawing` (a subclass
    such as :class:`~vetora_nb.plots.FailureFigure`, or a function such as
    :func:`~vetora_nb.plots.saga_drawing`) whose ``update`` takes the same
    inputs; ``inputs(results, params, analysis)`` gives them, as a dict of
    keywords or a tuple of positions. The first move builds
    ``figure(**inputs(...))``; each later one asks it to
    ``update(**inputs(...))``, and the panel
    draws a fresh one when it says ``False``. So a panel declares *what*
    its figure shows once, and the figure decides what a move can change.
    """

    def draw(results: dict, params: dict, analysis: dict) -> _InPlace:
        return _InPlace(_call(figure, inputs(results, params, analysis)), inputs)

    return draw


def _call(fn, inputs):
    return fn(**inputs) if isinstance(inputs, dict) else fn(*inputs)


class _InPlace:
    """A figure class's drawing under a panel's protocol: ``(results, params, analysis)`` in, its own inputs out."""

    def __init__(self, drawing, inputs: Callable):
        self.drawing, self.inputs = drawing, inputs

    @property
    def figure(self):
        return self.drawing.figure

    def update(self, results: dict, params: dict, analysis: dict) -> bool:
        return bool(_call(self.drawing.update, self.inputs(results, params, analysis)))

    def png(self, dpi: float) -> bytes:
        return self.drawing.png(dpi)


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

    def draw(self, results: dict, params: dict):
        return self.spec.draw(results, params, self.analysis)

    def redraw(self, drawing, results: dict, params: dict) -> bool:
        return bool(drawing.update(results, params, self.analysis))

    def summary_html(self, results: dict) -> str:
        if self.spec.numbers is None:
            return ""
        rows = self.spec.numbers(results, self.params(), self.analysis)
        return rows if isinstance(rows, str) else table_html(rows)


