"""Traces: follow one request through the system, span by span.

A *trace* is every piece of work one request caused, recorded as *spans*
(one service doing one operation for a while) linked parent -> child. The
trace id travels with the work: through synchronous calls, and across the
broker inside the event, so that a consumer's ``consume`` span hangs under
the producer's ``publish`` span.

The two styles leave differently shaped traces, and that shape is what a
debugging session has to work with:

- **request-response**: one synchronous tree. Every span ends before its
  parent does, and the trace ends when the root (the entry's ``handle``)
  answers. What you see when the customer gets an answer is the whole story.
- **event-driven**: the root answers early; each consumer group adds a
  branch under the ``publish`` span that finishes *later*, each at its own
  time. The request is done only when the slowest branch is.

>>> import vetora_nb as vn
>>> from vetora_nb.patterns import tracing
>>> traffic = vn.Traffic.poisson(rate=20)
>>> rr = vn.simulate(vn.scenarios.order_placed("rr"), traffic, duration=2, seed=3)
>>> ed = vn.simulate(vn.scenarios.order_placed("ed"), traffic, duration=2, seed=3)
>>> shape_rr = tracing.trace_shape(rr, 0)
>>> shape_ed = tracing.trace_shape(ed, 0)
>>> shape_rr["leaves_after_root"], shape_rr["after_answer"]
(0, 0.0)
>>> shape_ed["leaves_after_root"], shape_ed["after_answer"] > 0
(4, True)
>>> tracing.trace(ed, 0)[["depth", "service", "operation", "is_consumer"]].head(3)
   depth    service             operation  is_consumer
0      0     orders                handle        False
1      1     orders  publish order-placed        False
2      2  inventory  consume order-placed         True

``critical_path`` says which chain of spans decided when the trace ended,
and ``root_cause`` walks a failed or slow request to the leaf to blame, and
says what it could not see: consumers that dropped the correlation id leave
their spans in traces of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .span_tree import CALL, CONSUME, HANDLE, PUBLISH, SpanTree

__all__ = ["trace", "critical_path", "root_cause", "trace_shape", "trace_shapes",
           "failures", "diagnose", "traced_share", "RootCause", "CONSUME", "PUBLISH", "CALL", "HANDLE"]


TRACE_COLUMNS = ["trace_id", "span_id", "parent_id", "parent", "depth", "service", "operation",
                 "label", "start", "end", "duration", "status", "is_consumer", "critical"]


def _spans_of(result, trace_id) -> pd.DataFrame:
    spans = result.spans
    sel = spans[spans["trace_id"] == trace_id]
    if sel.empty:
        if len(spans) == 0 or trace_id not in set(result.requests["trace_id"]):
            raise KeyError(f"trace_id {trace_id!r}: no spans recorded for this trace")
        raise KeyError(f"trace_id {trace_id!r}: this trace was not sampled (see simulate(trace_sample=...))")
    return sel


def request_spans(result, request_id: int) -> pd.DataFrame:
    """The raw spans (``res.spans`` rows) of one request's trace, for a waterfall.

    Identical traffic gives identical request ids in both styles, so the
    same ``request_id`` picks the same order in each run.

    >>> import vetora_nb as vn
    >>> res = vn.simulate(vn.scenarios.order_placed("request_response"), vn.Traffic.poisson(50),
    ...                   duration=2, seed=1)
    >>> len(request_spans(res, 3))           # orders' handle, 4 calls, 4 handles
    9
    """
    requests = result.requests
    row = requests[requests["request_id"] == request_id]
    if row.empty:
        raise KeyError(f"request_id {request_id!r}: no such request in this run")
    return _spans_of(result, row["trace_id"].iloc[0])


def _tree(result, trace_id) -> SpanTree:
    return SpanTree(_spans_of(result, trace_id))


def trace(result, trace_id: int) -> pd.DataFrame:
    """One trace as a tidy frame, ready for a waterfall plot.

    One row per span, in depth-first order (a parent before its children,
    siblings by start time). ``start`` and ``end`` are seconds since the
    trace began (its first span's start), ``duration`` is ``end - start``,
    ``depth`` is the span's distance from the root (0 for the root),
    ``parent`` names the parent span (``''`` for the root), ``is_consumer``
    marks ``consume`` spans (work done by a consumer group, after the
    broker hop) and ``critical`` marks the spans on the critical path.

    Raises ``KeyError`` for a trace with no recorded spans (unknown, or not
    sampled).
    """
    tree = _tree(result, trace_id)
    t0 = min(tree.start.values())
    crit = set(tree.critical())
    rows = []
    for s in tree.order:
        p = tree.parent[s]
        rows.append((int(trace_id), s, p, "" if p is None else tree.label(p), tree.depth[s],
                     tree.service[s], tree.operation[s], tree.label(s), tree.start[s] - t0,
                     tree.end[s] - t0, tree.end[s] - tree.start[s], tree.status[s],
                     tree.operation[s].startswith(CONSUME), s in crit))
    frame = pd.DataFrame(rows, columns=TRACE_COLUMNS)
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame


def critical_path(result, trace_id: int) -> pd.DataFrame:
    """The chain of spans that determined when the trace finished.

    Rows of :func:`trace` on the critical path, in time order. In a
    request-response trace with parallel calls it is the root, the call that
    answered last and the callee's handling; with sequential calls every call
    is on it. In an event-driven trace it runs root -> publish -> the consumer
    that finished last: the request is done only when that consumer is.
    """
    frame = trace(result, trace_id)
    frame = frame[frame["critical"]]
    return frame.sort_values(["start", "depth"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------

def _shape(tree: SpanTree) -> dict:
    root = tree.root
    leaves = tree.leaves()
    leaf_ends = [tree.end[s] for s in leaves]
    root_end = tree.end[root]
    trace_end = max(tree.end.values())
    return {
        "spans": len(tree.ids),
        "depth": max(tree.depth.values()),
        "branches": len(leaves),
        "max_fanout": max(len(k) for k in tree.children.values()),
        "services": len(set(tree.service.values())),
        "consumer_spans": sum(op.startswith(CONSUME) for op in tree.operation.values()),
        "finish_spread": max(leaf_ends) - min(leaf_ends),
        "leaves_after_root": sum(e > root_end for e in leaf_ends),
        "duration": trace_end - min(tree.start.values()),
        "after_answer": trace_end - root_end,
    }


def trace_shape(result, trace_id: int) -> dict:
    """Counts that describe a trace's shape.

    - ``spans``: how many spans; ``depth``: the deepest span's distance from
      the root; ``branches``: how many leaves (root-to-leaf paths);
      ``max_fanout``: the most children of one span; ``services``: distinct
      services; ``consumer_spans``: ``consume`` spans;
    - ``finish_spread``: last end minus first end among the leaves — how
      far apart the branches finish;
    - ``leaves_after_root``: leaves that end after the root answered, and
      ``after_answer``: trace end minus root end (both 0 for a synchronous tree);
    - ``duration``: first start to last end.
    """
    return _shape(_tree(result, trace_id))


def trace_shapes(result, trace_ids=None) -> pd.DataFrame:
    """:func:`trace_shape` for many traces (default: every request's sampled
    trace), one row per trace, indexed by ``trace_id``."""
    spans = result.spans
    if trace_ids is None:
        trace_ids = result.requests["trace_id"]
    wanted = set(int(t) for t in trace_ids)
    rows = {}
    for tid, group in spans[spans["trace_id"].isin(wanted)].groupby("trace_id", sort=True):
        rows[int(tid)] = _shape(SpanTree(group))
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "trace_id"
    return frame


# ---------------------------------------------------------------------------
# Root cause
# ---------------------------------------------------------------------------

@dataclass
class RootCause:
    """What :func:`root_cause` found for one request.

    ``kind`` is ``'failed'`` (the request failed: the walk followed failed
    spans from the root down to the first span whose failure was its own),
    ``'effect_failed'`` (the caller got an answer but a consumer failed on
    the request's event every time it tried) or ``'slow'`` (nothing failed: the leaf at the end
    of the critical path). ``path`` lists the spans from the root to the
    culprit. ``missing`` lists the request's event deliveries whose consumer
    spans are *not* in the request's trace (``found_in_trace`` is the trace
    they were found in, when a consumer dropped the correlation id, else
    NaN); ``visible_end`` is when the request's trace ends, ``settled_at`` when
    the request's last effect actually finished.
    """

    request_id: int
    trace_id: int
    kind: str
    service: str
    operation: str
    status: str
    span_id: int
    duration: float
    path: list = field(default_factory=list)
    missing: pd.DataFrame = field(default_factory=pd.DataFrame)
    visible_end: float = float("nan")
    settled_at: float = float("nan")

    @property
    def complete(self) -> bool:
        """Could the whole request be seen from its own trace?"""
        return len(self.missing) == 0

    def __str__(self) -> str:
        what = {"failed": "failed at", "effect_failed": "an effect failed at",
                "slow": "slowest at"}[self.kind]
        text = (f"request {self.request_id} (trace {self.trace_id}) {what} "
                f"{self.service}: {self.operation} [{self.status}, {self.duration * 1000:.1f} ms]")
        if len(self.missing):
            groups = sorted(set(self.missing["group"]))
            text += (f"; {len(self.missing)} consumer deliveries are not in this trace "
                     f"(groups {', '.join(groups)}): the correlation id was dropped")
        return text


def _orphan_consume_spans(result) -> pd.DataFrame:
    """Root ``consume`` spans: consumers that started a trace of their own."""
    spans = result.spans
    sel = spans["parent_id"].isna() & spans["operation"].str.startswith(CONSUME)
    return spans[sel]


def _missing(result, request_id: int, trace_id: int, tree: SpanTree | None) -> pd.DataFrame:
    ev = result.events
    cols = ["event_id", "stream", "group", "outcome", "processed_at", "found_in_trace"]
    if len(ev) == 0:
        return pd.DataFrame(columns=cols)
    mine = ev[ev["request_id"] == request_id]
    if mine.empty:
        return pd.DataFrame(columns=cols)
    present = set()
    if tree is not None:
        present = {(tree.service[s], tree.operation[s]) for s in tree.ids
                   if tree.operation[s].startswith(CONSUME)}
    orphans = None
    rows = []
    for r in mine.itertuples(index=False):
        op = CONSUME + r.stream
        if (r.group, op) in present:
            continue
        if orphans is None:
            orphans = _orphan_consume_spans(result)
        found = np.nan
        if r.outcome == "processed":
            # The successful attempt's span ends exactly when the row was processed.
            hit = orphans[(orphans["service"] == r.group) & (orphans["operation"] == op)
                          & (orphans["end"] == r.processed_at)]
            if len(hit):
                found = int(hit["trace_id"].iloc[0])
        rows.append((int(r.event_id), r.stream, r.group, r.outcome, r.processed_at, found))
    frame = pd.DataFrame(rows, columns=cols)
    frame["found_in_trace"] = frame["found_in_trace"].astype("Int64")
    return frame


def root_cause(result, request_id: int) -> RootCause:
    """Walk a request's trace to the span to blame, and say what is missing.

    A failed request: from the root, follow the failed child that ended last
    (the failure its parent reported) until a span none of whose children
    failed — the span where the failure began. A request whose answer was ok
    but one of whose events a consumer could not process: the last failed
    ``consume`` span. Otherwise: the leaf at the end of the critical path,
    the slowest thing the request waited for (the longest span among the
    critical path's leaves).

    Event-driven requests can be *incomplete*: a consumer that drops the
    correlation id records its work in a new trace, so the request's own
    trace silently lacks that branch — the branch that may well be the slow
    or broken one. ``missing`` lists every such delivery, found through the
    events frame (the event knows its request; the span does not), and where
    possible the other trace that holds the consumer's span.
    """
    req = result.requests
    if not 0 <= int(request_id) < len(req):
        raise KeyError(f"request_id {request_id!r}: no such request (0..{len(req) - 1})")
    row = req.iloc[int(request_id)]
    tid = int(row["trace_id"])
    tree = _tree(result, tid)
    missing = _missing(result, int(request_id), tid, tree)
    failed = {s for s in tree.ids if tree.status[s] not in ("ok", "in_flight")}

    kind = "slow"
    if row["status"] != "ok" and tree.root in failed:
        kind, s = "failed", tree.root
        while True:
            bad = [c for c in tree.children[s] if c in failed]
            if not bad:
                break
            s = max(bad, key=lambda c: (tree.end[c], c))
        culprit = s
    else:
        # consumers that failed and never succeeded on this request's event
        done = {(tree.service[s], tree.operation[s]) for s in tree.ids
                if tree.status[s] == "ok" and tree.operation[s].startswith(CONSUME)}
        bad_consumers = [s for s in failed if tree.operation[s].startswith(CONSUME)
                         and (tree.service[s], tree.operation[s]) not in done]
        if bad_consumers:
            kind = "effect_failed"
            culprit = max(bad_consumers, key=lambda c: (tree.end[c], c))
        else:
            crit = set(tree.critical())
            ends = [c for c in crit if not any(k in crit for k in tree.children[c])]
            culprit = max(ends, key=lambda c: (tree.end[c] - tree.start[c], c))
    path = []
    s = culprit
    while s is not None:
        path.append(tree.label(s))
        s = tree.parent[s]
    return RootCause(
        request_id=int(request_id), trace_id=tid, kind=kind, service=tree.service[culprit],
        operation=tree.operation[culprit], status=tree.status[culprit], span_id=int(culprit),
        duration=tree.end[culprit] - tree.start[culprit], path=path[::-1], missing=missing,
        visible_end=max(tree.end.values()), settled_at=float(row["settled_at"]))


# ---------------------------------------------------------------------------
# How many failures a trace explains
# ---------------------------------------------------------------------------

def failures(result) -> pd.DataFrame:
    """Every failure of a run, one row per request: ``request_id, trace_id,
    start, kind, sampled``. ``kind`` is ``'request failed'`` (the caller got
    an error) or ``'effect failed'`` (the caller got "ok" but a consumer
    dead-lettered the request's event); ``sampled`` says whether the
    request's trace was recorded."""
    req = result.requests
    failed = set(req.loc[~req["status"].isin(["ok", "in_flight"]), "request_id"].astype(int))
    ev = result.events
    dlq = set(ev.loc[ev["outcome"] == "dlq", "request_id"].astype(int)) if len(ev) else set()
    ids = sorted(failed | dlq)
    rows = req.set_index("request_id").loc[ids] if ids else req.iloc[0:0].set_index("request_id")
    traced = set(result.spans["trace_id"].unique())
    out = pd.DataFrame({
        "request_id": np.asarray(ids, dtype=int),
        "trace_id": rows["trace_id"].to_numpy(int) if ids else np.empty(0, int),
        "start": rows["start"].to_numpy(float) if ids else np.empty(0),
        "kind": ["request failed" if i in failed else "effect failed" for i in ids],
    })
    out["sampled"] = out["trace_id"].isin(traced)
    return out


def _pick(frame: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    if limit is None or len(frame) <= limit:
        return frame
    return frame.iloc[np.linspace(0, len(frame) - 1, int(limit)).round().astype(int)]


def diagnose(result, service: str, limit: int | None = None) -> pd.DataFrame:
    """Walk every failure's trace to its root cause (at most ``limit``
    failures, evenly spread over the run). One row per failure:
    ``request_id, kind, sampled, blamed, operation, found, complete,
    hidden_groups`` — ``blamed`` is the service :func:`root_cause` names
    (empty when the trace was not sampled), ``found`` whether it is
    ``service`` and a failure (not merely the slowest span), ``complete``
    whether the whole request is in its own trace, ``hidden_groups`` the
    consumer groups whose work is missing from it."""
    rows = []
    for f in _pick(failures(result), limit).itertuples(index=False):
        if not f.sampled:
            rows.append((f.request_id, f.kind, False, "", "", False, False, ""))
            continue
        rc = root_cause(result, int(f.request_id))
        hidden = ", ".join(sorted(set(rc.missing["group"]))) if len(rc.missing) else ""
        found = rc.service == service and rc.kind in ("failed", "effect_failed")
        rows.append((f.request_id, f.kind, True, rc.service, rc.operation, found, rc.complete, hidden))
    return pd.DataFrame(rows, columns=["request_id", "kind", "sampled", "blamed", "operation", "found",
                                       "complete", "hidden_groups"])


def traced_share(result, service: str, limit: int | None = None) -> dict:
    """How many failures a trace explains: ``failures, examined, sampled,
    found, share`` (found / examined; NaN without failures)."""
    total = len(failures(result))
    d = diagnose(result, service, limit)
    n = len(d)
    return {"failures": total, "examined": n, "sampled": int(d["sampled"].sum()) if n else 0,
            "found": int(d["found"].sum()) if n else 0,
            "share": float(d["found"].mean()) if n else float("nan")}
