"""Self-checking exercises.

Every exercise in a notebook is registered here under an id such as
``"07.drain_time"`` with a function that decides — by running the
simulation, never from a typed-in number — whether an answer is right, and
a hint for when it is not. The notebook calls :func:`check`; it prints
whether the answer is right and, if not, the hint, *without printing the
answer*. Graded test cells call :func:`expect`, which raises
``AssertionError`` (with the hint) on a wrong answer.

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

import importlib
import math
import os
import pkgutil
import zlib
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["register", "check", "expect", "judge", "variant", "variants_of", "close", "one_of", "whole_number", "registry", "Exercise", "Outcome"]

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


def judge(exercise_id: str, answer, **params) -> Outcome:
    """Decide on ``answer`` silently (for graders and tests)."""
    ex = _get(exercise_id)
    if answer is None or answer is Ellipsis:
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
    not display: the printed line is the feedback."""
    ex = _get(exercise_id)
    out = judge(exercise_id, answer, **params)
    if out.passed:
        print("✅ Correct.")
    else:
        why = f" ({out.reason})" if out.reason else ""
        print(f"❌ Not yet{why}. Hint: {ex.hint}")
    return out


def expect(exercise_id: str, answer, **params) -> None:
    """For graded test cells: raise ``AssertionError`` carrying the hint."""
    out = judge(exercise_id, answer, **params)
    if not out.passed:
        why = f" ({out.reason})" if out.reason else ""
        raise AssertionError(f"{exercise_id}: not yet{why}. Hint: {_get(exercise_id).hint}")


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
    """
    options = notebook if isinstance(notebook, dict) else variants_of(str(notebook))
    label = "custom" if isinstance(notebook, dict) else str(notebook)
    if student_id is None:
        student_id = os.environ.get("VETORA_STUDENT_ID") or None
    if course_seed is None:
        course_seed = int(os.environ.get("VETORA_COURSE_SEED", "0") or 0)
    if student_id is None:
        return {k: v[0] for k, v in options.items()}
    out = {}
    for name, values in options.items():
        h = zlib.crc32(f"{course_seed}:{student_id}:{label}:{name}".encode())
        out[name] = values[h % len(values)]
    return out
