"""Spans read off other rows are the spans that recording them would give.

Most spans are not recorded as they happen (``vetora_nb/engine/spans.py``):
a client's root span is its request's row, an acked publish span ends with
its event, a consume span that cannot fail is its delivery's row. With
``Recorder.DERIVE = False`` every span is recorded as it opens and closes;
the two must give identical frames, ids and order included, on every path:
each derived kind and every path that falls back to recording.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vetora_nb as vn
from vetora_nb.engine import spans as span_kinds
from vetora_nb.engine.recorder import Recorder


def _late_chain() -> vn.Architecture:
    """A plain consumer (derived), one that fails sometimes (recorded), one
    that drops the trace (recorded), and one that calls and publishes on
    (recorded, with publish spans under a consume span)."""
    a = vn.Architecture("kinds")
    a.add_service("api", workers=4, service_time=vn.Exponential(mean=0.008), queue_capacity=2)
    a.add_stream("first", partitions=2, append_latency=vn.Exponential(mean=0.02))
    a.add_service("plain", workers=2, service_time=vn.Exponential(mean=0.002))
    a.add_service("flaky", workers=1, service_time=vn.Exponential(mean=0.002), error_rate=0.3)
    a.add_service("untraced", workers=1, service_time=vn.Exponential(mean=0.002))
    a.add_service("worker", workers=2, service_time=vn.Exponential(mean=0.003))
    a.add_service("lookup", workers=1, service_time=vn.Exponential(mean=0.002))
    a.add_stream("second", partitions=1)
    a.add_service("sink", workers=1, service_time=vn.Exponential(mean=0.002))
    a.add_publish("api", "first")
    a.add_subscription("first", "plain")
    a.add_subscription("first", "flaky", max_attempts=2)
    a.add_subscription("first", "untraced", propagate_context=False)
    a.add_subscription("first", "worker", start_at=0.5)
    a.add_call("worker", "lookup", timeout=0.02, retries=1)
    a.add_publish("worker", "second")
    a.add_subscription("second", "sink", idempotent=True)
    a.entry = "api"
    return a


RR, ED = "request_response", "event_driven"
CASES = {
    # client roots answered, refused at a full queue, refused by an outage; calls and callees
    "rr_faults": (lambda: vn.scenarios.order_placed(RR, queue_capacity=3), 600,
                  [vn.Outage("orders", 0.8, 1.0), vn.Slowdown("inventory", 0.3, 0.9, factor=30.0)], {}),
    # publish spans acked and refused (broker down), consumers derived and crashed (recorded)
    "ed_broker_crash": (lambda: vn.scenarios.order_placed(ED), 300,
                        [vn.BrokerOutage(0.5, 0.7), vn.Outage("shipping", 1.0, 1.1)], {}),
    # a producer cut from its stream: publishes time out
    "ed_cut_producer": (lambda: vn.scenarios.single_service(style=ED), 100,
                        [vn.NetworkPartition("producer", "jobs", 0.5, 0.8)], {}),
    # every kind at once, the clock stopped with work in flight (open spans of each kind)
    "kinds_in_flight": (_late_chain, 400, [], {"drain": False}),
    "kinds_drained": (_late_chain, 400, [vn.ErrorRate("worker", 0.5, 1.0, rate=0.5)], {}),
    # a share of traces sampled
    "kinds_sampled": (_late_chain, 400, [], {"trace_sample": 0.3}),
}


def _run(case, derive: bool, monkeypatch):
    build, rate, faults, opts = CASES[case]
    monkeypatch.setattr(Recorder, "DERIVE", derive)
    res = vn.simulate(build(), vn.Traffic.poisson(rate), duration=1.5, faults=faults, seed=3, **opts)
    return res, np.bincount(np.array(res._rec.s_log, np.int64) & 3, minlength=4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_derived_spans_are_the_recorded_spans(case, monkeypatch):
    recorded, recorded_kinds = _run(case, False, monkeypatch)
    derived, derived_kinds = _run(case, True, monkeypatch)
    assert recorded_kinds[span_kinds.RECORDED] == recorded_kinds.sum() > 0   # the reference records all
    pd.testing.assert_frame_equal(derived.spans, recorded.spans, check_exact=True)
    # and nothing else moved
    for frame in ("requests", "events", "timeseries"):
        pd.testing.assert_frame_equal(getattr(derived, frame), getattr(recorded, frame), check_exact=True)
    assert derived_kinds[span_kinds.REQUEST] > 0   # every case has client roots read off their rows


def test_every_kind_and_every_fallback_is_exercised(monkeypatch):
    """The cases above reach each derived kind and each recorded fallback."""
    res, kinds = _run("kinds_in_flight", True, monkeypatch)
    assert all(kinds[k] > 0 for k in (span_kinds.RECORDED, span_kinds.REQUEST,
                                      span_kinds.CONSUME, span_kinds.PUBLISH))
    sp = res.spans
    open_ = sp[sp["status"] == "in_flight"]
    assert set(open_["operation"]) >= {"handle", "publish first", "consume first"}
    ops = set(sp["operation"])
    assert {"call lookup", "publish second", "consume second"} <= ops
    res, _ = _run("ed_broker_crash", True, monkeypatch)
    assert {"broker_unavailable", "crashed"} <= set(res.spans["status"])
    res, _ = _run("ed_cut_producer", True, monkeypatch)
    assert "timeout" in set(res.spans.loc[res.spans["operation"] == "publish jobs", "status"])
    res, _ = _run("rr_faults", True, monkeypatch)
    roots = res.spans[res.spans["parent_id"].isna()]
    assert {"ok", "rejected", "unavailable"} <= set(roots["status"])
