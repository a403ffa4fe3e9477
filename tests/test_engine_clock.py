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

from vetora_nb.engine.clock import Clock


class _TimeoutClock:
    """The reference: every wait is a real SimPy timeout."""

    def __init__(self, env):
        self.env = env

    def after(self, delay, fn, arg=None):
        self.env.timeout(delay).callbacks.append(lambda _: fn(arg))


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
