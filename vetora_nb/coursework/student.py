"""The student edition: instructor notebooks with the answers taken out.

What changes, cell by cell (nbgrader's ``generate_assignment`` does the same):

- an answer cell's ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region
  becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()`` (markdown:
  ``YOUR ANSWER HERE``); lines outside the markers, such as the ``ex.check``
  self-check, stay;
- ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` regions go;
- outputs, execution counts and saved widget state go;
- answer cells cannot be deleted, graded and read-only cells can be neither
  deleted nor edited in JupyterLab (``deletable`` / ``editable`` metadata).

Everything else — prose, parameters, experiments, sliders — is copied as it is.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from . import cells as C

__all__ = ["student_notebook", "build_student_edition", "source_notebooks", "STUDENT_README"]

_RUN_METADATA = ("execution", "collapsed", "scrolled")


def source_notebooks(source: Path | str) -> list[Path]:
    """The notebooks a source names: one file, or every ``*.ipynb`` in a folder."""
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise FileNotFoundError(f"source: no notebook or folder at {source}")
    return sorted(p for p in source.glob("*.ipynb") if not p.name.startswith("."))


def student_notebook(nb, name: str = "notebook"):
    """The student edition of one instructor notebook (a new object).

    Raises :class:`~vetora_nb.coursework.cells.AuthoringError` listing every
    problem if the notebook breaks the exercise-cell conventions.
    """
    found = C.problems(nb)
    if found:
        raise C.AuthoringError(f"{name}:\n  " + "\n  ".join(found))
    out = copy.deepcopy(nb)
    for key in ("widgets", "celltoolbar"):
        out.metadata.pop(key, None)
    for cell in out.cells:
        source = C.text_of(cell)
        source = C.clear_solution(source, cell.cell_type, solution_cell=C.is_solution(cell))
        cell.source = C.clear_hidden_tests(source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in _RUN_METADATA:
            cell.metadata.pop(key, None)
        _lock(cell)
    return out


def _lock(cell) -> None:
    """nbgrader's LockCells: what JupyterLab lets a student delete or edit."""
    if C.is_solution(cell):
        cell.metadata["deletable"] = False
    elif C.is_grade(cell) or C.is_locked(cell):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False


def build_student_edition(source: Path | str, out: Path | str, *,
                          course_seed: int | None = None) -> list[Path]:
    """Write the student edition of ``source`` (a notebook or a folder) into ``out``.

    Every notebook is checked first; if any breaks the conventions nothing
    is written and :class:`AuthoringError` lists the problems. Returns the
    notebooks written. ``out`` also gets a README for students.
    """
    paths = source_notebooks(source)
    out = Path(out)
    if not paths:
        raise FileNotFoundError(f"source: no *.ipynb in {source}")
    for path in paths:
        if out.resolve() == path.parent.resolve():
            raise ValueError(f"out: {out} is the source folder; the student edition would "
                             "overwrite the instructor notebooks")
    editions, errors = {}, []
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
            editions[path.name] = student_notebook(nb, path.name)
        except C.AuthoringError as err:
            errors.append(str(err))
        except Exception as err:  # an unreadable notebook is an authoring problem too
            errors.append(f"{path.name}: not a readable notebook ({err})")
    if errors:
        raise C.AuthoringError("the instructor notebooks break the exercise conventions:\n"
                               + "\n".join(errors))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in editions.items():
        target = out / name
        nbformat.write(nb, target)
        written.append(target)
    present = sorted(p.name for p in out.glob("*.ipynb"))
    (out / "README.md").write_text(STUDENT_README.format(
        notebooks="\n".join(f"- `{name}`" for name in present),
        seed_line=(f"Your course seed is **{course_seed}**: run `%env VETORA_COURSE_SEED={course_seed}` "
                   "in a cell before the first code cell, every time you open a notebook.\n"
                   if course_seed else ""),
    ), encoding="utf-8")
    return written


STUDENT_README = """\
# Coursework notebooks

Each notebook lets you *run* the comparison between request-response and
event-driven architectures: read, predict, run the experiments, move the
sliders, then do the exercises at the end.

{notebooks}

## Getting started

You need Python 3.10 or newer and the course package, `vetora_nb`, installed
in the environment that runs Jupyter (your instructor tells you how). Open a
notebook in JupyterLab and run the cells from the top.

## Your parameters

Every student gets their own numbers. In the first code cell of each
notebook, set `STUDENT_ID` to the id your instructor gave you, exactly, for
example `STUDENT_ID = "ada"`, then run the notebook from the top. The
grader uses the same id, so your numbers and the grader's agree.
{seed_line}
## Exercises

- An answer cell starts as `# YOUR CODE HERE` and `raise NotImplementedError()`.
  Running it raises `NotImplementedError` until you replace those two lines
  with your answer; that is expected.
- The line after your answer, `ex.check(...)`, tells you at once whether the
  answer is right (with a hint when it is not). It never shows the answer.
- The cell after each answer is a graded test. It is locked: you can run it
  but not change it. Grading runs the original test cells, plus some hidden
  ones, so a test you pass here may still fail if your answer only fits
  your own run by accident: compute answers in code rather than typing in
  numbers you read off the screen.
- `YOUR ANSWER HERE` in a text cell: replace it with your written answer.

## Handing in

Hand in the `.ipynb` files with the same names. Only your answer cells are
taken from your notebook: everything else (prose, parameters, experiments,
tests) comes from the original. So:

- put all of your work inside the answer cells; code in cells you add is
  not run when grading;
- do not delete, copy or paste answer cells (a copied cell keeps the same
  id, and only the first copy is graded);
- make sure the notebook runs from top to bottom in a fresh kernel
  (Kernel → Restart Kernel and Run All Cells) before you hand it in;
- a notebook that runs longer than the time limit your instructor sets is
  stopped, and the tests not reached by then score 0.
"""
