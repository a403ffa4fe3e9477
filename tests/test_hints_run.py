"""Every snippet the prose or a hint tells a student to type works in the notebook.

The snippets are the inline code of Markdown cells that is Python and the
code inside exercise hints (tests/hint_snippets.py). Each is judged in the
namespace of its notebook after the notebook ran headless: what it names
must exist, and a snippet with nothing left to fill in is executed.
"""

from __future__ import annotations

import pytest

from notebook_probe import probed
from notebook_runner import REPO_ROOT, notebook_paths

NOTEBOOKS = notebook_paths()


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(REPO_ROOT).as_posix() for p in NOTEBOOKS])
def test_every_snippet_a_student_is_told_to_type_works(path):
    probe = probed(path)
    assert probe.verdicts, f"{path.name}: no snippet was judged"
    failed = probe.hint_failures()
    assert not failed, f"{len(failed)} snippet(s) fail when typed:\n" + "\n".join(failed)
