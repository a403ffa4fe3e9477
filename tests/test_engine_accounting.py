"""Nothing is ever silently lost: accounting under random fault schedules."""

import gc
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vetora_nb as vn
from vetora_nb.engine.world import World
from vetora_nb.faults import FaultSchedule

NODES_RR = ["orders", "inventory", "shipping", "notifications", "analytics"]
NODES_ED = NODES_RR + ["order-placed"]
DURATION = 6.0


@st.composite
def fault_schedules(draw, nodes):
    faults = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.floats(0, DURATION, allow_nan=False))
        end = start + draw(st.floats(0.05, 4, allow_nan=False))
        kind = draw(st.sampled_from(["outage", "slowdown", "errors", "partition", "broker"]))
        node = draw(st.sampled_from(nodes))
        if kind == "outage":
            faults.append(vn.Outage(node, start, end))
        elif kind == "slowdown":
            faults.append(vn.Slowdown(node, start, end, factor=draw(st.floats(0.5, 50))))
        elif kind == "errors":
            faults.append(vn.ErrorRate(node, start, end, rate=draw(st.floats(0, 1))))
        elif kind == "partition":
            other = draw(st.sampled_from([n for n in nodes if n != node]))
            faults.append(vn.NetworkPartition(node, other, start, end))
        else:
            faults.append(vn.BrokerOutage(start, end))
    return faults


def _check_books(res):
    req, ev, s = res.requests, res.events, res.summary()
    # every request has a status; after a drain none is still in flight
    assert req["status"].notna().all()
    assert (req["status"] != "in_flight").all()
    assert req["end"].notna().all() and (req["end"] >= req["start"]).all()
    # every event row ends processed, dead-lettered or pending, and they add up
    assert set(ev["outcome"]) <= {"processed", "dlq", "pending"}
    assert s["events_processed"] + s["events_dlq"] + s["events_pending"] == len(ev)
    assert s["events_lost"] == 0
    # a drained run with every outage over has nothing pending
    assert s["events_pending"] == 0
    # every published event reached every group that was subscribed
    groups = res.architecture.subscribers("order-placed") if "order-placed" in res.architecture.graph else []
    assert len(ev) == s["events_published"] * len(groups)
    # settled requests settle after they end; unsettled ones owe a dead-lettered effect
    settled = req.dropna(subset=["settled_at"])
    assert (settled["settled_at"] >= settled["end"] - 1e-12).all()
    ok_unsettled = req[(req["status"] == "ok") & req["settled_at"].isna()]
    if len(ok_unsettled):
        dlq_requests = set(ev.loc[ev["outcome"] == "dlq", "request_id"])
        assert set(ok_unsettled["request_id"]) <= dlq_requests
    # every span is closed
    assert (res.spans["status"] != "in_flight").all()


# An ordinary run tries the same 25 fault schedules every time, so the suite
# gives the same answer on every machine. HYPOTHESIS_EXAMPLES=400 explores new
# ones instead (how these tests found a dead-lettered event settled twice and
# a drain that stopped before redelivered work was done).
_EXPLORE = os.environ.get("HYPOTHESIS_EXAMPLES")
SETTINGS = settings(max_examples=int(_EXPLORE or 25), derandomize=not _EXPLORE, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(faults=fault_schedules(NODES_ED), seed=st.integers(0, 2**16))
def test_event_driven_books_balance_under_any_faults(faults, seed):
    arch = vn.scenarios.order_placed("event_driven")
    _check_books(vn.simulate(arch, vn.Traffic.poisson(60), duration=DURATION, faults=faults, seed=seed))


@SETTINGS
@given(faults=fault_schedules(NODES_RR), seed=st.integers(0, 2**16))
def test_request_response_books_balance_under_any_faults(faults, seed):
    arch = vn.scenarios.order_placed("request_response", circuit_breaker=vn.CircuitBreaker(3, 0.5))
    _check_books(vn.simulate(arch, vn.Traffic.poisson(60), duration=DURATION, faults=faults, seed=seed))


def test_without_drain_unfinished_work_is_reported_not_dropped():
    arch = vn.scenarios.order_placed("event_driven")
    res = vn.simulate(arch, vn.Traffic.poisson(100), duration=10, seed=1, drain=False,
                      faults=[vn.Outage("shipping", 5, 20)])
    s = res.summary()
    assert s["events_pending"] > 0
    assert s["events_processed"] + s["events_dlq"] + s["events_pending"] == len(res.events)
    assert s["requests"] == s["ok"] + s["failed"] + s["in_flight"]


def test_a_request_settles_with_its_last_effect_or_not_at_all():
    """``settled_at``, read off the delivery rows, is what the events frame says:
    the later of the answer and the last effect, if every effect was processed;
    NaN while one is owed or once one was dead-lettered."""
    arch = vn.scenarios.order_placed("event_driven", max_attempts=2)
    res = vn.simulate(arch, vn.Traffic.poisson(100), duration=4, seed=2, drain=False,
                      faults=[vn.Outage("shipping", 2, 20), vn.ErrorRate("analytics", 0.5, 3, rate=0.6)])
    req, ev = res.requests.set_index("request_id"), res.events
    per = ev.groupby("request_id").agg(last=("processed_at", "max"),
                                       done=("outcome", lambda o: (o == "processed").all()))
    want = req["end"].copy()
    caused = per.index
    want[caused] = np.maximum(req.loc[caused, "end"], per["last"])
    want[per.index[~per["done"]]] = np.nan
    outcomes = set(ev["outcome"])
    assert {"pending", "dlq", "processed"} <= outcomes and want.isna().any() and want.notna().any()
    pd.testing.assert_series_equal(req["settled_at"], want, check_names=False)


def test_a_never_ending_outage_stops_at_the_drain_bound_with_work_pending():
    arch = vn.scenarios.order_placed("event_driven")
    res = vn.simulate(arch, vn.Traffic.poisson(50), duration=5, seed=1, max_drain=10,
                      faults=[vn.Outage("shipping", 2, math.inf)])
    assert res.end_time <= 15 + 1e-9
    assert res.summary()["events_pending"] > 0


def test_heavy_overload_returns_in_bounded_simulated_time():
    arch = vn.scenarios.single_service(workers=1, mean_service_time=0.01)
    res = vn.simulate(arch, vn.Traffic.poisson(2000), duration=10, seed=1, max_drain=20)
    s = res.summary()
    assert res.end_time <= 30 + 1e-9
    assert s["in_flight"] > 0 and s["ok"] + s["failed"] + s["in_flight"] == s["requests"]


# -- determinism -------------------------------------------------------------

def _frames(res):
    return res.requests, res.events, res.spans, res.timeseries


def test_the_same_seed_gives_identical_frames():
    arch = vn.scenarios.order_placed("event_driven")
    faults = [vn.Outage("shipping", 2, 4), vn.ErrorRate("inventory", 1, 3, 0.3)]
    a = vn.simulate(arch, vn.Traffic.poisson(80), duration=6, faults=faults, seed=11)
    b = vn.simulate(arch, vn.Traffic.poisson(80), duration=6, faults=faults, seed=11)
    for fa, fb in zip(_frames(a), _frames(b)):
        pd.testing.assert_frame_equal(fa, fb)


def test_a_different_seed_gives_different_frames():
    arch = vn.scenarios.order_placed("request_response")
    a = vn.simulate(arch, vn.Traffic.poisson(80), duration=6, seed=1)
    b = vn.simulate(arch, vn.Traffic.poisson(80), duration=6, seed=2)
    assert not a.requests["start"].equals(b.requests["start"]) or len(a.requests) != len(b.requests)


def test_identical_traffic_reaches_both_styles():
    runs = [vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(80), duration=6, seed=5)
            for s in vn.scenarios.STYLES]
    pd.testing.assert_series_equal(runs[0].requests["start"], runs[1].requests["start"])
    pd.testing.assert_series_equal(runs[0].requests["key"], runs[1].requests["key"])


def test_the_same_seed_reproduces_in_another_process():
    code = ("import vetora_nb as vn; r = vn.simulate(vn.scenarios.order_placed('event_driven'), "
            "vn.Traffic.poisson(80, keys=30), duration=5, seed=3); print(r.events['processed_at'].sum().hex())")
    here = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(80, keys=30), duration=5, seed=3)
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout.strip()
    assert there == here.events["processed_at"].sum().hex()


def _garbage_cycles_after_a_run(rate: float, style: str, **kw) -> int:
    """Objects a run dropped that only the cycle collector could free.

    Counted while the run's world is still alive: what it holds (its
    services, the events still queued when the clock stopped) is not
    garbage; what the run let go of and reference counting could not free is."""
    arch = vn.scenarios.order_placed(style, **kw)
    faults = FaultSchedule([vn.Slowdown("shipping", 1, 2, 20), vn.ErrorRate("inventory", 2, 3, 0.5)], arch)
    world = World(arch, faults, seed=3)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        world.run(vn.Traffic.poisson(rate), "orders", duration=5.0, drain=True, max_drain=60.0,
                  sample_interval=0.05)
        assert len(world.rec.r_start) > 0.5 * rate * 5
        return gc.collect()
    finally:
        if was:
            gc.enable()


def test_a_run_leaves_no_reference_cycles_per_request():
    # The engine pauses the cycle collector while the clock runs: that is only
    # safe if reference counting frees every request's objects. A cycle per
    # request (or per call, per event) would show as garbage growing with load.
    for style in ("request_response", "event_driven"):
        small = _garbage_cycles_after_a_run(40, style, retries=1)
        large = _garbage_cycles_after_a_run(400, style, retries=1)
        assert large <= small + 50, (style, small, large)


def test_the_cycle_collector_is_back_on_after_a_run_even_a_failing_one():
    arch = vn.scenarios.order_placed("request_response")
    assert gc.isenabled()
    vn.simulate(arch, vn.Traffic.poisson(50), duration=2, seed=1)
    assert gc.isenabled()
    gc.disable()
    try:
        vn.simulate(arch, vn.Traffic.poisson(50), duration=2, seed=1)
        assert not gc.isenabled()   # a caller's own choice is kept
    finally:
        gc.enable()
