"""Notebook 10's panel: choreography and orchestration on the same sagas, under sliders.

Controls: ``rate`` (sagas/s), ``step_failure`` (the probability that each
step fails), ``broker_ms`` and ``network_ms`` (one broker hop and one
network leg, in milliseconds). Each change runs both styles again
(drained: every saga ends completed or compensated); a broker latency
changes only choreography's run, since orchestration never uses the broker.

>>> spec = saga_spec()
>>> list(spec.controls())
['rate', 'step_failure', 'broker_ms', 'network_ms']
"""

from __future__ import annotations

from .. import plots
from ..controls import control
from ..experiments import sagas
from ..measures import breakeven_broker_latency
from ..runs import Job
from ..widgets import PanelSpec, SpecPanel, drawn_in_place

__all__ = ["saga_spec", "panel"]

#: The numbers under the status line: label, summary key, format ('ms' for a latency).
_ROWS = (("sagas", "sagas", "{:,}"), ("completed", "completed", "{:,}"), ("compensated", "compensated", "{:,}"),
         ("completion rate", "completion_rate", "{:.1%}"), ("expected completion", "expected_completion", "{:.1%}"),
         ("left half-done after the drain", "half_done", "{}"),
         ("inconsistency window p95", "inconsistency_p95", "ms"), ("saga duration p95", "duration_p95", "ms"))


def saga_spec(*, duration: float = 20.0, seed: int = 10) -> PanelSpec:
    """Both saga styles under a rate, a step failure probability and the two latencies."""

    def runs(p):
        common = dict(rate=float(p["rate"]), duration=float(p["duration"]), seed=p["seed"],
                      failure=float(p["step_failure"]), network_latency=p["network_ms"] / 1000)
        return {"choreography": Job(sagas.run_style, dict(style="choreography", broker_latency=p["broker_ms"] / 1000,
                                                          **common)),
                "orchestration": Job(sagas.run_style, dict(style="orchestration", **common))}

    # the figure's axes are kept: a move redraws them in place
    draw = drawn_in_place(plots.saga_drawing, lambda results, p, a: (results,))

    def numbers(results, p, _):
        s = {name: r.summary() for name, r in results.items()}
        rows = [("", " · ".join(results))]
        for label, key, fmt in _ROWS:
            values = [plots.format_ms(s[n][key]) if fmt == "ms" else fmt.format(s[n][key]) for n in results]
            rows.append((label, " · ".join(values)))
        b_star = breakeven_broker_latency(p["network_ms"] / 1000, sagas.saga_steps(p["step_failure"]))
        faster = "choreography" if p["broker_ms"] / 1000 < b_star else "orchestration"
        rows += [("closed form: the styles tie at a broker hop of", plots.format_ms(b_star)),
                 (f"closed form: faster on average at {p['broker_ms']:g} ms", faster)]
        return rows

    columns = (("traffic", (("rate", control("rate", label="rate (sagas/s)", tooltip="Poisson saga starts per second",
                                             default=50, min=10, max=150)),)),
               ("failure", ("step_failure",)),
               ("latencies", ("broker_ms", "network_ms")))
    return PanelSpec(name="SagaPanel", columns=columns, runs=runs, draw=draw, numbers=numbers,
                     duration=duration, seed=seed)


def panel(*, duration: float = 20.0, seed: int = 10, run: bool = True, **values) -> SpecPanel:
    """The saga panel, shown: ``panel(rate=RATE, step_failure=FAILURE, broker_ms=7, network_ms=1, seed=SEED)``."""
    return SpecPanel(saga_spec(duration=duration, seed=seed), run=run, **values)
