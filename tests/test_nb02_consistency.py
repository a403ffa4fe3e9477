"""Notebook 02 (consistency): its exercises judge by simulating, its panel never
raises, and its helpers measure what the notebook says they measure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.exercises import nb02_consistency as nb02ex  # noqa: E402
from vetora_nb.experiments import consistency as nb02  # noqa: E402
from vetora_nb.panels import nb02_consistency as nb02_panel  # noqa: E402

from panel_checks import assert_drawn, assert_updates_do_not_leak  # noqa: E402

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


# -- the experiment and its figures ----------------------------------------------------

def _line(ax, label):
    """The data of the line labelled ``label`` (its start) on ``ax``."""
    found = [line for line in ax.get_lines() if line.get_label().startswith(label)]
    assert len(found) == 1, [line.get_label() for line in ax.get_lines()]
    return found[0].get_xydata()


def test_request_response_is_never_stale_with_the_same_function():
    runs = nb02.consistency_runs(rate=80, keys=20, duration=5, seed=3)
    reads = nb02.reads_of(runs, 200, seed=3)
    table = nb02.staleness_table(runs, 200, seed=3, reads=reads)
    rr, ed = table.loc["request_response"], table.loc["event_driven"]
    assert rr["stale_fraction"] == 0 and rr["max_apply_delay"] < 0 and rr["ryw_missed"] == 0
    assert 0 < ed["stale_fraction"] < 0.5 and ed["mean_apply_delay"] > 0
    assert ed["stale_fraction"] == pytest.approx(reads["event_driven"]["stale"].mean())
    # the sampled share agrees with the exact one, and Little's law bounds it from above
    assert abs(ed["stale_fraction"] - ed["expected_stale_fraction"]) < 4 * ed["stderr"]
    assert ed["expected_stale_fraction"] <= measures.little_bound(80, 20, ed["mean_apply_delay"]) + 1e-9
    # the figure draws the apply delays and the stale reads of these runs
    delays, ages = plots.staleness(runs, reads).axes
    stale = reads["event_driven"].query("stale")["staleness"].to_numpy() * 1000
    np.testing.assert_allclose(_line(ages, "event-driven")[:, 0], np.sort(stale))
    assert _line(delays, "request-response")[:, 0].max() == pytest.approx(rr["max_apply_delay"] * 1000)
    curves = {s: vn.patterns.consistency.read_your_writes_curve(r, "inventory", [0, 0.05]) for s, r in runs.items()}
    ax = plots.read_your_writes(curves).axes[0]
    for style, curve in curves.items():
        np.testing.assert_allclose(_line(ax, plots.style_label(style))[:, 1], curve["missed"])


def test_lag_sweep_and_figure():
    frame = nb02.lag_sweep((1, 3), rate=60, keys=20, duration=4, read_rate=100, seed=1)
    by = frame.set_index(["style", "factor"])
    assert (by.xs("request_response")["stale_fraction"] == 0).all()
    assert by.loc[("event_driven", 3.0), "stale_fraction"] > by.loc[("event_driven", 1.0), "stale_fraction"]
    assert by.loc[("request_response", 3.0), "p99_write"] > by.loc[("request_response", 1.0), "p99_write"]
    _, p99, little = plots.staleness_vs_lag(frame, rate=60, keys=20).axes
    rr = frame[frame["style"] == "request_response"].sort_values("factor")
    np.testing.assert_allclose(_line(p99, "request-response")[:, 1], rr["p99_write"] * 1000)
    bound = _line(little, "Little's law")
    np.testing.assert_allclose(bound[:, 1], [measures.little_bound(60, 20, x / 1000) for x in bound[:, 0]])


# -- the panel -----------------------------------------------------------------------

def test_panel_numbers_and_stale_reads_come_from_its_runs():
    panel = nb02_panel.panel(duration=3, slowdown=3.0, read_rate=400)
    assert panel.error is None, panel.error
    ed = panel.results["event_driven"]
    reads = vn.patterns.consistency.read_model_staleness(ed, "inventory", 400, seed=panel.seed)
    assert f"ED {reads['stale'].mean():.1%}" in panel.numbers.value
    dots = panel.figure.axes[0].get_lines()[1].get_xydata()          # the event-driven stale reads
    np.testing.assert_allclose(dots[:, 0], reads.loc[reads["stale"], "time"])
    # more reads, the same runs: only the picture changes
    runs_before = dict(panel.results)
    panel.update(read_rate=100)
    assert all(panel.results[s] is runs_before[s] for s in runs_before)
    assert len(panel.figure.axes[0].get_lines()[1].get_xdata()) < len(dots)


def test_panel_bad_input_is_a_message_and_figures_do_not_pile_up():
    panel = nb02_panel.panel(duration=2, run=False)
    panel.update(slowdown=2.0)
    assert_updates_do_not_leak(panel, [{"partitions": parts} for parts in (1, 8, 2)])
    panel.update(partitions="many")
    assert panel.error and "partitions" in panel.error
    panel.update(slowdown=100.0)                     # beyond the slider: moved to its end, and said so
    assert_drawn(panel)
    assert "outside the slider" in panel.status.value
    with pytest.raises(ValueError, match="duration"):
        nb02_panel.panel(duration=-1, run=False)
