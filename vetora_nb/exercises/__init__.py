"""Self-checking exercises.

Every exercise in a notebook is registered here under an id such as
``"07.drain_time"`` with a function that decides — by running the
simulation, never from a typed-in number — whether an answer is right, and
a hint for when it is not. The notebook calls :func:`check`; it prints
whether the answer is right and, if not, the hint, *without printing the
answer*. Graded test cells call :func:`expect`.

>>> from vetora_nb import exercises as ex
>>> @ex.register("99.double", kind="measurement", hint="Twice the input.", defaults={"x": 2})
... def _double(answer, *, x):
...     return ex.close(answer, 2 * x, rel=0.01)
>>> bool(ex.check("99.double", 4))
✅ Correct.
True
>>> bool(ex.check("99.double", 5))
❌ Not yet (too high). Hint: Twice the input.
False

An answer not given yet is ``...`` (the student edition's answer cells
start with ``answer = ...``): it gets a short note instead of an error, so
"Run All" goes on to the next cell.

>>> bool(ex.check("99.double", ...))
⏳ Not answered yet: write your answer in this cell, then run it again.
False

Where :func:`expect` runs decides what it does. In a student's own kernel
it prints like :func:`check` and never raises, so a notebook runs top to
bottom with answers missing or wrong; under nbgrader (``NBGRADER_EXECUTION``
set) it raises ``AssertionError`` with the hint, which is how nbgrader
scores a test cell. Under this package's own grader the test cells do not
run at all: the grader takes the answers out of the kernel as plain data
and judges them in its own process (:mod:`vetora_nb.coursework.checks`), and
while it grades (``VETORA_GRADING`` set) :func:`check` and :func:`judge`
judge nothing in the kernel.

Per-student variants: :func:`variant` derives each student's parameters
from their id and a course seed, so answers differ between students and
each is checked against that student's own values.

>>> options = {"RATE": [80, 100, 120, 140, 160]}
>>> ex.variant(options)
{'RATE': 80}
>>> ex.variant(options, student_id="ada", course_seed=1) == ex.variant(options, student_id="ada", course_seed=1)
True
"""

from __future__ import annotations

import hashlib
import importlib
import math
import os
import pkgutil
import zlib
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["register", "check", "expect", "judge", "answered", "variant", "variants_of", "close", "one_of",
           "whole_number", "registry", "Exercise", "Outcome", "grading"]

KINDS = ("prediction", "measurement", "design")


@dataclass(frozen=True)
class Outcome:
    """A verdict on one answer: ``passed`` and, when not, what is wrong."""

    passed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        """Show nothing: :func:`check` has already printed the verdict."""


@dataclass(frozen=True)
class Exercise:
    id: str
    kind: str
    hint: str
    judge: Callable
    defaults: dict = field(default_factory=dict)

    def judge_answer(self, answer, params) -> Outcome:
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise TypeError(f"exercise {self.id!r} takes no parameter {sorted(unknown)[0]!r}; "
                            f"it takes {sorted(self.defaults)}")
        out = self.judge(answer, **{**self.defaults, **params})
        return out if isinstance(out, Outcome) else Outcome(bool(out))


_REGISTRY: dict[str, Exercise] = {}


def register(exercise_id: str, *, kind: str, hint: str, defaults: dict | None = None):
    """Register ``fn(answer, **params) -> bool | Outcome`` as exercise ``exercise_id``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def deco(fn):
        _REGISTRY[exercise_id] = Exercise(exercise_id, kind, hint, fn, dict(defaults or {}))
        return fn

    return deco


def _load_all() -> None:
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("nb"):
            importlib.import_module(f"{__name__}.{mod.name}")


def registry() -> dict[str, Exercise]:
    """Every registered exercise, by id."""
    _load_all()
    return dict(_REGISTRY)


def _get(exercise_id: str) -> Exercise:
    if exercise_id not in _REGISTRY:
        _load_all()
    if exercise_id not in _REGISTRY:
        raise KeyError(f"exercise_id: no exercise {exercise_id!r}")
    return _REGISTRY[exercise_id]


def grading() -> bool:
    """Whether this kernel is being graded (the grader sets ``VETORA_GRADING``)."""
    return bool(os.environ.get("VETORA_GRADING"))


def answered(answer) -> bool:
    """Whether ``answer`` holds an answer: not ``...`` (the stub) and not None.

    Answer cells guard what would fail on a blank answer with it::

        if ex.answered(answer_drain):
            print(f"measured {answer_drain:.1f} s")
    """
    return answer is not None and answer is not Ellipsis


_NOT_ANSWERED = "⏳ Not answered yet: write your answer in this cell, then run it again."
_GRADED_ELSEWHERE = Outcome(False, "judged by the grader, not in this kernel")


def judge(exercise_id: str, answer, **params) -> Outcome:
    """Decide on ``answer`` silently (for graders and tests).

    In a kernel being graded it decides nothing: the grader judges."""
    ex = _get(exercise_id)
    if grading():
        return _GRADED_ELSEWHERE
    if not answered(answer):
        return Outcome(False, "no answer yet")
    try:
        return ex.judge_answer(answer, params)
    except (TypeError, ValueError, KeyError) as err:
        if isinstance(err, TypeError) and "takes no parameter" in str(err):
            raise
        return Outcome(False, f"the answer could not be used: {err}")


def check(exercise_id: str, answer, **params) -> Outcome:
    """Tell the student whether ``answer`` is right, with a hint if not.

    Returns the :class:`Outcome` (true when right), which a notebook does
    not display: the printed line is the feedback. Prints nothing while the
    notebook is being graded."""
    ex = _get(exercise_id)
    out = judge(exercise_id, answer, **params)
    if grading():
        return out
    if not answered(answer):
        print(_NOT_ANSWERED)
    elif out.passed:
        print("✅ Correct.")
    else:
        why = f" ({out.reason})" if out.reason else ""
        print(f"❌ Not yet{why}. Hint: {ex.hint}")
    return out


def expect(exercise_id: str, answer, *, points: float | None = None, **params) -> None:
    """A graded test cell's check.

    Under nbgrader it raises ``AssertionError`` carrying the hint when the
    answer is wrong or missing. In a student's own kernel it prints the
    verdict as :func:`check` does and raises nothing, so the notebook runs
    on. ``points`` is what the check is worth when graded (see
    :mod:`vetora_nb.coursework.checks`); it changes nothing here.
    """
    if grading():
        return
    ex = _get(exercise_id)
    out = judge(exercise_id, answer, **params)
    why = f" ({out.reason})" if out.reason else ""
    if os.environ.get("NBGRADER_EXECUTION"):
        if not out.passed:
            raise AssertionError(f"{exercise_id}: not yet{why}. Hint: {ex.hint}")
    elif not answered(answer):
        print(f"⏳ {exercise_id}: not answered yet.")
    elif out.passed:
        print(f"✅ {exercise_id}: passes this test.")
    else:
        print(f"❌ {exercise_id}: would fail this test{why}. Hint: {ex.hint}")


# -- judging helpers -------------------------------------------------------------

def close(answer, expected: float, *, rel: float = 0.1, abs_tol: float = 0.0) -> Outcome:
    """A number within ``rel`` (relative) or ``abs_tol`` of ``expected``."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        try:
            answer = float(answer)
        except (TypeError, ValueError):
            return Outcome(False, "the answer should be a number")
    if not math.isfinite(answer):
        return Outcome(False, "the answer should be a finite number")
    ok = abs(answer - expected) <= max(rel * abs(expected), abs_tol)
    if ok:
        return Outcome(True)
    return Outcome(False, "too high" if answer > expected else "too low")


def whole_number(value) -> int | None:
    """``value`` as an ``int`` if it is a whole number (``4``, ``4.0``), else ``None``.

    >>> whole_number(4.0), whole_number(4.5), whole_number("4"), whole_number(True)
    (4, None, None, None)
    """
    if isinstance(value, bool):
        return None
    try:
        as_int = int(value)
    except (TypeError, ValueError):
        return None
    return as_int if as_int == value else None


def one_of(answer, correct, choices) -> Outcome:
    """A choice among ``choices`` (case-insensitive strings)."""
    norm = str(answer).strip().lower()
    options = [c.lower() for c in choices]
    if norm not in options:
        return Outcome(False, f"choose one of {', '.join(choices)}")
    return Outcome(norm == str(correct).lower())


# -- per-student variants ----------------------------------------------------------

def variants_of(notebook: str) -> dict:
    """The ``VARIANTS`` table of notebook ``"NN"`` (its ``nbNN_*`` module)."""
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith(f"nb{notebook}_"):
            return dict(getattr(importlib.import_module(f"{__name__}.{mod.name}"), "VARIANTS", {}))
    raise KeyError(f"notebook: no exercises module for notebook {notebook!r}")


def variant(notebook, student_id: str | None = None, course_seed: int | None = None) -> dict:
    """Pick each parameter's value for one student.

    ``notebook`` is a notebook number (``"07"``, whose module defines
    ``VARIANTS``) or a ``VARIANTS``-like dict mapping a parameter to its
    possible values. The first value is the default, used when there is no
    student id. The id and the course seed default to the environment
    variables ``VETORA_STUDENT_ID`` and ``VETORA_COURSE_SEED`` (the grader
    sets them). The pick is a stable hash of course seed, student, notebook
    and parameter: the same in every process, different between students.

    The grader also runs each submission once more under a *hidden*
    variant: it sets ``VETORA_HIDDEN_VARIANT`` to a key derived from its
    course secret and the student, and every parameter with more than one
    value then takes another value than the student's own. A number typed
    in from the screen (or found by trying ``ex.check`` until it says
    "Correct") is then wrong; code that computes the answer is right in
    both runs. The key only applies when the id comes from the environment.

    >>> import os
    >>> own = variant({"RATE": [10, 20, 30]}, student_id="ada")
    >>> os.environ["VETORA_STUDENT_ID"], os.environ["VETORA_HIDDEN_VARIANT"] = "ada", "k3y"
    >>> variant({"RATE": [10, 20, 30]}) != own
    True
    >>> del os.environ["VETORA_STUDENT_ID"], os.environ["VETORA_HIDDEN_VARIANT"]
    """
    options = notebook if isinstance(notebook, dict) else variants_of(str(notebook))
    label = "custom" if isinstance(notebook, dict) else str(notebook)
    hidden = None
    if student_id is None:
        student_id = os.environ.get("VETORA_STUDENT_ID") or None
        hidden = os.environ.get("VETORA_HIDDEN_VARIANT") or None
    if course_seed is None:
        course_seed = int(os.environ.get("VETORA_COURSE_SEED", "0") or 0)
    out = {}
    for name, values in options.items():
        own = zlib.crc32(f"{course_seed}:{student_id}:{label}:{name}".encode()) % len(values) \
            if student_id is not None else 0
        if hidden is not None and len(values) > 1:
            h = int(hashlib.sha256(f"{hidden}:{label}:{name}".encode()).hexdigest(), 16) % (len(values) - 1)
            own = h if h < own else h + 1
        out[name] = values[own]
    return out
