"""The log as the source of truth: notebook 09's event-sourced system, its runs and what they show.

:func:`~vetora_nb.patterns.event_sourcing.event_sourced_architecture` — a
writer appending to ``orders-log``, a live ``projection`` (the CQRS read
model) and a late consumer group that joins at ``late_at`` and replays the
history — with the knobs the notebook turns: retention, partitions, and a
consumer slowed over a window (:func:`architecture`, :func:`slow_faults`,
:func:`run`). :func:`analyse` reads one run: does the replay equal the live
state, how did the late group catch up against the fluid prediction, how
many reads of the read model were stale.

>>> res = run(rate=50, late_at=5.0, duration=8, seed=1)
>>> sorted(res.architecture.services)
['late-5s', 'orders', 'projection']
>>> a = analyse(res, late_at=5.0)
>>> a["matches"], a["late_matches"]
(True, True)
"""

from __future__ import annotations

import math

from .. import measures
from ..faults import Slowdown
from ..patterns import consistency as cq
from ..patterns import event_sourcing as es
from ..simulation import simulate
from ..traffic import Traffic

__all__ = ["STREAM", "READ_MODEL", "late_group", "architecture", "slow_faults", "traffic", "max_drain", "run",
           "late_matches", "analyse"]

#: The stream and the live read model of ``event_sourced_architecture``.
STREAM = "orders-log"
READ_MODEL = "projection"


def late_group(t: float) -> str:
    """The name ``event_sourced_architecture`` gives the group joining at ``t``."""
    return f"late-{float(t):g}s"


def architecture(late_at: float = 20.0, retention: float | None = None, partitions: int = 4):
    """The event-sourced system with one late group joining at ``late_at``."""
    return es.event_sourced_architecture(late=(float(late_at),), retention=retention, partitions=int(partitions))


def slow_faults(late_at: float, slowdown: float = 1.0, slow_group: str = READ_MODEL, window=None) -> list:
    """``slow_group`` (``'projection'`` or ``'late'``, the group joining at
    ``late_at``) ``slowdown`` times slower during ``window`` (default: the
    whole run); nothing when ``slowdown`` is 1 or the window is empty."""
    if slow_group not in (READ_MODEL, "late"):
        raise ValueError(f"slow_group must be {READ_MODEL!r} or 'late', got {slow_group!r}")
    start, end = window if window is not None else (0.0, math.inf)
    if slowdown == 1 or not end > start:
        return []
    node = late_group(late_at) if slow_group == "late" else slow_group
    return [Slowdown(node, float(start), float(end), float(slowdown))]


def traffic(rate: float, keys: int = 20) -> Traffic:
    """Poisson orders over ``keys`` customers."""
    return Traffic.poisson(rate, keys=int(keys))


def max_drain(duration: float) -> float:
    """How long a run may go on after arrivals stop: long enough for a slowed consumer to finish."""
    return max(60.0, 4.0 * float(duration))


def run(rate: float = 100.0, *, late_at: float = 20.0, retention: float | None = None,
        partitions: int = 4, keys: int = 20, duration: float = 30.0, slowdown: float = 1.0,
        slow_group: str = READ_MODEL, window: tuple | None = None, seed: int = 0):
    """One run of the event-sourced architecture with a late group joining at ``late_at``
    (and :func:`slow_faults`)."""
    return simulate(architecture(late_at, retention, partitions), traffic(rate, keys), duration=duration,
                    faults=slow_faults(late_at, slowdown, slow_group, window), seed=seed,
                    max_drain=max_drain(duration))


def late_matches(result, group: str) -> bool:
    """Does the late group's state equal the replay of what the log still held when it joined?"""
    arch = result.architecture
    keep = arch.graph.nodes[STREAM].get("retention")
    joined = float(arch.graph.edges[STREAM, group]["start_at"])
    since = None if keep is None else joined - keep
    return es.live_state(result, STREAM, group).equals(es.rebuild(result, STREAM, since=since))


def analyse(result, late_at: float, read_rate: float = 200.0, seed: int = 0) -> dict:
    """What one :func:`run` shows: ``matches`` (replay = live projection),
    ``late_matches``, ``catch_up`` (:func:`~vetora_nb.patterns.event_sourcing.catch_up`
    with ``predicted_catch_up`` allowing for a slowdown,
    :func:`vetora_nb.measures.predicted_catch_up`), ``reads`` (the read
    model's staleness) and ``log``."""
    group = late_group(late_at)
    info = es.catch_up(result, STREAM, group)
    info["predicted_catch_up"] = measures.predicted_catch_up(result, STREAM, group, info)
    return {
        "matches": es.replay_matches_live(result, STREAM, READ_MODEL),
        "late_matches": late_matches(result, group),
        "catch_up": info,
        "reads": cq.read_model_staleness(result, READ_MODEL, read_rate, seed=seed),
        "log": es.event_log(result, STREAM),
    }
