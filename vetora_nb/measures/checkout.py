"""What a checkout's answer meant: when its effects happened, and whether an "ok" was true.

A checkout answers the customer; its effects (the charge, the reservation,
the shipment ...) happen in each downstream service, some before the answer
(the services the entry called and waited for), some after it (the
consumers of the event it published). These read a run of such a shop
(``vn.scenarios.hybrid_shop``, or any architecture whose entry calls some
services and publishes to the others):

- :func:`effect_times` — when each ok checkout's part in a service was done;
- :func:`shipped_within` — the longest a confirmed order waited for shipping;
- :func:`confirmed_but_failed` / :func:`unpaid` — answered ok, yet a part
  never happened (dead-lettered, or still pending when the run stopped);
- :func:`charged_but_refused` — answered with an error, yet payment had
  charged the card.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.hybrid_shop("event_driven"), vn.Traffic.poisson(40), duration=3, seed=1,
...                   faults=[vn.ErrorRate("payment", 0.0, 60.0, 1.0)])  # every payment fails
>>> res.summary()["error_rate"], unpaid(res) == res.summary()["ok"]     # all "ok", none paid
(0.0, True)
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["effect_times", "shipped_within", "confirmed_but_failed", "unpaid", "charged_but_refused"]


def _ok(res) -> pd.DataFrame:
    req = res.requests
    return req[req["status"] == "ok"].set_index("request_id")


def effect_times(res, service: str) -> pd.Series:
    """For each checkout answered ok: when ``service``'s part of it was done.

    A synchronous service's part is done when the checkout is answered (the
    answer waited for it); a consumer's when it processed the order's event.
    NaN: never (dead-lettered, or still pending when the run stopped).
    """
    arch = res.architecture
    arch.kind(service)   # KeyError naming an unknown service
    ok = _ok(res)
    if service in arch.calls_from(arch.entry):
        return ok["end"]
    ev = res.events
    ev = ev[(ev["group"] == service) & (ev["outcome"] == "processed")]
    done = ev.groupby("request_id")["processed_at"].min()
    return done.reindex(ok.index)


def shipped_within(res, service: str = "shipping") -> float:
    """The longest any ok checkout waited for ``service``'s part (seconds from its arrival).

    ``inf`` if some confirmed order's part never happened; NaN if the shop
    has no such service or answered nothing ok.
    """
    ok = _ok(res)
    if service not in res.architecture.graph or ok.empty:
        return math.nan
    waited = effect_times(res, service) - ok["start"]
    return float(waited.max()) if waited.notna().all() else math.inf


def confirmed_but_failed(res) -> pd.Series:
    """Per downstream service: checkouts answered ok whose part in that
    service never happened (dead-lettered or never processed)."""
    arch = res.architecture
    services = [s for s in arch.services if s != arch.entry]
    return pd.Series({s: int(effect_times(res, s).isna().sum()) for s in services}, index=services, dtype=int)


def unpaid(res, service: str = "payment") -> float:
    """Checkouts answered ok whose ``service`` part never happened: confirmed
    but never paid (NaN if the shop has no such service)."""
    if service not in res.architecture.graph:
        return math.nan
    return float(effect_times(res, service).isna().sum())


def charged_but_refused(res, service: str = "payment") -> float:
    """Checkouts that *failed* although ``service`` (payment) had charged the card.

    A synchronous payment that succeeded, followed by a step that failed
    (another call, or the publish of the event during a broker outage):
    the customer sees an error and a charge. Needs a run with every span
    (``trace_sample=1.0``); NaN otherwise.
    """
    spans = res.spans
    if spans.empty:
        return float("nan")
    req = res.requests
    failed = set(req.loc[(req["status"] != "ok") & (req["status"] != "in_flight"), "trace_id"])
    paid = spans[(spans["service"] == service) & (spans["operation"] == "handle") & (spans["status"] == "ok")]
    return float(len(failed & set(paid["trace_id"])))
