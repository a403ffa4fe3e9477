"""Running one notebook in a fresh kernel, in its :class:`~vetora_nb.coursework.sandbox.Room`.

Every code cell runs in order, errors allowed, under one time limit for the
whole notebook; on timeout the kernel is killed. A watchdog kills the
kernel when the Jupyter protocol itself stalls (a request ipykernel never
picks up, or a reply that never comes although the kernel went idle), a
rare fault that would otherwise look like an endless loop. A runaway cell's
output is capped; the records the grader needs
(:data:`~vetora_nb.exercises.answers.MIME`) are always kept. When the kernel
is gone, :meth:`Room.reap` ends whatever it left behind and waits until
nothing of the run is alive: only then does grading go on.
"""

from __future__ import annotations

import math
import subprocess
import threading
import time
from dataclasses import dataclass

from ..exercises.answers import MIME

__all__ = ["RunResult", "run_notebook", "STALL_AFTER", "MAX_OUTPUTS", "MAX_OUTPUT_CHARS"]

#: Seconds a cell may go unanswered by the kernel protocol itself before the
#: run counts as stalled, the kernel is killed and the notebook run once more.
STALL_AFTER = 20.0
#: An answer cell's output is cut beyond this many outputs / characters.
MAX_OUTPUTS = 100
MAX_OUTPUT_CHARS = 1_000_000
#: At most this many answer records are kept per cell.
MAX_RECORDS = 20


@dataclass
class RunResult:
    """``ran``: indices of the cells that ran; ``stop``: None, 'timeout', 'died' or 'stalled' (at ``index``)."""

    ran: set
    stop: str | None
    index: int | None
    leftovers: int = 0


class _Watch:
    """What the kernel has said about the cell being run."""

    def __init__(self):
        self.index, self.started, self.busy, self.idle_at = None, 0.0, False, None
        self.done, self.stalled = True, False

    def start(self, cell=None, cell_index=None, **_):
        self.index, self.started, self.busy, self.idle_at = cell_index, time.monotonic(), False, None
        self.done = False

    def finish(self, **_):
        self.done = True

    def stalled_now(self, stall_after: float) -> bool:
        if self.done:
            return False
        now = time.monotonic()
        if not self.busy:                       # the request was never picked up
            return now - self.started > stall_after
        return self.idle_at is not None and now - self.idle_at > stall_after   # reply lost


def _client_class():
    from nbclient import NotebookClient

    class GradingClient(NotebookClient):
        """Caps a runaway cell's output (never the grader's records); tells the watch busy / idle."""

        watch: _Watch | None = None

        def process_message(self, msg, cell, cell_index):
            if self.watch is not None and msg.get("msg_type") == "status":
                state = msg.get("content", {}).get("execution_state")
                if state == "busy":
                    self.watch.busy = True
                elif state == "idle":
                    self.watch.idle_at = time.monotonic()
            return super().process_message(msg, cell, cell_index)

        def output(self, outs, msg, display_id, cell_index):
            if MIME in (msg.get("content", {}).get("data") or {}):
                if sum(MIME in o.get("data", {}) for o in outs) >= MAX_RECORDS:
                    return None
            elif msg.get("msg_type") != "error":
                size = sum(len(str(o.get("text", ""))) for o in outs)
                if len(outs) >= MAX_OUTPUTS or size > MAX_OUTPUT_CHARS:
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return GradingClient


def _kill(client) -> None:
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    if process is not None:
        try:
            process.kill()
        except OSError:
            pass


def _close(km) -> None:
    """Wait for the kernel's process and let go of its sockets and files."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is not None:
        try:
            process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - it was killed; the reaper makes sure
            pass
    if getattr(km, "_created_context", False):
        km.context.destroy(linger=0)


def run_notebook(nb, room, env: dict, timeout: float, stall_after: float = STALL_AFTER) -> RunResult:
    """Run every code cell of ``nb`` (in place) in a fresh kernel started in ``room``."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    watch = _Watch()
    km = room.kernel_manager()
    client = _client_class()(
        nb, km=km, allow_errors=True, timeout=max(1, math.ceil(timeout)),
        shutdown_kernel="immediate", record_timing=False, startup_timeout=120,
        resources={"metadata": {"path": str(room.work)}},
        on_cell_execute=watch.start, on_cell_executed=watch.finish,
    )
    client.watch = watch
    client.owns_km = True      # so that nbclient shuts the kernel down (and waits for it) when done
    stop_watching = threading.Event()

    def watchdog():
        while not stop_watching.wait(0.5):
            if watch.stalled_now(stall_after):
                watch.stalled = True
                _kill(client)
                return

    ran: set[int] = set()
    result = None
    strays = 0
    try:
        # The kernel's own stderr only carries its start-up chatter; what the
        # student's code prints reaches the cell outputs through the kernel protocol.
        with client.setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 independent=True):
            room.started(getattr(getattr(km, "provisioner", None), "pid", None))
            thread = threading.Thread(target=watchdog, name="grading-watchdog", daemon=True)
            thread.start()
            deadline = time.monotonic() + timeout
            index = None
            try:
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        result = RunResult(ran, "timeout", index)
                        break
                    client.timeout = max(1, math.ceil(remaining))
                    client.execute_cell(cell, index, execution_count=len(ran) + 1)
                    ran.add(index)
                strays = room.strays()
            except CellTimeoutError:
                result = RunResult(ran, "stalled" if watch.stalled else "timeout", index)
            except DeadKernelError:
                result = RunResult(ran, "stalled" if watch.stalled else "died", index)
            finally:
                stop_watching.set()
                thread.join()
    finally:
        _kill(client)
        _close(km)
        room.reap()
    result = result or RunResult(ran, None, None)
    result.leftovers = strays
    return result
