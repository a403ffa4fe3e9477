"""Run notebooks headless, the way a reader's "Run All" would.

A helper module for the tests (not collected itself). Notebooks run in a
fresh ``python3`` kernel, which resolves to the interpreter running the tests
(the project's virtualenv), with the notebook's own folder as working
directory so relative paths such as ``../data/...`` behave as in JupyterLab.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class NotebookExecutionError(AssertionError):
    """A cell failed; the message names the notebook, the cell and the error.

    An AssertionError so pytest reports it as a test failure, not a crash.
    """


def notebook_paths(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Every ``*.ipynb`` directly in ``folder``, sorted for a stable test order."""
    return sorted(folder.glob("*.ipynb"))


def kernel_env() -> dict[str, str]:
    """The environment a notebook kernel gets.

    MPLBACKEND is dropped on purpose: ipykernel only selects the inline
    backend when MPLBACKEND is unset, and with ``Agg`` inherited from the test
    process every ``plt.show()`` would draw nothing and warn instead.
    """
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    return env


def execute_notebook(path: os.PathLike | str, timeout: int = 600) -> nbformat.NotebookNode:
    """Execute the notebook at ``path`` top to bottom and return it with outputs.

    ``timeout`` bounds each cell, in seconds. The file on disk is not
    modified. Any failing cell raises :class:`NotebookExecutionError`.
    """
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    current = {"index": None}

    def remember_cell(cell, cell_index, **_):
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        on_cell_execute=remember_cell,
    )
    try:
        client.execute(env=kernel_env())
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        raise NotebookExecutionError(_describe_failure(path, nb, current["index"], exc)) from None
    return nb


def _describe_failure(path: Path, nb, index, exc: Exception) -> str:
    """A short, readable report: which cell, what it starts with, what went wrong."""
    if index is None:
        where = "before any cell ran"
        source = ""
    else:
        cell = nb.cells[index]
        code_number = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
        where = f"cell {index} (code cell #{code_number})"
        lines = cell.source.splitlines()
        source = "\n".join("    " + line for line in lines[:8])
        if len(lines) > 8:
            source += "\n    ..."
    kind = type(exc).__name__
    detail = _ANSI.sub("", str(exc)).strip()
    return f"{path.name}: {kind} in {where}\n--- cell source ---\n{source}\n--- error ---\n{detail}"


def stored_output_problems(path: os.PathLike | str) -> list[str]:
    """Why the notebook file is not committed clean; empty when it is.

    Committed notebooks carry no outputs, execution counts or saved widget
    state: those belong to a reader's run, bloat diffs and go stale.
    """
    nb = nbformat.read(Path(path), as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {index} has {len(cell.outputs)} stored output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {index} has execution_count {cell.execution_count}")
    if "widgets" in nb.metadata:
        problems.append("notebook metadata holds saved widget state ('widgets')")
    return problems
