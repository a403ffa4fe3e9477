"""Event sourcing: replay reproduces the live state, temporal queries, late
consumers catching up, and retention limiting what can be replayed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import vetora_nb as vn
from vetora_nb.patterns import event_sourcing as es

TRAFFIC = vn.Traffic.poisson(rate=100, keys=40)
GROUPS = ["inventory", "shipping", "notifications", "analytics"]


@pytest.fixture(scope="module")
def ed():
    return vn.simulate(vn.scenarios.order_placed("event_driven"), TRAFFIC, duration=15, seed=5)


@pytest.fixture(scope="module")
def late():
    return es.late_consumer_experiment((10.0, 20.0, 30.0), retention=(None, 8.0), duration=35,
                                       rate=100, seed=3)


def test_replay_reproduces_every_live_state_exactly(ed):
    replayed = es.rebuild(ed, "order-placed")
    assert int(replayed["orders"].sum()) == ed.summary()["events_published"] > 1000
    for g in GROUPS:
        live = es.live_state(ed, "order-placed", g)
        pd.testing.assert_frame_equal(replayed, live)
        assert es.replay_matches_live(ed, "order-placed", g)


def test_replay_with_a_custom_fold(ed):
    def keys_in_order(prev, event):
        return (prev or ()) + (int(event.event_id),)

    replayed = es.rebuild(ed, "order-placed", fold=keys_in_order)
    live = es.live_state(ed, "order-placed", "shipping", fold=keys_in_order)
    assert list(replayed.columns) == ["state"]
    pd.testing.assert_frame_equal(replayed, live)
    # every key's events in the order they were appended
    log = es.event_log(ed, "order-placed")
    for key, ids in replayed["state"].items():
        assert list(ids) == list(log.loc[log["key"] == key, "event_id"])


def test_duplicates_break_a_non_idempotent_live_state_but_not_the_replay():
    crash = [vn.Outage("inventory", start=4.0, end=4.5), vn.Outage("inventory", start=7.0, end=7.2)]
    runs = {idem: vn.simulate(vn.scenarios.order_placed("event_driven", idempotent=idem), TRAFFIC,
                              duration=10, faults=crash, seed=2) for idem in (False, True)}
    plain = runs[False]
    dup = int(plain.events.loc[plain.events["group"] == "inventory", "duplicates"].sum())
    assert dup > 0
    replayed = es.rebuild(plain, "order-placed")
    counted = es.live_state(plain, "order-placed", "inventory", duplicates=True)
    assert int(counted["orders"].sum() - replayed["orders"].sum()) == dup
    assert not counted.equals(replayed)
    idem = runs[True]
    assert idem.events["duplicates"].sum() == 0
    pd.testing.assert_frame_equal(es.rebuild(idem, "order-placed"),
                                  es.live_state(idem, "order-placed", "inventory", duplicates=True))


def test_state_at_is_monotone_and_counts_the_log(ed):
    log = es.event_log(ed, "order-placed")
    prev = None
    for t in np.linspace(0, ed.duration + 1, 12):
        state = es.state_at(ed, "order-placed", float(t))
        total = int(state["orders"].sum()) if len(state) else 0
        assert total == int((log["published_at"] <= t).sum())
        if prev is not None:
            joined = prev["orders"].reindex(state.index, fill_value=0)
            assert (state["orders"] >= joined).all()
            assert set(prev.index) <= set(state.index)
        # a consumer is never ahead of the log
        live = es.live_state(ed, "order-placed", "inventory", until=float(t))
        assert (live["orders"] <= state["orders"].reindex(live.index)).all()
        prev = state
    pd.testing.assert_frame_equal(es.state_at(ed, "order-placed", 1e9), es.rebuild(ed, "order-placed"))


def test_offsets_replay_from_zero_in_partition_order(ed):
    log = es.event_log(ed, "order-placed")
    for _, part in log.groupby("partition"):
        assert list(part["offset"]) == list(range(len(part)))
        assert part["published_at"].is_monotonic_increasing


def test_late_group_catches_up_in_time_growing_with_the_log(late):
    full = late[late["retention"].isna()].sort_values("joined_at")
    assert (full["lost_to_retention"] == 0).all()
    assert (full["replayable"] == full["log_size"]).all()
    assert full["log_size"].is_monotonic_increasing and full["catch_up_time"].is_monotonic_increasing
    assert (full["orders_seen"] == full["orders_total"]).all() and full["matches_replay"].all()
    # the fluid estimate backlog / (capacity - arrivals), within 30%
    ratio = full["catch_up_time"] / full["predicted_catch_up"]
    assert ((ratio > 0.7) & (ratio < 1.3)).all(), ratio


def test_retention_limits_what_a_late_group_can_replay(late):
    kept = late[late["retention"] == 8.0].set_index("joined_at")
    full = late[late["retention"].isna()].set_index("joined_at")
    # retention 8 s: joining at 10 s loses what was appended before 2 s, and so on
    for t in (10.0, 20.0, 30.0):
        row = kept.loc[t]
        assert row["log_size"] == full.loc[t, "log_size"]
        assert row["lost_to_retention"] > 0
        assert row["orders_seen"] == row["orders_total"] - row["lost_to_retention"]
        assert row["matches_replay"]     # exactly the replay of what was still retained
    # the deleted history grows with how late the group joins; the replayable part does not
    assert kept["lost_to_retention"].is_monotonic_increasing
    assert kept["replayable"].max() - kept["replayable"].min() < 0.2 * kept["replayable"].mean()


def test_lost_to_retention_is_exactly_the_history_older_than_the_horizon():
    arch = es.event_sourced_architecture(late=(12.0,), retention=5.0)
    res = vn.simulate(arch, TRAFFIC, duration=15, seed=8)
    log = es.event_log(res, "orders-log")
    info = es.catch_up(res, "orders-log", "late-12s")
    assert info["lost_to_retention"] == int((log["published_at"] < 7.0).sum()) > 0
    assert info["replayable"] == int(((log["published_at"] >= 7.0) & (log["published_at"] < 12.0)).sum())
    pd.testing.assert_frame_equal(es.live_state(res, "orders-log", "late-12s"),
                                  es.rebuild(res, "orders-log", since=7.0))
    assert not es.rebuild(res, "orders-log").equals(es.live_state(res, "orders-log", "late-12s"))


def test_bad_input():
    res = vn.simulate(vn.scenarios.order_placed("ed"), TRAFFIC, duration=1, seed=1)
    with pytest.raises(KeyError, match="nope"):
        es.rebuild(res, "nope")
    with pytest.raises(KeyError, match="nope"):
        es.live_state(res, "order-placed", "nope")
    with pytest.raises(TypeError, match="until"):
        es.rebuild(res, "order-placed", until="soon")
