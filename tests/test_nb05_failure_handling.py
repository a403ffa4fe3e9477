"""Notebook 05 (failure handling): its exercises accept their solutions and
reject wrong answers, for two students; its measures and experiments say what
they claim; its panel draws the runs of its controls, never a stale one."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb import measures  # noqa: E402
from vetora_nb.experiments import failure as xf  # noqa: E402
from vetora_nb.panels import nb05_failure_handling as nb05  # noqa: E402
from vetora_nb.runs import fingerprint  # noqa: E402

from panel_checks import assert_each_draws, settings_at_extremes  # noqa: E402

SEED = 7
DURATION, FAULT_START, FAULT_END = 18, 6, 12
TIMEOUT, SLOWDOWN, HANG = 0.1, 3.5, 20
E2E_BUDGET = 4.0
STUDENTS = [None, "someone-else"]
RR, ED = vn.scenarios.STYLES


def params(student):
    return ex.variant("05", student_id=student)


# -- exercises -------------------------------------------------------------------

@pytest.mark.parametrize("student", STUDENTS)
def test_retry_storm_prediction(student):
    P = params(student)
    kw = dict(rate=P["RATE"], retries=P["RETRIES"], timeout=TIMEOUT, slowdown=SLOWDOWN, start=FAULT_START,
              end=FAULT_END, duration=DURATION, seed=SEED)
    assert ex.judge("05.retry_storm", "higher", **kw)
    assert not ex.judge("05.retry_storm", "lower", **kw)
    assert not ex.judge("05.retry_storm", "much worse", **kw)


def _relief_solution(P):
    """The notebook's solution: call attempts per order without and with the breaker."""
    hang = [vn.Slowdown("shipping", FAULT_START, FAULT_END, HANG)]
    per_order = []
    for breaker in (None, vn.CircuitBreaker(failure_threshold=5, reset_timeout=1.0)):
        res = vn.simulate(xf.shop(RR, retries=P["RETRIES"], timeout=TIMEOUT, circuit_breaker=breaker),
                          vn.Traffic.poisson(P["RATE"]), duration=DURATION, faults=hang, seed=SEED)
        per_order.append(res.call_attempts["orders->shipping"] / len(res.requests))
    return per_order[0] / per_order[1]


@pytest.mark.parametrize("student", STUDENTS)
def test_breaker_relief_measurement(student):
    P = params(student)
    kw = dict(rate=P["RATE"], retries=P["RETRIES"], timeout=TIMEOUT, hang=HANG, start=FAULT_START, end=FAULT_END,
              duration=DURATION, seed=SEED)
    answer = _relief_solution(P)
    assert answer > 1
    assert ex.judge("05.breaker_relief", answer, **kw)
    assert not ex.judge("05.breaker_relief", 1 / answer, **kw)
    assert not ex.judge("05.breaker_relief", answer * 1.2, **kw)


def _consumer_solution(P):
    backoff, attempts = 0.05, 1
    while backoff * (2 ** (attempts - 1) - 1) <= P["FAILURE_LENGTH"]:
        attempts += 1
    return {"max_attempts": attempts + 1, "retry_backoff": backoff, "idempotent": True}


@pytest.mark.parametrize("student", STUDENTS)
def test_safe_consumer_design(student):
    P = params(student)
    kw = dict(failure_length=P["FAILURE_LENGTH"], rate=P["RATE"], e2e_budget=E2E_BUDGET, seed=SEED)
    good = _consumer_solution(P)
    assert ex.judge("05.safe_consumer", good, **kw)
    gives_up = ex.judge("05.safe_consumer", {**good, "max_attempts": 3}, **kw)
    assert not gives_up and "dead-lettered" in gives_up.reason
    twice = ex.judge("05.safe_consumer", {**good, "idempotent": False}, **kw)
    assert not twice and "twice" in twice.reason
    slow = ex.judge("05.safe_consumer", {"max_attempts": 3, "retry_backoff": 8.0, "idempotent": True}, **kw)
    assert not slow and "too long" in slow.reason
    assert not ex.judge("05.safe_consumer", {"max_attempts": 2.5, "retry_backoff": 0.05, "idempotent": True}, **kw)
    assert not ex.judge("05.safe_consumer", "retry more", **kw)


# -- helpers ---------------------------------------------------------------------

def test_shop_is_the_order_example_by_default():
    for style in vn.scenarios.STYLES:
        assert fingerprint(xf.shop(style))[1:] == fingerprint(vn.scenarios.order_placed(style))[1:]
    edge = xf.shop(ED, max_attempts=7, retry_backoff=0.2, idempotent=True).graph.edges["order-placed", "shipping"]
    assert (edge["max_attempts"], edge["retry_backoff"], edge["idempotent"]) == (7, 0.2, True)
    with pytest.raises(ValueError):
        xf.shop("carrier pigeon")
    with pytest.raises(KeyError):
        xf.shop(ED, groups=["billing"])


def test_timeouts_leave_wasted_work_and_retries_amplify():
    slow = [vn.Slowdown("shipping", 2, 6, SLOWDOWN)]
    runs = {r: vn.simulate(xf.shop(RR, retries=r, timeout=TIMEOUT), vn.Traffic.poisson(100), duration=8,
                           faults=slow, seed=SEED) for r in (0, 2)}
    waste = {r: measures.wasted_work(res) for r, res in runs.items()}
    assert 0 < waste[0]["wasted"] <= waste[0]["timed_out"] <= waste[0]["attempts"]
    assert waste[2]["wasted"] > waste[0]["wasted"]
    assert measures.attempts_per_request(runs[0]) == pytest.approx(
        runs[0].call_attempts["orders->shipping"] / len(runs[0].requests))
    assert measures.attempts_per_request(runs[2], "shipping", 2, 6) > 1.0
    trace = measures.wasted_example(runs[2])
    spans = runs[2].spans[runs[2].spans["trace_id"] == trace]
    assert (spans["status"] == "timeout").any()
    with pytest.raises(KeyError):
        measures.attempts_per_request(runs[0], "billing")


def test_breaker_opens_and_closes_again():
    res = vn.simulate(xf.shop(RR, timeout=TIMEOUT, circuit_breaker=vn.CircuitBreaker(5, 1.0)),
                      vn.Traffic.poisson(100), duration=8, faults=[vn.Slowdown("shipping", 2, 5, HANG)], seed=SEED)
    changes = measures.breaker_changes(res)
    assert {"closed", "open"} <= set(changes["state"])
    assert 0 <= measures.breaker_closed_after(res, 5) <= 1.5
    assert res.status_counts().get("circuit_open", 0) > 0
    assert measures.failed_latency(res, 50, 2, 5) < 0.05
    with pytest.raises(KeyError):
        measures.breaker_changes(res, "orders->billing")


def test_nothing_is_lost_and_idempotent_consumers_skip_duplicates():
    crash = [vn.Outage("shipping", 3, 4), vn.ErrorRate("notifications", 1, 5, 0.5)]
    plain, idem = (vn.simulate(xf.shop(ED, idempotent=i), vn.Traffic.poisson(100), duration=6, faults=crash,
                               seed=SEED) for i in (False, True))
    for res in (plain, idem):
        books = measures.accounting(res)
        assert books["balanced"] and books["lost"] == 0 and books["dlq"] > 0
        assert books["processed"] + books["dlq"] + books["pending"] == len(res.events)
    assert plain.summary()["duplicates"] > 0 and idem.summary()["duplicates"] == 0
    assert measures.refused_at_door(plain) == 0


def test_storm_row_and_breaker_effect_read_the_run():
    slow = [vn.Slowdown("shipping", 2, 6, HANG)]
    plain, guarded = (vn.simulate(xf.shop(RR, timeout=TIMEOUT, circuit_breaker=b), vn.Traffic.poisson(100),
                                  duration=8, faults=slow, seed=SEED) for b in (None, xf.BREAKER))
    row = xf.storm_row(plain, 2, 6)
    assert row["share failed (orders placed in the window)"] == measures.failed_share(plain, 2, 6) > 0.5
    assert row["calls to shipping per order (whole run)"] == measures.attempts_per_request(plain)
    assert row["orders timed out"] == plain.status_counts().get("timeout", 0)
    off, on = xf.breaker_effect(plain, 2, 6), xf.breaker_effect(guarded, 2, 6)
    assert on["calls_per_order"] < off["calls_per_order"] and on["wait_p50"] < off["wait_p50"]
    assert on["circuit_open"] > 0 == off["circuit_open"]
    assert on["busy_workers"] < off["busy_workers"] == measures.mean_in_window(plain, "busy_workers", "orders", 3, 6)


def test_dead_letters_are_counted_in_their_window():
    flaky = vn.simulate(vn.scenarios.order_placed(ED), vn.Traffic.poisson(100), duration=8, seed=SEED,
                        faults=[vn.ErrorRate("shipping", 2, 6, 0.3)])
    inside, outside = measures.retry_outcomes(flaky, "shipping", 2, 6), measures.retry_outcomes(flaky, "shipping", 0, 2)
    assert inside["events"] > inside["retried"] > inside["dlq"] > 0
    assert outside["retried"] == outside["dlq"] == 0
    assert inside["processed"] + inside["dlq"] + inside["pending"] == inside["events"]
    broken = vn.simulate(vn.scenarios.order_placed(ED), vn.Traffic.poisson(100), duration=8, seed=SEED,
                         faults=[vn.ErrorRate("shipping", 4, 800, 1.0)])
    before, after = measures.unfulfilled(broken, 0, 3.5), measures.unfulfilled(broken, 4)
    assert before["share"] == 0 and after["share"] == 1 and after["ok"] == after["never_done"] > 0
    with pytest.raises(KeyError):
        measures.retry_outcomes(flaky, "billing")


# -- the panel -------------------------------------------------------------------

def test_panel_draws_at_both_ends_of_every_control():
    panel = nb05.panel(duration=3.0, run=False)
    assert_each_draws(panel, settings_at_extremes(panel))
    panel.update(timeout="soon")
    assert panel.error and "timeout" in panel.error


def test_panel_shows_the_breaker_only_when_it_is_on_and_runs_each_setting():
    panel = nb05.panel(duration=4.0, slowdown=20.0, window=(1.0, 3.0), timeout=0.1, run=False)
    panel.update(breaker=False)
    rows = len(panel.figure.axes)
    calls = panel.results[RR].call_attempts["orders->shipping"]
    panel.update(breaker=True)
    assert len(panel.figure.axes) == rows + 1
    assert panel.results[RR].call_attempts["orders->shipping"] < calls        # a new run, not the cached one
    assert panel.timings[RR] is not None and panel.timings[ED] is None        # only RR depends on the breaker
