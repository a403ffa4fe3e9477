"""Notebook 11 (the capstone): its exercises judge by running the drill, its
SLO and drill helpers measure what they claim, its figures draw, and its
panel survives every control at both ends."""

from __future__ import annotations

import gc
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.panels import nb11_hybrid_capstone as nb11  # noqa: E402

from panel_checks import assert_drawn, settings_at_extremes  # noqa: E402

SEED = 7
STUDENTS = [None, "someone-else"]
P99_SLO, ERROR_SLO, SHIP_SLO = 0.300, 0.015, 10.0
SLOS = nb11.slos(p99=P99_SLO, error_rate=ERROR_SLO, ship_within=SHIP_SLO)


def rate_of(student):
    return ex.variant("11", student_id=student)["RATE"]


def test_second_student_gets_another_rate():
    assert rate_of(None) != rate_of("someone-else")


# -- exercises: each solution (as in the notebook) is accepted, a wrong answer is not ---

@pytest.mark.parametrize("student", STUDENTS)
def test_must_stay_sync(student):
    rate = rate_of(student)
    for seed in (SEED, SEED + 1):   # the visible and the hidden test
        assert ex.judge("11.must_stay_sync", "payment", rate=rate, intensity=1.0, seed=seed)
    assert ex.judge("11.must_stay_sync", " Payment", rate=rate, seed=SEED)
    for wrong in ("inventory", "shipping", "notifications", "analytics"):
        assert not ex.judge("11.must_stay_sync", wrong, rate=rate, seed=SEED)
    out = ex.judge("11.must_stay_sync", "the bank", rate=rate, seed=SEED)
    assert not out and "choose one of" in out.reason
    assert not ex.judge("11.must_stay_sync", None, rate=rate, seed=SEED)


@pytest.mark.parametrize("student", STUDENTS)
def test_slo_margin(student):
    rate = rate_of(student)
    recommended = nb11.run_drill("hybrid", rate=rate, intensity=1.0, partitions=4, seed=SEED)
    solution = (P99_SLO - nb11.measure(recommended)["checkout_p99"]) * 1000
    assert 0 < solution < P99_SLO * 1000
    kw = dict(rate=rate, intensity=1.0, seed=SEED, p99_slo=P99_SLO)
    assert ex.judge("11.slo_margin", solution, **kw)
    assert ex.judge("11.slo_margin", solution, rate=rate, seed=SEED)          # the hidden test
    assert not ex.judge("11.slo_margin", solution + 25, **kw)
    assert not ex.judge("11.slo_margin", solution / 1000, **kw)              # seconds, not ms
    assert not ex.judge("11.slo_margin", P99_SLO * 1000, **kw)
    assert not ex.judge("11.slo_margin", "plenty", **kw)


def _solution_design(rate):
    sync = ["payment", "inventory"]
    for partitions in range(1, 9):
        if nb11.evaluate(sync, rate=rate, intensity=1.0, partitions=partitions, seed=SEED, slos=SLOS)["passed"].all():
            break
    return {"sync": sync, "partitions": partitions}


@pytest.mark.parametrize("student", STUDENTS)
def test_design(student):
    rate = rate_of(student)
    design = _solution_design(rate)
    kw = dict(rate=rate, intensity=1.0, seed=SEED, p99_slo=P99_SLO, error_slo=ERROR_SLO, ship_slo=SHIP_SLO)
    assert ex.judge("11.design", design, **kw)
    assert ex.judge("11.design", design, rate=rate, seed=SEED + 1)            # the hidden test
    more = {**design, "partitions": design["partitions"] + 1}
    out = ex.judge("11.design", more, **kw)
    assert not out and "fewer" in out.reason
    everything_sync = ex.judge("11.design", {"sync": list(nb11.DOWNSTREAM), "partitions": 4}, **kw)
    assert not everything_sync and "checkout errors" in everything_sync.reason
    nothing_sync = ex.judge("11.design", {"sync": [], "partitions": 4}, **kw)
    assert not nothing_sync and "unpaid" in nothing_sync.reason
    for bad in ({"sync": "payment", "partitions": 2}, {"sync": ["payment", "bank"], "partitions": 2},
                {"sync": ["payment"], "partitions": 0}, {"sync": ["payment"]}, ["payment", 2], 3):
        out = ex.judge("11.design", bad, **kw)
        assert not out and "could not be used" in out.reason


def test_partitions_matter_at_the_default_rate():
    """The design exercise is a real search: at the default rate one partition is too few."""
    rate = rate_of(None)
    assert _solution_design(rate)["partitions"] >= 2
    one = nb11.evaluate("hybrid", rate=rate, partitions=1, seed=SEED, slos=SLOS)
    assert not one.loc["shipped_within", "passed"] and one.loc["checkout_errors", "passed"]


# -- the drill and the SLOs ------------------------------------------------------------

def test_drill_cuts_the_link_that_feeds_notifications_in_each_wiring():
    rr, hy = vn.scenarios.hybrid_shop("request_response"), vn.scenarios.hybrid_shop("hybrid")
    cut = [f for f in nb11.drill(rr) if isinstance(f, vn.NetworkPartition)]
    assert [(f.a, f.b) for f in cut] == [("orders", "notifications")]
    cut = [f for f in nb11.drill(hy) if isinstance(f, vn.NetworkPartition)]
    assert [(f.a, f.b) for f in cut] == [("order-placed", "notifications")]
    kinds = sorted(type(f).__name__ for f in nb11.drill(hy))
    assert kinds == ["BrokerOutage", "ErrorRate", "NetworkPartition", "Outage", "Slowdown"]
    assert nb11.drill(hy, 0) == [] and nb11.drill_steps(0) == []


def test_intensity_scales_the_drill():
    one, two = nb11.drill_steps(1.0), nb11.drill_steps(2.0)
    assert [s["step"] for s in one] == ["consumer outage", "payment brown-out", "broker blip", "network partition"]
    assert two[0]["end"] - two[0]["start"] == pytest.approx(2 * (one[0]["end"] - one[0]["start"]))
    assert two[1]["slowdown"] > one[1]["slowdown"] and two[1]["errors"] > one[1]["errors"]


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (5, ValueError), ("high", TypeError), (True, TypeError)])
def test_bad_intensity_is_refused_by_name(bad, error):
    with pytest.raises(error, match="intensity"):
        nb11.drill_steps(bad)


def test_bad_slos_and_unknown_services_are_refused_by_name():
    with pytest.raises(ValueError, match="p99"):
        nb11.slos(p99=0)
    with pytest.raises(ValueError, match="error_rate"):
        nb11.slos(error_rate=float("nan"))
    with pytest.raises(KeyError, match="sync"):
        nb11.run_drill(["payment", "bank"], rate=50, seed=SEED)
    with pytest.raises(KeyError, match="warehouse"):
        nb11.drill(vn.scenarios.hybrid_shop(), cut="warehouse")


def test_report_measures_the_promises():
    res = nb11.run_drill("hybrid", rate=rate_of(None), seed=SEED)
    table = nb11.report(res, SLOS)
    assert list(table.index) == ["checkout_p99", "checkout_errors", "shipped_within", "unpaid"]
    assert {"label", "target", "measured", "passed", "margin", "shown", "promise"} <= set(table.columns)
    s = res.summary()
    assert table.loc["checkout_p99", "measured"] == pytest.approx(s["p99"])
    assert table.loc["checkout_errors", "measured"] == pytest.approx(s["error_rate"])
    assert table.loc["checkout_p99", "margin"] == pytest.approx(P99_SLO - s["p99"])
    # shipping was down 6 s: the slowest order shipped after the outage, not before
    assert 6.0 < table.loc["shipped_within", "measured"] < SHIP_SLO
    assert table.loc["unpaid", "promise"] == "none"
    assert nb11.run_drill("hybrid", rate=rate_of(None), seed=SEED) is res        # remembered, not re-run


def test_confirmations_and_charges_tell_the_two_ways_a_checkout_can_lie():
    rate = rate_of(None)
    ed = nb11.run_drill("event_driven", rate=rate, seed=SEED)
    broken = nb11.confirmed_but_failed(ed)
    assert broken["payment"] > 0 and broken.drop("payment").sum() == 0
    assert nb11.charged_but_refused(ed) == 0                  # nobody is charged before the answer
    rr = nb11.run_drill("request_response", rate=rate, seed=SEED)
    assert nb11.confirmed_but_failed(rr).sum() == 0            # an RR "ok" is true ...
    assert nb11.charged_but_refused(rr) > 100                  # ... but its failures charged many cards
    untraced = nb11.run_drill("hybrid", rate=50, seed=SEED, trace=False)
    assert math.isnan(nb11.charged_but_refused(untraced))


# -- figures -------------------------------------------------------------------------------

def test_figures_draw():
    rate = rate_of(None)
    runs = {d: nb11.run_drill(d, rate=rate, seed=SEED) for d in ("request_response", "hybrid", "event_driven")}
    before = len(plt.get_fignums())
    fig = nb11.slo_matrix(runs, SLOS, labels={d: nb11.design_label(d, 4) for d in runs})
    assert isinstance(fig, Figure)
    assert isinstance(nb11.slo_matrix({"mine": nb11.report(runs["hybrid"], SLOS)}, SLOS), Figure)
    assert isinstance(nb11.drill_figure(runs), Figure)
    assert isinstance(nb11.drill_figure(runs["request_response"]), Figure)   # no consumers: says so
    card = pd.DataFrame([vn.verdicts.coupling().as_row()]).set_index("dimension")
    assert isinstance(nb11.verdict_figure(card, title="one verdict"), Figure)
    with pytest.raises(ValueError, match="card"):
        nb11.verdict_figure(pd.DataFrame())
    assert len(plt.get_fignums()) == before
    assert nb11.design_label("request_response", 4) == "all synchronous (no broker)"
    assert nb11.design_label("hybrid", 1) == "sync: payment, inventory · 1 partition"


# -- the panel: every control at both ends -------------------------------------------------

def _check(panel):
    assert_drawn(panel)
    assert list(panel.report.index) == [slo.key for slo in SLOS]
    assert "SLO" in panel.numbers.value


def test_panel_at_both_ends_of_every_control():
    panel = nb11.DrillPanel("request_response", rate=rate_of(None), seed=SEED, slos=SLOS)
    _check(panel)
    assert not panel.report["passed"].all()                  # everything synchronous misses SLOs
    boxes = {s: False for s in nb11.DOWNSTREAM}
    lows = {"rate": 40, "intensity": 0.0, "partitions": 1}
    highs = {"rate": 200, "intensity": 2.0, "partitions": 8}
    for k, v in lows.items():
        assert panel.controls[k].min == v
    for k, v in highs.items():
        assert panel.controls[k].max == v
    low, high = settings_at_extremes(panel)
    assert low == {**boxes, **lows} and high == {**{s: True for s in nb11.DOWNSTREAM}, **highs}
    gc.collect()
    figs = len(plt.get_fignums())
    panel.update(**low)                                      # nothing synchronous, no drill, one partition
    _check(panel)
    assert panel.report["passed"].all()                      # no drill: nothing to break
    panel.update(**high)
    _check(panel)
    hybrid = dict(payment=True, inventory=True, shipping=False, notifications=False, analytics=False)
    for ends in (highs, lows):                               # the mix, at both ends of the sliders
        panel.update(**hybrid, **ends)
        _check(panel)
    assert len(plt.get_fignums()) == figs


def test_panel_reports_bad_input_in_words():
    panel = nb11.DrillPanel(run=False)
    panel.update(bananas=3)
    assert panel.error and "bananas" in panel.error
    panel.update(rate=500)                                   # beyond the slider: moved to its end
    assert panel.error is None and panel.controls["rate"].value == 200
    assert "outside the slider" in panel.status.value
