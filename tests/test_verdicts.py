"""The comparison's verdicts, reproduced on the running example at moderate load.

Each check runs several seeds, so a verdict never hangs on one lucky run.
"""

import numpy as np
import pytest

import vetora_nb as vn

SEEDS = (1, 2, 3)
RATE, DURATION = 100, 40


def _pair(faults=(), seed=1, **scenario):
    return {style: vn.simulate(vn.scenarios.order_placed(style, **scenario), vn.Traffic.poisson(RATE),
                               duration=DURATION, faults=faults, seed=seed).summary()
            for style in vn.scenarios.STYLES}


@pytest.mark.parametrize("seed", SEEDS)
def test_request_response_settles_sooner_and_event_driven_answers_sooner(seed):
    s = _pair(seed=seed)
    rr, ed = s["request_response"], s["event_driven"]
    assert rr["e2e_p50"] < ed["e2e_p50"] and rr["e2e_p99"] < ed["e2e_p99"]
    assert ed["p50"] < rr["p50"] and ed["p99"] < rr["p99"]
    assert rr["error_rate"] == ed["error_rate"] == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_consumer_down_fails_rr_callers_but_not_ed_callers_and_the_backlog_drains(seed):
    down = (15, 25)
    runs = {style: vn.simulate(vn.scenarios.order_placed(style), vn.Traffic.poisson(RATE), duration=DURATION,
                               faults=[vn.Outage("shipping", *down)], seed=seed, sample_interval=0.2)
            for style in vn.scenarios.STYLES}
    rr, ed = runs["request_response"].summary(), runs["event_driven"].summary()
    share_down = (down[1] - down[0]) / DURATION
    assert abs(rr["error_rate"] - share_down) < 0.05       # RR fails for the whole window
    assert ed["error_rate"] == 0                           # ED callers never notice
    assert ed["max_consumer_lag"] > 0.8 * RATE * (down[1] - down[0])
    lag = runs["event_driven"].metric("consumer_lag")["shipping"]
    assert lag.loc[DURATION - 5:DURATION].max() < 0.05 * ed["max_consumer_lag"]   # drained
    assert ed["events_pending"] == 0 and ed["events_lost"] == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_slow_downstream_cascades_into_rr_callers_but_not_into_the_ed_producer(seed):
    slow = [vn.Slowdown("inventory", 15, 25, factor=10)]
    calm, hurt = _pair(seed=seed), _pair(faults=slow, seed=seed)
    rr0, rr1 = calm["request_response"], hurt["request_response"]
    ed0, ed1 = calm["event_driven"], hurt["event_driven"]
    assert rr1["p99"] > 10 * rr0["p99"] and rr1["error_rate"] > 0.05
    assert ed1["error_rate"] == 0
    assert np.isclose(ed1["p99"], ed0["p99"], rtol=0.05)   # the producer does not feel it
    assert ed1["e2e_p99"] > 10 * ed0["e2e_p99"]            # ...but the effects are late


# -- the live scorecard: every verdict holds as framed and flips under its condition --

@pytest.mark.parametrize("seed", (1, 2))
@pytest.mark.parametrize("dimension", list(vn.verdicts.DIMENSIONS))
def test_each_verdict_holds_and_flips_under_its_condition(dimension, seed):
    v = vn.verdicts.DIMENSIONS[dimension](seed=seed)
    assert v.holds, str(v)
    assert v.flips, str(v)


def test_the_scorecard_has_one_row_per_dimension():
    card = vn.verdicts.scorecard(seed=3, dimensions=["coupling", "latency"])
    assert list(card.index) == ["coupling", "latency"]
    assert {"verdict", "winner", "holds", "flip_winner", "flips"} <= set(card.columns)
    with pytest.raises(KeyError, match="dimensions"):
        vn.verdicts.scorecard(dimensions=["speed"])
