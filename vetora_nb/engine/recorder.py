"""Columnar recording of everything that happens in a run.

The simulator appends plain values to columns (``array.array`` for numbers,
lists for the few shared strings), one row per request, span, event and
delivery; DataFrames are built once, at the end. This keeps recording cheap
enough to leave on for every request, and keeps the run's objects from
outliving it. Spans are the exception that costs: they are recorded only for
sampled traces (an unsampled one costs the simulator no call at all), and
those that other rows already describe are read off them when the frame is
built, not recorded twice (:mod:`~vetora_nb.engine.spans`).

Its rows also make "nothing is silently lost" checkable: each event
delivery says which request caused it and whether it is processed,
dead-lettered or still owed, so ``settled_at`` — when a request's last
effect finished — is read off them when the requests frame is built, not
booked per delivery as the run goes.
"""

from __future__ import annotations

import math
from array import array

import numpy as np
import pandas as pd

from . import spans
from .spans import CONSUME, PUBLISH, RECORDED, REQUEST

NAN = math.nan

OUTCOMES = ("processed", "dlq", "pending")


class Context:
    """What travels with a unit of work: its request, trace and key.

    ``origin`` is the request that caused the work (for settlement);
    ``trace_id``/``parent`` are what observability tooling sees, which may
    differ when a consumer drops the correlation id.
    """

    __slots__ = ("origin", "trace_id", "parent", "key", "sampled")

    def __init__(self, origin, trace_id, parent, key, sampled):
        self.origin = origin
        self.trace_id = trace_id
        self.parent = parent
        self.key = key
        self.sampled = sampled

    def child(self, parent_span):
        return Context(self.origin, self.trace_id, parent_span, self.key, self.sampled)


def _floats():
    return array("d")


def _ints():
    return array("q")


#: Columns that start as a placeholder and are filled in later (an end time,
#: a status, an outcome) are extended this many rows at a time, not one row
#: per append, and trimmed to their real length when the run ends (:meth:`Recorder.trim`).
BLOCK = 1024
_NANS = array("d", [NAN]) * BLOCK
_ZEROS = array("q", [0]) * BLOCK
_IN_FLIGHT = ["in_flight"] * BLOCK
_PENDING = ["pending"] * BLOCK


class Recorder:
    """Columns of a run, appended to as things happen.

    Numbers go into ``array.array`` columns (8 bytes a value, against about
    32 for a Python float in a list); strings, which are few and shared, into
    lists.

    A request or an event delivery is one row across its columns, and its
    id is its row number; a span is an entry of the span log, its id its
    place there (:mod:`~vetora_nb.engine.spans`). The columns filled in
    later — when a span closes, a request is answered, a delivery settles —
    are grown a block at a time, ahead of the rows (``room``); :meth:`trim`
    cuts them back when the run is over.
    """

    #: Read spans off the rows that describe them (False: record every span
    #: as it happens — the reference the derived spans are tested against).
    DERIVE = True

    def __init__(self):
        # requests. A request's key is the traffic's (``r_key``: every
        # arrival's, set by :meth:`arrivals`; the i-th arrival is request i), and
        # its trace id is its id, shifted by the traces consumers started
        # before it began (``new_traces``, :meth:`request_traces`): neither is
        # recorded per request.
        self.r_start, self.r_end, self.r_status = _floats(), _floats(), []
        self.r_key, self.new_traces = _ints(), _ints()
        self.entry = None                     # the run's entry service
        # spans: the log (one entry a span, in the order they opened: ``ref << 2 | kind``),
        # and the recorded ones' rows: trace, parent, service, operation, start one after
        # another in one list (one call a span, not five), end and status in columns
        self.derive = self.DERIVE
        self.s_log = _ints()
        self.s_rows, self.s_end, self.s_status = [], _floats(), []
        self.roots = None if self.derive else {}   # recorded root spans of requests in flight, by request
        # publish spans (opened by ``Stream.append``; the log entry holds the parent):
        # start and operation, in the order they opened; acked ones end with their
        # event, refused ones in ``p_closed`` (span id -> (end, status))
        self.p_start, self.p_op, self.p_closed = _floats(), [], {}
        # derived consume spans (the log entry holds the delivery row): when each was
        # taken up, in the order they opened -- kept for sampled deliveries only
        self.c_taken = _floats()
        # events (one per append) and rows (one per event x group). What the
        # causing request already says (key) or the broker's logs hold (stream,
        # partition, offset; a delivery's group) is not recorded per row but
        # read off them when the run ends (:meth:`locate`). An event is sampled
        # when it hangs under a span (``e_parent >= 0``).
        self.e_trace, self.e_published, self.e_origin, self.e_parent = _ints(), _floats(), _ints(), _ints()
        self.e_stream = self.e_partition = self.e_offset = None   # numpy, set by locate()
        self.stream_names: list[str] = []
        self.d_event, self.d_processed, self.d_attempts = _ints(), _floats(), _ints()
        self.d_outcome, self.d_duplicates = [], _ints()
        self.d_group, self.group_names = None, []                # numpy codes, set by locate()
        self.d_applied = bytearray()   # 1: an idempotent group has applied this row's event
        self.n_traces = 0
        self.publish_failures = 0
        # time series samples: (time, node, metric, value)
        self.ts_time, self.ts_node, self.ts_metric, self.ts_value = _floats(), [], [], _floats()
        # rows the filled-in-later columns have room for
        self._r_room = self._s_room = self._d_room = 0

    def trim(self) -> None:
        """Cut the filled-in-later columns back to the rows that exist."""
        n = len(self.r_start)
        del self.r_key[n:], self.r_end[n:], self.r_status[n:]
        n_spans = len(self.s_rows) // 5
        del self.s_end[n_spans:], self.s_status[n_spans:]
        n = len(self.d_event)
        del self.d_processed[n:], self.d_attempts[n:], self.d_outcome[n:], self.d_duplicates[n:]
        del self.d_applied[n:]
        self._r_room, self._s_room, self._d_room = len(self.r_start), n_spans, len(self.d_event)

    # -- requests -------------------------------------------------------------
    def arrivals(self, entry: str, keys) -> array:
        """The run's requests will enter at ``entry`` with ``keys`` (the
        traffic's, in arrival order): the key column, returned."""
        self.entry = entry
        self.r_key = array("q", np.asarray(keys, np.int64).tobytes())
        return self.r_key

    def new_trace(self) -> int:
        """A trace that no request began (a consumer dropped the correlation id)."""
        self.new_traces.append(len(self.r_start))
        self.n_traces += 1
        return self.n_traces - 1

    def request_traces(self, rids: np.ndarray) -> np.ndarray:
        """The trace ids of requests ``rids``: trace ids are handed out in
        order, to each request as it begins and to each new trace."""
        if not self.new_traces:
            return rids.astype(np.int64, copy=True)
        return rids + np.searchsorted(np.frombuffer(self.new_traces, np.int64), rids, side="right")

    def begin_request(self, t, key, sampled) -> Context:
        """The next arrival, with ``key``, becomes request ``rid``; with a sampled
        trace its root span opens now, and the context it returns is that span's."""
        rid = len(self.r_start)
        if rid == self._r_room:
            self.r_end.extend(_NANS)
            self.r_status.extend(_IN_FLIGHT)
            self._r_room += BLOCK
        trace = self.n_traces
        self.n_traces = trace + 1
        self.r_start.append(t)
        if not sampled:
            return Context(rid, trace, -1, key, sampled)
        if self.derive:   # its row is the span
            sid = len(self.s_log)
            self.s_log.append(rid << 2 | REQUEST)
        else:
            sid = self.roots[rid] = self.open_span(trace, -1, self.entry, "handle", t)
        return Context(rid, trace, sid, key, sampled)

    def end_request(self, rid, t, status):
        """Request ``rid`` is answered (every answer to a client passes here)."""
        self.r_end[rid] = t
        self.r_status[rid] = status
        if self.roots:
            sid = self.roots.pop(rid, None)
            if sid is not None:
                self.close_span(sid, t, status)

    # -- spans ----------------------------------------------------------------
    def open_span(self, trace_id, parent, service, operation, t) -> int:
        """Start a recorded span; returns its id. Callers ask only for sampled
        traces (``ctx.sampled``): an unsampled one costs no call at all."""
        rows = self.s_rows
        row = len(rows) // 5
        if row == self._s_room:
            self.s_end.extend(_NANS)
            self.s_status.extend(_IN_FLIGHT)
            self._s_room += BLOCK
        rows.extend((trace_id, parent, service, operation, t))
        sid = len(self.s_log)
        self.s_log.append(row << 2 | RECORDED)
        return sid

    def open_publish_span(self, parent, operation, t) -> int:
        """Start a publish span under span ``parent`` (>= 0: a sampled trace's);
        returns its id. Only its parent (in its log entry), start and
        operation are kept: the rest is its parent's and, once acked, its
        event's (:mod:`~vetora_nb.engine.spans`)."""
        sid = len(self.s_log)
        self.s_log.append(parent << 2 | PUBLISH)
        self.p_start.append(t)
        self.p_op.append(operation)
        return sid

    def take_up(self, row, t) -> None:
        """Delivery ``row`` is taken up at ``t`` by a group whose processing
        cannot fail: its consume span is that row's (:mod:`~vetora_nb.engine.spans`)."""
        self.s_log.append(row << 2 | CONSUME)
        self.c_taken.append(t)

    def close_span(self, sid, t, status):
        code = self.s_log[sid]
        if code & 3 == PUBLISH:   # refused: an acked one is read off its event
            self.p_closed[sid] = (t, status)
            return
        row = code >> 2
        self.s_end[row] = t
        self.s_status[row] = status

    # -- events ---------------------------------------------------------------
    def append_event(self, ctx: Context, t, parent) -> int:
        """An event appended at ``t`` for ``ctx``'s request, under span ``parent``
        (-1: an unsampled trace). Where it went is the stream's log's to say
        (:meth:`locate`)."""
        eid = len(self.e_trace)
        self.e_trace.append(ctx.trace_id)
        self.e_published.append(t)
        self.e_origin.append(ctx.origin)
        self.e_parent.append(parent)
        return eid

    def add_delivery(self, eid) -> int:
        """A consumer group now owes event ``eid`` one processing (which group
        is the row's place in that group's rows: :meth:`locate`)."""
        row = len(self.d_event)
        if row == self._d_room:
            self.d_processed.extend(_NANS)
            self.d_attempts.extend(_ZEROS)
            self.d_outcome.extend(_PENDING)
            self.d_duplicates.extend(_ZEROS)
            self.d_applied.extend(bytes(BLOCK))
            self._d_room += BLOCK
        self.d_event.append(eid)
        return row

    def finish_delivery(self, row, t, outcome):
        """Delivery ``row``, still owed, is ``'processed'`` or ``'dlq'`` at ``t``."""
        self.d_outcome[row] = outcome
        if outcome == "processed":
            self.d_processed[row] = t   # (a dead-lettered one stays NaN: its request never settles)

    def locate(self, streams, groups) -> None:
        """Read each event's stream, partition and offset off the streams'
        logs, and each delivery's group off the groups' rows, once the run
        is over: the broker holds them anyway (``log[p][offset]`` is an
        event's id, ``rows[p]`` a group's delivery rows), so they are not
        recorded per row as well. Text as codes into ``stream_names`` and
        ``group_names``."""
        n = len(self.e_trace)
        self.stream_names = [s.name for s in streams]
        self.e_stream = np.zeros(n, np.int32)
        self.e_partition = np.zeros(n, np.int64)
        self.e_offset = np.zeros(n, np.int64)
        for i, s in enumerate(streams):
            for p, log in enumerate(s.log):
                if log:
                    eids = np.frombuffer(log, np.int64)
                    self.e_stream[eids], self.e_partition[eids] = i, p
                    self.e_offset[eids] = np.arange(len(eids))
        self.group_names = [g.name for g in groups]
        self.d_group = np.zeros(len(self.d_event), np.int32)
        for i, g in enumerate(groups):
            for rows in g.rows:
                if rows:
                    self.d_group[np.frombuffer(rows, np.int64)] = i

    def outcome_counts(self) -> dict:
        """``{outcome: deliveries}`` and ``'duplicates'``, without building a frame."""
        counts = {o: 0 for o in OUTCOMES}
        for o in self.d_outcome:
            counts[o] += 1
        counts["duplicates"] = sum(self.d_duplicates)
        return counts

    def sample(self, t, node, metric, value):
        self.ts_time.append(t)
        self.ts_node.append(node)
        self.ts_metric.append(metric)
        self.ts_value.append(value)

    # -- frames ---------------------------------------------------------------
    def requests_frame(self) -> pd.DataFrame:
        start = np.array(self.r_start, float)
        end = np.array(self.r_end, float)
        # A request settles when it has its answer and every effect it caused
        # was processed (none dead-lettered, none still owed): at the later
        # of its answer and its last effect.
        settled = end.copy()
        n = len(start)
        if self.d_event:
            origin = np.frombuffer(self.e_origin, np.int64)[np.frombuffer(self.d_event, np.int64)]
            done = np.frombuffer(self.d_processed, np.float64)   # NaN: not processed
            last = np.full(n, np.nan)   # each request's last processed effect (fmax passes over NaN)
            np.fmax.at(last, origin, done)
            has = ~np.isnan(last)
            settled[has] = np.maximum(settled[has], last[has])   # NaN (no answer yet) stays NaN
            # Not processed: still owed, or dead-lettered -- either way, not settled.
            settled[origin[np.isnan(done)]] = np.nan
        rid = np.arange(n)
        return pd.DataFrame({
            "request_id": rid,
            "trace_id": self.request_traces(rid),
            "entry": pd.Categorical.from_codes(np.zeros(n, np.int8), [self.entry if n else "-"]),
            "key": np.array(self.r_key, np.int64),
            "start": start,
            "end": end,
            "latency": end - start,
            "status": np.asarray(self.r_status, object),
            "settled_at": settled,
            "e2e_latency": settled - start,
        }, copy=False)   # fresh arrays: no second copy of millions of rows

    def spans_frame(self) -> pd.DataFrame:
        return spans.spans_frame(self)

    def events_frame(self) -> pd.DataFrame:
        ev = np.array(self.d_event, np.int64)

        def col(values, dtype):
            return np.asarray(values, dtype)[ev] if len(ev) else np.asarray([], dtype)

        origin = col(self.e_origin, np.int64)
        return pd.DataFrame({
            "event_id": ev,
            "trace_id": col(self.e_trace, np.int64),
            "request_id": origin,
            "stream": np.array(self.stream_names, object)[self.e_stream[ev]],
            "partition": self.e_partition[ev],
            "offset": self.e_offset[ev],
            "key": np.asarray(self.r_key, np.int64)[origin],   # the key of the request that caused it
            "published_at": col(self.e_published, float),
            "group": np.array(self.group_names, object)[self.d_group],
            "processed_at": np.array(self.d_processed, float),
            "attempts": np.array(self.d_attempts, np.int64),
            "outcome": np.asarray(self.d_outcome, object),
            "duplicates": np.array(self.d_duplicates, np.int64),
        }, copy=False)   # fresh arrays: no second copy of millions of rows

    def timeseries_frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "time": np.array(self.ts_time, float),
            "node": np.asarray(self.ts_node, object),
            "metric": np.asarray(self.ts_metric, object),
            "value": np.array(self.ts_value, float),
        }, copy=False)   # fresh arrays: no second copy of millions of rows
