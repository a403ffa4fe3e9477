"""Request-response: services with workers, and synchronous calls between them.

A service is a pool of ``workers`` (a ``simpy.Resource``) with an optional
bounded wait queue. Handling a request takes a worker for the whole time —
its own service time *and every synchronous call it makes* — the way a
thread-per-request server holds a thread while it waits on a socket. Nothing
here scripts a cascade: when a callee slows down, callers' workers pile up
waiting on it, their queues grow, and their own callers time out.

A call is a race between the remote work and the caller's timeout. On a
timeout the caller gives up but the callee carries on: the work is wasted,
and a retry adds more of it — which is how a retry storm feeds itself.
"""

from __future__ import annotations

from collections import deque

from simpy.events import Event

OK = "ok"


class WorkerPool:
    """A service's workers and its FIFO wait queue.

    Like ``simpy.Resource`` but leaner: taking a free worker costs no event
    at all, and a released worker is handed straight to the longest waiter.
    """

    __slots__ = ("env", "capacity", "count", "queue")

    def __init__(self, env, capacity: int):
        self.env = env
        self.capacity = capacity
        self.count = 0          # busy workers
        self.queue = deque()    # events of requests waiting for a worker

    def acquire(self):
        """``None`` if a worker was free, else an event that fires when one is."""
        if self.count < self.capacity:
            self.count += 1
            return None
        ev = Event(self.env)
        self.queue.append(ev)
        return ev

    def release(self) -> None:
        if self.queue:
            self.queue.popleft().succeed()   # the worker passes on: count unchanged
        else:
            self.count -= 1


class CircuitBreakerState:
    """The closed / open / half-open state machine of one call edge."""

    __slots__ = ("threshold", "reset", "state", "failures", "opened_at", "probing")

    CLOSED, HALF_OPEN, OPEN = 0, 1, 2

    def __init__(self, config):
        self.threshold = config.failure_threshold
        self.reset = config.reset_timeout
        self.state = self.CLOSED
        self.failures = 0
        self.opened_at = 0.0
        self.probing = False

    def allow(self, now: float) -> bool:
        if self.state == self.CLOSED:
            return True
        if self.state == self.OPEN:
            if now < self.opened_at + self.reset:
                return False
            self.state = self.HALF_OPEN
            self.probing = False
        if self.probing:  # half-open: a single trial call at a time
            return False
        self.probing = True
        return True

    def record(self, ok: bool, now: float) -> None:
        if self.state == self.HALF_OPEN:
            self.probing = False
            if ok:
                self.state, self.failures = self.CLOSED, 0
            else:
                self.state, self.opened_at = self.OPEN, now
            return
        if ok:
            self.failures = 0
            return
        self.failures += 1
        if self.state == self.CLOSED and self.failures >= self.threshold:
            self.state, self.opened_at = self.OPEN, now


class Service:
    """The runtime of one service node."""

    def __init__(self, world, name: str, attrs: dict):
        self.world = world
        self.env = world.env
        self.name = name
        self.pool = WorkerPool(world.env, attrs["workers"])
        self.queue_capacity = attrs["queue_capacity"]
        self.service_time = world.rng.sampler(f"service_time:{name}", attrs["service_time"])
        self.coin = world.rng.uniform(f"errors:{name}")
        self.error_rate = attrs["error_rate"]
        self.parallel = attrs["fanout"] == "parallel"
        # Most nodes have no fault at all: skip every fault look-up for them.
        self.faulted = world.faults.touches(name)
        self.calls: list[Call] = []
        self.publishes: list = []   # Stream runtimes, filled in by the world

    def handle(self, ctx, operation: str = "handle"):
        """Serve one synchronous request (a SimPy process body); returns a status."""
        env, rec = self.env, self.world.rec
        arrived = env.now
        sid = rec.open_span(ctx, self.name, operation, arrived)
        if self.faulted and self.world.faults.is_down(self.name, arrived):
            rec.close_span(sid, arrived, "unavailable")
            return "unavailable"
        pool = self.pool
        if (self.queue_capacity is not None and pool.count >= pool.capacity
                and len(pool.queue) >= self.queue_capacity):
            rec.close_span(sid, arrived, "rejected")
            return "rejected"
        wait = pool.acquire()
        if wait is not None:
            yield wait
        status = yield from self.work(ctx.child(sid) if sid >= 0 else ctx, arrived)
        pool.release()
        rec.close_span(sid, env.now, status)
        return status

    def work(self, ctx, arrived: float):
        """The handler body, shared by requests and consumed events:
        service time, then the synchronous calls, then the publications."""
        env = self.env
        if self.faulted:
            faults, name, now = self.world.faults, self.name, env.now
            if faults.is_down(name, now):
                return "unavailable"
            yield env.timeout(self.service_time() * faults.slowdown(name, now))
            if faults.crashed_between(name, arrived, env.now):
                return "unavailable"  # the process died with the request in it
            p = faults.error_rate(name, now, self.error_rate)
        else:
            yield env.timeout(self.service_time())
            p = self.error_rate
        if p and self.coin() < p:
            return "error"
        if self.calls:
            if self.parallel and len(self.calls) > 1:
                procs = [env.process(c.call(ctx)) for c in self.calls]
                yield env.all_of(procs)
                for proc in procs:
                    if proc.value != OK:
                        return proc.value
            else:
                for c in self.calls:
                    status = yield from c.call(ctx)
                    if status != OK:
                        return status
        for stream in self.publishes:
            status = yield from stream.append(self.name, ctx)
            if status != OK:
                return status
        return OK


class Call:
    """One synchronous edge ``caller -> callee`` with timeout, retries and breaker."""

    def __init__(self, world, caller: Service, callee: Service, attrs: dict):
        self.world, self.env = world, world.env
        self.caller, self.callee = caller, callee
        self.timeout = attrs["timeout"]
        self.retries = attrs["retries"]
        self.backoff = attrs["backoff"]
        self.jitter = attrs["jitter"]
        self.latency = world.rng.sampler(f"latency:{caller.name}->{callee.name}", attrs["latency"])
        self.coin = world.rng.uniform(f"jitter:{caller.name}->{callee.name}")
        cb = attrs["circuit_breaker"]
        self.breaker = CircuitBreakerState(cb) if cb is not None else None
        self.operation = f"call {callee.name}"
        self.attempts = 0   # every try, retries included: the load this edge sends

    def call(self, ctx):
        status = OK
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * 2 ** (attempt - 1)
                yield self.env.timeout(delay * (1 - self.jitter * self.coin()))
            breaker = self.breaker
            if breaker is not None and not breaker.allow(self.env.now):
                return "circuit_open"   # fail fast, and do not retry into an open breaker
            status = yield from self.attempt(ctx)
            if breaker is not None:
                breaker.record(status == OK, self.env.now)
            if status == OK:
                return OK
        return status

    def attempt(self, ctx):
        env, rec = self.env, self.world.rec
        self.attempts += 1
        t0 = env.now
        sid = rec.open_span(ctx, self.caller.name, self.operation, t0)
        if self.world.faults.is_cut(self.caller.name, self.callee.name, t0):
            yield env.timeout(self.timeout)   # the request vanishes into the cut
            rec.close_span(sid, env.now, "timeout")
            return "timeout"
        remote = env.process(self._remote(ctx.child(sid) if sid >= 0 else ctx))
        # Race the answer against the timer. Plain callbacks on one event
        # are much cheaper than a SimPy condition (``remote | timer``).
        first = Event(env)

        def settle(ev):
            if not first.triggered:
                first.succeed(ev)

        remote.callbacks.append(settle)
        env.timeout(self.timeout).callbacks.append(settle)
        winner = yield first
        status = remote.value if winner is remote else "timeout"
        rec.close_span(sid, env.now, status)
        return status

    def _remote(self, ctx):
        """The request's trip: network, the callee's handling, network back."""
        env, world = self.env, self.world
        world.remote_work += 1   # counted apart: it may outlive the caller's wait
        yield env.timeout(self.latency())
        status = yield from self.callee.handle(ctx)
        yield env.timeout(self.latency())
        world.remote_work -= 1
        if world.faults.is_cut(self.caller.name, self.callee.name, env.now):
            yield env.event()   # the answer is lost: the caller will time out
        return status
