"""The comparison's seven verdicts, each re-measured live — and where it flips.

The source comparison scores seven dimensions. Here each one is a function
that *runs* both styles under identical seeded traffic (or, for coupling,
reads the architecture graph), reports the measured winner next to the
comparison's verdict, and then measures again under the condition that
turns the verdict around:

============== ===================== =================================================
dimension      comparison's verdict  flips when
============== ===================== =================================================
coupling       event-driven          the *event's* format changes (every consumer moves)
consistency    request-response      reads tolerate a little staleness: then ED's cheaper
                                     writes win
observability  request-response      correlation ids are carried across the broker
scalability    event-driven          the partition count, not the instance count, caps
                                     the consumers
failure        event-driven          the failure is permanent: ED says "ok" and
handling                             dead-letters the work silently
latency        request-response      the synchronous fan-out is wide and sequential
temporal       event-driven          the *broker* is what goes down
coupling
============== ===================== =================================================

>>> import vetora_nb as vn
>>> v = vn.verdicts.temporal_coupling(seed=1, duration=20)
>>> v.holds, v.flips
(True, True)

:func:`scorecard` runs all seven and returns one row per dimension.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd

from . import scenarios
from .experiments.observability import observability_architecture
from .faults import BrokerOutage, ErrorRate, Outage
from .patterns import consistency as _consistency
from .patterns import coupling as _coupling
from .patterns import tracing as _tracing
from .simulation import simulate
from .traffic import Traffic

__all__ = ["Verdict", "coupling", "consistency", "observability", "scalability", "failure_handling",
           "latency", "temporal_coupling", "scorecard", "DIMENSIONS"]

RR, ED = "request_response", "event_driven"


@dataclass(frozen=True)
class Verdict:
    """One dimension, measured twice: as the comparison frames it, and flipped.

    ``rr``/``ed`` are the measured values of ``metric`` (``better`` says
    whether lower or higher wins); ``winner`` is the measured winner
    (``'tie'`` when equal within ``tolerance``); ``holds`` says whether it is
    the comparison's ``verdict``. ``flip_*`` are the same under
    ``flip_condition``; ``flips`` says whether the verdict no longer holds.
    """

    dimension: str
    verdict: str
    metric: str
    better: str
    rr: float
    ed: float
    winner: str
    flip_condition: str
    flip_metric: str
    flip_rr: float
    flip_ed: float
    flip_winner: str
    tolerance: float = 0.0

    @property
    def holds(self) -> bool:
        return self.winner == self.verdict

    @property
    def flips(self) -> bool:
        return self.flip_winner != self.verdict

    def as_row(self) -> dict:
        row = asdict(self)
        row.update(holds=self.holds, flips=self.flips)
        return row

    def __str__(self) -> str:
        fmt = "{:.4g}".format
        return (f"{self.dimension}: comparison says {self.verdict}; measured {self.metric}: "
                f"RR {fmt(self.rr)} vs ED {fmt(self.ed)} -> {self.winner}. "
                f"When {self.flip_condition}: {self.flip_metric}: RR {fmt(self.flip_rr)} vs "
                f"ED {fmt(self.flip_ed)} -> {self.flip_winner}.")


def _winner(rr: float, ed: float, better: str, tolerance: float = 0.0) -> str:
    if abs(rr - ed) <= tolerance:
        return "tie"
    rr_wins = rr < ed if better == "lower" else rr > ed
    return RR if rr_wins else ED


def _verdict(dimension, verdict, metric, better, rr, ed, flip_condition, flip_metric, flip_better,
             flip_rr, flip_ed, tolerance=0.0, flip_tolerance=0.0) -> Verdict:
    return Verdict(dimension, verdict, metric, better, float(rr), float(ed),
                   _winner(rr, ed, better, tolerance), flip_condition, flip_metric,
                   float(flip_rr), float(flip_ed), _winner(flip_rr, flip_ed, flip_better, flip_tolerance),
                   tolerance)


def _both(rate, duration, seed, faults=(), **scenario):
    """Both styles of the order example under identical seeded traffic."""
    traffic = rate if isinstance(rate, Traffic) else Traffic.poisson(rate)
    return {style: simulate(scenarios.order_placed(style, **scenario), traffic, duration=duration,
                            faults=list(faults), seed=seed) for style in (RR, ED)}


# -- the seven -----------------------------------------------------------------

def coupling(seed: int = 0, **_ignored) -> Verdict:
    """Adding a consumer: services the producer side must redeploy (graph).
    Flip: a breaking change to what the producer sends — one callee's API
    (RR) against the event everyone consumes (ED)."""
    rr, ed = scenarios.order_placed(RR), scenarios.order_placed(ED)
    add = [len(_coupling.change_impact(a, ("add_consumer", "fraud")).must_redeploy) for a in (rr, ed)]
    change = [len(_coupling.change_impact(rr, ("change_api", "inventory")).must_change),
              len(_coupling.change_impact(ed, ("change_event", "order-placed")).must_change)]
    return _verdict("coupling", ED, "services redeployed to add a consumer", "lower", *add,
                    "the message format changes", "services that must change", "lower", *change)


def consistency(seed: int = 0, rate: float = 100.0, duration: float = 30.0, read_rate: float = 200.0,
                tolerance: float = 0.1) -> Verdict:
    """Stale reads of the inventory read model (RR updates it on the write
    path). Flip: if reads tolerate ``tolerance`` seconds of staleness, the
    stale share is ~0 for both and ED's writes answer sooner."""
    runs = _both(Traffic.poisson(rate, keys=50), duration, seed)
    reads = {s: _consistency.read_model_staleness(r, "inventory", read_rate, seed=seed) for s, r in runs.items()}
    stale = [reads[s]["stale"].mean() for s in (RR, ED)]
    too_stale = [(reads[s]["staleness"] > tolerance).mean() for s in (RR, ED)]
    p99 = [runs[s].summary()["p99"] for s in (RR, ED)]
    # Only if neither style serves reads staler than the tolerance does
    # write latency decide; otherwise the staleness itself still does.
    flip_rr, flip_ed = (p99 if max(too_stale) == 0 else too_stale)
    return _verdict("consistency", RR, "share of stale reads", "lower", *stale,
                    f"reads tolerate {tolerance * 1000:.0f} ms of staleness",
                    "write p99 (s)" if max(too_stale) == 0 else "reads staler than the tolerance",
                    "lower", flip_rr, flip_ed)


def observability(seed: int = 0, rate: float = 50.0, duration: float = 20.0,
                  error_rate: float = 0.2) -> Verdict:
    """Share of failing requests whose root cause shows in their own trace,
    with a consumer failing ``error_rate`` of the time and a broker that
    does not carry correlation ids. Flip: the ids are propagated."""

    def found(style, propagate):
        arch = observability_architecture(style, propagate)
        res = simulate(arch, Traffic.poisson(rate), duration=duration, seed=seed,
                       faults=[ErrorRate("shipping", 0, duration, error_rate)])
        return _tracing.traced_share(res, "shipping")["share"]

    return _verdict("observability", RR, "failures traced to their root cause", "higher",
                    found(RR, False), found(ED, False),
                    "correlation ids are carried across the broker", "failures traced to their root cause",
                    "higher", found(RR, True), found(ED, True), flip_tolerance=0.02)


def scalability(seed: int = 0, duration: float = 15.0) -> Verdict:
    """Requests accepted per second at 1.2x inventory's capacity (4 workers
    x 125/s = 500/s). Flip: one partition caps the ED inventory group at a
    single instance — effects completed per second at 300/s offered."""
    over = _both(600, duration, seed)
    accepted = [over[s].summary()["ok"] / duration for s in (RR, ED)]
    one = _both(300, duration, seed, partitions=1)

    def done_per_s(res, style):
        if style == RR:
            spans = res.spans
            sel = (spans["service"] == "inventory") & (spans["status"] == "ok") & (spans["end"] < duration)
            return sel.sum() / duration
        ev = res.events
        return ((ev["group"] == "inventory") & (ev["processed_at"] < duration)).sum() / duration

    return _verdict("scalability", ED, "requests accepted per second at 1.2x capacity", "higher",
                    *accepted, "one partition caps the consumer group",
                    "inventory effects done per second", "higher",
                    done_per_s(one[RR], RR), done_per_s(one[ED], ED), tolerance=5.0, flip_tolerance=5.0)


def failure_handling(seed: int = 0, rate: float = 100.0, duration: float = 30.0) -> Verdict:
    """Caller error rate with shipping failing 30% of the time (RR retries
    twice; ED retries, then dead-letters). Flip: shipping fails every time —
    requests told "ok" whose shipping never happened."""
    flaky = _both(rate, duration, seed, faults=[ErrorRate("shipping", 0, duration, 0.3)])
    errors = [flaky[s].summary()["error_rate"] for s in (RR, ED)]
    broken = _both(rate, duration, seed, faults=[ErrorRate("shipping", 0, math.inf, 1.0)])

    def silently_lost(res):
        req = res.requests
        ok = req[req["status"] == "ok"]
        return float(ok["settled_at"].isna().mean()) if len(ok) else 0.0

    return _verdict("failure_handling", ED, "caller error rate with a flaky consumer", "lower", *errors,
                    "the failure is permanent", "share of 'ok' orders never fulfilled", "lower",
                    silently_lost(broken[RR]), silently_lost(broken[ED]))


def latency(seed: int = 0, rate: float = 100.0, duration: float = 30.0, wide: int = 8) -> Verdict:
    """End-to-end p99 (until every effect is done). Flip: ``wide``
    downstream services called one after another."""
    base = _both(rate, duration, seed)
    downstream = {f"service-{i}": (4, 0.006) for i in range(wide)}
    flip = _both(rate, duration, seed, fanout="sequential", downstream=downstream, partitions=8)
    return _verdict("latency", RR, "end-to-end p99 (s)", "lower",
                    base[RR].summary()["e2e_p99"], base[ED].summary()["e2e_p99"],
                    f"{wide} services are called sequentially", "end-to-end p99 (s)", "lower",
                    flip[RR].summary()["e2e_p99"], flip[ED].summary()["e2e_p99"])


def temporal_coupling(seed: int = 0, rate: float = 100.0, duration: float = 30.0) -> Verdict:
    """Caller error rate while shipping is down for a quarter of the run.
    Flip: the broker is down instead."""
    window = (duration * 0.4, duration * 0.65)
    down = _both(rate, duration, seed, faults=[Outage("shipping", *window)])
    broker = _both(rate, duration, seed, faults=[BrokerOutage(*window)])
    return _verdict("temporal_coupling", ED, "caller error rate, a consumer down", "lower",
                    down[RR].summary()["error_rate"], down[ED].summary()["error_rate"],
                    "the broker is down", "caller error rate", "lower",
                    broker[RR].summary()["error_rate"], broker[ED].summary()["error_rate"])


DIMENSIONS = {
    "coupling": coupling, "consistency": consistency, "observability": observability,
    "scalability": scalability, "failure_handling": failure_handling, "latency": latency,
    "temporal_coupling": temporal_coupling,
}


def scorecard(seed: int = 0, dimensions=None) -> pd.DataFrame:
    """All seven verdicts, measured now: one row per dimension."""
    names = list(DIMENSIONS) if dimensions is None else list(dimensions)
    for n in names:
        if n not in DIMENSIONS:
            raise KeyError(f"dimensions: unknown dimension {n!r}; known: {list(DIMENSIONS)}")
    rows = [DIMENSIONS[n](seed=seed).as_row() for n in names]
    return pd.DataFrame(rows).set_index("dimension")
