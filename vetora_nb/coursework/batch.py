"""Grade a folder of submissions: one sub-folder per student.

``DIR/<student_id>/<notebook>.ipynb`` (deeper folders are searched too, so
nbgrader's ``submitted/<student>/<assignment>/`` layout works). A notebook
counts as *assigned* when at least one student handed it in and it exists in
the source; a student without it scores 0 on it ("notebook not submitted").

Outputs, in ``out``:

- ``grades.csv`` — ``student, notebook, question, points, max``, one row per
  graded cell (``points`` blank for an answer still to be marked by hand);
- ``feedback/<student>.md`` — per notebook, per question: points and message;
- ``autograded/<student>/<notebook>.ipynb`` — the notebook as it was graded,
  with its outputs, to look into a disputed score.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .grading import MESSAGES, Assignment, NotebookGrade, grade_notebook
from .report import write_csv, write_feedback
from .student import source_notebooks

__all__ = ["BatchResult", "grade_submissions", "find_submissions"]


@dataclass
class BatchResult:
    grades: list[NotebookGrade]
    csv_path: Path
    feedback_dir: Path
    student_notes: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def grader_errors(self) -> list[NotebookGrade]:
        return [g for g in self.grades if g.grader_error]


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith(".") for part in path.relative_to(root).parts)


def find_submissions(submissions: Path | str):
    """``({student: {notebook name: [paths]}}, warnings)``."""
    root = Path(submissions)
    found: dict[str, dict[str, list[Path]]] = {}
    warnings = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            files = sorted((p for p in entry.rglob("*.ipynb") if _visible(p, entry)),
                           key=lambda p: (len(p.relative_to(entry).parts), str(p)))
            by_name: dict[str, list[Path]] = {}
            for path in files:
                by_name.setdefault(path.name, []).append(path)
            found[entry.name] = by_name
        elif entry.suffix == ".ipynb":
            warnings.append(f"{entry.name} is not inside a student folder: not graded")
    return found, warnings


def _grade_task(args) -> NotebookGrade:
    source, submission, student, course_seed, timeout, graded_path = args
    return grade_notebook(source, submission, student, course_seed=course_seed,
                          timeout=timeout, graded_path=graded_path)


def grade_submissions(submissions: Path | str, source: Path | str, out: Path | str, *,
                      course_seed: int = 0, timeout: float = 300, jobs: int = 1,
                      log: Callable[[str], None] | None = print) -> BatchResult:
    """Grade every student's notebooks and write the CSV and the feedback files.

    ``jobs > 1`` grades in worker processes (started with ``spawn``): a script
    calling this must do so under ``if __name__ == "__main__":``.
    """
    log = log or (lambda message: None)
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise FileNotFoundError(f"submissions: no folder at {submissions}")
    if out.resolve().is_relative_to(submissions.resolve()):
        raise ValueError(f"out: {out} is inside the submissions folder; its files would be "
                         "taken for a student's next time")
    sources = {p.name: p for p in source_notebooks(source)}
    for path in sources.values():   # a broken source stops the batch before any kernel starts
        Assignment(path)
    found, warnings = find_submissions(submissions)
    student_notes: dict[str, list[str]] = {student: [] for student in found}
    assigned = sorted({name for files in found.values() for name in files if name in sources})
    if not assigned:
        warnings.append(f"no submitted notebook matches a notebook in {source}")

    tasks, early = [], []
    for student, files in found.items():
        for name in sorted(files):
            if name not in sources:
                student_notes[student].append(f"{name} is not an assigned notebook: not graded")
        for name in assigned:
            paths = files.get(name, [])
            if len(paths) > 1:
                chosen = paths[0].relative_to(submissions / student).as_posix()
                student_notes[student].append(
                    f"{len(paths)} files named {name}: {chosen} was graded")
            graded_path = out / "autograded" / student / name
            task = (sources[name], paths[0] if paths else None, student, course_seed, timeout,
                    graded_path)
            (tasks if paths else early).append(task)

    grades = [_grade_task(task) for task in early]   # not submitted: nothing to run
    for grade in grades:
        log(_line(grade))
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            grade = _grade_task(task)
            log(_line(grade))
            grades.append(grade)
    else:
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            futures = {pool.submit(_grade_task, task): task for task in tasks}
            for future in cf.as_completed(futures):
                try:
                    grade = future.result()
                except Exception as err:   # a worker process died: grade what it was doing at 0
                    task = futures[future]
                    grade = Assignment(task[0]).blank(
                        task[2], MESSAGES["grader_error"].format(reason=f"worker failed: {err}"),
                        grader_error=True)
                log(_line(grade))
                grades.append(grade)

    order = {name: i for i, name in enumerate(sorted(sources))}
    grades.sort(key=lambda g: (g.student, order.get(g.notebook, 0)))
    out.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(grades, out / "grades.csv")
    feedback_dir = write_feedback(grades, out / "feedback", student_notes, course_seed=course_seed)
    return BatchResult(grades, csv_path, feedback_dir, student_notes, warnings)


def _line(grade: NotebookGrade) -> str:
    pending = f" (+{grade.pending:g} to mark by hand)" if grade.pending else ""
    notes = f" — {grade.notes[0]}" if grade.notes else ""
    return (f"{grade.student}/{grade.notebook}: {grade.points:g}/{grade.max_points:g}{pending} "
            f"in {grade.seconds:.1f} s{notes}")
