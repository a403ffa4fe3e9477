"""Autograding: rebuild each submission from the instructor source, run it, score it.

A student's notebook is never run as handed in. The graded notebook is the
*instructor source* with only the answer cells (``"solution": true``) taken
from the submission, matched by ``grade_id``. Test cells, their hidden tests,
parameters and prose always come from the source, so editing or deleting a
locked cell changes nothing but a note in the feedback.

The graded notebook runs in a fresh kernel, in the source notebook's folder,
with ``VETORA_STUDENT_ID`` and ``VETORA_COURSE_SEED`` set (so
``ex.variant(...)`` gives this student's parameters), errors allowed, under
one time limit for the whole notebook; on timeout the kernel is killed.
Each graded test cell then scores its points if it ran without an error, 0
otherwise, with the error's last line as feedback. Answers marked by hand
(``grade`` and ``solution``) score 0 if left as the stub, otherwise they are
left blank for the instructor.

Damaged submissions are graded, never fatal; each case has one message
(the templates below, quoted in ``docs/instructors.md``).
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import cells as C
from .student import student_notebook

__all__ = ["Question", "NotebookGrade", "Assignment", "grade_notebook", "MESSAGES"]

#: Every message the grader writes, by case.
MESSAGES = {
    "passed": "passed",
    "missing_answer": "answer cell {gid} missing: 0 points",
    "duplicate": "grade_id {gid} appears {n} times in the submission: the first copy was graded",
    "locked_changed": "locked cell {gid} was changed in the submission: the original was used",
    "locked_deleted": "locked cell {gid} was deleted from the submission: the original was used",
    "type_changed": "answer cell {gid} was turned into a {got} cell: it was graded as {want}",
    "unknown_cell": "cell with grade_id {gid} is not part of this notebook: ignored",
    "invalid": "not a valid notebook ({reason}): 0 points",
    "not_submitted": "notebook not submitted: 0 points",
    "timeout": "notebook timed out after {seconds} s (in {where}): the kernel was stopped",
    "not_run_timeout": "not run: notebook timed out after {seconds} s: 0 points",
    "kernel_died": "the kernel died while running {where}",
    "rerun": "the kernel stopped answering in {where} (a Jupyter fault): the notebook was run again",
    "stalled": "the kernel stopped answering in {where}, twice: the kernel was stopped",
    "not_run_stalled": "not run: the kernel stopped answering in {where}: 0 points",
    "not_run_died": "not run: the kernel died while running {where}: 0 points",
    "not_answered": "not answered: 0 points",
    "not_answered_stub": "not answered: {gid} still raises NotImplementedError: 0 points",
    "answer_failed": "{error} (raised by the answer cell {gid})",
    "manual": "to be marked by hand",
    "grader_error": "could not be graded ({reason}): grade it again",
}

#: An answer cell's output is cut beyond this many outputs / characters.
MAX_OUTPUTS = 100
MAX_OUTPUT_CHARS = 1_000_000

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Question:
    """One graded cell's result. ``points`` is None when marked by hand."""

    grade_id: str
    points: float | None
    max_points: float
    message: str
    manual: bool = False
    answer_text: str = ""


@dataclass
class NotebookGrade:
    student: str
    notebook: str
    questions: list[Question] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    grader_error: bool = False

    @property
    def points(self) -> float:
        return sum(q.points or 0 for q in self.questions)

    @property
    def max_points(self) -> float:
        return sum(q.max_points for q in self.questions)

    @property
    def pending(self) -> float:
        """Points still to be marked by hand."""
        return sum(q.max_points for q in self.questions if q.points is None)


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"


class Assignment:
    """What one instructor notebook grades: its answer cells and graded cells."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.nb = nbformat.read(self.path, as_version=4)
        self.student = student_notebook(self.nb, self.path.name)  # validates the source too
        self.answers: dict[str, int] = {}
        self.locked: dict[str, int] = {}
        self.graded: list[tuple[str, int]] = []
        for index, cell in enumerate(self.nb.cells):
            gid = C.grade_id(cell)
            if C.is_solution(cell):
                self.answers[gid] = index
            elif C.is_locked(cell) and gid:
                self.locked[gid] = index
            if C.is_grade(cell):
                self.graded.append((gid, index))
        self.answer_of = {gid: self._answer_for(gid, index) for gid, index in self.graded}

    def _answer_for(self, gid: str, index: int) -> str | None:
        """The answer cell a graded cell depends on: itself, its namesake, or the one before."""
        if gid in self.answers:
            return gid
        for answer, answer_index in self.answers.items():
            if C.test_for_answer(answer) == gid:
                return answer
        before = [a for a, i in self.answers.items() if i < index]
        return max(before, key=self.answers.get) if before else None

    def blank(self, student: str, message: str, *, grader_error: bool = False) -> NotebookGrade:
        """Every graded cell at 0 points with the same message."""
        grade = NotebookGrade(student, self.path.name, grader_error=grader_error)
        for gid, index in self.graded:
            grade.questions.append(Question(gid, 0.0, C.points(self.nb.cells[index]), message,
                                            manual=C.is_solution(self.nb.cells[index])))
        return grade


# -- reading a submission -----------------------------------------------------------

def _read_submission(path: Path):
    """``(notebook, None)`` or ``(None, reason)`` for a file that is no notebook."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except OSError as err:
        return None, f"unreadable: {err.strerror or err}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"invalid JSON: {err.msg} at line {err.lineno}"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "no list of cells"
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as err:
        return None, f"unsupported notebook format: {err}"
    if not all(isinstance(cell, dict) for cell in nb.get("cells", [])):
        return None, "a cell is not an object"
    return nb, None


# -- running ------------------------------------------------------------------------

#: Seconds a cell may go unanswered by the kernel protocol itself (its request
#: never picked up, or picked up and finished without a reply) before the run
#: is counted as stalled, the kernel killed and the notebook run once more.
STALL_AFTER = 20.0


class _Watch:
    """What the kernel has said about the cell being run (see ``_run``)."""

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
        """Caps a runaway cell's output; tells the watch when the kernel goes busy / idle."""

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
            if msg.get("msg_type") != "error":
                size = sum(len(str(o.get("text", ""))) for o in outs)
                if len(outs) >= MAX_OUTPUTS or size > MAX_OUTPUT_CHARS:
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return GradingClient


def kernel_env(student: str, course_seed: int) -> dict[str, str]:
    env = dict(os.environ)
    env["VETORA_STUDENT_ID"] = student
    env["VETORA_COURSE_SEED"] = str(course_seed)
    return env


def _kill(client) -> None:
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    if process is not None:
        try:
            process.kill()
        except OSError:
            pass


def _run(nb, cwd: Path, env: dict, timeout: float, stall_after: float = STALL_AFTER):
    """Run every code cell in a fresh kernel.

    Returns ``(indices that ran, stop, index)``: ``stop`` is None when every
    cell ran, else ``'timeout'``, ``'died'`` or ``'stalled'`` with the index
    of the cell it happened in. A watchdog thread kills the kernel when the
    protocol stalls (a request ipykernel never picks up, or a reply that
    never comes although the kernel went idle): a rare Jupyter fault, not the
    student's code, which without it would look like an endless loop.
    """
    import threading

    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    watch = _Watch()
    client = _client_class()(
        nb, kernel_name="python3", allow_errors=True, timeout=max(1, math.ceil(timeout)),
        shutdown_kernel="immediate", record_timing=False, startup_timeout=120,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_execute=watch.start, on_cell_executed=watch.finish,
    )
    client.watch = watch
    stop_watching = threading.Event()

    def watchdog():
        while not stop_watching.wait(0.5):
            if watch.stalled_now(stall_after):
                watch.stalled = True
                _kill(client)
                return

    ran: set[int] = set()
    index = None
    # The kernel's own stderr only carries its start-up chatter; what the
    # student's code prints reaches the cell outputs through the kernel protocol.
    with client.setup_kernel(env=env, stderr=subprocess.DEVNULL):
        thread = threading.Thread(target=watchdog, name="grading-watchdog", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        try:
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return ran, "timeout", index
                client.timeout = max(1, math.ceil(remaining))
                client.execute_cell(cell, index, execution_count=len(ran) + 1)
                ran.add(index)
        except CellTimeoutError:
            return ran, "stalled" if watch.stalled else "timeout", index
        except DeadKernelError:
            return ran, "stalled" if watch.stalled else "died", index
        finally:
            stop_watching.set()
            thread.join()
    return ran, None, None


def _error_line(cell) -> str | None:
    """The last line of the cell's first error, or None if it ran cleanly."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename, evalue = out.get("ename", "Error"), _ANSI.sub("", str(out.get("evalue", "")))
            lines = [line.strip() for line in evalue.splitlines() if line.strip()]
            line = f"{ename}: {lines[-1]}" if lines else ename
            return line if len(line) <= 300 else line[:297] + "..."
    return None


def _raises_stub(cell) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == "NotImplementedError"
               for o in cell.get("outputs", []))


# -- grading one notebook -------------------------------------------------------------

def grade_notebook(source: Path | str | Assignment, submission: Path | str | None, student: str, *,
                   course_seed: int = 0, timeout: float = 300,
                   graded_path: Path | str | None = None,
                   stall_after: float = STALL_AFTER) -> NotebookGrade:
    """Grade one student's notebook against its instructor source. Never raises."""
    started = time.monotonic()
    try:
        assignment = source if isinstance(source, Assignment) else Assignment(source)
    except Exception as err:  # the source itself is broken: the instructor's problem
        grade = NotebookGrade(student, Path(str(source)).name, grader_error=True,
                              notes=[MESSAGES["grader_error"].format(reason=f"source: {err}")])
        return grade
    try:
        grade = _grade(assignment, submission, student, course_seed, timeout, graded_path,
                       stall_after)
    except Exception as err:
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        grade = assignment.blank(student, MESSAGES["grader_error"].format(reason=detail),
                                 grader_error=True)
    grade.seconds = time.monotonic() - started
    return grade


def _where(nb, index) -> str:
    """A cell named for the feedback: its grade_id, else its position."""
    if index is None:
        return "start-up"
    return C.grade_id(nb.cells[index]) or f"cell {index}"


def _grade(assignment: Assignment, submission, student, course_seed, timeout, graded_path,
           stall_after=STALL_AFTER):
    if submission is None:
        return assignment.blank(student, MESSAGES["not_submitted"])
    sub, reason = _read_submission(Path(submission))
    if sub is None:
        grade = assignment.blank(student, MESSAGES["invalid"].format(reason=reason))
        grade.notes.append(MESSAGES["invalid"].format(reason=reason))
        return grade

    grade = NotebookGrade(student, assignment.path.name)
    notes_for: dict[str, list[str]] = {}   # grade_id -> notes shown with its question

    questions = {gid for gid, _ in assignment.graded}

    def note(message: str, *gids: str | None) -> None:
        """Show ``message`` with the questions it concerns, or for the notebook."""
        targets = [gid for gid in gids if gid in questions]
        for gid in targets:
            notes_for.setdefault(gid, []).append(message)
        if not targets:
            grade.notes.append(message)

    by_id: dict[str, list] = {}
    for cell in sub.cells:
        gid = C.grade_id(cell)
        if gid:
            by_id.setdefault(gid, []).append(cell)
    known = set(assignment.answers) | set(assignment.locked) | {g for g, _ in assignment.graded}
    for gid in by_id:
        if gid not in known:
            note(MESSAGES["unknown_cell"].format(gid=gid))

    graded_nb = copy.deepcopy(assignment.nb)
    graded_nb.metadata.pop("widgets", None)
    missing: set[str] = set()
    for index, cell in enumerate(graded_nb.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        gid = C.grade_id(cell)
        copies = by_id.get(gid, []) if gid else []
        tests_of = [g for g, a in assignment.answer_of.items() if a == gid]
        if len(copies) > 1:
            note(MESSAGES["duplicate"].format(gid=gid, n=len(copies)), gid, *tests_of)
        if C.is_solution(cell):
            if not copies:
                missing.add(gid)
                cell.source = assignment.student.cells[index].source
                if not tests_of and gid not in questions:   # no question says so already
                    note(MESSAGES["missing_answer"].format(gid=gid))
                continue
            chosen = copies[0]
            if chosen.get("cell_type") != cell.cell_type:
                note(MESSAGES["type_changed"].format(gid=gid, got=chosen.get("cell_type"),
                                                     want=cell.cell_type), gid, *tests_of)
            cell.source = C.text_of(chosen)
        elif gid and C.is_locked(cell):
            # as handed out, or as in the source (hidden tests and all): both unchanged
            expected = {C.normalise(assignment.student.cells[index].source), C.normalise(cell.source)}
            if not copies:
                note(MESSAGES["locked_deleted"].format(gid=gid), gid)
            elif C.normalise(C.text_of(copies[0])) not in expected:
                note(MESSAGES["locked_changed"].format(gid=gid), gid)

    ran, stop, stop_index = set(), None, None
    if any(cell.cell_type == "code" and cell.source.strip() for cell in graded_nb.cells):
        for attempt in (1, 2):   # a stalled kernel protocol gets one more run
            run_nb = copy.deepcopy(graded_nb)
            ran, stop, stop_index = _run(run_nb, assignment.path.parent,
                                         kernel_env(student, course_seed), timeout, stall_after)
            if stop != "stalled" or attempt == 2:
                break
            grade.notes.append(MESSAGES["rerun"].format(where=_where(run_nb, stop_index)))
        graded_nb = run_nb
    if stop:
        where = _where(graded_nb, stop_index)
        if stop == "timeout":
            grade.notes.append(MESSAGES["timeout"].format(seconds=_fmt(timeout), where=where))
            not_run = MESSAGES["not_run_timeout"].format(seconds=_fmt(timeout))
        elif stop == "stalled":
            grade.notes.append(MESSAGES["stalled"].format(where=where))
            not_run = MESSAGES["not_run_stalled"].format(where=where)
        else:
            grade.notes.append(MESSAGES["kernel_died"].format(where=where))
            not_run = MESSAGES["not_run_died"].format(where=where)

    for gid, index in assignment.graded:
        cell = graded_nb.cells[index]
        max_points = C.points(cell)
        answer = assignment.answer_of.get(gid)
        extra = notes_for.get(gid, [])
        if C.is_solution(cell):   # marked by hand
            if gid in missing:
                q = Question(gid, 0.0, max_points, MESSAGES["missing_answer"].format(gid=gid), manual=True)
            elif C.normalise(cell.source) == C.normalise(assignment.student.cells[index].source):
                q = Question(gid, 0.0, max_points, MESSAGES["not_answered"], manual=True)
            else:
                q = Question(gid, None, max_points, MESSAGES["manual"], manual=True,
                             answer_text=cell.source)
        elif answer in missing:
            q = Question(gid, 0.0, max_points, MESSAGES["missing_answer"].format(gid=answer))
        elif cell.cell_type == "code" and index not in ran and stop:
            q = Question(gid, 0.0, max_points, not_run)
        else:
            error = _error_line(cell) if cell.cell_type == "code" else None
            if error is None:
                q = Question(gid, max_points, max_points, MESSAGES["passed"])
            else:
                answer_cell = graded_nb.cells[assignment.answers[answer]] if answer else None
                answer_error = _error_line(answer_cell) if answer_cell is not None else None
                if answer_cell is not None and _raises_stub(answer_cell) and C.normalise(
                        answer_cell.source) == C.normalise(
                        assignment.student.cells[assignment.answers[answer]].source):
                    message = MESSAGES["not_answered_stub"].format(gid=answer)
                elif answer_error:
                    message = MESSAGES["answer_failed"].format(error=answer_error, gid=answer)
                else:
                    message = error
                q = Question(gid, 0.0, max_points, message)
        if extra:
            q.message += "; " + "; ".join(extra)
        grade.questions.append(q)

    if graded_path is not None:
        graded_path = Path(graded_path)
        graded_path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(graded_nb, graded_path)
    return grade
