"""The exercise-cell conventions: nbgrader metadata and marker regions.

A notebook in ``notebooks/`` is the instructor source. Three kinds of cell
carry nbgrader metadata (``cell.metadata["nbgrader"]``, schema version 3):

- an **answer cell** (``"solution": true``): the student's work. Its
  ``### BEGIN SOLUTION`` / ``### END SOLUTION`` region is replaced by a stub
  in the student edition; a markdown answer becomes ``YOUR ANSWER HERE``.
  The stub is a comment, so a blank edition runs top to bottom: the cell
  sets its answer to ``...`` *before* the region (``answer_drain = ...``),
  and ``ex.check`` says "not answered yet".
- a **graded test cell** (``"grade": true, "solution": false``, locked): its
  checks (``ex.expect`` calls and asserts, :mod:`.checks`) share its
  ``points``. Its ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``
  region is removed from the student edition.
- a **read-only cell** (``"locked": true``): shown to students, always taken
  from the source when grading.

A cell that is both ``grade`` and ``solution`` is an answer marked by hand
(typically a written answer in markdown).

The rules below are nbgrader's own (``ClearSolutions``,
``ClearHiddenTests``, ``LockCells`` and its metadata validator), so the same
sources work with nbgrader itself, configured with this stub
(``c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}``):

>>> from nbformat.v4 import new_code_cell
>>> cell = new_code_cell("answer = ...\\n### BEGIN SOLUTION\\nanswer = 42\\n### END SOLUTION\\nex.check('x', answer)")
>>> print(clear_solution(cell.source, "code", solution_cell=True))
answer = ...
# YOUR CODE HERE
ex.check('x', answer)
>>> print(clear_hidden_tests("check(x)\\n### BEGIN HIDDEN TESTS\\ncheck(x, seed=2)\\n### END HIDDEN TESTS"))
check(x)
"""

from __future__ import annotations

import re

__all__ = [
    "CODE_STUB", "OLD_CODE_STUB", "TEXT_STUB", "AuthoringError", "nbgrader_meta", "grade_id", "points",
    "is_solution", "is_grade", "is_locked", "is_test", "is_manual", "clear_solution",
    "clear_hidden_tests", "solution_regions", "hidden_test_regions", "problems",
    "normalise", "text_of", "test_for_answer",
]

BEGIN_SOLUTION = "BEGIN SOLUTION"
END_SOLUTION = "END SOLUTION"
BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"

#: What replaces a solution region in a code cell: a comment, so that the
#: cell still runs (nbgrader's default raises NotImplementedError instead).
CODE_STUB = "# YOUR CODE HERE"
#: The stub of editions made before: an answer still raising it is unanswered.
OLD_CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
#: What replaces a solution region, or a whole answer, in a markdown cell.
TEXT_STUB = "YOUR ANSWER HERE"

_GRADE_ID = re.compile(r"^[A-Za-z0-9_\-]+$")


class AuthoringError(ValueError):
    """An instructor notebook breaks the exercise-cell conventions."""


# -- metadata ---------------------------------------------------------------------

def nbgrader_meta(cell) -> dict:
    """The cell's nbgrader metadata, ``{}`` when it has none."""
    meta = cell.get("metadata") or {}
    value = meta.get("nbgrader") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def grade_id(cell) -> str | None:
    gid = nbgrader_meta(cell).get("grade_id")
    return str(gid) if gid not in (None, "") else None


def points(cell) -> float:
    return float(nbgrader_meta(cell).get("points", 0) or 0)


def is_solution(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution", False))


def is_grade(cell) -> bool:
    return bool(nbgrader_meta(cell).get("grade", False))


def is_locked(cell) -> bool:
    """nbgrader's rule: answers are never locked, graded cells always are."""
    if is_solution(cell):
        return False
    if is_grade(cell):
        return True
    return bool(nbgrader_meta(cell).get("locked", False))


def is_test(cell) -> bool:
    """A graded test cell: scored by running it."""
    return is_grade(cell) and not is_solution(cell)


def is_manual(cell) -> bool:
    """An answer that is also graded: marked by hand."""
    return is_grade(cell) and is_solution(cell)


def text_of(cell) -> str:
    """The cell's source as one string, whatever shape the file stored."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else str(source)


def normalise(text: str) -> str:
    """Source text compared modulo whitespace."""
    return " ".join(text.split())


def test_for_answer(answer_id: str) -> str | None:
    """``nbNN-slug-answer`` -> ``nbNN-slug-test`` (the naming convention)."""
    return answer_id[: -len("-answer")] + "-test" if answer_id.endswith("-answer") else None


# -- marker regions ---------------------------------------------------------------

def _split_regions(source: str, begin: str, end: str):
    """Yield ``(line, state)``: state is 'begin', 'inside', 'end' or 'outside'."""
    inside = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise AuthoringError(f"nested '{begin}' markers")
            inside = True
            yield line, "begin"
        elif end in line:
            if not inside:
                raise AuthoringError(f"'{end}' without a '{begin}' before it")
            inside = False
            yield line, "end"
        else:
            yield line, "inside" if inside else "outside"
    if inside:
        raise AuthoringError(f"'{begin}' without a matching '{end}'")


def _regions(source: str, begin: str, end: str) -> list[str]:
    regions: list[list[str]] = []
    for line, state in _split_regions(source, begin, end):
        if state == "begin":
            regions.append([])
        elif state == "inside":
            regions[-1].append(line)
    return ["\n".join(lines) for lines in regions]


def solution_regions(source: str) -> list[str]:
    """The text between each BEGIN/END SOLUTION pair."""
    return _regions(source, BEGIN_SOLUTION, END_SOLUTION)


def hidden_test_regions(source: str) -> list[str]:
    """The text between each BEGIN/END HIDDEN TESTS pair."""
    return _regions(source, BEGIN_HIDDEN, END_HIDDEN)


def clear_solution(source: str, cell_type: str, *, solution_cell: bool) -> str:
    """The student's version of a cell: solution regions become the stub.

    Each region (markers included) becomes the stub, indented like its BEGIN
    marker. An answer cell without markers becomes the stub as a whole.
    """
    stub = (CODE_STUB if cell_type == "code" else TEXT_STUB).split("\n")
    lines: list[str] = []
    replaced = False
    for line, state in _split_regions(source, BEGIN_SOLUTION, END_SOLUTION):
        if state == "begin":
            indent = re.match(r"\s*", line).group(0)
            lines.extend(indent + s for s in stub)
            replaced = True
        elif state == "outside":
            lines.append(line)
    if solution_cell and not replaced:
        return "\n".join(stub)
    return "\n".join(lines)


def clear_hidden_tests(source: str) -> str:
    """The cell without its hidden-test regions (markers included)."""
    return "\n".join(line for line, state in _split_regions(source, BEGIN_HIDDEN, END_HIDDEN)
                     if state == "outside")


# -- validation -------------------------------------------------------------------

def problems(nb) -> list[str]:
    """Why ``nb`` breaks the conventions (nbgrader would refuse it); empty if fine."""
    found: list[str] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.get("cells", [])):
        meta = nbgrader_meta(cell)
        ctype = cell.get("cell_type")
        source = text_of(cell)
        gid = grade_id(cell)
        where = f"cell {index}" + (f" ({gid})" if gid else "")
        grade, solution, locked = is_grade(cell), is_solution(cell), bool(meta.get("locked"))
        if meta and (grade or solution or locked):
            if gid is None:
                found.append(f"{where}: nbgrader cell without a grade_id")
            elif not _GRADE_ID.match(gid):
                found.append(f"{where}: grade_id may only hold letters, digits, '-' and '_'")
            elif gid in seen:
                found.append(f"{where}: grade_id {gid!r} already used by cell {seen[gid]}")
            else:
                seen[gid] = index
        if grade:
            try:
                if "points" not in meta or float(meta["points"]) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                found.append(f"{where}: graded cell needs 'points' (a number >= 0)")
        if ctype == "markdown" and grade != solution:
            found.append(f"{where}: a markdown cell must be both 'grade' and 'solution' or neither "
                         "(a written answer is marked by hand)")
        try:
            has_solution = bool(solution_regions(source))
        except AuthoringError as err:
            found.append(f"{where}: {err}")
            has_solution = False
        try:
            has_hidden = bool(hidden_test_regions(source))
        except AuthoringError as err:
            found.append(f"{where}: {err}")
            has_hidden = False
        if has_solution and not solution:
            found.append(f"{where}: solution markers in a cell that is not an answer cell "
                         "(set \"solution\": true)")
        if has_hidden and not grade:
            found.append(f"{where}: hidden-test markers in a cell that is not a graded test cell "
                         "(set \"grade\": true)")
        if ctype == "code" and solution and has_solution:
            try:
                student = clear_solution(source, "code", solution_cell=True)
                compile(_python(student), where, "exec")
            except SyntaxError as err:
                found.append(f"{where}: the student edition of this cell is not valid Python ({err.msg}, "
                             f"line {err.lineno}): leave a statement in every block around a solution "
                             "region (a docstring will do)")
            except AuthoringError:
                pass
    if not any("markers" in p or "without a" in p for p in found):
        from .checks import notebook_plans

        found.extend(notebook_plans(nb)[1])
    return found


def _python(source: str) -> str:
    from .checks import _python as transform

    return transform(source)
