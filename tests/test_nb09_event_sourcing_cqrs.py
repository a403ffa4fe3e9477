"""Notebook 09 (event sourcing and CQRS): its exercises accept their
solutions and reject wrong answers, for two students; its figures draw the
runs' numbers; its panel draws at both ends of every control without an error
and without piling up figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.exercises import nb09_event_sourcing_cqrs as nb09_ex  # noqa: E402
from vetora_nb.experiments import event_log  # noqa: E402
from vetora_nb.panels import nb09_event_sourcing_cqrs as nb09  # noqa: E402
from vetora_nb.patterns import consistency as cq  # noqa: E402
from vetora_nb.patterns import event_sourcing as es  # noqa: E402

from panel_checks import (  # noqa: E402
    assert_drawn, assert_updates_do_not_leak, settings_one_at_a_time, updates_that_draw)

# The notebook's first cell.
SEED, KEYS, DURATION, READ_RATE = 9, 20, 30, 200
STREAM, READ_MODEL = event_log.STREAM, event_log.READ_MODEL
SLOW_WINDOW, CATCH_UP_TARGET = (10.0, 20.0), 4.0
STUDENTS = [None, "someone-else"]


def notebook_params(student):
    P = ex.variant("09", student_id=student)
    return {"RATE": P["RATE"], "T_QUERY": P["T_QUERY"], "LATE_AT": P["LATE_AT"],
            "QUERY_KEY": P["QUERY_KEY"], "SLOWDOWN": P["SLOWDOWN"]}


def common(p):
    return {"rate": p["RATE"], "late_at": p["LATE_AT"], "keys": KEYS, "duration": DURATION, "seed": SEED}


def traffic(p):
    return vn.Traffic.poisson(p["RATE"], keys=KEYS)


def test_variants_differ_between_students():
    assert ex.variant("09") == {k: v[0] for k, v in nb09_ex.VARIANTS.items()}
    assert any(ex.variant("09", student_id=f"s{i}") != ex.variant("09") for i in range(5))


@pytest.mark.parametrize("student", STUDENTS)
def test_converges(student):
    p = notebook_params(student)
    kw = dict(common(p), slowdown=p["SLOWDOWN"])
    assert ex.judge("09.converges", "yes", **kw).passed          # the solution
    assert not ex.judge("09.converges", "no", **kw).passed
    assert not ex.judge("09.converges", "maybe", **kw).passed
    assert ex.judge("09.converges", "yes", **dict(kw, slowdown=2 * p["SLOWDOWN"])).passed   # hidden test


@pytest.mark.parametrize("student", STUDENTS)
def test_state_at(student):
    p = notebook_params(student)
    arch = es.event_sourced_architecture(late=(p["LATE_AT"],))
    run = vn.simulate(arch, traffic(p), duration=DURATION, seed=SEED)
    state = es.state_at(run, STREAM, p["T_QUERY"])
    solution = int(state.loc[p["QUERY_KEY"], "orders"]) if p["QUERY_KEY"] in state.index else 0
    kw = dict(common(p), t=p["T_QUERY"], key=p["QUERY_KEY"])
    assert ex.judge("09.state_at", solution, **kw).passed
    assert not ex.judge("09.state_at", solution + 1, **kw).passed
    final = int(es.rebuild(run, STREAM).loc[p["QUERY_KEY"], "orders"])
    assert not ex.judge("09.state_at", final, **kw).passed        # the state at the end, not at T
    assert 0 <= solution <= final


@pytest.mark.parametrize("student", STUDENTS)
def test_stale_share(student):
    p = notebook_params(student)
    arch = es.event_sourced_architecture(late=(p["LATE_AT"],))
    slow = vn.simulate(arch, traffic(p), duration=DURATION, seed=SEED,
                       faults=[vn.Slowdown(READ_MODEL, *SLOW_WINDOW, p["SLOWDOWN"])])
    solution = float(cq.read_model_staleness(slow, READ_MODEL, READ_RATE, seed=SEED)["stale"].mean())
    full_speed = vn.simulate(arch, traffic(p), duration=DURATION, seed=SEED)
    baseline = float(cq.read_model_staleness(full_speed, READ_MODEL, READ_RATE, seed=SEED)["stale"].mean())
    kw = dict(common(p), slowdown=p["SLOWDOWN"], window=SLOW_WINDOW, read_rate=READ_RATE)
    assert ex.judge("09.stale_share", solution, **kw).passed
    assert not ex.judge("09.stale_share", baseline, **kw).passed      # forgot the slowdown
    assert not ex.judge("09.stale_share", solution * 100, **kw).passed   # a percentage
    assert baseline < solution <= 1                                   # the hidden test's claim


@pytest.mark.parametrize("student", STUDENTS)
def test_partitions(student):
    p = notebook_params(student)
    for n in range(1, 17):      # the notebook's solution
        trial = vn.simulate(es.event_sourced_architecture(late=(p["LATE_AT"],), partitions=n), traffic(p),
                            duration=DURATION, seed=SEED)
        if es.catch_up(trial, STREAM, event_log.late_group(p["LATE_AT"]))["catch_up_time"] <= CATCH_UP_TARGET:
            break
    kw = dict(common(p), target=CATCH_UP_TARGET)
    assert ex.judge("09.partitions", n, **kw).passed
    assert ex.judge("09.partitions", float(n), **kw).passed
    if n > 1:
        assert not ex.judge("09.partitions", n - 1, **kw).passed
    assert not ex.judge("09.partitions", n + 1, **kw).passed       # meets it, but is not the smallest
    assert not ex.judge("09.partitions", 2.5, **kw).passed
    assert not ex.judge("09.partitions", 0, **kw).passed


def test_check_never_prints_the_answer(capsys):
    ex.check("09.state_at", -1)
    out = capsys.readouterr().out
    assert "Not yet" in out and "Hint" in out


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

PANEL_DURATION = 5.0


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "something registered a figure with pyplot"


@pytest.fixture(scope="module")
def panel():
    panel = nb09.panel(duration=PANEL_DURATION, seed=SEED, run=False)
    panel.dpi = 40            # the same drawing, a cheaper PNG
    return panel


def test_panel_every_control_at_both_ends(panel):
    defaults = {k: w.value for k, w in panel.controls.items()}
    for _ in updates_that_draw(panel, settings_one_at_a_time(panel)):
        assert "replay from offset 0" in panel.numbers.value
    panel.update(**defaults)
    assert_drawn(panel)


def test_panel_replay_matches_and_retention_loses_history(panel):
    panel.update(retention=2.0, late_at=4.0, slowdown=1.0)
    info = panel.analysis["catch_up"]
    assert panel.analysis["matches"] and panel.analysis["late_matches"]
    assert info["lost_to_retention"] > 0
    panel.update(retention=None)
    assert panel.analysis["catch_up"]["lost_to_retention"] == 0


def test_panel_time_slider_only_replays(panel):
    panel.update(state_at=1.0)
    panel.update(state_at=4.0)
    assert panel.timings[nb09.NAME] is None     # nothing simulated again
    state = es.state_at(panel.results[nb09.NAME], STREAM, 4.0)
    assert f"{int(state['orders'].sum()):,}</td>" in panel.numbers.value
    assert_drawn(panel)


def test_panel_slowed_late_group_prediction_uses_the_slowdown(panel):
    panel.update(late_at=3.0, slow_group="late", slowdown=4.0, window=(0.0, PANEL_DURATION), retention=None)
    info = panel.analysis["catch_up"]
    plain = es.catch_up(panel.results[nb09.NAME], STREAM, event_log.late_group(3.0))
    assert info["predicted_catch_up"] > plain["predicted_catch_up"]
    rate = len(es.event_log(panel.results[nb09.NAME], STREAM)) / PANEL_DURATION
    capacity = measures.consumer_capacity(panel.results[nb09.NAME].architecture, event_log.late_group(3.0))
    assert info["predicted_catch_up"] == pytest.approx(measures.slowed_drain_time(
        plain["replayable"], capacity, rate, 4.0, PANEL_DURATION - 3.0))
    panel.update(slowdown=1.0, slow_group=READ_MODEL)


def test_panel_bad_values_are_reported_not_raised(panel):
    panel.update(rate="many")
    assert panel.error and "rate" in panel.error
    panel.update(nonsense=1)
    assert panel.error and "nonsense" in panel.error
    panel.update(rate=100)
    assert_drawn(panel)


def test_panel_redraws_do_not_pile_up_figures(panel):
    assert_updates_do_not_leak(panel, [{"state_at": float(i)} for i in range(3)])
    assert plt.get_fignums() == []


@pytest.fixture(scope="module")
def small_run():
    return event_log.run(rate=50, late_at=3.0, duration=5, seed=1)


def test_log_and_state_figures_draw_the_log_and_the_replay(small_run):
    fig = plots.time_travel_figure(small_run, 2.0, 3.0)
    log_ax, state_ax = fig.axes
    published = np.sort(es.event_log(small_run, STREAM)["published_at"].to_numpy(float))
    step = log_ax.get_lines()[0]
    assert np.allclose(step.get_xdata(), published) and list(step.get_ydata()) == list(range(1, len(published) + 1))
    at_t = int((published <= 2.0).sum())
    assert any(f"the first {at_t:,} events" in t.get_text() for t in log_ax.texts)
    final, then = es.rebuild(small_run, STREAM), es.state_at(small_run, STREAM, 2.0)
    # the bars are one collection per series (end, then T): each bar's top is its height
    heights = [float(path.vertices[:, 1].max()) for bars in state_ax.collections for path in bars.get_paths()]
    n = len(final)
    assert heights[:n] == final["orders"].tolist()
    assert heights[n:] == then.reindex(final.index, fill_value=0)["orders"].tolist()


def test_lag_and_staleness_figures_draw_the_runs_numbers(small_run):
    a = event_log.analyse(small_run, 3.0)
    fig = plots.event_log_figure(small_run, 2.0, 3.0, a)
    lag_ax, stale_ax = fig.axes[2], fig.axes[3]
    lag = small_run.metric("consumer_lag")
    lines = {line.get_label(): line for line in lag_ax.get_lines()}
    assert np.allclose(lines["projection (live read model)"].get_ydata(), lag[READ_MODEL].to_numpy(float))
    assert np.allclose(lines["late-3s (replays history)"].get_ydata(), lag["late-3s"].to_numpy(float))
    caught = a["catch_up"]["catch_up_time"]
    assert f"caught up after {caught:.2f} s" in lines
    note = stale_ax.get_title(loc="left").splitlines()[1]          # the title's second line, off the curve
    assert note.startswith(f"{a['reads']['stale'].mean():.1%} of {len(a['reads']):,} reads")


def test_sweep_figures_draw_the_tables():
    late = es.late_consumer_experiment((1.0, 3.0), retention=(None, 1.0), rate=50, duration=5, keys=KEYS,
                                       seed=1)
    ax = plots.catch_up_figure(late).axes[0]
    forever = late[late["retention"].isna()].sort_values("replayable")
    measured = next(line for line in ax.get_lines() if line.get_label() == "keep forever: measured")
    assert np.allclose(measured.get_xydata(), forever[["replayable", "catch_up_time"]].to_numpy(float))
    stale = cq.stale_fraction_vs_lag((1, 3), group=READ_MODEL, architecture=es.event_sourced_architecture(),
                                     rate=50, keys=KEYS, duration=3, read_rate=50, seeds=(1,))
    trade = cq.write_latency_tradeoff((1, 3), group=READ_MODEL, architecture=es.event_sourced_architecture(),
                                      rate=50, keys=KEYS, duration=3, read_rate=50, seed=1)
    fig = plots.staleness_vs_slowdown_figure(stale, trade)
    first = fig.axes[0].get_lines()[0]
    assert np.allclose(first.get_ydata(), stale["stale_fraction"].to_numpy(float) * 100)
    writes = [line for ax in fig.axes for line in ax.get_lines() if line.get_label() == "synchronous read model"]
    sync = trade[trade["style"] == "synchronous"]
    assert np.allclose(writes[0].get_ydata(), sync["write_p99"].to_numpy(float) * 1000)
    assert len(plots.staleness_vs_slowdown_figure(stale).axes) == 2        # one panel and its twin axis


def test_predicted_catch_up_without_a_slowdown_is_the_plain_one(small_run):
    info = es.catch_up(small_run, STREAM, "late-3s")
    assert measures.predicted_catch_up(small_run, STREAM, "late-3s", info) == info["predicted_catch_up"]
