"""Notebook 02 (consistency): its exercises judge by simulating, its panel never
raises, and its helpers measure what the notebook says they measure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.exercises import nb02_consistency as nb02ex  # noqa: E402
from vetora_nb.panels import nb02_consistency as nb02  # noqa: E402

from panel_checks import (  # noqa: E402
    assert_drawn, assert_each_draws, assert_updates_do_not_leak, settings_one_at_a_time)

#: The notebook's first cell.
SEED, DURATION, KEYS, READ_RATE = 7, 20, 50, 200
STUDENTS = [None, "someone-else"]


def params(student):
    return ex.variant("02", student_id=student)


# -- exercises -------------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_where_it_pays(student):
    P = params(student)
    kw = dict(service=P["SLOW_SERVICE"], rate=P["RATE"], seed=SEED)
    solution = "synchronous" if P["SLOW_SERVICE"] == "inventory" else "neither"   # the notebook's
    assert ex.judge("02.where_it_pays", solution, **kw).passed
    assert ex.judge("02.where_it_pays", solution, **{**kw, "seed": SEED + 1}).passed
    for wrong in {"synchronous", "event_driven", "both", "neither"} - {solution}:
        assert not ex.judge("02.where_it_pays", wrong, **kw).passed
    # both answers occur: only the synchronous path costs the writer
    inventory = nb02ex.p99_rise(service="inventory", factor=3.0, rate=100, keys=KEYS, duration=5, seed=SEED)
    shipping = nb02ex.p99_rise(service="shipping", factor=3.0, rate=100, keys=KEYS, duration=5, seed=SEED)
    assert inventory["synchronous"] > 1.5 and inventory["event_driven"] == pytest.approx(1.0)
    assert shipping == pytest.approx({"synchronous": 1.0, "event_driven": 1.0})


def _stale_share(P, seed):
    """The notebook's solution, cell for cell."""
    slowed = nb02.consistency_runs(rate=P["RATE"], keys=KEYS, duration=DURATION, seed=seed, factor=P["FACTOR"],
                                   styles=["event_driven"])
    reads = vn.patterns.consistency.read_model_staleness(slowed["event_driven"], "inventory", READ_RATE, seed=seed)
    return reads["stale"].mean()


@pytest.mark.parametrize("student", STUDENTS)
def test_stale_share(student):
    P = params(student)
    kw = dict(factor=P["FACTOR"], rate=P["RATE"], keys=KEYS, duration=DURATION)
    answer = _stale_share(P, SEED)
    assert ex.judge("02.stale_share", answer, seed=SEED, **kw).passed
    assert ex.judge("02.stale_share", answer, seed=SEED + 1, **kw).passed
    # wrong: request-response's share, the healthy share, a percentage
    assert not ex.judge("02.stale_share", 0.0, seed=SEED, **kw).passed
    healthy = nb02ex.expected_stale(1.0, float(P["RATE"]), KEYS, float(DURATION), SEED)
    assert not ex.judge("02.stale_share", healthy, seed=SEED, **kw).passed
    assert not ex.judge("02.stale_share", answer * 100, seed=SEED, **kw).passed


@pytest.mark.parametrize("student", STUDENTS)
def test_partitions(student):
    P = params(student)
    factor, target = P["DESIGN"]
    kw = dict(factor=factor, target=target, keys=KEYS, duration=DURATION)
    solution = {"partitions": 8, "instances": 8}   # the notebook's
    assert ex.judge("02.partitions", solution, seed=SEED, **kw).passed
    assert ex.judge("02.partitions", solution, seed=SEED + 1, **kw).passed
    # the default, and instances without partitions, miss the target
    for wrong in ({"partitions": 4, "instances": 4}, {"partitions": 4, "instances": 12}):
        out = ex.judge("02.partitions", wrong, seed=SEED, **kw)
        assert not out.passed and "target" in out.reason
    assert "between 1 and 12" in ex.judge("02.partitions", {"partitions": 16, "instances": 16}, seed=SEED,
                                          **kw).reason
    assert not ex.judge("02.partitions", (8, 8), seed=SEED, **kw).passed


def test_registered_kinds():
    reg = ex.registry()
    assert {reg[i].kind for i in ("02.where_it_pays", "02.stale_share", "02.partitions")} == {
        "prediction", "measurement", "design"}


# -- helpers -------------------------------------------------------------------------

def test_request_response_is_never_stale_with_the_same_function():
    runs = nb02.consistency_runs(rate=80, keys=20, duration=5, seed=3)
    reads = nb02.reads_of(runs, 200, seed=3)
    table = nb02.staleness_table(runs, 200, seed=3, reads=reads)
    rr, ed = table.loc["request_response"], table.loc["event_driven"]
    assert rr["stale_fraction"] == 0 and rr["max_apply_delay"] < 0 and rr["ryw_missed"] == 0
    assert 0 < ed["stale_fraction"] < 0.5 and ed["mean_apply_delay"] > 0
    # Little's law bounds the exact share from above
    assert ed["expected_stale_fraction"] <= nb02.little_bound(80, 20, ed["mean_apply_delay"]) + 1e-9
    assert isinstance(nb02.staleness_figure(runs, reads), Figure)
    curves = {s: vn.patterns.consistency.read_your_writes_curve(r, "inventory", [0, 0.05]) for s, r in runs.items()}
    assert isinstance(nb02.ryw_figure(curves), Figure)


def test_lag_sweep_and_figure():
    frame = nb02.lag_sweep((1, 3), rate=60, keys=20, duration=4, read_rate=100, seed=1)
    by = frame.set_index(["style", "factor"])
    assert (by.xs("request_response")["stale_fraction"] == 0).all()
    assert by.loc[("event_driven", 3.0), "stale_fraction"] > by.loc[("event_driven", 1.0), "stale_fraction"]
    assert by.loc[("request_response", 3.0), "p99_write"] > by.loc[("request_response", 1.0), "p99_write"]
    assert isinstance(nb02.lag_figure(frame, rate=60, keys=20), Figure)


# -- the panel -----------------------------------------------------------------------

def test_panel_every_control_at_both_ends():
    panel = nb02.ConsistencyPanel(duration=2, run=False)
    assert set(panel.controls) == {"rate", "read_rate", "slowdown", "partitions"}
    assert_each_draws(panel, settings_one_at_a_time(panel))
    assert "stale reads" in panel.numbers.value


def test_panel_bad_input_is_a_message_and_figures_do_not_pile_up():
    panel = nb02.ConsistencyPanel(duration=2, run=False)
    panel.update(slowdown=2.0)
    assert_updates_do_not_leak(panel, [{"partitions": parts} for parts in (1, 8, 2)])
    panel.update(partitions="many")
    assert panel.error and "partitions" in panel.error
    panel.update(slowdown=100.0)                     # beyond the slider: moved to its end, and said so
    assert_drawn(panel)
    assert "outside the slider" in panel.status.value
    with pytest.raises(ValueError, match="duration"):
        nb02.ConsistencyPanel(duration=-1, run=False)
