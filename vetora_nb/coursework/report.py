"""Grades as a CSV for the gradebook and as one feedback file per student."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

from .grading import NotebookGrade

__all__ = ["write_csv", "write_feedback", "feedback_markdown", "CSV_COLUMNS"]

CSV_COLUMNS = ["student", "notebook", "question", "points", "max"]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def write_csv(grades: list[NotebookGrade], path: Path) -> Path:
    """One row per graded cell; ``points`` is blank while it awaits hand marking."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for grade in grades:
            for q in grade.questions:
                writer.writerow([grade.student, grade.notebook, q.grade_id, _num(q.points),
                                 _num(q.max_points)])
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
