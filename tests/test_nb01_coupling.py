"""Notebook 01 (coupling): its exercises judge by simulating, its panel never
raises, and its helpers measure what the notebook says they measure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.exercises import nb01_coupling as nb01ex  # noqa: E402
from vetora_nb.experiments import coupling as nb01  # noqa: E402
from vetora_nb.panels import nb01_coupling as nb01_panel  # noqa: E402

from panel_checks import assert_updates_do_not_leak  # noqa: E402

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


# -- the experiment and its figures ----------------------------------------------------

def _lines(ax):
    """``{label: (x, y)}`` of the lines drawn on ``ax``."""
    return {line.get_label(): line.get_xydata() for line in ax.get_lines()}


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
    # the product rule holds to measurement, within a few standard errors
    rr = frame[frame["style"] == "request_response"]
    se = [measures.binomial_stderr(p, n) for p, n in zip(rr["predicted"], rr["requests"])]
    assert ((rr["success"] - rr["predicted"]).abs() < 4 * np.array(se)).all()
    # the figure draws these very numbers
    change, p99, success = plots.coupling_sweep(frame).axes
    for style in ("request_response", "event_driven"):
        part = frame[frame["style"] == style]
        label = plots.STYLE_LABELS[style]   # "RR", "ED": the legends are short, to sit above the axes
        np.testing.assert_array_equal(_lines(change)[f"{label}: edges out"],
                                      part[["consumers", "producer_edges"]].to_numpy(float))
        np.testing.assert_allclose(_lines(p99)[label][:, 1], part["p99"] * 1000)
        np.testing.assert_allclose(_lines(success)[f"{label}: product rule"][:, 1], part["predicted"])


def test_predicted_success_is_the_product_rule_with_retries():
    e, n, r = 0.2, 3, 2
    assert nb01.predicted_success("request_response", n, error_rate=e, retries=r) == pytest.approx(
        (1 - e ** (r + 1)) ** n)
    assert nb01.predicted_success("request_response", n, error_rate=e, retries=r, outage_share=0.25) == \
        pytest.approx(0.75 * (1 - e ** (r + 1)) ** n)
    assert nb01.predicted_success("event_driven", 8, error_rate=0.5) == 1.0


def test_a_window_counts_for_what_it_covers_of_the_run():
    assert measures.window_share(None, 10) == 0.0
    assert measures.window_share((4, 6), 10) == pytest.approx(0.2)
    assert measures.window_share((8, 14), 10) == pytest.approx(0.2)      # clipped to the run
    assert nb01.outage_of(False, (4, 6)) is None and nb01.outage_of(True, (4, 6)) == (4.0, 6.0)


def test_chain_experiment_holds_to_theory():
    frame = nb01.chain_experiment((1, 3), error_rate=0.1, rate=100, duration=5, seed=2)
    assert (frame["z"].abs() < 4).all()
    ax = plots.chain_availability(frame).axes[0]
    measured = ax.containers[0].lines[0].get_xydata()               # the error bars' markers
    np.testing.assert_allclose(measured, frame[["services", "measured"]].to_numpy(float))
    rule = [line for line in ax.get_lines() if line.get_label().startswith("product rule")][0]
    np.testing.assert_allclose(rule.get_ydata(), 0.9 ** rule.get_xdata())


# -- the panel -----------------------------------------------------------------------

def _bands(ax):
    """The x-extents of the shaded bands on ``ax``."""
    return [tuple(np.round(p.get_x() + np.array([0, p.get_width()]), 6)) for p in ax.patches
            if to_hex(p.get_facecolor()) == to_hex(plots.FAULT_COLOR)]


def test_panel_numbers_and_shading_come_from_its_runs():
    panel = nb01_panel.panel(duration=4, consumers=3, error_rate=0.3, down=True, window=(1.0, 2.0))
    assert panel.error is None, panel.error
    rr = panel.results["request_response"]
    assert len(rr.architecture.calls_from("orders")) == 3
    text = panel.numbers.value
    assert f"RR {measures.success_rate(rr):.2%}" in text
    predicted = nb01.predicted_success("request_response", 3, error_rate=0.3, outage_share=0.25)
    assert f"RR {predicted:.2%}" in text
    assert "producer redeploys to add consumer 4" in text
    top = panel.figure.axes[1]
    assert _bands(top) == [(1.0, 2.0)]                               # only the outage is shaded
    panel.update(down=False)
    assert _bands(panel.figure.axes[1]) == []


def test_panel_bad_input_is_a_message_and_figures_do_not_pile_up():
    panel = nb01_panel.panel(duration=2, run=False)
    panel.update(rate=60)
    assert_updates_do_not_leak(panel, [{"consumers": n} for n in (1, 3, 2)])
    panel.update(speed=3)
    assert panel.error and "no parameter 'speed'" in panel.error
    with pytest.raises(ValueError, match="duration"):
        nb01_panel.panel(duration=0, run=False)
