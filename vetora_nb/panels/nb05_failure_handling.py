"""Notebook 05's panel: a failing shipping service, and each style's defences, under sliders.

Controls: ``rate`` (traffic); during ``window`` shipping is ``down`` (a
crash: consumers redeliver what they had not committed), ``slowdown`` ×
slower and/or fails ``error_rate`` of its work (failure); the RR calls'
``retries``, ``timeout`` and a circuit ``breaker``
(:data:`vetora_nb.experiments.failure.BREAKER`); the stream's
``partitions`` and ``idempotent`` consumers (event-driven). The figure
(:func:`vetora_nb.plots.failure_panel`): failed requests per second,
``orders``' busy workers, the breaker's state, shipping's lag and its
dead-lettered events.

>>> spec = failure_spec()
>>> sorted(spec.controls())[:3]
['breaker', 'down', 'error_rate']
"""

from __future__ import annotations

from .. import measures
from .. import plots as vp
from ..controls import control, window
from ..experiments.failure import BREAKER, ED, RR, shop
from ..traffic import Traffic
from ..widgets import PanelSpec, SpecPanel, drawn_in_place, panel_run, scenario_faults

__all__ = ["SERVICE", "failure_spec", "panel"]

#: The service that fails.
SERVICE = "shipping"


def _architecture(style: str, p: dict):
    if style == RR:
        return shop(RR, retries=int(p["retries"]), timeout=float(p["timeout"]),
                    circuit_breaker=BREAKER if p["breaker"] else None)
    return shop(ED, partitions=int(p["partitions"]), idempotent=bool(p["idempotent"]))


def _runs(p: dict) -> dict:
    traffic = Traffic.poisson(p["rate"])
    out = {}
    for style in (RR, ED):
        arch = _architecture(style, p)
        out[style] = panel_run(p, arch, traffic, scenario_faults(arch, p))
    return out


def _figure(results: dict, p: dict, _analysis) -> dict:
    """What the figure shows (:class:`~vetora_nb.plots.FailureFigure`): a move redraws it in place."""
    return {"results": results, "service": SERVICE, "breaker": bool(p["breaker"])}


def _failed_wait(res) -> str:
    """The failed requests in two parts: those refused at the door (answered
    at once, without waiting: a median over them would read "0 ms") and how
    long the others waited, at the median."""
    req = res.requests
    failed = req[req["status"] != "ok"]
    if failed.empty:
        return "none failed"
    refused = failed["status"] == "rejected"
    rest = failed.loc[~refused, "latency"]
    return f"{int(refused.sum()):,} · {vp.format_ms(float(rest.median())) if len(rest) else 'none waited'}"


def _numbers(results: dict, p: dict, _analysis) -> list:
    rr, ed = results[RR], results[ED]
    s_rr, s_ed = rr.summary(), ed.summary()
    books = measures.accounting(ed)
    ended = measures.retry_outcomes(ed, SERVICE)
    return [
        ("caller error rate", f"RR {s_rr['error_rate']:.1%} · ED {s_ed['error_rate']:.1%}"),
        ("failed requests: refused at once · median wait of the rest",
         f"RR {_failed_wait(rr)} · ED {_failed_wait(ed)}"),
        (f"RR calls to {SERVICE} per request", f"{measures.attempts_per_request(rr, SERVICE):.2f}"),
        (f"ED {SERVICE}: processed · dead-lettered · pending",
         " · ".join(f"{ended[k]:,}" for k in ("processed", "dlq", "pending"))),
        ("ED events lost · duplicates", f"{books['lost']} · {books['duplicates']}"),
    ]


def failure_spec(duration: float = 15.0, seed: int = 7) -> PanelSpec:
    """The :class:`~vetora_nb.widgets.PanelSpec` of notebook 05's panel."""
    return PanelSpec(
        name="FailurePanel",
        columns=(
            ("traffic (both styles)", (("rate", control("rate", min=20, max=200)),)),
            ("failure: shipping", (("down", control("down", label="shipping down (crash)", default=False)),
                                   "slowdown", "error_rate", ("window", control("window", default=window(0.3, 0.65))))),
            ("request-response calls", ("retries", "timeout", ("breaker", control(
                "breaker", tooltip=f"RR: {BREAKER.failure_threshold} failures in a row open it for "
                                f"{BREAKER.reset_timeout:g} s")))),
            ("partitions & consumers", ("partitions", "idempotent")),
        ),
        runs=_runs, draw=drawn_in_place(vp.FailureFigure, _figure), numbers=_numbers,
        fixed={"service": SERVICE, "cut": "", "cut_window": (0.0, 0.0)},
        requires={"window": ("down",)},
        duration=duration, seed=seed)


def panel(*, duration: float = 15.0, seed: int = 7, run: bool = True, **values) -> SpecPanel:
    """Notebook 05's panel, live (``panel(slowdown=3.5, retries=2)``)."""
    return SpecPanel(failure_spec(duration, seed), run=run, **values)
