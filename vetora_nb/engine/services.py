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
asks the :class:`~vetora_nb.engine.clock.Clock` to call the next one after
a delay, and the last step calls the ``done(status)`` it was given. A
request through a service that calls four others costs about 14 SimPy
events this way (the calls' timeouts queue per edge, :class:`~vetora_nb.engine.clock.Timeouts`),
against 33 with a process per request and per call, and no generator is
ever resumed. Every chain of callbacks passes through the clock before it
can loop, so no chain recurses without bound.

What a step needs later travels with it as a small tuple or a slotted
object (:class:`_Attempt`), not as a closure: fewer allocations, and no
reference cycles for the cycle collector, which is paused while the clock
runs (``world.py``). What is the same for every request — a service's call
steps and publications — is built once, when the world is wired
(:meth:`Service.wire`).
"""

from __future__ import annotations

from collections import deque
from functools import partial

from .clock import Timeouts

OK = "ok"
#: A full wait queue at the service itself, and at one further down, as the caller hears it.
REJECTED, REJECTED_BELOW = "rejected", "rejected_downstream"


class WorkerPool:
    """A service's workers and its FIFO wait queue.

    Taking a free worker costs no event at all, and a released worker is
    handed straight to the longest waiter (:meth:`Service._finished`): each
    waiter is the arguments of :meth:`Service.work`, which begins its work.
    """

    __slots__ = ("capacity", "count", "queue")

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.count = 0          # busy workers
        self.queue = deque()    # waiters (argument tuples of Service.work), longest-waiting first


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
        self.clock = world.clock
        self.rec = world.rec
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
        # Callbacks bound once (instance attributes shadowing the methods):
        # handing ``self._worked`` to the clock would build a new bound
        # method every time.
        self._finished, self._answer_client = self._finished, self._answer_client
        self._worked, self._answer = self._worked, self._answer
        self.wire()

    def wire(self) -> None:
        """Build what every request takes once the world's edges are known:
        the call steps, the publications, and which path :meth:`work` takes."""
        self._calls = [c.call for c in self.calls]
        self._publish = [partial(stream.append, self.name) for stream in self.publishes]
        self._steps = self._calls + self._publish
        self._plain = not self._steps                       # no calls, no publications
        self._fan_out = self.parallel and len(self._calls) > 1
        # Finishing the service time: straight to the answer for a plain,
        # unfaulted service; else through the error and fault checks.
        self._direct = self._plain and not self.faulted
        #: Its work is its service time and nothing else: it always answers OK.
        self.just_service_time = self._direct and not self.error_rate

    def serve(self, ctx, done=None, operation: str = "handle") -> None:
        """Serve one synchronous request; ``done(status)`` is called with the answer.

        A down service refuses at once (``'unavailable'``); a full wait queue
        rejects at once (``'rejected'``: the caller learns it as
        ``'rejected_downstream'``, after its retries); otherwise the request waits for a worker,
        which it holds until :meth:`work` has finished. Without ``done`` the
        request is a client's, request ``ctx.origin`` of the run, and the
        answer goes straight into its row; its span opened when it arrived
        (``ctx`` is that span's, see ``Recorder.begin_request``) and closes
        with its row.
        """
        now = self.env._now
        if done is None:
            sid = -1   # a client's: its root span is ctx's, closed by its row
        else:
            sid = self.rec.open_span(ctx.trace_id, ctx.parent, self.name, operation, now) if ctx.sampled else -1
        pool = self.pool
        if self.faulted and self.world.faults.is_down(self.name, now):
            refused = "unavailable"
        elif (self.queue_capacity is not None and pool.count >= pool.capacity
                and len(pool.queue) >= self.queue_capacity):
            refused = REJECTED
        else:
            refused = None
        if refused is not None:
            if sid >= 0:
                self.rec.close_span(sid, now, refused)
            if done is None:
                self.world._answered(ctx.origin, refused)
            else:
                done(refused)
            return
        finished = partial(self._finished, sid, done) if done is not None else \
            partial(self._answer_client, ctx.origin)
        # Only calls and publications carry the context on (as children of this span).
        inner = ctx.child(sid) if sid >= 0 and self._steps else ctx
        if pool.count < pool.capacity:   # a free worker: start now, no waiter needed
            pool.count += 1
            self.work(inner, now, finished)
        else:
            pool.queue.append((inner, now, finished))

    def _finished(self, sid: int, done, status) -> None:
        pool = self.pool   # the worker is free again:
        if pool.queue:
            self.work(*pool.queue.popleft())   # the longest waiter starts its work now
        else:
            pool.count -= 1
        if sid >= 0:
            self.rec.close_span(sid, self.env._now, status)
        done(status)

    def _answer_client(self, rid: int, status) -> None:
        """:meth:`_finished` for a client's request ``rid``: its answer goes in its row."""
        pool = self.pool
        if pool.queue:
            self.work(*pool.queue.popleft())
        else:
            pool.count -= 1
        self.rec.end_request(rid, self.env._now, status)
        self.world.in_flight -= 1

    def work(self, ctx, arrived: float, done) -> None:
        """Do the work of one request or event that arrived at ``arrived``;
        ``done(status)`` when it, its calls and its publications are over."""
        if self.faulted:
            faults, now = self.world.faults, self.env._now
            if faults.is_down(self.name, now):
                # Answered after this callback, never from inside this call: a
                # queue of waiters draining into a dead node must not recurse.
                self.clock.after(0, done, "unavailable")
                return
            delay = self.service_time() * faults.slowdown(self.name, now)
        else:
            delay = self.service_time()
        if self._direct:
            if self.error_rate:
                self.clock.after(delay, self._answer, done)
            else:
                self.clock.after(delay, done, OK)
        else:
            self.clock.after(delay, self._worked, (ctx, arrived, done))

    def _answer(self, done) -> None:
        """A plain, unfaulted service's answer: an error with its error rate."""
        done("error" if self.coin() < self.error_rate else OK)

    def _worked(self, job) -> None:
        """The service time is over: errors, then the calls and publications."""
        ctx, arrived, done = job
        if not self.faulted:
            p = self.error_rate
        else:
            faults, now = self.world.faults, self.env._now
            if faults.crashed_between(self.name, arrived, now):
                done("unavailable")   # the process died with the request in it
                return
            p = faults.error_rate(self.name, now, self.error_rate)
        if p and self.coin() < p:
            done("error")
        elif self._plain:
            done(OK)
        elif self._fan_out:
            _AllOf(self._calls, ctx, _InTurn(self._publish, ctx, done) if self._publish else done)
        elif len(self._steps) == 1:
            self._steps[0](ctx, done)
        else:
            _InTurn(self._steps, ctx, done)(OK)


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
        self.world, self.env, self.clock, self.rec = world, world.env, world.clock, world.rec
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
        # No partition ever cuts this link: skip the look-ups.
        self.cuttable = world.faults.touches_link(caller.name, callee.name)
        # Callbacks bound once (see Service).
        self._arrive, self._returned = self._arrive, self._returned
        # One queue of timeout timers for the edge, not a timer on the heap per try.
        self.timeouts = Timeouts(world.clock, self.timeout, self._timed_out)

    def call(self, ctx, done, attempt: int = 0) -> None:
        """Call the callee, retrying with backoff; ``done(status)`` with the last answer.

        An open breaker fails the call at once (``'circuit_open'``) and is
        never retried into.
        """
        if self.breaker is not None and not self.breaker.allow(self.env._now):
            done("circuit_open")
            return
        self._attempt(ctx, done, attempt)

    def _retry(self, args) -> None:
        self.call(*args)

    def _answered(self, a: "_Attempt", status) -> None:
        """The first answer of try ``a`` (the callee's or the timeout's)."""
        if self.breaker is not None:
            self.breaker.record(status == OK, self.env._now)
        if status == OK or a.attempt >= self.retries:
            # A callee's full queue is not the caller's: the caller waited, and its own
            # queue had room. Its answer names where the refusal came from.
            a.done(REJECTED_BELOW if status == REJECTED else status)
            return
        delay = self.backoff * 2 ** a.attempt * (1 - self.jitter * self.coin())
        self.clock.after(delay, self._retry, (a.ctx, a.done, a.attempt + 1))

    def _attempt(self, ctx, done, attempt: int) -> None:
        """One try: the answer races the caller's timeout; the first one counts."""
        self.attempts += 1
        t0 = self.env._now
        sid = self.rec.open_span(ctx.trace_id, ctx.parent, self.caller.name, self.operation, t0) \
            if ctx.sampled else -1
        a = _Attempt(self, ctx, done, attempt, sid)
        self.timeouts.start(a)
        if not (self.cuttable and self.world.faults.is_cut(self.caller.name, self.callee.name, t0)):
            # The request's trip: network, the callee's handling, network back.
            self.world.remote_work += 1   # counted apart: it may outlive the caller's wait
            self.clock.after(self.latency(), self._arrive, (a, ctx.child(sid) if sid >= 0 else ctx))
        # else the request vanishes into the cut: only the timer will answer

    def _arrive(self, args) -> None:
        """The request reached the callee."""
        a, ctx = args
        self.callee.serve(ctx, a.answered)

    def _returned(self, args) -> None:
        """The callee's answer reached the caller — unless the way back is cut."""
        a, status = args
        self.world.remote_work -= 1
        if not (self.cuttable and self.world.faults.is_cut(self.caller.name, self.callee.name, self.env._now)):
            a.settle(status)   # else the answer is lost: the caller times out

    def _timed_out(self, a: "_Attempt") -> None:
        a.settle("timeout")


class _Attempt:
    """One try of a call, from the request's departure to its answer's return.

    The call's :meth:`~Call._arrive` hands the request to the callee,
    :meth:`answered` sends the callee's answer back over the network, and
    the first of :meth:`~Call._returned` and :meth:`~Call._timed_out`
    settles the try.
    """

    __slots__ = ("call", "ctx", "done", "attempt", "sid", "settled")

    def __init__(self, call: Call, ctx, done, attempt: int, sid: int):
        self.call, self.ctx, self.done, self.attempt, self.sid = call, ctx, done, attempt, sid
        self.settled = False

    def answered(self, status) -> None:
        call = self.call
        call.clock.after(call.latency(), call._returned, (self, status))

    def settle(self, status) -> None:
        if self.settled:
            return
        self.settled = True
        call = self.call
        if self.sid >= 0:
            call.rec.close_span(self.sid, call.env._now, status)
        call._answered(self, status)
