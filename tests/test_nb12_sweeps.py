"""Notebook 12 (parameter sweeps): its exercises accept their solutions and
reject wrong answers, for two students; the knee and the capacities say what
they claim; the heat maps show the sweep's numbers; the panel draws at both
ends of every control, reuses the runs of a setting it has seen, and piles up
no figures."""

from __future__ import annotations

import math
from functools import partial

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures, plots  # noqa: E402
from vetora_nb.experiments import sweeps  # noqa: E402
from vetora_nb.panels import nb12_sweeps  # noqa: E402
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
    moves = sweeps.capacity(ED, 2 * P["DOUBLE_FROM"]) > sweeps.capacity(ED, P["DOUBLE_FROM"])
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
    knee_fn = partial(order_placed_run, style=ED, partitions=P["PARTITIONS"], hot_key=P["HOT_KEY"],
                      duration=SWEEP_DURATION)
    knee_sweep = vn.sweep(knee_fn, {"rate": KNEE_RATES}, seeds=[SEED], progress=False)
    return measures.knee(knee_sweep)


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
    assert answer < sweeps.capacity(ED, P["PARTITIONS"]) * 1.25


def _partitions_solution(P):
    for answer in range(1, 17):
        trial = vn.sweep(partial(order_placed_run, style=ED, partitions=answer, duration=SWEEP_DURATION),
                         {"rate": [RATES[0], P["TARGET"]]}, seeds=[SEED], progress=False)
        if measures.knee(trial) > P["TARGET"]:
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
    assert measures.knee(_curve([0.05, 0.06, 0.4, 3.0])) == 160          # 3.0 > 10 x 0.05
    assert measures.knee(_curve([0.05, 0.06, 0.51, 3.0])) == 80          # just above 10 x
    assert measures.knee(_curve([0.05, 0.06, 0.07, 0.2], [0, 0.02, 0, 0])) == 40   # 2 % failed
    assert measures.knee(_curve([0.05, 0.06, 0.07, 0.2], [0, 0.01, 0, 0])) == math.inf   # 1 % is not above 1 %
    f = measures.fallen(_curve([0.05, 0.06, 0.4, 3.0], [0, 0, 0, 0.5]))
    assert list(f["fallen"]) == [False, False, False, True]
    assert bool(f.loc[160, "by_errors"]) and bool(f.loc[160, "by_latency"])


def test_knee_averages_seeds_and_refuses_several_curves():
    two_seeds = pd.concat([_curve([0.05, 0.06, 0.2, 0.3]).assign(seed=1),
                           _curve([0.05, 0.06, 1.0, 0.9]).assign(seed=2)])
    assert measures.knee(two_seeds) == 80                                  # mean 0.6 > 0.5
    mixed = pd.concat([_curve([0.05] * 4).assign(style=RR), _curve([0.05] * 4).assign(style=ED)])
    with pytest.raises(ValueError, match="more than one curve"):
        measures.knee(mixed)
    with pytest.raises(ValueError, match="rate"):
        measures.knee(pd.DataFrame({"e2e_p99": [0.1], "error_rate": [0.0]}))


def test_capacity_is_min_partitions_instances_times_mu_of_the_slowest():
    assert [sweeps.capacity(ED, p) for p in (1, 2, 4, 8)] == pytest.approx([100, 200, 400, 400])
    assert [sweeps.capacity(RR, p) for p in (1, 8)] == pytest.approx([400, 400])
    assert sweeps.slowest(ED, 4, slowdown=2, slow_service="notifications") == ("notifications", pytest.approx(200))
    assert sweeps.capacity(ED, 4, slowdown=2) == pytest.approx(200)
    arch = vn.scenarios.order_placed(ED, partitions=2)
    assert sweeps.capacity(ED, 2) == min(vn.measures.consumer_capacity(arch, g) for g in vn.scenarios.DOWNSTREAM)


def test_order_placed_run_takes_keys_and_a_slow_service_and_checks_its_input():
    plain = order_placed_run(ED, 120, SEED, duration=3, partitions=2)
    assert plain == order_placed_run(ED, 120, SEED, duration=3, partitions=2, keys=1000, hot_key=0.0, slowdown=1.0)
    hot = order_placed_run(ED, 120, SEED, duration=3, partitions=2, hot_key=0.8)
    assert hot["e2e_p99"] > 2 * plain["e2e_p99"]                 # one partition does 80 % of the work
    slow = order_placed_run(RR, 120, SEED, duration=3, slowdown=3.0, slow_service="inventory")
    assert slow["p99"] > order_placed_run(RR, 120, SEED, duration=3)["p99"]
    with pytest.raises(ValueError, match="style"):
        order_placed_run("soap", 50, SEED)
    with pytest.raises(KeyError, match="slow_service"):
        order_placed_run(ED, 50, SEED, slow_service="nobody")
    with pytest.raises(ValueError, match="slowdown"):
        order_placed_run(ED, 50, SEED, slowdown=0.5)
    with pytest.raises(ValueError, match="partitions"):
        order_placed_run(ED, 50, SEED, partitions=0)


def _cell_texts(ax) -> list:
    return [t.get_text() for t in ax.texts]


def test_the_sweep_shows_rr_ignores_partitions_and_ed_knees_bracket_capacity():
    df = vn.sweep(partial(order_placed_run, duration=SWEEP_DURATION),
                  {"style": [RR, ED], "partitions": [1, 2], "rate": RATES}, seeds=[SEED], progress=False)
    assert measures.spread(df, "partitions", style=RR) == 0.0
    assert measures.spread(df, "partitions", style=ED, metrics=("e2e_p99",)) > 1.0
    k = sweeps.knee_table(df).set_index(["style", "partitions"])
    for p in (1, 2):
        row = k.loc[(ED, p)]
        assert row["last_ok"] < row["capacity"] < row["knee"], row
        assert row["reason"] == "p99"
    assert k.loc[(RR, 1), "knee"] == k.loc[(RR, 2), "knee"]
    assert "errors" in k.loc[(RR, 1), "reason"]
    # the caller of the event-driven shop never sees the knee
    assert (sweeps.knee_table(df, latency="p99").set_index("style").loc[ED, "knee"] == math.inf).all()
    fig = plots.heatmap_figure(df)
    assert len(fig.axes) == 2 * 3 + 3                                     # six maps, three colour bars
    # the event-driven end-to-end map shows the sweep's numbers, cell by cell ...
    ed_e2e = next(a for a in fig.axes if a.get_title(loc="left") == "ED · end-to-end p99")
    table = df[df["style"] == ED].pivot_table(index="partitions", columns="rate", values="e2e_p99")
    assert _cell_texts(ed_e2e) == [plots.format_ms(v) for v in table.to_numpy().ravel()]
    # ... with each curve's knee outlined where the knee table puts it
    outlined = sorted((round(r.get_x() + 0.5), round(r.get_y() + 0.5)) for r in ed_e2e.patches
                      if isinstance(r, Rectangle) and not r.get_fill())
    assert outlined == sorted((RATES.index(k.loc[(ED, p), "knee"]), i) for i, p in enumerate((1, 2)))
    with pytest.raises(ValueError, match="missing"):
        plots.heatmap_figure(df.drop(columns=["partitions"]))


# -- the panel -------------------------------------------------------------------

def _small_panel(**kw):
    return nb12_sweeps.panel(rates=(20, 80, 320), partitions=(1, 2), duration=1.5, run=False, **kw)


def test_panel_at_both_ends_of_every_control():
    panel = _small_panel()
    for setting in updates_that_draw(panel, settings_at_extremes(panel)):
        assert {k: panel.params()[k] for k in setting} == setting
        assert set(panel.results) == {RR, ED}
    panel.update(nonsense=1)
    assert panel.error and "nonsense" in panel.error


def test_panel_draws_its_runs_and_lists_their_knees():
    panel = _small_panel(hot_key=0.5, slowdown=3.0, slow_service="notifications", metric="p99")
    panel.run()
    ed = panel.results[ED]
    assert set(ed["partitions"]) == {1, 2} and list(panel.results[RR]["partitions"].unique()) == ["no stream"]
    ax_rr, ax_ed = panel.figure.axes[:2]
    table = ed.pivot_table(index="partitions", columns="rate", values="p99")
    assert _cell_texts(ax_ed) == [plots.format_ms(v) for v in table.to_numpy().ravel()]
    assert len(_cell_texts(ax_rr)) == 3
    # the knees listed are those of the runs shown, the capacities those of the slowed service
    knee_1 = measures.knee(ed[ed["partitions"] == 1].drop(columns=["style", "partitions"]))
    assert panel.analysis["knees"][(ED, 1)] == knee_1
    assert panel.analysis["capacities"][(ED, 2)] == sweeps.capacity(ED, 2, 3.0, "notifications")
    assert sweeps.slowest(ED, 2, 3.0, "notifications") == ("notifications", pytest.approx(400 / 3))
    assert "ED, 2 partitions" in panel.numbers.value and "133/s" in panel.numbers.value


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


def test_panel_redraws_in_place_on_its_kept_axes_colour_bar_axes_and_legend():
    """The legend's entries never change with the runs: it is drawn once, with the axes."""
    panel = _small_panel()
    panel.update()
    figure, axes, legend = panel.figure, list(panel.figure.axes), panel.figure.legends[0]
    for move in ({"metric": "error_rate"}, {"hot_key": 0.5}, {"metric": "p99"}):
        panel.update(**move)
        assert panel.in_place and panel.figure is figure and figure.axes == axes, move
        assert figure.legends == [legend], move
    cax = axes[2]
    assert cax._colorbar.norm is axes[1].images[0].norm, "the colour bar is the latest map's"


def test_panel_repeated_updates_do_not_accumulate_figures():
    panel = _small_panel()
    assert_updates_do_not_leak(panel, [{"hot_key": h} for h in (0.0, 0.3, 0.6)])
    assert panel.runs == 3 and panel.error is None
