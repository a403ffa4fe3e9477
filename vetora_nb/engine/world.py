"""The world of one run: a SimPy environment with the architecture built in it.

:class:`World` turns the architecture's graph into runtime objects
(:class:`~vetora_nb.engine.services.Service`, ``Call``, ``Stream``,
``ConsumerGroup``), starts the traffic and a monitor that samples queue
depths, busy workers, consumer lag and DLQ depth, and runs the clock —
through ``duration`` and then, when draining, until every request has an
answer and every event delivery is processed or dead-lettered (or a bound
on simulated time is reached, so no input can run forever). Every wait
in the engine goes through the world's :class:`~vetora_nb.engine.clock.Clock`.
"""

from __future__ import annotations

import gc
import math
from contextlib import contextmanager

import simpy

from .broker import ConsumerGroup, Stream
from .clock import Clock
from .recorder import Recorder
from .services import Call, Service
from .streams import RandomStreams


class World:
    def __init__(self, arch, faults, seed: int, trace_sample: float = 1.0):
        self.arch = arch
        self.env = simpy.Environment()
        self.clock = Clock(self.env)
        self.rng = RandomStreams(seed)
        self.faults = faults
        self.rec = Recorder()
        self.trace_sample = trace_sample
        self.trace_coin = self.rng.uniform("trace_sampling")
        self.in_flight = 0
        self.remote_work = 0      # callee work in progress, wasted or not
        self.pending = 0          # event deliveries not yet processed or dead-lettered
        self.groups_waiting = 0   # consumer groups that join later
        g = arch.graph
        self.services = {n: Service(self, n, g.nodes[n]) for n in arch.services}
        self.streams = {n: Stream(self, n, g.nodes[n]) for n in arch.streams}
        self.calls = []
        self.groups = []
        for a, b, attrs in g.edges(data=True):
            kind = attrs["kind"]
            if kind == "call":
                call = Call(self, self.services[a], self.services[b], attrs)
                self.services[a].calls.append(call)
                self.calls.append(call)
            elif kind == "publish":
                self.services[a].publishes.append(self.streams[b])
            else:
                group = ConsumerGroup(self, self.streams[a], self.services[b], attrs)
                self.streams[a].groups.append(group)
                self.groups.append(group)
                if not group.joined:
                    self.groups_waiting += 1
        for s in self.services.values():
            s.wire()   # now that its calls and publications are known

    # -- processes -----------------------------------------------------------
    def _answered(self, rid: int, status) -> None:
        """Request ``rid`` was refused at the door (a served one is answered
        by ``Service._answer_client``)."""
        self.rec.end_request(rid, self.env._now, status)
        self.in_flight -= 1

    def _monitor(self, dt: float):
        while True:
            self._sample()
            yield self.env.timeout(dt)

    def _sample(self):
        env, rec = self.env, self.rec
        t = env.now
        for s in self.services.values():
            rec.sample(t, s.name, "queue_depth", len(s.pool.queue))
            rec.sample(t, s.name, "busy_workers", s.pool.count)
        for grp in self.groups:
            rec.sample(t, grp.name, "consumer_lag", grp.lag())
            rec.sample(t, grp.name, "dlq_depth", grp.dlq_depth)
            rec.sample(t, grp.name, "busy_instances", grp.busy)
            for p in range(grp.stream.partitions):
                rec.sample(t, f"{grp.name}/{grp.stream.name}/p{p}", "partition_lag", grp.partition_lag(p))
        for c in self.calls:
            if c.breaker is not None:
                rec.sample(t, f"{c.caller.name}->{c.callee.name}", "breaker_state", c.breaker.state)
        rec.sample(t, "system", "in_flight", self.in_flight)

    # -- the run -------------------------------------------------------------
    def close(self) -> None:
        """Let go of the run's bulky state once its result has what it needs.

        A world is full of back-references (services point at the world,
        queued events at callbacks that point at services), so it is only
        freed by Python's cycle collector, whenever that next runs. Emptying
        the per-event logs and the event queue here returns the memory at
        once — for a million-request run, over a hundred megabytes."""
        for g in self.groups:
            g.rows = g.offsets = None
        for s in self.streams.values():
            s.log = s.visible = None
        self.env._queue.clear()   # pending timers and the callbacks they hold

    def busy(self) -> bool:
        """Is work still owed: answers, event deliveries (first ones or
        redeliveries after a crash), or offset commits?"""
        return (self.in_flight > 0 or self.remote_work > 0 or self.pending > 0 or self.groups_waiting > 0
                or any(g.uncommitted() or g.unconsumed() for g in self.groups))

    def run(self, traffic, entry: str, duration: float, drain: bool, max_drain: float,
            sample_interval: float) -> float:
        """Run the clock; returns the simulated time at which it stopped."""
        times, keys = traffic.generate(self.rng.generator("traffic"), duration)
        env = self.env
        keys = self.rec.arrivals(entry, keys)   # the request's key column
        _Arrivals(self, times, keys, self.services[entry]).start()
        for g in self.groups:
            g.start()
        env.process(self._monitor(sample_interval))
        with _no_cycle_collection():
            env.run(until=duration)
            if drain:
                limit = duration + max_drain
                while self.busy() and env.now < limit:
                    if env.peek() == math.inf:
                        break   # nothing can happen any more
                    env.run(until=min(env.now + sample_interval, limit))
        self._sample()   # the state the run ended in
        self.rec.trim()
        self.rec.locate(list(self.streams.values()), self.groups)
        return env.now if drain else duration


@contextmanager
def _no_cycle_collection():
    """Pause Python's cycle collector while the clock runs.

    A run allocates millions of short-lived objects (events, callbacks,
    contexts) and keeps thousands alive at once in the event queue, so the
    collector would keep walking them — about a third of a run's time — to
    find nothing: the engine creates no reference cycles per request (a test
    holds it to that), so reference counting frees everything on time and
    pausing the collector cannot grow memory.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Arrivals:
    """Send each request at its time: a chain of timeouts, each one's
    callback sending the requests due and scheduling the next.

    An object, not a closure that schedules itself: that closure would be a
    reference cycle holding every arrival time until the cycle collector ran.
    """

    __slots__ = ("world", "times", "keys", "entry", "i")

    def __init__(self, world: World, times, keys, entry: Service):
        self.world, self.entry, self.i = world, entry, 0
        self.times, self.keys = times.tolist(), keys

    def start(self) -> None:
        if self.times:
            self.world.clock.after(self.times[0], self)

    def __call__(self, _) -> None:
        """Send the requests due now, each entering at ``entry`` and answered
        by callback; then wait for the next arrival."""
        world, times, keys, i, entry = self.world, self.times, self.keys, self.i, self.entry
        rec, ts = world.rec, world.trace_sample
        now = world.env._now
        n = len(times)
        while i < n and times[i] <= now:   # arrival times can tie
            # (No coin at all when nothing or everything is sampled: the coin's
            # stream is its own, so skipping it changes no other number.)
            sampled = ts >= 1.0 or (ts > 0.0 and world.trace_coin() < ts)
            ctx = rec.begin_request(now, keys[i], sampled)
            world.in_flight += 1
            entry.serve(ctx)   # answered into the request's row
            i += 1
        self.i = i
        if i < n:
            world.clock.after(times[i] - now, self)
