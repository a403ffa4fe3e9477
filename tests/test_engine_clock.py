"""The engine's clock keeps SimPy's event order exactly, zero delays included.

:class:`~vetora_nb.engine.clock.Clock` runs zero-delay callbacks beside
SimPy's heap instead of on it. These tests hold it to what
``env.timeout(delay).callbacks.append(...)`` would have done: the same
callbacks at the same times in the same order, ties and SimPy's own
processes and ``run(until=...)`` stops included.
"""

import random

import pytest
import simpy

from vetora_nb.engine.clock import Clock, Timeouts


class _TimeoutClock:
    """The reference: every wait is a real SimPy timeout."""

    def __init__(self, env):
        self.env = env

    def after(self, delay, fn, arg=None):
        self.env.timeout(delay).callbacks.append(lambda _: fn(arg))


class _TimeoutTimers:
    """The reference for :class:`Timeouts`: a timeout per timer, doing nothing once settled."""

    def __init__(self, clock, delay, fn):
        self.clock, self.delay, self.fn = clock, delay, fn

    def start(self, arg):
        self.clock.after(self.delay, lambda a: None if a.settled else self.fn(a), arg)


class _Try:
    def __init__(self, name):
        self.name, self.settled = name, False


def _story(make_clock, seed: int, steps=(3, 5, 5.5, 8)):
    """A run dense with ties: callbacks at integer and half times that
    schedule more (often with no delay), a SimPy process doing the same
    from outside the clock's callbacks, and a clock stopped at times where
    events are due. Returns what ran, when, and with which SimPy event id
    next in line (the ids must be spent as timeouts spend them)."""
    env = simpy.Environment()
    clock = make_clock(env)
    rnd = random.Random(seed)
    log = []
    label = iter(range(10**9))

    def agent(name):
        log.append((env.now, name))
        for _ in range(rnd.choice((0, 1, 1, 2, 3))):
            if len(log) < 3000:
                clock.after(rnd.choice((0, 0, 0, 0.5, 1, 2)), agent, next(label))

    def process(env):
        for _ in range(12):
            yield env.timeout(rnd.choice((0, 0.5, 1)))
            log.append((env.now, "process"))
            clock.after(0, agent, next(label))
            if rnd.random() < 0.3:
                env.process(process_child(env))

    def process_child(env):
        yield env.timeout(0)
        log.append((env.now, "child"))
        clock.after(rnd.choice((0, 1)), agent, next(label))

    for _ in range(4):
        clock.after(rnd.choice((0, 1)), agent, next(label))
    env.process(process(env))
    for until in steps:
        env.run(until=until)
        log.append((env.now, "stop", next(env._eid)))
    env.run()
    log.append((env.now, "end", next(env._eid)))
    return log


@pytest.mark.parametrize("seed", range(30))
def test_the_clock_runs_callbacks_in_simpys_order(seed):
    assert _story(Clock, seed) == _story(_TimeoutClock, seed)


def test_a_zero_delay_inside_a_callback_costs_no_simpy_event():
    env = simpy.Environment()
    clock = Clock(env)
    queued = []

    def first(_):
        clock.after(0, second)
        queued.append(len(env._queue))   # nothing was pushed on SimPy's heap

    def second(_):
        queued.append(env.now)

    clock.after(1.0, first)
    env.run()
    assert queued == [0, 1.0]


def test_a_negative_delay_is_refused():
    clock = Clock(simpy.Environment())
    with pytest.raises(ValueError, match="delay"):
        clock.after(-1.0, print)


def test_simpys_internals_the_clock_relies_on_are_there():
    env = simpy.Environment()
    assert env._queue == [] and next(env._eid) == 0 and env._now == 0
    env.timeout(2.0)
    t, priority, eid, event = env._queue[0]
    assert (t, priority, eid) == (2.0, simpy.events.NORMAL, 1)


def _tries(make_clock, make_timers, seed: int):
    """Tries that each start a 1-second timer and are mostly answered
    before it (sometimes at the very instant it is due, sometimes never);
    a timer that fires starts a retry. Returns what happened, when, and what
    ``env.peek()`` said at each stop."""
    env = simpy.Environment()
    clock = make_clock(env)
    rnd = random.Random(seed)
    log = []
    names = iter(range(10**9))

    def timed_out(t):
        log.append((env.now, "timeout", t.name))
        t.settled = True
        if len(log) < 2000:
            begin(None)

    timers = make_timers(clock, 1.0, timed_out)

    def answer(t):
        if not t.settled:
            t.settled = True
            log.append((env.now, "answer", t.name))

    def begin(_):
        t = _Try(next(names))
        answered = rnd.random() < 0.8
        delay = rnd.choice((0, 0.25, 0.5, 1.0, 1.0))   # 1.0: a tie with its timer
        if len(log) >= 1990:   # the last ones are answered in time: their timers go stale
            answered, delay = True, 0.25
        if answered and rnd.random() < 0.5:   # the answer first: it wins the tie
            clock.after(delay, answer, t)
            timers.start(t)
        else:
            timers.start(t)
            if answered:
                clock.after(delay, answer, t)
        if len(log) < 2000:
            clock.after(rnd.choice((0, 0.25, 0.5)), begin)

    clock.after(0, begin)
    for until in (2, 3.5, 7):
        env.run(until=until)
        log.append((env.now, "stop", env.peek(), next(env._eid)))
    env.run()   # to the very last event: the last timer, even one that does nothing
    log.append((env.now, "end", next(env._eid)))
    return log


@pytest.mark.parametrize("seed", range(20))
def test_queued_timeouts_fire_as_a_timeout_per_timer_would(seed):
    assert _tries(Clock, Timeouts, seed) == _tries(_TimeoutClock, _TimeoutTimers, seed)


def test_only_the_first_live_timeout_is_on_the_heap():
    env = simpy.Environment()
    clock = Clock(env)
    timers = Timeouts(clock, 5.0, print)
    tries = [_Try(i) for i in range(100)]
    for t in tries:
        timers.start(t)
    assert len(env._queue) == 1
