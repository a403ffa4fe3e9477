"""Notebook 04 (scalability): its exercises accept their solutions and reject
wrong answers, for two students; its helpers measure what they claim; its
panel draws at both ends of every control without piling up figures."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.panels import nb04_scalability as nb04  # noqa: E402

from panel_checks import assert_updates_do_not_leak, settings_at_extremes, updates_that_draw  # noqa: E402

SEED = 7
SPIKE_START, SPIKE_END, DURATION = 5, 8, 16
MAX_INSTANCES = 8
EVENT_COST = 0.010
STUDENTS = [None, "someone-else"]


def params(student):
    return ex.variant("04", student_id=student)


# -- exercises -------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_overload_prediction(student):
    P = params(student)
    assert ex.judge("04.overload_work", "about the same", rate=P["OVERLOAD"], seed=SEED)
    assert not ex.judge("04.overload_work", "event_driven", rate=P["OVERLOAD"], seed=SEED)
    assert not ex.judge("04.overload_work", "neither", rate=P["OVERLOAD"], seed=SEED)


def _drain_solution(P):
    """The notebook's solution: read the lag series of the spike run."""
    run = vn.simulate(vn.scenarios.order_placed("event_driven"),
                      vn.Traffic.spike(P["RATE"], P["SPIKE"], SPIKE_START, SPIKE_END), duration=DURATION, seed=SEED)
    lag = run.metric("consumer_lag")["shipping"]
    normal = lag[lag.index < SPIKE_START].max()
    return lag[(lag.index > SPIKE_END) & (lag <= normal)].index[0] - SPIKE_END


@pytest.mark.parametrize("student", STUDENTS)
def test_spike_drain_measurement(student):
    P = params(student)
    kw = dict(rate=P["RATE"], spike=P["SPIKE"], start=SPIKE_START, end=SPIKE_END, duration=DURATION, seed=SEED)
    answer = _drain_solution(P)
    assert 0 < answer < DURATION - SPIKE_END
    assert ex.judge("04.spike_drain", answer, **kw)
    assert not ex.judge("04.spike_drain", answer * 2 + 1, **kw)
    assert not ex.judge("04.spike_drain", "soon", **kw)


def _design_solution(P):
    needed = int(P["TARGET"] / (0.9 / EVENT_COST)) + 1
    return {"partitions": needed, "instances": needed}


@pytest.mark.parametrize("student", STUDENTS)
def test_consumer_design(student):
    P = params(student)
    kw = dict(target=P["TARGET"], max_instances=MAX_INSTANCES, seed=SEED)
    assert ex.judge("04.consumer_design", _design_solution(P), **kw)
    idle = ex.judge("04.consumer_design", {"partitions": 1, "instances": 8}, **kw)
    assert not idle and "idle" in idle.reason
    behind = ex.judge("04.consumer_design", {"partitions": 2, "instances": 2}, **kw)
    assert not behind and "behind" in behind.reason
    assert not ex.judge("04.consumer_design", {"partitions": 12, "instances": 12}, **kw)   # over budget
    assert not ex.judge("04.consumer_design", (4, 4), **kw)


def test_check_never_prints_the_answer(capsys):
    assert not ex.check("04.consumer_design", {"partitions": 2, "instances": 2}, target=350)
    out = capsys.readouterr().out
    assert "Not yet" in out and "Hint" in out and "350" not in out.replace("TARGET", "")


def test_variants_differ_between_students():
    assert ex.variant("04") == {k: v[0] for k, v in ex.variants_of("04").items()}
    picks = {tuple(sorted(ex.variant("04", student_id=f"s{i}").items())) for i in range(12)}
    assert len(picks) > 1


# -- helpers ---------------------------------------------------------------------

def test_capacities_follow_workers_and_partitions():
    caps = nb04.capacities(vn.scenarios.order_placed("request_response"))
    assert caps == pytest.approx({"inventory": 500, "shipping": 400, "notifications": 400, "analytics": 500})
    one = nb04.capacities(vn.scenarios.order_placed("event_driven", partitions=1))
    assert one["inventory"] == pytest.approx(125)


def test_rr_is_capped_by_its_slowest_service_and_ed_accepts_everything():
    rr = nb04.throughput_point(700, "request_response", seed=SEED, duration=3)
    ed = nb04.throughput_point(700, "event_driven", seed=SEED, duration=3)
    assert rr["ok_per_s"] < 430 < 650 < ed["ok_per_s"]
    assert rr["rejected_per_s"] > 200 and ed["rejected_per_s"] == 0
    # Both ship at shipping's capacity; ED's inventory runs at its own.
    assert rr["done_shipping"] == pytest.approx(ed["done_shipping"], rel=0.1)
    assert ed["done_inventory"] > rr["done_inventory"] + 60


def test_consumer_group_never_uses_more_instances_than_partitions():
    capped = nb04.consumer_group_point(2, 8, seed=SEED, rate=350)
    assert capped["active"] == 2 and capped["idle"] == 6
    assert capped["processed_per_s"] == pytest.approx(capped["theory_capacity"], rel=0.1)
    lat = nb04.consumer_latency_point(8, seed=SEED, partitions=4, rate=80)
    assert lat["idle"] == 4 and lat["measured"] == pytest.approx(lat["theory"], rel=0.2)


def test_instance_load_shows_idle_instances():
    wide = dict(vn.scenarios.DOWNSTREAM, inventory=(6, 0.008))
    res = vn.simulate(vn.scenarios.order_placed("event_driven", partitions=4, downstream=wide),
                      vn.Traffic.poisson(100), duration=3, seed=SEED)
    load = nb04.instance_load(res, "inventory")
    assert list(load.index) == list(range(6))
    assert (load.loc[4:, "events"] == 0).all() and (load.loc[:3, "events"] > 0).all()
    assert load["events"].sum() == (res.events["group"] == "inventory").sum()
    with pytest.raises(KeyError):
        nb04.instance_load(res, "orders")


def test_drain_time_reads_the_lag():
    res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.spike(150, 4, 2, 4), duration=10,
                      seed=SEED)
    t = nb04.drain_time(res, "shipping", 2, 4)
    assert 0 < t < 6
    with pytest.raises(ValueError):
        nb04.drain_time(res, "shipping", 4, 2)
    with pytest.raises(KeyError):
        nb04.drain_time(res, "nobody", 2, 4)
    assert math.isinf(nb04.drain_time(vn.simulate(vn.scenarios.order_placed("event_driven", partitions=1),
                                                  vn.Traffic.spike(150, 4, 2, 4), duration=6, seed=SEED,
                                                  drain=False), "inventory", 2, 4))


def test_figures_are_plain_figures():
    df = vn.sweep(nb04.throughput_point, {"rate": [100, 500], "style": list(vn.scenarios.STYLES)},
                  seeds=[SEED], progress=False)
    assert isinstance(nb04.throughput_figure(df), Figure)
    grid = vn.sweep(nb04.consumer_group_point, {"partitions": [1, 2], "instances": [1, 2]}, seeds=[SEED],
                    progress=False)
    assert isinstance(nb04.consumer_figure(grid), Figure)
    with pytest.raises(ValueError):
        nb04.throughput_figure(grid)


# -- the panel -------------------------------------------------------------------

def test_panel_at_both_ends_of_every_control():
    panel = nb04.ScalabilityPanel(duration=3.0, run=False)
    for setting in updates_that_draw(panel, settings_at_extremes(panel)):
        assert {k: panel.params()[k] for k in setting} == setting
    panel.update(nonsense=1)
    assert panel.error and "nonsense" in panel.error


def test_panel_repeated_updates_do_not_accumulate_figures():
    panel = nb04.ScalabilityPanel(duration=3.0, run=False)
    assert_updates_do_not_leak(panel, [{"rate": rate} for rate in (50, 100, 150)])
    assert panel.runs == 3 and panel.error is None
