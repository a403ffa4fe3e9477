"""Both styles at once: a small pool of worker processes for a panel's runs.

A panel update simulates two architectures that share nothing but their
inputs, so on a machine with two cores they can run side by side. The pool
is started once, in the background, when the first panel is shown (a
worker imports the package before it is needed), and reused by every
panel after. What comes back is the :class:`~vetora_nb.results.Result` as
it was recorded — compact arrays, not DataFrames — so the transfer costs a
millisecond or two.

A run gives the same result wherever it runs: the simulation draws every
random number from its own seeded streams, never from the process. With a
single core, or where processes cannot be started, runs simply go one
after the other in the caller's process (:func:`execute`).

>>> import vetora_nb as vn
>>> from vetora_nb.runs import Run
>>> runs = [Run(vn.scenarios.order_placed(s), vn.Traffic.poisson(50), duration=2) for s in vn.scenarios.STYLES]
>>> [r.summary()["requests"] for r, _ in execute(runs, parallel=False)]
[108, 108]
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import pickle
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

__all__ = ["cores", "start", "execute", "shutdown"]

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_broken = False


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _timed(run):
    t0 = time.process_time()
    result = run.execute()
    return result, time.process_time() - t0


def _quiet() -> None:
    """A worker ignores Ctrl-C: the kernel interrupts (or stops) its own
    process group, and a worker caught mid-run would print a traceback for
    an interruption meant for the cell. The pool stops it instead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm() -> int:
    import vetora_nb  # noqa: F401  - the import is the warm-up
    return os.getpid()


def start():
    """The shared pool, started if need be (``None`` on one core, or if it cannot start).

    Workers are *spawned*, not forked: a kernel has threads of its own, and
    a fork copies them mid-flight.
    """
    global _pool, _broken
    if cores() < 2 or _broken:
        return None
    with _lock:
        if _pool is None:
            try:
                _pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_quiet)
                for _ in range(2):
                    _pool.submit(_warm)
            except Exception:   # no processes here (a sandbox): run in-process instead
                _broken, _pool = True, None
    return _pool


def execute(runs, *, parallel: bool = True) -> list:
    """``[(result, seconds)]`` for each of ``runs`` (:class:`~vetora_nb.runs.Run`
    or :class:`~vetora_nb.runs.Job`), in order; ``seconds`` is the CPU time the run took.

    With ``parallel`` and more than one run, they go to the pool. A run's
    own error (bad input) is raised here, as if it had been made here, and
    the pool stays in use; runs that cannot travel to a worker (a Job that
    holds a lambda) are made here; only a pool that broke is dropped for good.
    """
    global _broken, _pool
    runs = list(runs)
    pool = start() if parallel and len(runs) > 1 and _travels(runs) else None
    if pool is not None:
        try:
            futures = [pool.submit(_timed, run) for run in runs]
            return [f.result() for f in futures]
        except BrokenProcessPool:
            _broken, _pool = True, None
    return [_timed(run) for run in runs]


def _travels(runs) -> bool:
    """Whether every run can be pickled to a worker process."""
    try:
        for run in runs:
            pickle.dumps(run)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def shutdown() -> None:
    """Stop the pool (it starts again on the next :func:`start`)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


atexit.register(shutdown)
