"""Notebook 12 (parameter sweeps): its exercises accept their solutions and
reject wrong answers, for two students; the knee and the capacities say what
they claim; the heat maps draw; the panel draws at both ends of every control,
reuses the runs of a setting it has seen, and piles up no figures."""

from __future__ import annotations

import math
from functools import partial

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.panels import nb12_sweeps as nb12  # noqa: E402
from vetora_nb.sweep import order_placed_run  # noqa: E402

from panel_checks import assert_updates_do_not_leak, settings_at_extremes, updates_that_draw  # noqa: E402

RR, ED = vn.scenarios.STYLES
SEED = 7
RATES = [20, 40, 80, 160, 320, 640]
SWEEP_DURATION = 5
KNEE_RATES = [20] + list(range(40, 441, 40))
STUDENTS = [None, "someone-else"]


def params(student):
    return ex.variant("12", student_id=student)


# -- exercises -------------------------------------------------------------------

def _double_solution(P):
    moves = nb12.capacity(ED, 2 * P["DOUBLE_FROM"]) > nb12.capacity(ED, P["DOUBLE_FROM"])
    return "event_driven" if moves else "neither"


@pytest.mark.parametrize("student", STUDENTS)
def test_partitions_double_prediction(student):
    P = params(student)
    kw = dict(from_partitions=P["DOUBLE_FROM"], rates=RATES, duration=SWEEP_DURATION, seed=SEED)
    answer = _double_solution(P)
    assert ex.judge("12.partitions_double", answer, **kw)
    for wrong in ("request_response", "both", "event_driven" if answer == "neither" else "neither"):
        assert not ex.judge("12.partitions_double", wrong, **kw)
    assert not ex.judge("12.partitions_double", "maybe", **kw)


def test_the_two_students_get_different_answers_to_the_prediction():
    """Doubling 2 -> 4 partitions moves the ED knee; 4 -> 8 moves nothing (4 instances)."""
    assert _double_solution({"DOUBLE_FROM": 2}) == "event_driven"
    assert _double_solution({"DOUBLE_FROM": 4}) == "neither"


def _knee_solution(P):
    knee_fn = partial(nb12.sweep_point, style=ED, partitions=P["PARTITIONS"], hot_key=P["HOT_KEY"],
                      duration=SWEEP_DURATION)
    knee_sweep = vn.sweep(knee_fn, {"rate": KNEE_RATES}, seeds=[SEED], progress=False)
    return nb12.knee(knee_sweep)


@pytest.mark.parametrize("student", STUDENTS)
def test_ed_knee_measurement(student):
    P = params(student)
    kw = dict(partitions=P["PARTITIONS"], hot_key=P["HOT_KEY"], rates=KNEE_RATES, duration=SWEEP_DURATION,
              seed=SEED)
    answer = _knee_solution(P)
    assert answer in KNEE_RATES[1:]
    assert ex.judge("12.ed_knee", answer, **kw)
    assert not ex.judge("12.ed_knee", answer + 40, **kw)
    assert not ex.judge("12.ed_knee", answer - 40, **kw)
    assert not ex.judge("12.ed_knee", "soon", **kw)
    # a hot key pulls the knee below what evenly spread keys would allow
    assert answer < nb12.capacity(ED, P["PARTITIONS"]) * 1.25


def _partitions_solution(P):
    for answer in range(1, 17):
        trial = vn.sweep(partial(nb12.sweep_point, style=ED, partitions=answer, duration=SWEEP_DURATION),
                         {"rate": [RATES[0], P["TARGET"]]}, seeds=[SEED], progress=False)
        if nb12.knee(trial) > P["TARGET"]:
            return answer
    raise AssertionError("no partition count keeps up")


@pytest.mark.parametrize("student", STUDENTS)
def test_fewest_partitions_design(student):
    P = params(student)
    kw = dict(target=P["TARGET"], duration=SWEEP_DURATION, seed=SEED, low_rate=RATES[0])
    answer = _partitions_solution(P)
    assert ex.judge("12.fewest_partitions", answer, **kw)
    assert ex.judge("12.fewest_partitions", answer, **{**kw, "seed": SEED + 1})   # the hidden test
    more = ex.judge("12.fewest_partitions", answer + 1, **kw)
    assert not more and "fewer" in more.reason
    less = ex.judge("12.fewest_partitions", answer - 1, **kw)
    assert not less
    assert not ex.judge("12.fewest_partitions", 2.5, **kw)
    assert not ex.judge("12.fewest_partitions", 40, **kw)


def test_check_never_prints_the_answer(capsys):
    assert not ex.check("12.fewest_partitions", 1, target=150)
    out = capsys.readouterr().out
    assert "Not yet" in out and "Hint" in out and "2" not in out.replace("12.", "")


def test_variants_differ_between_students():
    assert ex.variant("12") == {k: v[0] for k, v in ex.variants_of("12").items()}
    picks = {tuple(sorted(ex.variant("12", student_id=f"s{i}").items())) for i in range(12)}
    assert len(picks) > 1


# -- the knee --------------------------------------------------------------------

def _curve(latencies, errors=None, rates=(20, 40, 80, 160)):
    errors = errors or [0.0] * len(latencies)
    return pd.DataFrame({"rate": list(rates), "e2e_p99": latencies, "p99": latencies, "error_rate": errors})


def test_knee_is_the_first_load_past_either_threshold():
    assert nb12.knee(_curve([0.05, 0.06, 0.4, 3.0])) == 160          # 3.0 > 10 x 0.05
    assert nb12.knee(_curve([0.05, 0.06, 0.51, 3.0])) == 80          # just above 10 x
    assert nb12.knee(_curve([0.05, 0.06, 0.07, 0.2], [0, 0.02, 0, 0])) == 40   # 2 % failed
    assert nb12.knee(_curve([0.05, 0.06, 0.07, 0.2], [0, 0.01, 0, 0])) == math.inf   # 1 % is not above 1 %
    f = nb12.fallen(_curve([0.05, 0.06, 0.4, 3.0], [0, 0, 0, 0.5]))
    assert list(f["fallen"]) == [False, False, False, True]
    assert bool(f.loc[160, "by_errors"]) and bool(f.loc[160, "by_latency"])


def test_knee_averages_seeds_and_refuses_several_curves():
    two_seeds = pd.concat([_curve([0.05, 0.06, 0.2, 0.3]).assign(seed=1),
                           _curve([0.05, 0.06, 1.0, 0.9]).assign(seed=2)])
    assert nb12.knee(two_seeds) == 80                                  # mean 0.6 > 0.5
    mixed = pd.concat([_curve([0.05] * 4).assign(style=RR), _curve([0.05] * 4).assign(style=ED)])
    with pytest.raises(ValueError, match="more than one curve"):
        nb12.knee(mixed)
    with pytest.raises(ValueError, match="rate"):
        nb12.knee(pd.DataFrame({"e2e_p99": [0.1], "error_rate": [0.0]}))


def test_capacity_is_min_partitions_instances_times_mu_of_the_slowest():
    assert [nb12.capacity(ED, p) for p in (1, 2, 4, 8)] == pytest.approx([100, 200, 400, 400])
    assert [nb12.capacity(RR, p) for p in (1, 8)] == pytest.approx([400, 400])
    assert nb12.slowest(ED, 4, slowdown=2, slow_service="notifications") == ("notifications", pytest.approx(200))
    assert nb12.capacity(ED, 4, slowdown=2) == pytest.approx(200)
    arch = vn.scenarios.order_placed(ED, partitions=2)
    assert nb12.capacity(ED, 2) == min(vn.measures.consumer_capacity(arch, g) for g in vn.scenarios.DOWNSTREAM)


def test_sweep_point_is_the_ready_made_run_and_checks_its_input():
    mine = nb12.sweep_point(ED, 120, partitions=2, seed=SEED, duration=3)
    assert mine == order_placed_run(ED, 120, SEED, duration=3, partitions=2)
    with pytest.raises(ValueError, match="style"):
        nb12.sweep_point("soap", 50)
    with pytest.raises(KeyError, match="slow_service"):
        nb12.sweep_point(ED, 50, slow_service="nobody")
    with pytest.raises(ValueError, match="slowdown"):
        nb12.sweep_point(ED, 50, slowdown=0.5)
    with pytest.raises(ValueError, match="partitions"):
        nb12.sweep_point(ED, 50, partitions=0)


def test_the_sweep_shows_rr_ignores_partitions_and_ed_knees_bracket_capacity():
    df = vn.sweep(partial(nb12.sweep_point, duration=SWEEP_DURATION),
                  {"style": [RR, ED], "partitions": [1, 2], "rate": RATES}, seeds=[SEED], progress=False)
    assert nb12.spread(df, "partitions", style=RR) == 0.0
    assert nb12.spread(df, "partitions", style=ED, metrics=("e2e_p99",)) > 1.0
    k = nb12.knees(df).set_index(["style", "partitions"])
    for p in (1, 2):
        row = k.loc[(ED, p)]
        assert row["last_ok"] < row["capacity"] < row["knee"], row
        assert row["reason"] == "p99"
    assert k.loc[(RR, 1), "knee"] == k.loc[(RR, 2), "knee"]
    assert "errors" in k.loc[(RR, 1), "reason"]
    # the caller of the event-driven shop never sees the knee
    assert (nb12.knees(df, latency="p99").set_index("style").loc[ED, "knee"] == math.inf).all()
    fig = nb12.heatmap_figure(df)
    assert isinstance(fig, Figure) and len(fig.axes) == 2 * 3 + 3          # six maps, three colour bars
    with pytest.raises(ValueError, match="missing"):
        nb12.heatmap_figure(df.drop(columns=["partitions"]))


# -- the panel -------------------------------------------------------------------

def _small_panel(**kw):
    return nb12.SweepPanel(rates=(20, 80, 320), partitions=(1, 2), duration=1.5, run=False, **kw)


def test_panel_at_both_ends_of_every_control():
    panel = _small_panel()
    for setting in updates_that_draw(panel, settings_at_extremes(panel)):
        assert {k: panel.params()[k] for k in setting} == setting
        assert set(panel.results) == {RR, ED}
    panel.update(nonsense=1)
    assert panel.error and "nonsense" in panel.error


def test_panel_reuses_the_runs_of_a_setting_it_has_seen():
    panel = _small_panel()
    panel.update(hot_key=0.5)
    panel.update(metric="error_rate")                 # another view of the same runs
    assert panel.timings[RR] is None and panel.timings[ED] is None
    panel.update(keys=2)                              # keys do not exist for request-response
    assert panel.timings[RR] is None and panel.timings[ED] is not None
    panel.update(keys=1000)                           # back to a setting seen before
    assert panel.timings[ED] is None
    panel.update(slowdown=2.0)
    assert panel.timings[RR] is not None and panel.timings[ED] is not None
    assert "knee" in panel.numbers.value and "capacity" in panel.numbers.value


def test_panel_repeated_updates_do_not_accumulate_figures():
    panel = _small_panel()
    assert_updates_do_not_leak(panel, [{"hot_key": h} for h in (0.0, 0.3, 0.6)])
    assert panel.runs == 3 and panel.error is None
