"""CQRS read models: stale reads vs consumer lag, read-your-writes, and the
write latency a synchronous read model costs instead."""

from __future__ import annotations

import math

import numpy as np
import pytest

import vetora_nb as vn
from vetora_nb.patterns import consistency

KEYS = 50
TRAFFIC = vn.Traffic.poisson(rate=100, keys=KEYS)
SEEDS = (0, 1)


def _run(style, factor=1.0, seed=0, duration=15):
    faults = [vn.Slowdown("inventory", 0, math.inf, factor)] if factor != 1 else []
    return vn.simulate(vn.scenarios.order_placed(style), TRAFFIC, duration=duration, faults=faults, seed=seed)


@pytest.fixture(scope="module")
def ed_runs():
    return {(f, s): _run("event_driven", f, s) for f in (1.0, 3.0) for s in SEEDS}


@pytest.fixture(scope="module")
def rr_run():
    return _run("request_response", 3.0, 0)


def test_rr_reads_are_never_stale(rr_run):
    writes = consistency.write_log(rr_run, "inventory")
    assert (writes["path"] == "synchronous").all() and len(writes) > 1000
    # measured, not assumed: the updater's span ends before the ack
    assert (writes["applied_at"] <= writes["acked_at"]).all()
    assert (writes["applied_at"] < writes["acked_at"]).mean() > 0.99
    reads = consistency.read_model_staleness(rr_run, "inventory", read_rate=400, seed=3)
    assert len(reads) > 5000
    assert not reads["stale"].any() and (reads["staleness"] == 0).all() and (reads["missing"] == 0).all()
    assert consistency.expected_stale_fraction(rr_run, "inventory") == 0.0


def test_stale_reads_rise_with_consumer_lag(ed_runs):
    frac = {}
    for (factor, seed), res in ed_runs.items():
        reads = consistency.read_model_staleness(res, "inventory", read_rate=400, seed=seed)
        n = len(reads)
        p = reads["stale"].mean()
        # Given the run, reads are independent uniform samples of (time, key):
        # the stale share is binomial around the exact covered share.
        expected = consistency.expected_stale_fraction(res, "inventory")
        assert abs(p - expected) <= 4 * math.sqrt(expected * (1 - expected) / n) + 1e-12
        frac[factor, seed] = (p, n)
        assert (reads.loc[reads["stale"], "staleness"] > 0).all()
        assert (reads.loc[~reads["stale"], "staleness"] == 0).all()
    for seed in SEEDS:
        (p1, n1), (p3, n3) = frac[1.0, seed], frac[3.0, seed]
        se = math.sqrt(p1 * (1 - p1) / n1 + p3 * (1 - p3) / n3)
        assert p3 - p1 > 4 * se
        assert p1 > 0


def test_staleness_matches_a_brute_force_reading_of_the_definition(ed_runs):
    res = ed_runs[3.0, 0]
    reads = consistency.read_model_staleness(res, "inventory", read_rate=100, seed=9)
    writes = consistency.write_log(res, "inventory")
    acked = writes["acked_at"].to_numpy()
    applied = writes["applied_at"].to_numpy()
    wkeys = writes["key"].to_numpy()
    for r in reads.iloc[:400].itertuples():
        newest = -1.0
        count = 0
        for a, b, k in zip(acked, applied, wkeys):
            if k == r.key and a <= r.time < b:
                count += 1
                newest = max(newest, a)
        assert r.stale == (count > 0) and r.missing == count
        assert r.staleness == pytest.approx(r.time - newest if count else 0.0, abs=1e-12)


def test_write_log_applies_at_processed_at(ed_runs):
    res = ed_runs[1.0, 0]
    writes = consistency.write_log(res, "inventory").set_index("request_id")
    ev = res.events[res.events["group"] == "inventory"].set_index("request_id")
    assert (writes["path"] == "event").all()
    np.testing.assert_array_equal(writes["applied_at"], ev.loc[writes.index, "processed_at"])
    # an event is delivered after it is appended, and the ack comes right after the append
    assert (writes["apply_delay"] > 0).all()


def test_read_your_writes(ed_runs, rr_run):
    for d in (0.0, 0.01, 0.1):
        assert consistency.read_your_writes(rr_run, "inventory", delay=d) == 0.0
    res = ed_runs[1.0, 0]
    # the event is delivered 5 ms after its append: nobody sees their write at once
    assert consistency.read_your_writes(res, "inventory", delay=0.0) == 1.0
    curve = consistency.read_your_writes_curve(res, "inventory", [0, 0.005, 0.01, 0.02, 0.05, 0.2])
    assert (np.diff(curve["missed"]) <= 0).all()
    assert curve["missed"].iloc[-1] < 0.01 < curve["missed"].iloc[2]
    gap = consistency.write_log(res, "inventory")["apply_delay"]
    for d, missed in zip(curve["delay"], curve["missed"]):
        assert missed == pytest.approx((gap > d).mean())
    # a slower consumer keeps more writers from seeing their own write
    slow = ed_runs[3.0, 0]
    slow_missed = consistency.read_your_writes(slow, "inventory", 0.02)
    assert slow_missed > consistency.read_your_writes(res, "inventory", 0.02)


def test_synchronous_read_model_pays_in_write_latency():
    table = consistency.write_latency_tradeoff((1.0, 3.0), duration=10, seed=2).set_index(["style", "factor"])
    ed1, ed3 = table.loc[("event_driven", 1.0)], table.loc[("event_driven", 3.0)]
    sy1, sy3 = table.loc[("synchronous", 1.0)], table.loc[("synchronous", 3.0)]
    # the event-driven writer never waits for the read model: same seed, same write latencies
    assert ed1["write_p99"] == ed3["write_p99"]
    assert sy1["write_p99"] > ed1["write_p99"] and sy3["write_p99"] > 1.5 * sy1["write_p99"]
    # ... and the synchronous one is never stale, while the event-driven one is
    assert sy1["stale_fraction"] == sy3["stale_fraction"] == 0.0
    assert sy1["read_your_writes_missed"] == sy3["read_your_writes_missed"] == 0.0
    assert ed3["stale_fraction"] > ed1["stale_fraction"] > 0


def test_synchronous_variant_replaces_the_subscription():
    ed = vn.scenarios.order_placed("event_driven")
    sync = consistency.synchronous_variant(ed, "inventory")
    assert sync.graph.edges["orders", "inventory"]["kind"] == "call"
    assert not sync.graph.has_edge("order-placed", "inventory")
    assert sorted(sync.subscribers("order-placed")) == ["analytics", "notifications", "shipping"]
    assert ed.graph.has_edge("order-placed", "inventory")  # the original is untouched
    with pytest.raises(KeyError, match="inventory"):
        consistency.synchronous_variant(vn.scenarios.order_placed("rr"), "inventory")


def test_stale_fraction_vs_lag_table():
    t = consistency.stale_fraction_vs_lag((1.0, 4.0), duration=5, read_rate=200)
    assert list(t["factor"]) == [1.0, 4.0]
    assert t["mean_apply_delay"].is_monotonic_increasing
    assert t["stale_fraction"].iloc[1] > t["stale_fraction"].iloc[0]
    rr = consistency.stale_fraction_vs_lag((1.0, 4.0), style="request_response", duration=3)
    assert (rr["stale_fraction"] == 0).all() and (rr["mean_consumer_lag"] == 0).all()


def test_bad_input_names_the_parameter(ed_runs):
    res = ed_runs[1.0, 0]
    with pytest.raises(ValueError, match="read_rate"):
        consistency.read_model_staleness(res, "inventory", read_rate=0)
    with pytest.raises(KeyError, match="nope"):
        consistency.write_log(res, "nope")
    with pytest.raises(ValueError, match="delay"):
        consistency.read_your_writes(res, "inventory", delay=-1)
