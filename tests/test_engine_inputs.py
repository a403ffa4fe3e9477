"""Bad input is refused before the clock starts, with an error naming it."""

import math

import pytest

import vetora_nb as vn


def _arch():
    a = vn.Architecture("a")
    a.add_service("api", workers=2)
    a.add_service("db", workers=2)
    a.add_stream("s", partitions=2)
    a.entry = "api"
    return a


def _cycle():
    a = _arch()
    a.add_call("api", "db")
    a.add_call("db", "api")
    return a


def _event_loop():
    a = _arch()
    a.add_publish("api", "s")
    a.add_subscription("s", "api")
    return a


def _no_entry():
    a = vn.Architecture("x")
    a.add_service("api")
    return a


BUILD_ERRORS = [
    (lambda a: a.add_service("api"), ValueError, "duplicate name"),
    (lambda a: a.add_stream("api"), ValueError, "duplicate name"),
    (lambda a: a.add_service("x", workers=0), ValueError, "workers"),
    (lambda a: a.add_service("x", workers=-3), ValueError, "workers"),
    (lambda a: a.add_service("x", workers=2.5), TypeError, "workers"),
    (lambda a: a.add_service("x", queue_capacity=-1), ValueError, "queue_capacity"),
    (lambda a: a.add_service("x", error_rate=1.5), ValueError, "error_rate"),
    (lambda a: a.add_service("x", fanout="sideways"), ValueError, "fanout"),
    (lambda a: a.add_service("x", service_time="fast"), TypeError, "service_time"),
    (lambda a: a.add_service("x", service_time=-1), ValueError, "service_time"),
    (lambda a: a.add_service(""), TypeError, "name"),
    (lambda a: a.add_stream("t", partitions=0), ValueError, "partitions"),
    (lambda a: a.add_stream("t", retention=0), ValueError, "retention"),
    (lambda a: a.add_call("api", "nowhere"), KeyError, "nowhere"),
    (lambda a: a.add_call("ghost", "db"), KeyError, "ghost"),
    (lambda a: a.add_call("api", "s"), ValueError, "callee"),
    (lambda a: a.add_call("api", "api"), ValueError, "itself"),
    (lambda a: a.add_call("api", "db", timeout=0), ValueError, "timeout"),
    (lambda a: a.add_call("api", "db", timeout=math.inf), ValueError, "timeout"),
    (lambda a: a.add_call("api", "db", retries=-1), ValueError, "retries"),
    (lambda a: a.add_call("api", "db", jitter=2), ValueError, "jitter"),
    (lambda a: a.add_call("api", "db", circuit_breaker=3), TypeError, "circuit_breaker"),
    (lambda a: a.add_publish("api", "db"), ValueError, "stream"),
    (lambda a: a.add_subscription("s", "ghost"), KeyError, "ghost"),
    (lambda a: a.add_subscription("s", "db", max_attempts=0), ValueError, "max_attempts"),
    (lambda a: a.add_subscription("s", "db", commit_interval=-1), ValueError, "commit_interval"),
    (lambda a: setattr(a, "entry", "ghost"), KeyError, "ghost"),
    (lambda a: setattr(a, "entry", "s"), ValueError, "entry"),
    (lambda a: vn.CircuitBreaker(failure_threshold=0), ValueError, "failure_threshold"),
    (lambda a: vn.Exponential(mean=0), ValueError, "mean"),
    (lambda a: vn.Exponential(mean=-1), ValueError, "mean"),
    (lambda a: vn.LogNormal(mean=1, cv=-1), ValueError, "cv"),
    (lambda a: vn.Constant(float("nan")), ValueError, "value"),
    (lambda a: vn.Uniform(2, 1), ValueError, "high"),
    (lambda a: vn.Traffic.poisson(rate=-5), ValueError, "rate"),
    (lambda a: vn.Traffic.poisson(rate=math.inf), ValueError, "rate"),
    (lambda a: vn.Traffic.poisson(rate="many"), TypeError, "rate"),
    (lambda a: vn.Traffic.poisson(rate=5, keys=0), ValueError, "keys"),
    (lambda a: vn.Traffic.poisson(rate=5, hot_key_share=2), ValueError, "hot_key_share"),
    (lambda a: vn.Traffic.spike(rate=5, factor=2, start=10, end=5), ValueError, "end"),
    (lambda a: vn.Traffic.from_csv("no_such_profile.csv"), FileNotFoundError, "path"),
    (lambda a: vn.Outage("api", start=10, end=5), ValueError, "end"),
    (lambda a: vn.Outage("api", start=-1, end=5), ValueError, "start"),
    (lambda a: vn.Slowdown("api", 0, 5, factor=0), ValueError, "factor"),
    (lambda a: vn.ErrorRate("api", 0, 5, rate=-0.1), ValueError, "rate"),
    (lambda a: vn.NetworkPartition("api", "api", 0, 5), ValueError, "a and b"),
    (lambda a: vn.scenarios.order_placed("soap"), ValueError, "style"),
]


@pytest.mark.parametrize("build, error, needle", BUILD_ERRORS)
def test_bad_building_blocks_are_refused_by_name(build, error, needle):
    with pytest.raises(error) as info:
        build(_arch())
    assert needle in str(info.value)


T = vn.Traffic.poisson(10)

SIMULATE_ERRORS = [
    (lambda: vn.simulate(_arch(), T, duration=0), ValueError, "duration"),
    (lambda: vn.simulate(_arch(), T, duration=-5), ValueError, "duration"),
    (lambda: vn.simulate(_arch(), T, duration=math.nan), ValueError, "duration"),
    (lambda: vn.simulate(_arch(), T, seed=-1), ValueError, "seed"),
    (lambda: vn.simulate(_arch(), T, seed=1.5), ValueError, "seed"),
    (lambda: vn.simulate(_arch(), T, trace_sample=2), ValueError, "trace_sample"),
    (lambda: vn.simulate(_arch(), T, sample_interval=0), ValueError, "sample_interval"),
    (lambda: vn.simulate(_arch(), T, faults=[vn.Outage("ghost", 1, 2)]), KeyError, "ghost"),
    (lambda: vn.simulate(_arch(), T, faults=[vn.NetworkPartition("api", "ghost", 1, 2)]), KeyError, "ghost"),
    (lambda: vn.simulate(_arch(), T, faults=["outage"]), TypeError, "faults"),
    (lambda: vn.simulate(_arch(), vn.Traffic.poisson(10, entry="ghost")), KeyError, "ghost"),
    (lambda: vn.simulate(_arch(), vn.Traffic.poisson(10, entry="s")), ValueError, "entry"),
    (lambda: vn.simulate(_no_entry(), T), ValueError, "entry"),
    (lambda: vn.simulate(_cycle(), T), ValueError, "cycle of synchronous calls"),
    (lambda: vn.simulate(_event_loop(), T), ValueError, "cycle"),
    (lambda: vn.simulate(_arch(), vn.Traffic.poisson(1e9), duration=60), ValueError, "rate"),
    (lambda: vn.simulate(_arch(), T, max_requests="many"), TypeError, "max_requests"),
    (lambda: vn.simulate(_arch(), T, max_requests=0), TypeError, "max_requests"),
    (lambda: vn.simulate("shop", T), TypeError, "architecture"),
    (lambda: vn.simulate(_arch(), 100), TypeError, "traffic"),
]


@pytest.mark.parametrize("run, error, needle", SIMULATE_ERRORS)
def test_bad_simulations_are_refused_before_the_clock_starts(run, error, needle):
    with pytest.raises(error) as info:
        run()
    assert needle in str(info.value)


@pytest.mark.parametrize("kwargs", [
    dict(rate=0), dict(rate=1e-3), dict(rate=5000, duration=2),
])
def test_extreme_but_valid_traffic_gives_a_sane_result(kwargs):
    duration = kwargs.pop("duration", 10)
    res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(**kwargs),
                      duration=duration, seed=1)
    s = res.summary()
    assert s["requests"] == s["ok"] + s["failed"] + s["in_flight"]
    assert s["events_lost"] == 0
