"""Consumer groups from the inside: who owns which partition, and who did the work.

The engine records which instance of each group owns each partition
(``Result.assignment``); these functions read that record rather than
re-deriving it, so what a notebook shows is what the run did.

>>> import vetora_nb as vn
>>> arch = vn.scenarios.order_placed("event_driven", partitions=2)   # 4 instances, 2 partitions
>>> res = vn.simulate(arch, vn.Traffic.poisson(50), duration=5, seed=1)
>>> assignment(res, "shipping")          # instance -> the partitions it owns
{0: [0], 1: [1], 2: [], 3: []}
>>> instance_load(res, "shipping")["events"].tolist()[2:]     # instances 2 and 3 sit idle
[0, 0]
"""

from __future__ import annotations

import pandas as pd

__all__ = ["group_of", "stream_of", "assignment", "instance_load", "partition_lag", "hot_partition"]


def group_of(res, group: str | None = None) -> str:
    """``group`` checked to be a consumer group of ``res`` (KeyError otherwise);
    ``None`` means the run's first one (ValueError if it has none)."""
    if group is None:
        groups = [b for _, b in res.architecture.edges_of_kind("subscribe")]
        if not groups:
            raise ValueError("group: this run has no consumer group")
        return groups[0]
    if group not in res.architecture.services or not res.architecture.subscriptions_of(group):
        raise KeyError(f"group: {group!r} is not a consumer group of this run")
    return group


def stream_of(res, group: str, stream: str | None = None) -> str:
    """The stream ``group`` consumes in ``res`` (``stream`` if given, checked); KeyError otherwise."""
    groups = sorted({g for g, _ in res.assignment})
    streams = [s for g, s in res.assignment if g == group]
    if not streams:
        raise KeyError(f"group: {group!r} is not a consumer group of this run; groups: {groups}")
    if stream is None:
        return streams[0]
    if stream not in streams:
        raise KeyError(f"stream: {group!r} does not consume {stream!r}; it consumes {streams}")
    return stream


def assignment(res, group: str, stream: str | None = None) -> dict:
    """``{instance: [partitions it owns]}`` for ``group`` in this run.

    An instance that owns nothing sits idle whatever the load: a group
    never has more working instances than its stream has partitions.
    """
    owner = res.assignment[(group, stream_of(res, group, stream))]
    instances = res.architecture.graph.nodes[group]["workers"]
    return {i: [p for p, o in enumerate(owner) if o == i] for i in range(instances)}


def instance_load(res, group: str, stream: str | None = None) -> pd.DataFrame:
    """One row per instance of ``group``: the ``partitions`` it owns, the
    ``events`` it processed, ``busy_s`` (seconds spent in its ``consume``
    spans, every attempt and duplicate included; 0 when the run recorded no
    spans) and ``utilization`` (``busy_s`` over the run's length).
    """
    stream = stream_of(res, group, stream)
    owned = assignment(res, group, stream)
    owner = {p: i for i, parts in owned.items() for p in parts}
    ev = res.events
    ev = ev[(ev["group"] == group) & (ev["stream"] == stream)]
    instance_of = ev["partition"].map(owner)
    events = (ev["outcome"] == "processed").groupby(instance_of).sum()
    busy = pd.Series(0.0, index=list(owned))
    sp = res.spans
    if len(sp):
        consume = sp[(sp["service"] == group) & (sp["operation"] == f"consume {stream}")]
        partition_of = ev.drop_duplicates("trace_id").set_index("trace_id")["partition"]
        inst = consume["trace_id"].map(partition_of).map(owner)
        busy = (consume["end"] - consume["start"]).groupby(inst).sum().reindex(list(owned), fill_value=0.0)
    rows = [{"instance": i, "partitions": parts, "events": int(events.get(i, 0)), "busy_s": float(busy.get(i, 0.0)),
             "utilization": float(busy.get(i, 0.0)) / res.end_time if res.end_time else 0.0}
            for i, parts in owned.items()]
    return pd.DataFrame(rows).set_index("instance")


def partition_lag(res, group: str) -> pd.DataFrame:
    """Lag of each of ``group``'s partitions over time: a column per partition (``p0``, ``p1`` ...)."""
    stream_of(res, group)
    wide = res.metric("partition_lag")
    cols = [c for c in wide.columns if str(c).startswith(f"{group}/")]
    wide = wide[cols]
    wide.columns = [str(c).rsplit("/", 1)[-1] for c in cols]
    return wide[sorted(wide.columns, key=lambda c: int(c[1:]))]


def hot_partition(res, group: str) -> int:
    """The partition of ``group``'s stream that received the most events."""
    stream_of(res, group)
    ev = res.events
    return int(ev[ev["group"] == group].groupby("partition").size().idxmax())
