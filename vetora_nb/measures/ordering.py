"""Order: which events (or requests) were processed in the opposite order to their arrival.

A key picks a partition, and a partition has one owner in a consumer
group, which takes its events in offset order: events of one key (and of
one partition) keep their publish order. Events in different partitions
are processed by different instances and overtake each other. These
functions count that, as *pairs*: two events, the later-published one
processed first.

>>> import vetora_nb as vn
>>> from vetora_nb.experiments import ordering
>>> res = vn.simulate(ordering.pipeline(4, 4), vn.Traffic.poisson(150, keys=50), duration=4, seed=7)
>>> report = order_report(res, "billing")
>>> report["per_key_pairs"], report["within_partition_pairs"], report["cross_partition_pairs"] > 0
(0, 0, True)
>>> inversions([1, 3, 2, 0])       # (1,0) (3,2) (3,0) (2,0)
4
"""

from __future__ import annotations

import numpy as np

from .consumers import group_of

__all__ = ["inversions", "grouped_inversions", "order_report", "request_order_report"]


def inversions(values) -> int:
    """Pairs ``i < j`` with ``values[i] > values[j]`` (a Fenwick tree, ``n log n``)."""
    values = np.asarray(values, float)
    n = len(values)
    if n < 2:
        return 0
    ranks = np.empty(n, np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(1, n + 1)
    tree = [0] * (n + 1)
    total = 0
    for i, r in enumerate(ranks.tolist()):
        j, below = r, 0
        while j > 0:
            below += tree[j]
            j -= j & -j
        total += i - below
        j = r
        while j <= n:
            tree[j] += 1
            j += j & -j
    return total


def grouped_inversions(groups, first, then) -> int:
    """Pairs in the same group, in ``first`` order, whose ``then`` goes backwards.

    >>> grouped_inversions(["a", "b", "a", "b"], [0, 1, 2, 3], [5, 1, 4, 2])   # only a's pair inverts
    1
    """
    groups = np.asarray(groups)
    order = np.lexsort((np.asarray(first, float), groups))          # by group, then by ``first``
    rank = np.empty(len(order), np.int64)
    rank[np.lexsort((np.asarray(then, float), groups))] = np.arange(len(order))
    # Across groups both orders agree (groups ascend), so only in-group pairs count.
    return inversions(rank[order])


def order_report(res, group: str | None = None) -> dict:
    """How well ``group`` kept publish order, counted over its processed events.

    Each count is of *pairs* of events, the later-published one processed
    first:

    - ``per_key_pairs``: both events carry the same key;
    - ``within_partition_pairs``: both are in the same partition;
    - ``cross_partition_pairs``: they are in different partitions;
    - ``cross_partition_share``: that count over all cross-partition pairs.
    """
    group = group_of(res, group)
    ev = res.events
    ev = ev[(ev["group"] == group) & (ev["outcome"] == "processed")]
    pub = ev["published_at"].to_numpy(float)
    done = ev["processed_at"].to_numpy(float)
    part = ev["partition"].to_numpy()
    total = inversions(done[np.argsort(pub, kind="stable")])
    within = grouped_inversions(part, pub, done)
    sizes = np.bincount(part) if len(part) else np.zeros(0, int)
    n = len(ev)
    cross_pairs = n * (n - 1) // 2 - int((sizes * (sizes - 1) // 2).sum())
    cross = total - within
    return {"events": n, "keys": int(ev["key"].nunique()),
            "per_key_pairs": grouped_inversions(ev["key"].to_numpy(), pub, done),
            "within_partition_pairs": within, "cross_partition_pairs": cross,
            "cross_partition_share": cross / cross_pairs if cross_pairs else 0.0}


def request_order_report(res, service: str) -> dict:
    """Request-response's order: did ``service`` finish requests in the order they arrived?

    Counts, by request start, pairs of requests whose handling by
    ``service`` ended in the opposite order (``pairs``) and among them
    those of one key (``per_key_pairs``). Needs the spans
    (``trace_sample=1.0``, the default).
    """
    spans = res.spans
    done = spans[(spans["service"] == service) & (spans["operation"] == "handle") & (spans["status"] == "ok")]
    done = done.groupby("trace_id")["end"].min()
    req = res.requests.set_index("trace_id")
    req = req.loc[req.index.intersection(done.index)].assign(done=done)
    start, end = req["start"].to_numpy(float), req["done"].to_numpy(float)
    return {"requests": len(req), "keys": int(req["key"].nunique()),
            "pairs": inversions(end[np.argsort(start, kind="stable")]),
            "per_key_pairs": grouped_inversions(req["key"].to_numpy(), start, end)}
