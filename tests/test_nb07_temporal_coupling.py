"""Notebook 07 (temporal coupling): its exercises judge by simulation, its
helpers agree with the theory, and its panel survives every control at both ends."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
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


@pytest.mark.parametrize("student", STUDENTS)
def test_drain_time(student):
    rate, outage, _ = params(student)
    end = OUTAGE_START + outage
    run = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(rate), duration=DURATION,
                      faults=[vn.Outage("inventory", OUTAGE_START, end)], seed=SEED)
    solution = nb07.measured_drain_time(run, "inventory")
    kw = dict(service="inventory", rate=rate, start=OUTAGE_START, end=end, duration=DURATION, seed=SEED)
    assert ex.judge("07.drain_time", solution, **kw)
    assert not ex.judge("07.drain_time", solution * 3 + 2, **kw)
    assert not ex.judge("07.drain_time", 0.0, **kw)
    assert not ex.judge("07.drain_time", "soon", **kw)
    # the hidden test's sanity band around the theory
    theory = nb07.predicted_drain_time(rate, outage, nb07.consumer_capacity(
        vn.scenarios.order_placed("event_driven"), "inventory"))
    assert 0.8 * theory <= solution <= 1.6 * theory + 0.5


def _plan(rate, outage, target, seed=SEED):
    """The notebook's solution: the theory's fewest instances, then more until a run meets the target."""
    need = vn.theory.backlog_after_outage(rate, outage) / target + rate
    n = math.ceil(need / 100)
    while nb07.drain_run(rate, outage, partitions=n, instances=n, seed=seed)["measured"] > target:
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
    capacity = nb07.consumer_capacity(nb07.shipping_only(**plan), "shipping")
    assert nb07.predicted_drain_time(rate, outage, capacity) <= target


def test_checks_print_without_the_answer(capsys):
    rate, outage, _ = params(None)
    assert not ex.check("07.more_partitions", "longer", rate=rate, outage=outage, seed=SEED)
    out = capsys.readouterr().out
    assert "Hint" in out and "about the same" not in out


# -- helpers -------------------------------------------------------------------------

def test_capacity_is_min_of_partitions_and_instances():
    assert nb07.consumer_capacity(nb07.shipping_only(4, 4), "shipping") == 400
    assert nb07.consumer_capacity(nb07.shipping_only(4, 8), "shipping") == 400
    assert nb07.consumer_capacity(nb07.shipping_only(8, 4), "shipping") == 400
    assert nb07.consumer_capacity(nb07.shipping_only(2, 4), "shipping") == 200
    with pytest.raises(KeyError):
        nb07.consumer_capacity(nb07.shipping_only(), "nobody")
    with pytest.raises(ValueError):
        nb07.consumer_capacity(nb07.shipping_only(), "orders")


def test_drain_run_close_to_theory_and_never_without_headroom():
    out = nb07.drain_run(200, 6, seed=SEED)
    assert out["predicted"] == pytest.approx(6.0)
    assert out["predicted"] <= out["measured"] <= 1.4 * out["predicted"]
    assert math.isinf(nb07.drain_run(150, 3, partitions=1, instances=1, seed=SEED)["measured"])


def test_measured_drain_time_needs_a_window():
    run = vn.simulate(nb07.shipping_only(), vn.Traffic.poisson(50), duration=5, seed=SEED)
    with pytest.raises(ValueError, match="start"):
        nb07.measured_drain_time(run, "shipping")
    with pytest.raises(KeyError, match="group"):
        nb07.measured_drain_time(run, "nobody", 1, 2)


def test_outage_faults_wire_each_style():
    assert nb07.outage_faults("request_response", "broker", 1, 2) == []
    (cut,) = nb07.outage_faults("event_driven", "shipping", 1, 2, fault="cut")
    assert {cut.a, cut.b} == {"order-placed", "shipping"}
    (cut,) = nb07.outage_faults("request_response", "shipping", 1, 2, fault="cut")
    assert {cut.a, cut.b} == {"orders", "shipping"}
    assert nb07.outage_faults("event_driven", "shipping", 2, 2) == []
    with pytest.raises(ValueError):
        nb07.outage_faults("event_driven", "shipping", 1, 2, fault="flood")


def test_figures_are_plain_figures():
    runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(50), duration=6,
                           faults=nb07.outage_faults(s, "shipping", 2, 3, fault="cut"), seed=SEED)
            for s in vn.scenarios.STYLES}
    before = len(plt.get_fignums())
    assert isinstance(nb07.outage_figure(runs, "shipping", predicted=0.5), Figure)
    assert isinstance(nb07.cut_figure(runs, "shipping"), Figure)
    sweep = vn.sweep(nb07.drain_run, {"rate": [100], "outage": [1, 2]}, progress=False)
    assert isinstance(nb07.drain_figure(sweep), Figure)
    assert len(plt.get_fignums()) == before


# -- the panel -----------------------------------------------------------------------

def test_panel_every_control_at_both_ends():
    panel = nb07.TemporalCouplingPanel(duration=2, run=False)
    assert_each_draws(panel, settings_one_at_a_time(panel, reset=False))


def test_panel_broker_flip_and_cut():
    panel = nb07.TemporalCouplingPanel(duration=8, window=(2, 4), run=False)
    panel.update(service="broker")
    rr, ed = (panel.results[s].summary()["error_rate"] for s in vn.scenarios.STYLES)
    assert rr == 0 and ed > 0.1
    panel.update(service="shipping", fault="cut")
    rr, ed = (panel.results[s].summary()["error_rate"] for s in vn.scenarios.STYLES)
    assert rr > 0 and ed == 0
    assert "drain" in panel.numbers.value


def test_panel_bad_input_is_a_message():
    panel = nb07.TemporalCouplingPanel(duration=6, run=False)
    panel.update(rate=100, nonsense=3)
    assert panel.error and "nonsense" in panel.error


def test_panel_redraws_do_not_pile_up_figures():
    panel = nb07.TemporalCouplingPanel(duration=2)
    assert_updates_do_not_leak(panel, [{"rate": rate} for rate in (40, 60, 80)])
