"""Twins: the same system, wired in the other style.

A comparison is only fair when the two systems differ in their wiring alone.
:func:`twin` takes any :class:`~vetora_nb.architecture.Architecture` and
builds its twin: the same services with the same workers, service times,
queues and error rates, the same entry, and every *link* between two
services rewired.

A link is one service depending on another:

- a synchronous **call** ``a --call--> b`` (``a`` waits for ``b``), or
- a **publication** ``a --publish--> s --subscribe--> b`` (``b``'s consumer
  group reacts to ``a``'s events; nobody waits).

Going event-driven, the calls a service makes become publications to one
stream, whose consumer groups are the callees; going request-response, each
publication becomes a call from the publisher to every consumer of the
stream, and a stream nobody reads any more goes away. ``sync`` says which
links are synchronous in the twin, so a hybrid is one argument:

>>> import vetora_nb as vn
>>> shop = vn.Architecture("shop")
>>> shop.add_service("orders", workers=8, service_time=vn.Exponential(mean=0.004))
>>> for name in ("payment", "shipping", "email"):
...     shop.add_service(name, workers=2, service_time=vn.Exponential(mean=0.008))
...     shop.add_call("orders", name, timeout=0.5)
>>> shop.entry = "orders"
>>> ed = vn.twin(shop)                         # every call becomes a publication
>>> ed.streams, ed.subscribers("orders-events")
(['orders-events'], ['payment', 'shipping', 'email'])
>>> hybrid = vn.twin(shop, sync=["payment"])  # the customer waits for payment only
>>> hybrid.calls_from("orders"), hybrid.subscribers("orders-events")
(['payment'], ['shipping', 'email'])
>>> back = vn.twin(ed, call={"timeout": 0.5}, name="shop")
>>> back.differences(shop)
[]

What belongs to one style only is left behind and taken from the options:
a call's ``timeout``, ``retries``, ``latency`` and breaker mean nothing
when nobody waits, and a consumer's attempts, commits and idempotence mean
nothing without a log. New calls get ``call=`` (the keywords of
:meth:`~vetora_nb.architecture.Architecture.add_call`), new streams
``stream=`` (of ``add_stream``; ``partitions`` defaults to the largest
worker count among the stream's consumers, so every instance can own a
partition) and new subscriptions ``subscription=`` (of
``add_subscription``). An option's value may be a mapping, to vary it by
callee or consumer name (or ``(caller, callee)`` pair) or by stream name.

Some systems have no faithful twin, and :func:`twin` refuses them with
:class:`NoFaithfulTwin` saying why, rather than build something that
differs in more than its wiring: a consumer group that joins late or drops
the trace id (a call can do neither), a service that would end up taking
its work from two places (its ``workers`` would count twice, once for its
worker pool and once per consumer group), a stream shared by publishers
whose links are split between the styles, or two links between the same
pair of services that would become one call.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from .architecture import Architecture

__all__ = ["twin", "links", "style_of", "Link", "NoFaithfulTwin", "STYLE_NAMES"]

#: The names ``sync`` accepts for "every link" and "no link".
STYLE_NAMES = {"request_response": "request_response", "rr": "request_response",
               "event_driven": "event_driven", "ed": "event_driven"}


class NoFaithfulTwin(ValueError):
    """The architecture cannot be rewired without changing more than its wiring."""


class Link(NamedTuple):
    """One service depending on another: ``upstream`` calls ``downstream``
    (``stream`` is ``None``), or publishes to ``stream``, which
    ``downstream`` consumes."""

    upstream: str
    downstream: str
    stream: str | None = None

    @property
    def sync(self) -> bool:
        return self.stream is None

    def __str__(self) -> str:
        via = "" if self.stream is None else f" via {self.stream!r}"
        return f"{self.upstream!r} -> {self.downstream!r}{via}"


def links(arch: Architecture) -> list[Link]:
    """Every link of ``arch``: its calls in the order they are made, then its
    publications stream by stream, consumer by consumer.

    >>> import vetora_nb as vn
    >>> [str(l) for l in links(vn.scenarios.hybrid_shop(["payment"], downstream={"payment": (2, 0.01),
    ...                                                                         "email": (1, 0.01)}))]
    ["'orders' -> 'payment'", "'orders' -> 'email' via 'order-placed'"]
    """
    out = [Link(a, b) for a, b in arch.edges_of_kind("call")]
    g = arch.graph
    for s in arch.streams:
        publishers = [a for a in g.predecessors(s) if g.edges[a, s]["kind"] == "publish"]
        for b in arch.subscribers(s):
            out.extend(Link(a, b, s) for a in publishers)
    return out


def style_of(arch: Architecture) -> str:
    """``'request_response'`` (calls only, or no link at all), ``'event_driven'``
    (publications only) or ``'hybrid'`` (both)."""
    kinds = {l.sync for l in links(arch)}
    if kinds == {True, False}:
        return "hybrid"
    return "event_driven" if kinds == {False} else "request_response"


# -- choosing which links stay synchronous --------------------------------------

def _chosen(sync, arch: Architecture, all_links: list[Link]) -> set[Link]:
    """The links that ``sync`` makes synchronous in the twin."""
    if sync is None:
        style = style_of(arch)
        if style == "hybrid":
            raise ValueError(
                f"sync: {arch.name!r} is a hybrid (it has calls and publications), so its twin is "
                "not one style: say which links stay synchronous, e.g. sync='request_response', "
                "sync='event_driven' or a list of services or (caller, callee) pairs")
        return set() if style == "request_response" else set(all_links)
    if isinstance(sync, str) and sync in STYLE_NAMES:
        return set(all_links) if STYLE_NAMES[sync] == "request_response" else set()
    if isinstance(sync, str):
        selectors = [sync]
    elif isinstance(sync, Iterable) and not isinstance(sync, Mapping):
        selectors = list(sync)
    else:
        raise TypeError(f"sync must be a style name or a list of services or (caller, callee) pairs, "
                        f"got {sync!r}")
    chosen: set[Link] = set()
    for sel in selectors:
        if isinstance(sel, str):
            if sel not in arch.graph or arch.kind(sel) != "service":
                raise KeyError(f"sync: unknown service {sel!r}; services: {arch.services}")
            picked = [l for l in all_links if l.downstream == sel]
        elif (isinstance(sel, tuple) and len(sel) == 2 and all(isinstance(x, str) for x in sel)):
            picked = [l for l in all_links if (l.upstream, l.downstream) == sel]
        else:
            raise TypeError(f"sync must name services or (caller, callee) pairs, got {sel!r}")
        if not picked:
            known = sorted({l.downstream for l in all_links})
            raise KeyError(f"sync: no link reaches {sel!r}; services with a link into them: {known}")
        chosen.update(picked)
    return chosen


# -- options for what only one style has -----------------------------------------

@functools.lru_cache(maxsize=None)
def _keywords(method) -> tuple:
    return tuple(p.name for p in inspect.signature(method).parameters.values() if p.kind is p.KEYWORD_ONLY)


def _options(options, method, what: str) -> dict:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise TypeError(f"{what} must be a mapping of {method.__name__} keywords, got {options!r}")
    known = list(_keywords(method))
    for key in options:
        if key not in known:
            raise KeyError(f"{what}: unknown option {key!r}; options: {known}")
    return dict(options)


def _pick(options: dict, what: str, keys: tuple, used: set) -> dict:
    """The keywords for one new edge or stream: a mapping value is looked up by ``keys``."""
    out = {}
    for option, value in options.items():
        if isinstance(value, Mapping):
            for k in keys:
                if k in value:
                    out[option] = value[k]
                    used.add((option, k))
                    break
        else:
            out[option] = value
    return out


def _check_used(options: dict, what: str, used: set, targets: list) -> None:
    for option, value in options.items():
        if isinstance(value, Mapping):
            for k in value:
                if (option, k) not in used:
                    raise KeyError(f"{what}: {option}: {k!r} is not one of the twin's new "
                                   f"{what.split('=')[0]}s; they are: {targets}")


# -- faithfulness ----------------------------------------------------------------

def _sources(arch: Architecture, service: str, calls_in, streams_in) -> list[str]:
    """Where ``service`` takes its work from: its worker pool (the entry's
    traffic and calls into it), and one consumer group per stream it reads."""
    pool = []
    if service == arch.entry:
        pool.append("the entry's traffic")
    if calls_in:
        pool.append("calls from " + ", ".join(repr(c) for c in calls_in))
    out = [" and ".join(pool)] if pool else []
    return out + [f"the events of {s!r}" for s in streams_in]


def _refuse(msg: str):
    raise NoFaithfulTwin(msg)


# -- the twin ----------------------------------------------------------------------

def twin(arch: Architecture, sync=None, *, streams: Mapping | None = None, stream: Mapping | None = None,
         subscription: Mapping | None = None, call: Mapping | None = None,
         name: str | None = None) -> Architecture:
    """``arch`` with the links in ``sync`` synchronous and every other link a publication.

    ``sync`` is ``'request_response'`` (every link a call), ``'event_driven'``
    (none), or a list whose items are service names (every link into that
    service) or ``(caller, callee)`` pairs. Without it the twin is the other
    style (a hybrid must say). Links already wired as asked stay as they are.

    A caller's calls that become publications go to one stream, whose
    consumer groups are the callees: the stream it already publishes to
    alone, if it has one, else a new ``'<caller>-events'``; a callee with
    several callers gets one stream they all publish to (so it keeps one
    consumer group), named after all of them. ``streams`` maps a caller (or
    the tuple of callers) to another name. Where a link leaves a stream that
    still has consumers, the stream stays; a stream nobody reads any more
    goes, with its publications.
    ``call``, ``stream`` and ``subscription`` give what one style has and the
    other lacks (see the module's docstring). The twin is named ``name``,
    by default ``'<name> (<style>)'``.

    Raises :class:`NoFaithfulTwin` (a ``ValueError``) when the twin would
    differ in more than its wiring, and ``KeyError``/``TypeError`` naming a
    bad argument.
    """
    if not isinstance(arch, Architecture):
        raise TypeError(f"arch must be a vn.Architecture, got {arch!r}")
    arch.validate()
    g = arch.graph
    all_links = links(arch)
    chosen = _chosen(sync, arch, all_links)
    to_async = [l for l in all_links if l.sync and l not in chosen]
    to_sync = [l for l in all_links if not l.sync and l in chosen]
    call_opts = _options(call, Architecture.add_call, "call")
    stream_opts = _options(stream, Architecture.add_stream, "stream")
    sub_opts = _options(subscription, Architecture.add_subscription, "subscription")
    if streams is not None and not isinstance(streams, Mapping):
        raise TypeError(f"streams must map callers to stream names, got {streams!r}")

    # A subscription is rewired whole: every publisher of the stream with it.
    converted_subs = []   # (stream, consumer), in link order
    for l in to_sync:
        if (l.stream, l.downstream) in converted_subs:
            continue
        together = [m for m in all_links if (m.stream, m.downstream) == (l.stream, l.downstream)]
        split = [m for m in together if m not in chosen]
        if split:
            _refuse(f"{l.downstream!r} reads {l.stream!r}, which {', '.join(repr(m.upstream) for m in together)} "
                    f"all publish to: one consumer group cannot answer some publishers as calls and read the "
                    f"others' events; make every link into {l.downstream!r} through {l.stream!r} synchronous, "
                    "or none")
        attrs = g.edges[l.stream, l.downstream]
        if attrs["start_at"] > 0:
            _refuse(f"{l.downstream!r} joins {l.stream!r} late (start_at={attrs['start_at']:g} s): a call cannot "
                    "start late and replay what it missed, so this subscription has no synchronous twin")
        if not attrs["propagate_context"]:
            _refuse(f"{l.downstream!r} drops the trace id of {l.stream!r}'s events (propagate_context=False): a "
                    "call always carries its caller's trace, so this subscription has no synchronous twin")
        converted_subs.append((l.stream, l.downstream))
    converted = set(converted_subs)

    # The calls of the twin: kept ones, then the subscriptions that become calls.
    kept_calls = [(l.upstream, l.downstream) for l in all_links if l.sync and l in chosen]
    new_calls = [(l.upstream, l.downstream) for l in to_sync]
    seen = set()
    for pair in kept_calls + new_calls:
        if pair in seen:
            ways = [str(l) for l in all_links if (l.upstream, l.downstream) == pair]
            _refuse(f"{pair[0]!r} reaches {pair[1]!r} in more than one way ({'; '.join(ways)}): as calls "
                    f"they would be one call, and {pair[1]!r} would do its work once where it did it "
                    f"{len(ways)} times")
        seen.add(pair)

    # Calls that become publications: each callee gets one stream, fed by its callers.
    callers_of: dict[str, list[str]] = {}
    for l in to_async:
        callers_of.setdefault(l.downstream, []).append(l.upstream)
    new_streams: dict[tuple, list[str]] = {}   # callers -> consumers, in link order
    for callee, callers in callers_of.items():
        key = tuple(sorted(set(callers), key=list(g).index))
        new_streams.setdefault(key, []).append(callee)
    dropped = {s for s in arch.streams if arch.subscribers(s)
               and all((s, b) in converted for b in arch.subscribers(s))}
    publishers_of = {s: {a for a in g.predecessors(s) if g.edges[a, s]["kind"] == "publish"}
                     for s in arch.streams if s not in dropped}
    names = dict(streams or {})
    stream_names, reused = {}, set()
    for callers in new_streams:
        if callers in names:
            sname = names.pop(callers)
        elif len(callers) == 1 and callers[0] in names:
            sname = names.pop(callers[0])
        else:   # the callers' own stream if they have one, else a new one
            own = [s for s, pubs in publishers_of.items() if pubs == set(callers)]
            sname = own[0] if own else "-".join(callers) + "-events"
        if not isinstance(sname, str):
            raise TypeError(f"streams: a stream name must be a string, got {sname!r}")
        if sname in publishers_of:
            if publishers_of[sname] != set(callers):
                raise ValueError(f"streams: {sname!r} is a stream that {sorted(publishers_of[sname])} publish "
                                 f"to, not {list(callers)}; pick another name with streams={{caller: name}}")
            reused.add(sname)
        elif sname in g and sname not in dropped:
            raise ValueError(f"streams: {sname!r} (for {', '.join(callers)}) is already a service's name; "
                             "pick another with streams={caller: name}")
        if sname in stream_names.values():
            raise ValueError(f"streams: {sname!r} would be the name of two new streams")
        stream_names[callers] = sname
    if names:
        raise KeyError(f"streams: {next(iter(names))!r} publishes to no new stream; new streams are "
                       f"published by: {[c[0] if len(c) == 1 else c for c in new_streams]}")

    # Every service whose incoming links change must take its work from one place, before and after.
    rewired = {l.downstream for l in to_async} | {b for _, b in converted}
    new_stream_of = {c: stream_names[k] for k, cs in new_streams.items() for c in cs}
    for b in sorted(rewired, key=list(g).index):
        calls_before = [a for a in g.predecessors(b) if g.edges[a, b]["kind"] == "call"]
        streams_before = arch.subscriptions_of(b)
        calls_after = [a for a, c in kept_calls + new_calls if c == b]
        streams_after = [s for s in streams_before if (s, b) not in converted] + \
            ([new_stream_of[b]] if b in new_stream_of else [])
        before = _sources(arch, b, calls_before, streams_before)
        after = _sources(arch, b, calls_after, streams_after)
        if len(before) != 1 or len(after) != 1:
            workers = g.nodes[b]["workers"]
            _refuse(f"{b!r} would take its work from {' and from '.join(after)}, where it took it from "
                    f"{' and from '.join(before)}: its {workers} workers are one worker pool for calls and "
                    "the entry's traffic, and as many consumer instances again for each stream it reads, so "
                    f"its capacity would change; wire every link into {b!r} the same way (all in sync, or "
                    "none) and give it a single source of work")

    # -- build it: the same nodes in the same order, then the new streams --------
    new = Architecture(name or arch.name)
    ng = new.graph
    for n, attrs in g.nodes(data=True):
        if n not in dropped:
            ng.add_node(n, **dict(attrs))
    used_s: set = set()
    for callers, consumers in new_streams.items():
        sname = stream_names[callers]
        if sname in reused:
            continue
        opts = _pick(stream_opts, "stream=", (sname,), used_s)
        opts.setdefault("partitions", max(g.nodes[c]["workers"] for c in consumers))
        new.add_stream(sname, **opts)
    _check_used(stream_opts, "stream=", used_s, [n for n in stream_names.values() if n not in reused])

    used_c: set = set()
    used_sub: set = set()
    for n in list(ng):
        kind = ng.nodes[n]["kind"]
        if n in g:
            for b in g.successors(n):
                attrs = g.edges[n, b]
                if attrs["kind"] == "call" and (n, b) not in kept_calls:
                    continue
                if attrs["kind"] == "publish" and b in dropped:
                    continue
                if attrs["kind"] == "subscribe" and (n, b) in converted:
                    continue
                ng.add_edge(n, b, **dict(attrs))
        if kind == "service":
            for a, b in new_calls:
                if a == n:
                    new.add_call(a, b, **_pick(call_opts, "call=", ((a, b), b), used_c))
            for callers in new_streams:
                if n in callers and stream_names[callers] not in reused:
                    new.add_publish(n, stream_names[callers])
        else:
            for callers, consumers in new_streams.items():
                if stream_names[callers] == n:
                    for c in consumers:
                        new.add_subscription(n, c, **_pick(sub_opts, "subscription=", (c,), used_sub))
    _check_used(call_opts, "call=", used_c, [f"{a}->{b}" for a, b in new_calls])
    _check_used(sub_opts, "subscription=", used_sub, [c for cs in new_streams.values() for c in cs])
    new._entry = arch.entry
    if name is None:
        new.name = f"{arch.name} ({style_of(new)})"
        ng.graph["name"] = new.name
    return new   # acyclic like arch: a link rewired joins the same two services
