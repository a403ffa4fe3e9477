"""Notebook 03 (observability): its exercises judge by simulating, its panel
never raises, and its helpers measure what the notebook says they measure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.exercises import nb03_observability as nb03ex  # noqa: E402
from vetora_nb.panels import nb03_observability as nb03  # noqa: E402

from panel_checks import assert_each_draws, assert_updates_do_not_leak, settings_one_at_a_time  # noqa: E402

#: The notebook's first cell.
SEED, DURATION = 7, 20
STUDENTS = [None, "someone-else"]


def params(student):
    return ex.variant("03", student_id=student)


# -- exercises -------------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_who_sees_slow(student):
    P = params(student)
    kw = dict(service=P["SLOW_SERVICE"], propagate=P["PROPAGATE"], rate=P["RATE"], seed=SEED)
    solution = "both" if P["PROPAGATE"] else "request_response"     # the notebook's
    assert ex.judge("03.who_sees_slow", solution, **kw).passed
    assert ex.judge("03.who_sees_slow", solution, **{**kw, "seed": SEED + 1}).passed
    for wrong in {"request_response", "event_driven", "both", "neither"} - {solution}:
        assert not ex.judge("03.who_sees_slow", wrong, **kw).passed


def test_who_sees_slow_turns_on_propagation():
    """Both answers occur, depending on the correlation id alone."""
    kw = dict(service="shipping", rate=50, seed=SEED)
    assert ex.judge("03.who_sees_slow", "both", propagate=True, **kw).passed
    assert ex.judge("03.who_sees_slow", "request_response", propagate=False, **kw).passed


@pytest.mark.parametrize("student", STUDENTS)
def test_tail(student):
    P = params(student)
    healthy = nb03.observability_runs(rate=P["RATE"], duration=DURATION, seed=SEED)
    answer = vn.patterns.trace_shapes(healthy["event_driven"])["after_answer"].mean()   # the notebook's
    kw = dict(rate=P["RATE"], duration=DURATION)
    assert ex.judge("03.tail", answer, seed=SEED, **kw).passed
    assert ex.judge("03.tail", answer, seed=SEED + 1, **kw).passed
    # wrong: request-response's tail, the whole trace's duration, milliseconds
    assert not ex.judge("03.tail", 0.0, seed=SEED, **kw).passed
    duration = vn.patterns.trace_shapes(healthy["event_driven"])["duration"].mean()
    assert not ex.judge("03.tail", duration, seed=SEED, **kw).passed
    assert not ex.judge("03.tail", answer * 1000, seed=SEED, **kw).passed


@pytest.mark.parametrize("student", STUDENTS)
def test_fix_tracing(student):
    P = params(student)
    faulty = P["FAULTY"]
    kw = dict(faulty=faulty, rate=P["RATE"], duration=DURATION)
    broken = nb03ex.broken_system()
    solution = broken.copy("fixed")                                      # the notebook's
    solution.graph.edges["order-placed", faulty]["propagate_context"] = True
    assert ex.judge("03.fix_tracing", solution, seed=SEED, **kw).passed
    assert ex.judge("03.fix_tracing", solution, seed=SEED + 1, **kw).passed
    # unchanged: nothing is found
    out = ex.judge("03.fix_tracing", broken, seed=SEED, **kw)
    assert not out.passed and "target" in out.reason
    # fixing everyone is not this team's to ship
    out = ex.judge("03.fix_tracing", nb03.with_propagation(broken, True), seed=SEED, **kw)
    assert not out.passed and "only the" in out.reason
    # going synchronous is not the fix asked for
    out = ex.judge("03.fix_tracing", vn.scenarios.order_placed("request_response"), seed=SEED, **kw)
    assert not out.passed and "event-driven" in out.reason


def test_registered_kinds():
    reg = ex.registry()
    assert {reg[i].kind for i in ("03.who_sees_slow", "03.tail", "03.fix_tracing")} == {
        "prediction", "measurement", "design"}


# -- helpers -------------------------------------------------------------------------

def test_root_causes_with_and_without_correlation_ids():
    kw = dict(rate=40, duration=6, seed=2, service="shipping", error_rate=0.4)
    runs = nb03.observability_runs(**kw)
    dropped = nb03.observability_runs(propagate=False, styles=["event_driven"], **kw)["event_driven"]
    rr, ed = (nb03.traced_share(runs[s], "shipping") for s in ("request_response", "event_driven"))
    gone = nb03.traced_share(dropped, "shipping")
    assert rr["failures"] > 0 and rr["share"] == 1.0
    assert ed["failures"] > 0 and ed["share"] == 1.0
    assert gone["failures"] == ed["failures"] and gone["found"] == 0      # same failures, none found
    d = nb03.diagnose(dropped, "shipping", limit=3)
    assert len(d) == 3 and not d["complete"].any() and d["hidden_groups"].str.contains("shipping").all()
    first = {s: nb03.first_failure(r) for s, r in runs.items()}
    assert isinstance(nb03.waterfalls(runs, first), Figure)


def test_sampling_keeps_the_failures_and_loses_their_traces():
    frame = nb03.sampling_experiment((1.0, 0.2, 0.0), rate=40, duration=6, seed=3, error_rate=0.4)
    assert frame["failures"].nunique() == 1 and frame["failures"].iloc[0] > 0
    assert frame["traced"].iloc[0] == frame["failures"].iloc[0]
    assert frame["traced"].iloc[-1] == 0 and frame["found"].iloc[-1] == 0
    assert isinstance(nb03.sampling_figure(frame), Figure)


def test_shapes_table():
    runs = nb03.observability_runs(rate=30, duration=3, seed=1)
    table = nb03.shapes_table(runs, n=20)
    assert table.loc["request_response", "after_answer"] == 0
    assert table.loc["event_driven", "leaves_after_root"] == 4


# -- the panel -----------------------------------------------------------------------

def test_panel_every_control_at_both_ends():
    panel = nb03.TracePanel(duration=2, run=False)
    assert set(panel.controls) == {"rate", "service", "error_rate", "propagate", "trace_sample", "trace_at"}
    assert_each_draws(panel, settings_one_at_a_time(panel))
    assert "root_cause blames" in panel.numbers.value


def test_panel_without_failures_or_traces_still_draws():
    panel = nb03.TracePanel(duration=2, run=False)
    assert_updates_do_not_leak(panel, [{"error_rate": 0.0}, {"error_rate": 0.5, "trace_sample": 0.0},
                                       {"trace_sample": 1.0}, {"propagate": False}])
    panel.update(service="billing")
    assert panel.error and "billing" in panel.error
    with pytest.raises(ValueError, match="duration"):
        nb03.TracePanel(duration=0, run=False)
