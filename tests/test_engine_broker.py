"""Event-driven semantics: the partitioned log and its consumer groups."""

import pandas as pd
import pytest

import vetora_nb as vn
from vetora_nb.engine.broker import partition_for


def _pipeline(partitions=4, workers=4, groups=("a",), error_rate=0.0, **sub):
    arch = vn.Architecture("pipeline")
    arch.add_service("producer", workers=64, service_time=vn.Constant(0.001))
    arch.add_stream("s", partitions=partitions)
    arch.add_publish("producer", "s")
    for g in groups:
        arch.add_service(g, workers=workers, service_time=vn.Exponential(mean=0.004), error_rate=error_rate)
        arch.add_subscription("s", g, **sub)
    arch.entry = "producer"
    return arch


def _run(arch, rate=100, duration=20, faults=(), seed=1, **kw):
    return vn.simulate(arch, vn.Traffic.poisson(rate, keys=50), duration=duration, faults=faults, seed=seed, **kw)


def test_a_key_always_lands_in_the_same_partition():
    ev = _run(_pipeline()).events
    assert (ev.groupby("key")["partition"].nunique() == 1).all()
    assert all(partition_for(k, 4) == p for k, p in zip(ev["key"], ev["partition"]))


def test_offsets_are_dense_and_in_publish_order_per_partition():
    ev = _run(_pipeline()).events.query("group == 'a'")
    for _, part in ev.groupby("partition"):
        part = part.sort_values("offset")
        assert part["offset"].tolist() == list(range(len(part)))
        assert part["published_at"].is_monotonic_increasing


def test_each_partition_is_processed_in_offset_order():
    ev = _run(_pipeline(workers=2, partitions=4), rate=300).events
    for _, part in ev.groupby(["group", "partition"]):
        assert part.sort_values("offset")["processed_at"].is_monotonic_increasing


def test_order_across_partitions_is_not_kept():
    ev = _run(_pipeline(partitions=4), rate=300).events
    by_publish = ev.sort_values("published_at")["processed_at"]
    assert not by_publish.is_monotonic_increasing


def test_every_group_gets_every_event():
    res = _run(_pipeline(groups=("a", "b", "c")))
    ev = res.events
    assert len(ev) == 3 * res.summary()["events_published"]
    assert (ev.groupby("event_id")["group"].nunique() == 3).all()
    assert (ev["outcome"] == "processed").all()


def test_instances_beyond_the_partition_count_sit_idle():
    """Six instances on four partitions behave exactly like four."""
    four = _run(_pipeline(partitions=4, workers=4), rate=400).events
    six = _run(_pipeline(partitions=4, workers=6), rate=400).events
    pd.testing.assert_frame_equal(four, six)
    eight_parts = _run(_pipeline(partitions=8, workers=6), rate=400).events
    assert (eight_parts["processed_at"] - eight_parts["published_at"]).mean() < \
        (six["processed_at"] - six["published_at"]).mean()


def test_failing_events_are_retried_then_dead_lettered():
    res = _run(_pipeline(max_attempts=3), faults=[vn.ErrorRate("a", 5, 10, rate=1.0)])
    ev = res.events
    dlq = ev[ev["outcome"] == "dlq"]
    assert len(dlq) > 0
    assert (dlq["attempts"] == 3).all()
    assert dlq["published_at"].between(4, 10.5).all()
    s = res.summary()
    assert s["events_dlq"] == len(dlq)
    assert s["events_processed"] + s["events_dlq"] == len(ev)
    assert res.metric("dlq_depth")["a"].iloc[-1] == len(dlq)


def test_a_consumer_crash_redelivers_uncommitted_events_as_duplicates():
    faults = [vn.Outage("a", 10.3, 12)]
    plain = _run(_pipeline(commit_interval=1.0), rate=200, faults=faults)
    assert plain.summary()["duplicates"] > 0
    assert plain.redelivered >= plain.summary()["duplicates"]
    idem = _run(_pipeline(commit_interval=1.0, idempotent=True), rate=200, faults=faults)
    assert idem.summary()["duplicates"] == 0
    assert idem.summary()["events_processed"] == plain.summary()["events_processed"]


def test_an_event_dead_lettered_then_redelivered_by_a_crash_is_settled_once():
    # Events dead-lettered while every try fails, then a crash before the
    # offsets were committed: they come again and now succeed. Each row keeps
    # its first outcome ('dlq': the copy is in the DLQ), the late success counts
    # as a duplicate, and the books still balance.
    faults = [vn.ErrorRate("a", 1, 2, rate=1.0), vn.Outage("a", 2.0, 3.0)]
    res = _run(_pipeline(max_attempts=2, retry_backoff=0.01, commit_interval=5.0), rate=100, duration=6,
               faults=faults)
    ev, s = res.events, res.summary()
    dlq = ev[ev["outcome"] == "dlq"]
    assert len(dlq) > 0 and (dlq["duplicates"] > 0).any()   # the case happened
    assert s["events_processed"] + s["events_dlq"] == len(ev) and s["events_pending"] == 0
    req = res.requests
    # settled exactly when no effect was dead-lettered
    assert req.loc[req["request_id"].isin(dlq["request_id"]), "settled_at"].isna().all()
    assert req.loc[~req["request_id"].isin(dlq["request_id"]), "settled_at"].notna().all()


def test_the_drain_waits_for_redeliveries_held_back_past_the_end_of_traffic():
    # The stream goes down, then the consumer crashes: events it had processed
    # but not committed come again — only once the stream is back, after the
    # traffic has ended. That redelivered work is part of the run: the drain
    # waits for it, and every span it opens is closed.
    faults = [vn.Outage("s", 2.75, 6.75), vn.Outage("a", 3.0, 4.0)]
    res = _run(_pipeline(commit_interval=2.0), rate=60, duration=6, faults=faults)
    assert res.summary()["duplicates"] > 0 and res.summary()["events_pending"] == 0
    assert res.end_time > 6.75
    assert (res.spans["status"] != "in_flight").all()


def test_consumer_lag_grows_during_an_outage_and_drains_after():
    res = _run(_pipeline(), rate=100, duration=30, faults=[vn.Outage("a", 10, 15)], sample_interval=0.1)
    lag = res.metric("consumer_lag")["a"]
    assert lag[(lag.index > 14) & (lag.index < 15)].min() > 300
    # before the outage lag is only what awaits the next commit: ~rate x commit_interval
    assert lag[lag.index < 9].max() < 2 * 100 * 0.5
    assert lag.iloc[-1] == 0
    assert res.summary()["events_pending"] == 0


def test_the_producer_pays_append_latency_but_not_consumer_time():
    arch = _pipeline()
    res = _run(arch)
    lat = res.requests["latency"]
    assert ((lat > 0.001 + 0.002 - 1e-9) & (lat < 0.001 + 0.002 + 1e-9)).all()


def test_a_broker_outage_makes_producers_retry_then_fail_visibly():
    res = _run(_pipeline(), faults=[vn.BrokerOutage(5, 8)])
    req = res.requests
    during = req[req["start"].between(5.2, 7.5)]
    assert (during["status"] == "broker_unavailable").all()
    assert (req[req["start"] < 4.9]["status"] == "ok").all()
    assert res.summary()["failed_publishes"] == (req["status"] == "broker_unavailable").sum()
    # a failed publish leaves no event behind: nothing half-published
    assert res.summary()["events_published"] == (req["status"] == "ok").sum()


def test_a_network_partition_between_producer_and_stream_times_out_appends():
    res = _run(_pipeline(), faults=[vn.NetworkPartition("producer", "s", 5, 8)])
    req, spans = res.requests, res.spans
    assert (req[req["start"].between(5.0, 5.5)]["status"] == "timeout").all()
    assert set(req["status"]) == {"ok", "timeout"}
    publishes = spans[spans["operation"] == "publish s"]
    inside = publishes[publishes["start"].between(5.0, 7.999)]
    assert len(inside) > 0 and (inside["status"] == "timeout").all()
    # while producers hang on the cut, their workers are held: the rest queue (backpressure)
    assert res.metric("queue_depth")["producer"].loc[6:8].max() > 0


def test_a_group_that_joins_late_replays_the_retained_history():
    arch = _pipeline(groups=("a",))
    arch.add_service("late", workers=4, service_time=vn.Exponential(mean=0.001))
    arch.add_subscription("s", "late", start_at=10.0, from_beginning=True)
    ev = _run(arch, rate=100, duration=20).events
    late = ev[ev["group"] == "late"]
    assert len(late) == (ev["group"] == "a").sum()
    assert late["processed_at"].min() >= 10.0


def test_retention_limits_what_a_late_group_can_replay():
    arch = vn.Architecture("r")
    arch.add_service("producer", workers=64, service_time=vn.Constant(0.001))
    arch.add_stream("s", partitions=2, retention=5.0)
    arch.add_publish("producer", "s")
    arch.add_service("late", workers=2, service_time=vn.Exponential(mean=0.001))
    arch.add_subscription("s", "late", start_at=10.0)
    arch.entry = "producer"
    ev = _run(arch, rate=100, duration=20).events
    assert ev["published_at"].min() >= 5.0 - 1e-9
    assert (ev["outcome"] == "processed").all()


@pytest.mark.parametrize("from_beginning", [False])
def test_a_late_group_reading_from_the_end_sees_only_new_events(from_beginning):
    arch = _pipeline(groups=())
    arch.add_service("late", workers=1, service_time=vn.Exponential(mean=0.001))
    arch.add_subscription("s", "late", start_at=10.0, from_beginning=from_beginning)
    ev = _run(arch, rate=100, duration=20).events
    assert ev["published_at"].min() >= 10.0
