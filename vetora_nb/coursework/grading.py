"""Grading one notebook: rebuild it, run it twice in a sandbox, judge it here, score it.

For one student's notebook the grader

1. rebuilds it from the instructor source, taking only the answer cells
   from the submission (:mod:`.submission`);
2. rewrites it for the kernel: a *snapshot* cell before the first answer
   cell sends what the checks need from before the answers, and every
   graded test cell only sends the answers it names (:mod:`.checks`);
3. runs it in a fresh kernel in a fresh sandboxed folder
   (:mod:`.sandbox`, :mod:`.kernel`) with ``VETORA_STUDENT_ID`` and
   ``VETORA_COURSE_SEED`` set, so that ``ex.variant`` gives the student's own
   parameters; then, if any check passed, once more under the student's
   *hidden* variant (``VETORA_HIDDEN_VARIANT``, from the course secret);
4. judges every check in this process (:mod:`.judging`), once per run
   (with the sandbox, the second run goes on while the first is judged). A
   check scores its points if it passes in both runs; right in the first
   and wrong in the second is the mark of a number typed in rather than
   computed, and the feedback says so.

Answers marked by hand (``grade`` and ``solution``) score 0 if left as the
stub, otherwise they are left blank for the instructor. Damaged
submissions are graded, never fatal; each case has one message (the
templates below and in :data:`.submission.NOTES`, quoted in
``docs/instructors.md``).
"""

from __future__ import annotations

import copy
import re
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_output

from ..exercises.answers import MIME
from . import cells as C
from .checks import collect_source, snapshot_source
from .judging import Judge, Verdict, judge_cell
from .kernel import STALL_AFTER, run_notebook
from .sandbox import Sandbox
from .secret import hidden_key
from .submission import NOTES, Assignment, read_submission

__all__ = ["CheckResult", "Question", "NotebookGrade", "Assignment", "grade_notebook", "MESSAGES"]

#: Every message the grader writes, by case.
MESSAGES = {
    **NOTES,
    "passed": "passed",
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
    "not_answered_stub": "not answered: {gid} is still blank: 0 points",
    "answer_failed": "{error} (raised by the answer cell {gid})",
    "hidden_failed": ("right for your own parameters, but not when the notebook was run again with other "
                      "ones ({detail}): compute the answer in code from the notebook's parameters instead "
                      "of typing in a number"),
    "hidden_stopped": "the run with other parameters stopped early ({why}): checks it did not reach score 0",
    "strays": ("{n} process(es) your code started were still running when the notebook ended: they were "
               "stopped before grading"),
    "not_isolated": "the kernel imported vetora_nb from {path}, not from the grader's read-only copy",
    "manual": "to be marked by hand",
    "grader_error": "could not be graded ({reason}): grade it again",
}

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class CheckResult:
    """One check of a graded cell: its share of the points and what happened."""

    label: str
    points: float
    max_points: float
    message: str
    hidden: bool = False

    @property
    def passed(self) -> bool:
        return self.points >= self.max_points


@dataclass
class Question:
    """One graded cell's result. ``points`` is None when marked by hand."""

    grade_id: str
    points: float | None
    max_points: float
    message: str
    manual: bool = False
    answer_text: str = ""
    checks: list[CheckResult] = field(default_factory=list)


@dataclass
class NotebookGrade:
    student: str
    notebook: str
    questions: list[Question] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    grader_error: bool = False
    graded_nb: object = None      # the notebook as graded, with outputs (for autograded/)
    hidden_nb: object = None      # the same for the run under the hidden variant

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


def blank(assignment: Assignment, student: str, message: str, *, grader_error: bool = False,
          note: bool = True) -> NotebookGrade:
    """Every graded cell at 0 points with the same message (said once for the notebook, too)."""
    grade = NotebookGrade(student, assignment.path.name, grader_error=grader_error,
                          notes=[message] if note else [])
    for gid, index in assignment.graded:
        cell = assignment.nb.cells[index]
        plan = assignment.plans.get(gid)
        checks = [CheckResult(_label(c), 0.0, c.points, message, c.hidden) for c in plan.checks] if plan else []
        grade.questions.append(Question(gid, 0.0, C.points(cell), message, manual=C.is_solution(cell),
                                        checks=checks))
    return grade


# -- one run ----------------------------------------------------------------------------------

@dataclass
class _Run:
    nb: object
    result: object
    snapshot: dict
    answers: dict
    notes: list


def _run_notebook_for(assignment: Assignment, graded_nb, sandbox: Sandbox, env: dict, timeout: float,
                      stall_after: float, student_text: str) -> _Run:
    """Run the rewritten notebook (a stalled kernel protocol gets one more run)."""
    notes = []
    for attempt in (1, 2):
        run_nb = _rewrite(assignment, graded_nb)
        room = sandbox.room(assignment.path.name, student_text, assignment.course_files)
        result = run_notebook(run_nb, room, room.env(env), timeout, stall_after)
        if result.stop != "stalled" or attempt == 2:
            break
        notes.append(MESSAGES["rerun"].format(where=_where(assignment, result.index)))
    snapshot, answers = _records(assignment, run_nb)
    package = next((r.get("package") for r in snapshot.values() if r.get("package")), None)
    if package and not str(package).startswith(str(room.package)):
        notes.append(MESSAGES["not_isolated"].format(path=package))
    if result.leftovers:
        notes.append(MESSAGES["strays"].format(n=result.leftovers))
    return _Run(run_nb, result, snapshot, answers, notes)


def _answers_given(run: _Run) -> bool:
    """Whether the kernel sent any answer at all (not ``...``, nothing that failed): worth a second run."""
    for record in run.answers.values():
        for item in (record.get("values") or {}).values():
            if isinstance(item, dict) and "value" in item and item["value"] not in (None, {"__ellipsis__": True}):
                return True
    return False


def _rewrite(assignment: Assignment, graded_nb):
    """What the kernel runs: the snapshot cell inserted, test cells sending answers only."""
    run_nb = copy.deepcopy(graded_nb)
    for gid, index in assignment.graded:
        if gid in assignment.plans:
            run_nb.cells[index].source = collect_source(assignment.plans[gid])
    run_nb.cells.insert(assignment.snapshot_at,
                        new_code_cell(snapshot_source(list(assignment.plans.values()))))
    return run_nb


def _run_index(assignment: Assignment, index: int) -> int:
    return index + 1 if index >= assignment.snapshot_at else index


def _source_index(assignment: Assignment, run_index: int | None) -> int | None:
    if run_index is None:
        return None
    if run_index == assignment.snapshot_at:
        return None
    return run_index - 1 if run_index > assignment.snapshot_at else run_index


def _records(assignment: Assignment, run_nb) -> tuple[dict, dict]:
    """The snapshot (by test cell) and the answers (by test cell) the kernel sent, first of each."""
    snapshot, answers = {}, {}
    for out in run_nb.cells[assignment.snapshot_at].get("outputs", []):
        record = (out.get("data") or {}).get(MIME)
        if isinstance(record, dict) and record.get("kind") == "snapshot":
            snapshot.setdefault(record.get("cell"), record)
    for gid, index in assignment.graded:
        for out in run_nb.cells[_run_index(assignment, index)].get("outputs", []):
            record = (out.get("data") or {}).get(MIME)
            if isinstance(record, dict) and record.get("kind") == "answers" and record.get("cell") == gid:
                answers.setdefault(gid, record)
    return snapshot, answers


def _where(assignment: Assignment, run_index) -> str:
    """A cell named for the feedback: its grade_id, else its position."""
    if run_index is None:
        return "start-up"
    index = _source_index(assignment, run_index)
    if index is None:
        return "the grader's snapshot cell"
    return C.grade_id(assignment.nb.cells[index]) or f"cell {index}"


def _stop_messages(assignment: Assignment, run: _Run, timeout: float) -> tuple[list[str], str | None]:
    result = run.result
    if not result.stop:
        return [], None
    where = _where(assignment, result.index)
    if result.stop == "timeout":
        return ([MESSAGES["timeout"].format(seconds=_fmt(timeout), where=where)],
                MESSAGES["not_run_timeout"].format(seconds=_fmt(timeout)))
    if result.stop == "stalled":
        return [MESSAGES["stalled"].format(where=where)], MESSAGES["not_run_stalled"].format(where=where)
    return [MESSAGES["kernel_died"].format(where=where)], MESSAGES["not_run_died"].format(where=where)


def _verdicts(assignment: Assignment, run: _Run, judge: Judge, not_run: str | None) -> dict[str, list[Verdict]]:
    out = {}
    for gid, index in assignment.graded:
        plan = assignment.plans.get(gid)
        if plan is None:
            continue
        reached = _run_index(assignment, index) in run.result.ran
        out[gid] = judge_cell(plan, run.snapshot.get(gid), run.answers.get(gid), judge,
                              not_run=not_run if (run.result.stop and not reached) else None)
    return out


# -- grading one notebook -------------------------------------------------------------------------

def grade_notebook(source: Path | str | Assignment, submission: Path | str | None, student: str, *,
                   course_seed: int = 0, timeout: float = 300, secret: bytes | None = None,
                   sandbox: Sandbox | None = None, stall_after: float = STALL_AFTER,
                   judge: Judge | None = None) -> NotebookGrade:
    """Grade one student's notebook against its instructor source. Never raises.

    ``secret`` (the course secret) turns on the run under the hidden
    variant; ``sandbox`` is the batch's (one is made, and removed, if not).
    """
    started = time.monotonic()
    try:
        assignment = source if isinstance(source, Assignment) else Assignment(source)
    except Exception as err:  # noqa: BLE001 - the source itself is broken: the instructor's problem
        return NotebookGrade(student, Path(str(source)).name, grader_error=True,
                             notes=[MESSAGES["grader_error"].format(reason=f"source: {err}")])
    own = sandbox is None
    try:
        if own:
            sandbox = Sandbox()
        grade = _grade(assignment, submission, student, course_seed, timeout, secret, sandbox,
                       stall_after, judge or Judge(time_limit=max(60.0, timeout)))
    except Exception as err:  # noqa: BLE001 - whatever breaks here is the grader's, not the student's
        detail = "".join(traceback.format_exception_only(type(err), err)).strip()
        grade = blank(assignment, student, MESSAGES["grader_error"].format(reason=detail), grader_error=True)
    finally:
        if own and sandbox is not None:
            sandbox.close()
    grade.seconds = time.monotonic() - started
    return grade


def _grade(assignment: Assignment, submission, student, course_seed, timeout, secret, sandbox, stall_after,
           judge) -> NotebookGrade:
    if submission is None:
        return blank(assignment, student, MESSAGES["not_submitted"])
    sub, reason = read_submission(Path(submission))
    if sub is None:
        return blank(assignment, student, MESSAGES["invalid"].format(reason=reason))

    rebuilt = assignment.rebuild(sub)
    grade = NotebookGrade(student, assignment.path.name, notes=list(rebuilt.notes))
    graded_nb = rebuilt.nb
    student_text = nbformat.writes(_student_view(assignment, graded_nb))
    env = {"VETORA_GRADING": "1", "VETORA_STUDENT_ID": student, "VETORA_COURSE_SEED": str(course_seed)}

    # A notebook without graded test cells has nothing for a kernel to do.
    has_code = bool(assignment.plans) and any(c.cell_type == "code" and c.source.strip() for c in graded_nb.cells)
    visible = hidden = None
    if has_code:
        visible = _run_notebook_for(assignment, graded_nb, sandbox, env, timeout, stall_after, student_text)
        grade.notes.extend(visible.notes)
    stop_notes, not_run = _stop_messages(assignment, visible, timeout) if visible else ([], None)
    grade.notes.extend(stop_notes)

    hidden_env = {**env, "VETORA_HIDDEN_VARIANT": hidden_key(secret, student, course_seed)} if secret else None
    pending = None
    if hidden_env and visible and _answers_given(visible) and sandbox.isolation.mode == "bwrap":
        # The second run goes on while this process judges the first (each run's processes are
        # in a namespace of their own, so neither run's reaper can touch the other's).
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hidden-run")
        pending = pool.submit(_run_notebook_for, assignment, graded_nb, sandbox, hidden_env, timeout,
                              stall_after, student_text)
        pool.shutdown(wait=False)
    seen = _verdicts(assignment, visible, judge, not_run) if visible else {}
    any_passed = any(v.passed for vs in seen.values() for v in vs)
    if pending is not None:
        hidden = pending.result()
    elif hidden_env and any_passed:
        hidden = _run_notebook_for(assignment, graded_nb, sandbox, hidden_env, timeout, stall_after,
                                   student_text)
    unseen = {}
    if hidden is not None and any_passed:
        grade.notes.extend(n for n in hidden.notes if n not in grade.notes)
        hidden_stop, hidden_not_run = _stop_messages(assignment, hidden, timeout)
        if hidden_stop:
            grade.notes.append(MESSAGES["hidden_stopped"].format(why=hidden_stop[0]))
        unseen = _verdicts(assignment, hidden, judge, hidden_not_run)
    elif hidden is not None:
        hidden = None      # nothing passed the first time: the second run decides nothing

    ran_nb = visible.nb if visible else _rewrite(assignment, graded_nb)
    for gid, index in assignment.graded:
        question = _question(assignment, gid, index, graded_nb, ran_nb, rebuilt, seen.get(gid),
                             unseen.get(gid), visible is not None, not_run)
        if any(v.grader_fault for v in (seen.get(gid) or []) + (unseen.get(gid) or [])):
            grade.grader_error = True
        extra = rebuilt.notes_for.get(gid, [])
        if extra:
            question.message += "; " + "; ".join(extra)
        grade.questions.append(question)

    if visible:
        grade.graded_nb = _as_graded(assignment, graded_nb, visible, grade)
    if hidden:
        grade.hidden_nb = _as_graded(assignment, graded_nb, hidden, grade)
    return grade


def _question(assignment, gid, index, graded_nb, ran_nb, rebuilt, seen, unseen, ran_at_all, not_run) -> Question:
    cell = graded_nb.cells[index]
    max_points = C.points(cell)
    answer = assignment.answer_of.get(gid)
    if C.is_solution(cell):   # marked by hand
        if gid in rebuilt.missing:
            return Question(gid, 0.0, max_points, MESSAGES["missing_answer"].format(gid=gid), manual=True)
        if C.normalise(cell.source) == C.normalise(assignment.student.cells[index].source):
            return Question(gid, 0.0, max_points, MESSAGES["not_answered"], manual=True)
        return Question(gid, None, max_points, MESSAGES["manual"], manual=True, answer_text=cell.source)
    plan = assignment.plans[gid]
    if answer in rebuilt.missing:
        message = MESSAGES["missing_answer"].format(gid=answer)
        checks = [CheckResult(_label(c), 0.0, c.points, message, c.hidden) for c in plan.checks]
        return Question(gid, 0.0, max_points, message, checks=checks)
    blank_answer = answer is not None and answer in assignment.answers and (
        assignment.is_blank(graded_nb, answer) or _raises_old_stub(ran_nb, assignment, answer))
    answer_error = _answer_error(ran_nb, assignment, answer)
    checks = []
    for i, check in enumerate(plan.checks):
        v = seen[i] if seen else Verdict(False, not_run or "not run")
        h = unseen[i] if unseen else None
        if v.passed and (h is None or h.passed):
            points, message = check.points, MESSAGES["passed"]
        elif v.passed:
            points, message = 0.0, MESSAGES["hidden_failed"].format(detail=h.message)
        else:
            points, message = 0.0, v.message
            if blank_answer and not v.grader_fault:
                message = MESSAGES["not_answered_stub"].format(gid=answer)
            elif answer_error and not v.grader_fault and not message.startswith("not run"):
                message = MESSAGES["answer_failed"].format(error=answer_error, gid=answer)
        checks.append(CheckResult(_label(check), points, check.points, message, check.hidden))
    failing = []
    for result in checks:
        if not result.passed and result.message not in failing:
            failing.append(result.message)
    total = sum(r.points for r in checks)
    return Question(gid, total, max_points, "; ".join(failing) if failing else MESSAGES["passed"],
                    checks=checks)


def _label(check) -> str:
    return check.label + (" (hidden)" if check.hidden else "")


def _answer_cell(ran_nb, assignment: Assignment, answer: str | None):
    if answer is None or answer not in assignment.answers:
        return None
    return ran_nb.cells[_run_index(assignment, assignment.answers[answer])]


def _answer_error(ran_nb, assignment, answer) -> str | None:
    cell = _answer_cell(ran_nb, assignment, answer)
    return _error_line(cell) if cell is not None and cell.cell_type == "code" else None


def _raises_old_stub(ran_nb, assignment, answer) -> bool:
    """An answer cell of an older edition, still raising its NotImplementedError stub."""
    cell = _answer_cell(ran_nb, assignment, answer)
    if cell is None or "raise NotImplementedError()" not in cell.source:
        return False
    return any(o.get("output_type") == "error" and o.get("ename") == "NotImplementedError"
               for o in cell.get("outputs", []))


def _error_line(cell) -> str | None:
    """The last line of the cell's first error (in full), or None if it ran cleanly."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename, evalue = out.get("ename", "Error"), _ANSI.sub("", str(out.get("evalue", "")))
            lines = [line.strip() for line in evalue.splitlines() if line.strip()]
            return f"{ename}: {lines[-1]}" if lines else ename
    return None


def _student_view(assignment: Assignment, graded_nb):
    """The notebook as the student handed it in, rebuilt: what the run's folder holds."""
    view = copy.deepcopy(graded_nb)
    for index, cell in enumerate(view.cells):
        if C.is_grade(cell) and not C.is_solution(cell):
            cell.source = assignment.student.cells[index].source
    return view


def _as_graded(assignment: Assignment, graded_nb, run: _Run, grade: NotebookGrade):
    """The graded notebook with this run's outputs, and each test cell's verdicts as its output."""
    out = copy.deepcopy(graded_nb)
    for index, cell in enumerate(out.cells):
        if cell.cell_type != "code":
            continue
        ran = run.nb.cells[_run_index(assignment, index)]
        cell.outputs, cell.execution_count = copy.deepcopy(ran.get("outputs", [])), ran.get("execution_count")
        gid = C.grade_id(cell)
        question = next((q for q in grade.questions if q.grade_id == gid), None)
        if C.is_test(cell) and question is not None:
            lines = [f"{r.label}: {r.points:g} / {r.max_points:g}: {r.message}" for r in question.checks]
            cell.outputs = [o for o in cell.outputs if MIME not in (o.get("data") or {})]
            cell.outputs.append(new_output("stream", name="stdout", text="\n".join(lines) + "\n"))
    return out
