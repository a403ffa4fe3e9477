"""Request-response semantics: workers, queues, calls, timeouts, retries, breakers."""

import numpy as np
import pandas as pd
import pytest

import vetora_nb as vn


def _chain(callee_time=0.010, callee_workers=4, fanout="sequential", n_callees=1, caller_workers=8,
           **call):
    arch = vn.Architecture("chain")
    arch.add_service("front", workers=caller_workers, service_time=vn.Constant(0.002), fanout=fanout)
    for i in range(n_callees):
        arch.add_service(f"back{i}", workers=callee_workers, service_time=vn.Constant(callee_time))
        arch.add_call("front", f"back{i}", latency=vn.Constant(0.001), **call)
    arch.entry = "front"
    return arch


def _run(arch, rate=20, duration=20, faults=(), seed=1, **kw):
    return vn.simulate(arch, vn.Traffic.poisson(rate), duration=duration, faults=faults, seed=seed, **kw)


def test_a_synchronous_call_adds_the_callees_time_and_two_network_hops():
    res = _run(_chain(), rate=5)
    # at 5/s queueing is rare: most requests take exactly 2 + 1 + 10 + 1 ms
    assert np.isclose(res.requests["latency"].min(), 0.014)
    assert np.isclose(res.requests["latency"].median(), 0.014)


def test_sequential_fan_out_adds_up_and_parallel_takes_the_max():
    seq = _run(_chain(n_callees=3, fanout="sequential"), rate=2)
    par = _run(_chain(n_callees=3, fanout="parallel"), rate=2)
    assert np.isclose(seq.requests["latency"].median(), 0.002 + 3 * 0.012)
    assert np.isclose(par.requests["latency"].median(), 0.002 + 0.012)


def test_the_caller_holds_its_worker_while_it_waits():
    """A slow callee fills the caller's workers: the cascade is emergent."""
    res = _run(_chain(callee_workers=50, caller_workers=8, timeout=10.0), rate=40, duration=30,
               faults=[vn.Slowdown("back0", 10, 20, factor=20)], sample_interval=0.1)
    busy = res.metric("busy_workers")["front"]
    assert busy.loc[2:9].mean() < 2
    assert busy.loc[12:20].mean() > 7   # all 8 held while the callee crawls
    assert res.metric("queue_depth")["front"].loc[12:20].max() > 5


def test_a_full_queue_rejects_at_once():
    arch = vn.Architecture("bp")
    arch.add_service("api", workers=1, service_time=vn.Constant(0.05), queue_capacity=2)
    arch.entry = "api"
    res = _run(arch, rate=100, duration=5)
    rejected = res.requests[res.requests["status"] == "rejected"]
    assert len(rejected) > 100
    assert (rejected["latency"] == 0).all()
    assert res.metric("queue_depth")["api"].max() <= 2


def test_a_timeout_frees_the_caller_but_the_callee_finishes_the_wasted_work():
    res = _run(_chain(callee_time=0.5, timeout=0.1), rate=2, duration=5)
    req, spans = res.requests, res.spans
    assert (req["status"] == "timeout").all()
    assert np.allclose(req["latency"], 0.002 + 0.1)
    callee = spans[(spans["service"] == "back0") & (spans["operation"] == "handle")]
    assert (callee["status"] == "ok").all()
    assert (callee["end"] - callee["start"] >= 0.5 - 1e-9).all()


def test_retries_multiply_the_load_on_a_failing_callee():
    res = _run(_chain(retries=3, backoff=0.01), rate=10, duration=10,
               faults=[vn.ErrorRate("back0", 0, 10, rate=1.0)])
    n = len(res.requests)
    assert (res.requests.query("start < 9.9")["status"] == "error").all()
    assert res.call_attempts["front->back0"] >= 4 * (n - 1)


def test_backoff_doubles_between_retries():
    res = _run(_chain(retries=2, backoff=0.1, jitter=0.0), rate=1, duration=10,
               faults=[vn.ErrorRate("back0", 0, 10, rate=1.0)])
    # 2 ms own work, 3 attempts of 12 ms, then waits of 0.1 and 0.2 s
    assert np.allclose(res.requests["latency"], 0.002 + 3 * 0.012 + 0.1 + 0.2)


def test_jitter_spreads_retries():
    res = _run(_chain(retries=2, backoff=0.1, jitter=1.0), rate=5, duration=10,
               faults=[vn.ErrorRate("back0", 0, 10, rate=1.0)])
    lat = res.requests["latency"]
    assert lat.std() > 0.02 and lat.max() <= 0.002 + 3 * 0.012 + 0.3 + 1e-9


def test_a_circuit_breaker_fails_fast_then_probes_and_closes():
    breaker = vn.CircuitBreaker(failure_threshold=5, reset_timeout=1.0)
    res = _run(_chain(circuit_breaker=breaker), rate=50, duration=20,
               faults=[vn.ErrorRate("back0", 5, 10, rate=1.0)], sample_interval=0.05)
    req = res.requests
    during = req[req["start"].between(5.5, 10)]
    assert (during["status"] == "circuit_open").mean() > 0.9
    # fail fast: an open breaker answers without network or callee time
    assert during[during["status"] == "circuit_open"]["latency"].max() < 0.003
    # only the first failures and one probe per reset window reach the callee
    assert res.call_attempts["front->back0"] < len(req) - len(during) + 5 + 10
    after = req[req["start"] > 11.5]
    assert (after["status"] == "ok").all()
    state = res.metric("breaker_state")["front->back0"]
    assert state.loc[6:9].max() == 2 and state.loc[12:].max() == 0


def test_a_down_service_refuses_at_once_and_callers_fail():
    res = _run(_chain(retries=1), rate=50, duration=20, faults=[vn.Outage("back0", 5, 10)])
    req = res.requests
    during = req[req["start"].between(5.1, 9.9)]
    assert (during["status"] == "unavailable").all()
    assert during["latency"].max() < 0.1
    assert (req[req["start"] > 10.5]["status"] == "ok").all()


def test_a_network_partition_makes_calls_across_the_cut_time_out():
    res = _run(_chain(timeout=0.2), rate=20, duration=20, faults=[vn.NetworkPartition("front", "back0", 5, 10)])
    req = res.requests
    during = req[req["start"].between(5.0, 9.7)]
    assert (during["status"] == "timeout").all()
    assert np.isclose(during["latency"].median(), 0.002 + 0.2)
    assert (req[req["start"] < 4.9]["status"] == "ok").all()
    assert (req[req["start"] > 10.1]["status"] == "ok").all()


def test_a_slowdown_multiplies_service_time_only_inside_its_window():
    arch = vn.Architecture("s")
    arch.add_service("api", workers=100, service_time=vn.Constant(0.01))
    arch.entry = "api"
    res = _run(arch, rate=20, faults=[vn.Slowdown("api", 5, 10, factor=3)])
    req = res.requests
    assert np.allclose(req[req["start"].between(5, 9.9)]["latency"], 0.03)
    assert np.allclose(req[req["start"] > 10]["latency"], 0.01)


def test_error_rate_on_a_service_fails_that_share_of_requests():
    arch = vn.Architecture("e")
    arch.add_service("api", workers=100, service_time=vn.Constant(0.001), error_rate=0.2)
    arch.entry = "api"
    res = _run(arch, rate=500, duration=20)
    share = (res.requests["status"] == "error").mean()
    n = len(res.requests)
    assert abs(share - 0.2) < 4 * np.sqrt(0.2 * 0.8 / n)


def test_spans_of_a_request_form_one_tree_under_its_trace():
    res = _run(_chain(n_callees=2, fanout="parallel"), rate=5)
    spans = res.spans
    for tid, tr in spans.groupby("trace_id"):
        roots = tr[tr["parent_id"].isna()]
        assert len(roots) == 1 and roots["operation"].iloc[0] == "handle"
        assert set(tr["parent_id"].dropna()) <= set(tr["span_id"])
        # a parent contains its children in time
        parents = tr.set_index("span_id")
        for _, s in tr.dropna(subset=["parent_id"]).iterrows():
            p = parents.loc[s["parent_id"]]
            assert p["start"] <= s["start"] and s["end"] <= p["end"] + 1e-12


def test_trace_sampling_keeps_a_share_of_traces():
    res = _run(_chain(), rate=200, duration=10, trace_sample=0.1)
    share = res.spans["trace_id"].nunique() / len(res.requests)
    assert 0.07 < share < 0.13


@pytest.mark.parametrize("style", ["request_response", "event_driven"])
def test_trace_sampling_changes_the_spans_and_nothing_else(style):
    runs = {share: vn.simulate(vn.scenarios.order_placed(style), vn.Traffic.poisson(150), duration=4,
                               faults=[vn.ErrorRate("shipping", 1, 3, 0.3)], seed=4, trace_sample=share)
            for share in (1.0, 0.3, 0.0)}
    full = runs[1.0]
    for share, res in runs.items():
        for frame in ("requests", "events", "timeseries"):
            pd.testing.assert_frame_equal(getattr(res, frame), getattr(full, frame), check_exact=True)
        assert res.summary() == pytest.approx(full.summary(), nan_ok=True)
    assert len(runs[0.0].spans) == 0 < len(runs[0.3].spans) < len(full.spans)
    assert list(runs[0.0].spans.columns) == list(full.spans.columns)   # empty, not missing


def test_a_full_callee_queue_is_reported_as_rejected_downstream_not_at_the_door():
    """Two causes, two reasons: the entry's own full queue refuses in 0 s
    ('rejected'); a callee's full queue reaches the caller after it waited
    and retried ('rejected_downstream'), while the entry had room."""
    arch = vn.Architecture("two-queues")
    arch.add_service("front", workers=50, service_time=vn.Constant(0.001))
    arch.add_service("back", workers=1, service_time=vn.Constant(0.05), queue_capacity=2)
    arch.add_call("front", "back", timeout=5.0, retries=1)
    arch.entry = "front"
    res = _run(arch, rate=100, duration=5)
    statuses = res.status_counts()
    assert statuses.get("rejected_downstream", 0) > 100
    assert "rejected" not in statuses                  # front's queue never filled
    below = res.requests[res.requests["status"] == "rejected_downstream"]
    assert (below["latency"] > 0).all()                # the caller waited: network and a retry's backoff
    assert vn.measures.refused_at_door(res) == 0
