"""Coursework: the student edition, autograding and per-student variants.

The nbgrader / otter-grader workflow without a server or a database. The
notebooks in ``notebooks/`` are the instructor source (see
``docs/authoring.md`` for the exercise-cell conventions); from them:

- :func:`build_student_edition` writes the student edition (answers
  replaced by a comment, hidden tests removed, outputs cleared), which runs
  top to bottom, and optionally the package's wheel to hand out with it;
- :func:`grade_submissions` grades a folder of submissions, one sub-folder per
  student: each notebook runs in a sandbox, twice (the student's variant and
  a hidden one), and is judged in the grader's own process, into
  ``grades.csv``, gradebooks and one feedback file per student;
- :func:`check_sources` lists what breaks the conventions.

The same as commands::

    python -m vetora_nb.coursework student notebooks/ build/student/ --wheel
    python -m vetora_nb.coursework grade submissions/ --source notebooks/ --out grades/
    python -m vetora_nb.coursework check notebooks/
    python -m vetora_nb.coursework lab notebooks/ build/student/ my_notebooks/

``docs/instructors.md`` is the guide.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from .batch import BatchResult, grade_submissions
from .cells import AuthoringError, problems
from .grading import MESSAGES, Assignment, CheckResult, NotebookGrade, Question, grade_notebook
from .sandbox import Isolation, Sandbox, detect
from .student import build_student_edition, edition_is_current, source_notebooks, student_notebook

__all__ = [
    "build_student_edition", "edition_is_current", "student_notebook", "grade_submissions",
    "grade_notebook", "check_sources", "Assignment", "NotebookGrade", "Question", "CheckResult",
    "BatchResult", "AuthoringError", "MESSAGES", "Sandbox", "Isolation", "detect",
]


def check_sources(source: Path | str) -> dict[str, list[str]]:
    """Problems per notebook (empty lists when all is well), grade_ids unique across them."""
    report: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    from . import cells as C

    for path in source_notebooks(source):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as err:
            report[path.name] = [f"not a readable notebook ({err})"]
            continue
        found = problems(nb)
        for cell in nb.cells:
            gid = C.grade_id(cell)
            if gid and (C.is_grade(cell) or C.is_solution(cell) or C.is_locked(cell)):
                if gid in owner and owner[gid] != path.name:
                    found.append(f"grade_id {gid!r} is also used in {owner[gid]}")
                owner.setdefault(gid, path.name)
        report[path.name] = found
    return report
