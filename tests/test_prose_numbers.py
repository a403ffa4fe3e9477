"""No measured or parameter-derived number is typed into the prose.

A student changes the parameters cell and runs again; a number typed into a
Markdown cell does not follow. tests/prose_numbers.py finds the numbers with
a unit or a rate in static Markdown (definitions such as p99 or notebook
numbers are allowed there); every one belongs in a computed cell. Exercise
hints are prose a student reads too, and are held to the same rule.
"""

from __future__ import annotations

import nbformat
import pytest

from notebook_runner import REPO_ROOT, notebook_paths
from prose_numbers import typed_number_matches
from vetora_nb import exercises

NOTEBOOKS = notebook_paths()

#: Exact strings a notebook may keep, with the reason: {notebook name: [string, ...]}.
ALLOWED: dict[str, list[str]] = {}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(REPO_ROOT).as_posix() for p in NOTEBOOKS])
def test_no_number_is_typed_into_static_markdown(path):
    nb = nbformat.read(path, as_version=4)
    found = [f"{path.name} cell {i}: {number!r} in: {line}"
             for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
             for number, line in typed_number_matches(cell.source, ALLOWED.get(path.name, ()))]
    assert not found, f"{len(found)} typed number(s):\n" + "\n".join(found)


def test_no_number_is_typed_into_an_exercise_hint():
    found = [f"hint of {exercise_id}: {number!r} in: {line}"
             for exercise_id, exercise in sorted(exercises.registry().items())
             for number, line in typed_number_matches(exercise.hint)]
    assert not found, f"{len(found)} typed number(s):\n" + "\n".join(found)
