"""What is taken from a student's notebook: the answer cells, and nothing else.

A submission is never run as handed in. :meth:`Assignment.rebuild` makes the
notebook to grade from the *instructor source*, taking only the answer cells
(``"solution": true``) from the submission, matched by ``grade_id``. Test
cells, their hidden tests, parameters and prose always come from the
source, so editing or deleting a locked cell changes nothing but a note in
the feedback — and so does everything else the student did outside the
answer cells: each is named, so that nothing is ignored without a word.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import cells as C
from .checks import notebook_plans, snapshot_index
from .student import student_notebook

__all__ = ["Assignment", "Rebuilt", "read_submission", "NOTES"]

#: What the feedback says about each thing taken, or not taken, from a submission.
NOTES = {
    "missing_answer": "answer cell {gid} missing: 0 points",
    "duplicate": "grade_id {gid} appears {n} times in the submission: the first copy was graded",
    "locked_changed": "locked cell {gid} was changed in the submission: the original was used",
    "locked_deleted": "locked cell {gid} was deleted from the submission: the original was used",
    "type_changed": "answer cell {gid} was turned into a {got} cell: it was graded as {want}",
    "unknown_cell": "cell with grade_id {gid} is not part of this notebook: ignored",
    "added_cell": ("a code cell you added was not run ({start}): only answer cells are taken from your "
                   "notebook, so put your work in them"),
    "added_text": "{n} text cell(s) you added were not graded",
    "edited": ("your changes to {n} cell(s) other than answer cells ({which}) were not used: every cell but "
               "the answer cells runs as in the original"),
}


def read_submission(path: Path):
    """``(notebook, None)`` or ``(None, reason)`` for a file that is no notebook."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except OSError as err:
        return None, f"unreadable: {err.strerror or err}"
    if not text.strip():
        return None, "the file is empty"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"invalid JSON: {err.msg} at line {err.lineno}"
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, "no list of cells"
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as err:  # noqa: BLE001 - any way a file can fail to be a notebook
        return None, f"unsupported notebook format: {err}"
    if not all(isinstance(cell, dict) for cell in nb.get("cells", [])):
        return None, "a cell is not an object"
    return nb, None


@dataclass
class Rebuilt:
    """The notebook to grade, and what the feedback says about the submission."""

    nb: object
    notes: list[str] = field(default_factory=list)          # for the whole notebook
    notes_for: dict[str, list[str]] = field(default_factory=dict)   # grade_id -> notes
    missing: set = field(default_factory=set)


class Assignment:
    """What one instructor notebook grades: its answer cells, test cells and their checks."""

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
        self.plans, _ = notebook_plans(self.nb)
        self.snapshot_at = snapshot_index(self.nb)
        self.course_files = self._course_modules()
        self._check_exercises()

    def _course_modules(self) -> list[Path]:
        """Modules next to the source that the notebook imports (its own exercises): imported here too."""
        imported = set()
        for cell in self.nb.cells:
            if cell.cell_type == "code":
                imported |= _imports(C.text_of(cell))
        found = []
        for name in sorted(imported):
            path = self.path.parent / f"{name}.py"
            if path.is_file():
                _import_file(name, path)
                found.append(path)
        return found

    def _check_exercises(self) -> None:
        from .. import exercises as ex

        known = ex.registry()
        for plan in self.plans.values():
            for check in plan.checks:
                if check.kind == "expect" and check.exercise not in known:
                    raise C.AuthoringError(f"{self.path.name}: {plan.grade_id} checks exercise "
                                           f"{check.exercise!r}, which no exercise module registers")

    def _answer_for(self, gid: str, index: int) -> str | None:
        """The answer cell a graded cell depends on: itself, its namesake, or the one before."""
        if gid in self.answers:
            return gid
        for answer in self.answers:
            if C.test_for_answer(answer) == gid:
                return answer
        before = [a for a, i in self.answers.items() if i < index]
        return max(before, key=self.answers.get) if before else None

    @property
    def questions(self) -> set[str]:
        return {gid for gid, _ in self.graded}

    def rebuild(self, sub) -> Rebuilt:
        """The source with the submission's answer cells in place, and the notes that go with it."""
        out = Rebuilt(copy.deepcopy(self.nb))
        out.nb.metadata.pop("widgets", None)

        def note(message: str, *gids: str | None) -> None:
            targets = [gid for gid in gids if gid in self.questions]
            for gid in targets:
                out.notes_for.setdefault(gid, []).append(message)
            if not targets:
                out.notes.append(message)

        by_id: dict[str, list] = {}
        for cell in sub.cells:
            gid = C.grade_id(cell)
            if gid:
                by_id.setdefault(gid, []).append(cell)
        known = set(self.answers) | set(self.locked) | self.questions
        for gid in by_id:
            if gid not in known:
                note(NOTES["unknown_cell"].format(gid=gid))

        for index, cell in enumerate(out.nb.cells):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            gid = C.grade_id(cell)
            copies = by_id.get(gid, []) if gid else []
            tests_of = [g for g, a in self.answer_of.items() if a == gid]
            if len(copies) > 1:
                note(NOTES["duplicate"].format(gid=gid, n=len(copies)), gid, *tests_of)
            if C.is_solution(cell):
                if not copies:
                    out.missing.add(gid)
                    cell.source = self.student.cells[index].source
                    if not tests_of and gid not in self.questions:
                        note(NOTES["missing_answer"].format(gid=gid))
                    continue
                chosen = copies[0]
                if chosen.get("cell_type") != cell.cell_type:
                    note(NOTES["type_changed"].format(gid=gid, got=chosen.get("cell_type"),
                                                      want=cell.cell_type), gid, *tests_of)
                cell.source = C.text_of(chosen)
            elif gid and C.is_locked(cell):
                expected = {C.normalise(self.student.cells[index].source), C.normalise(cell.source)}
                if not copies:
                    note(NOTES["locked_deleted"].format(gid=gid), gid)
                elif C.normalise(C.text_of(copies[0])) not in expected:
                    note(NOTES["locked_changed"].format(gid=gid), gid)
        out.notes.extend(self._ignored(sub))
        return out

    def _ignored(self, sub) -> list[str]:
        """Notes on the cells of ``sub`` that grading does not use (matched by cell id)."""
        source_ids = {c.get("id"): i for i, c in enumerate(self.nb.cells) if c.get("id")}
        if not source_ids or not any(c.get("id") for c in sub.cells):
            return []
        notes, added_text, edited = [], 0, []
        for cell in sub.cells:
            text = C.text_of(cell).strip()
            if C.grade_id(cell) or not text:
                continue
            index = source_ids.get(cell.get("id"))
            if index is None:
                if cell.get("cell_type") == "code":
                    first = text.splitlines()[0]
                    notes.append(NOTES["added_cell"].format(start=first if len(first) <= 60 else first[:59] + "…"))
                else:
                    added_text += 1
            elif C.normalise(text) != C.normalise(self.student.cells[index].source):
                edited.append(index)
        if added_text:
            notes.append(NOTES["added_text"].format(n=added_text))
        if edited:
            which = ", ".join(f"cell {i}" for i in edited[:5]) + (", ..." if len(edited) > 5 else "")
            notes.append(NOTES["edited"].format(n=len(edited), which=which))
        return notes

    def is_blank(self, nb, answer_gid: str) -> bool:
        """Whether answer cell ``answer_gid`` of ``nb`` is as the student edition hands it out."""
        index = self.answers[answer_gid]
        return C.normalise(nb.cells[index].source) == C.normalise(self.student.cells[index].source)


def _imports(source: str) -> set[str]:
    import ast

    from .checks import _python

    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def _import_file(name: str, path: Path) -> None:
    """Import ``path`` as module ``name`` unless that module is already this very file."""
    loaded = sys.modules.get(name)
    if loaded is not None and Path(getattr(loaded, "__file__", "") or "").resolve() == path.resolve():
        return
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)

