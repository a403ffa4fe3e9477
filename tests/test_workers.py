"""The worker pool a panel's runs go to: how its processes come and go.

A Jupyter kernel that stops (Restart, Shut Down, the end of a headless Run
All) signals every child in its process group and waits for them to leave
before it exits. So the pool must leave no child there, its workers must
leave by themselves when the process that started them is gone (however
it went), and an exchange broken off half-way must not leave an answer in
a pipe for the next update to take as its own.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

import vetora_nb as vn
from vetora_nb import workers
from vetora_nb.runs import Run

pytestmark = pytest.mark.skipif(workers.cores() < 2, reason="one core: there is no pool")


def _runs(rate=60, duration=1.0):
    return [Run(vn.scenarios.order_placed(style), vn.Traffic.poisson(rate), duration=duration)
            for style in vn.scenarios.STYLES]


def _in_workers(runs):
    """``runs`` made by the pool (warmed first: until then runs are made here)."""
    assert workers.warmed() is not None, "the pool did not start"
    before = workers.made()
    answers = workers.execute(runs)
    assert workers.made() == before + len(runs), "the runs were not made in the workers"
    return answers


def _same(made, expected):
    return all(a.requests.equals(b.requests) and a.events.equals(b.events)
               for (a, _), (b, _) in zip(made, expected))


def _gone(pids, within=20.0):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_the_pool_leaves_no_child_in_the_callers_process_group():
    """What a stopping kernel waits for: children in its own process group
    (multiprocessing's resource tracker, which ignores SIGTERM, made every
    stop wait until the kernel was killed). Checked in a fresh process, as a
    kernel starts: this one has children of other tests."""
    script = textwrap.dedent("""
        import os, psutil, vetora_nb as vn
        from vetora_nb import workers
        from vetora_nb.runs import Run
        assert workers.warmed() is not None, "the pool did not start"
        runs = [Run(vn.scenarios.order_placed(s), vn.Traffic.poisson(60), duration=1) for s in vn.scenarios.STYLES]
        workers.execute(runs)
        assert workers.made() == 2, "the runs were not made in the workers"
        group = os.getpgrp()
        for child in psutil.Process().children(recursive=True):
            if os.getpgid(child.pid) == group:
                print(child.cmdline())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", f"children the kernel would have to stop: {done.stdout}"


def test_workers_leave_when_the_process_that_started_them_is_killed():
    script = textwrap.dedent("""
        import sys, time, vetora_nb as vn
        from vetora_nb import workers
        from vetora_nb.runs import Run
        runs = [Run(vn.scenarios.order_placed(s), vn.Traffic.poisson(60), duration=1) for s in vn.scenarios.STYLES]
        workers.warmed()
        workers.execute(runs)
        print(*workers.pids(), flush=True)
        time.sleep(600)
    """)
    caller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in caller.stdout.readline().split()]
        assert len(pids) == workers.WORKERS
        assert all(psutil.pid_exists(p) for p in pids)
    finally:
        caller.send_signal(signal.SIGKILL)
        caller.wait()
    assert _gone(pids), f"workers {pids} outlived the process that started them"


def test_after_a_runs_error_the_next_update_gets_its_own_answers():
    """The run beside the failing one is still under way when the error comes
    back; its answer must be taken then, not by the next exchange."""
    slow, bad = _runs(rate=250, duration=20)[0], Run(vn.scenarios.order_placed("event_driven"),
                                                      vn.Traffic.poisson(50), duration=1,
                                                      options={"max_requests": "many"})
    with pytest.raises(TypeError, match="max_requests"):
        _in_workers([slow, bad])
    runs = _runs(rate=90)
    assert _same(_in_workers(runs), workers.execute(runs, parallel=False))


def test_more_runs_than_workers_come_back_in_order():
    """The first run is long, so the others come back before it."""
    runs = [Run(vn.scenarios.order_placed(style), vn.Traffic.poisson(rate), duration=duration)
            for rate, duration in ((250, 20), (40, 1), (70, 1)) for style in vn.scenarios.STYLES]
    assert _same(_in_workers(runs), workers.execute(runs, parallel=False))
    assert workers.start() is not None, "the pool gave up (an answer out of turn?)"


def test_an_interrupted_exchange_stops_its_workers_and_the_next_starts_new_ones(monkeypatch):
    _in_workers(_runs())
    before = workers.pids()
    receive = workers._Worker.receive

    def interrupted(self):
        monkeypatch.setattr(workers._Worker, "receive", receive)
        raise KeyboardInterrupt
    monkeypatch.setattr(workers._Worker, "receive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        workers.execute(_runs())
    assert _gone(before, within=5), "the interrupted workers were left running"
    runs = _runs(rate=80)
    assert _same(_in_workers(runs), workers.execute(runs, parallel=False))
    assert workers.pids() and not set(workers.pids()) & set(before)


def test_runs_that_come_while_the_workers_start_are_made_here():
    """A panel's first picture does not wait a second for the workers' start."""
    workers.shutdown()
    before = workers.made()
    runs = _runs()
    assert _same(workers.execute(runs), workers.execute(runs, parallel=False))
    assert workers.made() == before, "the first runs waited for the workers to start"
    assert workers.pids(), "the workers were not started for the next update"
    assert _same(_in_workers(runs), workers.execute(runs, parallel=False))


def test_the_environment_can_turn_the_pool_off(monkeypatch):
    """The grader does, so that a graded notebook's panels start no processes."""
    workers.shutdown()
    monkeypatch.setenv(workers.SWITCH, "0")
    assert workers.start() is None
    runs = _runs()
    assert _same(workers.execute(runs), workers.execute(runs, parallel=False))
    assert workers.pids() == []
