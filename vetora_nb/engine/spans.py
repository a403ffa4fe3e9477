"""Spans: which are recorded as they happen, which are read off other rows.

A span is a row of ``res.spans``: ``trace_id, span_id, parent_id, service,
operation, start, end, status``, and its id is its position — spans are
numbered in the order they were opened. Recording every field of every
span as it happens costs more than the simulation of the work it
describes, and much of it says again what the run records anyway:

- **the root span of a client's request** (``handle`` at the entry
  service) opens when the request arrives and closes when it is
  answered, with the answer as its status — its request's row
  (``start``, ``end``, ``status``, ``trace_id``) *is* the span;
- **a publish span** has its parent's trace and service (the producer's
  span); once the broker acked it, it ends when its event was appended,
  OK — the event's row has that time (``published_at``), and the event's
  parent is that span. Only its start, parent and operation are kept
  (the parent in its log entry, ``p_start``, ``p_op``), and a refusal's end and status;
- **a consume span** of a group whose processing cannot fail — its
  service only takes a service time (no calls, no publications, no error
  rate), no fault touches the group, and it carries the trace on — is
  taken up once (nothing rewinds the group) and ends when its delivery
  is processed: the delivery's row has the end, the event's row the
  trace and the parent; only the time it was taken up is kept, for
  sampled deliveries alone, in the order the spans opened (``c_taken``).

So the span log (``Recorder.s_log``) keeps one integer per span, in the
order spans were opened: what kind it is and the row it reads (a
request's, a delivery's, a recorded span's; a publish span's parent). A
*recorded* span (every other kind: a callee's handling, a call's try, a
consume span that can fail, be redone after a crash, or start a new
trace) has its own row of fields, closed by ``Recorder.close_span``.
The numbering — the one thing no other row has — is the
log's, so span ids are the same as if every span were recorded.

With ``Recorder.DERIVE = False`` every span is recorded as it happens
instead (the reference: ``tests/test_engine_spans.py`` holds the two to
identical frames, for every kind above and the paths that fall back).
"""

from __future__ import annotations

from array import array

import numpy as np
import pandas as pd

#: Kinds of the span log's entries (``ref << 2 | kind``).
RECORDED, REQUEST, CONSUME, PUBLISH = 0, 1, 2, 3


def spans_frame(rec) -> pd.DataFrame:
    """The spans of a run, from its span log and the rows the log points at."""
    code = np.array(rec.s_log, np.int64)
    kind, ref = code & 3, code >> 2
    n = len(code)
    trace, parent = np.empty(n, np.int64), np.empty(n, np.int64)
    start, end = np.empty(n), np.empty(n)
    # The text columns hold a few names many times over: codes into ``names``.
    names = _Names()
    service, operation, status = (np.empty(n, np.int64) for _ in range(3))

    # Recorded spans: their rows are in the log's order, five fields a row.
    rows = rec.s_rows
    if rows:
        at = np.flatnonzero(kind == RECORDED)
        trace[at] = np.array(rows[0::5], np.int64)
        parent[at] = np.array(rows[1::5], np.int64)
        service[at] = names.codes(rows[2::5])
        operation[at] = names.codes(rows[3::5])
        start[at] = np.array(rows[4::5], float)
        end[at] = np.asarray(rec.s_end, float)
        status[at] = names.codes(rec.s_status)

    # Root spans of client requests: their request's row.
    at = np.flatnonzero(kind == REQUEST)
    if len(at):
        rid = ref[at]
        trace[at] = rec.request_traces(rid)
        parent[at] = -1
        service[at] = names.code(rec.entry)
        operation[at] = names.code("handle")
        start[at] = _take(rec.r_start, rid)
        end[at] = _take(rec.r_end, rid)
        status[at] = names.codes_at(rec.r_status, rid)

    # Consume spans that cannot fail: their delivery's row and its event's;
    # when each was taken up is kept in the order they opened.
    at = np.flatnonzero(kind == CONSUME)
    if len(at):
        row = ref[at]
        eid = _take(rec.d_event, row)
        trace[at] = _take(rec.e_trace, eid)
        parent[at] = _take(rec.e_parent, eid)
        service[at] = names.recode(rec.group_names, rec.d_group[row])
        operation[at] = names.recode(rec.stream_names, rec.e_stream[eid], "consume {}")
        start[at] = np.frombuffer(rec.c_taken, np.float64)
        end[at] = _take(rec.d_processed, row)
        done = np.isfinite(end[at])   # processed (else still being processed)
        status[at] = np.where(done, names.code("ok"), names.code("in_flight"))

    # Publish spans, once their parents (in their log entries) are known: the
    # parent's trace and service (the producer's span), and until acked or
    # refused, in flight.
    at = np.flatnonzero(kind == PUBLISH)
    if len(at):
        of = ref[at]
        trace[at], parent[at], service[at] = trace[of], of, service[of]
        operation[at] = names.codes(rec.p_op)
        start[at] = np.array(rec.p_start, float)
        end[at], status[at] = np.nan, names.code("in_flight")
        # An acked one ends with its event's append, OK (the events of a
        # sampled trace hang under their publish spans: parent >= 0).
        under = np.frombuffer(rec.e_parent, np.int64)
        sampled = np.flatnonzero(under >= 0)
        if len(sampled):
            acked = under[sampled]
            end[acked] = _take(rec.e_published, sampled)
            status[acked] = names.code("ok")
        for sid, (t, st) in rec.p_closed.items():   # refused (rare)
            end[sid], status[sid] = t, names.code(st)

    return pd.DataFrame({
        "trace_id": trace,
        "span_id": np.arange(n),
        "parent_id": pd.arrays.IntegerArray(parent, parent < 0),
        "service": names.take(service),
        "operation": names.take(operation),
        "start": start,
        "end": end,
        "status": names.take(status),
    }, copy=False)   # fresh arrays: no second copy of millions of rows


def _take(column, rows):
    """``column``'s values at ``rows`` (numpy indices), reading only those:
    a number column through a view of its buffer, a text column row by row.
    Spans are often a sample (1% of traces), and a copy of a whole column of
    millions of deliveries per field would cost more memory than the frame."""
    if isinstance(column, array):
        return np.frombuffer(column, _DTYPES[column.typecode])[rows]
    return [column[i] for i in rows.tolist()]


_DTYPES = {"q": np.int64, "d": np.float64, "b": np.int8}


class _Names:
    """Distinct strings, numbered: a text column as codes, made text once at the end."""

    def __init__(self):
        self.names: list[str] = []
        self.index: dict[str, int] = {}

    def code(self, name: str) -> int:
        c = self.index.get(name)
        if c is None:
            c = self.index[name] = len(self.names)
            self.names.append(name)
        return c

    def codes(self, values, form: str = "{}") -> np.ndarray:
        """The codes of ``form.format(value)`` for each of ``values``."""
        if not len(values):
            return np.zeros(0, np.int64)
        if values.count(values[0]) == len(values):   # one name throughout (the common case): no hashing
            return np.full(len(values), self.code(form.format(values[0])), np.int64)
        local, distinct = pd.factorize(np.asarray(values, object))
        return np.array([self.code(form.format(v)) for v in distinct], np.int64)[local]

    def codes_at(self, values: list, rows: np.ndarray) -> np.ndarray:
        """``codes(values)`` at ``rows`` only. When most rows are asked for (every
        trace sampled), coding the whole column costs less than gathering
        its strings one by one; for a sample, gathering the few costs less."""
        if 2 * len(rows) >= len(values):
            return self.codes(values)[rows]
        return self.codes(_take(values, rows))

    def recode(self, names: list[str], codes: np.ndarray, form: str = "{}") -> np.ndarray:
        """Codes into another list of ``names`` (``form``-ed) as codes here."""
        return np.array([self.code(form.format(v)) for v in names], np.int64)[codes]

    def take(self, codes) -> pd.api.extensions.ExtensionArray:
        """The text column: the strings of ``codes``, as pandas would infer them
        (an empty one stays ``object``, as pandas leaves it)."""
        if not len(codes):
            return np.empty(0, object)
        return pd.array(np.array(self.names, object), dtype="str").take(codes)
