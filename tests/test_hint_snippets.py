"""Finding the code the prose tells a student to type, and running it (tests/hint_snippets.py).

The collection's notebooks and hints are held to it by ``test_hints_run.py``;
here the finder and the judge are tried on sentences shaped like the
collection's, on a plain namespace, and on a fixture notebook run in a kernel.
"""

from __future__ import annotations

import math
import types

import nbformat
import pytest

from hint_snippets import Snippet, check_snippet, check_snippets, failures, hint_snippets, markdown_snippets
from notebook_probe import probe_notebook
from notebook_runner import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "probe_demo.ipynb"


# -- finding ---------------------------------------------------------------------------

def test_markdown_inline_code_that_is_python_is_found():
    text = ("Check it with `vn.theory.backlog_drain_time(backlog=1000, capacity=100, arrival_rate=100)`, "
            "read `OUTAGE_WINDOW[0]` and `RATE`, call `help(plots.timeseries)`.")
    assert markdown_snippets(text) == ["vn.theory.backlog_drain_time(backlog=1000, capacity=100, arrival_rate=100)",
                                       "OUTAGE_WINDOW[0]", "RATE", "help(plots.timeseries)"]


def test_markdown_words_and_formulas_in_code_font_are_not_code():
    text = ("`orders` publishes `order-placed`; drain time is `backlog / (capacity − arrival rate)`, "
            "`4 × 100 = 400`; set `linger.ms`; see `tests/notebook_probe.py` and `'rejected'`.\n\n"
            "```\nnb11.run_drill('hybrid')\n```")
    assert markdown_snippets(text) == []


def test_code_in_a_hint_sentence_is_found_with_its_calls_and_indexes():
    hint = ("Run nb11.run_drill('hybrid', rate=RATE, seed=SEED) and nb11.report(...) it against the SLOs, "
            "then es.catch_up(...)['catch_up_time'] with vn.Slowdown('projection', 0, math.inf, SLOWDOWN) "
            "(nb11.confirmed_but_failed), e.g. in RR or ED.")
    assert hint_snippets(hint) == ["nb11.run_drill('hybrid', rate=RATE, seed=SEED)", "nb11.report(...)",
                                   "es.catch_up(...)['catch_up_time']",
                                   "vn.Slowdown('projection', 0, math.inf, SLOWDOWN)", "nb11.confirmed_but_failed"]


def test_a_hint_without_code_gives_nothing():
    assert hint_snippets("Count the messages: which total is larger, and why? Think of RR and ED.") == []


# -- judging ---------------------------------------------------------------------------

@pytest.fixture
def namespace():
    capstone = types.SimpleNamespace(run_drill=lambda style, rate, seed: f"{style}@{rate}", report=print)
    return {"capstone": capstone, "RATE": 100, "SEED": 7, "vn": types.SimpleNamespace(Slowdown=lambda *a: a)}


def _judge(code, ns):
    return check_snippet(Snippet(code, "here"), ns)


def test_a_snippet_whose_names_exist_runs(namespace):
    verdict = _judge("capstone.run_drill('hybrid', rate=RATE, seed=SEED)", namespace)
    assert (verdict.outcome, verdict.error) == ("ran", None)


def test_a_module_the_notebook_calls_by_another_name_is_a_name_error(namespace):
    verdict = _judge("nb11.run_drill('hybrid', rate=RATE, seed=SEED)", namespace)
    assert verdict.error == "NameError: name 'nb11' is not defined"


def test_a_module_the_notebook_never_imported_is_a_name_error_even_in_a_template(namespace):
    verdict = _judge("vn.Slowdown('projection', 0, math.inf, SLOWDOWN)", namespace)
    assert verdict.error == "NameError: name 'math' is not defined"
    assert _judge("vn.Slowdown('projection', 0, math.inf, SEED)", {**namespace, "math": math}).error is None


def test_a_missing_attribute_or_parameter_is_reported(namespace):
    assert "AttributeError" in _judge("capstone.confirmed_but_failed", namespace).error
    assert _judge("DRILL_INTENSITY", namespace).error == "NameError: name 'DRILL_INTENSITY' is not defined"


def test_a_template_is_not_run_but_its_names_are_checked(namespace):
    verdict = _judge("capstone.report(...)", namespace)
    assert (verdict.outcome, verdict.error) == ("template", None)
    verdict = _judge("capstone.run_drill(style, rate=RATE, seed=SEED)", namespace)    # the student picks style
    assert (verdict.outcome, verdict.error) == ("template", None)


def test_an_exception_when_run_is_reported(namespace):
    verdict = _judge("capstone.run_drill('hybrid', RATE)", namespace)
    assert verdict.outcome == "ran" and verdict.error.startswith("TypeError")


def test_a_method_named_in_words_is_skipped_and_a_library_type_is_looked_up(namespace):
    assert _judge("summary()['error_rate']", namespace).outcome == "prose"
    assert _judge("pandas.DataFrame", namespace).outcome == "named"
    assert _judge("pandas.NoSuchThing", namespace).error.startswith("AttributeError")


def test_a_snippet_runs_in_a_copy_of_the_namespace(namespace):
    assert _judge("RATE = RATE * 2", namespace).error is None
    assert namespace["RATE"] == 100


def test_failures_name_where_the_code_and_the_error(namespace):
    verdicts = check_snippets([Snippet("nb11.report(...)", "hint of 11.slo_margin"),
                               Snippet("capstone.report(...)", "markdown cell 3")], namespace)
    assert failures(verdicts) == ["hint of 11.slo_margin: `nb11.report(...)` -> NameError: name 'nb11' is not defined"]


# -- in a kernel, after the notebook ran ---------------------------------------------------

@pytest.mark.notebook
def test_snippets_run_in_the_namespace_of_the_executed_notebook():
    """The fixture says to type `math.sqrt(RATE)` (works) and `statistics.mean(...)` (never imported)."""
    from hint_snippets import notebook_snippets

    snippets = notebook_snippets(nbformat.read(FIXTURE, as_version=4))
    probe = probe_notebook(FIXTURE, snippets=snippets)
    by_code = {v["code"]: v for v in probe.verdicts}
    assert by_code["math.sqrt(RATE)"]["outcome"] == "ran" and by_code["math.sqrt(RATE)"]["error"] is None
    assert by_code["statistics.mean([RATE, 2 * RATE])"]["error"] == "NameError: name 'statistics' is not defined"
    assert probe.hint_failures() == [
        "probe_demo.ipynb markdown cell 2: `statistics.mean([RATE, 2 * RATE])` -> "
        "NameError: name 'statistics' is not defined"]
