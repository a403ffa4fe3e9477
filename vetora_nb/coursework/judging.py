"""Judging in the grader's own process: each check of a cell, from plain data.

A run of a submission leaves two kinds of record (see
:mod:`vetora_nb.exercises.answers`): the *snapshot*, taken before any answer
cell ran, and, per graded test cell, the *answers* the kernel sent when it
reached that cell. :func:`judge_cell` decodes both and evaluates every check
of the cell's :class:`~vetora_nb.coursework.checks.CellPlan` here, with the
instructor's own copy of ``vetora_nb``: ``ex.expect`` checks by the
registered exercise's judge, asserts by evaluating the instructor's
expression on the decoded values. The student's code has no say in it.

Each judge call runs under a time limit (a judge simulates; an answer such
as a design with a million workers must not hang the grader) and is
remembered, so the same answer under the same parameters is judged once.
"""

from __future__ import annotations

import json
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from ..exercises import answers as A
from .checks import SAFE_BUILTINS, CellPlan, Check, Helper

__all__ = ["Verdict", "judge_cell", "Judge", "NO_RECORD"]

#: Why a check has no data: the kernel never reached or finished its cell.
NO_RECORD = "no answers reached the grader from this cell"


@dataclass
class Verdict:
    """One check's outcome in one run. ``grader_fault`` marks the grader's (or the source's) problem."""

    passed: bool
    message: str
    grader_fault: bool = False


class _TimeLimit(Exception):
    pass


@contextmanager
def _time_limit(seconds: float | None):
    """Raise inside the block after ``seconds`` (main thread only; elsewhere no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise _TimeLimit()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Judge:
    """Registered exercises' judges, called with a time limit and remembered."""

    def __init__(self, time_limit: float | None = 300):
        self.time_limit = time_limit
        self.memo: dict[str, Verdict] = {}

    def expect(self, exercise: str, answer, params: dict) -> Verdict:
        from .. import exercises as ex

        try:
            key = json.dumps([exercise, A.encode(answer), A.encode(params)], sort_keys=True)
        except (TypeError, ValueError):
            key = None
        if key is not None and key in self.memo:
            return self.memo[key]
        try:
            hint = ex.registry()[exercise].hint
        except KeyError:
            return Verdict(False, f"could not be graded: no exercise {exercise!r} is registered", True)
        try:
            with _time_limit(self.time_limit):
                outcome = ex.judge(exercise, answer, **params)
        except _TimeLimit:
            verdict = Verdict(False, f"{exercise}: judging this answer took over {self.time_limit:g} s: 0 points")
        except TypeError as err:   # a parameter the exercise does not take: the source's mistake
            verdict = Verdict(False, f"could not be graded ({err})", True)
        except Exception as err:  # noqa: BLE001 - a judge that breaks on an odd answer
            verdict = Verdict(False, f"{exercise}: the answer could not be judged ({type(err).__name__}: {err})")
        else:
            if outcome.passed:
                verdict = Verdict(True, "passed")
            elif outcome.reason == "no answer yet":
                verdict = Verdict(False, "not answered")
            else:
                why = f" ({outcome.reason})" if outcome.reason else ""
                verdict = Verdict(False, f"{exercise}: not yet{why}. Hint: {hint}")
        if key is not None:
            self.memo[key] = verdict
        return verdict


def _values(record: dict | None, *, refs: bool) -> tuple[dict, dict]:
    """``(values, errors)`` by unit id from one record."""
    values, errors = {}, {}
    for uid, item in ((record or {}).get("values") or {}).items():
        if not isinstance(item, dict):
            errors[uid] = "the kernel sent something that is not an answer"
        elif "value" in item:
            try:
                values[uid] = A.decode(item["value"], refs=refs)
            except Exception as err:  # noqa: BLE001 - an answer that does not rebuild
                errors[uid] = f"the answer could not be used: {type(err).__name__}: {err}"
        else:
            errors[uid] = str(item.get("error", "no value"))[:2000]
    return values, errors


def _evaluate(node, namespace: dict):
    import ast

    code = compile(ast.fix_missing_locations(ast.Expression(body=node)), "<check>", "eval")
    return eval(code, namespace)  # noqa: S307 - the instructor's expression, on plain data


def judge_cell(plan: CellPlan, snapshot: dict | None, answers: dict | None, judge: Judge,
               *, not_run: str | None = None) -> list[Verdict]:
    """A :class:`Verdict` per check of ``plan``, in order.

    ``snapshot`` and ``answers`` are the records of this run (None when
    missing); ``not_run`` is the message to give when the cell's answers
    never arrived because the run stopped before it.
    """
    if snapshot is None:
        return [Verdict(False, "could not be graded: the grader's snapshot of the parameters is missing "
                        "(the notebook stopped before its first answer cell)", True) for _ in plan.checks]
    snap_values, snap_errors = _values(snapshot, refs=True)
    if answers is None:
        message = not_run or NO_RECORD
        return [Verdict(False, message) for _ in plan.checks]
    kernel_values, kernel_errors = _values(answers, refs=False)
    namespace = {"__builtins__": dict(SAFE_BUILTINS), **snap_values, **kernel_values}
    helper_errors: dict[str, str] = {}
    verdicts = []
    for step in plan.steps:
        if isinstance(step, Helper):
            if step.in_snapshot:
                continue
            failed = _first_error(step.uses, snap_errors, kernel_errors, helper_errors)
            if failed:
                helper_errors[step.name] = failed[1]
                continue
            try:
                with _time_limit(judge.time_limit):
                    namespace[step.name] = _evaluate(step.value, namespace)
            except Exception as err:  # noqa: BLE001
                helper_errors[step.name] = f"{type(err).__name__}: {err}"
            continue
        verdicts.append(_judge_check(step, namespace, snap_errors, kernel_errors, helper_errors, judge))
    return verdicts


def _first_error(uses, snap_errors, kernel_errors, helper_errors):
    for uid in sorted(uses):
        if uid in snap_errors:
            return "snapshot", snap_errors[uid]
    for uid in sorted(uses):
        if uid in kernel_errors:
            return "kernel", kernel_errors[uid]
        if uid in helper_errors:
            return "kernel", helper_errors[uid]
    return None


def _judge_check(check: Check, namespace, snap_errors, kernel_errors, helper_errors, judge) -> Verdict:
    failed = _first_error(check.uses, snap_errors, kernel_errors, helper_errors)
    if failed and failed[0] == "snapshot":
        return Verdict(False, f"could not be graded: {check.label} needs a value the notebook sets before "
                       f"its answers, which failed ({failed[1]})", True)
    if failed:
        return Verdict(False, failed[1])
    if check.kind == "expect":
        try:
            answer = _evaluate(check.answer, namespace)
            params = {k: _evaluate(v, namespace) for k, v in check.params.items()}
        except Exception as err:  # noqa: BLE001
            return Verdict(False, f"{type(err).__name__}: {err}")
        return judge.expect(check.exercise, answer, params)
    try:
        with _time_limit(judge.time_limit):
            ok = bool(_evaluate(check.test, namespace))
    except _TimeLimit:
        return Verdict(False, f"checking {check.label} took over {judge.time_limit:g} s: 0 points")
    except Exception as err:  # noqa: BLE001 - e.g. comparing a string answer with a number
        return Verdict(False, f"{type(err).__name__}: {err} (in the check {check.label})")
    if ok:
        return Verdict(True, "passed")
    text = ""
    if check.message is not None:
        try:
            text = str(_evaluate(check.message, namespace))
        except Exception:  # noqa: BLE001
            text = ""
    return Verdict(False, f"AssertionError: {text}" if text else f"AssertionError ({check.label})")
