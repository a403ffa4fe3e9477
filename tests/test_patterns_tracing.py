"""Traces across calls and the broker: continuity, shape, critical path, root cause."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vetora_nb as vn
from vetora_nb.patterns import tracing

TRAFFIC = vn.Traffic.poisson(rate=100, keys=200)
GROUPS = ["inventory", "shipping", "notifications", "analytics"]


@pytest.fixture(scope="module")
def rr():
    return vn.simulate(vn.scenarios.order_placed("request_response"), TRAFFIC, duration=10, seed=11)


@pytest.fixture(scope="module")
def ed():
    return vn.simulate(vn.scenarios.order_placed("event_driven"), TRAFFIC, duration=10, seed=11)


def _two_hop():
    """orders -> order-placed -> inventory -> stock-reserved -> audit."""
    arch = vn.Architecture("two-hop")
    arch.add_service("orders", workers=8, service_time=vn.Exponential(mean=0.003))
    arch.add_service("inventory", workers=2, service_time=vn.Exponential(mean=0.004))
    arch.add_service("audit", workers=2, service_time=vn.Exponential(mean=0.002))
    arch.add_stream("order-placed", partitions=2)
    arch.add_stream("stock-reserved", partitions=2)
    arch.add_publish("orders", "order-placed")
    arch.add_subscription("order-placed", "inventory")
    arch.add_publish("inventory", "stock-reserved")
    arch.add_subscription("stock-reserved", "audit")
    arch.entry = "orders"
    return arch


def _spans_indexed(res):
    return res.spans.set_index("span_id")


def test_trace_continuity_across_the_broker(ed):
    spans = _spans_indexed(ed)
    ev = ed.events
    processed = ev[ev["outcome"] == "processed"]
    assert len(processed) == 4 * ed.summary()["events_published"] > 1000
    # the event carries its request's trace id
    req_trace = ed.requests.set_index("request_id")["trace_id"]
    assert (processed["trace_id"].to_numpy() == req_trace.loc[processed["request_id"]].to_numpy()).all()
    consume = spans[spans["operation"] == "consume order-placed"]
    consume = consume[consume["status"] == "ok"]
    key = pd.MultiIndex.from_arrays([consume["trace_id"], consume["service"], consume["end"]])
    found = pd.Series(consume.index, index=key)
    want = pd.MultiIndex.from_arrays([processed["trace_id"], processed["group"], processed["processed_at"]])
    # every processed row has its consumer's span, in the producer's trace ...
    assert want.isin(key).all()
    sids = found.loc[want].to_numpy()
    parents = spans.loc[sids, "parent_id"].astype(int).to_numpy()
    # ... whose parent is the producer's publish span, in the same trace ...
    assert (spans.loc[parents, "operation"] == "publish order-placed").all()
    assert (spans.loc[parents, "service"] == "orders").all()
    assert (spans.loc[parents, "trace_id"].to_numpy() == processed["trace_id"].to_numpy()).all()
    # ... which hangs under the request's root span.
    roots = spans.loc[parents, "parent_id"].astype(int).to_numpy()
    assert (spans.loc[roots, "operation"] == "handle").all()
    assert spans.loc[roots, "parent_id"].isna().all()


def test_trace_continuity_over_two_broker_hops():
    res = vn.simulate(_two_hop(), vn.Traffic.poisson(50), duration=5, seed=2)
    spans = _spans_indexed(res)
    audit = spans[(spans["service"] == "audit") & (spans["status"] == "ok")]
    assert len(audit) == res.summary()["events_published"] // 2 > 100
    for sid in audit.index[:50]:
        chain = []
        s = sid
        while not pd.isna(s):
            chain.append(spans.loc[s, "operation"])
            assert spans.loc[s, "trace_id"] == audit.loc[sid, "trace_id"]
            s = spans.loc[s, "parent_id"]
        assert chain[::-1] == ["handle", "publish order-placed", "consume order-placed",
                               "publish stock-reserved", "consume stock-reserved"]
    t = tracing.trace(res, int(audit["trace_id"].iloc[0]))
    assert t["depth"].max() == 4 and t["is_consumer"].sum() == 2


def test_rr_trace_is_one_synchronous_tree(rr):
    spans = rr.spans
    ok_traces = rr.requests.loc[rr.requests["status"] == "ok", "trace_id"]
    shapes = tracing.trace_shapes(rr, ok_traces)
    assert len(shapes) == len(ok_traces) > 500
    # it finishes when the root finishes: nothing outlives the answer
    assert (shapes["after_answer"] == 0).all() and (shapes["leaves_after_root"] == 0).all()
    assert (shapes["depth"] == 2).all() and (shapes["consumer_spans"] == 0).all()
    # every child lies inside its parent
    sp = spans.set_index("span_id")
    child = sp[sp["parent_id"].notna()]
    parent = sp.loc[child["parent_id"].astype(int)]
    assert (child["start"].to_numpy() >= parent["start"].to_numpy()).all()
    assert (child["end"].to_numpy() <= parent["end"].to_numpy() + 1e-12).all()
    # one root per trace
    assert (spans[spans["parent_id"].isna()].groupby("trace_id").size() == 1).all()


def test_ed_trace_fans_out_and_finishes_after_the_root(ed):
    ok_traces = ed.requests.loc[ed.requests["status"] == "ok", "trace_id"]
    shapes = tracing.trace_shapes(ed, ok_traces)
    assert len(shapes) == len(ok_traces) > 500
    # one branch per consumer group, each finishing after the producer answered
    assert (shapes["branches"] == 4).all() and (shapes["consumer_spans"] == 4).all()
    assert (shapes["leaves_after_root"] == 4).all() and (shapes["after_answer"] > 0).all()
    # ... and finishing at different times
    assert (shapes["finish_spread"] > 0).mean() > 0.99
    # the trace lasts until the request settled
    req = ed.requests.set_index("trace_id").loc[shapes.index]
    np.testing.assert_allclose(shapes["duration"], req["e2e_latency"], rtol=0, atol=1e-9)


def test_trace_frame_columns_and_relative_times(ed):
    t = tracing.trace(ed, 7)
    for col in ("depth", "start", "end", "duration", "status", "is_consumer", "parent", "parent_id"):
        assert col in t.columns
    assert t["start"].min() == 0.0 and (t["duration"] >= 0).all()
    assert t.iloc[0]["depth"] == 0 and t.iloc[0]["parent"] == ""
    np.testing.assert_allclose(t["end"] - t["start"], t["duration"])
    assert list(t.loc[t["is_consumer"], "service"].sort_values()) == sorted(GROUPS)


def test_critical_path(ed):
    sq = vn.simulate(vn.scenarios.order_placed("rr", fanout="sequential"), TRAFFIC, duration=3, seed=5)
    par = vn.simulate(vn.scenarios.order_placed("rr"), TRAFFIC, duration=3, seed=5)
    for tid in range(0, 100, 7):
        # sequential calls: every call is on the critical path
        cp = tracing.critical_path(sq, tid)
        calls = cp[cp["operation"].str.startswith("call ")]
        assert len(calls) >= 4 and cp.iloc[0]["depth"] == 0
        # parallel calls: only the call that answered last
        cp = tracing.critical_path(par, tid)
        t = tracing.trace(par, tid)
        calls = t[t["operation"].str.startswith("call ")]
        on = cp[cp["operation"].str.startswith("call ")]
        assert len(on) == 1 and on.iloc[0]["end"] == calls["end"].max()
        # event-driven: root -> publish -> the consumer that finished last
        cp = tracing.critical_path(ed, tid)
        t = tracing.trace(ed, tid)
        assert list(cp["operation"]) == ["handle", "publish order-placed", "consume order-placed"]
        assert cp.iloc[-1]["end"] == t["end"].max()


def test_root_cause_of_a_failed_rr_request():
    res = vn.simulate(vn.scenarios.order_placed("rr"), TRAFFIC, duration=6,
                      faults=[vn.Outage("shipping", start=2, end=4)], seed=3)
    failed = res.requests[res.requests["status"] != "ok"]
    assert len(failed) > 50
    for rid in failed["request_id"].iloc[::10]:
        rc = tracing.root_cause(res, int(rid))
        assert rc.kind == "failed"
        assert (rc.service, rc.operation, rc.status) == ("shipping", "handle", "unavailable")
        assert rc.path == ["orders: handle", "orders: call shipping", "shipping: handle"]
        assert rc.complete


def test_root_cause_reports_consumer_spans_missing_when_propagation_is_off():
    arch = vn.scenarios.order_placed("event_driven")
    arch.graph.edges["order-placed", "shipping"]["propagate_context"] = False
    res = vn.simulate(arch, TRAFFIC, duration=5, seed=4,
                      faults=[vn.Slowdown("shipping", start=0, end=10, factor=3)])
    ev = res.events
    shipped = ev[ev["group"] == "shipping"].set_index("request_id")
    last = ev.groupby("request_id")["processed_at"].max()
    spans = res.spans.set_index("span_id")
    hidden_slowest = 0
    for rid in res.requests["request_id"].iloc[:300]:
        rc = tracing.root_cause(res, int(rid))
        assert not rc.complete
        assert list(rc.missing["group"]) == ["shipping"]
        other = rc.missing["found_in_trace"].iloc[0]
        assert not pd.isna(other) and other != rc.trace_id
        # the consumer's span is alone in a trace of its own, a root
        alone = spans[spans["trace_id"] == other]
        assert len(alone) == 1 and alone["parent_id"].isna().all()
        assert alone["end"].iloc[0] == shipped.loc[rid, "processed_at"]
        # the request's own trace ends early exactly when the hidden branch was the slowest
        assert rc.settled_at >= rc.visible_end
        slowest_hidden = shipped.loc[rid, "processed_at"] == last.loc[rid]
        assert (rc.settled_at > rc.visible_end) == slowest_hidden
        hidden_slowest += slowest_hidden
        assert "correlation id was dropped" in str(rc)
    assert hidden_slowest > 30


def test_root_cause_with_propagation_on_is_complete(ed):
    for rid in range(0, 300, 13):
        rc = tracing.root_cause(ed, rid)
        assert rc.complete and rc.kind == "slow"
        assert rc.operation == "consume order-placed"
        assert rc.visible_end == pytest.approx(rc.settled_at)


def test_unsampled_trace_is_a_clear_error():
    res = vn.simulate(vn.scenarios.order_placed("ed"), TRAFFIC, duration=2, seed=1, trace_sample=0.1)
    sampled = set(res.spans["trace_id"])
    unsampled = next(t for t in res.requests["trace_id"] if t not in sampled)
    with pytest.raises(KeyError, match="not sampled"):
        tracing.trace(res, int(unsampled))
    shapes = tracing.trace_shapes(res)
    assert 0.05 < len(shapes) / len(res.requests) < 0.15


def test_root_cause_of_an_event_a_consumer_could_not_process():
    res = vn.simulate(vn.scenarios.order_placed("ed"), TRAFFIC, duration=2, seed=6,
                      faults=[vn.ErrorRate("analytics", 0, 100, 1.0)])
    assert (res.requests["status"] == "ok").all()
    for rid in range(0, 100, 9):
        rc = tracing.root_cause(res, rid)
        assert rc.kind == "effect_failed"
        assert (rc.service, rc.operation, rc.status) == ("analytics", "consume order-placed", "error")
        assert rc.complete and np.isnan(rc.settled_at)   # a dead-lettered effect never settles
