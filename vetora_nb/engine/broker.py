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

import zlib

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
        self.log = [[] for _ in range(self.partitions)]       # event ids, by offset
        self.visible = [[] for _ in range(self.partitions)]   # when consumers can see them
        self.groups: list[ConsumerGroup] = []
        self.operation = f"publish {name}"
        self.failed_publishes = 0

    def append(self, producer: str, ctx):
        """Publish one event for ``ctx`` (a process body); returns a status.

        A producer that cannot reach the broker retries with backoff and
        then fails *visibly*: the request that wanted to publish fails.
        """
        env, rec, faults = self.env, self.world.rec, self.world.faults
        status = OK
        for attempt in range(self.publish_retries + 1):
            if attempt:
                yield env.timeout(0.05 * 2 ** (attempt - 1))
            sid = rec.open_span(ctx, producer, self.operation, env.now)
            if faults.is_cut(producer, self.name, env.now):
                yield env.timeout(self.publish_timeout)
                status = "timeout"
            elif faults.is_down(self.name, env.now):
                yield env.timeout(self.append_latency())
                status = "broker_unavailable"
            else:
                yield env.timeout(self.append_latency())
                self._write(ctx.child(sid) if sid >= 0 else ctx)
                rec.close_span(sid, env.now, OK)
                return OK
            rec.close_span(sid, env.now, status)
        self.failed_publishes += 1
        return status

    def _write(self, ctx) -> None:
        now = self.env.now
        p = partition_for(ctx.key, self.partitions)
        log, vis = self.log[p], self.visible[p]
        eid = self.world.rec.append_event(ctx, self.name, p, len(log), now)
        # Delivery never overtakes an earlier event of the same partition.
        seen = now + self.delivery_latency()
        if vis and vis[-1] > seen:
            seen = vis[-1]
        log.append(eid)
        vis.append(seen)
        for g in self.groups:
            if g.joined:
                g.offer(p, eid)


class ConsumerGroup:
    """One service's consumer group on one stream."""

    def __init__(self, world, stream: Stream, service, attrs: dict):
        self.world, self.env = world, world.env
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
        self.rows = [[] for _ in range(P)]     # delivery rows, in offset order
        self.offsets = [[] for _ in range(P)]  # log offset of each row
        self.position = [0] * P                # next row to process
        self.committed = [0] * P               # rows acknowledged
        self.failures = [0] * P                # failed tries of the head row
        self.owner = [p % self.instances for p in range(P)]
        self.wakers = [None] * self.instances
        self.seen: set[int] = set()            # applied event ids (idempotent only)
        self.dlq_depth = 0
        self.busy = 0                          # instances processing right now
        self.processed = 0
        self.redelivered = 0
        self.joined = self.start_at <= 0
        self.operation = f"consume {stream.name}"

    @property
    def active_instances(self) -> int:
        return min(self.instances, self.stream.partitions)

    def start(self) -> None:
        if not self.joined:
            self.env.process(self._join_later())
        for i in range(self.active_instances):
            parts = [p for p in range(self.stream.partitions) if self.owner[p] == i]
            self.env.process(self._instance(i, parts))

    def _join_later(self):
        yield self.env.timeout(self.start_at)
        stream, now = self.stream, self.env.now
        if self.from_beginning:
            horizon = -1.0 if stream.retention is None else now - stream.retention
            published = self.world.rec.e_published
            for p in range(stream.partitions):
                for eid in stream.log[p]:
                    if published[eid] >= horizon:   # older segments are gone
                        self.offer(p, eid, wake=False)
        self.joined = True
        self.world.groups_waiting -= 1
        for i in range(self.active_instances):
            self._wake(i)

    def offer(self, p: int, eid: int, wake: bool = True) -> None:
        row = self.world.rec.add_delivery(eid, self.name)
        self.world.pending += 1
        self.rows[p].append(row)
        self.offsets[p].append(self.world.rec.e_offset[eid])
        if wake:
            self._wake(self.owner[p])

    def _wake(self, i: int) -> None:
        w = self.wakers[i]
        if w is not None:
            self.wakers[i] = None
            w.succeed()

    def lag(self) -> int:
        return sum(len(r) - c for r, c in zip(self.rows, self.committed))

    def uncommitted(self) -> int:
        """Events processed (or skipped) but not yet acknowledged."""
        return sum(pos - c for pos, c in zip(self.position, self.committed))

    def partition_lag(self, p: int) -> int:
        return len(self.rows[p]) - self.committed[p]

    def _commit(self, parts) -> None:
        for p in parts:
            self.committed[p] = self.position[p]

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

    def _instance(self, i: int, parts: list[int]):
        env, rec, faults = self.env, self.world.rec, self.world.faults
        svc = self.service
        last_commit = last_check = env.now
        rows, position, visible = self.rows, self.position, self.stream.visible
        while True:
            now = env.now
            if faults.crashed_between(svc.name, last_check, now) or faults.is_down(svc.name, now):
                # The instance died: uncommitted progress is forgotten.
                for p in parts:
                    if position[p] > self.committed[p]:
                        self.redelivered += position[p] - self.committed[p]
                    position[p] = self.committed[p]
                    self.failures[p] = 0
            last_check = now
            until = self._blocked_until(now)
            if until > now:
                yield env.timeout(until - now)
                continue
            # The next event: the earliest visible head among owned partitions.
            best, best_seen = -1, 0.0
            for p in parts:
                k = position[p]
                if k < len(rows[p]):
                    seen = visible[p][self.offsets[p][k]]
                    if best < 0 or seen < best_seen:
                        best, best_seen = p, seen
            if best < 0:
                # Idle. Like a polling consumer, commit on the interval
                # timer, not at once: a crash right now still redelivers.
                waker = self.wakers[i] = env.event()
                if any(position[p] > self.committed[p] for p in parts):
                    due = last_commit + self.commit_interval - now
                    if due <= 0:
                        self.wakers[i] = None
                        self._commit(parts)
                        last_commit = now
                        continue
                    yield waker | env.timeout(due)
                    if self.wakers[i] is waker:
                        self.wakers[i] = None
                else:
                    yield waker
                continue
            if best_seen > now:
                yield env.timeout(best_seen - now)
                continue
            p = best
            row = rows[p][position[p]]
            eid = rec.d_event[row]
            rec.d_attempts[row] += 1
            if self.idempotent and eid in self.seen:
                position[p] += 1   # already applied: acknowledge, do nothing
                continue
            self.busy += 1
            yield from self._process(p, row, eid)
            self.busy -= 1
            if env.now - last_commit >= self.commit_interval:
                self._commit(parts)
                last_commit = env.now

    def _process(self, p: int, row: int, eid: int):
        env, rec, faults = self.env, self.world.rec, self.world.faults
        svc = self.service
        ctx = self.world.event_context(eid, self.propagate)
        t0 = env.now
        sid = rec.open_span(ctx, svc.name, self.operation, t0)
        status = yield from svc.work(ctx.child(sid) if sid >= 0 else ctx, t0)
        if faults.crashed_between(svc.name, t0, env.now):
            rec.close_span(sid, env.now, "crashed")
            return   # redelivered after the restart
        rec.close_span(sid, env.now, status)
        if status == OK:
            if rec.d_outcome[row] == "processed":
                rec.d_duplicates[row] += 1   # at-least-once: the effect happened again
            else:
                self._finish(row, "processed")
                self.processed += 1
            if self.idempotent:
                self.seen.add(eid)
            self.position[p] += 1
            self.failures[p] = 0
            return
        self.failures[p] += 1
        if self.failures[p] >= self.max_attempts:
            if rec.d_outcome[row] == "pending":
                self._finish(row, "dlq")
                self.dlq_depth += 1
            self.position[p] += 1
            self.failures[p] = 0
        else:
            yield env.timeout(self.retry_backoff * 2 ** (self.failures[p] - 1))

    def _finish(self, row: int, outcome: str) -> None:
        self.world.rec.finish_delivery(row, self.env.now, outcome)
        self.world.pending -= 1
