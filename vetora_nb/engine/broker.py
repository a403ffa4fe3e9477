"""Event-driven: a partitioned log and the consumer groups that read it.

A :class:`Stream` is a durable, append-only log split into partitions. An
event's key picks its partition (a stable hash of the key, modulo the
partition count), so all events of one key stay in order in one partition.
The producer waits for the broker's ack (``append_latency``); consumers see
the event after ``delivery_latency``.

Every :class:`ConsumerGroup` gets every event (fan-out). Inside a group each
partition is owned by one instance; an instance takes its partitions' events
in offset order, one at a time, so instances beyond the partition count have
nothing to do. Offsets are committed *after* processing, every
``commit_interval`` seconds: a crash rewinds the instance to the last commit
and events it had already processed come again (at-least-once). An
idempotent consumer remembers what it applied and skips those duplicates.
Processing that keeps failing is dead-lettered after ``max_attempts``.
"""

from __future__ import annotations

import math
import zlib
from array import array

from .recorder import Context

OK = "ok"


def partition_for(key, partitions: int) -> int:
    """The partition of ``key``: stable across processes and runs."""
    return zlib.crc32(str(key).encode()) % partitions


class Stream:
    def __init__(self, world, name: str, attrs: dict):
        self.world, self.env, self.name = world, world.env, name
        self.partitions = attrs["partitions"]
        self.append_latency = world.rng.sampler(f"append:{name}", attrs["append_latency"])
        self.delivery_latency = world.rng.sampler(f"delivery:{name}", attrs["delivery_latency"])
        self.retention = attrs["retention"]
        self.publish_retries = attrs["publish_retries"]
        self.publish_timeout = attrs["publish_timeout"]
        # Per partition: event ids by offset, and when consumers can see them
        # (arrays: 8 bytes an entry, a million events stay small).
        self.log = [array("q") for _ in range(self.partitions)]
        self.visible = [array("d") for _ in range(self.partitions)]
        self.groups: list[ConsumerGroup] = []
        self.operation = f"publish {name}"
        self.failed_publishes = 0
        self.clock, self.rec = world.clock, world.rec
        self.faulted = world.faults.touches(name)   # an outage of the broker for this stream
        self._partition_of: dict = {}               # key -> partition, for the keys seen so far
        # Bound once (instance attributes shadowing the methods): handing
        # ``self._acked`` to the clock would build a new bound method each time.
        self._acked, self._refused = self._acked, self._refused

    def append(self, producer: str, ctx, done, attempt: int = 0) -> None:
        """Publish one event for ``ctx``; ``done(status)`` once the broker acked or gave up.

        A producer that cannot reach the broker retries with backoff and
        then fails *visibly*: the request that wanted to publish fails.
        """
        now = self.env._now
        if not ctx.sampled:
            sid = -1
        elif self.rec.derive:
            sid = self.rec.open_publish_span(ctx.parent, self.operation, now)
        else:
            sid = self.rec.open_span(ctx.trace_id, ctx.parent, producer, self.operation, now)
        faults = self.world.faults
        if faults.cuts and faults.is_cut(producer, self.name, now):
            self.clock.after(self.publish_timeout, self._refused, (producer, ctx, done, attempt, sid, "timeout"))
        elif self.faulted and faults.is_down(self.name, now):
            self.clock.after(self.append_latency(), self._refused,
                             (producer, ctx, done, attempt, sid, "broker_unavailable"))
        else:
            self.clock.after(self.append_latency(), self._acked, (ctx, done, sid))

    def _acked(self, args) -> None:
        """The broker acked: the event is in the log, every group is offered it."""
        ctx, done, sid = args
        now = self.env._now
        if self.partitions == 1:
            p = 0
        else:
            key = ctx.key
            p = self._partition_of.get(key)
            if p is None:
                p = partition_for(key, self.partitions)
                if len(self._partition_of) < 100_000:   # a bounded memo: keys repeat
                    self._partition_of[key] = p
        log, vis = self.log[p], self.visible[p]
        offset = len(log)
        eid = self.rec.append_event(ctx, now, sid if sid >= 0 else ctx.parent)
        # Delivery never overtakes an earlier event of the same partition.
        seen = now + self.delivery_latency()
        if vis and vis[-1] > seen:
            seen = vis[-1]
        log.append(eid)
        vis.append(seen)
        rec, world = self.rec, self.world
        for g in self.groups:
            if g.joined:   # g.offer(p, eid, offset), inlined: every event of every group passes here
                g.rows[p].append(rec.add_delivery(eid))
                world.pending += 1
                g.offsets[p].append(offset)
                inst = g.idle[g.owner[p]]
                if inst is not None:
                    inst.poke(seen)
        if sid >= 0 and not rec.derive:
            rec.close_span(sid, now, OK)   # (else read off the event: engine/spans.py)
        done(OK)

    def _refused(self, args) -> None:
        """The producer could not publish: it retries after a backoff, then gives up."""
        producer, ctx, done, attempt, sid, status = args
        if sid >= 0:
            self.rec.close_span(sid, self.env._now, status)
        if attempt < self.publish_retries:
            self.clock.after(0.05 * 2 ** attempt, self._retry, (producer, ctx, done, attempt + 1))
        else:
            self.failed_publishes += 1
            done(status)

    def _retry(self, args) -> None:
        self.append(*args)


class ConsumerGroup:
    """One service's consumer group on one stream."""

    def __init__(self, world, stream: Stream, service, attrs: dict):
        self.world, self.env, self.clock, self.rec = world, world.env, world.clock, world.rec
        self.stream, self.service = stream, service
        self.name = service.name
        self.max_attempts = attrs["max_attempts"]
        self.retry_backoff = attrs["retry_backoff"]
        self.idempotent = attrs["idempotent"]
        self.commit_interval = attrs["commit_interval"]
        self.propagate = attrs["propagate_context"]
        self.start_at = attrs["start_at"]
        self.from_beginning = attrs["from_beginning"]
        P = stream.partitions
        self.instances = service.pool.capacity
        self.rows = [array("q") for _ in range(P)]     # delivery rows, in offset order
        self.offsets = [array("q") for _ in range(P)]  # log offset of each row
        self.position = [0] * P                # next row to process
        self.committed = [0] * P               # rows acknowledged
        self.failures = [0] * P                # failed tries of the head row
        self.owner = [p % self.instances for p in range(P)]
        self.idle: list = [None] * self.instances   # the instance, while it waits for events
        self.dlq_depth = 0
        self.busy = 0                          # instances processing right now
        self.processed = 0
        self.redelivered = 0
        self.joined = self.start_at <= 0
        self.operation = f"consume {stream.name}"
        # No outage or cut on this consumer, its stream or the link between
        # them: the consumer loop can skip every fault look-up.
        faults = world.faults
        self.faulted = (faults.touches(service.name) or faults.touches(stream.name)
                        or faults.touches_link(stream.name, service.name))
        self.derived = False   # set by start(), once the service is wired

    @property
    def active_instances(self) -> int:
        return min(self.instances, self.stream.partitions)

    def start(self) -> None:
        # Processing here cannot fail and nothing rewinds the group: a
        # delivery is taken up once and its span ends when it is processed,
        # so the span is read off its rows (engine/spans.py), not recorded.
        self.derived = (self.rec.derive and self.propagate and not self.faulted
                        and self.service.just_service_time)
        if not self.joined:
            self.env.process(self._join_later())
        for i in range(self.active_instances):
            parts = [p for p in range(self.stream.partitions) if self.owner[p] == i]
            self.clock.after(0, _Instance(self, i, parts).step)

    def _join_later(self):
        yield self.env.timeout(self.start_at)
        stream, now = self.stream, self.env.now
        if self.from_beginning:
            horizon = -1.0 if stream.retention is None else now - stream.retention
            published = self.world.rec.e_published
            for p in range(stream.partitions):
                for offset, eid in enumerate(stream.log[p]):
                    if published[eid] >= horizon:   # older segments are gone
                        self.offer(p, eid, offset, wake=False)
        self.joined = True
        self.world.groups_waiting -= 1
        for i in range(self.active_instances):
            self._wake(i, now)

    def offer(self, p: int, eid: int, offset: int, wake: bool = True) -> None:
        """Event ``eid``, at ``offset`` in partition ``p``, is now owed to this group."""
        row = self.rec.add_delivery(eid)
        self.world.pending += 1
        self.rows[p].append(row)
        self.offsets[p].append(offset)
        if wake:
            inst = self.idle[self.owner[p]]
            if inst is not None:
                inst.poke(self.stream.visible[p][offset])

    def _wake(self, i: int, at: float) -> None:
        """Have instance ``i``, if idle, look again when the event offered
        becomes visible at ``at`` — one timer, not a wake-up now and
        another wait for visibility."""
        inst = self.idle[i]
        if inst is not None:
            inst.poke(at)

    def lag(self) -> int:
        return sum(len(r) - c for r, c in zip(self.rows, self.committed))

    def uncommitted(self) -> int:
        """Events processed (or skipped) but not yet acknowledged."""
        return sum(pos - c for pos, c in zip(self.position, self.committed))

    def unconsumed(self) -> bool:
        """Is any offset still to be consumed, or being consumed right now?

        Not the same as deliveries pending: after a crash rewinds the offsets,
        events already processed come again, and that redelivered work — its
        spans, its duplicate effects — is part of the run too."""
        return self.busy > 0 or any(pos < len(r) for pos, r in zip(self.position, self.rows))

    def partition_lag(self, p: int) -> int:
        return len(self.rows[p]) - self.committed[p]

    def _blocked_until(self, now: float) -> float:
        """When this group can next consume (``now`` if it can now)."""
        faults, svc, stream = self.world.faults, self.service.name, self.stream.name
        until = now
        if faults.is_down(svc, now):
            until = max(until, faults.down_until(svc, now))
        if faults.is_down(stream, now):
            until = max(until, faults.down_until(stream, now))
        if faults.is_cut(stream, svc, now):
            until = max(until, faults.cut_until(stream, svc, now))
        return until



class _Instance:
    """One consumer instance of a group: the partitions it owns and its loop.

    The loop runs by callbacks: :meth:`step` takes steps until it has to wait
    — for an event to become visible, for a fault to end, for new events
    (idle), for the service to finish one — and leaves a callback that calls
    it again. An idle instance is woken by whichever comes first: an offered
    event becoming visible (:meth:`poke`) or its commit timer. A wake-up
    that fires when the instance is no longer idle does nothing, and a new
    one is only set if it is earlier than the one pending — at 250 events a
    second an instance would otherwise leave a trail of stale timers in the
    event queue.

    An instance processes one delivery at a time, so the one in hand (its
    partition, row, start and span) lives in the instance's own
    attributes, not in a closure per event.
    """

    def __init__(self, group: ConsumerGroup, i: int, parts: list[int]):
        self.group, self.i, self.parts = group, i, parts
        # Callbacks bound once (instance attributes shadowing the methods):
        # handing ``self.step`` to the clock would build a new bound method each time.
        self.step, self.worked, self.processed = self.step, self.worked, self.processed
        self._poke_fired, self._timer_fired = self._poke_fired, self._timer_fired
        self.last_commit = self.last_check = group.env._now
        self.poke_at = self.timer_at = math.inf   # when the pending wake-ups fire (inf: none)
        self.p = self.row = self.sid = -1
        self.t0 = 0.0

    def step(self, _=None) -> None:
        g = self.group
        parts, rows, position, offsets, visible = self.parts, g.rows, g.position, g.offsets, g.stream.visible
        while True:
            now = g.env._now
            if g.faulted:
                faults, svc = g.world.faults, g.service
                if faults.crashed_between(svc.name, self.last_check, now) or faults.is_down(svc.name, now):
                    # The instance died: uncommitted progress is forgotten.
                    for p in parts:
                        if position[p] > g.committed[p]:
                            g.redelivered += position[p] - g.committed[p]
                        position[p] = g.committed[p]
                        g.failures[p] = 0
                self.last_check = now
                until = g._blocked_until(now)
                if until > now:
                    g.clock.after(until - now, self.step)
                    return
            # The next event: the earliest visible head among owned partitions.
            best, best_seen = -1, 0.0
            for p in parts:
                k = position[p]
                if k < len(rows[p]):
                    seen = visible[p][offsets[p][k]]
                    if best < 0 or seen < best_seen:
                        best, best_seen = p, seen
            if best < 0:
                # Idle. Like a polling consumer, commit on the interval
                # timer, not at once: a crash right now still redelivers.
                committed = g.committed
                for p in parts:
                    if position[p] > committed[p]:   # something to commit
                        if self._commit_if_due(now):
                            break
                        self._idle(self.last_commit + g.commit_interval)
                        return
                else:
                    self._idle(None)
                    return
                continue   # committed: look again
            if best_seen > now:
                g.clock.after(best_seen - now, self.step)
                return
            p, rec = best, g.rec
            row = rows[p][position[p]]
            eid = rec.d_event[row]
            rec.d_attempts[row] += 1
            if g.idempotent and rec.d_applied[row]:
                position[p] += 1   # already applied: acknowledge, do nothing
                continue
            # Hand the delivery to the service; :meth:`worked` takes its answer.
            g.busy += 1
            svc = g.service
            if g.derived:   # a service time, then OK; its span is its rows'
                if rec.e_parent[eid] >= 0:   # sampled: the event hangs under a span
                    rec.take_up(row, now)
                self.p, self.row, self.t0, self.sid = p, row, now, -1
                g.clock.after(svc.service_time(), self.worked, OK)
                return
            if g.propagate:
                trace, parent = rec.e_trace[eid], rec.e_parent[eid]
            else:
                trace, parent = rec.new_trace(), -1   # the correlation id was dropped: a new trace
            sampled = rec.e_parent[eid] >= 0   # the event hangs under a span
            sid = rec.open_span(trace, parent, svc.name, g.operation, now) if sampled else -1
            self.p, self.row, self.t0, self.sid = p, row, now, sid
            if svc.just_service_time:   # Service.work, short: a service time, then OK
                g.clock.after(svc.service_time(), self.worked, OK)
            else:
                # A service with no calls or publications reads no context: build none.
                if svc._plain:
                    ctx = None
                else:
                    origin = rec.e_origin[eid]
                    ctx = Context(origin, trace, sid if sid >= 0 else parent, rec.r_key[origin], sampled)
                svc.work(ctx, now, self.worked)
            return

    def worked(self, status) -> None:
        """The service is done with the delivery in hand."""
        g = self.group
        rec, now, p, row = g.rec, g.env._now, self.p, self.row
        if g.faulted and g.world.faults.crashed_between(g.service.name, self.t0, now):
            if self.sid >= 0:
                rec.close_span(self.sid, now, "crashed")
            self.processed()   # redelivered after the restart
            return
        if self.sid >= 0:
            rec.close_span(self.sid, now, status)
        if status == OK:
            if rec.d_outcome[row] == "pending":
                rec.finish_delivery(row, now, "processed")
                g.world.pending -= 1
                g.processed += 1
            else:
                # Redelivered after a crash rewound the offsets: at-least-once,
                # the effect happens again. A row's outcome is settled once —
                # an event dead-lettered before the crash stays 'dlq' (its
                # copy is in the DLQ) and this late success counts here too.
                rec.d_duplicates[row] += 1
            if g.idempotent:
                rec.d_applied[row] = 1   # remembered in a column, not a set of ids
            g.position[p] += 1
            g.failures[p] = 0
        else:
            g.failures[p] += 1
            if g.failures[p] < g.max_attempts:
                g.clock.after(g.retry_backoff * 2 ** (g.failures[p] - 1), self.processed)
                return
            if rec.d_outcome[row] == "pending":
                rec.finish_delivery(row, now, "dlq")
                g.world.pending -= 1
                g.dlq_depth += 1
            g.position[p] += 1
            g.failures[p] = 0
        # Done with it: as processed() (not called: every delivery passes here).
        g.busy -= 1
        self._commit_if_due(now)
        self.step()

    def processed(self, _=None) -> None:
        """The service is done with a delivery (and any retry backoff)."""
        g = self.group
        g.busy -= 1
        self._commit_if_due(g.env._now)
        self.step()

    def _commit_if_due(self, now: float) -> bool:
        """Commit the owned partitions if the commit interval has passed.

        The same sum as the idle timer's (``last_commit + commit_interval``
        in :meth:`step`): a timer that fires at the due time must find the
        commit due, or the instance would wake, find nothing to do and wait
        again for no time at all."""
        g = self.group
        if self.last_commit + g.commit_interval > now:
            return False
        position, committed = g.position, g.committed
        for p in self.parts:
            committed[p] = position[p]
        self.last_commit = now
        return True

    def _idle(self, commit_due) -> None:
        """Wait for new events, and until ``commit_due`` (a time) if set."""
        self.group.idle[self.i] = self
        if commit_due is not None and commit_due < self.timer_at:
            self.timer_at = commit_due
            self.group.clock.after(commit_due - self.group.env._now, self._timer_fired, commit_due)

    def poke(self, at: float) -> None:
        """Look again at ``at`` (if still idle then)."""
        if at < self.poke_at:
            self.poke_at = at
            self.group.clock.after(max(0.0, at - self.group.env._now), self._poke_fired, at)

    # A wake-up set for ``at`` fired. It is pending no more — unless an
    # earlier one has replaced it — and an idle instance looks again.
    # (Matched by the time it was set for, not by the clock: ``now + (at -
    # now)`` can land a rounding error short of ``at``.)
    def _timer_fired(self, at: float) -> None:
        if self.timer_at == at:
            self.timer_at = math.inf
        self._resume()

    def _poke_fired(self, at: float) -> None:
        if self.poke_at == at:
            self.poke_at = math.inf
        self._resume()

    def _resume(self) -> None:
        if self.group.idle[self.i] is self:   # still idle: look again
            self.group.idle[self.i] = None
            self.step()
