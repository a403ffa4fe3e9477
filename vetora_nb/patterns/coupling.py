"""Coupling: what one change costs, and whose failure you inherit.

Two questions tell the styles apart.

*Change.* Who must be edited, redeployed, or will fail when something
changes? Read it off the architecture graph: a synchronous call is an edge
*out of the caller* — the caller names the callee, knows its API and waits
for it. A subscription is an edge *out of the stream* — the producer names
only its stream. So adding a consumer in request-response means editing
and redeploying the producer (one more call to make, one more dependency to
fail); in event-driven style nothing on the producer side changes.

*Availability.* A request that needs every service on a synchronous chain
is up only when all of them are: availabilities multiply (the product rule,
:func:`vetora_nb.theory.availability_chain`). An event-driven producer needs
only itself and the broker; its consumers' failures become lag, not errors.

>>> import vetora_nb as vn
>>> from vetora_nb.patterns import coupling
>>> rr = vn.scenarios.order_placed("rr")
>>> ed = vn.scenarios.order_placed("ed")
>>> coupling.change_impact(rr, ("add_consumer", "fraud")).must_redeploy
['orders']
>>> coupling.change_impact(ed, ("add_consumer", "fraud")).must_redeploy
[]
>>> [coupling.producer_edges_touched(style, n) for style in ("rr", "ed") for n in (2, 8)]
[2, 8, 1, 1]
>>> coupling.change_impact(rr, ("take_down", "shipping")).fail
['orders']
>>> down = coupling.change_impact(ed, ("take_down", "shipping"))
>>> down.fail, down.delayed
([], ['shipping'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from ..architecture import Architecture
from ..distributions import Exponential
from ..faults import BrokerOutage, ErrorRate
from ..scenarios import _style, order_placed
from ..simulation import simulate
from ..theory import availability_chain
from ..traffic import Traffic

__all__ = ["Impact", "change_impact", "producer_edges_touched", "coupling_table",
           "chain_architecture", "chain_availability", "chain_availability_theory",
           "producer_availability", "CHANGES"]

CHANGES = ("add_consumer", "change_api", "change_event", "take_down")


@dataclass
class Impact:
    """What a change does to a system.

    ``must_change``: services whose code must be edited; ``must_redeploy``:
    services that must be redeployed for the change to take effect;
    ``new``: services added; ``fail``: services whose requests fail (while a
    service is down); ``delayed``: consumer groups that only fall behind and
    catch up later; ``at_risk``: services whose availability now depends on
    the changed service; ``producer_edges_touched``: edges or configuration
    on the producer's side that the change adds or alters.
    """

    change: tuple
    must_change: list = field(default_factory=list)
    must_redeploy: list = field(default_factory=list)
    new: list = field(default_factory=list)
    fail: list = field(default_factory=list)
    delayed: list = field(default_factory=list)
    at_risk: list = field(default_factory=list)
    producer_edges_touched: int = 0

    def table(self) -> pd.DataFrame:
        """One row per affected service and effect: ``service, effect``."""
        effects = ("new", "must_change", "must_redeploy", "fail", "delayed", "at_risk")
        rows = [(s, effect) for effect in effects for s in getattr(self, effect)]
        return pd.DataFrame(rows, columns=["service", "effect"])

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in (("change", self.must_change), ("redeploy", self.must_redeploy),
                                        ("new", self.new), ("fail", self.fail), ("delayed", self.delayed))
                 if v]
        return f"{self.change}: " + (", ".join(parts) or "nothing else is touched")


def _call_graph(arch) -> nx.DiGraph:
    g = nx.DiGraph(arch.edges_of_kind("call"))
    g.add_nodes_from(arch.services)
    return g


def _sync_dependents(arch, services) -> set:
    """Every service whose requests synchronously wait on one of ``services``."""
    calls = _call_graph(arch)
    out = set()
    for s in services:
        if s in calls:
            out |= nx.ancestors(calls, s)
    return out


def _event_downstream(arch, service) -> list:
    """Consumer groups fed, directly or through further events, by ``service``."""
    out, todo = [], list(arch.publishes_from(service)) if arch.kind(service) == "service" else [service]
    seen = set()
    while todo:
        stream = todo.pop()
        for g in arch.subscribers(stream):
            if g not in seen:
                seen.add(g)
                out.append(g)
                todo.extend(arch.publishes_from(g))
    return out


def _sorted(names) -> list:
    return sorted(set(names))


def change_impact(architecture: Architecture, change) -> Impact:
    """Who must change, redeploy, fails or lags for ``change``.

    ``change`` is one of:

    - ``('add_consumer', name)`` or ``('add_consumer', name, source)``: a new
      service ``name`` must react to what ``source`` does. ``source`` is a
      stream (the consumer subscribes: the producer is untouched) or a
      service (it must now call ``name``: edit and redeploy it, and it and
      its callers fail whenever ``name`` does). By default ``source`` is the
      first stream the entry publishes to, else the entry itself.
    - ``('change_api', service)``: a breaking change to ``service``'s
      synchronous API. The service and every direct caller must change and
      redeploy; consumers of its events do not call it and are untouched.
    - ``('change_event', stream_or_service)``: a breaking change to an event's
      schema: every consumer group of the stream (of each stream the service
      publishes to) must change — the coupling events do *not* remove.
    - ``('take_down', node)``: the node is down. Every service that waits on
      it synchronously fails (its publishers, for a stream). A consumer that
      is down only falls behind, and so do the groups it feeds with events;
      the groups a down stream feeds fall behind too.
    """
    if not isinstance(architecture, Architecture):
        raise TypeError(f"architecture must be a vn.Architecture, got {architecture!r}")
    if not isinstance(change, tuple) or len(change) < 2 or change[0] not in CHANGES:
        raise ValueError(f"change must be a tuple (kind, name, ...) with kind in {CHANGES}, got {change!r}")
    kind, name = change[0], change[1]
    arch = architecture
    imp = Impact(change=tuple(change))
    if kind == "add_consumer":
        if name in arch.graph:
            raise ValueError(f"name: {name!r} already exists in {arch.name!r}")
        source = change[2] if len(change) > 2 else None
        if source is None:
            pubs = arch.publishes_from(arch.entry) if arch.entry else []
            source = pubs[0] if pubs else arch.entry
        if source is None:
            raise ValueError("source: give one, or set the architecture's entry")
        imp.new = [name]
        if arch.kind(source) == "stream":
            return imp   # a subscription: the producer never hears of it
        imp.must_change = imp.must_redeploy = [source]
        imp.at_risk = _sorted({source} | _sync_dependents(arch, [source]))
        imp.producer_edges_touched = 1
        return imp
    if name not in arch.graph:
        raise KeyError(f"unknown node {name!r}; known: {sorted(arch.graph)}")
    if kind == "change_api":
        if arch.kind(name) != "service":
            raise ValueError(f"change_api: {name!r} is a stream; use 'change_event'")
        callers = [a for a, b in arch.edges_of_kind("call") if b == name]
        imp.must_change = imp.must_redeploy = _sorted([name] + callers)
        imp.producer_edges_touched = len(callers)
    elif kind == "change_event":
        streams = [name] if arch.kind(name) == "stream" else arch.publishes_from(name)
        if not streams:
            raise ValueError(f"change_event: {name!r} publishes no events")
        producers = [a for s in streams for a in arch.graph.predecessors(s)]
        consumers = [g for s in streams for g in arch.subscribers(s)]
        imp.must_change = imp.must_redeploy = _sorted(producers + consumers)
        imp.producer_edges_touched = len(streams)
    else:  # take_down
        if arch.kind(name) == "stream":
            producers = list(arch.graph.predecessors(name))
            imp.fail = _sorted(set(producers) | _sync_dependents(arch, producers))
            imp.delayed = _sorted(_event_downstream(arch, name))
        else:
            imp.fail = _sorted(_sync_dependents(arch, [name]))
            if arch.subscriptions_of(name):
                # A consumer that is down falls behind, and so does whatever
                # it would have fed with events of its own.
                imp.delayed = _sorted([name] + _event_downstream(arch, name))
    return imp


def producer_edges_touched(style: str, n_consumers: int, producer: str = "orders") -> int:
    """Edges the producer must know about with ``n_consumers`` downstream.

    Built with ``vn.scenarios.order_placed(style, downstream=...)``: in
    request-response the producer has one call edge per consumer (it grows
    with N); in event-driven style one publish edge, whatever N.
    """
    if isinstance(n_consumers, bool) or not isinstance(n_consumers, int) or n_consumers < 1:
        raise ValueError(f"n_consumers must be an integer >= 1, got {n_consumers!r}")
    arch = order_placed(style, downstream={f"consumer-{i}": (2, 0.005) for i in range(n_consumers)})
    return arch.graph.out_degree(producer)


def coupling_table(ns=(1, 2, 4, 8)) -> pd.DataFrame:
    """Producer-side coupling as consumers are added, both styles: ``style,
    consumers, producer_edges, touched_by_next`` (edges the *next* consumer
    adds on the producer's side) and ``redeploys_for_next``."""
    rows = []
    for style in ("request_response", "event_driven"):
        for n in ns:
            arch = order_placed(style, downstream={f"consumer-{i}": (2, 0.005) for i in range(n)})
            imp = change_impact(arch, ("add_consumer", f"consumer-{n}"))
            rows.append((style, n, arch.graph.out_degree("orders"), imp.producer_edges_touched,
                         len(imp.must_redeploy)))
    return pd.DataFrame(rows, columns=["style", "consumers", "producer_edges", "touched_by_next",
                                       "redeploys_for_next"])


# ---------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------

def chain_architecture(length: int, *, retries: int = 0, workers: int = 64,
                       service_time: float = 0.002, timeout: float = 2.0, backoff: float = 0.001,
                       error_rates=None) -> Architecture:
    """A request-response chain ``s0 -> s1 -> ... -> s{length-1}`` (``s0`` is
    the entry), with ``retries`` on every call and, optionally, a base
    ``error_rate`` per service. Workers and timeout are generous, so that
    only errors — never queueing or timeouts — fail a request."""
    arch = Architecture(f"chain-{length}")
    rates = [0.0] * length if error_rates is None else list(error_rates)
    for i in range(length):
        arch.add_service(f"s{i}", workers=workers, service_time=Exponential(mean=service_time),
                         error_rate=rates[i])
    for i in range(length - 1):
        arch.add_call(f"s{i}", f"s{i + 1}", timeout=timeout, retries=retries, backoff=backoff)
    arch.entry = "s0"
    return arch


def chain_availability_theory(availabilities, retries: int = 0) -> float:
    """The availability of a synchronous chain when every call is retried.

    Without retries it is the product rule. With ``r`` retries per call the
    call to service ``k`` succeeds unless all ``r + 1`` attempts fail, and
    each attempt needs ``k`` *and everything below it*:
    ``S_k = 1 - (1 - a_k * S_{k+1}) ** (r + 1)``; the entry is not retried,
    so the chain's availability is ``a_0 * S_1``. Retries buy availability
    with load: each retry re-runs the whole downstream chain.

    >>> round(chain_availability_theory([0.95, 0.95, 0.95]), 6)   # product rule
    0.857375
    >>> round(chain_availability_theory([0.95, 0.95, 0.95], retries=1), 4)
    0.9474
    """
    a = [float(x) for x in availabilities]
    if not a:
        return 1.0
    if retries == 0:
        return availability_chain(*a)
    below = 1.0
    for ak in reversed(a[1:]):
        below = 1.0 - (1.0 - ak * below) ** (retries + 1)
    return a[0] * below


def chain_availability(error_rates=(0.05, 0.05, 0.05), *, retries: int = 0, use_faults: bool = False,
                       rate: float = 200.0, duration: float = 30.0, seed: int = 0) -> dict:
    """Measure a request-response chain's availability and hold it to theory.

    One service per entry of ``error_rates`` (the chance its handling
    fails), set as each service's ``error_rate=`` or, with ``use_faults``,
    as ``vn.ErrorRate`` faults lasting the whole run. Returns ``requests,
    measured`` (share answered ``ok``), ``stderr`` (binomial),
    ``product_rule`` (:func:`vetora_nb.theory.availability_chain`),
    ``predicted`` (the same with retries, :func:`chain_availability_theory`),
    ``z`` (measured minus predicted, in standard errors) and
    ``attempts_per_request`` (calls sent, retries included, per request: the
    load that retries add).
    """
    rates = [float(e) for e in error_rates]
    if not rates:
        raise ValueError("error_rates must not be empty")
    if use_faults:
        arch = chain_architecture(len(rates), retries=retries)
        faults = [ErrorRate(f"s{i}", 0.0, math.inf, e) for i, e in enumerate(rates) if e > 0]
    else:
        arch = chain_architecture(len(rates), retries=retries, error_rates=rates)
        faults = []
    res = simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed)
    req = res.requests
    n = int((req["status"] != "in_flight").sum())
    ok = int((req["status"] == "ok").sum())
    avail = [1.0 - e for e in rates]
    predicted = chain_availability_theory(avail, retries)
    measured = ok / n if n else float("nan")
    se = math.sqrt(predicted * (1 - predicted) / n) if n else float("nan")
    return {
        "services": len(rates), "retries": retries, "requests": n, "ok": ok, "measured": measured,
        "stderr": se, "product_rule": availability_chain(*avail), "predicted": predicted,
        "z": (measured - predicted) / se if se > 0 else 0.0,
        "attempts_per_request": sum(res.call_attempts.values()) / n if n else float("nan"),
    }


def producer_availability(*, producer_error_rate: float = 0.02, consumer_error_rate: float = 0.2,
                          broker_outage=None, rate: float = 50.0, duration: float = 60.0,
                          seed: int = 0, styles=("request_response", "event_driven")) -> pd.DataFrame:
    """The producer's availability, in each style, against what it depends on.

    ``orders`` fails on its own with ``producer_error_rate``; each of the
    four downstream services with ``consumer_error_rate``; ``broker_outage``
    ``(start, end)`` makes the broker unreachable (event-driven only: the
    request-response system has no broker). One row per style: ``measured``
    (share of orders answered ``ok``), ``stderr``, ``predicted`` and the
    factors it is built from — ``own`` (``1 - producer_error_rate``),
    ``dependencies`` (the downstream calls with their retries, RR) and
    ``broker`` (the share of arrivals that find the broker reachable once
    the producer's publish retries are counted, ED).
    """
    out = []
    T = float(duration)
    for style in styles:
        style = _style(style)
        arch = order_placed(style)
        consumers = [s for s in arch.services if s != "orders"]
        faults = [ErrorRate(node, 0.0, math.inf, e) for node, e in
                  [("orders", producer_error_rate)] + [(s, consumer_error_rate) for s in consumers] if e > 0]
        own = 1.0 - producer_error_rate
        deps, broker = 1.0, 1.0
        if style == "request_response":
            retries = [arch.graph.edges["orders", s]["retries"] for s in consumers]
            deps = float(np.prod([1.0 - consumer_error_rate ** (r + 1) for r in retries]))
        elif broker_outage is not None:
            start, end = broker_outage
            faults.append(BrokerOutage(start, end))
            st = arch.graph.nodes["order-placed"]
            # A publish fails only if every attempt lands in the outage:
            # attempts are spread over the retry backoffs (50 ms, doubling)
            # and the broker's append latency.
            span = sum(0.05 * 2 ** k for k in range(st["publish_retries"])) + \
                st["publish_retries"] * st["append_latency"].mean
            broker = 1.0 - max(0.0, min(end, T) - start - span) / T
        res = simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed)
        req = res.requests
        n = int((req["status"] != "in_flight").sum())
        measured = float((req["status"] == "ok").sum() / n) if n else float("nan")
        predicted = own * deps * broker
        out.append({"style": style, "requests": n, "measured": measured,
                    "stderr": math.sqrt(predicted * (1 - predicted) / n) if n else float("nan"),
                    "predicted": predicted, "own": own, "dependencies": deps, "broker": broker})
    return pd.DataFrame(out)
