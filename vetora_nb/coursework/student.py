"""The student edition: instructor notebooks with the answers taken out.

What changes, cell by cell (nbgrader's ``generate_assignment`` does the same,
with ``ClearSolutions.code_stub`` set to this stub):

- an answer cell's ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region
  becomes the comment ``# YOUR CODE HERE`` (markdown: ``YOUR ANSWER HERE``);
  lines outside the markers stay: the ``answer = ...`` line before them, so
  the answer exists and says "not answered yet", and the ``ex.check``
  self-check after them;
- ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` regions go;
- outputs, execution counts and saved widget state go;
- answer cells cannot be deleted, graded and read-only cells can be neither
  deleted nor edited in JupyterLab (``deletable`` / ``editable`` metadata).

Everything else — prose, parameters, experiments, sliders — is copied as it is.
An untouched edition therefore runs top to bottom without an error.

The folder it is written to is the edition and nothing else: every build
empties it first (it refuses a folder it did not make), and records what it
was built from, so that :func:`edition_is_current` can tell when the source
has changed since.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

import nbformat

from . import cells as C

__all__ = ["student_notebook", "build_student_edition", "source_notebooks", "edition_is_current",
           "STUDENT_README", "MARKER"]

#: The file that marks a folder as a student edition built here, and records its source.
MARKER = ".student-edition.json"

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


def _fingerprint(paths: list[Path]) -> dict:
    """What an edition is built from: each source's bytes and the builder's own code."""
    own = Path(__file__).parent
    builder = hashlib.sha256(b"".join((own / name).read_bytes() for name in ("student.py", "cells.py")))
    return {"sources": {str(p.resolve()): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths},
            "builder": builder.hexdigest()}


def _sources(source) -> list[Path]:
    items = source if isinstance(source, (list, tuple)) else [source]
    paths: list[Path] = []
    for item in items:
        for path in source_notebooks(item):
            if path not in paths:
                paths.append(path)
    if not paths:
        raise FileNotFoundError(f"source: no *.ipynb in {', '.join(map(str, items))}")
    return paths


def edition_is_current(source, out: Path | str) -> bool:
    """Whether ``out`` holds the student edition of exactly ``source`` as it is now."""
    marker = Path(out) / MARKER
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        return recorded == _fingerprint(_sources(source))
    except (OSError, ValueError, FileNotFoundError):
        return False


def _empty(out: Path) -> None:
    """Empty ``out`` if it is an edition built here (or empty); refuse any other folder."""
    if not out.exists():
        out.mkdir(parents=True)
        return
    if not out.is_dir():
        raise ValueError(f"out: {out} is a file, not a folder")
    entries = list(out.iterdir())
    if entries and not (out / MARKER).is_file():
        raise ValueError(f"out: {out} holds files but no student edition built here ({MARKER} is "
                         "missing): choose an empty folder, or empty this one yourself")
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def build_student_edition(source, out: Path | str, *, course_seed: int | None = None,
                          wheel: bool = False) -> list[Path]:
    """Write the student edition of ``source`` into ``out``, replacing what was there.

    ``source`` is a notebook, a folder of them, or a list of either. Every
    notebook is checked first; if any breaks the conventions nothing is
    written and :class:`AuthoringError` lists the problems. ``out`` gets the
    notebooks, a README for students, ``data/`` and, with ``wheel``, the
    package as a wheel (:mod:`.bundle`). Returns the notebooks written.
    """
    paths = _sources(source)
    out = Path(out)
    for path in paths:
        if out.resolve() == path.parent.resolve() or path.resolve().is_relative_to(out.resolve()):
            raise ValueError(f"out: {out} holds the source; the student edition would "
                             "overwrite the instructor notebooks")
    editions, errors = {}, []
    for path in paths:
        try:
            nb = nbformat.read(path, as_version=4)
            editions[path.name] = student_notebook(nb, path.name)
        except C.AuthoringError as err:
            errors.append(str(err))
        except Exception as err:  # noqa: BLE001 - an unreadable notebook is an authoring problem too
            errors.append(f"{path.name}: not a readable notebook ({err})")
    if errors:
        raise C.AuthoringError("the instructor notebooks break the exercise conventions:\n"
                               + "\n".join(errors))
    _empty(out)
    (out / MARKER).write_text('{"building": true}', encoding="utf-8")   # ours, even if the build fails
    written = []
    for name, nb in editions.items():
        target = out / name
        nbformat.write(nb, target)
        written.append(target)
    from vetora_nb.traffic import DATA_DIR

    if DATA_DIR.is_dir():
        shutil.copytree(DATA_DIR, out / "data", ignore=shutil.ignore_patterns(".*", "__pycache__"))
    wheel_name = None
    if wheel:
        from .bundle import build_wheel

        wheel_name = build_wheel(out).name
    (out / "README.md").write_text(STUDENT_README.format(
        notebooks="\n".join(f"- `{name}`" for name in sorted(editions)),
        install=(f"pip install {wheel_name}" if wheel_name else "pip install vetora_nb-*.whl   # the wheel your instructor gives you"),
        seed_line=(f"Your course seed is **{course_seed}**: run `%env VETORA_COURSE_SEED={course_seed}` "
                   "in a cell before the first code cell, every time you open a notebook.\n"
                   if course_seed else ""),
    ), encoding="utf-8")
    (out / MARKER).write_text(json.dumps(_fingerprint(paths), indent=1), encoding="utf-8")
    return written


STUDENT_README = """\
# Coursework notebooks

Each notebook lets you *run* the comparison between request-response and
event-driven architectures: read, predict, run the experiments, move the
sliders, then do the exercises at the end.

{notebooks}

## Getting started

You need Python 3.10 or newer. Install the course package, `vetora_nb`, in
the environment that runs Jupyter, from the wheel in this folder, then open
JupyterLab here:

```bash
python -m venv .venv && . .venv/bin/activate
{install}
pip install jupyterlab
jupyter lab
```

Open a notebook and run the cells from the top (Run → Run All Cells works:
an exercise you have not answered yet says so and the notebook goes on).

## Your parameters

Every student gets their own numbers. In the first code cell of each
notebook, set `STUDENT_ID` to the id your instructor gave you, exactly, for
example `STUDENT_ID = "ada"`, then run the notebook from the top. The
grader uses the same id, so your numbers and the grader's agree.
{seed_line}
## Exercises

- An answer cell starts with `answer_... = ...` and `# YOUR CODE HERE`.
  Write your code below the comment so that it sets the answer; until then
  the cell says "⏳ Not answered yet".
- The line after your answer, `ex.check(...)`, tells you at once whether the
  answer is right (with a hint when it is not). It never shows the answer.
- The cell after each answer is a graded test. It is locked: you can run it
  but not change it. Grading runs the original test cells, plus some hidden
  ones.
- **Compute answers in code from the notebook's parameters** (`RATE`,
  `SEED`, ...), never by typing in a number you read off the screen or found
  by trying `ex.check` until it said "Correct": the grader runs your
  notebook a second time with other parameters, and an answer that does not
  follow them scores 0.
- `YOUR ANSWER HERE` in a text cell: replace it with your written answer.

## Handing in

Hand in the `.ipynb` files with the same names. Only your answer cells are
taken from your notebook: everything else (prose, parameters, experiments,
tests) comes from the original, and your feedback lists what was not used.
So:

- put all of your work inside the answer cells; code in cells you add is
  not run when grading;
- do not delete, copy or paste answer cells (a copied cell keeps the same
  id, and only the first copy is graded);
- make sure the notebook runs from top to bottom in a fresh kernel
  (Kernel → Restart Kernel and Run All Cells) before you hand it in;
- when graded, your notebook runs without network access, in a folder of
  its own; a notebook that runs longer than the time limit your instructor
  sets is stopped, and the tests not reached by then score 0.
"""
