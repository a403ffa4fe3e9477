"""The run's clock: SimPy's event queue, with cheap timed callbacks on it.

The engine runs by callbacks (see :mod:`~vetora_nb.engine.services`): each
step of a request or of a consumer schedules the next one "in ``delay``
seconds" and SimPy's event loop calls it then. :meth:`Clock.after` is that
one operation, and it is the engine's only way to wait:

>>> import simpy
>>> env = simpy.Environment()
>>> clock = Clock(env)
>>> seen = []
>>> clock.after(2.0, seen.append, "two")
>>> clock.after(1.0, seen.append, "one")
>>> env.run()
>>> seen, env.now
(['one', 'two'], 2.0)

It keeps SimPy's semantics exactly — an entry ``(time, priority, id, event)``
in ``env._queue``, ids from ``env._eid``, so it interleaves with SimPy's own
timeouts and processes in the order they would have had — but costs a
quarter of a ``env.timeout(delay).callbacks.append(fn)``: the event is a
slotted object with what SimPy's ``step`` reads of an event (``callbacks``
and ``_ok``), no more.

**Zero delays cost no event at all.** A step that follows another at once
(a producer with no service time, a broker with no latency, a consumer
woken by an event already visible) would be a ``timeout(0)``: an event
pushed on the heap and popped at once. Inside a callback of this clock,
:meth:`after` with ``delay == 0`` instead takes the next event id — the one
that timeout would have had — and puts the callback on a FIFO beside the
heap. When the callback that is running returns, the FIFO is emptied, each
entry called in turn while its key ``(now, NORMAL, id)`` is the smallest of
all (entries added meanwhile go to the back, as later ids do); if something
in SimPy's queue comes first (an urgent event, a tie scheduled earlier, the
``until`` of ``env.run``), the rest of the FIFO is handed to the heap with
the keys it had. So every callback runs at the same time, in the same order,
as with timeouts — the event sequence of a run does not change, only its
cost.

SimPy's internals relied on here: ``env._queue`` (the heap), ``env._eid``
(the id counter) and ``env._now``; ``tests/test_engine_clock.py`` holds
them to SimPy's behaviour.
"""

from __future__ import annotations

from collections import deque
from heapq import heappush

from simpy.events import NORMAL

__all__ = ["Clock", "Timeouts"]


class _Tick:
    """A SimPy event with one callback, ``fn(arg)``, through :meth:`Clock._fire`."""

    __slots__ = ("callbacks", "fn", "arg")
    _ok = True   # what SimPy's step checks after the callbacks: never failed


class Clock:
    """Timed callbacks on a SimPy environment; see the module docstring."""

    __slots__ = ("env", "_queue", "_eid", "_soon", "_firing", "_fires")

    def __init__(self, env):
        self.env = env
        self._queue = env._queue
        self._eid = env._eid
        self._soon = deque()    # (id, fn, arg) due now, in id order
        self._firing = False    # inside one of this clock's callbacks
        self._fires = (self._fire,)

    def after(self, delay: float, fn, arg=None) -> None:
        """Call ``fn(arg)`` in ``delay`` simulated seconds (``delay >= 0``)."""
        if delay == 0 and self._firing:
            self._soon.append((next(self._eid), fn, arg))
            return
        if delay < 0:
            raise ValueError(f"delay must be >= 0, got {delay}")
        tick = _Tick()
        tick.callbacks, tick.fn, tick.arg = self._fires, fn, arg
        # The same key env.schedule(tick, NORMAL, delay) would give it.
        heappush(self._queue, (self.env._now + delay, NORMAL, next(self._eid), tick))

    def _fire(self, tick) -> None:
        self._firing = True
        try:
            tick.fn(tick.arg)
            soon = self._soon
            if soon:
                queue, now = self._queue, self.env._now
                while soon:
                    eid, fn, arg = soon[0]
                    if queue and queue[0][0] <= now:   # a SimPy event due now too: which comes first?
                        _, priority, first, _ = queue[0]
                        if priority < NORMAL or (priority == NORMAL and first < eid):
                            self._hand_over()
                            return
                    soon.popleft()
                    fn(arg)
        finally:
            self._firing = False

    def _hand_over(self) -> None:
        """Put the zero-delay callbacks still due on SimPy's heap, keys unchanged."""
        now, queue = self.env._now, self._queue
        for eid, fn, arg in self._soon:
            tick = _Tick()
            tick.callbacks, tick.fn, tick.arg = self._fires, fn, arg
            heappush(queue, (now, NORMAL, eid, tick))
        self._soon.clear()


class Timeouts:
    """Timers of one fixed ``delay`` that nearly always come too late.

    A call edge starts a timeout with every try, and nearly every try is
    answered long before it: with a timer per try, SimPy's heap would hold
    hundreds of timers that wake up to do nothing. Here each timer is only
    *reserved* — its key ``(now + delay, NORMAL, id)`` taken as a timeout
    would take it — and queued in order (the same delay, so due times come
    in the order the timers start). Only the first one still pending is on
    the heap; when it fires, timers whose ``arg.settled`` says they have
    nothing left to do are passed over, and the next live one goes on the
    heap with the key it reserved. A timer reaches ``fn(arg)`` at exactly
    the time and in exactly the place among other events that its own
    timeout would have had, and one that would have done nothing costs
    nothing. (The last timer queued is always put on the heap, live or
    not, so the heap is never empty earlier than with a timeout per try:
    ``env.peek()`` is the same.)

    >>> import simpy
    >>> class Try:
    ...     settled = False
    >>> env = simpy.Environment(); clock = Clock(env); fired = []
    >>> timeouts = Timeouts(clock, 1.0, fired.append)
    >>> tries = [Try(), Try(), Try()]
    >>> for t in tries:
    ...     timeouts.start(t)
    >>> tries[0].settled = tries[1].settled = True   # answered in time
    >>> env.run()
    >>> fired == [tries[2]], env.now
    (True, 1.0)
    """

    def __init__(self, clock: Clock, delay: float, fn):
        self.clock, self.delay, self.fn = clock, delay, fn
        self.pending = deque()   # (due, id, arg), in key order
        self.armed = False       # a tick for pending[0] is on the heap
        self._fired = self._fired   # bound once (shadowing the method): every arming hands it to a tick

    def start(self, arg) -> None:
        """Call ``fn(arg)`` in ``delay`` seconds, unless ``arg.settled`` by then."""
        clock = self.clock
        entry = (clock.env._now + self.delay, next(clock._eid), arg)
        self.pending.append(entry)
        if not self.armed:
            self._arm(entry)

    def _arm(self, entry) -> None:
        due, eid, _ = entry
        tick = _Tick()
        tick.callbacks, tick.fn, tick.arg = self.clock._fires, self._fired, None
        heappush(self.clock._queue, (due, NORMAL, eid, tick))
        self.armed = True

    def _fired(self, _) -> None:
        pending = self.pending
        arg = pending.popleft()[2]
        if not arg.settled:
            self.fn(arg)   # timers started meanwhile only queue: ``armed`` is still set
        while pending:
            if not pending[0][2].settled or len(pending) == 1:
                self._arm(pending[0])
                return
            pending.popleft()   # it would do nothing: no event for it
        self.armed = False
