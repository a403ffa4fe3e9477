"""Every notebook has the collection's shape: the same sections, in the same order.

``docs/authoring.md`` lists them. A reader who has done one notebook knows
where the prediction, the sliders and the exercises of the next one are;
the student edition and the grader rely on the same landmarks.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from notebook_runner import REPO_ROOT, notebook_paths

NOTEBOOKS = notebook_paths()
APP_PAGES = sorted((REPO_ROOT / "app").glob("*.ipynb"))

#: The ``##`` sections of a notebook, in order. ``Experiment`` repeats (1, 2, ...).
SHAPE = ("Learning goals", "The setting", "Before you run", "Experiment", "Your turn: sliders", "What you saw",
         "Exercises", "Further reading")
#: Notebook 00 is the tour: it has no exercises.
WITHOUT_EXERCISES = {"00_start_here.ipynb"}
_EXPERIMENT = re.compile(r"Experiment (\d+) · \S")


def headings(path, level: int = 2) -> list[str]:
    """The text of every heading of ``level`` in the notebook's markdown cells, in order."""
    nb = nbformat.read(path, as_version=4)
    mark = "#" * level + " "
    out, fenced = [], False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced and line.startswith(mark):
                out.append(line[len(mark):].strip())
    return out


def shape_problems(names: list[str], *, exercises: bool = True) -> list[str]:
    """What is wrong with a notebook whose ``##`` headings are ``names``.

    >>> shape_problems(["Learning goals", "The setting: a shop", "Before you run", "Experiment 1 · x",
    ...                 "Your turn: sliders", "What you saw", "Exercises", "Further reading"])
    []
    >>> shape_problems(["Learning goals", "Before you run", "Experiment 2 · x", "Sliders"], exercises=False)[0]
    "unexpected section '## Sliders' (allowed: Learning goals, The setting, Before you run, Experiment, \
Your turn: sliders, What you saw, Further reading)"
    >>> shape_problems(["Learning goals", "The setting", "Before you run", "Experiment 2 · x",
    ...                 "Your turn: sliders", "What you saw", "Further reading"], exercises=False)
    ['experiments are numbered [2], expected [1]']
    """
    problems = []
    wanted = [s for s in SHAPE if exercises or s != "Exercises"]
    kinds = []
    for name in names:
        kind = next((s for s in wanted if name == s or (s in ("The setting", "Experiment") and name.startswith(s))),
                    None)
        if kind is None:
            problems.append(f"unexpected section '## {name}' (allowed: {', '.join(wanted)})")
        kinds.append(kind)
    for s in wanted:
        if s not in kinds:
            problems.append(f"missing '## {s}{'...' if s in ('The setting', 'Experiment') else ''}'")
    numbers = [int(m.group(1)) for n in names if (m := _EXPERIMENT.match(n))]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"experiments are numbered {numbers}, expected {list(range(1, len(numbers) + 1))}")
    bad = [n for n in names if n.startswith("Experiment") and not _EXPERIMENT.match(n)]
    if bad:
        problems.append(f"an experiment heading reads 'Experiment k · what': {bad}")
    order = [wanted.index(k) for k in kinds if k is not None]
    if order != sorted(order):
        problems.append("sections out of order: " + " → ".join(k for k in kinds if k))
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_has_the_collection_shape(path):
    problems = shape_problems(headings(path), exercises=path.name not in WITHOUT_EXERCISES)
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_has_one_title_with_its_number(path):
    titles = headings(path, level=1)
    assert len(titles) == 1 and titles[0].startswith(path.name[:2] + " · "), f"{path.name}: titles {titles}"


@pytest.mark.parametrize("path", NOTEBOOKS + APP_PAGES, ids=[p.name for p in NOTEBOOKS + APP_PAGES])
def test_every_cell_has_its_own_id(path):
    # JupyterLab and nbformat key cells by id; nbformat warns of a cell without one and will refuse it.
    ids = [cell.get("id") for cell in json.loads(path.read_text())["cells"]]
    assert None not in ids, f"{path.name}: cell {ids.index(None)} has no id"
    assert len(set(ids)) == len(ids), f"{path.name}: cell ids repeat"
