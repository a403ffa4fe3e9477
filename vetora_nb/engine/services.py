"""Request-response: services with workers, and synchronous calls between them.

A service is a pool of ``workers`` with an optional bounded wait queue.
Handling a request takes a worker for the whole time — its own service time
*and every synchronous call it makes* — the way a thread-per-request server
holds a thread while it waits on a socket. Nothing here scripts a cascade:
when a callee slows down, callers' workers pile up waiting on it, their
queues grow, and their own callers time out.

A call is a race between the remote work and the caller's timeout. On a
timeout the caller gives up but the callee carries on: the work is wasted,
and a retry adds more of it — which is how a retry storm feeds itself.

How it runs: with callbacks, not a SimPy process per request. Each step
(a worker frees up, a service time ends, an answer crosses the network)
schedules a timeout whose callback takes the next step, and the last step
calls the ``done(status)`` it was given. A request through a service that
calls four others costs about 18 SimPy events this way, against 33 with a
process per request and per call, and no generator is ever resumed. Every
chain of callbacks passes through a scheduled event before it can loop, so
no chain recurses without bound.
"""

from __future__ import annotations

from collections import deque
from functools import partial

OK = "ok"


class WorkerPool:
    """A service's workers and its FIFO wait queue.

    Taking a free worker costs no event at all, and a released worker is
    handed straight to the longest waiter: each waiter is a callable that
    starts its work when called.
    """

    __slots__ = ("capacity", "count", "queue")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.count = 0          # busy workers
        self.queue = deque()    # waiters (callables), longest-waiting first

    def take(self) -> bool:
        """Take a free worker if there is one (else join :attr:`queue`)."""
        if self.count < self.capacity:
            self.count += 1
            return True
        return False

    def release(self) -> None:
        if self.queue:
            self.queue.popleft()()   # the worker passes on: count unchanged
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
    """The runtime of one service node.

    :meth:`serve` answers a synchronous request (queue, work, answer);
    :meth:`work` is the handler body — service time, then the synchronous
    calls, then the publications — shared by requests and consumed events.
    """

    def __init__(self, world, name: str, attrs: dict):
        self.world = world
        self.env = world.env
        self.name = name
        self.pool = WorkerPool(attrs["workers"])
        self.queue_capacity = attrs["queue_capacity"]
        self.service_time = world.rng.sampler(f"service_time:{name}", attrs["service_time"])
        self.coin = world.rng.uniform(f"errors:{name}")
        self.error_rate = attrs["error_rate"]
        self.parallel = attrs["fanout"] == "parallel"
        # Most nodes have no fault at all: skip every fault look-up for them.
        self.faulted = world.faults.touches(name)
        self.calls: list[Call] = []
        self.publishes: list = []   # Stream runtimes, filled in by the world

    def serve(self, ctx, done, operation: str = "handle") -> None:
        """Serve one synchronous request; ``done(status)`` is called with the answer.

        A down service refuses at once (``'unavailable'``); a full wait queue
        rejects (``'rejected'``); otherwise the request waits for a worker,
        which it holds until :meth:`work` has finished.
        """
        env, rec = self.env, self.world.rec
        arrived = env.now
        sid = rec.open_span(ctx, self.name, operation, arrived)
        pool = self.pool
        if self.faulted and self.world.faults.is_down(self.name, arrived):
            refused = "unavailable"
        elif (self.queue_capacity is not None and pool.count >= pool.capacity
                and len(pool.queue) >= self.queue_capacity):
            refused = "rejected"
        else:
            refused = None
        if refused is not None:
            rec.close_span(sid, arrived, refused)
            done(refused)
            return

        def finished(status):
            pool.release()
            rec.close_span(sid, env.now, status)
            done(status)

        # Only calls and publications carry the context on (as children of this span).
        inner = ctx.child(sid) if sid >= 0 and (self.calls or self.publishes) else ctx
        if pool.take():   # a free worker: start now, no waiter needed
            self.work(inner, arrived, finished)
        else:
            pool.queue.append(lambda: self.work(inner, arrived, finished))

    def work(self, ctx, arrived: float, done) -> None:
        """Do the work of one request or event that arrived at ``arrived``;
        ``done(status)`` when it, its calls and its publications are over."""
        env = self.env
        faults = self.world.faults if self.faulted else None
        if faults is None:
            delay = self.service_time()
        elif faults.is_down(self.name, env.now):
            # Answered on the next tick, never from inside this call: a queue
            # of waiters draining into a dead node must not recurse.
            env.timeout(0).callbacks.append(lambda _: done("unavailable"))
            return
        else:
            delay = self.service_time() * faults.slowdown(self.name, env.now)

        def worked(_):
            if faults is None:
                p = self.error_rate
            elif faults.crashed_between(self.name, arrived, env.now):
                done("unavailable")   # the process died with the request in it
                return
            else:
                p = faults.error_rate(self.name, env.now, self.error_rate)
            if p and self.coin() < p:
                done("error")
            elif not self.calls and not self.publishes:
                done(OK)
            elif self.parallel and len(self.calls) > 1:
                _AllOf([c.call for c in self.calls], ctx, _InTurn(self._publishes(), ctx, done))
            else:
                _InTurn([c.call for c in self.calls] + self._publishes(), ctx, done)(OK)

        env.timeout(delay).callbacks.append(worked)

    def _publishes(self) -> list:
        return [partial(stream.append, self.name) for stream in self.publishes]


class _InTurn:
    """Take ``steps`` one after another, each when the one before answered
    OK; ``done`` gets the first failure, or OK once all have answered.
    A step is called as ``step(ctx, answer)``.

    A small object rather than a closure that calls itself: a
    self-referencing closure is a reference cycle, and with the cycle
    collector paused while the clock runs (``world.py``), one per request
    would pile up as garbage until the run ends.
    """

    __slots__ = ("steps", "ctx", "done", "i")

    def __init__(self, steps, ctx, done):
        self.steps, self.ctx, self.done, self.i = steps, ctx, done, 0

    def __call__(self, status) -> None:
        if status != OK or self.i == len(self.steps):
            self.done(status)
            return
        step = self.steps[self.i]
        self.i += 1
        step(self.ctx, self)


class _AllOf:
    """Take every step at once; ``done`` gets the first failure in step
    order, or OK, once the slowest has answered (a parallel fan-out)."""

    __slots__ = ("statuses", "left", "done")

    def __init__(self, steps, ctx, done):
        self.statuses = [OK] * len(steps)
        self.left = len(steps)
        self.done = done
        for i, step in enumerate(steps):
            step(ctx, partial(self._answer, i))

    def _answer(self, i: int, status) -> None:
        self.statuses[i] = status
        self.left -= 1
        if self.left == 0:
            self.done(next((s for s in self.statuses if s != OK), OK))


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

    def call(self, ctx, done, attempt: int = 0) -> None:
        """Call the callee, retrying with backoff; ``done(status)`` with the last answer.

        An open breaker fails the call at once (``'circuit_open'``) and is
        never retried into.
        """
        breaker = self.breaker
        if breaker is not None and not breaker.allow(self.env.now):
            done("circuit_open")
            return

        def answered(status):
            if breaker is not None:
                breaker.record(status == OK, self.env.now)
            if status == OK or attempt >= self.retries:
                done(status)
                return
            delay = self.backoff * 2 ** attempt * (1 - self.jitter * self.coin())
            self.env.timeout(delay).callbacks.append(lambda _: self.call(ctx, done, attempt + 1))

        self._attempt(ctx, answered)

    def _attempt(self, ctx, done) -> None:
        """One try: the answer races the caller's timeout; the first one counts."""
        env, rec = self.env, self.world.rec
        self.attempts += 1
        t0 = env.now
        sid = rec.open_span(ctx, self.caller.name, self.operation, t0)
        settled = False

        def settle(status):
            nonlocal settled
            if not settled:
                settled = True
                rec.close_span(sid, env.now, status)
                done(status)

        env.timeout(self.timeout).callbacks.append(lambda _: settle("timeout"))
        if not self.world.faults.is_cut(self.caller.name, self.callee.name, t0):
            self._remote(ctx.child(sid) if sid >= 0 else ctx, settle)
        # else the request vanishes into the cut: only the timer will answer

    def _remote(self, ctx, answer) -> None:
        """The request's trip: network, the callee's handling, network back,
        then ``answer(status)`` — unless the way back is cut."""
        env, world = self.env, self.world
        world.remote_work += 1   # counted apart: it may outlive the caller's wait

        def returned(status):
            world.remote_work -= 1
            if not world.faults.is_cut(self.caller.name, self.callee.name, env.now):
                answer(status)   # else the answer is lost: the caller times out

        def answered(status):
            env.timeout(self.latency()).callbacks.append(lambda _: returned(status))

        env.timeout(self.latency()).callbacks.append(lambda _: self.callee.serve(ctx, answered))
