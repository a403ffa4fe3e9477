"""Notebook 03 (observability): its exercises judge by simulating, its panel
never raises, and its helpers measure what the notebook says they measure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.exercises import nb03_observability as nb03ex  # noqa: E402
from vetora_nb.experiments import observability as nb03  # noqa: E402
from vetora_nb.panels import nb03_observability as nb03_panel  # noqa: E402
from vetora_nb.patterns.tracing import diagnose, traced_share  # noqa: E402

from panel_checks import assert_updates_do_not_leak  # noqa: E402

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


# -- the experiment and its figures ----------------------------------------------------

def _bar_labels(fig):
    """The span labels drawn left of each waterfall, per trace, top to bottom."""
    labels = [a for a in fig.axes if not a.axison]
    return [[t.get_text() for t in a.texts] for a in labels]


def _titles(fig):
    return [a.get_title(loc="left") for a in fig.axes if a.get_title(loc="left")]


def test_root_causes_with_and_without_correlation_ids():
    kw = dict(rate=40, duration=6, seed=2, service="shipping", error_rate=0.4)
    runs = nb03.observability_runs(**kw)
    dropped = nb03.observability_runs(propagate=False, styles=["event_driven"], **kw)["event_driven"]
    rr, ed = (traced_share(runs[s], "shipping") for s in ("request_response", "event_driven"))
    gone = traced_share(dropped, "shipping")
    assert rr["failures"] > 0 and rr["share"] == 1.0
    assert ed["failures"] > 0 and ed["share"] == 1.0
    assert gone["failures"] == ed["failures"] and gone["found"] == 0      # same failures, none found
    d = diagnose(dropped, "shipping", limit=3)
    assert len(d) == 3 and not d["complete"].any() and d["hidden_groups"].str.contains("shipping").all()
    # the waterfalls draw each failure's own trace, span for span
    first = {s: measures.first_failure(r) for s, r in runs.items()}
    fig = plots.request_traces(runs, first)
    for style, labels in zip(runs, _bar_labels(fig)):
        spans = vn.patterns.trace(runs[style], int(runs[style].requests.loc[first[style], "trace_id"]))
        assert labels == [f"{s} · {o}" for s, o in zip(spans["service"], spans["operation"])]
    assert "shipping · consume order-placed" not in _bar_labels(
        plots.request_traces({"event_driven": dropped}, {"event_driven": first["event_driven"]}))[0]


def test_first_failure_is_the_first_recorded_after_the_moment():
    res = nb03.observability_runs(rate=40, duration=6, seed=2, service="shipping", error_rate=0.4,
                                  styles=["request_response"])["request_response"]
    failed = res.requests[res.requests["status"] != "ok"]
    assert measures.first_failure(res, 3.0) == int(failed.loc[failed["start"] >= 3.0, "request_id"].iloc[0])
    assert measures.first_failure(res, 100.0) == int(failed["request_id"].iloc[-1])   # none later: the last
    healthy = nb03.observability_runs(rate=40, duration=3, seed=2, styles=["request_response"])
    assert measures.first_failure(healthy["request_response"]) is None


def test_sampling_keeps_the_failures_and_loses_their_traces():
    frame = nb03.sampling_experiment((1.0, 0.2, 0.0), rate=40, duration=6, seed=3, error_rate=0.4)
    assert frame["failures"].nunique() == 1 and frame["failures"].iloc[0] > 0
    assert frame["traced"].iloc[0] == frame["failures"].iloc[0]
    assert frame["traced"].iloc[-1] == 0 and frame["found"].iloc[-1] == 0
    # the figure draws each column where it says (a frame in which they differ)
    frame = frame.assign(found=[frame["traced"].iloc[0] - 1, 0, 0], expected_traced=[9.5, 2.5, 0.0])
    ax = plots.trace_sampling(frame).axes[0]
    traced, found = ax.containers
    assert [b.get_height() for b in traced] == frame["traced"].tolist()
    assert [b.get_height() for b in found] == frame["found"].tolist()
    expected = [line for line in ax.get_lines() if line.get_label().startswith("expected")][0]
    assert expected.get_ydata().tolist() == [9.5, 2.5, 0.0]


def test_shapes_and_the_tail():
    runs = nb03.observability_runs(rate=30, duration=3, seed=1)
    table = nb03.shapes_table(runs, n=20)
    assert table.loc["request_response", "after_answer"] == 0
    assert table.loc["event_driven", "leaves_after_root"] == 4
    # the tail of the traces is when the request's last effect settled, after the answer
    ed = runs["event_driven"]
    ok = ed.requests[ed.requests["status"] == "ok"]
    assert measures.trace_tail(ed) == pytest.approx((ok["settled_at"] - ok["end"]).mean())
    assert measures.trace_tail(runs["request_response"]) == 0


# -- the panel -----------------------------------------------------------------------

def test_panel_draws_the_first_failure_after_the_slider_and_counts_what_traces_explain():
    panel = nb03_panel.panel(duration=4, error_rate=0.4, trace_at=2.0)
    assert panel.error is None, panel.error
    rr = panel.results["request_response"]
    shown = measures.first_failure(rr, 2.0)
    assert rr.requests.loc[shown, "start"] >= 2.0
    assert f"request {shown} (request failed)" in _titles(panel.figure)[0]
    t = traced_share(rr, "shipping", limit=nb03_panel.DIAGNOSE_LIMIT)
    assert f"RR {t['found']} of {t['examined']}" in panel.numbers.value
    panel.update(propagate=False)                                  # the same failures, none found in ED
    assert "ED 0 of" in panel.numbers.value


def test_panel_without_failures_or_traces_still_draws():
    panel = nb03_panel.panel(duration=2, run=False)
    assert_updates_do_not_leak(panel, [{"error_rate": 0.0}, {"error_rate": 0.5, "trace_sample": 0.0},
                                       {"trace_sample": 1.0}, {"propagate": False}])
    panel.update(error_rate=0.0)
    assert all("no failure with a recorded trace" in t for t in _titles(panel.figure))
    assert "RR no failures" in panel.numbers.value
    panel.update(service="billing")
    assert panel.error and "billing" in panel.error
    with pytest.raises(ValueError, match="duration"):
        nb03_panel.panel(duration=0, run=False)
