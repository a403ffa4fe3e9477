"""Notebook 08 (ordering and delivery): its exercises judge by simulation, its
measurements count what they claim to, its figures draw the runs' numbers, and
its panel survives every control at both ends."""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.experiments import ordering  # noqa: E402
from vetora_nb.panels import nb08_ordering_and_delivery as nb08  # noqa: E402

from panel_checks import assert_each_draws, assert_updates_do_not_leak, settings_one_at_a_time  # noqa: E402

SEED = 7
DURATION = 20
HOT_RATE = 200
STUDENTS = [None, "someone-else"]


def params(student):
    p = ex.variant("08", student_id=student)
    crash = p["CRASH"]
    return {"rate": p["RATE"], "hot_share": p["HOT_SHARE"], "crash": crash,
            "crashes": (crash, (crash[0] + 6, crash[1] + 6)), "commit_interval": p["COMMIT_INTERVAL"],
            "error_rate": p["DLQ_CASE"][0], "target": p["DLQ_CASE"][1]}


def test_second_student_gets_other_parameters():
    assert params(None) != params("someone-else")


# -- exercises ---------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_order_scope(student):
    kw = dict(rate=params(student)["rate"], partitions=1, instances=4, duration=DURATION, seed=SEED)
    assert ex.judge("08.order_scope", "none", **kw)
    assert not ex.judge("08.order_scope", "different partitions", **kw)
    assert not ex.judge("08.order_scope", "same key", **kw)
    assert not ex.judge("08.order_scope", "sometimes", **kw)
    # with several partitions the answer is different, and the judge knows it
    assert ex.judge("08.order_scope", "different partitions", **{**kw, "partitions": 4})


@pytest.mark.parametrize("student", STUDENTS)
def test_hot_instances(student):
    kw = dict(rate=HOT_RATE, hot_share=params(student)["hot_share"], duration=DURATION, seed=SEED)
    assert ex.judge("08.hot_instances", "about the same", **kw)
    assert not ex.judge("08.hot_instances", "lower", **kw)
    assert not ex.judge("08.hot_instances", "higher", **kw)


@pytest.mark.parametrize("student", STUDENTS)
def test_duplicates(student):
    p = params(student)
    run = vn.simulate(ordering.pipeline(commit_interval=p["commit_interval"]), vn.Traffic.poisson(p["rate"]),
                      duration=DURATION, faults=[vn.Outage("billing", a, b) for a, b in p["crashes"]], seed=SEED)
    solution = run.summary()["duplicates"]
    kw = dict(rate=p["rate"], crashes=p["crashes"], commit_interval=p["commit_interval"], duration=DURATION,
              seed=SEED)
    assert ex.judge("08.duplicates", solution, **kw)
    assert not ex.judge("08.duplicates", solution + 5, **kw)
    assert not ex.judge("08.duplicates", 0, **kw)
    # the hidden test's bound holds
    assert 0 < solution <= 2 * (1.5 * p["rate"] * p["commit_interval"] + 10)
    # an idempotent consumer has none, though the events were redelivered all the same
    idem = vn.simulate(ordering.pipeline(commit_interval=p["commit_interval"], idempotent=True),
                       vn.Traffic.poisson(p["rate"]), duration=DURATION,
                       faults=[vn.Outage("billing", a, b) for a, b in p["crashes"]], seed=SEED)
    assert idem.summary()["duplicates"] == 0 and idem.redelivered > 0
    assert run.summary()["events_lost"] == idem.summary()["events_lost"] == 0


@pytest.mark.parametrize("student", STUDENTS)
def test_retry_budget(student):
    p = params(student)
    solution = math.ceil(math.log(p["target"]) / math.log(p["error_rate"]))
    kw = dict(error_rate=p["error_rate"], target=p["target"], rate=p["rate"], duration=DURATION)
    assert ex.judge("08.retry_budget", solution, seed=SEED, **kw)
    assert ex.judge("08.retry_budget", solution, seed=SEED + 1, **kw)     # the hidden test
    assert not ex.judge("08.retry_budget", solution + 1, seed=SEED, **kw)
    assert not ex.judge("08.retry_budget", solution - 1, seed=SEED, **kw)
    assert not ex.judge("08.retry_budget", 2.5, seed=SEED, **kw)
    assert not ex.judge("08.retry_budget", 0, seed=SEED, **kw)


# -- measurements ------------------------------------------------------------------------

def brute_pairs(first, then, groups=None):
    n = len(first)
    count = 0
    for i, j in itertools.combinations(range(n), 2):
        if groups is not None and groups[i] != groups[j]:
            continue
        a, b = (i, j) if first[i] < first[j] else (j, i)
        count += then[a] > then[b]
    return count


def test_inversion_counts_match_brute_force():
    rng = np.random.default_rng(3)
    first, then, groups = rng.random(60), rng.random(60), rng.integers(0, 4, 60)
    assert measures.inversions(then[np.argsort(first)]) == brute_pairs(first, then)
    assert measures.grouped_inversions(groups, first, then) == brute_pairs(first, then, groups)


def test_order_report_per_key_and_across_partitions():
    run = vn.simulate(ordering.pipeline(4, 4), vn.Traffic.poisson(150, keys=50), duration=8, seed=SEED)
    report = measures.order_report(run, "billing")
    assert report["per_key_pairs"] == 0 and report["within_partition_pairs"] == 0
    assert report["cross_partition_pairs"] > 0 and 0 < report["cross_partition_share"] < 1
    ev = run.events[run.events["group"] == "billing"]
    pub, done = ev["published_at"].to_numpy(), ev["processed_at"].to_numpy()
    part = ev["partition"].to_numpy()
    sample = slice(0, 300)
    within = brute_pairs(pub[sample], done[sample], part[sample])
    assert within == 0 and brute_pairs(pub[sample], done[sample]) > 0
    rr = vn.simulate(ordering.request_twin(4), vn.Traffic.poisson(150, keys=5), duration=8, seed=SEED)
    rr_report = measures.request_order_report(rr, "billing")
    assert rr_report["requests"] == len(rr.requests) and rr_report["per_key_pairs"] > 0


def test_assignment_and_idle_instances():
    run = vn.simulate(ordering.pipeline(groups={"billing": 2, "email": 6}), vn.Traffic.poisson(100), duration=5,
                      seed=SEED)
    assert measures.assignment(run, "billing") == {0: [0, 2], 1: [1, 3]}
    assert measures.assignment(run, "email") == {0: [0], 1: [1], 2: [2], 3: [3], 4: [], 5: []}
    load = measures.instance_load(run, "email")
    assert list(load.index) == list(range(6))
    assert (load.loc[4:, "events"] == 0).all() and (load.loc[:3, "events"] > 0).all()
    processed = run.events[(run.events["group"] == "email") & (run.events["outcome"] == "processed")]
    assert load["events"].sum() == len(processed)
    assert (load.loc[4:, "busy_s"] == 0).all() and (load.loc[:3, "utilization"] > 0).all()
    assert measures.instance_load(run, "billing")["partitions"].tolist() == [[0, 2], [1, 3]]
    with pytest.raises(KeyError):
        measures.instance_load(run, "orders")


def test_hot_key_partition_and_lag():
    traffic = vn.Traffic.poisson(HOT_RATE, keys=1000, hot_key_share=0.6)
    run = vn.simulate(ordering.pipeline(4, 4), traffic, duration=8, seed=SEED)
    hot = measures.hot_partition(run, "billing")
    assert hot == ordering.partition_for(0, 4)
    lag = measures.partition_lag(run, "billing")
    assert list(lag.columns) == ["p0", "p1", "p2", "p3"]
    assert lag[f"p{hot}"].max() > 5 * lag.drop(columns=f"p{hot}").max().max()


def test_dlq_table_close_to_theory():
    table = ordering.dlq_table(0.3, attempts=(1, 3), rate=150, duration=10, seed=SEED)
    assert table.loc[1, "measured_share"] == pytest.approx(0.3, abs=0.03)
    assert table.loc[3, "measured_share"] == pytest.approx(0.027, abs=0.012)
    assert (table["lost"] == 0).all()


def test_repeated_effects_of_retries():
    run = vn.simulate(ordering.request_twin(4, timeout=0.2, retries=2), vn.Traffic.poisson(150), duration=10,
                      faults=[vn.Slowdown("billing", 3, 5, 4)], seed=SEED)
    out = measures.repeated_effects(run, "billing")
    assert out["repeated"] > 0 and out["repeated_but_failed"] <= out["repeated"]
    assert out["effects"] > out["requests"] - (run.requests["status"] != "ok").sum()


@pytest.fixture(scope="module")
def crash_runs():
    return {f"{n}": vn.simulate(ordering.pipeline(4, n), vn.Traffic.poisson(80, hot_key_share=0.5), duration=4,
                                faults=[vn.Outage("billing", 1, 2)], seed=SEED) for n in (2, 6)}


def test_partition_figure_draws_each_partitions_lag_and_each_instances_load(crash_runs):
    before = len(plt.get_fignums())
    fig = plots.partition_figure(crash_runs, "billing")
    lag_ax, load_ax = fig.axes[2], fig.axes[3]          # the run with 6 instances (second row): lag, then load
    res = crash_runs["6"]
    lag = measures.partition_lag(res, "billing")
    for col, line in zip(lag.columns, lag_ax.get_lines()):
        assert np.allclose(line.get_ydata(), lag[col].to_numpy(float))
    hot = f"p{measures.hot_partition(res, 'billing')}"
    thick = [line.get_label() for line in lag_ax.get_lines() if line.get_linewidth() == 2.0]
    assert thick == [f"{hot} (hot key)"]
    load = measures.instance_load(res, "billing")
    assert np.allclose([bar.get_height() for bar in load_ax.patches], load["utilization"] * 100)
    labels = [t.get_text() for t in load_ax.texts]
    assert labels[4:] == ["idle", "idle"] and labels[0] == "p0"
    assert len(lag_ax.patches) == 1                       # the crash, shaded once
    assert len(plots.partition_figure(crash_runs["2"]).axes) == 2
    assert len(plt.get_fignums()) == before


def test_delivery_figure_bars_are_the_runs_accounting(crash_runs):
    flaky = vn.simulate(ordering.pipeline(max_attempts=1), vn.Traffic.poisson(80), duration=4, seed=SEED,
                        faults=ordering.consumer_faults((1, 2), error_rate=0.3))
    runs = {**crash_runs, "flaky": flaky}
    assert flaky.summary()["events_dlq"] > 0
    fig = plots.delivery_figure(runs, "billing")
    left, right = fig.axes
    for k, res in enumerate(runs.values()):
        s = res.summary()
        want = [res.redelivered, s["duplicates"], s["events_dlq"], s["events_pending"], s["events_lost"]]
        bars = right.patches[5 * k:5 * (k + 1)]
        assert [bar.get_height() for bar in bars] == want
    assert [t.get_text() for t in left.texts] == [" billing crashed"]


# -- the panel -----------------------------------------------------------------------

def test_panel_every_control_at_both_ends():
    panel = nb08.panel(duration=2, run=False)
    assert_each_draws(panel, settings_one_at_a_time(panel, reset=False))


def test_panel_each_control_alone_at_both_ends():
    # From the defaults: e.g. the most partitions with no hot key (no partition to name).
    panel = nb08.panel(duration=2, run=False)
    assert_each_draws(panel, settings_one_at_a_time(panel))


def test_panel_shows_duplicates_and_idempotence():
    panel = nb08.panel(duration=8, crash=(3, 4), commit_interval=2.0, run=False)
    panel.update(rate=100)
    plain = panel.results["event_driven"].summary()["duplicates"]
    panel.update(idempotent=True)
    assert plain > 0 and panel.results["event_driven"].summary()["duplicates"] == 0
    panel.update(instances=6)
    assert "2 of 6" in panel.numbers.value


def test_panel_bad_input_is_a_message():
    panel = nb08.panel(duration=4, run=False)
    panel.update(keys=7)
    assert panel.error and "keys" in panel.error


def test_panel_redraws_do_not_pile_up_figures():
    panel = nb08.panel(duration=2)
    assert_updates_do_not_leak(panel, [{"rate": rate} for rate in (40, 60, 80)])
