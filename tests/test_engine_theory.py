"""The simulator held to queueing theory.

Each check runs several independent seeds and compares the mean of the
per-seed estimates with the closed form, within a 99.9% t-interval.
"""

import numpy as np
import pytest

import vetora_nb as vn
from vetora_nb import theory

from stats import assert_matches

SEEDS = range(12)
MU = 100.0  # service rate: mean service time 10 ms


def _runs(arch, rate, duration):
    return [vn.simulate(arch, vn.Traffic.poisson(rate), duration=duration, seed=s, sample_interval=1.0)
            for s in SEEDS]


def _event_sojourns(res):
    ev = res.events
    return (ev["processed_at"] - ev["published_at"]).to_numpy()


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_single_worker_service_is_mm1(rho):
    lam = rho * MU
    q = theory.mm1(lam, MU)
    runs = _runs(vn.scenarios.single_service(workers=1, mean_service_time=1 / MU), lam, 200)
    assert_matches([r.requests["latency"].mean() for r in runs], q.W, f"M/M/1 mean sojourn at rho={rho}")
    assert_matches([r.requests["latency"].quantile(0.9) for r in runs], q.sojourn_quantile(0.9),
                   f"M/M/1 p90 sojourn at rho={rho}")


@pytest.mark.parametrize("servers", [2, 4])
def test_multi_worker_service_is_mmc(servers):
    lam = 0.75 * servers * MU
    q = theory.mmc(lam, MU, servers)
    runs = _runs(vn.scenarios.single_service(workers=servers, mean_service_time=1 / MU), lam, 60)
    assert_matches([r.requests["latency"].mean() for r in runs], q.W, f"M/M/{servers} mean sojourn")
    assert_matches([r.requests["latency"].quantile(0.95) for r in runs], q.sojourn_quantile(0.95),
                   f"M/M/{servers} p95 sojourn")


def test_single_partition_consumer_group_is_mm1():
    lam = 0.8 * MU
    runs = _runs(vn.scenarios.single_service(workers=1, mean_service_time=1 / MU, style="event_driven"), lam, 200)
    assert_matches([_event_sojourns(r).mean() for r in runs], theory.mm1(lam, MU).W,
                   "single-partition group mean sojourn")


def _partition_prediction(res, duration):
    """Each partition is its own M/M/1 at the arrival rate it actually got
    (keys hash to partitions only approximately evenly)."""
    ev = res.events
    pred = 0.0
    for _, part in ev.groupby("partition"):
        pred += len(part) / len(ev) * theory.mm1(len(part) / duration, MU).W
    return pred


def test_partitioned_group_is_independent_mm1_queues_not_a_shared_mmc():
    P, duration = 4, 40
    lam = 0.75 * MU * P
    arch = vn.scenarios.single_service(workers=P, mean_service_time=1 / MU, style="event_driven", partitions=P)
    runs = _runs(arch, lam, duration)
    measured = [_event_sojourns(r).mean() / _partition_prediction(r, duration) for r in runs]
    assert_matches(measured, 1.0, "partitioned group sojourn / per-partition M/M/1 prediction")
    shared = theory.mmc(lam, MU, P).W
    assert np.mean([_event_sojourns(r).mean() for r in runs]) > 2 * shared, \
        "a partitioned group must wait far longer than a shared M/M/c queue"


def test_littles_law_holds_inside_a_run():
    lam = 150
    res = vn.simulate(vn.scenarios.single_service(workers=2, mean_service_time=1 / MU),
                      vn.Traffic.poisson(lam), duration=200, seed=3, sample_interval=0.05)
    in_system = res.metric("busy_workers")["server"] + res.metric("queue_depth")["server"]
    L = in_system[in_system.index < 200].mean()
    W = res.requests["latency"].mean()
    assert abs(L - lam * W) < 0.1 * lam * W


def test_backlog_after_outage_drains_as_theory_predicts():
    """A consumer down for T seconds builds a backlog of about lambda*T, which
    drains at capacity - lambda."""
    lam, down = 50.0, (10.0, 20.0)
    arch = vn.scenarios.single_service(workers=1, mean_service_time=1 / MU, style="event_driven")
    drains = []
    for s in SEEDS:
        res = vn.simulate(arch, vn.Traffic.poisson(lam), duration=60, seed=s, sample_interval=0.05,
                          faults=[vn.Outage("server", *down)])
        lag = res.metric("consumer_lag")["server"]
        backlog_cleared = lag[(lag.index > down[1]) & (lag <= 2)].index.min()
        drains.append(backlog_cleared - down[1])
    expected = theory.backlog_drain_time(theory.backlog_after_outage(lam, down[1] - down[0]), MU, lam)
    assert abs(np.mean(drains) - expected) < 0.25 * expected, (np.mean(drains), expected)
