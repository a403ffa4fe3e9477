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
after the other in the caller's process (:func:`execute`); so they do where
the environment says ``VETORA_NB_WORKERS=0`` (the grader does: a graded
notebook runs its panels without a pool, and the pool's processes are not
taken for the student's).

Each worker is a plain child process in a session of its own, reading
pickled runs from a pipe and writing pickled results back. Not a
:class:`concurrent.futures.ProcessPoolExecutor`: its queues need
:mod:`multiprocessing`'s resource tracker, a child that ignores SIGTERM,
and a Jupyter kernel stopping (Restart, Shut Down, the end of a headless
Run All) signals every child in its process group and waits for them to
go, so each stop waited about 2.5 s until the kernel was killed. Workers
in their own session are not the kernel's to signal; they go when their
pipe closes, which happens however the kernel ends (even killed), and
they are not hit by the kernel's Ctrl-C meant for a cell.

>>> import vetora_nb as vn
>>> from vetora_nb.runs import Run
>>> runs = [Run(vn.scenarios.order_placed(s), vn.Traffic.poisson(50), duration=2) for s in vn.scenarios.STYLES]
>>> [r.summary()["requests"] for r, _ in execute(runs, parallel=False)]
[108, 108]
"""

from __future__ import annotations

import atexit
import os
import pickle
import selectors
import subprocess
import sys
import threading
import time

__all__ = ["cores", "start", "warmed", "execute", "shutdown", "pids", "made"]

WORKERS = 2
#: The environment variable that turns the pool off (``0``).
SWITCH = "VETORA_NB_WORKERS"
_lock = threading.Lock()     # one exchange with the workers at a time
_pool: _Pool | None = None
_broken = False
_made = 0                    # runs the workers have made, for tests and benchmarks


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


#: What a worker says once it has imported the package and can take runs.
READY = (-1, True, None)


class PoolBroken(RuntimeError):
    """A worker died or spoke out of turn: the pool is given up, runs are made here."""


class _Worker:
    """One worker process and its two pipe ends (runs in, results out)."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from vetora_nb.workers import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
        self.jobs, self.results = self.process.stdin, self.process.stdout
        self.ready = False

    def warm(self) -> bool:
        """Whether it has said it is ready (without waiting for it)."""
        if not self.ready:
            with selectors.DefaultSelector() as waiting:
                waiting.register(self.results, selectors.EVENT_READ)
                if waiting.select(timeout=0):
                    if self.receive() != READY:
                        raise PoolBroken(f"worker {self.process.pid} spoke before it was ready")
                    self.ready = True
        return self.ready

    def send(self, index: int, run) -> None:
        try:
            self.jobs.write(pickle.dumps((index, run), protocol=pickle.HIGHEST_PROTOCOL))
            self.jobs.flush()
        except OSError as exc:      # a broken pipe: the worker is gone
            raise PoolBroken(f"worker {self.process.pid} is gone") from exc

    def receive(self):
        try:
            return pickle.load(self.results)
        except Exception as exc:    # died mid-answer, or garbled: what is in the pipe is unknown
            raise PoolBroken(f"worker {self.process.pid} stopped answering") from exc

    def stop(self) -> None:
        """Close its pipe (it leaves when it sees that) and stop it if it is mid-run."""
        for end in (self.jobs, self.results):
            try:
                end.close()
            except OSError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class _Pool:
    """The workers, started together (each imports the package as it starts)."""

    def __init__(self, size: int):
        self.workers = []
        try:
            for _ in range(size):
                self.workers.append(_Worker())
        except OSError:
            self.stop()
            raise

    def warm(self) -> bool:
        """Whether every worker is ready: until then a panel makes its runs itself
        rather than wait for the workers' start (a second or so)."""
        return all([worker.warm() for worker in self.workers])

    def map(self, runs: list) -> list:
        """``[(result, seconds)]`` for ``runs``, in order, each worker given one run at a time
        (so neither side can block writing while the other writes too).

        A run's own error is raised once every run under way has answered, so
        no answer is left in a pipe to be taken for the next update's.
        """
        answers, error = [None] * len(runs), None
        todo = list(enumerate(runs))[::-1]
        waiting = selectors.DefaultSelector()
        try:
            for worker in self.workers:
                if todo:
                    worker.send(*todo.pop())
                    waiting.register(worker.results, selectors.EVENT_READ, worker)
            while waiting.get_map():
                for key, _ in waiting.select():
                    worker = key.data
                    index, ok, payload = worker.receive()
                    if not 0 <= index < len(runs) or answers[index] is not None:
                        raise PoolBroken(f"worker {worker.process.pid} answered run {index} out of turn")
                    answers[index] = payload
                    if not ok and error is None:
                        error, todo = payload, []
                    if todo:
                        worker.send(*todo.pop())
                    else:
                        waiting.unregister(worker.results)
        finally:
            waiting.close()
        if error is not None:
            raise error
        return answers

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def serve() -> None:
    """A worker's life: read a run, make it, write back ``(index, ok, result or error)``, until the pipe closes.

    The protocol owns stdin and stdout; anything the run prints goes to stderr.
    """
    jobs, results = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    import vetora_nb  # noqa: F401  - warm up before the first run arrives
    results.write(pickle.dumps(READY))
    results.flush()
    while True:
        try:
            index, run = pickle.load(jobs)
        except EOFError:
            return
        try:
            answer = (index, True, _timed(run))
        except Exception as exc:      # the run's own error (bad input): raised again in the caller
            answer = (index, False, exc)
        try:
            data = _travelling(answer)
            results.write(data)
            results.flush()
        except BrokenPipeError:       # the caller is gone
            return


def _travelling(answer) -> bytes:
    """``answer`` pickled; an error that cannot travel whole (or come apart
    again at the other end) travels as its type's name and message."""
    index, ok, payload = answer
    if ok:
        return pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)
        return data
    except Exception:
        return pickle.dumps((index, False, RuntimeError(f"{type(payload).__name__}: {payload}")))


def start():
    """The shared pool, started if need be (``None`` on one core, or if it cannot start)."""
    global _pool, _broken
    if cores() < 2 or _broken or os.environ.get(SWITCH, "").strip() == "0":
        return None
    with _lock:
        if _pool is None:
            try:
                _pool = _Pool(WORKERS)
            except OSError:   # no processes here (a sandbox): run in-process instead
                _broken, _pool = True, None
    return _pool


def _give_up(pool) -> None:
    """A pool that broke is dropped for good: runs are made here from now on."""
    global _broken, _pool
    _broken, _pool = True, None
    pool.stop()


def warmed(timeout: float = 30.0):
    """The pool once every worker is ready to take runs (``None`` if there is
    none, or it is not ready within ``timeout`` seconds)."""
    pool = start()
    deadline = time.monotonic() + timeout
    while pool is not None and _pool is pool and time.monotonic() < deadline:
        with _lock:
            try:
                if pool.warm():
                    return pool
            except PoolBroken:
                _give_up(pool)
                return None
        time.sleep(0.02)
    return None


def made() -> int:
    """How many runs the workers have made in this process so far."""
    return _made


def execute(runs, *, parallel: bool = True) -> list:
    """``[(result, seconds)]`` for each of ``runs`` (:class:`~vetora_nb.runs.Run`
    or :class:`~vetora_nb.runs.Job`), in order; ``seconds`` is the CPU time the run took.

    With ``parallel`` and more than one run, they go to the pool. A run's
    own error (bad input) is raised here, as if it had been made here, and
    the pool stays in use; runs that cannot travel to a worker (a Job that
    holds a lambda) are made here, and so are runs that come while the
    workers are still starting; only a pool that broke is dropped for good.
    An interruption (Ctrl-C) while the workers run stops them; the next
    update starts new ones.
    """
    global _pool, _made
    runs = list(runs)
    pool = start() if parallel and len(runs) > 1 and _travels(runs) else None
    if pool is not None:
        with _lock:
            if _pool is pool:
                try:
                    if pool.warm():
                        answers = pool.map(runs)
                        _made += len(runs)
                        return answers
                except PoolBroken:
                    _give_up(pool)
                except Exception:       # a run's own error: every answer is in, the pool is fine
                    raise
                except BaseException:   # interrupted mid-exchange: what is left in the pipes is unknown
                    _pool = None
                    pool.stop()
                    raise
    return [_timed(run) for run in runs]


def _travels(runs) -> bool:
    """Whether every run can be pickled to a worker process."""
    try:
        for run in runs:
            pickle.dumps(run)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def pids() -> list[int]:
    """The worker processes' ids (none before :func:`start`), e.g. to read their CPU time."""
    pool = _pool
    return [w.process.pid for w in pool.workers] if pool else []


def shutdown() -> None:
    """Stop the pool (it starts again on the next :func:`start`)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.stop()
            _pool = None


atexit.register(shutdown)
