"""The catalogue of controls: every slider, checkbox and menu a panel can show, defined once.

A control is a name with a meaning: ``rate`` is always "Poisson arrivals
per second at the entry, the same in both styles", whichever notebook
shows it. A panel picks controls from :data:`CATALOGUE` by name and may
override what differs (a range, a default, a label), never redefine them:

>>> rate = control("rate", max=400, default=150)
>>> rate.max, rate.default, rate.label
(400, 150, 'rate (req/s)')
>>> control("rat")
Traceback (most recent call last):
...
KeyError: "control: no control 'rat' in the catalogue; did you mean 'rate'?"

Defaults may depend on the panel's run length (a fault window a third of
the way in): such a default is a function of the :class:`Context`.
Costly controls send one value when released (``continuous_update=False``):
each value a control sends is a simulation.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from typing import Any, Callable

import ipywidgets as W

__all__ = ["Context", "Control", "CATALOGUE", "control", "window", "DESCRIPTION_WIDTH", "CONTROL_WIDTH",
           "KEY_SPACES", "nice_step"]

#: The width of a control's label, on every panel.
DESCRIPTION_WIDTH = "110px"
#: The width of a control, label included.
CONTROL_WIDTH = "330px"
#: The key spaces a key-space slider offers.
KEY_SPACES = (1, 2, 5, 10, 20, 50, 100, 1000, 10_000)


def nice_step(duration: float) -> float:
    """A slider step for times in a run of ``duration`` seconds: at most ~60 stops."""
    for step in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0):
        if duration / step <= 60:
            return step
    return 20.0


@dataclass(frozen=True)
class Context:
    """What a control's range and default may depend on: the run's length,
    and the services a 'which service' menu offers."""

    duration: float = 30.0
    services: tuple = ()

    @property
    def step(self) -> float:
        return nice_step(self.duration)


def window(a: float, b: float) -> Callable:
    """A default time window from ``a`` to ``b`` of the run (fractions), on the slider's steps."""
    def default(ctx: Context) -> tuple:
        s, d = ctx.step, ctx.duration
        return (round(d * a / s) * s, round(d * b / s) * s)
    default.__qualname__ = f"window({a:g}, {b:g})"
    return default


@dataclass(frozen=True)
class Control:
    """One control: its ``kind``, ``label``, ``tooltip``, ``default`` and range.

    Kinds: ``'int'`` and ``'float'`` sliders, ``'range'`` (a time window on
    ``[0, duration]``), ``'check'`` (a checkbox), ``'menu'`` (a dropdown of
    ``options``, ``'services'`` for the panel's services) and ``'steps'``
    (a slider over ``options``).
    """

    kind: str
    label: str
    tooltip: str = ""
    default: Any = None
    min: Any = None
    max: Any = None
    step: Any = None
    options: Any = None
    readout: str | None = None
    extra: dict = field(default_factory=dict)

    def value(self, ctx: Context):
        """The default for a panel with context ``ctx``."""
        return self.default(ctx) if callable(self.default) else self.default

    def _at(self, name: str, ctx: Context):
        value = getattr(self, name)
        return value(ctx) if callable(value) else value

    def widget(self, ctx: Context, value) -> W.ValueWidget:
        """A widget showing ``value``, laid out like every panel's."""
        lo, hi, step = self._at("min", ctx), self._at("max", ctx), self._at("step", ctx)
        style = {"description_width": DESCRIPTION_WIDTH}
        common = dict(description=self.label, tooltip=self.tooltip, style=style, layout=W.Layout(width=CONTROL_WIDTH))
        slider = dict(common, continuous_update=False)
        if self.readout:
            slider["readout_format"] = self.readout
        if self.kind == "int":
            return W.IntSlider(value=value, min=lo, max=hi, step=step or 1, **slider)
        if self.kind == "float":
            return W.FloatSlider(value=value, min=lo, max=hi, step=step, **slider)
        if self.kind == "range":
            slider.setdefault("readout_format", ".1f")
            return W.FloatRangeSlider(value=value, min=0.0, max=ctx.duration, step=step or ctx.step, **slider)
        if self.kind == "steps":
            return W.SelectionSlider(options=list(self.options), value=value, **slider)
        if self.kind == "menu":
            options = self.options
            if options == "services":
                options = list(ctx.services)
            elif callable(options):
                options = options(ctx)
            return W.Dropdown(options=options, value=value, **common)
        if self.kind == "check":
            return W.Checkbox(value=value, description=self.label, tooltip=self.tooltip, indent=False,
                              layout=W.Layout(width=CONTROL_WIDTH, margin="0 0 0 20px"))
        raise ValueError(f"kind: unknown control kind {self.kind!r}")

    def but(self, **overrides) -> "Control":
        """This control with some fields changed (``rate.but(max=400)``)."""
        return replace(self, **overrides)


def _cut_options(ctx: Context) -> list:
    return [("no network cut", "")] + [(f"cut link to {s}", s) for s in ctx.services]


CATALOGUE: dict[str, Control] = {
    # -- traffic: the same arrivals go to both styles ------------------------------
    "rate": Control("int", "rate (req/s)", "Poisson arrivals per second at the entry service, the same in both styles",
                    default=100, min=10, max=300, step=10),
    "spike": Control("float", "spike ×", "the rate is multiplied by this during the spike window (1 = no spike)",
                     default=1.0, min=1.0, max=5.0, step=0.5),
    "spike_window": Control("range", "spike at (s)", "when the spike starts and ends", default=window(0.4, 0.55)),
    "keys": Control("steps", "key space", "distinct order keys; a key always goes to the same partition",
                    default=1000, options=KEY_SPACES),
    "hot_key": Control("float", "hot-key share", "share of all requests that carry one hot key (one partition)",
                       default=0.0, min=0.0, max=0.9, step=0.05, readout=".0%"),
    # -- failure: one service misbehaves in a window ------------------------------------
    "service": Control("menu", "faulty service", "the service that goes down, slows or fails", options="services",
                       default=lambda c: "shipping" if "shipping" in c.services else c.services[0]),
    "down": Control("check", "down (outage)", "the service is down during the window", default=True),
    "window": Control("range", "fault window (s)", "when the fault starts and ends (equal ends: no fault)",
                      default=window(1 / 3, 2 / 3)),
    "slowdown": Control("float", "slowdown ×", "service times are this many times longer during the window (1 = normal)",
                        default=1.0, min=1.0, max=20.0, step=0.5),
    "error_rate": Control("float", "error rate", "share of handling that fails during the window",
                          default=0.0, min=0.0, max=1.0, step=0.05, readout=".0%"),
    # -- partitions and the network --------------------------------------------------------
    "partitions": Control("int", "partitions", "partitions of the stream (event-driven): at most this many "
                          "consumers per group work", default=4, min=1, max=16),
    "instances": Control("int", "instances", "consumer instances per group (event-driven) or workers (request-response)",
                         default=4, min=1, max=16),
    "cut": Control("menu", "network", "cut the link that brings work to a service: from the entry "
                   "(request-response) or from the stream (event-driven)", default="", options=_cut_options),
    "cut_window": Control("range", "cut window (s)", "when the network partition starts and heals",
                          default=window(1 / 3, 0.5)),
    # -- request-response calls -----------------------------------------------------------
    "retries": Control("int", "retries", "RR: each call is tried again this many times", default=2, min=0, max=5),
    "timeout": Control("float", "timeout (s)", "RR: the caller gives up on an attempt after this long",
                       default=0.5, min=0.05, max=1.0, step=0.05, readout=".2f"),
    "breaker": Control("check", "circuit breaker", "RR: a breaker on each call opens after repeated failures",
                       default=False),
    # -- event-driven consumers --------------------------------------------------------------
    "idempotent": Control("check", "idempotent consumers", "ED: consumers skip events they have already applied",
                          default=False),
    # -- view only: what to look at, no new simulation -----------------------------------
    "trace_at": Control("float", "trace at (s)", "show the first request that arrived after this time",
                        default=lambda c: window(0.5, 0.5)(c)[0], min=0.0, max=lambda c: c.duration,
                        step=lambda c: c.step / 5, readout=".1f"),
    # -- notebook 06 --
    "width": Control("int", "fan-out width", "how many downstream services each order needs", default=4, min=1, max=10),
    "fanout": Control("menu", "RR calls", "request-response: all calls at once, or one after another",
                      default="parallel", options=[("parallel calls", "parallel"), ("sequential calls", "sequential")]),

    # -- notebook 01 --
    "consumers": Control("int", "consumers", "services that react to every order", default=4, min=1, max=8),
    # -- notebook 02 --
    "read_rate": Control("int", "reads (per s)", "queries of the read model per second", default=200,
                         min=50, max=1000, step=50),
    # -- notebook 03 --
    "propagate": Control("check", "consumers carry the correlation id", "ED: each consumer carries the trace id "
                         "across the broker (off: its spans start a trace of their own)", default=True),
    "trace_sample": Control("float", "trace sample", "share of requests whose trace is recorded (decided at the "
                            "entry)", default=1.0, min=0.0, max=1.0, step=0.05, readout=".0%"),
}


def control(name: str, **overrides) -> Control:
    """The catalogue's control ``name``, with ``overrides`` (``max=400``, ``default=...``, ``label=...``)."""
    if name not in CATALOGUE:
        close = difflib.get_close_matches(name, CATALOGUE, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(CATALOGUE)}"
        raise KeyError(f"control: no control {name!r} in the catalogue{hint}")
    return CATALOGUE[name].but(**overrides) if overrides else CATALOGUE[name]


# -- notebook 07 --
CATALOGUE["fault"] = Control("menu", "fault", "what happens to the chosen service over the window: it goes down, or "
                             "the network that brings it work is cut", default="outage",
                             options=[("outage (down)", "outage"), ("network cut", "cut")])

# -- notebook 08 --
CATALOGUE["crash"] = Control("range", "crash (s)", "the consumer group crashes over this window (equal ends: no "
                             "crash); on restart it re-reads from its last committed offset", default=window(0.4, 0.5))
CATALOGUE["commit_interval"] = Control("float", "commit every (s)", "ED: consumers commit their offsets this often, "
                                       "after processing (0: after every event)", default=1.0, min=0.0, max=5.0,
                                       step=0.25)

# -- notebook 09 --
CATALOGUE["state_at"] = Control("float", "state at T (s)", "the temporal query: replay the log up to T",
                                default=lambda c: float(round(0.4 * c.duration)), min=0.0, max=lambda c: c.duration,
                                step=lambda c: c.step, readout=".1f")
CATALOGUE["late_at"] = Control("float", "late group joins", "when a new consumer group subscribes and replays the "
                               "log from offset 0", default=lambda c: float(round(2 * c.duration / 3)), min=1.0,
                               max=lambda c: c.duration, step=lambda c: c.step, readout=".1f")
CATALOGUE["retention"] = Control("menu", "retention", "how long the log keeps an event", default=None,
                                 options=[("keep forever", None), ("20 s", 20.0), ("10 s", 10.0), ("5 s", 5.0),
                                          ("2 s", 2.0)])
CATALOGUE["slow_group"] = Control("menu", "slow consumer", "which consumer group the slowdown applies to",
                                  default="projection",
                                  options=[("projection (read model)", "projection"), ("late group", "late")])

from .scenarios import SHOP_DOWNSTREAM, SHOP_SYNC  # noqa: E402


def _sweep_metrics(ctx: Context) -> list:
    from .plots.sweeps import METRICS

    return [(label, metric) for metric, label in METRICS.items()]


CATALOGUE.update({
    # -- notebook 10 --
    "step_failure": Control("float", "step failure p", "the chance that each step fails (then the done ones are undone)",
                            default=0.05, min=0.0, max=0.5, step=0.01, readout=".0%"),
    "broker_ms": Control("float", "broker hop (ms)", "one event hop, append to delivery (choreography)",
                         default=7.0, min=0.5, max=20.0, step=0.5, readout=".1f"),
    "network_ms": Control("float", "network leg (ms)", "one way of a synchronous call (orchestration pays two per step)",
                          default=1.0, min=0.2, max=10.0, step=0.2, readout=".1f"),
    # -- notebook 11 --
    **{f"sync_{service}": Control("check", service, f"ticked: orders calls {service} and waits for it; "
                                  f"unticked: {service} consumes order-placed events", default=service in SHOP_SYNC)
       for service in SHOP_DOWNSTREAM},
    "intensity": Control("float", "drill intensity", "0: no drill; 1: the drill; 2: every fault twice as long or harsh",
                         default=1.0, min=0.0, max=2.0, step=0.25),
    # -- notebook 12 --
    "metric": Control("menu", "show", "the number each cell of the heat maps shows (a view: nothing is re-run)",
                      default="e2e_p99", options=_sweep_metrics),
})
