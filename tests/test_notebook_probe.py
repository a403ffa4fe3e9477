"""A notebook run with every picture checked as it is shown (tests/notebook_probe.py, tests/figure_hook.py).

The fixture notebook shows a clean figure, a figure with two labels planted
on each other, and a panel whose one control shrinks its label below 8 px
at the slider's top end.
"""

from __future__ import annotations

import pytest

from notebook_probe import probe_notebook
from notebook_runner import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "probe_demo.ipynb"


@pytest.fixture(scope="module")
def probe():
    return probe_notebook(FIXTURE, extremes=True)


def test_every_picture_shown_is_checked_at_the_size_it_is_shown(probe):
    shown = [(f["cell_index"], f["source"], f["dpi"], f["tight"]) for f in probe.figures if f["context"] is None]
    assert shown == [(3, "display", 100.0, True), (4, "display", 100.0, True), (5, "panel TinyPanel", 90.0, False)]


def test_the_planted_overlap_is_reported_with_its_cell_and_texts(probe):
    assert [f["problems"] for f in probe.figures if f["cell_index"] == 3] == [[]]
    problems = probe.figure_problems()
    assert any(p.startswith("probe_demo.ipynb cell 4 (display") and "overlap" in p
               and "'first label'" in p and "'second label'" in p for p in problems), problems


def test_panels_are_checked_with_each_control_at_each_end(probe):
    moved = [f for f in probe.figures if f["context"]]
    assert [f["context"] for f in moved] == ["panel.update(**{'size': 0})", "panel.update(**{'size': 3})"]
    assert moved[0]["problems"] == []
    assert any("too small" in p and "'size 3'" in p for p in moved[1]["problems"]), moved[1]["problems"]
    assert all(f["cell_index"] is None for f in moved)
