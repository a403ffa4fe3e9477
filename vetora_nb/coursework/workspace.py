"""A learner's own copies of the student edition, which a rebuild never overwrites.

``make lab`` opens JupyterLab on a *workspace* (``my_notebooks/``), not on
``build/student/``: the edition folder is emptied on every build, and a
learner's answers must survive ``git pull`` and a rebuilt edition.
:func:`sync_workspace` copies the edition into the workspace:

- a notebook the workspace lacks is copied;
- a notebook the learner has not touched since it was copied is replaced
  by the new edition when that changed;
- a notebook the learner changed is kept as it is; the new edition is
  named in the report, to open side by side.

``.edition.json`` in the workspace remembers what was copied.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

__all__ = ["sync_workspace", "STATE"]

STATE = ".edition.json"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync_workspace(edition: Path | str, workspace: Path | str) -> list[str]:
    """Bring ``workspace`` up to date with ``edition``; returns one line per notebook that changed."""
    edition, workspace = Path(edition), Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    state_path = workspace / STATE
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    report = []
    for source in sorted(edition.glob("*.ipynb")):
        target = workspace / source.name
        new = _digest(source)
        if not target.exists():
            shutil.copy(source, target)
            report.append(f"{target}: copied from the student edition")
        elif state.get(source.name) == new:
            continue
        elif state.get(source.name) == _digest(target):
            shutil.copy(source, target)
            report.append(f"{target}: updated to the new student edition (you had not changed it)")
        else:
            report.append(f"{target}: kept (you changed it); the new edition is {source}")
            continue
        state[source.name] = new
    state_path.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    return report
