"""Sagas: nothing half-done after a drain, compensations balance the steps
done, completion follows the product of step success rates, and the
inconsistency windows of the two styles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from vetora_nb import Constant
from vetora_nb.patterns import sagas
from vetora_nb.patterns.sagas import SagaStep

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def runs():
    return {(style, seed): sagas.run_saga(style, rate=100, duration=30, seed=seed)
            for style in sagas.STYLES for seed in SEEDS}


def test_nothing_is_left_half_done_after_the_drain(runs):
    for res in runs.values():
        s = res.summary()
        assert res.half_done == 0 and res.unfinished == 0
        assert s["completed"] + s["compensated"] == s["sagas"] > 2000
        assert (res.sagas["end"] >= res.sagas["start"]).all()


def test_half_done_is_measured_not_assumed():
    res = sagas.run_saga("choreography", rate=300, duration=5, seed=4, drain=False)
    assert res.unfinished > 0 and res.half_done > 0
    assert res.half_done <= res.unfinished


def test_compensations_balance_the_steps_done(runs):
    names = [s.name for s in sagas.DEFAULT_STEPS]
    for res in runs.values():
        df = res.sagas
        comp = df[df["outcome"] == "compensated"]
        done = df[df["outcome"] == "completed"]
        assert (comp["compensations"] == comp["steps_done"]).all()
        assert comp["failed_step"].tolist() == [names[k] for k in comp["steps_done"]]
        assert (done["steps_done"] == len(names)).all() and (done["compensations"] == 0).all()
        assert done["failed_step"].isna().all()
        s = res.summary()
        assert s["compensations"] == s["steps_undone_owed"] > 0


def test_completion_follows_the_product_of_step_success_rates(runs):
    p = sagas.expected_completion()
    assert p == pytest.approx(0.99 * 0.95 * 0.95 * 0.97)
    for style in sagas.STYLES:
        ok = sum(runs[style, s].summary()["completed"] for s in SEEDS)
        n = sum(runs[style, s].summary()["sagas"] for s in SEEDS)
        assert abs(ok / n - p) <= 4 * math.sqrt(p * (1 - p) / n)
    # which step fails: step k fails with probability prod(1-p_j, j<k) * p_k
    df = [runs["orchestration", s].sagas for s in SEEDS]
    counts = {}
    n = sum(len(d) for d in df)
    for d in df:
        for name, c in d["failed_step"].value_counts().items():
            counts[name] = counts.get(name, 0) + c
    reach = 1.0
    for step in sagas.DEFAULT_STEPS:
        q = reach * step.failure
        assert abs(counts.get(step.name, 0) / n - q) <= 4 * math.sqrt(q * (1 - q) / n)
        reach *= 1 - step.failure


def test_both_styles_run_the_same_sagas(runs):
    for seed in SEEDS:
        a, b = runs["choreography", seed].sagas, runs["orchestration", seed].sagas
        assert (a["start"].to_numpy() == b["start"].to_numpy()).all()
        assert (a["outcome"] == b["outcome"]).all() and (a["steps_done"] == b["steps_done"]).all()


def test_inconsistency_window_definition(runs):
    for res in runs.values():
        df = res.sagas
        nothing = df["steps_done"] == 0
        assert (df.loc[nothing, "inconsistent_time"] == 0).all()
        rest = df[~nothing]
        np.testing.assert_allclose(rest["inconsistent_time"], rest["last_effect"] - rest["first_effect"])
        assert (rest["first_effect"] >= rest["start"]).all() and (rest["last_effect"] <= rest["end"]).all()


def test_choreography_compensates_slower_through_the_broker(runs):
    for seed in SEEDS:
        c = runs["choreography", seed].summary()
        o = runs["orchestration", seed].summary()
        # every hop back is a broker hop (7 ms) instead of a round trip (2 ms)
        assert c["compensated_inconsistency_mean"] > o["compensated_inconsistency_mean"]
        assert c["duration_p95"] > o["duration_p95"]


def test_windows_with_deterministic_steps():
    steps = (SagaStep("order", Constant(0.010), 0.0, Constant(0.005), workers=64),
             SagaStep("payment", Constant(0.020), 1.0, Constant(0.004), workers=64))
    kw = dict(rate=5, duration=20, seed=1, steps=steps, network_latency=Constant(0.001),
              broker_latency=Constant(0.007))
    chor = sagas.run_saga("choreography", **kw).sagas
    orch = sagas.run_saga("orchestration", **kw).sagas
    assert (chor["outcome"] == "compensated").all() and (chor["failed_step"] == "payment").all()
    # order done -> event to payment (7) -> payment fails (20) -> event back (7) -> undo order (5)
    np.testing.assert_allclose(chor["inconsistent_time"], 0.039)
    # order done -> answer (1) -> call payment (1) -> fails (20) -> answer (1) -> call undo (1) -> undo (5)
    np.testing.assert_allclose(orch["inconsistent_time"], 0.029)
    np.testing.assert_allclose(chor["duration"], 0.001 + 0.010 + 0.039)
    np.testing.assert_allclose(orch["duration"], 0.001 + 0.010 + 0.029 + 0.001)


def test_completed_window_is_the_partial_window():
    steps = tuple(SagaStep(n, Constant(0.010), 0.0, Constant(0.005), workers=64) for n in "abc")
    kw = dict(rate=5, duration=10, seed=1, steps=steps, network_latency=Constant(0.001),
              broker_latency=Constant(0.007))
    chor = sagas.run_saga("choreography", **kw).sagas
    orch = sagas.run_saga("orchestration", **kw).sagas
    assert (chor["outcome"] == "completed").all()
    np.testing.assert_allclose(chor["inconsistent_time"], 2 * (0.007 + 0.010))
    np.testing.assert_allclose(orch["inconsistent_time"], 2 * (0.002 + 0.010))


def test_bad_input():
    with pytest.raises(ValueError, match="style"):
        sagas.run_saga("telepathy")
    with pytest.raises(ValueError, match="failure"):
        SagaStep("x", failure=1.5)
    with pytest.raises(ValueError, match="rate"):
        sagas.run_saga("orchestration", rate=-1)
