"""Notebook 06 (latency): its exercises accept their solutions and reject
wrong answers, for two students; its measures and experiments say what they
claim; its figures and its panel draw the numbers of the runs."""

from __future__ import annotations

import math
from functools import partial

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.experiments import latency as xl  # noqa: E402
from vetora_nb.panels import nb06_latency as nb06  # noqa: E402
from vetora_nb.runs import fingerprint  # noqa: E402

from panel_checks import settings_at_extremes, updates_that_draw  # noqa: E402

SEED = 7
DURATION = 20
CALLER_SLO, E2E_SLO = 0.030, 0.080
STUDENTS = [None, "someone-else"]
RR, ED = vn.scenarios.STYLES


def params(student):
    return ex.variant("06", student_id=student)


# -- exercises -------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_sequential_width_prediction(student):
    P = params(student)
    solution = RR if P["WIDTH"] <= 1 else ED          # the notebook's solution
    wrong = ED if solution == RR else RR
    assert ex.judge("06.sequential_width", solution, width=P["WIDTH"], rate=P["RATE"], seed=SEED)
    assert not ex.judge("06.sequential_width", wrong, width=P["WIDTH"], rate=P["RATE"], seed=SEED)


@pytest.mark.parametrize("width,winner", [(1, RR), (8, ED)])
def test_sequential_width_prediction_both_ways(width, winner):
    assert ex.judge("06.sequential_width", winner, width=width, rate=100, seed=SEED)
    assert not ex.judge("06.sequential_width", "about the same", width=width, rate=100, seed=SEED)


@pytest.mark.parametrize("student", STUDENTS)
def test_broker_hop_measurement(student):
    P = params(student)
    runs = {style: vn.simulate(vn.scenarios.order_placed(style), vn.Traffic.poisson(P["RATE"]), duration=DURATION,
                               seed=SEED) for style in (RR, ED)}
    answer = (runs[ED].summary()["e2e_p50"] - runs[RR].summary()["e2e_p50"]) * 1000
    kw = dict(rate=P["RATE"], duration=DURATION, seed=SEED)
    assert 0 < answer < 100
    assert ex.judge("06.broker_hop", answer, **kw)
    assert not ex.judge("06.broker_hop", answer / 1000, **kw)      # seconds, not ms
    assert not ex.judge("06.broker_hop", -answer, **kw)


@pytest.mark.parametrize("student", STUDENTS)
def test_latency_slo_design(student):
    P = params(student)
    kw = dict(width=P["SLO_WIDTH"], rate=P["RATE"], caller_slo=CALLER_SLO, e2e_slo=E2E_SLO, seed=SEED)
    assert ex.judge("06.latency_slo", {"style": ED, "fanout": "parallel", "partitions": 8}, **kw)
    rr = ex.judge("06.latency_slo", {"style": RR, "fanout": "parallel", "partitions": 8}, **kw)
    assert not rr and "caller" in rr.reason
    assert not ex.judge("06.latency_slo", {"style": "both", "fanout": "parallel", "partitions": 8}, **kw)
    assert not ex.judge("06.latency_slo", {"style": ED, "fanout": "parallel", "partitions": 0}, **kw)
    assert not ex.judge("06.latency_slo", [ED, "parallel", 8], **kw)


def test_one_partition_misses_the_end_to_end_slo():
    one = ex.judge("06.latency_slo", {"style": ED, "fanout": "parallel", "partitions": 1}, width=8, rate=100,
                   caller_slo=CALLER_SLO, e2e_slo=E2E_SLO, seed=SEED)
    assert not one and "end-to-end" in one.reason


# -- helpers ---------------------------------------------------------------------

def test_broker_variant_defaults_to_the_order_example_and_its_hop_is_paid_end_to_end():
    assert fingerprint(xl.broker_variant())[1:] == fingerprint(vn.scenarios.order_placed(ED))[1:]
    near, far = (xl.hop_point(d, seed=SEED, duration=5) for d in (0, 40))
    assert far["e2e_p50"] - near["e2e_p50"] == pytest.approx(40, abs=2)
    assert far["caller_p99"] == pytest.approx(near["caller_p99"], rel=0.01)


def test_fanout_shop_wires_each_style():
    rr = xl.fanout_shop(RR, 3, fanout="sequential")
    assert rr.calls_from("orders") == ["service-0", "service-1", "service-2"]
    assert rr.graph.nodes["orders"]["fanout"] == "sequential"
    ed = xl.fanout_shop(ED, 3, partitions=5)
    assert ed.subscribers("order-placed") == ["service-0", "service-1", "service-2"]
    assert ed.graph.nodes["order-placed"]["partitions"] == 5
    with pytest.raises(ValueError):
        xl.fanout_shop(RR, 0)
    with pytest.raises(ValueError):
        xl.fanout_point(2, "carrier pigeon")


def test_crossover_width_and_sequential_growth():
    df = vn.sweep(xl.fanout_point, {"width": [1, 4, 8], "variant": list(xl.VARIANTS)}, seeds=[SEED],
                  progress=False)
    e2e = df.pivot(index="width", columns="variant", values="e2e_p99")
    assert e2e.loc[1, "RR sequential"] < e2e.loc[1, "ED"] < e2e.loc[8, "RR sequential"]
    assert xl.crossover_width(df) == 4
    assert math.isinf(xl.crossover_width(df[df["width"] == 1]))
    left, right = plots.fanout_figure(df).axes
    for variant in xl.VARIANTS:
        sel = df[df["variant"] == variant].sort_values("width")
        drawn = {ln.get_label(): ln.get_xydata() for ln in left.lines}[variant]
        assert drawn[:, 1] == pytest.approx(sel["e2e_p99"].to_numpy())
        drawn = {ln.get_label(): ln.get_xydata() for ln in right.lines}[variant]
        assert drawn[:, 1] == pytest.approx(sel["caller_p99"].to_numpy())
    assert any("from width 4" in t.get_text() for t in left.texts)      # the crossover, marked


def test_max_of_n_quantile_is_the_right_quantile():
    values = np.arange(1, 10_001)
    assert measures.max_of_n_quantile(values, 1) == pytest.approx(np.quantile(values, 0.99))
    assert measures.max_of_n_quantile(values, 8) == pytest.approx(np.quantile(values, 0.99 ** (1 / 8)))
    with pytest.raises(ValueError):
        measures.max_of_n_quantile(values, 0)


def test_heavy_tails_grow_with_the_fan_out():
    one, eight = (xl.tail_point(n, "lognormal", seed=SEED, duration=6) for n in (1, 8))
    assert eight["request_p99"] > 1.5 * one["request_p99"]
    assert eight["request_p99"] == pytest.approx(eight["predicted_p99"], rel=0.25)
    with pytest.raises(ValueError):
        xl.service_time_of("pareto")


def test_latency_table_matches_summary():
    runs = {style: vn.simulate(vn.scenarios.order_placed(style), vn.Traffic.poisson(50), duration=4, seed=SEED)
            for style in (RR, ED)}
    table = measures.latency_table(runs)
    for style, res in runs.items():
        s = res.summary()
        assert table.loc[style, "caller p99"] == pytest.approx(s["p99"] * 1000)
        assert table.loc[style, "end-to-end p50"] == pytest.approx(s["e2e_p50"] * 1000)


def test_hop_figure_plots_the_sweep_and_rr_lines():
    hops = vn.sweep(partial(xl.hop_point, duration=3), {"delivery_ms": [0, 20]}, seeds=[SEED], progress=False)
    rr = vn.simulate(vn.scenarios.order_placed(RR), vn.Traffic.poisson(100), duration=3, seed=SEED)
    ax = plots.hop_figure(hops, rr).axes[0]
    lines = {ln.get_label(): ln.get_xydata() for ln in ax.lines}
    assert lines["ED end-to-end p50"][:, 1] == pytest.approx(hops.sort_values("delivery_ms")["e2e_p50"].to_numpy())
    assert lines["RR p99 (caller = end-to-end)"][0, 1] == pytest.approx(rr.summary()["e2e_p99"] * 1000)


# -- the panel -------------------------------------------------------------------

def test_panel_draws_at_both_ends_of_every_control_and_its_bars_are_the_table():
    panel = nb06.panel(duration=3.0, run=False)
    for setting in updates_that_draw(panel, settings_at_extremes(panel)):
        bars = panel.figure.axes[-1]
        table = measures.latency_table(panel.results)
        heights = [b.get_height() for b in bars.patches]
        assert heights == pytest.approx(list(table.loc[RR]) + list(table.loc[ED]), nan_ok=True)
        assert bars.get_title(loc="left") == f"{setting['width']} services · RR calls {setting['fanout']}"
    panel.update(fanout="diagonal")
    assert panel.error and "fanout" in panel.error
