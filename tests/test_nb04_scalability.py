"""Notebook 04 (scalability): its exercises accept their solutions and reject
wrong answers, for two students; its experiments measure what they claim; its
figures and its panel draw the numbers of the runs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.experiments import scalability as xs  # noqa: E402
from vetora_nb.panels import nb04_scalability as nb04  # noqa: E402

from panel_checks import settings_at_extremes, updates_that_draw  # noqa: E402

SEED = 7
SPIKE_START, SPIKE_END, DURATION = 5, 8, 16
MAX_INSTANCES = 8
EVENT_COST = 0.010
STUDENTS = [None, "someone-else"]
RR, ED = vn.scenarios.STYLES


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
    """The notebook's solution: the processing backlog on a fine grid, back to its pre-spike maximum."""
    run = vn.simulate(vn.scenarios.order_placed(ED),
                      vn.Traffic.spike(P["RATE"], P["SPIKE"], SPIKE_START, SPIKE_END), duration=DURATION, seed=SEED)
    times = np.arange(0, DURATION, 0.01)
    backlog = pd.Series(vn.measures.processing_backlog(run, "shipping", times), index=times)
    normal = backlog[backlog.index < SPIKE_START].max()
    return backlog[(backlog.index > SPIKE_END) & (backlog <= normal)].index[0] - SPIKE_END


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


# -- experiments -------------------------------------------------------------------

def test_capacities_follow_workers_and_partitions():
    caps = measures.capacities(vn.scenarios.order_placed("request_response"))
    assert caps == pytest.approx({"inventory": 500, "shipping": 400, "notifications": 400, "analytics": 500})
    one = measures.capacities(vn.scenarios.order_placed("event_driven", partitions=1))
    assert one["inventory"] == pytest.approx(125)


def test_rr_is_capped_by_its_slowest_service_and_ed_accepts_everything():
    rr = xs.throughput_point(700, RR, seed=SEED, duration=3)
    ed = xs.throughput_point(700, ED, seed=SEED, duration=3)
    assert rr["ok_per_s"] < 430 < 650 < ed["ok_per_s"]
    assert rr["rejected_per_s"] > 200 and ed["rejected_per_s"] == 0
    # Both ship at shipping's capacity; ED's inventory runs at its own.
    assert rr["done_shipping"] == pytest.approx(ed["done_shipping"], rel=0.1)
    assert ed["done_inventory"] > rr["done_inventory"] + 60


def test_consumer_group_never_uses_more_instances_than_partitions():
    capped = xs.consumer_group_point(2, 8, seed=SEED, rate=350)
    assert capped["active"] == 2 and capped["idle"] == 6
    assert capped["processed_per_s"] == pytest.approx(capped["theory_capacity"], rel=0.1)
    lat = xs.consumer_latency_point(8, seed=SEED, partitions=4, rate=80)
    assert lat["idle"] == 4 and lat["measured"] == pytest.approx(lat["theory"], rel=0.2)


def test_scaled_shop_resizes_one_service():
    arch = xs.scaled_shop(ED, partitions=2, instances=7)
    assert arch.graph.nodes["inventory"]["workers"] == 7 and arch.graph.nodes["shipping"]["workers"] == 4
    assert arch.graph.nodes["order-placed"]["partitions"] == 2
    with pytest.raises(KeyError):
        xs.scaled_shop(ED, service="billing")


def test_instance_load_shows_idle_instances():
    res = vn.simulate(xs.scaled_shop(ED, partitions=4, instances=6), vn.Traffic.poisson(100), duration=3, seed=SEED)
    load = measures.instance_load(res, "inventory")
    assert list(load.index) == list(range(6))
    assert (load.loc[4:, "events"] == 0).all() and (load.loc[:3, "events"] > 0).all()
    assert load["events"].sum() == (res.events["group"] == "inventory").sum()


# -- figures: what is drawn is what was measured -----------------------------------

def test_throughput_figure_plots_the_sweep():
    df = vn.sweep(xs.throughput_point, {"rate": [100, 500], "style": list(vn.scenarios.STYLES)},
                  seeds=[SEED], progress=False)
    left, right = plots.throughput_figure(df).axes
    for style in (RR, ED):
        sel = df[df["style"] == style].sort_values("rate")
        label = plots.STYLE_LABELS[style]
        lines = {ln.get_label(): ln.get_xydata() for ln in left.lines}
        assert lines[f"{label}: answered ok"][:, 1] == pytest.approx(sel["ok_per_s"].to_numpy())
        shipped = {ln.get_label(): ln.get_xydata() for ln in right.lines}[f"{label}: shipping"]
        assert shipped[:, 0] == pytest.approx(sel["rate"].to_numpy())
        assert shipped[:, 1] == pytest.approx(sel["done_shipping"].to_numpy())
    capacity_lines = [ln.get_ydata()[0] for ln in right.lines if ln.get_linestyle() == "--" and len(ln.get_ydata()) == 2
                      and ln.get_ydata()[0] == ln.get_ydata()[1]]
    assert sorted(capacity_lines) == pytest.approx([400, 500])       # shipping's and inventory's capacity
    with pytest.raises(ValueError):
        plots.throughput_figure(df.drop(columns="done_shipping"))


def test_consumer_figure_shows_each_cell():
    grid = vn.sweep(xs.consumer_group_point, {"partitions": [1, 2, 4], "instances": [2]}, seeds=[SEED],
                    progress=False)
    ax = plots.consumer_figure(grid).axes[0]
    shown = ax.images[0].get_array()
    expected = grid.pivot(index="partitions", columns="instances", values="processed_per_s").to_numpy()
    assert np.asarray(shown) == pytest.approx(expected)
    assert sum("idle" in t.get_text() for t in ax.texts) == 1          # 2 instances on 1 partition
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "4"]


def test_instance_figure_bars_are_the_instance_load():
    res = vn.simulate(xs.scaled_shop(ED, partitions=2, instances=4), vn.Traffic.poisson(100), duration=3, seed=SEED)
    ax = plots.instance_figure(res, "inventory").axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == measures.instance_load(res, "inventory")["events"].tolist()
    assert [t.get_text() for t in ax.texts] == ["idle", "idle"]


# -- the panel -------------------------------------------------------------------

def test_panel_draws_at_both_ends_of_every_control():
    panel = nb04.panel(duration=3.0, run=False)
    for setting in updates_that_draw(panel, settings_at_extremes(panel)):
        assert {k: panel.params()[k] for k in setting} == setting
        bars = [b.get_height() for b in panel.figure.axes[-2].patches]
        assert bars == measures.instance_load(panel.results[ED], nb04.SERVICE)["events"].tolist()
        assert len(bars) == setting["instances"]
    panel.update(nonsense=1)
    assert panel.error and "nonsense" in panel.error
