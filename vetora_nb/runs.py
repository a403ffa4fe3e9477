"""A run, described: everything one simulation depends on, so it can be reused.

A panel re-runs its experiment whenever a control moves, but most moves
change only one of the styles (the partitions slider does nothing to
request-response) or only the picture (which trace to show). A
:class:`Run` is the whole recipe of one :func:`~vetora_nb.simulate` call —
architecture, traffic, faults, duration, seed and options — and its
:attr:`~Run.key` is a hashable fingerprint of that recipe. A
:class:`RunCache` keyed on it simulates only what has changed, and can
never show a stale run: anything that would change the result changes the
key.

>>> import vetora_nb as vn
>>> a = Run(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(50), duration=2)
>>> b = Run(vn.scenarios.order_placed("event_driven", partitions=2), vn.Traffic.poisson(50), duration=2)
>>> a.key == Run(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(50), duration=2).key
True
>>> a.key == b.key
False
>>> cache = RunCache()
>>> _, seconds = cache.get(a)
>>> seconds > 0, cache.get(a)[1]          # the second time it is reused
(True, None)

Work that is not one simulation (a sweep, a saga experiment) is a
:class:`Job`: a function and its keyword arguments, keyed on both.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

from .simulation import simulate

__all__ = ["fingerprint", "Run", "Job", "RunCache"]


def fingerprint(arch) -> tuple:
    """Everything about an architecture that a run depends on, hashable:
    its name, entry, and every node and edge with their attributes."""
    g = arch.graph
    nodes = tuple((n, tuple(sorted((k, repr(v)) for k, v in attrs.items()))) for n, attrs in g.nodes(data=True))
    edges = tuple((a, b, tuple(sorted((k, repr(v)) for k, v in attrs.items()))) for a, b, attrs in g.edges(data=True))
    return arch.name, arch.entry, nodes, edges


def _frozen(value):
    """A hashable stand-in for an option value (lists become tuples, dicts sorted items)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(_frozen(v) for v in value))
    return value


@dataclass(frozen=True, eq=False)
class Run:
    """One :func:`~vetora_nb.simulate` call: ``simulate(architecture, traffic,
    duration, faults=faults, seed=seed, **options)``."""

    architecture: Any
    traffic: Any
    duration: float
    faults: tuple = ()
    seed: int = 7
    options: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "faults", tuple(self.faults))

    @property
    def key(self) -> tuple:
        """The recipe, hashable: two runs with equal keys give identical results."""
        return ("simulate", fingerprint(self.architecture), self.traffic, self.faults, float(self.duration),
                self.seed, _frozen(self.options))

    def execute(self):
        """Simulate it: a fresh :class:`~vetora_nb.results.Result`."""
        return simulate(self.architecture, self.traffic, self.duration, faults=list(self.faults), seed=self.seed,
                        **self.options)


@dataclass(frozen=True, eq=False)
class Job:
    """Any other piece of work: ``function(**kwargs)``, keyed on the function and its arguments."""

    function: Callable
    kwargs: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        fn = self.function
        return ("job", f"{fn.__module__}.{fn.__qualname__}", _frozen(self.kwargs))

    def execute(self):
        return self.function(**self.kwargs)


class RunCache:
    """The last ``size`` results, by :attr:`Run.key` (least recently used go first)."""

    def __init__(self, size: int = 16):
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be an int >= 1, got {size!r}")
        self.size = size
        self._results: OrderedDict = OrderedDict()

    def get(self, run) -> tuple:
        """``(result, seconds)``: ``run`` executed, or the result it gave before
        (``seconds`` is then ``None``)."""
        key = run.key
        if key in self._results:
            self._results.move_to_end(key)
            return self._results[key], None
        t0 = time.perf_counter()
        result = run.execute()
        seconds = time.perf_counter() - t0
        self.put(run, result)
        return result, seconds

    def __contains__(self, key) -> bool:
        return key in self._results

    def put(self, run, result) -> None:
        """Keep ``result`` as what ``run`` gives (made elsewhere, e.g. in a worker process)."""
        self._results[run.key] = result
        self._results.move_to_end(run.key)
        while len(self._results) > self.size:
            self._results.popitem(last=False)

    def __len__(self) -> int:
        return len(self._results)
