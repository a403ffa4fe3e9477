"""Notebook 10 (sagas): its exercises accept their solutions and reject wrong
answers, for two students; the closed-form break-even matches the simulated
one; its figures draw the runs' numbers; its panel draws at both ends of every
control without an error and without piling up figures."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.exercises import nb10_sagas as nb10_ex  # noqa: E402
from vetora_nb.experiments import sagas as experiments  # noqa: E402
from vetora_nb.panels import nb10_sagas  # noqa: E402
from vetora_nb.patterns import sagas  # noqa: E402

from panel_checks import (  # noqa: E402
    assert_drawn, assert_updates_do_not_leak, settings_at_extremes, settings_one_at_a_time, updates_that_draw)

# The notebook's first cell.
SEED, DURATION, NETWORK_LATENCY, BROKER_LATENCY = 10, 30, 0.001, 0.007
STUDENTS = [None, "someone-else"]


def notebook_params(student):
    P = ex.variant("10", student_id=student)
    return {"RATE": P["RATE"], "FAILURE": P["FAILURE"], "STEPS": experiments.saga_steps(P["FAILURE"]),
            "PREDICT_NETWORK": P["PREDICT_NETWORK_MS"] / 1000, "MEASURE_FAILURE": P["MEASURE_FAILURE"],
            "DESIGN_NETWORK": P["DESIGN_NETWORK_MS"] / 1000}


def test_variants_differ_between_students():
    assert ex.variant("10") == {k: v[0] for k, v in nb10_ex.VARIANTS.items()}
    assert any(ex.variant("10", student_id=f"s{i}") != ex.variant("10") for i in range(5))


@pytest.mark.parametrize("student", STUDENTS)
def test_faster_style(student):
    p = notebook_params(student)
    legs_orch = 2 * len(p["STEPS"]) * p["PREDICT_NETWORK"]          # the notebook's solution
    legs_chor = p["PREDICT_NETWORK"] + len(p["STEPS"]) * BROKER_LATENCY
    solution = "orchestration" if legs_orch < legs_chor else "choreography"
    wrong = "choreography" if solution == "orchestration" else "orchestration"
    kw = dict(rate=p["RATE"], failure=p["FAILURE"], network_latency=p["PREDICT_NETWORK"],
              broker_latency=BROKER_LATENCY, duration=DURATION, seed=SEED)
    assert ex.judge("10.faster_style", solution, **kw).passed
    assert ex.judge("10.faster_style", solution.upper(), **kw).passed
    assert not ex.judge("10.faster_style", wrong, **kw).passed
    assert not ex.judge("10.faster_style", "both", **kw).passed
    assert ex.judge("10.faster_style", solution, **dict(kw, seed=SEED + 1)).passed     # hidden test


@pytest.mark.parametrize("student", STUDENTS)
def test_compensated_window(student):
    p = notebook_params(student)
    risky = sagas.run_saga("choreography", rate=p["RATE"], duration=DURATION, seed=SEED,
                           steps=experiments.saga_steps(p["MEASURE_FAILURE"]), network_latency=NETWORK_LATENCY,
                           broker_latency=BROKER_LATENCY)
    solution = risky.summary()["compensated_inconsistency_mean"]
    kw = dict(rate=p["RATE"], failure=p["MEASURE_FAILURE"], network_latency=NETWORK_LATENCY,
              broker_latency=BROKER_LATENCY, duration=DURATION, seed=SEED)
    assert ex.judge("10.compensated_window", solution, **kw).passed
    assert not ex.judge("10.compensated_window", solution * 1000, **kw).passed    # milliseconds
    p95 = risky.summary()["compensated_inconsistency_p95"]
    assert not ex.judge("10.compensated_window", p95, **kw).passed                # the p95, not the mean
    assert not ex.judge("10.compensated_window", "long", **kw).passed
    assert 0 < solution < 1                                                        # the hidden test


@pytest.mark.parametrize("student", STUDENTS)
def test_broker_budget(student):
    p = notebook_params(student)

    def p95(style, broker):      # the notebook's solution
        run = sagas.run_saga(style, rate=p["RATE"], duration=DURATION, seed=SEED, steps=p["STEPS"],
                             network_latency=p["DESIGN_NETWORK"], broker_latency=broker)
        return run.summary()["duration_p95"]

    target = p95("orchestration", BROKER_LATENCY)
    low, high = 0.0, 4 * p["DESIGN_NETWORK"]
    for _ in range(7):
        middle = (low + high) / 2
        low, high = (middle, high) if p95("choreography", middle) <= target else (low, middle)
    kw = dict(rate=p["RATE"], failure=p["FAILURE"], network_latency=p["DESIGN_NETWORK"], duration=DURATION,
              seed=SEED)
    assert ex.judge("10.broker_budget", low, **kw).passed
    assert not ex.judge("10.broker_budget", low * 1.5, **kw).passed       # choreography already slower
    assert not ex.judge("10.broker_budget", low * 0.5, **kw).passed       # leaves budget unused
    assert not ex.judge("10.broker_budget", low * 1000, **kw).passed      # milliseconds
    assert not ex.judge("10.broker_budget", -0.001, **kw).passed
    assert 0 < low < 4 * p["DESIGN_NETWORK"]                              # the hidden test


def test_closed_form_matches_the_simulation():
    table = experiments.latency_tradeoff((0.0015, 0.002, 0.0025), failures=(0.0, 0.3), network_latency=0.001,
                                  rate=30, duration=5, seed=3)
    cross = measures.crossings(table).set_index("failure")
    for failure, row in cross.iterrows():
        assert math.isfinite(row.measured)
        assert row.measured == pytest.approx(row.closed_form, rel=0.05)
    assert cross.loc[0.3, "closed_form"] > cross.loc[0.0, "closed_form"]     # failures move it up
    assert measures.breakeven_broker_latency(0.001, experiments.saga_steps(0.0)) == pytest.approx(0.00175)
    assert (table["half_done"] == 0).all()


def test_failure_profile_and_completion_add_up():
    steps = experiments.saga_steps([0.1, 0.2, 0.0, 0.3])
    profile = measures.failure_profile(steps)
    assert profile.sum() + sagas.expected_completion(steps) == pytest.approx(1.0)
    assert measures.hop_counts(steps)["completion"] == pytest.approx(sagas.expected_completion(steps))
    with pytest.raises(ValueError, match="failure"):
        experiments.saga_steps([0.1, 0.2])


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def no_pyplot_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "something registered a figure with pyplot"


@pytest.fixture(scope="module")
def panel():
    panel = nb10_sagas.panel(duration=5.0, seed=SEED, run=False)
    panel.dpi = 40            # the same drawing, a cheaper PNG
    return panel


def test_panel_every_control_at_both_ends(panel):
    defaults = {k: w.value for k, w in panel.controls.items()}
    for _ in updates_that_draw(panel, settings_one_at_a_time(panel)):
        assert "half-done" in panel.numbers.value
        assert all(r.half_done == 0 for r in panel.results.values())
    panel.update(**defaults)
    assert_drawn(panel)


def test_panel_all_extremes_at_once(panel):
    low, high = settings_at_extremes(panel)
    assert low == dict(rate=10, step_failure=0.0, broker_ms=0.5, network_ms=0.2)
    assert high == dict(rate=150, step_failure=0.5, broker_ms=20.0, network_ms=10.0)
    panel.update(**high)
    assert_drawn(panel)
    panel.update(**low)
    assert_drawn(panel)
    assert all(r.summary()["compensated"] == 0 for r in panel.results.values())


def test_panel_bad_values_are_reported_not_raised(panel):
    panel.update(step_failure="often")
    assert panel.error and "step_failure" in panel.error
    panel.update(partitions=4)
    assert panel.error and "partitions" in panel.error
    panel.update(step_failure=0.05)
    assert_drawn(panel)


def test_panel_redraws_do_not_pile_up_figures(panel):
    assert_updates_do_not_leak(panel, [{"rate": rate} for rate in (20, 30, 20)])
    assert plt.get_fignums() == []


def test_panel_numbers_are_the_runs_and_the_closed_form(panel):
    panel.update(step_failure=0.2, broker_ms=1.0, network_ms=1.0)
    chor, orch = (panel.results[s].summary() for s in ("choreography", "orchestration"))
    text = panel.numbers.value
    assert f"{chor['compensated']:,} · {orch['compensated']:,}" in text
    assert plots.format_ms(chor["duration_p95"]) in text
    b_star = measures.breakeven_broker_latency(0.001, experiments.saga_steps(0.2))
    assert plots.format_ms(b_star) in text and 0.001 < b_star           # 1 ms is below the break-even ...
    assert "faster on average at 1 ms</td><td" in text and ">choreography<" in text   # ... so choreography


def test_figures_draw_the_runs_numbers():
    runs = experiments.run_both(rate=20, duration=3, seed=1, failure=0.2)
    summary = {style: r.summary() for style, r in runs.items()}
    outcomes = plots.outcomes_figure(runs).axes[0]
    heights = [int(round(b.get_height())) for b in outcomes.patches]
    assert heights == [summary[s][k] for s in runs for k in ("completed", "compensated")]
    durations = plots.duration_figure(runs).axes[0]
    steps = [line for line in durations.get_lines() if line.get_label().startswith("choreography")]
    assert len(steps) == 1
    drawn = steps[0].get_xydata()
    assert np.allclose(drawn[:, 0], np.sort(runs["choreography"].sagas["duration"].dropna()) * 1000)
    assert steps[0].get_label() == f"choreography (p95 {plots.format_ms(summary['choreography']['duration_p95'])})"
    window = plots.window_figure(runs).axes[0]
    labels = [line.get_label() for line in window.get_lines() if not line.get_label().startswith("_")]
    assert len(labels) == 4 and all("p95" in label for label in labels)
    table = experiments.latency_tradeoff((0.001, 0.003), failures=(0.0, 0.2), rate=20, duration=3, seed=1)
    left, right = plots.tradeoff_figure(table).axes[:2]
    chor = table[(table["style"] == "choreography") & (table["failure"] == 0.0)]
    line = next(x for x in left.get_lines() if x.get_label() == "choreography, steps fail 0%")
    assert np.allclose(line.get_ydata(), chor["duration_mean"] * 1000)
    marks = [x.get_xdata()[0] for x in right.get_lines() if x.get_marker() == "v"]
    assert np.allclose(sorted(marks), sorted(table.groupby("failure")["breakeven"].first() * 1000))
