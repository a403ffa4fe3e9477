"""The architecture: services, streams and the edges between them.

An :class:`Architecture` is a directed graph (a ``networkx.DiGraph``) with two
kinds of node and three kinds of edge::

    service --call-->      service   synchronous request: the caller waits
    service --publish-->   stream    the service appends an event to the log
    stream  --subscribe--> service   the service's consumer group reacts

The same services and costs can be wired either way, which is the whole point:

>>> import vetora_nb as vn
>>> rr = vn.Architecture("rr")
>>> rr.add_service("orders", workers=4, service_time=vn.Exponential(mean=0.005))
>>> rr.add_service("inventory", workers=2, service_time=vn.Exponential(mean=0.010))
>>> rr.add_call("orders", "inventory", timeout=0.5, retries=2)
>>> rr.entry = "orders"
>>> ed = vn.Architecture("ed")
>>> ed.add_service("orders", workers=4, service_time=vn.Exponential(mean=0.005))
>>> ed.add_service("inventory", workers=2, service_time=vn.Exponential(mean=0.010))
>>> ed.add_stream("order-events", partitions=4)
>>> ed.add_publish("orders", "order-events")
>>> ed.add_subscription("order-events", "inventory")
>>> ed.entry = "orders"
>>> sorted(k for *_, k in ed.graph.edges(data="kind"))
['publish', 'subscribe']

Every argument is validated when it is added, and the graph as a whole
(no cycles, an entry that exists) when it is simulated, so a mistake is
reported with the name of the parameter or node at fault.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from .distributions import Constant, Distribution, Exponential, as_distribution

__all__ = ["Architecture", "CircuitBreaker"]

FANOUT_MODES = ("sequential", "parallel")


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return value


def _non_negative_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def _number(name: str, value, *, low: float = 0.0, high: float = math.inf,
            low_open: bool = False, allow_inf: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if math.isnan(value) or (math.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < low or (low_open and value == low) or value > high:
        lo = f"> {low}" if low_open else f">= {low}"
        hi = f" and <= {high}" if high != math.inf else ""
        raise ValueError(f"{name} must be {lo}{hi}, got {value}")
    return value


def _name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"name must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class CircuitBreaker:
    """Stop calling a callee that keeps failing, then probe it again.

    *Closed*: calls go through; ``failure_threshold`` consecutive failures
    open the breaker. *Open*: calls fail at once with ``'circuit_open'``
    (no network, no waiting, no load on the sick callee) for
    ``reset_timeout`` seconds. *Half-open*: one trial call is let through;
    success closes the breaker, failure opens it again.
    """

    failure_threshold: int = 5
    reset_timeout: float = 5.0

    def __post_init__(self):
        _positive_int("failure_threshold", self.failure_threshold)
        _number("reset_timeout", self.reset_timeout, low_open=True)


class Architecture:
    """A system of services and streams, kept as a ``networkx.DiGraph``.

    Nodes carry ``kind`` (``'service'`` or ``'stream'``) and the arguments
    they were added with; edges carry ``kind`` (``'call'``, ``'publish'`` or
    ``'subscribe'``) and theirs. Edge insertion order is kept: a service's
    calls are made in the order they were added.
    """

    def __init__(self, name: str = "system"):
        self.name = _name(name)
        self.graph = nx.DiGraph(name=name)
        self._entry: str | None = None

    # -- nodes ---------------------------------------------------------------
    def _check_new(self, name: str) -> str:
        _name(name)
        if name in self.graph:
            raise ValueError(f"duplicate name: {name!r} is already a {self.graph.nodes[name]['kind']}")
        return name

    def add_service(self, name: str, *, workers: int = 1,
                    service_time: Distribution | float = Exponential(mean=0.010),
                    queue_capacity: int | None = None, error_rate: float = 0.0,
                    fanout: str = "sequential") -> None:
        """Add a service.

        ``workers`` is how many requests it handles at once (thread per
        request); for a service that subscribes to a stream it is also the
        number of consumer instances in its group. Requests that find every
        worker busy wait in a queue of at most ``queue_capacity`` (``None``:
        unbounded); a full queue rejects at once, which is backpressure.
        ``error_rate`` is the chance that handling fails on its own.
        ``fanout`` says whether its outgoing calls are made one after another
        (``'sequential'``) or all at once (``'parallel'``).
        """
        self._check_new(name)
        if queue_capacity is not None:
            queue_capacity = _non_negative_int("queue_capacity", queue_capacity)
        if fanout not in FANOUT_MODES:
            raise ValueError(f"fanout must be one of {FANOUT_MODES}, got {fanout!r}")
        self.graph.add_node(
            name, kind="service", workers=_positive_int("workers", workers),
            service_time=as_distribution(service_time, "service_time"),
            queue_capacity=queue_capacity,
            error_rate=_number("error_rate", error_rate, high=1.0), fanout=fanout)

    def add_stream(self, name: str, *, partitions: int = 1,
                   append_latency: Distribution | float = Constant(0.002),
                   delivery_latency: Distribution | float = Constant(0.005),
                   retention: float | None = None, publish_retries: int = 2,
                   publish_timeout: float = 0.5) -> None:
        """Add a durable, partitioned, append-only log (a topic).

        ``append_latency`` is what a producer waits for the broker's ack;
        ``delivery_latency`` is the hop from append until consumers can see
        the event (replication and polling). A producer that cannot reach the
        broker tries ``publish_retries`` more times, each attempt failing
        after ``publish_timeout`` when the network is cut. ``retention`` (in
        seconds, ``None`` for forever) bounds how far back a *new* consumer
        group can replay; like Pulsar's subscriptions, events an existing
        group has not yet acknowledged are never deleted.
        """
        self._check_new(name)
        if retention is not None:
            retention = _number("retention", retention, low_open=True)
        self.graph.add_node(
            name, kind="stream", partitions=_positive_int("partitions", partitions),
            append_latency=as_distribution(append_latency, "append_latency"),
            delivery_latency=as_distribution(delivery_latency, "delivery_latency"),
            retention=retention,
            publish_retries=_non_negative_int("publish_retries", publish_retries),
            publish_timeout=_number("publish_timeout", publish_timeout, low_open=True))

    # -- edges ---------------------------------------------------------------
    def _require(self, name: str, kind: str, role: str) -> None:
        if name not in self.graph:
            raise KeyError(f"unknown {kind} {name!r} (as {role}); known: {sorted(self.graph)}")
        actual = self.graph.nodes[name]["kind"]
        if actual != kind:
            raise ValueError(f"{role} {name!r} must be a {kind}, but it is a {actual}")

    def _check_new_edge(self, a: str, b: str) -> None:
        if self.graph.has_edge(a, b):
            raise ValueError(f"duplicate edge: {a!r} -> {b!r} already exists")

    def add_call(self, caller: str, callee: str, *, timeout: float = 1.0, retries: int = 0,
                 backoff: float = 0.05, jitter: float = 0.5,
                 latency: Distribution | float = Constant(0.001),
                 circuit_breaker: CircuitBreaker | None = None) -> None:
        """Add a synchronous call: while handling a request, ``caller`` calls
        ``callee`` and holds its worker until the answer (or the timeout).

        ``latency`` is paid each way. After ``timeout`` seconds the caller
        gives up (the callee may still finish the now-wasted work). A failed
        call is tried again up to ``retries`` times, waiting
        ``backoff * 2**k`` seconds before retry ``k`` (less a random share of
        up to ``jitter`` of it, so that callers do not retry in lockstep).
        """
        self._require(caller, "service", "caller")
        self._require(callee, "service", "callee")
        if caller == callee:
            raise ValueError(f"a service cannot call itself: {caller!r}")
        self._check_new_edge(caller, callee)
        if circuit_breaker is not None and not isinstance(circuit_breaker, CircuitBreaker):
            raise TypeError(f"circuit_breaker must be a vn.CircuitBreaker, got {circuit_breaker!r}")
        self.graph.add_edge(
            caller, callee, kind="call", timeout=_number("timeout", timeout, low_open=True),
            retries=_non_negative_int("retries", retries),
            backoff=_number("backoff", backoff), jitter=_number("jitter", jitter, high=1.0),
            latency=as_distribution(latency, "latency"), circuit_breaker=circuit_breaker)

    def add_publish(self, service: str, stream: str) -> None:
        """``service`` appends one event to ``stream`` for each request or
        event it handles successfully, keyed by the request's key."""
        self._require(service, "service", "publisher")
        self._require(stream, "stream", "stream")
        self._check_new_edge(service, stream)
        self.graph.add_edge(service, stream, kind="publish")

    def add_subscription(self, stream: str, service: str, *, max_attempts: int = 3,
                         retry_backoff: float = 0.05, idempotent: bool = False,
                         commit_interval: float = 0.5, propagate_context: bool = True,
                         start_at: float = 0.0, from_beginning: bool = True) -> None:
        """``service``'s consumer group reads every event of ``stream``.

        Each partition is owned by one of the group's ``workers`` instances
        and processed in offset order. Processing is tried ``max_attempts``
        times and then dead-lettered; the wait before each retry doubles,
        ``retry_backoff * 2**(failures - 1)`` after the ``failures``-th
        failure (``retry_backoff``, then twice that, ...). Offsets are
        committed every ``commit_interval`` seconds *after* processing
        (at-least-once): a crash redelivers what was processed but not yet
        committed. An ``idempotent`` consumer remembers what it has applied
        and skips the duplicates. ``propagate_context=False`` models a
        consumer that drops the trace id (its spans start a new trace).
        A group that joins late (``start_at`` seconds) reads the retained
        history first when ``from_beginning`` is true, else only new events.
        """
        self._require(stream, "stream", "stream")
        self._require(service, "service", "subscriber")
        self._check_new_edge(stream, service)
        if not isinstance(idempotent, bool):
            raise TypeError(f"idempotent must be True or False, got {idempotent!r}")
        self.graph.add_edge(
            stream, service, kind="subscribe",
            max_attempts=_positive_int("max_attempts", max_attempts),
            retry_backoff=_number("retry_backoff", retry_backoff), idempotent=idempotent,
            commit_interval=_number("commit_interval", commit_interval),
            propagate_context=bool(propagate_context),
            start_at=_number("start_at", start_at), from_beginning=bool(from_beginning))

    # -- queries -------------------------------------------------------------
    @property
    def entry(self) -> str | None:
        """The service that external traffic reaches by default."""
        return self._entry

    @entry.setter
    def entry(self, name: str | None) -> None:
        if name is not None:
            self._require(name, "service", "entry")
        self._entry = name

    def kind(self, name: str) -> str:
        if name not in self.graph:
            raise KeyError(f"unknown node {name!r}; known: {sorted(self.graph)}")
        return self.graph.nodes[name]["kind"]

    @property
    def services(self) -> list[str]:
        return [n for n, k in self.graph.nodes(data="kind") if k == "service"]

    @property
    def streams(self) -> list[str]:
        return [n for n, k in self.graph.nodes(data="kind") if k == "stream"]

    def edges_of_kind(self, kind: str) -> list[tuple[str, str]]:
        return [(a, b) for a, b, k in self.graph.edges(data="kind") if k == kind]

    def calls_from(self, service: str) -> list[str]:
        return [b for b in self.graph.successors(service) if self.graph.edges[service, b]["kind"] == "call"]

    def publishes_from(self, service: str) -> list[str]:
        return [b for b in self.graph.successors(service) if self.graph.edges[service, b]["kind"] == "publish"]

    def subscribers(self, stream: str) -> list[str]:
        return list(self.graph.successors(stream))

    def subscriptions_of(self, service: str) -> list[str]:
        return [a for a in self.graph.predecessors(service) if self.graph.nodes[a]["kind"] == "stream"]

    def validate(self) -> None:
        """Check the whole graph: raise ``ValueError`` naming what is wrong.

        Synchronous calls must not form a cycle (a request would wait on
        itself forever), and events must not flow in a loop (each event
        would publish another without end).
        """
        calls = nx.DiGraph(self.edges_of_kind("call"))
        try:
            cycle = nx.find_cycle(calls)
        except nx.NetworkXNoCycle:
            pass
        else:
            path = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
            raise ValueError(f"cycle of synchronous calls: {path}")
        try:
            cycle = nx.find_cycle(self.graph)
        except nx.NetworkXNoCycle:
            pass
        else:
            path = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
            raise ValueError(f"cycle of calls and events would never end: {path}")

    def copy(self, name: str | None = None) -> "Architecture":
        other = Architecture(name or self.name)
        other.graph = self.graph.copy()
        other.graph.graph["name"] = other.name
        other._entry = self._entry
        return other

    # -- twins and files -----------------------------------------------------
    def twin(self, sync=None, **options) -> "Architecture":
        """This system in the other style: see :func:`vetora_nb.twins.twin`."""
        from .twins import twin
        return twin(self, sync, **options)

    def save(self, path) -> None:
        """Write this architecture to a TOML file: see :mod:`vetora_nb.architecture_files`."""
        from .architecture_files import save
        save(self, path)

    @classmethod
    def load(cls, path) -> "Architecture":
        """Read an architecture from a file written by :meth:`save` (or by hand)."""
        from .architecture_files import load
        return load(path)

    def differences(self, other: "Architecture") -> list[str]:
        """What differs between this architecture and ``other``, in words.

        Empty when they are identical: the same name and entry, the same
        nodes and edges *in the same order* (a service's calls are made in
        the order they were added) with equal attributes.

        >>> a, b = Architecture("x"), Architecture("x")
        >>> for arch in (a, b):
        ...     arch.add_service("api", workers=2)
        >>> a.differences(b)
        []
        >>> b.graph.nodes["api"]["workers"] = 3
        >>> a.differences(b)
        ["service 'api': workers is 2 here, 3 there"]
        """
        if not isinstance(other, Architecture):
            raise TypeError(f"other must be a vn.Architecture, got {other!r}")
        out = []
        if self.name != other.name:
            out.append(f"name is {self.name!r} here, {other.name!r} there")
        if self.entry != other.entry:
            out.append(f"entry is {self.entry!r} here, {other.entry!r} there")

        def compare(what, mine, theirs):
            for key in list(mine) + [k for k in theirs if k not in mine]:
                a, b = mine.get(key), theirs.get(key)
                label = what(key)
                if key not in theirs or key not in mine:
                    out.append(f"{label} is only {'here' if key in mine else 'there'}")
                    continue
                for attr in list(a) + [k for k in b if k not in a]:
                    if attr not in a or attr not in b or a[attr] != b[attr] or type(a[attr]) is not type(b[attr]):
                        out.append(f"{label}: {attr} is {a.get(attr)!r} here, {b.get(attr)!r} there")

        g, h = self.graph, other.graph
        compare(lambda n: f"{(g.nodes[n] if n in g else h.nodes[n])['kind']} {n!r}",
                dict(g.nodes(data=True)), dict(h.nodes(data=True)))
        compare(lambda e: f"edge {e[0]!r} -> {e[1]!r}",
                {(a, b): d for a, b, d in g.edges(data=True)}, {(a, b): d for a, b, d in h.edges(data=True)})
        if not out:
            if list(g) != list(h):
                out.append(f"nodes are in another order: {list(g)} here, {list(h)} there")
            if list(g.edges) != list(h.edges):
                out.append(f"edges are in another order: {list(g.edges)} here, {list(h.edges)} there")
        return out

    def __repr__(self) -> str:
        return (f"Architecture({self.name!r}: {len(self.services)} services, "
                f"{len(self.streams)} streams, {self.graph.number_of_edges()} edges, entry={self.entry!r})")
