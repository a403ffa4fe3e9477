"""Notebook 01 (coupling): its exercises judge by simulating, its panel never
raises, and its helpers measure what the notebook says they measure."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.exercises import nb01_coupling as nb01ex  # noqa: E402
from vetora_nb.panels import nb01_coupling as nb01  # noqa: E402

from panel_checks import assert_each_draws, assert_updates_do_not_leak, settings_one_at_a_time  # noqa: E402

#: The notebook's first cell.
SEED, DURATION = 7, 10
STUDENTS = [None, "someone-else"]


def params(student):
    return ex.variant("01", student_id=student)


# -- exercises -------------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_outage_share(student):
    P = params(student)
    kw = dict(n=P["N_CONSUMERS"], window=P["OUTAGE_WINDOW"], rate=P["RATE"], seed=SEED, duration=DURATION)
    assert ex.judge("01.outage_share", "W/T", **kw).passed
    assert ex.judge("01.outage_share", "w/t ", **kw).passed          # case and blanks do not matter
    assert not ex.judge("01.outage_share", "N*W/T", **kw).passed
    assert not ex.judge("01.outage_share", "0", **kw).passed
    out = ex.judge("01.outage_share", "half", **kw)
    assert not out.passed and "choose one of" in out.reason


def _measured_success(P, seed):
    """The notebook's solution, cell for cell."""
    n, e = P["N_CONSUMERS"], P["CONSUMER_ERROR_RATE"]
    arch = vn.scenarios.order_placed("request_response", downstream=nb01.consumers(n))
    faults = [vn.ErrorRate(name, 0, float("inf"), e) for name in nb01.consumers(n)]
    run = vn.simulate(arch, vn.Traffic.poisson(P["RATE"]), duration=DURATION, faults=faults, seed=seed)
    return 1 - run.summary()["error_rate"]


@pytest.mark.parametrize("student", STUDENTS)
def test_rr_success(student):
    P = params(student)
    kw = dict(n=P["N_CONSUMERS"], error_rate=P["CONSUMER_ERROR_RATE"], rate=P["RATE"], duration=DURATION)
    answer = _measured_success(P, SEED)
    assert answer == pytest.approx(nb01ex.rr_success(seed=SEED, **kw))   # the very same run
    assert ex.judge("01.rr_success", answer, seed=SEED, **kw).passed
    assert ex.judge("01.rr_success", answer, seed=SEED + 1, **kw).passed  # the hidden test
    # wrong: the event-driven producer's success, the product rule without
    # retries, a percentage
    assert not ex.judge("01.rr_success", 1.0, seed=SEED, **kw).passed
    no_retries = (1 - P["CONSUMER_ERROR_RATE"]) ** P["N_CONSUMERS"]
    assert not ex.judge("01.rr_success", no_retries, seed=SEED, **kw).passed
    assert not ex.judge("01.rr_success", answer * 100, seed=SEED, **kw).passed


def _inventory_sync():
    """The notebook's solution of exercise 3."""
    arch = vn.Architecture("inventory-sync")
    arch.add_service("orders", workers=16, service_time=vn.Exponential(mean=0.004), queue_capacity=50)
    for name, (workers, mean) in vn.scenarios.DOWNSTREAM.items():
        arch.add_service(name, workers=workers, service_time=vn.Exponential(mean=mean), queue_capacity=50)
    arch.add_call("orders", "inventory", timeout=0.5, retries=2)
    arch.add_stream("order-placed", partitions=4)
    arch.add_publish("orders", "order-placed")
    for name in ("shipping", "notifications", "analytics"):
        arch.add_subscription("order-placed", name)
    arch.entry = "orders"
    return arch


@pytest.mark.parametrize("student", STUDENTS)
def test_hybrid(student):
    P = params(student)
    kw = dict(error_rate=P["DESIGN_ERROR_RATE"], rate=P["RATE"], duration=DURATION)
    assert ex.judge("01.hybrid", _inventory_sync(), seed=SEED, **kw).passed
    assert ex.judge("01.hybrid", _inventory_sync(), seed=SEED + 1, **kw).passed
    # pure request-response misses the target; pure event-driven breaks the rule
    rr = ex.judge("01.hybrid", vn.scenarios.order_placed("request_response"), seed=SEED, **kw)
    assert not rr.passed and "target" in rr.reason
    ed = ex.judge("01.hybrid", vn.scenarios.order_placed("event_driven"), seed=SEED, **kw)
    assert not ed.passed and "inventory synchronously" in ed.reason
    # more retries would buy availability with load: refused
    greedy = vn.scenarios.order_placed("request_response", retries=5)
    assert "retries" in ex.judge("01.hybrid", greedy, seed=SEED, **kw).reason
    assert not ex.judge("01.hybrid", "an architecture", seed=SEED, **kw).passed


def test_registered_kinds():
    reg = ex.registry()
    assert {reg[i].kind for i in ("01.outage_share", "01.rr_success", "01.hybrid")} == {
        "prediction", "measurement", "design"}


# -- helpers -------------------------------------------------------------------------

def test_sweep_grows_on_the_producer_side_only():
    frame = nb01.consumer_sweep((1, 4), rate=50, duration=4, seed=1, error_rate=0.2)
    by = frame.set_index(["style", "consumers"])
    assert by.loc[("request_response", 4), "producer_edges"] == 4
    assert by.loc[("event_driven", 4), "producer_edges"] == 1
    assert by.loc[("request_response", 1), "redeploys_for_next"] == 1
    assert by.loc[("event_driven", 4), "redeploys_for_next"] == 0
    assert by.loc[("event_driven", 4), "success"] == 1.0
    assert by.loc[("request_response", 4), "success"] < by.loc[("request_response", 1), "success"]
    assert by.loc[("event_driven", 1), "p99"] == by.loc[("event_driven", 4), "p99"]
    assert isinstance(nb01.sweep_figure(frame), Figure)


def test_predicted_success_is_the_product_rule():
    assert nb01.predicted_success("request_response", 3, error_rate=0.1, retries=0) == pytest.approx(
        vn.theory.availability_chain(0.9, 0.9, 0.9))
    assert nb01.predicted_success("event_driven", 8, error_rate=0.5) == 1.0


def test_chain_experiment_holds_to_theory():
    frame = nb01.chain_experiment((1, 3), error_rate=0.1, rate=100, duration=5, seed=2)
    assert (frame["z"].abs() < 4).all()
    assert isinstance(nb01.chain_figure(frame), Figure)


# -- the panel -----------------------------------------------------------------------

def test_panel_every_control_at_both_ends():
    panel = nb01.CouplingPanel(duration=2, down=True, run=False)
    assert set(panel.controls) == {"rate", "consumers", "error_rate", "down", "window"}
    assert_each_draws(panel, settings_one_at_a_time(panel))      # one run per setting
    assert "RR" in panel.numbers.value


def test_panel_bad_input_is_a_message_and_figures_do_not_pile_up():
    panel = nb01.CouplingPanel(duration=2, run=False)
    panel.update(rate=60)
    assert_updates_do_not_leak(panel, [{"consumers": n} for n in (1, 3, 2)])
    panel.update(speed=3)
    assert panel.error and "no parameter 'speed'" in panel.error
    with pytest.raises(ValueError, match="duration"):
        nb01.CouplingPanel(duration=0, run=False)
    assert math.isfinite(panel.timings.get("draw", 0.0))
