"""Event sourcing: the stream is the source of truth; state is a fold over it.

A stream keeps every event, in order, at an offset. Anything a consumer
built from it — a count of orders per customer, the last thing that
happened to each order — can be thrown away and built again by *replaying*
the log from offset 0 through the same function: ``state = fold(events)``.
And because each event carries the time it was appended, the same replay,
stopped early, answers temporal questions: what was the state at time ``t``?

Here the *fold* is a per-key reducer ``fold(previous, event) -> new``
(``previous`` is ``None`` for a key's first event; a ``columns``
attribute on the fold names the state's columns even when it is empty); the default,
:func:`count_orders`, keeps per key the number of orders and the offset and
id of the last one. Events of one key live in one partition, in offset
order, so a replay in per-partition offset order gives every key its events
in the order they were appended — the order a live consumer applied them.

>>> import vetora_nb as vn
>>> from vetora_nb.patterns import event_sourcing as es
>>> res = vn.simulate(vn.scenarios.order_placed("ed"), vn.Traffic.poisson(50, keys=20),
...                   duration=10, seed=2)
>>> replayed = es.rebuild(res, "order-placed")
>>> live = es.live_state(res, "order-placed", group="inventory")
>>> replayed.equals(live)        # replay reproduces what the consumer built
True
>>> int(replayed["orders"].sum()) == res.summary()["events_published"]
True
>>> before = es.state_at(res, "order-placed", 5.0)["orders"].sum()
>>> bool(before < replayed["orders"].sum())
True

A consumer group that joins late (``add_subscription(..., start_at=T)``)
replays the history first and then catches up with the head; a stream with
``retention=`` has already deleted what is older than that, and the late
group can never see it: :func:`late_consumer_experiment` measures both.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np
import pandas as pd

from ..architecture import Architecture
from ..distributions import Exponential
from ..measures import consumer_capacity
from ..simulation import simulate
from ..theory import backlog_drain_time
from ..traffic import Traffic

__all__ = ["count_orders", "event_log", "rebuild", "state_at", "live_state", "replay_matches_live",
           "catch_up", "event_sourced_architecture", "late_consumer_experiment"]

LOG_COLUMNS = ["event_id", "partition", "offset", "key", "published_at", "request_id", "trace_id"]
Event = namedtuple("Event", LOG_COLUMNS)


def count_orders(previous, event) -> dict:
    """The default fold: per key, how many orders and which was the last one."""
    n = 0 if previous is None else previous["orders"]
    return {"orders": n + 1, "last_offset": int(event.offset), "last_event_id": int(event.event_id)}


#: The state's columns, so that an empty state (nothing appended yet) has them too.
count_orders.columns = ("orders", "last_offset", "last_event_id")


def event_log(result, stream: str) -> pd.DataFrame:
    """The stream's log as the run recorded it: one row per appended event,
    in per-partition offset order (partition 0 first).

    Raises ``KeyError`` for a stream with no recorded events, and
    ``ValueError`` if a partition's offsets do not run 0, 1, 2, ... without
    a gap (every event of a stream that some group subscribes to from the
    start is in the events frame).
    """
    ev = result.events
    ev = ev[ev["stream"] == stream] if len(ev) else ev
    if ev.empty:
        if stream not in result.architecture.graph:
            raise KeyError(f"stream {stream!r}: unknown; known streams: {result.architecture.streams}")
        return pd.DataFrame(columns=LOG_COLUMNS)
    log = ev.drop_duplicates("event_id")[LOG_COLUMNS]
    log = log.sort_values(["partition", "offset"], kind="stable").reset_index(drop=True)
    for p, offsets in log.groupby("partition")["offset"]:
        if not np.array_equal(offsets.to_numpy(), np.arange(len(offsets))):
            raise ValueError(f"stream {stream!r}: partition {p} has a gap in its offsets")
    return log


def _fold(events, fold) -> pd.DataFrame:
    state: dict = {}
    for e in events:
        state[e.key] = fold(state.get(e.key), e)
    return _frame(state, fold)


def _frame(state: dict, fold) -> pd.DataFrame:
    if not state:
        columns = list(getattr(fold, "columns", ("state",)))
        return pd.DataFrame({c: pd.Series([], dtype=np.int64) for c in columns},
                            index=pd.Index([], name="key", dtype=np.int64))
    first = next(iter(state.values()))
    if isinstance(first, dict):
        frame = pd.DataFrame.from_dict(state, orient="index")
    else:
        frame = pd.DataFrame({"state": pd.Series(state)})
    frame.index = frame.index.astype(np.int64)
    frame.index.name = "key"
    return frame.sort_index()


def _check_time(name, t):
    if t is None:
        return None
    if isinstance(t, bool) or not isinstance(t, (int, float, np.integer, np.floating)) or math.isnan(t):
        raise TypeError(f"{name} must be a number of seconds, got {t!r}")
    return float(t)


def rebuild(result, stream: str, until: float | None = None, *, fold=count_orders,
            since: float | None = None) -> pd.DataFrame:
    """The state, rebuilt by replaying ``stream`` from offset 0.

    Events are folded in per-partition offset order. ``until`` keeps only
    events appended at or before that time (the log as it stood then);
    ``since`` drops events appended before that time (what a stream with
    retention still holds). Returns one row per key (index ``key``); a fold
    that returns dicts gives one column per dict entry, any other fold a
    single ``state`` column.
    """
    until, since = _check_time("until", until), _check_time("since", since)
    log = event_log(result, stream)
    if until is not None:
        log = log[log["published_at"] <= until]
    if since is not None:
        log = log[log["published_at"] >= since]
    return _fold((Event(*row) for row in log.itertuples(index=False, name=None)), fold)


def state_at(result, stream: str, t: float, *, fold=count_orders) -> pd.DataFrame:
    """A temporal query: the state as of time ``t`` (replay of the log up to ``t``)."""
    if _check_time("t", t) is None:
        raise TypeError("t must be a number of seconds, got None")
    return rebuild(result, stream, until=t, fold=fold)


def live_state(result, stream: str, group: str, *, fold=count_orders, until: float | None = None,
               duplicates: bool = False) -> pd.DataFrame:
    """The state ``group`` built as it consumed: its processed events folded
    in the order it processed them (by ``processed_at``; up to ``until``).

    With ``duplicates=True`` an event that was processed again after a
    crash (at-least-once delivery, a non-idempotent consumer) is folded
    again as many times — the live state then counts it twice, and no
    longer equals the replay.
    """
    until = _check_time("until", until)
    ev = result.events
    rows = ev[(ev["stream"] == stream) & (ev["group"] == group)] if len(ev) else ev
    if rows.empty and group not in set(result.architecture.subscribers(stream) if stream in
                                       result.architecture.graph else ()):
        raise KeyError(f"group {group!r}: does not consume stream {stream!r}")
    rows = rows[rows["outcome"] == "processed"]
    if until is not None:
        rows = rows[rows["processed_at"] <= until]
    rows = rows.sort_values(["processed_at", "partition", "offset"], kind="stable")
    repeat = (1 + rows["duplicates"].to_numpy()) if duplicates else np.ones(len(rows), int)
    events = []
    for row, n in zip(rows[LOG_COLUMNS].itertuples(index=False, name=None), repeat):
        events.extend([Event(*row)] * int(n))
    return _fold(events, fold)


def replay_matches_live(result, stream: str, group: str, *, fold=count_orders) -> bool:
    """Does replaying the log give exactly the state ``group`` built live?"""
    return rebuild(result, stream, fold=fold).equals(live_state(result, stream, group, fold=fold))


# ---------------------------------------------------------------------------
# Late consumers and retention
# ---------------------------------------------------------------------------

def catch_up(result, stream: str, group: str, threshold: int | None = None) -> dict:
    """How a group that joined late worked through the history.

    ``joined_at`` is the subscription's ``start_at``; ``log_size`` the events
    appended before it; ``replayable`` how many of those it was offered
    (retention may have deleted the rest: ``lost_to_retention``);
    ``catch_up_time`` the time from joining until its backlog (events
    visible to it and not yet processed) first fell to ``threshold``
    (default: the stream's partition count); ``predicted_catch_up`` the
    fluid estimate ``backlog / (capacity - arrival rate)`` from
    :func:`vetora_nb.theory.backlog_drain_time`.
    """
    arch = result.architecture
    if not arch.graph.has_edge(stream, group):
        raise KeyError(f"group {group!r}: does not consume stream {stream!r}")
    sub = arch.graph.edges[stream, group]
    partitions = arch.graph.nodes[stream]["partitions"]
    joined = float(sub["start_at"])
    threshold = partitions if threshold is None else int(threshold)
    log = event_log(result, stream)
    before = log[log["published_at"] < joined]
    ev = result.events
    rows = ev[(ev["stream"] == stream) & (ev["group"] == group)]
    replayable = int((rows["published_at"] < joined).sum())
    # Backlog over time: arrivals (at publication, or at joining for the
    # history) minus departures (processing), evaluated after each departure.
    arrive = np.maximum(rows["published_at"].to_numpy(float), joined)
    done = rows.loc[rows["outcome"] != "pending", "processed_at"].to_numpy(float)
    done = np.sort(done[~np.isnan(done)])
    arrive = np.sort(arrive)
    backlog = np.searchsorted(arrive, done, side="right") - np.arange(1, len(done) + 1)
    hit = np.flatnonzero(backlog <= threshold)
    caught = float(done[hit[0]]) if len(hit) else math.inf
    capacity = consumer_capacity(arch, group)
    rate = len(log) / result.duration if result.duration else 0.0
    return {
        "group": group, "joined_at": joined, "log_size": len(before), "replayable": replayable,
        "lost_to_retention": len(before) - replayable,
        "catch_up_time": (caught - joined) if replayable > threshold else 0.0,
        "predicted_catch_up": backlog_drain_time(replayable, capacity, rate),
    }


def event_sourced_architecture(*, late=(), retention: float | None = None, partitions: int = 4,
                               consumer_time: float = 0.004, name: str = "event-sourced") -> Architecture:
    """A writer appending to an ``orders-log`` stream, read by a live
    ``projection`` group and by one late group ``late-<T>s`` per time in ``late``
    (joining at ``T`` and replaying from the beginning)."""
    arch = Architecture(name)
    arch.add_service("orders", workers=16, service_time=Exponential(mean=0.004))
    arch.add_stream("orders-log", partitions=partitions, retention=retention)
    arch.add_publish("orders", "orders-log")
    arch.add_service("projection", workers=partitions, service_time=Exponential(mean=consumer_time))
    arch.add_subscription("orders-log", "projection")
    for t in late:
        g = f"late-{t:g}s"
        arch.add_service(g, workers=partitions, service_time=Exponential(mean=consumer_time))
        arch.add_subscription("orders-log", g, start_at=float(t), from_beginning=True)
    arch.entry = "orders"
    return arch


def late_consumer_experiment(start_ats=(10.0, 20.0, 40.0), *, retention=(None,), rate: float = 100.0,
                             duration: float = 60.0, keys: int = 100, partitions: int = 4,
                             consumer_time: float = 0.004, seed: int = 0) -> pd.DataFrame:
    """Late consumer groups replaying history, with and without retention.

    For each ``retention`` (``None``: keep forever), one run of
    :func:`event_sourced_architecture` with a late group per start time.
    One row per late group: ``retention, group, joined_at, log_size,
    replayable, lost_to_retention, catch_up_time, predicted_catch_up,
    orders_seen`` (orders in the late group's final state) and
    ``orders_total`` (in the full replay), plus ``matches_replay``: the late
    group's state equals the replay of what the stream still held when it
    joined (``rebuild(since=joined_at - retention)``).
    """
    if isinstance(retention, (int, float)) or retention is None:
        retention = (retention,)
    rows = []
    for keep in retention:
        arch = event_sourced_architecture(late=start_ats, retention=keep, partitions=partitions,
                                          consumer_time=consumer_time)
        res = simulate(arch, Traffic.poisson(rate, keys=keys), duration=duration, seed=seed)
        full = rebuild(res, "orders-log")
        for t in start_ats:
            g = f"late-{t:g}s"
            info = catch_up(res, "orders-log", g)
            state = live_state(res, "orders-log", g)
            since = None if keep is None else t - keep
            info.update(retention=keep, orders_seen=int(state["orders"].sum()) if len(state) else 0,
                        orders_total=int(full["orders"].sum()),
                        matches_replay=bool(state.equals(rebuild(res, "orders-log", since=since))))
            rows.append(info)
    cols = ["retention", "group", "joined_at", "log_size", "replayable", "lost_to_retention",
            "catch_up_time", "predicted_catch_up", "orders_seen", "orders_total", "matches_replay"]
    return pd.DataFrame(rows)[cols]
