"""Run a notebook headless and look at what a reader would: its pictures and its hints.

A helper module for the tests (not collected itself). :func:`probe_notebook`
executes a notebook top to bottom, as :mod:`notebook_runner` does, in a
kernel that checks every PNG it makes (:mod:`figure_hook`, installed by an
IPython startup file in a private ``IPYTHONDIR``), then, in the same kernel
after the last cell:

- optionally moves every control of every panel in the namespace to each of
  its ends (``extremes=True``), so that each of those pictures is checked too;
- judges the code snippets the prose and the hints tell a student to type
  (:mod:`hint_snippets`) against the notebook's own namespace.

:func:`probed` caches one probe per notebook for the length of a test
session, so that the figure test and the hint test share one execution.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from notebook_runner import NotebookExecutionError, _describe_failure, kernel_env

TESTS_DIR = Path(__file__).resolve().parent

#: Width, in CSS pixels, of a code cell's output area in JupyterLab 4.6 in
#: the browser test's 1400 x 1000 window with the file browser open (as
#: measured there). A wider picture is shown shrunk to this width
#: (``max-width: 100%``), its texts with it.
DISPLAY_WIDTH = 968

#: Set to 1 to move every control of every panel to both ends in the probe.
EXTREMES_ENV = "VETORA_PANEL_EXTREMES"
#: Set to a folder to keep there the PNG of every picture with a problem.
PICTURES_ENV = "VETORA_LEGIBILITY_PICTURES"

_MARK = "@@probe-verdicts@@"


@dataclass
class Probe:
    """What one run of a notebook showed."""
    path: Path
    nb: nbformat.NotebookNode
    #: One dict per PNG made (see :mod:`figure_hook`), with ``cell_index``: the
    #: notebook cell that drew it (``None`` for the probe's own panel moves).
    figures: list = field(default_factory=list)
    #: One :class:`hint_snippets.Verdict` dict per snippet judged.
    verdicts: list = field(default_factory=list)

    def figure_problems(self) -> list[str]:
        """One line per problem: notebook, cell, what drew it, the problem."""
        lines = []
        for rec in self.figures:
            where = f"cell {rec['cell_index']}" if rec["cell_index"] is not None else "after the last cell"
            what = rec["source"] + (f" [{rec['context']}]" if rec.get("context") else "")
            lines += [f"{self.path.name} {where} ({what}, {rec['size'][0]}x{rec['size'][1]} px at "
                      f"{rec['dpi']:g} dpi): {p}" for p in rec["problems"]]
        return lines

    def hint_failures(self) -> list[str]:
        return [f"{self.path.name} {v['where']}: `{v['code']}` -> {v['error']}" for v in self.verdicts if v["error"]]


def _startup(report: Path, display_width, save_dir) -> str:
    return (f"import sys\nsys.path.insert(0, {str(TESTS_DIR)!r})\nimport figure_hook\n"
            f"figure_hook.install({str(report)!r}, display_width={display_width!r}, save_dir={save_dir!r})\n")


def _extremes_cell() -> str:
    return f"""\
import sys as _probe_sys
_probe_sys.path.insert(0, {str(TESTS_DIR)!r})
import figure_hook as _probe_fh
import panel_checks as _probe_pc
from vetora_nb.widgets import Panel as _ProbePanel
_probe_seen = set()
for _probe_name, _probe_panel in list(globals().items()):
    if (isinstance(_probe_panel, _ProbePanel) and not _probe_name.startswith("_")
            and id(_probe_panel) not in _probe_seen):
        _probe_seen.add(id(_probe_panel))
        _probe_panel.wait()
        for _probe_setting in _probe_pc.settings_one_at_a_time(_probe_panel):
            _probe_fh.context = f"{{_probe_name}}.update(**{{_probe_setting!r}})"
            _probe_panel.update(**_probe_setting)
_probe_fh.context = None
"""


def _snippets_cell(snippets) -> str:
    payload = json.dumps([{"code": s.code, "where": s.where} for s in snippets])
    return f"""\
import sys as _probe_sys, json as _probe_json
_probe_sys.path.insert(0, {str(TESTS_DIR)!r})
import hint_snippets as _probe_hs
_probe_verdicts = _probe_hs.check_snippets(_probe_json.loads({payload!r}), globals())
print({_MARK!r} + _probe_json.dumps([v.as_dict() for v in _probe_verdicts]))
"""


def probe_notebook(path: os.PathLike | str, *, snippets=(), extremes: bool = False, timeout: int = 600,
                   display_width: float | None = DISPLAY_WIDTH, pictures: os.PathLike | str | None = None) -> Probe:
    """Execute the notebook at ``path`` with its pictures checked, then judge ``snippets`` in it.

    With ``pictures`` (a folder), the PNG of each picture with a problem is
    kept in ``pictures/<notebook>/`` and named in its record's ``png``.

    A failing cell raises :class:`notebook_runner.NotebookExecutionError`,
    as in :func:`notebook_runner.execute_notebook`. The file is not modified.
    """
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    own_cells = len(nb.cells)
    if extremes:
        nb.cells.append(nbformat.v4.new_code_cell(_extremes_cell()))
    if snippets:
        nb.cells.append(nbformat.v4.new_code_cell(_snippets_cell(snippets)))

    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        report = Path(tmp) / "figures.jsonl"
        startup = Path(tmp) / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        save_dir = None
        if pictures is not None:
            save_dir = str(Path(pictures).resolve() / path.stem)
            Path(save_dir).mkdir(parents=True, exist_ok=True)
        (startup / "00-legibility.py").write_text(_startup(report, display_width, save_dir))
        env = {**kernel_env(), "IPYTHONDIR": str(Path(tmp) / "ipython")}
        current = {"index": None}

        def remember_cell(cell, cell_index, **_):
            current["index"] = cell_index

        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}, on_cell_execute=remember_cell)
        try:
            client.execute(env=env)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            raise NotebookExecutionError(_describe_failure(path, nb, current["index"], exc)) from None
        lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []

    index_of = {cell.get("execution_count"): i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    figures = []
    for line in lines:
        rec = json.loads(line)
        index = index_of.get(rec["cell"])
        rec["cell_index"] = index if index is not None and index < own_cells else None
        figures.append(rec)
    verdicts = []
    if snippets:
        for out in nb.cells[-1].get("outputs", []):
            text = out.get("text", "")
            if _MARK in text:
                verdicts = json.loads(text.split(_MARK, 1)[1])
    return Probe(path, nb, figures, verdicts)


def collection_snippets(path: Path) -> list:
    """What the prose and the hints of the notebook at ``path`` tell a student to type."""
    import hint_snippets
    from vetora_nb import exercises

    nb = nbformat.read(path, as_version=4)
    return hint_snippets.notebook_snippets(nb) + hint_snippets.exercise_snippets(path.name[:2], exercises.registry())


@functools.lru_cache(maxsize=None)
def probed(path: Path) -> Probe:
    """:func:`probe_notebook` once per notebook per session, with its snippets,
    the panels' extremes if the environment variable :data:`EXTREMES_ENV` is 1,
    and the pictures with a problem kept in the folder :data:`PICTURES_ENV` names."""
    extremes = os.environ.get(EXTREMES_ENV) == "1"
    return probe_notebook(path, snippets=collection_snippets(path), extremes=extremes,
                          timeout=1800 if extremes else 600, pictures=os.environ.get(PICTURES_ENV) or None)
