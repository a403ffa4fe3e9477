"""Grades for the instructor and the gradebook, feedback for each student.

- ``grades.csv``: one row per check of every graded cell — ``student,
  notebook, question, check, points, max`` — so partial credit is visible
  (``points`` blank for an answer still to be marked by hand);
- ``gradebook.csv``: one row per student, the points of each notebook and
  the total, after a ``Points Possible`` row;
- ``canvas.csv``: the same totals in the shape of Canvas's gradebook import
  (``Student, ID, SIS User ID, SIS Login ID, Section``, then one column per
  notebook, a ``Points Possible`` row first); the student's folder name is
  taken as their SIS Login ID;
- ``feedback/<student>.md``: what each student is told — every message in
  full, hints included.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from .grading import NotebookGrade

__all__ = ["write_csv", "write_gradebook", "write_canvas", "write_feedback", "feedback_markdown",
           "CSV_COLUMNS", "CANVAS_COLUMNS"]

CSV_COLUMNS = ["student", "notebook", "question", "check", "points", "max"]
CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{round(value, 4):g}"


def write_csv(grades: list[NotebookGrade], path: Path) -> Path:
    """One row per check; a question marked by hand is one row with a blank check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for grade in grades:
            for q in grade.questions:
                if not q.checks:
                    writer.writerow([grade.student, grade.notebook, q.grade_id, "", _num(q.points),
                                     _num(q.max_points)])
                for check in q.checks:
                    writer.writerow([grade.student, grade.notebook, q.grade_id, check.label,
                                     _num(check.points), _num(check.max_points)])
    return path


def _totals(grades: list[NotebookGrade], notebooks: list[str]):
    by_student: dict[str, dict[str, NotebookGrade]] = defaultdict(dict)
    maxima = {}
    for grade in grades:
        by_student[grade.student][grade.notebook] = grade
        maxima[grade.notebook] = max(maxima.get(grade.notebook, 0.0), grade.max_points)
    return by_student, [maxima.get(name, 0.0) for name in notebooks]


def _column(notebook: str) -> str:
    return Path(notebook).stem


def write_gradebook(grades: list[NotebookGrade], notebooks: list[str], path: Path) -> Path:
    """One row per student: points per notebook, total, and what is still to be marked by hand."""
    by_student, maxima = _totals(grades, notebooks)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *map(_column, notebooks), "total", "to mark by hand"])
        writer.writerow(["Points Possible", *map(_num, maxima), _num(sum(maxima)), ""])
        for student in sorted(by_student):
            row = by_student[student]
            points = [row[name].points if name in row else 0.0 for name in notebooks]
            pending = sum(row[name].pending for name in notebooks if name in row)
            writer.writerow([student, *map(_num, points), _num(sum(points)), _num(pending) if pending else ""])
    return path


def write_canvas(grades: list[NotebookGrade], notebooks: list[str], path: Path) -> Path:
    """Canvas's gradebook import: one column per notebook, a new assignment of that name."""
    by_student, maxima = _totals(grades, notebooks)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*CANVAS_COLUMNS, *map(_column, notebooks)])
        writer.writerow(["Points Possible", "", "", "", "", *map(_num, maxima)])
        for student in sorted(by_student):
            row = by_student[student]
            writer.writerow([student, "", "", student, "",
                             *(_num(row[name].points) if name in row else "0" for name in notebooks)])
    return path


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def feedback_markdown(student: str, grades: list[NotebookGrade], notes: list[str] = (),
                      course_seed: int = 0) -> str:
    total = sum(g.points for g in grades)
    total_max = sum(g.max_points for g in grades)
    pending = sum(g.pending for g in grades)
    lines = [f"# Feedback for {student}", ""]
    summary = f"Total: **{total:g} / {total_max:g} points**"
    if pending:
        summary += f", with {pending:g} more to be marked by hand"
    lines += [summary + ".", ""]
    if course_seed:
        lines += [f"Graded with course seed {course_seed}.", ""]
    for note in notes:
        lines.append(f"- {note}")
    if notes:
        lines.append("")
    for grade in grades:
        head = f"## {grade.notebook} — {grade.points:g} / {grade.max_points:g}"
        if grade.pending:
            head += f" (+{grade.pending:g} to be marked by hand)"
        lines += [head, ""]
        for note in grade.notes:
            lines.append(f"- {note}")
        if grade.notes:
            lines.append("")
        if grade.questions:
            lines += ["| question | points | feedback |", "|---|---|---|"]
            for q in grade.questions:
                pts = "—" if q.points is None else f"{q.points:g}"
                lines.append(f"| {_cell(q.grade_id)} | {pts} / {q.max_points:g} | {_cell(q.message)} |")
            lines.append("")
        for q in grade.questions:
            if len(q.checks) > 1 and len({c.message for c in q.checks}) > 1:
                lines += [f"**{q.grade_id}**, check by check:", ""]
                lines += [f"- {c.label}: {c.points:g} / {c.max_points:g} — {c.message}" for c in q.checks]
                lines.append("")
        for q in grade.questions:
            if q.points is None and q.answer_text.strip():
                lines += [f"**{q.grade_id}**, your answer:", ""]
                lines += ["> " + line if line else ">" for line in q.answer_text.strip().splitlines()]
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(grades: list[NotebookGrade], folder: Path, student_notes: dict | None = None,
                   *, course_seed: int = 0) -> Path:
    """``folder/<student>.md`` for every student with a grade or a note."""
    student_notes = student_notes or {}
    by_student: dict[str, list[NotebookGrade]] = defaultdict(list)
    for grade in grades:
        by_student[grade.student].append(grade)
    folder.mkdir(parents=True, exist_ok=True)
    for student in sorted(set(by_student) | set(student_notes)):
        text = feedback_markdown(student, by_student.get(student, []),
                                 student_notes.get(student, []), course_seed)
        (folder / f"{student}.md").write_text(text, encoding="utf-8")
    return folder
