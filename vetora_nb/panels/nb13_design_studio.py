"""Notebook 13's panel: your design and its twin, under the same traffic and faults.

The design is a parameter with no slider (``design``, a
:class:`~vetora_nb.studio.Design`): the editor
(:class:`vetora_nb.widgets.editor.DesignEditor`) sets it after every edit,
and each run wires it twice (:func:`vetora_nb.experiments.studio.architectures`):
as built and as its twin, with the links its editor chose kept synchronous.
The controls are the collection's: ``rate``, a ``spike`` in ``spike_window``
(traffic); during ``window`` a ``service`` is ``down``, ``slowdown`` ×
slower and/or fails ``error_rate`` of its work (failure); a network ``cut``
into a service during ``cut_window``; and the ``retries``, ``timeout`` and
circuit ``breaker`` of every synchronous call in both runs. The figure is
the comparison's (latency and errors, throughput and consumer lag over time).

A design that is not a system, or has no faithful twin, is not run: the
status line says why, in words (``panel.error``).

>>> spec = studio_spec()
>>> sorted(spec.controls())[:3]
['breaker', 'cut', 'cut_window']
"""

from __future__ import annotations

import html

from .. import plots as vp
from .. import workers
from ..controls import control, window
from ..experiments import studio as experiment
from ..faults import cut_links_into
from ..studio import Design, DesignError
from ..widgets.editor import DesignEditor
from ..widgets import PanelSpec, SpecPanel, numbers_table, panel_run, scenario_faults, scenario_traffic

__all__ = ["studio_spec", "panel", "studio", "Studio", "fault_services"]

#: The figures: latency on the left, what happened over time on the right.
METRICS = ("throughput", "errors", "consumer_lag")


def fault_services(design: Design) -> tuple:
    """What the 'faulty service' menu offers: every service but the entry (or the entry alone)."""
    return tuple(s for s in design.services if s != design.entry) or tuple(design.services) or ("(none)",)


def _faults(arch, p: dict) -> list:
    for what, name in (("faulty service", p["service"]), ("network cut", p["cut"])):
        if name and name not in arch.services:
            raise DesignError([f"The {what} {name!r} is not in the design: pick one of {', '.join(arch.services)}."])
    start, end = p["cut_window"]
    out = scenario_faults(arch, {**p, "cut": ""})
    if p["cut"] and end > start:
        out += cut_links_into(arch, p["cut"], start, end)
    return out


def _runs(p: dict) -> dict:
    archs = experiment.architectures(p["design"], timeout=float(p["timeout"]), retries=int(p["retries"]),
                                     breaker=bool(p["breaker"]))
    traffic = scenario_traffic(p)
    return {name: panel_run(p, arch, traffic, _faults(arch, p)) for name, arch in archs.items()}


def _draw(results: dict, p: dict, _analysis):
    # Notebook 00's figure, kept and redrawn in place while the design keeps its run names.
    return vp.comparison_drawing(results, ("latency", "timeseries"), metrics=METRICS)


def _numbers(results: dict, p: dict, _analysis) -> str:
    names = list(results)
    head = (f'<div style="font-size:12px;color:#444">your design: <b>{html.escape(names[0])}</b> · '
            f'its twin: <b>{html.escape(names[1])}</b></div>')
    return head + numbers_table(results)


def studio_spec(design: Design | None = None, *, duration: float = 20.0, seed: int = 7) -> PanelSpec:
    """The :class:`~vetora_nb.widgets.PanelSpec` of the studio's panel, starting
    from ``design`` (default: the shop of :data:`~vetora_nb.experiments.studio.SHOP`)."""
    design = Design.load(experiment.SHOP) if design is None else design
    if not isinstance(design, Design):
        raise TypeError(f"design must be a vetora_nb.studio.Design, got {design!r}")
    services = fault_services(design)
    return PanelSpec(
        name="StudioPanel",
        columns=(
            ("traffic (both)", ("rate", "spike", "spike_window")),
            ("failure", ("service", ("down", control("down", default=True)), "window", "slowdown", "error_rate")),
            ("network", ("cut", ("cut_window", control("cut_window", default=window(0.3, 0.5))))),
            ("synchronous calls (both)", ("retries", "timeout", ("breaker", control(
                "breaker", tooltip="every call: 5 failures in a row open it for 1 s")))),
        ),
        runs=_runs, draw=_draw, numbers=_numbers,
        fixed={"design": design, "keys": 1000, "hot_key": 0.0},
        requires={"spike_window": ("spike",), "cut_window": ("cut",)},
        services=services, duration=duration, seed=seed)


def panel(design: Design | None = None, *, duration: float = 20.0, seed: int = 7, run: bool = True,
          parallel: bool = True, **values) -> SpecPanel:
    """The studio's run panel for ``design``, live (``panel(design, rate=120)``)."""
    return SpecPanel(studio_spec(design, duration=duration, seed=seed), run=run, parallel=parallel, **values)


class Studio:
    """The design studio: the editor (``studio.editor``) above the run panel
    (``studio.panel``); every edit is run at once, in the background in a notebook."""

    def __init__(self, editor: DesignEditor, panel: SpecPanel, *, run: bool = True):
        import ipywidgets as W

        self.editor, self.panel = editor, panel
        self._run = run
        self.widget = W.VBox([W.HTML("<b>your design</b>"), editor.widget,
                              W.HTML("<b>your design and its twin, under the same traffic and faults</b>"),
                              panel.widget])
        editor.on_change(self._push)

    def _push(self, design: Design) -> None:
        p = self.panel
        p.set_options("service", fault_services(design))
        p.set_options("cut", [("no network cut", "")] + [(f"cut link to {s}", s) for s in fault_services(design)])
        p.fixed["design"] = design
        if self._run:
            p.changed()

    def _ipython_display_(self):
        from IPython.display import display

        if self.panel.parallel:
            workers.start()   # warm the workers up while the reader looks at the first picture
        display(self.widget)


def studio(design: Design | None = None, *, duration: float = 20.0, seed: int = 7, run: bool = True,
           parallel: bool = True, folder=".", **values) -> Studio:
    """Notebook 13's studio: an editor for ``design`` (default: the shop of
    :data:`~vetora_nb.experiments.studio.SHOP`) and the panel that runs it and its
    twin; ``values`` set the panel's controls (``studio(rate=120, service="payment")``)."""
    design = Design.load(experiment.SHOP) if design is None else design
    return Studio(DesignEditor(design.copy(), folder=folder),
                  panel(design.copy(), duration=duration, seed=seed, run=False, parallel=parallel, **values),
                  run=run)
