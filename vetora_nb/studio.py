"""A design in the making: edits in, an :class:`~vetora_nb.architecture.Architecture` and its twin out.

The design studio (notebook 13) lets a student build *their* system by
adding and removing services, streams, calls and subscriptions, one edit at
a time. Half-way through, a design is often not a system yet: a call may
name a service that is not there, or two services may wait for each other.
An :class:`Architecture` refuses such a thing at once (and rightly so); a
:class:`Design` keeps it, says what is wrong in words, and becomes an
architecture as soon as it is whole.

>>> from vetora_nb.studio import Design
>>> d = Design("my shop")
>>> d.add_service("orders", workers=8, service_time=0.004)
>>> d.add_service("payment", workers=2, service_time=0.010)
>>> d.add_call("orders", "payment")
>>> d.add_call("orders", "email")            # not a service yet
>>> d.problems()
["The call 'orders' → 'email' names 'email', which is not in the design: add a service 'email', or remove the call."]
>>> d.add_service("email", workers=1, service_time=0.005)
>>> d.problems()
[]
>>> arch = d.architecture()                   # the entry is the first service added
>>> arch.entry, arch.calls_from("orders")
('orders', ['payment', 'email'])

Which links stay synchronous in the design's **twin** (the same services
wired the other way, :func:`vetora_nb.twins.twin`) is part of the design:
by default every link flips, so a request-response design's twin is
event-driven and the other way round.

>>> d.set_sync("orders", "payment", True)     # the customer still waits for payment
>>> twin = d.twin()
>>> twin.calls_from("orders"), twin.subscribers("orders-events")
(['payment'], ['email'])

A design is saved and loaded as an architecture file
(:mod:`vetora_nb.architecture_files`), so a round trip is exact, and any
architecture — a shipped one (:func:`shipped`) — can be the start
of a design (:meth:`Design.load`, :meth:`Design.from_architecture`).
Service times are exponential with the mean given in seconds unless a
distribution is given; the other keywords of ``add_service``, ``add_call``
... are accepted as they are.
"""

from __future__ import annotations

import copy
from pathlib import Path

import networkx as nx

from . import architecture_files as files
from .architecture import Architecture
from .distributions import Distribution
from .traffic import DATA_DIR
from .twins import NoFaithfulTwin, twin

__all__ = ["Design", "DesignError", "SHIPPED_DIR", "shipped"]

#: Where the collection's architectures are shipped as files.
SHIPPED_DIR = DATA_DIR / "architectures"

_KINDS = {"call": ("calls", "caller", "callee"), "publish": ("publications", "service", "stream"),
          "subscribe": ("subscriptions", "stream", "service")}
_WHAT = {"call": "call", "publish": "publication", "subscribe": "subscription"}
#: What each end of an edge must be: (upstream kind, downstream kind).
_ENDS = {"call": ("service", "service"), "publish": ("service", "stream"), "subscribe": ("stream", "service")}


def shipped() -> dict:
    """``{name: path}`` of the architectures the package ships (in its ``data/architectures/``)."""
    return {p.stem: p for p in sorted(SHIPPED_DIR.glob("*.toml"))}


class DesignError(ValueError):
    """A design that is not (yet) a system. ``problems`` lists what is wrong, in words."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def _arrow(a: str, b: str) -> str:
    return f"{a!r} → {b!r}"


def _distribution(value, what: str):
    """A service time in the file's form: a number is an exponential mean in seconds."""
    if isinstance(value, Distribution):
        return files._value_to_file(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a mean in seconds or a vn distribution, got {value!r}")
    if not value > 0:
        raise ValueError(f"{what} must be > 0 seconds, got {value!r}")
    return {"kind": "exponential", "mean": float(value)}


def _count(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number, got {value!r}")
    if value < 1:
        raise ValueError(f"{what} must be >= 1, got {value}")
    return value


def _name(value, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{what} must be a non-empty name, got {value!r}")
    return value.strip()


class Design:
    """A system being edited: services, streams and edges, valid or not yet.

    Every edit checks its own arguments (a bad number raises ``ValueError``
    or ``TypeError`` naming it) but not how the design hangs together: that
    is :meth:`problems`, in words, and :meth:`architecture` refuses with a
    :class:`DesignError` until there are none.
    """

    def __init__(self, name: str = "my design"):
        self.name = _name(name, "name")
        self._services: dict[str, dict] = {}
        self._streams: dict[str, dict] = {}
        self._edges: list[dict] = []      # {"kind", "a", "b", "options"} in the order added
        self._entry: str | None = None
        self._sync: dict[tuple, bool] = {}   # links whose twin wiring was chosen
        self._order: list[str] = []          # services and streams in the order added

    # -- from and to files ------------------------------------------------------------
    @classmethod
    def from_architecture(cls, arch: Architecture) -> "Design":
        """A design that starts as ``arch`` (its twin choice: every link flips)."""
        data = files.to_dict(arch)
        d = cls(data["name"])
        order = data.get("nodes") or list(data.get("services", {})) + list(data.get("streams", {}))
        for n in order:
            d._order.append(n)
            if n in data.get("services", {}):
                d._services[n] = dict(data["services"][n])
            else:
                d._streams[n] = dict(data["streams"][n])
        for a, b, attrs in arch.graph.edges(data=True):
            kind = attrs["kind"]
            section, ka, kb = _KINDS[kind]
            row = next(r for r in data[section] if (r[ka], r[kb]) == (a, b))
            d._edges.append({"kind": kind, "a": a, "b": b,
                             "options": {k: v for k, v in row.items() if k not in (ka, kb)}})
        d._entry = arch.entry
        return d

    @classmethod
    def load(cls, path) -> "Design":
        """The design in an architecture file (``.toml`` or ``.json``); a bad
        file raises :class:`~vetora_nb.architecture_files.ArchitectureFileError` naming the key."""
        return cls.from_architecture(files.load(path))

    def save(self, path) -> Path:
        """Write the design to ``path`` as an architecture file; a design with
        problems is refused (:class:`DesignError`): a file always holds a system."""
        return files.save(self.architecture(), path)

    def to_dict(self) -> dict:
        """The design in the file's form (:func:`vetora_nb.architecture_files.to_dict`)."""
        return files.to_dict(self.architecture())

    def copy(self) -> "Design":
        return copy.deepcopy(self)

    # -- services and streams ------------------------------------------------------------
    @property
    def services(self) -> list[str]:
        return list(self._services)

    @property
    def streams(self) -> list[str]:
        return list(self._streams)

    def _check_free(self, name: str) -> None:
        if name in self._services or name in self._streams:
            kind = "service" if name in self._services else "stream"
            raise ValueError(f"name: {name!r} is already a {kind} of the design")

    def add_service(self, name: str, *, workers: int = 1, service_time=0.010, **options) -> None:
        """Add a service with ``workers`` and a mean ``service_time`` in seconds
        (or a distribution); ``options`` are ``add_service``'s other keywords."""
        name = _name(name, "name")
        self._check_free(name)
        spec = {"workers": _count(workers, "workers"), "service_time": _distribution(service_time, "service_time")}
        spec.update(options)
        self._services[name] = spec
        self._order = [n for n in self._order if n != name] + [name]
        if self._entry is None:
            self._entry = name

    def set_service(self, name: str, *, workers: int | None = None, service_time=None) -> None:
        """Change a service's ``workers`` and/or mean ``service_time`` (seconds;
        the kind of distribution is kept, only its mean changes)."""
        spec = self._service(name)
        if workers is not None:
            spec["workers"] = _count(workers, "workers")
        if service_time is not None:
            if isinstance(service_time, Distribution):
                spec["service_time"] = _distribution(service_time, "service_time")
            else:
                mean = _distribution(service_time, "service_time")["mean"]
                old = spec.get("service_time")
                if isinstance(old, dict) and "mean" in old:
                    spec["service_time"] = {**old, "mean": mean}
                elif isinstance(old, dict) and old.get("kind") == "constant":
                    spec["service_time"] = {**old, "value": mean}
                else:
                    spec["service_time"] = {"kind": "exponential", "mean": mean}

    def service(self, name: str) -> dict:
        """``{'workers': ..., 'service_time': mean seconds}`` of a service."""
        spec = self._service(name)
        st = spec["service_time"]
        mean = files._Reader("<design>").distribution(st, ("service_time",))
        return {"workers": spec["workers"], "service_time": float(getattr(mean, "mean", mean))}

    def _service(self, name: str) -> dict:
        if name not in self._services:
            raise KeyError(f"service: no service {name!r} in the design; services: {self.services}")
        return self._services[name]

    def remove_service(self, name: str) -> None:
        """Remove a service. Its edges stay and dangle until you remove them
        or add a service of that name again (:meth:`problems` lists them)."""
        self._service(name)
        del self._services[name]
        if self._entry == name:
            self._entry = next(iter(self._services), None)

    def add_stream(self, name: str, *, partitions: int = 4, **options) -> None:
        """Add a stream with ``partitions``; ``options`` are ``add_stream``'s other keywords."""
        name = _name(name, "name")
        self._check_free(name)
        self._streams[name] = {"partitions": _count(partitions, "partitions"), **options}
        self._order = [n for n in self._order if n != name] + [name]

    def set_stream(self, name: str, *, partitions: int) -> None:
        if name not in self._streams:
            raise KeyError(f"stream: no stream {name!r} in the design; streams: {self.streams}")
        self._streams[name]["partitions"] = _count(partitions, "partitions")

    def remove_stream(self, name: str) -> None:
        """Remove a stream (its publications and subscriptions stay, dangling)."""
        if name not in self._streams:
            raise KeyError(f"stream: no stream {name!r} in the design; streams: {self.streams}")
        del self._streams[name]

    @property
    def entry(self) -> str | None:
        """The service the traffic reaches (by default the first one added)."""
        return self._entry

    @entry.setter
    def entry(self, name: str | None) -> None:
        if name is not None and name not in self._services:
            raise KeyError(f"entry: no service {name!r} in the design; services: {self.services}")
        self._entry = name

    # -- edges ---------------------------------------------------------------------------
    @property
    def edges(self) -> list[tuple]:
        """``(kind, from, to)`` of every edge, in the order added."""
        return [(e["kind"], e["a"], e["b"]) for e in self._edges]

    def _add_edge(self, kind: str, a: str, b: str, options: dict) -> None:
        a, b = _name(a, "from"), _name(b, "to")
        if any((e["a"], e["b"]) == (a, b) for e in self._edges):
            raise ValueError(f"edge: there is already an edge {_arrow(a, b)}")
        self._edges.append({"kind": kind, "a": a, "b": b, "options": dict(options)})

    def add_call(self, caller: str, callee: str, **options) -> None:
        """``caller`` calls ``callee`` and waits (``options``: ``timeout``, ``retries`` ...)."""
        self._add_edge("call", caller, callee, options)

    def add_publish(self, service: str, stream: str) -> None:
        """``service`` appends an event to ``stream`` for each piece of work it finishes."""
        self._add_edge("publish", service, stream, {})

    def add_subscription(self, stream: str, service: str, **options) -> None:
        """``service``'s consumer group reads ``stream`` (``options``: ``max_attempts`` ...)."""
        self._add_edge("subscribe", stream, service, options)

    def remove_edge(self, a: str, b: str) -> None:
        """Remove the call, publication or subscription from ``a`` to ``b``."""
        for i, e in enumerate(self._edges):
            if (e["a"], e["b"]) == (a, b):
                del self._edges[i]
                return
        raise KeyError(f"edge: no edge {_arrow(a, b)} in the design; edges: "
                       f"{[f'{x} -> {y}' for _, x, y in self.edges]}")

    remove_call = remove_publish = remove_subscription = remove_edge

    def set_call_options(self, **options) -> None:
        """Give every call of the design these ``add_call`` keywords
        (``timeout=0.5, retries=2, circuit_breaker=vn.CircuitBreaker(...)``;
        ``circuit_breaker=None`` removes the breakers)."""
        known = files._keywords("add_call")
        for key in options:
            if key not in known:
                raise KeyError(f"options: add_call takes no keyword {key!r}; it takes {known}")
        for e in self._edges:
            if e["kind"] != "call":
                continue
            for key, value in options.items():
                if value is None:
                    e["options"].pop(key, None)
                else:
                    e["options"][key] = files._value_to_file(value)

    # -- the twin's wiring ------------------------------------------------------------------
    def links(self) -> list[tuple]:
        """``(upstream, downstream, synchronous)`` of every service-to-service link:
        each call, and each publisher × consumer of a stream."""
        out = [(e["a"], e["b"], True) for e in self._edges if e["kind"] == "call"]
        for s in self._streams:
            pubs = [e["a"] for e in self._edges if e["kind"] == "publish" and e["b"] == s]
            subs = [e["b"] for e in self._edges if e["kind"] == "subscribe" and e["a"] == s]
            out += [(a, b, False) for b in subs for a in pubs]
        return out

    def twin_sync(self) -> list[tuple]:
        """The ``(upstream, downstream)`` links that are synchronous in the twin:
        those chosen with :meth:`set_sync`, and every other one flipped."""
        return [(a, b) for a, b, sync in self.links() if self._sync.get((a, b), not sync)]

    def set_sync(self, upstream: str, downstream: str, synchronous: bool) -> None:
        """Whether the link ``upstream → downstream`` is a call in the twin."""
        if (upstream, downstream) not in {(a, b) for a, b, _ in self.links()}:
            raise KeyError(f"link: no link {_arrow(upstream, downstream)}; links: "
                           f"{[f'{a} -> {b}' for a, b, _ in self.links()]}")
        if not isinstance(synchronous, bool):
            raise TypeError(f"synchronous must be True or False, got {synchronous!r}")
        self._sync[(upstream, downstream)] = synchronous

    # -- whole or not -----------------------------------------------------------------------
    def problems(self) -> list[str]:
        """What keeps the design from being a system, in words (empty when it is one)."""
        out = []
        if not self._services:
            return ["The design has no service yet: add one, the entry that takes the traffic."]
        if self._entry is None:
            out.append("No service is the entry: choose the one that takes the traffic.")
        kind_of = {**{n: "service" for n in self._services}, **{n: "stream" for n in self._streams}}
        good = []
        for e in self._edges:
            what, (ka, kb) = _WHAT[e["kind"]], _ENDS[e["kind"]]
            edge = f"The {what} {_arrow(e['a'], e['b'])}"
            bad = False
            for end, want in ((e["a"], ka), (e["b"], kb)):
                if end not in kind_of:
                    out.append(f"{edge} names {end!r}, which is not in the design: add a {want} {end!r}, "
                               f"or remove the {what}.")
                    bad = True
                elif kind_of[end] != want:
                    out.append(f"{edge} needs {end!r} to be a {want}, but it is a {kind_of[end]}"
                               + (": a call joins two services; to reach a stream, publish to it."
                                  if e["kind"] == "call" else "."))
                    bad = True
            if not bad and e["a"] == e["b"]:
                out.append(f"{edge} calls itself: a service cannot wait for itself.")
                bad = True
            if not bad:
                good.append(e)
        calls = nx.DiGraph([(e["a"], e["b"]) for e in good if e["kind"] == "call"])
        cycle = _cycle(calls)
        if cycle:
            out.append(f"The synchronous calls {' → '.join(map(repr, cycle))} form a cycle: a request would wait "
                       "for itself forever. Remove one of these calls, or make it a publication.")
        elif _cycle(nx.DiGraph([(e["a"], e["b"]) for e in good])):
            loop = _cycle(nx.DiGraph([(e["a"], e["b"]) for e in good]))
            out.append(f"Work flows in a loop ({' → '.join(map(repr, loop))}): each event would cause another "
                       "without end. Remove one of these edges.")
        if not out:
            try:
                self._build()
            except ValueError as exc:   # an option an edit let through, named by the file reader
                out.append(f"The design cannot be built: {getattr(exc, 'problem', exc)}"
                           + (f" (at {exc.key})" if getattr(exc, "key", None) else ""))
        return out

    def _build(self) -> Architecture:
        data = {"version": files.VERSION, "name": self.name}
        order = [n for n in self._order if n in self._services or n in self._streams]
        if order != list(self._services) + list(self._streams):
            data["nodes"] = order
        if self._services:
            data["services"] = {n: dict(s) for n, s in self._services.items()}
        if self._streams:
            data["streams"] = {n: dict(s) for n, s in self._streams.items()}
        for e in self._edges:
            section, ka, kb = _KINDS[e["kind"]]
            data.setdefault(section, []).append({ka: e["a"], kb: e["b"], **e["options"]})
        if self._entry is not None:
            data["entry"] = self._entry
        return files.from_dict(data, source=f"design {self.name!r}")

    def architecture(self) -> Architecture:
        """The design as an :class:`Architecture`; :class:`DesignError` while it has :meth:`problems`."""
        problems = self.problems()
        if problems:
            raise DesignError(problems)
        return self._build()

    def twin(self, **options) -> Architecture:
        """The design's twin (:func:`vetora_nb.twins.twin` with ``sync=``:meth:`twin_sync`);
        ``options`` are the twin's (``call=``, ``stream=`` ...). A design with no
        faithful twin raises :class:`DesignError` saying why."""
        arch = self.architecture()
        try:
            return twin(arch, sync=self.twin_sync(), **options)
        except NoFaithfulTwin as exc:
            raise DesignError([f"This design has no faithful twin with the links you chose: {exc}"]) from None

    def __repr__(self) -> str:
        return (f"Design({self.name!r}: {len(self._services)} services, {len(self._streams)} streams, "
                f"{len(self._edges)} edges, entry={self._entry!r})")


def _cycle(graph) -> list:
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return []
    return [a for a, _ in edges] + [edges[0][0]]
