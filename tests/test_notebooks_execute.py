"""Every notebook in notebooks/ runs top to bottom without an error.

This is the headless half of "a reader presses Run All": it catches broken
imports, renamed APIs and bad data paths quickly, without a browser. It also
checks that the files are committed clean (see ``stored_output_problems``).
"""

from __future__ import annotations

import nbformat
import pytest

from notebook_runner import (
    REPO_ROOT,
    NotebookExecutionError,
    execute_notebook,
    notebook_paths,
    stored_output_problems,
)

NOTEBOOKS = notebook_paths()
FIXTURE_NOTEBOOKS = notebook_paths(REPO_ROOT / "tests" / "fixtures")


def _ids(paths):
    return [p.relative_to(REPO_ROOT).as_posix() for p in paths]


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes(path):
    nb = execute_notebook(path)
    assert any(c.cell_type == "code" for c in nb.cells), f"{path.name} has no code cell"


@pytest.mark.parametrize("path", NOTEBOOKS + FIXTURE_NOTEBOOKS, ids=_ids(NOTEBOOKS + FIXTURE_NOTEBOOKS))
def test_notebook_is_committed_clean(path):
    problems = stored_output_problems(path)
    assert not problems, f"{path.name} is not clean (clear outputs before committing):\n" + "\n".join(problems)


@pytest.mark.notebook
def test_fixture_notebook_executes_and_draws():
    """The browser test's fixture also works headless, and draws a PNG."""
    nb = execute_notebook(REPO_ROOT / "tests" / "fixtures" / "slider_demo.ipynb", timeout=120)
    # interactive_output draws into an Output widget, whose captured outputs
    # land in the widget state rather than in the cell's outputs.
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    captured = [
        mime
        for model in state.values()
        if model["model_name"] == "OutputModel"
        for out in model["state"].get("outputs", [])
        for mime in out.get("data", {})
    ]
    assert "image/png" in captured


@pytest.mark.notebook
def test_failure_names_the_cell(tmp_path):
    """A failing cell is reported by position and source, not a bare traceback."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("intro"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("undefined_name + x"),
    ]
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(NotebookExecutionError) as info:
        execute_notebook(path, timeout=60)
    message = str(info.value)
    assert "broken.ipynb" in message
    assert "cell 2 (code cell #2)" in message
    assert "undefined_name + x" in message
    assert "NameError" in message
