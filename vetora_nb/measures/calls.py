"""Request-response calls under failure: attempts, wasted work, the breaker's story.

A caller defends itself against a failing callee *in the call*: a timeout
bounds its wait, retries try again, a circuit breaker stops calling. Each
defence leaves a trace in the run that these functions read:

- :func:`attempts_per_request` — calls sent per request, retries included:
  above 1 is *load amplification* on the callee;
- :func:`wasted_work` and :func:`wasted_example` — callee work that finished
  after its caller had given up (a timeout stops the waiting, not the work);
- :func:`breaker_changes` and :func:`breaker_closed_after` — the breaker's
  closed / open / half-open story, from the sampled ``breaker_state``;
- :func:`refused_at_door` — requests the entry refused on arrival (its own
  queue full), as opposed to a callee's refusal reported back after retries.

>>> import vetora_nb as vn
>>> arch = vn.scenarios.order_placed("request_response", retries=2, timeout=0.1)
>>> res = vn.simulate(arch, vn.Traffic.poisson(100), duration=8, seed=7,
...                   faults=[vn.Slowdown("shipping", 2, 6, 3.5)])
>>> attempts_per_request(res, "shipping", 2, 6) > 1      # retries amplify the load
True
>>> wasted_work(res)["wasted"] > 0                        # work done for nobody
True
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["BREAKER_STATES", "attempts_per_request", "wasted_work", "wasted_example", "breaker_changes",
           "breaker_closed_after", "refused_at_door"]

#: The values of the ``breaker_state`` series.
BREAKER_STATES = {0: "closed", 1: "half-open", 2: "open"}


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


def _handled(sp, callee: str, ok_only: bool = False):
    """``callee``'s ``handle`` spans that a call started (``parent_id`` as an int)."""
    sel = (sp["service"] == callee) & (sp["operation"] == "handle") & sp["parent_id"].notna()
    if ok_only:
        sel &= sp["status"] == "ok"
    handled = sp[sel]
    return handled.assign(parent_id=handled["parent_id"].astype("int64"))


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
    handled = _handled(sp, callee)
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
    handled = _handled(sp, callee, ok_only=True)
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


def refused_at_door(res) -> int:
    """Requests the entry service refused on arrival (``'rejected'``, in 0 s: its own queue was full).

    A request refused further down (a callee's queue was full), after the
    caller had waited and retried for it, ends ``'rejected_downstream'`` instead.
    """
    return int((res.requests["status"] == "rejected").sum())
