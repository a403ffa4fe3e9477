"""Faults to inject: what breaks, where, and for how long.

Each fault is a window ``[start, end)`` in simulated seconds on a node (or,
for a network partition, on the link between two nodes):

- :class:`Outage` — the node is down. A down service refuses connections
  (callers fail fast with ``'unavailable'``), drops the requests it was
  working on, and a down consumer stops consuming: its lag grows. An outage
  on a *stream* is a broker outage for that stream.
- :class:`Slowdown` — every service time on the node is ``factor`` times longer.
- :class:`ErrorRate` — handling on the node fails with probability ``rate``.
- :class:`NetworkPartition` — messages between ``a`` and ``b`` are lost:
  calls across the cut time out, appends and fetches across it fail.
- :class:`BrokerOutage` — the broker (all streams, or one) is unreachable:
  producers retry and then fail visibly; consumers wait.

>>> Outage("inventory", start=20, end=35).duration
15.0
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

__all__ = ["Fault", "Outage", "Slowdown", "ErrorRate", "NetworkPartition", "BrokerOutage", "FaultSchedule",
           "links_into", "cut_links_into"]


def _window(start, end) -> tuple[float, float]:
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"{name} must be a number, got {v!r}")
        if math.isnan(v) or v < 0:
            raise ValueError(f"{name} must be >= 0, got {v}")
    if math.isinf(start):
        raise ValueError("start must be finite")
    if end <= start:
        raise ValueError(f"end must be > start, got start={start}, end={end}")
    return float(start), float(end)


@dataclass(frozen=True)
class Fault:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def nodes(self) -> tuple[str, ...]:
        """The nodes this fault names (checked against the architecture)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Outage(Fault):
    """``node`` is down from ``start`` to ``end``."""

    node: str = ""

    def __init__(self, node: str, start: float, end: float):
        s, e = _window(start, end)
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)

    def nodes(self):
        return (self.node,)


@dataclass(frozen=True)
class Slowdown(Fault):
    """``node``'s service times are multiplied by ``factor`` from ``start`` to ``end``."""

    node: str = ""
    factor: float = 1.0

    def __init__(self, node: str, start: float, end: float, factor: float):
        s, e = _window(start, end)
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not math.isfinite(factor):
            raise TypeError(f"factor must be a finite number, got {factor!r}")
        if factor <= 0:
            raise ValueError(f"factor must be > 0, got {factor}")
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)
        object.__setattr__(self, "factor", float(factor))

    def nodes(self):
        return (self.node,)


@dataclass(frozen=True)
class ErrorRate(Fault):
    """Handling on ``node`` fails with probability ``rate`` from ``start`` to ``end``."""

    node: str = ""
    rate: float = 0.0

    def __init__(self, node: str, start: float, end: float, rate: float):
        s, e = _window(start, end)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            raise TypeError(f"rate must be a number, got {rate!r}")
        if not 0 <= rate <= 1:
            raise ValueError(f"rate must be between 0 and 1, got {rate}")
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)
        object.__setattr__(self, "rate", float(rate))

    def nodes(self):
        return (self.node,)


@dataclass(frozen=True)
class NetworkPartition(Fault):
    """The link between ``a`` and ``b`` is cut from ``start`` to ``end``."""

    a: str = ""
    b: str = ""

    def __init__(self, a: str, b: str, start: float, end: float):
        s, e = _window(start, end)
        if a == b:
            raise ValueError(f"a and b must differ, got {a!r} twice")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)

    def nodes(self):
        return (self.a, self.b)


@dataclass(frozen=True)
class BrokerOutage(Fault):
    """The broker is unreachable: every stream, or only ``stream``."""

    stream: str | None = None

    def __init__(self, start: float, end: float, stream: str | None = None):
        s, e = _window(start, end)
        object.__setattr__(self, "stream", stream)
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)

    def nodes(self):
        return () if self.stream is None else (self.stream,)


def links_into(arch, service: str) -> list[tuple[str, str]]:
    """The links that bring work to ``service``: the calls into it, else the
    streams it consumes, else (not connected to anything) the entry's.

    Cutting these is "the same loss of contact, wired each style's way":
    ``orders → shipping`` in request-response, ``order-placed → shipping``
    in event-driven.

    >>> import vetora_nb as vn
    >>> links_into(vn.scenarios.order_placed("event_driven"), "shipping")
    [('order-placed', 'shipping')]
    """
    g = arch.graph
    if service not in g:
        raise KeyError(f"cut: unknown service {service!r}; services: {sorted(arch.services)}")
    callers = [a for a in g.predecessors(service) if g.edges[a, service]["kind"] == "call"]
    streams = [a for a in g.predecessors(service) if g.edges[a, service]["kind"] == "subscribe"]
    links = [(a, service) for a in callers + streams]
    if not links and arch.entry and arch.entry != service:
        links = [(arch.entry, service)]
    return links


def cut_links_into(arch, service: str, start: float, end: float) -> list:
    """A :class:`NetworkPartition` on each of :func:`links_into` ``service``, from ``start`` to ``end``."""
    return [NetworkPartition(a, b, start, end) for a, b in links_into(arch, service)]


class FaultSchedule:
    """Fast answers to "is this node down/slow/cut at time t?" during a run."""

    def __init__(self, faults, architecture):
        faults = list(faults or [])
        self.faults = faults
        self.down = defaultdict(list)
        self.slow = defaultdict(list)
        self.errors = defaultdict(list)
        self.cuts = defaultdict(list)
        for f in faults:
            if not isinstance(f, Fault):
                raise TypeError(f"faults must be vn.Outage, vn.Slowdown, ... objects, got {f!r}")
            for node in f.nodes():
                architecture.kind(node)  # KeyError naming an unknown node
            if isinstance(f, Outage):
                self.down[f.node].append((f.start, f.end))
            elif isinstance(f, BrokerOutage):
                for s in ([f.stream] if f.stream else architecture.streams):
                    self.down[s].append((f.start, f.end))
            elif isinstance(f, Slowdown):
                self.slow[f.node].append((f.start, f.end, f.factor))
            elif isinstance(f, ErrorRate):
                self.errors[f.node].append((f.start, f.end, f.rate))
            elif isinstance(f, NetworkPartition):
                self.cuts[frozenset((f.a, f.b))].append((f.start, f.end))
        # Plain dicts: a lookup for an unfaulted node must not insert a key.
        self.down, self.slow, self.errors, self.cuts = map(dict, (self.down, self.slow, self.errors, self.cuts))

    def touches(self, node: str) -> bool:
        """Does any outage, slowdown or error window name ``node``?"""
        return node in self.down or node in self.slow or node in self.errors

    def touches_link(self, a: str, b: str) -> bool:
        """Does any network partition cut the link between ``a`` and ``b``?"""
        return frozenset((a, b)) in self.cuts

    def is_down(self, node: str, t: float) -> bool:
        for s, e in self.down.get(node, ()):
            if s <= t < e:
                return True
        return False

    def down_until(self, node: str, t: float) -> float:
        """When the outage in force at ``t`` ends (``t`` if none is)."""
        end = t
        changed = True
        while changed:  # back-to-back windows join into one
            changed = False
            for s, e in self.down.get(node, ()):
                if s <= end < e:
                    end, changed = e, True
        return end

    def crashed_between(self, node: str, t0: float, t1: float) -> bool:
        """Did an outage of ``node`` begin in ``(t0, t1]``? (work in flight is lost)"""
        for s, _ in self.down.get(node, ()):
            if t0 < s <= t1:
                return True
        return False

    def slowdown(self, node: str, t: float) -> float:
        factor = 1.0
        for s, e, k in self.slow.get(node, ()):
            if s <= t < e:
                factor *= k
        return factor

    def error_rate(self, node: str, t: float, base: float) -> float:
        ok = 1.0 - base
        for s, e, r in self.errors.get(node, ()):
            if s <= t < e:
                ok *= 1.0 - r
        return 1.0 - ok

    def is_cut(self, a: str, b: str, t: float) -> bool:
        if not self.cuts:
            return False   # the common case: no partition at all, no set to build
        for s, e in self.cuts.get(frozenset((a, b)), ()):
            if s <= t < e:
                return True
        return False

    def cut_until(self, a: str, b: str, t: float) -> float:
        end = t
        for s, e in self.cuts.get(frozenset((a, b)), ()):
            if s <= t < e:
                end = max(end, e)
        return end

    def windows(self):
        """``(label, node, start, end)`` for every fault, for shading plots."""
        out = []
        for f in self.faults:
            label = type(f).__name__
            out.append((label, ",".join(f.nodes()) or "broker", f.start, f.end))
        return out
