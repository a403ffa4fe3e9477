"""Read models and staleness: what CQRS costs in consistency, measured.

In CQRS the write side answers a command and the *read model* — a view
kept for queries — is updated from it. Two ways to keep the view up to date:

- **event-driven**: the write side publishes an event and answers at once;
  a consumer group applies the event to the read model later. Between the
  *ack* (the writer's request ends ``ok``) and the *apply* (the group's
  ``processed_at`` for that event) a reader sees the old value: a stale read.
- **request-response**: the write path calls the read-model updater
  synchronously and answers only after it returned. The apply happens
  before the ack, so no read after the ack can miss the write — and the
  writer pays the updater's time in its own latency instead.

Both are measured here with *the same definitions*: a write is acknowledged
at its request's ``end`` (status ``ok``) and applied at the moment the group
applied it — the consumer's ``processed_at`` for an event, or the end of
the updater's ``handle`` span inside the write's own trace for a synchronous
call. A read of key ``k`` at time ``t`` is *stale* when some write of ``k``
was acknowledged at or before ``t`` but applied after ``t``; its
``staleness`` is the time since the newest such write was acknowledged.

Reads are a query workload of their own: a Poisson stream of ``read_rate``
reads per second over the run, for keys drawn the way the traffic draws its
keys, seeded like everything else.

>>> import vetora_nb as vn
>>> from vetora_nb.patterns import consistency
>>> traffic = vn.Traffic.poisson(rate=100, keys=50)
>>> ed = vn.simulate(vn.scenarios.order_placed("ed"), traffic, duration=10, seed=1)
>>> rr = vn.simulate(vn.scenarios.order_placed("rr"), traffic, duration=10, seed=1)
>>> reads_ed = consistency.read_model_staleness(ed, "inventory", read_rate=200, seed=1)
>>> reads_rr = consistency.read_model_staleness(rr, "inventory", read_rate=200, seed=1)
>>> float(reads_rr["stale"].mean()), float(reads_rr["staleness"].max())
(0.0, 0.0)
>>> bool(0 < reads_ed["stale"].mean() < 0.2)
True
>>> consistency.read_your_writes(rr, "inventory", delay=0.0)
0.0
>>> consistency.read_your_writes(ed, "inventory", delay=0.0)   # delivery takes 5 ms
1.0
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

from ..engine.streams import RandomStreams
from ..faults import Slowdown
from ..measures.staleness import apply_delays, read_staleness
from ..scenarios import order_placed
from ..simulation import simulate
from .tracing import HANDLE

__all__ = ["write_log", "read_model_staleness", "expected_stale_fraction", "read_your_writes",
           "read_your_writes_curve", "stale_fraction_vs_lag", "synchronous_variant",
           "write_latency_tradeoff"]


# ---------------------------------------------------------------------------
# Writes: acknowledged when, applied when
# ---------------------------------------------------------------------------

def _sync_path(arch, group: str) -> bool:
    """Is ``group`` a service the entry reaches through synchronous calls?"""
    if group not in arch.graph or arch.kind(group) != "service":
        return False
    entry = arch.entry
    calls = nx.DiGraph(arch.edges_of_kind("call"))
    calls.add_nodes_from(arch.services)
    return group == entry or group in nx.descendants(calls, entry)


def write_log(result, group: str, stream: str | None = None) -> pd.DataFrame:
    """Every acknowledged write and when ``group``'s read model applied it.

    One row per request that ended ``ok``: ``request_id, key, acked_at,
    applied_at, apply_delay, path``. ``path`` is ``'event'`` when ``group``
    is a consumer group (``applied_at`` is its ``processed_at`` for the
    request's event on ``stream`` — the latest one if there are several;
    ``inf`` if it was dead-lettered or is still pending) and ``'synchronous'``
    when ``group`` is a service on the write's synchronous path
    (``applied_at`` is the end of its first successful ``handle`` span in
    the write's trace, or the ack itself for a trace that was not sampled:
    a synchronous write cannot be acknowledged before it is applied).
    """
    req = result.requests
    ok = req[req["status"] == "ok"]
    ev = result.events
    rows = ev[ev["group"] == group] if len(ev) else ev
    if stream is not None and len(rows):
        rows = rows[rows["stream"] == stream]
    out = pd.DataFrame({"request_id": ok["request_id"].to_numpy(), "key": ok["key"].to_numpy(),
                        "acked_at": ok["end"].to_numpy(float)})
    if len(rows):
        applied = np.where(rows["outcome"] == "processed", rows["processed_at"], np.inf)
        per_request = pd.Series(applied, index=rows["request_id"].to_numpy()).groupby(level=0).max()
        out["applied_at"] = per_request.reindex(out["request_id"]).to_numpy(float)
        # A write that published no event for this group was never applied.
        out["applied_at"] = out["applied_at"].fillna(np.inf)
        out["path"] = "event"
    elif _sync_path(result.architecture, group):
        spans = result.spans
        done = spans[(spans["service"] == group) & (spans["operation"] == HANDLE)
                     & (spans["status"] == "ok")]
        first = done.groupby("trace_id")["end"].min()
        applied = first.reindex(ok["trace_id"]).to_numpy(float)
        out["applied_at"] = np.where(np.isnan(applied), out["acked_at"], applied)
        out["path"] = "synchronous"
    else:
        raise KeyError(f"group {group!r}: neither a consumer group in this run nor a service on "
                       f"the entry's synchronous path")
    out["apply_delay"] = out["applied_at"] - out["acked_at"]
    return out[["request_id", "key", "acked_at", "applied_at", "apply_delay", "path"]]


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------

def _draw_reads(result, read_rate: float, seed: int, keys, horizon: float):
    if isinstance(read_rate, bool) or not isinstance(read_rate, (int, float)) or \
            not math.isfinite(read_rate) or read_rate <= 0:
        raise ValueError(f"read_rate must be a finite number > 0, got {read_rate!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    rng = RandomStreams(int(seed)).generator("reads")
    n = rng.poisson(read_rate * horizon)
    times = np.sort(rng.uniform(0.0, horizon, n))
    if keys is None:
        k = result.traffic._draw_keys(rng, n)
    elif isinstance(keys, (int, np.integer)) and not isinstance(keys, bool):
        if keys < 1:
            raise ValueError(f"keys must be >= 1, got {keys}")
        k = rng.integers(0, int(keys), n)
    else:
        pool = np.asarray(list(keys))
        if pool.size == 0:
            raise ValueError("keys must not be empty")
        k = rng.choice(pool, n)
    return times, np.asarray(k, np.int64)


def read_model_staleness(result, group: str, read_rate: float, seed: int = 0, keys=None,
                         stream: str | None = None) -> pd.DataFrame:
    """A query workload against ``group``'s read model: one row per read.

    Reads arrive as a Poisson stream of ``read_rate`` per second over
    ``[0, result.duration)``; each reads one key, drawn like the traffic's
    keys (``keys``: an int for a uniform key space ``0..keys-1``, or a list
    of keys to pick from uniformly). Columns: ``time, key, stale,
    staleness, missing`` — ``missing`` counts the acknowledged writes of the
    key the read model had not applied yet; ``staleness`` is ``time`` minus
    the ack of the newest of them (0 for a fresh read).
    """
    writes = write_log(result, group, stream)
    times, keys = _draw_reads(result, read_rate, seed, keys, result.duration)
    stale = np.zeros(len(times), bool)
    staleness = np.zeros(len(times))
    missing = np.zeros(len(times), np.int64)
    by_key = {k: (g["acked_at"].to_numpy(float), g["applied_at"].to_numpy(float))
              for k, g in writes.groupby("key", sort=False)}
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
    for idx in np.split(order, bounds):
        if len(idx) == 0:
            continue
        w = by_key.get(int(keys[idx[0]]))
        if w is None:
            continue
        ack, applied = w
        t = times[idx][:, None]
        pending = (ack[None, :] <= t) & (applied[None, :] > t)
        newest = np.where(pending, ack[None, :], -np.inf).max(axis=1)
        hit = pending.any(axis=1)
        stale[idx] = hit
        staleness[idx] = np.where(hit, times[idx] - newest, 0.0)
        missing[idx] = pending.sum(axis=1)
    return pd.DataFrame({"time": times, "key": keys, "stale": stale, "staleness": staleness,
                         "missing": missing})


def expected_stale_fraction(result, group: str, stream: str | None = None, *, writes=None) -> float:
    """The share of reads that *will* be stale, computed exactly from the run.

    A read at a uniform time in ``[0, duration)`` for a key drawn like the
    traffic's is stale with probability equal to the share of (time, key)
    during which the key had an acknowledged, unapplied write — the union of
    its ``[acked_at, applied_at)`` windows — weighted by how often the key
    is read. :func:`read_model_staleness` is an unbiased sample of this.
    ``writes`` reuses a :func:`write_log` of the same run already made.
    """
    writes = write_log(result, group, stream) if writes is None else writes
    T = result.duration
    tr = result.traffic
    K = tr.keys
    if tr.key_skew > 0:
        w = 1.0 / np.arange(1, K + 1) ** tr.key_skew
        weight = w / w.sum()
    else:
        weight = np.full(K, 1.0 / K)
    if tr.hot_key_share > 0:
        weight = weight * (1 - tr.hot_key_share)
        weight[0] += tr.hot_key_share
    total = 0.0
    for k, g in writes.groupby("key", sort=False):
        a = np.clip(g["acked_at"].to_numpy(float), 0, T)
        b = np.clip(g["applied_at"].to_numpy(float), 0, T)
        keep = b > a
        a, b = a[keep], b[keep]
        if not len(a):
            continue
        o = np.argsort(a)
        covered, cur_a, cur_b = 0.0, a[o[0]], b[o[0]]
        for s, e in zip(a[o[1:]], b[o[1:]]):
            if s > cur_b:
                covered += cur_b - cur_a
                cur_a, cur_b = s, e
            else:
                cur_b = max(cur_b, e)
        covered += cur_b - cur_a
        if 0 <= k < K:
            total += weight[int(k)] * covered / T
    return float(total)


def read_your_writes(result, group: str, delay: float = 0.0, stream: str | None = None, *, writes=None) -> float:
    """Share of writers who read their own key ``delay`` seconds after their
    write was acknowledged and did *not* see it (``applied_at > acked_at + delay``).

    0 for a read model updated synchronously, whatever ``delay``; for one fed
    by events it falls from 1 (at ``delay=0`` the event has not even been
    delivered yet) as ``delay`` passes the consumer's delay. ``writes``
    reuses a :func:`write_log` of the same run already made.
    """
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or \
            not math.isfinite(delay) or delay < 0:
        raise ValueError(f"delay must be a finite number >= 0, got {delay!r}")
    writes = write_log(result, group, stream) if writes is None else writes
    if not len(writes):
        return float("nan")
    return float(np.mean(writes["applied_at"].to_numpy() > writes["acked_at"].to_numpy() + delay))


def read_your_writes_curve(result, group: str, delays, stream: str | None = None) -> pd.DataFrame:
    """:func:`read_your_writes` at several delays: ``delay, missed, writes, stderr``."""
    writes = write_log(result, group, stream)
    gap = (writes["applied_at"] - writes["acked_at"]).to_numpy()
    rows = []
    for d in delays:
        p = float(np.mean(gap > d)) if len(gap) else float("nan")
        rows.append((float(d), p, len(gap), math.sqrt(p * (1 - p) / len(gap)) if len(gap) else float("nan")))
    return pd.DataFrame(rows, columns=["delay", "missed", "writes", "stderr"])


# ---------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------

def _mean_lag(result, group: str) -> float:
    ts = result.timeseries
    sel = (ts["node"] == group) & (ts["metric"] == "consumer_lag") & (ts["time"] < result.duration)
    return float(ts.loc[sel, "value"].mean()) if sel.any() else 0.0


def stale_fraction_vs_lag(factors=(1.0, 2.0, 3.0, 4.0), *, style: str = "event_driven",
                          group: str = "inventory", architecture=None, rate: float = 100.0,
                          keys: int = 50, duration: float = 30.0, read_rate: float = 200.0,
                          seeds=(0,)) -> pd.DataFrame:
    """Slow the read-model updater down and watch the stale reads rise.

    For each slowdown ``factor`` of ``group`` (for the whole run) and seed:
    simulate ``architecture`` (default ``order_placed(style)``) under Poisson
    ``rate`` traffic over ``keys`` keys, and measure the read workload. One
    row per run: ``style, factor, seed, mean_consumer_lag`` (the broker's
    view, 0 without a consumer group), ``mean_apply_delay``,
    ``stale_fraction`` (with ``stderr``), ``expected_stale_fraction``,
    ``mean_staleness`` (over stale reads), ``p99_write``.
    """
    from ..traffic import Traffic

    rows = []
    for factor in factors:
        for seed in seeds:
            arch = architecture if architecture is not None else order_placed(style)
            faults = [Slowdown(group, 0.0, math.inf, float(factor))] if factor != 1 else []
            res = simulate(arch, Traffic.poisson(rate, keys=keys), duration=duration,
                           faults=faults, seed=seed)
            r = read_staleness(read_model_staleness(res, group, read_rate, seed=seed))
            rows.append({
                "style": arch.name, "factor": float(factor), "seed": seed,
                "mean_consumer_lag": _mean_lag(res, group),
                "mean_apply_delay": apply_delays(write_log(res, group))["mean_apply_delay"],
                "stale_fraction": r["stale_fraction"], "stderr": r["stderr"],
                "expected_stale_fraction": expected_stale_fraction(res, group),
                "mean_staleness": r["mean_staleness"],
                "p99_write": res.summary()["p99"], "reads": r["reads"],
            })
    return pd.DataFrame(rows)


def synchronous_variant(architecture, group: str, *, timeout: float = 0.5, retries: int = 2,
                        name: str | None = None):
    """The same system with ``group``'s read model updated on the write path.

    Every subscription of ``group`` is replaced by a synchronous call from
    each publisher of that stream to ``group``: the writer now waits for the
    read model before it answers. Everything else (other consumer groups,
    costs) is unchanged, so the difference you measure is this one edge.
    """
    subs = architecture.subscriptions_of(group) if group in architecture.graph else []
    if not subs:
        raise KeyError(f"group {group!r}: not a consumer group of {architecture.name!r}")
    arch = architecture.copy(name or f"{architecture.name}+sync {group}")
    for stream in subs:
        arch.graph.remove_edge(stream, group)
        for producer in list(arch.graph.predecessors(stream)):
            if arch.graph.edges[producer, stream]["kind"] == "publish" and \
                    not arch.graph.has_edge(producer, group):
                arch.add_call(producer, group, timeout=timeout, retries=retries)
    return arch


def write_latency_tradeoff(factors=(1.0, 3.0), *, group: str = "inventory", architecture=None,
                           rate: float = 100.0, keys: int = 50, duration: float = 30.0,
                           read_rate: float = 200.0, seed: int = 0,
                           ryw_delay: float = 0.05) -> pd.DataFrame:
    """Where each style pays: stale reads (event-driven) or write latency
    (synchronous read model), as the updater slows down.

    ``architecture`` defaults to ``order_placed('event_driven')``; its
    synchronous counterpart is :func:`synchronous_variant`. One row per
    style and ``factor``: ``write_p50, write_p99, write_error_rate,
    stale_fraction, read_your_writes_missed`` (at ``ryw_delay``).
    """
    from ..traffic import Traffic

    base = architecture if architecture is not None else order_placed("event_driven")
    variants = {"event_driven": base, "synchronous": synchronous_variant(base, group)}
    rows = []
    for factor in factors:
        faults = [Slowdown(group, 0.0, math.inf, float(factor))] if factor != 1 else []
        for style, arch in variants.items():
            res = simulate(arch, Traffic.poisson(rate, keys=keys), duration=duration,
                           faults=faults, seed=seed)
            s = res.summary()
            reads = read_model_staleness(res, group, read_rate, seed=seed)
            rows.append({"style": style, "factor": float(factor), "write_p50": s["p50"],
                         "write_p99": s["p99"], "write_error_rate": s["error_rate"],
                         "stale_fraction": float(reads["stale"].mean()),
                         "read_your_writes_missed": read_your_writes(res, group, ryw_delay)})
    return pd.DataFrame(rows)
