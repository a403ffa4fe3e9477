"""Grade a folder of submissions: one sub-folder per student.

``DIR/<student_id>/<notebook>.ipynb`` (deeper folders are searched too, so
nbgrader's ``submitted/<student>/<assignment>/`` layout works). A notebook
counts as *assigned* when at least one student handed it in and it exists in
the source; a student without it scores 0 on it ("notebook not submitted").

Every kernel runs in its own sandboxed folder (:mod:`.sandbox`); nothing is
written to ``out`` until every kernel of the batch is gone and every grade
is known. Then, in ``out``, freshly:

- ``grades.csv`` — one row per check of every graded cell;
- ``gradebook.csv`` — one row per student: points per notebook and total;
- ``canvas.csv`` — the same in the shape Canvas's gradebook import takes;
- ``feedback/<student>.md`` — per notebook, per question and check: points and message;
- ``autograded/<student>/<notebook>.ipynb`` — the notebook as it was graded,
  with its outputs (and ``<notebook>.hidden.ipynb``, its run under the hidden
  variant), to look into a disputed score.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat

from .grading import MESSAGES, Assignment, NotebookGrade, blank, grade_notebook
from .report import write_canvas, write_csv, write_feedback, write_gradebook
from .sandbox import Isolation, Sandbox, detect
from .student import source_notebooks

__all__ = ["BatchResult", "grade_submissions", "find_submissions", "OUTPUTS"]

#: What the grader writes in ``out`` (and removes there before writing again).
OUTPUTS = ("grades.csv", "gradebook.csv", "canvas.csv", "feedback", "autograded")


@dataclass
class BatchResult:
    grades: list[NotebookGrade]
    csv_path: Path
    feedback_dir: Path
    student_notes: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    isolation: Isolation | None = None
    gradebook_path: Path | None = None
    canvas_path: Path | None = None

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
    source, submission, student, course_seed, timeout, secret, sandbox = args
    return grade_notebook(source, submission, student, course_seed=course_seed, timeout=timeout,
                          secret=secret, sandbox=sandbox)


def grade_submissions(submissions: Path | str, source: Path | str, out: Path | str, *,
                      course_seed: int = 0, timeout: float = 300, jobs: int = 1,
                      secret: bytes | None = None, sandbox: str | Isolation = "auto",
                      log: Callable[[str], None] | None = print) -> BatchResult:
    """Grade every student's notebooks, then write the grades, gradebooks and feedback.

    ``secret`` (the course secret, see :mod:`.secret`) turns on the second run
    under each student's hidden variant. ``sandbox`` is ``'auto'`` (bubblewrap
    where it works, else the fallback, with a warning), ``'bwrap'`` (fail
    without it) or ``'none'``. ``jobs > 1`` grades in worker processes
    (started with ``spawn``): a script calling this must do so under
    ``if __name__ == "__main__":``.
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
    isolation = sandbox if isinstance(sandbox, Isolation) else detect(sandbox)
    warnings.extend(isolation.warnings)
    for warning in isolation.warnings:   # said before any kernel starts, and again at the end
        log(f"WARNING: {warning}")
    if secret is None:
        warnings.append("no course secret: answers are not checked again under a hidden variant")

    box = Sandbox(isolation)
    try:
        tasks, early = [], []
        for student, files in found.items():
            for name in sorted(files):
                if name not in sources:
                    student_notes[student].append(f"{name} is not an assigned notebook: not graded")
            for name in assigned:
                paths = files.get(name, [])
                if len(paths) > 1:
                    chosen = paths[0].relative_to(submissions / student).as_posix()
                    student_notes[student].append(f"{len(paths)} files named {name}: {chosen} was graded")
                task = (sources[name], paths[0] if paths else None, student, course_seed, timeout, secret, box)
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
                    except Exception as err:  # noqa: BLE001 - a worker process died: grade its task at 0
                        task = futures[future]
                        grade = blank(Assignment(task[0]), task[2],
                                      MESSAGES["grader_error"].format(reason=f"worker failed: {err}"),
                                      grader_error=True)
                    log(_line(grade))
                    grades.append(grade)
    finally:
        box.close()

    # Every kernel is gone (each run reaps its own before returning): now, and only now, write.
    order = {name: i for i, name in enumerate(sorted(sources))}
    grades.sort(key=lambda g: (g.student, order.get(g.notebook, 0)))
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUTS:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    csv_path = write_csv(grades, out / "grades.csv")
    notebooks = [name for name in sorted(sources) if name in assigned]
    gradebook = write_gradebook(grades, notebooks, out / "gradebook.csv")
    canvas = write_canvas(grades, notebooks, out / "canvas.csv")
    feedback_dir = write_feedback(grades, out / "feedback", student_notes, course_seed=course_seed)
    for grade in grades:
        for suffix, nb in ((".ipynb", grade.graded_nb), (".hidden.ipynb", grade.hidden_nb)):
            if nb is not None:
                path = out / "autograded" / grade.student / (Path(grade.notebook).stem + suffix)
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, path)
    return BatchResult(grades, csv_path, feedback_dir, student_notes, warnings, isolation, gradebook, canvas)


def _line(grade: NotebookGrade) -> str:
    pending = f" (+{grade.pending:g} to mark by hand)" if grade.pending else ""
    first = grade.notes[0] if grade.notes else next(
        (q.message for q in grade.questions if q.points is not None and q.points < q.max_points), "")
    if len(first) > 100:   # a progress line: the feedback has every message in full
        first = first[:99].rsplit(" ", 1)[0] + " …"
    notes = f" — {first}" if first else ""
    return (f"{grade.student}/{grade.notebook}: {grade.points:g}/{grade.max_points:g}{pending} "
            f"in {grade.seconds:.1f} s{notes}")
