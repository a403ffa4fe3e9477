"""Failure handling: what notebook 05 measures, draws and puts under sliders.

Request-response handles a failing dependency *in the call*: a timeout
bounds the wait, retries try again, a circuit breaker stops calling a
callee that keeps failing. Each has a price the run can show:

- :func:`attempts_per_request` — the load a caller sends a callee, retries
  included (``res.call_attempts``, or counted from the spans in a window):
  more than one attempt per request is *load amplification*;
- :func:`wasted_work` — callee work that finished after its caller had
  given up (a timeout does not stop the callee);
- :func:`breaker_changes` and :func:`breaker_closed_after` — the breaker's
  closed / open / half-open story, read from ``breaker_state``.

Event-driven handles it *in the broker*: a failed event is retried by its
consumer, then dead-lettered; nothing is lost (:func:`accounting`), but a
crash between processing and committing delivers events twice unless the
consumer is idempotent. :func:`shop` builds the order example with those
knobs exposed (``max_attempts``, ``retry_backoff``, ``idempotent``);
:class:`FailurePanel` puts faults, retries, timeout, breaker and partitions
under sliders.

>>> from vetora_nb.panels import nb05_failure_handling as nb05
>>> sorted(nb05.shop("event_driven", max_attempts=5).subscribers("order-placed"))
['analytics', 'inventory', 'notifications', 'shipping']
"""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots as vp
from .. import scenarios
from ..architecture import Architecture, CircuitBreaker
from ..faults import ErrorRate, Outage, Slowdown
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, checkbox, control_columns, run_duration, slider, table_html

__all__ = [
    "RR", "ED", "STREAM", "BREAKER_STATES", "shop", "window_failed_share", "refused_at_door", "failed_latency",
    "attempts_per_request", "wasted_work", "wasted_example", "breaker_changes", "breaker_closed_after", "accounting",
    "FailurePanel",
]

RR, ED = scenarios.STYLES
STREAM = "order-placed"
#: The values of the ``breaker_state`` series.
BREAKER_STATES = {0: "closed", 1: "half-open", 2: "open"}


# ---------------------------------------------------------------------------
# The order example, with the failure-handling knobs exposed
# ---------------------------------------------------------------------------

def shop(style: str = RR, *, retries: int = 2, timeout: float = 0.5, circuit_breaker=None,
         partitions: int = 4, idempotent: bool = False, max_attempts: int = 3,
         retry_backoff: float = 0.05, groups=None) -> Architecture:
    """``vn.scenarios.order_placed(style)``, with the consumers' retry policy exposed.

    Request-response: exactly ``order_placed(style, retries=..., timeout=...,
    circuit_breaker=...)``. Event-driven: the same services and stream, and
    each consumer group in ``groups`` (default: all four) tries an event
    ``max_attempts`` times, ``retry_backoff * 2**k`` seconds apart, before
    dead-lettering it (``order_placed``'s ``max_attempts`` and
    ``retry_backoff`` for those groups); ``idempotent`` consumers skip events
    they have already applied. With the defaults both are ``order_placed(style)``.
    """
    style = {"rr": RR, "ed": ED}.get(style, style)
    if style == RR:
        return scenarios.order_placed(RR, retries=retries, timeout=timeout, circuit_breaker=circuit_breaker)
    if style != ED:
        raise ValueError(f"style must be one of {scenarios.STYLES}, got {style!r}")
    groups = list(scenarios.DOWNSTREAM) if groups is None else list(groups)
    unknown = [g for g in groups if g not in scenarios.DOWNSTREAM]
    if unknown:
        raise KeyError(f"groups: unknown consumer {unknown[0]!r}; consumers: {list(scenarios.DOWNSTREAM)}")
    return scenarios.order_placed(ED, partitions=partitions, idempotent=idempotent,
                                  max_attempts={g: max_attempts for g in groups},
                                  retry_backoff={g: retry_backoff for g in groups})


# ---------------------------------------------------------------------------
# What a run says about failures
# ---------------------------------------------------------------------------

def _window(req, start, end):
    start = 0.0 if start is None else start
    end = math.inf if end is None else end
    return req[(req["start"] >= start) & (req["start"] < end) & (req["status"] != "in_flight")]


def window_failed_share(res, start: float | None = None, end: float | None = None) -> float:
    """Share of the requests that *arrived* in ``[start, end)`` and did not end ``ok``."""
    sel = _window(res.requests, start, end)
    return float((sel["status"] != "ok").mean()) if len(sel) else float("nan")


def refused_at_door(res) -> int:
    """Requests the entry service refused on arrival ('rejected' in 0 s: its queue was full).

    Other 'rejected' requests were refused further down (a callee's queue
    was full) after the caller had waited, and retried, for them.
    """
    req = res.requests
    return int(((req["status"] == "rejected") & (req["latency"] <= 0)).sum())


def failed_latency(res, q: float = 50, start: float | None = None, end: float | None = None) -> float:
    """The ``q``-th percentile of how long *failed* requests (arrived in the window) waited for their answer."""
    sel = _window(res.requests, start, end)
    lat = sel.loc[sel["status"] != "ok", "latency"].to_numpy(float)
    return float(np.percentile(lat, q)) if len(lat) else float("nan")


def attempts_per_request(res, callee: str = "shipping", start: float | None = None,
                         end: float | None = None, caller: str = "orders") -> float:
    """Calls ``caller`` sent to ``callee`` per request, retries included.

    Without a window: ``res.call_attempts['caller->callee']`` over all
    requests. With ``start``/``end``: attempts *started* in the window (from
    the spans) per request that arrived in it. Above 1: load amplification;
    below 1: calls that were never made (refused earlier, or an open breaker).
    """
    edge = f"{caller}->{callee}"
    if edge not in res.call_attempts:
        raise KeyError(f"callee: no call {edge!r} in this run; calls: {sorted(res.call_attempts)}")
    req = res.requests
    if start is None and end is None:
        return res.call_attempts[edge] / max(1, len(req))
    lo, hi = (0.0 if start is None else start), (math.inf if end is None else end)
    sp = res.spans
    if len(sp) == 0 and len(req):
        raise ValueError("res: this run recorded no spans (trace_sample=0); give no window to use call_attempts")
    calls = ((sp["service"] == caller) & (sp["operation"] == f"call {callee}") & (sp["start"] >= lo)
             & (sp["start"] < hi)).sum()
    arrived = ((req["start"] >= lo) & (req["start"] < hi)).sum()
    return float(calls) / max(1, int(arrived))


def wasted_work(res, callee: str = "shipping", caller: str = "orders") -> dict:
    """Callee work nobody waited for: it finished after the caller's attempt had timed out.

    Returns ``attempts`` (all of ``callee``'s ``handle`` spans called by
    ``caller``), ``timed_out`` (attempts the caller gave up on), ``wasted``
    (of those, the callee still finished: ok, but too late), ``wasted_share``
    (``wasted / attempts``) and ``late`` (median seconds between the caller
    giving up and the callee finishing).
    """
    sp = res.spans
    calls = sp[(sp["service"] == caller) & (sp["operation"] == f"call {callee}")]
    handled = sp[(sp["service"] == callee) & (sp["operation"] == "handle") & sp["parent_id"].notna()]
    handled = handled.assign(parent_id=handled["parent_id"].astype("int64"))
    handled = handled[handled["parent_id"].isin(calls["span_id"])]
    gave_up = calls.loc[calls["status"] == "timeout", ["span_id", "end"]]
    gave_up = gave_up.rename(columns={"span_id": "parent_id", "end": "gave_up"})
    late = handled.merge(gave_up, on="parent_id")
    late = late[(late["status"] == "ok") & (late["end"] > late["gave_up"])]
    n = len(handled)
    return {"attempts": n, "timed_out": len(gave_up), "wasted": len(late),
            "wasted_share": len(late) / n if n else 0.0,
            "late": float((late["end"] - late["gave_up"]).median()) if len(late) else 0.0}


def wasted_example(res, callee: str = "shipping", caller: str = "orders", after: float = 0.0):
    """The trace id of the first request (arrived after ``after``) with an attempt its
    caller gave up on while ``callee`` went on and finished; ``None`` if there is none."""
    sp = res.spans
    calls = sp[(sp["service"] == caller) & (sp["operation"] == f"call {callee}") & (sp["status"] == "timeout")
               & (sp["start"] >= after)]
    handled = sp[(sp["service"] == callee) & (sp["operation"] == "handle") & (sp["status"] == "ok")
                 & sp["parent_id"].notna()]
    handled = handled.assign(parent_id=handled["parent_id"].astype("int64"))
    late = calls.merge(handled[["parent_id", "end"]], left_on="span_id", right_on="parent_id",
                       suffixes=("", "_callee"))
    late = late[late["end_callee"] > late["end"]].sort_values("start")
    return int(late["trace_id"].iloc[0]) if len(late) else None


def _breaker_series(res, edge: str) -> pd.Series:
    states = res.metric("breaker_state")
    if edge not in states.columns:
        raise KeyError(f"edge: no circuit breaker on {edge!r} in this run; breakers: {sorted(states.columns)}")
    return states[edge]


def breaker_changes(res, edge: str = "orders->shipping") -> pd.DataFrame:
    """Each time the sampled breaker state changed: ``time`` and ``state`` ('closed', 'half-open', 'open').

    The state is sampled every ``res.sample_interval`` seconds, so a
    half-open probe shorter than that may not show.
    """
    s = _breaker_series(res, edge)
    changed = s[s.diff().fillna(1) != 0]
    return pd.DataFrame({"time": changed.index, "state": changed.map(BREAKER_STATES).to_numpy()})


def breaker_closed_after(res, t: float, edge: str = "orders->shipping") -> float:
    """Seconds after ``t`` until the breaker was (sampled) closed again; ``inf`` if never."""
    s = _breaker_series(res, edge)
    closed = s[(s.index >= t) & (s == 0)]
    return float(closed.index[0] - t) if len(closed) else math.inf


def accounting(res) -> dict:
    """Where every event delivery ended: ``rows`` (one per event and group),
    ``processed``, ``dlq``, ``pending``, ``balanced`` (they add up to
    ``rows``) and ``lost`` (``summary()['events_lost']``, always 0)."""
    s = res.summary()
    rows = len(res.events)
    return {"rows": rows, "processed": s["events_processed"], "dlq": s["events_dlq"],
            "pending": s["events_pending"],
            "balanced": s["events_processed"] + s["events_dlq"] + s["events_pending"] == rows,
            "lost": s["events_lost"], "duplicates": s["duplicates"]}


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class FailurePanel(Panel):
    """A failing shipping service, and each style's defences, under sliders.

    Controls: ``rate`` (traffic); during ``window`` shipping is ``down``
    (a crash: consumers redeliver what they had not committed),
    ``slowdown`` × slower and/or fails ``error_rate`` of its work
    (failure); the RR calls' ``retries``, ``timeout`` and a circuit
    ``breaker`` (5 failures open it for 1 s); the stream's ``partitions``
    and ``idempotent`` consumers (event-driven). The figure: failed requests
    per second, orders' busy workers, the breaker's state, shipping's lag
    and its dead-lettered events.
    """

    BREAKER = CircuitBreaker(failure_threshold=5, reset_timeout=1.0)

    def __init__(self, *, duration: float = 15.0, seed: int = 7, rate: int = 100, down: bool = False,
                 slowdown: float = 1.0, error_rate: float = 0.0, window: tuple | None = None,
                 retries: int = 2, timeout: float = 0.5, breaker: bool = False, partitions: int = 4,
                 idempotent: bool = False, run: bool = True):
        duration = run_duration(duration)
        self.duration, self.seed = float(duration), seed
        if window is None:
            window = (round(self.duration * 0.3), round(self.duration * 0.65))
        controls = {
            "rate": slider(W.IntSlider, value=rate, min=20, max=200, step=10, description="rate (req/s)",
                           tooltip="Poisson arrivals per second at orders, the same in both styles"),
            "down": checkbox(down, "shipping down (crash)", tooltip="shipping is down during the window"),
            "slowdown": slider(W.FloatSlider, value=slowdown, min=1.0, max=20.0, step=0.5,
                               description="slowdown ×", tooltip="shipping's service times × this in the window"),
            "error_rate": slider(W.FloatSlider, value=error_rate, min=0.0, max=1.0, step=0.05,
                                 description="error rate", readout_format=".0%",
                                 tooltip="share of shipping's work that fails in the window (1 = always)"),
            "window": slider(W.FloatRangeSlider, value=window, min=0.0, max=self.duration, step=0.5,
                             description="fault window (s)", readout_format=".1f"),
            "retries": slider(W.IntSlider, value=retries, min=0, max=5, description="retries",
                              tooltip="RR: each call is tried again this many times"),
            "timeout": slider(W.FloatSlider, value=timeout, min=0.05, max=1.0, step=0.05,
                              description="timeout (s)", readout_format=".2f",
                              tooltip="RR: the caller gives up on an attempt after this long"),
            "breaker": checkbox(breaker, "circuit breaker", tooltip="RR: 5 failures in a row open it for 1 s"),
            "partitions": slider(W.IntSlider, value=partitions, min=1, max=16, description="partitions",
                                 tooltip="partitions of the order-placed stream (event-driven)"),
            "idempotent": checkbox(idempotent, "idempotent consumers",
                                   tooltip="ED: consumers skip events they have already applied"),
        }
        groups = [("traffic (both styles)", ["rate"]),
                  ("failure: shipping", ["down", "slowdown", "error_rate", "window"]),
                  ("request-response calls", ["retries", "timeout", "breaker"]),
                  ("partitions & consumers", ["partitions", "idempotent"])]
        columns = control_columns(controls, groups)
        super().__init__(controls, layout=columns)
        if run:
            self.run()

    # -- the experiment ------------------------------------------------------
    def faults(self, p: dict) -> list:
        start, end = p["window"]
        if not end > start:
            return []
        out = []
        if p["down"]:
            out.append(Outage("shipping", start, end))
        if p["slowdown"] != 1:
            out.append(Slowdown("shipping", start, end, p["slowdown"]))
        if p["error_rate"] > 0:
            out.append(ErrorRate("shipping", start, end, p["error_rate"]))
        return out

    def architecture(self, style: str, p: dict) -> Architecture:
        if style == RR:
            return shop(RR, retries=int(p["retries"]), timeout=float(p["timeout"]),
                        circuit_breaker=self.BREAKER if p["breaker"] else None)
        return shop(ED, partitions=int(p["partitions"]), idempotent=bool(p["idempotent"]))

    def simulate(self, params: dict, timings: dict) -> dict:
        traffic, faults = Traffic.poisson(params["rate"]), self.faults(params)
        results = {}
        for style in (RR, ED):
            own = (("retries", "timeout", "breaker") if style == RR else ("partitions", "idempotent"))
            key = (params["rate"], tuple(faults)) + tuple(params[k] for k in own)
            results[style], timings[style] = self.cached_run(style, key, lambda: simulate(
                self.architecture(style, params), traffic, self.duration, faults=faults, seed=self.seed,
                max_requests=30_000, max_drain=self.duration, trace_sample=0.0))
        return results

    # -- the picture -----------------------------------------------------------
    def draw(self, results: dict, params: dict) -> Figure:
        metrics = ["errors", "busy_workers"]
        if params["breaker"]:
            metrics.append("breaker_state")
        metrics += ["consumer_lag", "dlq_depth"]
        fig = Figure(figsize=(10.0, 0.85 + 1.45 * len(metrics)))
        grid = vp.grid_in_inches(fig, len(metrics), left=0.6, right=1.75, top=0.3, bottom=0.55, hspace=0.5)
        vp.timeseries(results, metrics, ax=vp.stacked_axes(fig, grid),
                      nodes={"busy_workers": ["orders"], "consumer_lag": ["shipping"], "dlq_depth": ["shipping"],
                             "breaker_state": ["orders->shipping"]})
        return fig

    def summary_html(self, results: dict) -> str:
        rr, ed = results[RR], results[ED]
        s_rr, s_ed = rr.summary(), ed.summary()
        acc = accounting(ed)
        ev = ed.events
        shipping = ev.loc[ev["group"] == "shipping", "outcome"].value_counts()
        cells = [
            ("caller error rate", f"RR {s_rr['error_rate']:.1%} · ED {s_ed['error_rate']:.1%}"),
            ("failed requests, median wait", f"RR {vp.format_ms(failed_latency(rr))} · "
                                             f"ED {vp.format_ms(failed_latency(ed))}"),
            ("RR calls to shipping per request", f"{attempts_per_request(rr):.2f}"),
            ("ED shipping: processed · dead-lettered · pending",
             " · ".join(f"{shipping.get(k, 0):,}" for k in ("processed", "dlq", "pending"))),
            ("ED events lost · duplicates", f"{acc['lost']} · {acc['duplicates']}"),
        ]
        return table_html(cells)
