"""Every picture the notebooks show is legible at the size it is shown.

Each notebook runs headless with every PNG it makes checked as it is made
(tests/notebook_probe.py): figures IPython shows (100 dpi, trimmed) and
panels' redraws (``widgets.Panel.dpi``, untrimmed), in a 968-px-wide
output area (``notebook_probe.DISPLAY_WIDTH``). With
``VETORA_PANEL_EXTREMES=1`` every control of every panel is also moved to
each of its ends and each of those pictures checked. The checks are those of
tests/legibility.py: no texts on each other or on a legend, nothing cut off
or out of its axes or its box, no label struck through by a line, no font
under 8 px.
"""

from __future__ import annotations

import pytest

from notebook_probe import probed
from notebook_runner import REPO_ROOT, notebook_paths

NOTEBOOKS = notebook_paths()


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(REPO_ROOT).as_posix() for p in NOTEBOOKS])
def test_every_figure_is_legible(path):
    probe = probed(path)
    assert probe.figures, f"{path.name} shows no picture: is the figure hook installed?"
    problems = probe.figure_problems()
    assert not problems, f"{len(problems)} legibility problem(s):\n" + "\n".join(problems)
