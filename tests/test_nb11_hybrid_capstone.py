"""Notebook 11 (the capstone): its exercises judge by running the drill, its
SLO and drill helpers measure what they claim, its figures draw the runs'
numbers, and its panel survives every control at both ends."""

from __future__ import annotations

import gc
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.experiments import capstone  # noqa: E402
from vetora_nb.panels import nb11_hybrid_capstone  # noqa: E402

from panel_checks import assert_drawn, settings_at_extremes  # noqa: E402

SEED = 7
STUDENTS = [None, "someone-else"]
P99_SLO, ERROR_SLO, SHIP_SLO = 0.300, 0.015, 10.0
SLOS = capstone.slos(p99=P99_SLO, error_rate=ERROR_SLO, ship_within=SHIP_SLO)


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
    recommended = capstone.run_drill("hybrid", rate=rate, intensity=1.0, partitions=4, seed=SEED)
    solution = (P99_SLO - capstone.measure(recommended)["checkout_p99"]) * 1000
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
        if capstone.evaluate(sync, rate=rate, intensity=1.0, partitions=partitions, seed=SEED, slos=SLOS)["passed"].all():
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
    everything_sync = ex.judge("11.design", {"sync": list(capstone.DOWNSTREAM), "partitions": 4}, **kw)
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
    one = capstone.evaluate("hybrid", rate=rate, partitions=1, seed=SEED, slos=SLOS)
    assert not one.loc["shipped_within", "passed"] and one.loc["checkout_errors", "passed"]


# -- the drill and the SLOs ------------------------------------------------------------

def test_drill_cuts_the_link_that_feeds_notifications_in_each_wiring():
    rr, hy = vn.scenarios.hybrid_shop("request_response"), vn.scenarios.hybrid_shop("hybrid")
    cut = [f for f in capstone.drill(rr) if isinstance(f, vn.NetworkPartition)]
    assert [(f.a, f.b) for f in cut] == [("orders", "notifications")]
    cut = [f for f in capstone.drill(hy) if isinstance(f, vn.NetworkPartition)]
    assert [(f.a, f.b) for f in cut] == [("order-placed", "notifications")]
    kinds = sorted(type(f).__name__ for f in capstone.drill(hy))
    assert kinds == ["BrokerOutage", "ErrorRate", "NetworkPartition", "Outage", "Slowdown"]
    assert capstone.drill(hy, 0) == [] and capstone.drill_steps(0) == []


def test_intensity_scales_the_drill():
    one, two = capstone.drill_steps(1.0), capstone.drill_steps(2.0)
    assert [s["step"] for s in one] == ["consumer outage", "payment brown-out", "broker blip", "network partition"]
    assert two[0]["end"] - two[0]["start"] == pytest.approx(2 * (one[0]["end"] - one[0]["start"]))
    assert two[1]["slowdown"] > one[1]["slowdown"] and two[1]["errors"] > one[1]["errors"]


@pytest.mark.parametrize("bad, error", [(-1, ValueError), (5, ValueError), ("high", TypeError), (True, TypeError)])
def test_bad_intensity_is_refused_by_name(bad, error):
    with pytest.raises(error, match="intensity"):
        capstone.drill_steps(bad)


def test_bad_slos_and_unknown_services_are_refused_by_name():
    with pytest.raises(ValueError, match="p99"):
        capstone.slos(p99=0)
    with pytest.raises(ValueError, match="error_rate"):
        capstone.slos(error_rate=float("nan"))
    with pytest.raises(KeyError, match="sync"):
        capstone.run_drill(["payment", "bank"], rate=50, seed=SEED)
    with pytest.raises(KeyError, match="warehouse"):
        capstone.drill(vn.scenarios.hybrid_shop(), cut="warehouse")


def test_report_measures_the_promises():
    res = capstone.run_drill("hybrid", rate=rate_of(None), seed=SEED)
    table = capstone.report(res, SLOS)
    assert list(table.index) == ["checkout_p99", "checkout_errors", "shipped_within", "unpaid"]
    assert {"label", "target", "measured", "passed", "margin"} <= set(table.columns)
    s = res.summary()
    assert table.loc["checkout_p99", "measured"] == pytest.approx(s["p99"])
    assert table.loc["checkout_errors", "measured"] == pytest.approx(s["error_rate"])
    assert table.loc["checkout_p99", "margin"] == pytest.approx(P99_SLO - s["p99"])
    # shipping was down 6 s: the slowest order shipped after the outage, not before
    assert 6.0 < table.loc["shipped_within", "measured"] < SHIP_SLO
    assert plots.slo_promise(SLOS[3]) == "none" and plots.slo_promise(SLOS[0]) == "≤ 300 ms"
    assert capstone.run_drill("hybrid", rate=rate_of(None), seed=SEED) is res        # remembered, not re-run


def test_confirmations_and_charges_tell_the_two_ways_a_checkout_can_lie():
    rate = rate_of(None)
    ed = capstone.run_drill("event_driven", rate=rate, seed=SEED)
    broken = measures.confirmed_but_failed(ed)
    assert broken["payment"] > 0 and broken.drop("payment").sum() == 0
    assert measures.charged_but_refused(ed) == 0                  # nobody is charged before the answer
    rr = capstone.run_drill("request_response", rate=rate, seed=SEED)
    assert measures.confirmed_but_failed(rr).sum() == 0            # an RR "ok" is true ...
    assert measures.charged_but_refused(rr) > 100                  # ... but its failures charged many cards
    untraced = capstone.run_drill("hybrid", rate=50, seed=SEED, trace=False)
    assert math.isnan(measures.charged_but_refused(untraced))


# -- figures -------------------------------------------------------------------------------

def _texts(ax) -> list:
    return [t.get_text() for t in ax.texts]


def test_slo_matrix_shows_each_measured_value_in_its_verdicts_colour():
    rate = rate_of(None)
    runs = {d: capstone.run_drill(d, rate=rate, seed=SEED) for d in ("request_response", "hybrid", "event_driven")}
    fig = plots.slo_matrix(runs, SLOS, labels={d: capstone.design_label(d, 4) for d in runs})
    ax = fig.axes[0]
    cells = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    assert len(cells) == len(runs) * len(SLOS)
    for design, cell_row in zip(runs, np.reshape(cells, (len(runs), len(SLOS)))):
        table = capstone.report(runs[design], SLOS)
        for slo, cell in zip(SLOS, cell_row):
            assert plots.slo_value(slo, table.loc[slo.key, "measured"]) in _texts(ax)
            fill = (plots.PASS_COLORS if table.loc[slo.key, "passed"] else plots.FAIL_COLORS)[0]
            assert np.allclose(cell.get_facecolor()[:3], matplotlib.colors.to_rgb(fill))
    assert "sync: payment, inventory · 4 partitions" in [" ".join(t.split()) for t in _texts(ax)]   # wrapped
    assert plots.slo_summary(capstone.report(runs["request_response"], SLOS)).startswith("misses the SLO")
    assert capstone.design_label("request_response", 4) == "all synchronous (no broker)"
    assert capstone.design_label("hybrid", 1) == "sync: payment, inventory · 1 partition"


def test_drill_figure_draws_the_lag_of_each_run_and_shades_the_drill():
    rate = rate_of(None)
    runs = {d: capstone.run_drill(d, rate=rate, seed=SEED) for d in ("request_response", "hybrid", "event_driven")}
    before = len(plt.get_fignums())
    lag_axes = plots.drill_figure(runs).axes[1]
    for design in ("hybrid", "event_driven"):
        line = next(x for x in lag_axes.get_lines() if x.get_label() == f"{vn.plots.style_label(design)} · shipping")
        lag = runs[design].metric("consumer_lag")["shipping"]
        assert np.allclose(line.get_ydata(), lag.to_numpy(float)) and np.allclose(line.get_xdata(), lag.index)
    windows = sorted({(f.start, f.end) for r in runs.values() for f in r.faults})
    assert len(windows) == 4                       # outage, brown-out (two faults, one window), blip, the cut
    bands = [p.get_path().get_extents().transformed(p.get_patch_transform()) for p in lag_axes.patches
             if isinstance(p, (Polygon, Rectangle))]
    assert sorted((round(b.x0, 6), round(b.x1, 6)) for b in bands) == windows
    lone = plots.drill_figure(runs["request_response"]).axes[1]
    assert lone.get_lines() == [] and any("no consumers" in t for t in _texts(lone))
    card = pd.DataFrame([vn.verdicts.coupling().as_row()]).set_index("dimension")
    verdicts = plots.verdict_figure(card, title="one verdict").axes[0]
    row = card.iloc[0]
    assert "one verdict" in _texts(verdicts) and "coupling" in _texts(verdicts)
    assert ("holds" if row["holds"] else "no") in _texts(verdicts)
    with pytest.raises(ValueError, match="card"):
        plots.verdict_figure(pd.DataFrame())
    assert len(plt.get_fignums()) == before


# -- the panel: every control at both ends -------------------------------------------------

def _check(panel):
    assert_drawn(panel)
    report = panel.analysis["report"]
    assert list(report.index) == [slo.key for slo in SLOS]
    assert "SLO" in panel.numbers.value
    res = next(iter(panel.results.values()))
    assert report.equals(capstone.report(res, SLOS))
    assert plots.slo_value(SLOS[0], report.loc["checkout_p99", "measured"]) in panel.numbers.value


def test_panel_at_both_ends_of_every_control():
    panel = nb11_hybrid_capstone.panel("request_response", rate=rate_of(None), seed=SEED, slos=SLOS)
    _check(panel)
    assert not panel.analysis["report"]["passed"].all()        # everything synchronous misses SLOs
    boxes = {f"sync_{s}": False for s in capstone.DOWNSTREAM}
    lows = {"rate": 40, "intensity": 0.0, "partitions": 1}
    highs = {"rate": 200, "intensity": 2.0, "partitions": 8}
    for k, v in lows.items():
        assert panel.controls[k].min == v
    for k, v in highs.items():
        assert panel.controls[k].max == v
    low, high = settings_at_extremes(panel)
    assert low == {**boxes, **lows} and high == {**{b: True for b in boxes}, **highs}
    gc.collect()
    figs = len(plt.get_fignums())
    panel.update(**low)                                      # nothing synchronous, no drill, one partition
    _check(panel)
    assert panel.analysis["report"]["passed"].all()          # no drill: nothing to break
    assert list(panel.results) == ["event_driven"]
    panel.update(**high)
    _check(panel)
    hybrid = dict(sync_payment=True, sync_inventory=True, sync_shipping=False, sync_notifications=False,
                  sync_analytics=False)
    for ends in (highs, lows):                               # the mix, at both ends of the sliders
        panel.update(**hybrid, **ends)
        _check(panel)
        assert list(panel.results) == ["hybrid"]
    assert len(plt.get_fignums()) == figs


def test_panel_reports_bad_input_in_words():
    panel = nb11_hybrid_capstone.panel(run=False)
    panel.update(bananas=3)
    assert panel.error and "bananas" in panel.error
    panel.update(rate=500)                                   # beyond the slider: moved to its end
    assert panel.error is None and panel.controls["rate"].value == 200
    assert "outside the slider" in panel.status.value
