"""Notebook 07 (temporal coupling): its exercises judge by simulation, its
experiments agree with the theory, its figures draw the runs' numbers, and its
panel survives every control at both ends."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.experiments import temporal  # noqa: E402
from vetora_nb.panels import nb07_temporal_coupling as nb07  # noqa: E402

from panel_checks import assert_each_draws, assert_updates_do_not_leak, settings_one_at_a_time  # noqa: E402

SEED = 7
DURATION = 36
OUTAGE_START = 8
STUDENTS = [None, "someone-else"]


def params(student):
    p = ex.variant("07", student_id=student)
    return p["RATE"], p["OUTAGE_LENGTH"], p["DRAIN_TARGET"]


def test_second_student_gets_other_parameters():
    assert params(None) != params("someone-else")


# -- exercises ---------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_more_partitions(student):
    rate, outage, _ = params(student)
    assert ex.judge("07.more_partitions", "about the same", rate=rate, outage=outage, seed=SEED)
    assert ex.judge("07.more_partitions", "About the same ", rate=rate, outage=outage, seed=SEED)
    assert not ex.judge("07.more_partitions", "shorter", rate=rate, outage=outage, seed=SEED)
    assert not ex.judge("07.more_partitions", "faster", rate=rate, outage=outage, seed=SEED)


def drained_by_waits(run, group, start, end):
    """Seconds after ``end`` until ``group`` was back to normal, read from the
    events' own waits (not from the backlog that ``measures.drain_time``
    counts): when the last event published after the outage that still
    waited over twice the normal 99th percentile was processed."""
    ev = run.events[(run.events["group"] == group) & (run.events["outcome"] == "processed")]
    ev = ev.sort_values("published_at").drop_duplicates("event_id", keep="last")
    pub, done = ev["published_at"].to_numpy(float), ev["processed_at"].to_numpy(float)
    wait = done - pub
    normal = np.percentile(wait[pub < start], 99)
    late = (pub >= end) & (wait > 2 * normal)
    return float(done[late].max() - end)


@pytest.mark.parametrize("student", STUDENTS)
def test_drain_time(student):
    rate, outage, _ = params(student)
    end = OUTAGE_START + outage
    run = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(rate), duration=DURATION,
                      faults=[vn.Outage("inventory", OUTAGE_START, end)], seed=SEED)
    solution = drained_by_waits(run, "inventory", OUTAGE_START, end)
    kw = dict(service="inventory", rate=rate, start=OUTAGE_START, end=end, duration=DURATION, seed=SEED)
    assert ex.judge("07.drain_time", solution, **kw)
    assert ex.judge("07.drain_time", measures.drain_time(run, "inventory"), **kw)   # the notebook's way
    assert not ex.judge("07.drain_time", solution * 3 + 2, **kw)
    assert not ex.judge("07.drain_time", 0.0, **kw)
    assert not ex.judge("07.drain_time", "soon", **kw)
    # the hidden test's sanity band around the theory
    theory = measures.predicted_drain_time(rate, outage, measures.consumer_capacity(
        vn.scenarios.order_placed("event_driven"), "inventory"))
    assert 0.8 * theory <= solution <= 1.6 * theory + 0.5


def _plan(rate, outage, target, seed=SEED):
    """The notebook's solution: the theory's fewest instances, then more until a run meets the target."""
    need = vn.theory.backlog_after_outage(rate, outage) / target + rate
    n = math.ceil(need / 100)
    while temporal.drain_run(rate, outage, partitions=n, instances=n, seed=seed)["measured"] > target:
        n += 1
    return {"partitions": n, "instances": n}


@pytest.mark.parametrize("student", STUDENTS)
def test_capacity_plan(student):
    rate, outage, target = params(student)
    plan = _plan(rate, outage, target)
    kw = dict(rate=rate, outage=outage, target=target, seed=SEED)
    assert ex.judge("07.capacity_plan", plan, **kw)
    n = plan["instances"]
    idle = ex.judge("07.capacity_plan", {"partitions": n, "instances": n + 1}, **kw)
    assert not idle and "idle" in idle.reason
    assert not ex.judge("07.capacity_plan", {"partitions": n + 3, "instances": n + 3}, **kw)
    assert not ex.judge("07.capacity_plan", {"partitions": 1, "instances": 1}, **kw)
    assert not ex.judge("07.capacity_plan", 8, **kw)
    # the hidden test: the theory agrees the plan meets the target
    capacity = measures.consumer_capacity(temporal.shipping_only(**plan), "shipping")
    assert measures.predicted_drain_time(rate, outage, capacity) <= target


def test_checks_print_without_the_answer(capsys):
    rate, outage, _ = params(None)
    assert not ex.check("07.more_partitions", "longer", rate=rate, outage=outage, seed=SEED)
    out = capsys.readouterr().out
    assert "Hint" in out and "about the same" not in out


# -- experiments -------------------------------------------------------------------

def test_capacity_is_min_of_partitions_and_instances():
    assert measures.consumer_capacity(temporal.shipping_only(4, 4), "shipping") == 400
    assert measures.consumer_capacity(temporal.shipping_only(4, 8), "shipping") == 400
    assert measures.consumer_capacity(temporal.shipping_only(8, 4), "shipping") == 400
    assert measures.consumer_capacity(temporal.shipping_only(2, 4), "shipping") == 200


def test_drain_run_close_to_theory_and_never_without_headroom():
    out = temporal.drain_run(200, 6, seed=SEED)
    assert out["predicted"] == pytest.approx(6.0)
    assert out["predicted"] <= out["measured"] <= 1.4 * out["predicted"]
    assert math.isinf(temporal.drain_run(150, 3, partitions=1, instances=1, seed=SEED)["measured"])


def test_order_example_gives_the_watched_service_its_instances():
    arch = temporal.order_example("event_driven", partitions=8, service="inventory", instances=6)
    assert arch.graph.nodes["inventory"]["workers"] == 6 and arch.graph.nodes["order-placed"]["partitions"] == 8
    broker = temporal.order_example("event_driven", service="broker", instances=2)
    assert broker.graph.nodes["shipping"]["workers"] == 2
    with pytest.raises(KeyError, match="service"):
        temporal.order_example("event_driven", service="nobody")


def test_outage_faults_wire_each_style():
    rr, ed = (vn.scenarios.order_placed(s) for s in vn.scenarios.STYLES)
    assert temporal.outage_faults(rr, "broker", 1, 2) == []
    (cut,) = temporal.outage_faults(ed, "shipping", 1, 2, fault="cut")
    assert {cut.a, cut.b} == {"order-placed", "shipping"}
    (cut,) = temporal.outage_faults(rr, "shipping", 1, 2, fault="cut")
    assert {cut.a, cut.b} == {"orders", "shipping"}
    (cut,) = temporal.outage_faults(ed, "broker", 1, 2, fault="cut")
    assert {cut.a, cut.b} == {"orders", "order-placed"}
    assert temporal.outage_faults(ed, "shipping", 2, 2) == []
    with pytest.raises(ValueError):
        temporal.outage_faults(ed, "shipping", 1, 2, fault="flood")


def test_drain_report_and_overload():
    res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(100), duration=12,
                      faults=[vn.Outage("shipping", 3, 6)], seed=SEED)
    report = temporal.drain_report(res, "shipping", 100, (3, 6))
    assert report["capacity"] == 400 and report["predicted"] == pytest.approx(1.0)
    assert report["measured"] == measures.drain_time(res, "shipping", 3, 6)
    assert temporal.drain_report(res, "broker", 100, (3, 6))["measured"] is None
    runs, table = temporal.overload(150, instances=(1, 4), window=(2, 4), duration=8, seed=SEED)
    assert list(table["capacity"]) == [100.0, 400.0]
    assert math.isinf(table["predicted drain (s)"].iloc[0]) and math.isinf(table["measured drain (s)"].iloc[0])
    assert table["lag at the end"].iloc[0] > 5 * table["lag at the end"].iloc[1]


# -- figures: what is drawn is what was measured -------------------------------------

@pytest.fixture(scope="module")
def outage_runs():
    return {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(100), duration=10,
                           faults=[vn.Outage("shipping", 3, 6)], seed=SEED) for s in vn.scenarios.STYLES}


def test_outage_figure_draws_the_lag_and_both_drain_times(outage_runs):
    before = len(plt.get_fignums())
    ed = outage_runs["event_driven"]
    fig = plots.outage_figure(outage_runs, "shipping", predicted=1.0)
    errors_ax, lag_ax = fig.axes[:2]
    lag = ed.metric("consumer_lag")["shipping"]
    drawn = [line.get_xydata() for line in lag_ax.get_lines() if len(line.get_xdata()) == len(lag)]
    assert any(np.allclose(xy[:, 1], lag.to_numpy(float)) for xy in drawn)
    xs = [float(np.ravel(line.get_xdata())[0]) for line in lag_ax.get_lines() if len(line.get_xdata()) <= 2]
    assert 6 + 1.0 in xs                                                   # the theory's dashed line
    assert 6 + measures.drain_time(ed, "shipping") in xs                    # the measured dot
    assert len([p for p in errors_ax.patches]) == 1                         # one band for the window
    assert len(plt.get_fignums()) == before


def test_cut_figure_captions_a_shared_window_once():
    runs = {s: vn.simulate(a, vn.Traffic.poisson(50), duration=6, seed=SEED,
                           faults=temporal.outage_faults(a, "shipping", 2, 3, fault="cut"))
            for s, a in ((s, vn.scenarios.order_placed(s)) for s in vn.scenarios.STYLES)}
    fig = plots.cut_figure(runs, "shipping")
    texts = [t.get_text().strip() for t in fig.axes[0].texts]
    assert texts == ["network to shipping cut"]
    assert all(len(a.patches) == 1 for a in fig.axes[:3])


def test_drain_figure_plots_measured_against_predicted():
    sweep = vn.sweep(temporal.drain_run, {"rate": [100], "outage": [1, 2]}, progress=False)
    fig = plots.drain_figure(sweep)
    right = fig.axes[1]
    dots = next(line.get_xydata() for line in right.get_lines() if line.get_marker() == "o")
    assert np.allclose(dots, sweep.sort_values("outage")[["predicted", "measured"]].to_numpy(float))


# -- the panel -----------------------------------------------------------------------

def test_panel_every_control_at_both_ends():
    panel = nb07.panel(duration=2, run=False)
    assert_each_draws(panel, settings_one_at_a_time(panel, reset=False))


def test_panel_broker_flip_and_cut():
    panel = nb07.panel(duration=8, window=(2, 4), run=False)
    panel.update(service="broker")
    rr, ed = (panel.results[s].summary()["error_rate"] for s in vn.scenarios.STYLES)
    assert rr == 0 and ed > 0.1
    assert "drain" not in panel.numbers.value           # nothing piles up when the producers fail
    panel.update(service="shipping", fault="cut")
    rr, ed = (panel.results[s].summary()["error_rate"] for s in vn.scenarios.STYLES)
    assert rr > 0 and ed == 0
    measured = measures.drain_time(panel.results["event_driven"], "shipping", 2, 4)
    assert panel.analysis["measured"] == measured
    assert f"· {plots.format_seconds(measured)}" in panel.numbers.value


def test_panel_bad_input_is_a_message():
    panel = nb07.panel(duration=6, run=False)
    panel.update(rate=100, nonsense=3)
    assert panel.error and "nonsense" in panel.error


def test_panel_redraws_do_not_pile_up_figures():
    panel = nb07.panel(duration=2)
    assert_updates_do_not_leak(panel, [{"rate": rate} for rate in (40, 60, 80)])
