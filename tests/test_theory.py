"""Tests for vetora_nb.theory: textbook values, internal consistency, input
validation and a Monte Carlo check of the M/M/c sojourn-time distribution."""

from __future__ import annotations

import heapq
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from vetora_nb import theory
from vetora_nb.theory import (
    availability_chain,
    backlog_after_outage,
    backlog_drain_time,
    erlang_c,
    littles_law,
    mm1,
    mmc,
    partitioned_consumers,
    utilization,
)

HEADLINE = ("rho", "L", "Lq", "W", "Wq", "p_wait")


def erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """Textbook Erlang C in exact rational arithmetic (no overflow, no rounding)."""
    a = Fraction(a)
    term = Fraction(1)  # a**k / k!
    head = Fraction(0)  # sum_{k < c} a**k / k!
    for k in range(c):
        head += term
        term = term * a / (k + 1)
    tail = term * c / (c - a)  # a**c / c! * c / (c - a)
    return tail / (head + tail)


# ---------------------------------------------------------------------------
# Textbook values
# ---------------------------------------------------------------------------

def test_utilization():
    assert utilization(8, 10) == pytest.approx(0.8)
    assert utilization(30, 10, servers=4) == pytest.approx(0.75)
    # rho >= 1 is a legitimate answer here: utilization itself is not a
    # steady-state quantity and must not refuse an overloaded system.
    assert utilization(12, 10) == pytest.approx(1.2)


def test_mm1_textbook_values():
    m = mm1(arrival_rate=8, service_rate=10)
    assert m.rho == pytest.approx(0.8)
    assert m.L == pytest.approx(4.0)
    assert m.Lq == pytest.approx(3.2)
    assert m.W == pytest.approx(0.5)
    assert m.Wq == pytest.approx(0.4)
    assert m.p_wait == pytest.approx(0.8)


def test_queue_metrics_is_frozen():
    m = mm1(8, 10)
    with pytest.raises(Exception):
        m.L = 0.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "c, a, expected",
    [
        (1, 0.5, 0.5),  # M/M/1: C = rho
        (2, 1.0, 1 / 3),
        (3, 2.0, 4 / 9),
        (2, 1.5, 9 / 14),
    ],
)
def test_erlang_c_known_values(c, a, expected):
    assert erlang_c(c, a) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("c", [1, 2, 3, 5, 10, 25, 60])
@pytest.mark.parametrize("rho", [Fraction(1, 10), Fraction(1, 2), Fraction(9, 10), Fraction(99, 100)])
def test_erlang_c_matches_exact_formula(c, rho):
    a = rho * c
    assert erlang_c(c, float(a)) == pytest.approx(float(erlang_c_exact(c, a)), rel=1e-10)


def test_erlang_c_zero_load_never_waits():
    assert erlang_c(4, 0.0) == 0.0


@pytest.mark.parametrize("c, a", [(500, 480), (500, 450), (1000, 990), (1000, 900)])
def test_erlang_c_stable_for_many_servers(c, a):
    # The naive a**c / c! form overflows a float far below c = 500.
    with pytest.raises(OverflowError):
        float(a) ** c
    value = erlang_c(c, a)
    assert 0.0 < value < 1.0
    assert value == pytest.approx(float(erlang_c_exact(c, Fraction(a))), rel=1e-9)


def test_erlang_c_monotone():
    # More load -> more waiting; more servers at the same load -> less waiting.
    loads = [erlang_c(10, a) for a in np.linspace(0.5, 9.9, 30)]
    assert all(x < y for x, y in zip(loads, loads[1:]))
    servers = [erlang_c(c, 8.0) for c in range(9, 40)]
    assert all(x > y for x, y in zip(servers, servers[1:]))


def test_mmc_textbook_values():
    m = mmc(arrival_rate=2, service_rate=1, servers=3)
    assert m.rho == pytest.approx(2 / 3)
    assert m.p_wait == pytest.approx(4 / 9)
    assert m.Wq == pytest.approx((4 / 9) / (3 - 2))
    assert m.Lq == pytest.approx((4 / 9) * (2 / 3) / (1 - 2 / 3))
    assert m.W == pytest.approx(4 / 9 + 1)
    assert m.L == pytest.approx(2 * (4 / 9 + 1))


def test_mmc_with_one_server_equals_mm1():
    a = mm1(7, 10)
    b = mmc(7, 10, 1)
    for name in HEADLINE:
        assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-12), name


def test_mmc_with_many_servers():
    m = mmc(arrival_rate=950, service_rate=1, servers=1000)
    assert m.rho == pytest.approx(0.95)
    for name in HEADLINE:
        assert math.isfinite(getattr(m, name))
    assert 0.0 < m.p_wait < 1.0
    assert m.W > 1.0


# ---------------------------------------------------------------------------
# Little's law and internal consistency
# ---------------------------------------------------------------------------

stable_mmc = st.tuples(
    st.floats(0.01, 50.0),  # service rate
    st.integers(1, 60),  # servers
    st.floats(0.01, 0.99),  # utilization
)


@settings(max_examples=200, deadline=None)
@given(stable_mmc)
def test_littles_law_holds_for_mmc(params):
    mu, c, rho = params
    lam = rho * c * mu
    m = mmc(lam, mu, c)
    assert m.L == pytest.approx(lam * m.W, rel=1e-9)
    assert m.Lq == pytest.approx(lam * m.Wq, rel=1e-9)
    assert m.Lq == pytest.approx(m.p_wait * m.rho / (1 - m.rho), rel=1e-9)
    # The mean number in service is the offered load.
    assert m.L - m.Lq == pytest.approx(lam / mu, rel=1e-9)
    assert 0.0 <= m.p_wait <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 50.0), st.floats(0.01, 0.99))
def test_littles_law_holds_for_mm1(mu, rho):
    lam = rho * mu
    m = mm1(lam, mu)
    assert m.L == pytest.approx(lam * m.W, rel=1e-12)
    assert m.Lq == pytest.approx(lam * m.Wq, rel=1e-12)
    assert m.L == pytest.approx(rho / (1 - rho), rel=1e-9)
    assert m.W == pytest.approx(m.Wq + 1 / mu, rel=1e-9)


def test_littles_law_each_direction():
    assert littles_law(arrival_rate=200, time_in_system=0.05) == pytest.approx(10.0)
    assert littles_law(arrival_rate=200, number_in_system=10) == pytest.approx(0.05)
    assert littles_law(time_in_system=0.05, number_in_system=10) == pytest.approx(200.0)
    assert littles_law(arrival_rate=0, time_in_system=3) == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"arrival_rate": 1.0},
        {"time_in_system": 1.0},
        {"arrival_rate": 1.0, "time_in_system": 2.0, "number_in_system": 2.0},
    ],
)
def test_littles_law_needs_exactly_two(kwargs):
    with pytest.raises(ValueError, match="exactly two"):
        littles_law(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"arrival_rate": 0, "number_in_system": 5}, "arrival_rate"),
        ({"time_in_system": 0, "number_in_system": 5}, "time_in_system"),
        ({"arrival_rate": -1, "time_in_system": 5}, "arrival_rate"),
        ({"arrival_rate": 1, "number_in_system": -5}, "number_in_system"),
    ],
)
def test_littles_law_rejects_bad_values(kwargs, name):
    with pytest.raises(ValueError, match=name):
        littles_law(**kwargs)


# ---------------------------------------------------------------------------
# Waiting-time and sojourn-time distributions
# ---------------------------------------------------------------------------

def test_mm1_waiting_quantile():
    m = mm1(8, 10)
    # 20% of arrivals find the server idle and wait 0.
    assert m.waiting_quantile(0.0) == 0.0
    assert m.waiting_quantile(0.2) == 0.0
    assert m.waiting_quantile(0.5) == pytest.approx(math.log(0.8 / 0.5) / 2)
    assert m.waiting_quantile(0.99) == pytest.approx(math.log(80) / 2)


@pytest.mark.parametrize("q", [0.6, 0.9, 0.99, 0.9999])
def test_mmc_waiting_quantile_inverts_survival(q):
    m = mmc(2, 1, 3)
    t = m.waiting_quantile(q)
    assert t > 0
    assert m.waiting_survival(t) == pytest.approx(1 - q, rel=1e-12)


def test_mm1_sojourn_quantile_is_exponential():
    m = mm1(8, 10)
    assert m.sojourn_quantile(0.5) == pytest.approx(math.log(2) / 2, rel=1e-12)
    assert m.sojourn_quantile(0.99) == pytest.approx(math.log(100) / 2, rel=1e-12)
    assert m.sojourn_quantile(0.0) == 0.0


@pytest.mark.parametrize("q", [1e-6, 0.1, 0.5, 0.9, 0.99, 0.999999])
@pytest.mark.parametrize("lam, mu", [(8, 10), (0.3, 1), (99, 100)])
def test_mmc_one_server_sojourn_quantile_matches_exponential(lam, mu, q):
    # mmc() always inverts the CDF numerically; with c = 1 it must agree with
    # the M/M/1 closed form -ln(1 - q) / (mu - lambda).
    assert mmc(lam, mu, 1).sojourn_quantile(q) == pytest.approx(
        -math.log1p(-q) / (mu - lam), rel=1e-9
    )


@pytest.mark.parametrize(
    "lam, mu, c",
    [(2, 1, 3), (1, 1, 2), (3.2, 1, 4), (0.5, 2, 5), (45, 1, 50), (950, 1, 1000)],
)
@pytest.mark.parametrize("q", [0.01, 0.5, 0.9, 0.99, 0.999])
def test_mmc_sojourn_quantile_precision(lam, mu, c, q):
    m = mmc(lam, mu, c)
    t = m.sojourn_quantile(q)
    # The root is bracketed to better than 1e-9 relative.
    assert m.sojourn_survival(t * (1 - 1e-9)) > 1 - q > m.sojourn_survival(t * (1 + 1e-9))


@settings(max_examples=100, deadline=None)
@given(stable_mmc, st.lists(st.floats(1e-6, 1 - 1e-6), min_size=2, max_size=8, unique=True))
def test_mmc_sojourn_quantile_monotone_in_q(params, qs):
    mu, c, rho = params
    m = mmc(rho * c * mu, mu, c)
    qs = sorted(qs)
    ts = [m.sojourn_quantile(q) for q in qs]
    assert all(x <= y for x, y in zip(ts, ts[1:]))
    assume(qs[-1] - qs[0] > 1e-3)
    assert ts[0] < ts[-1]


def test_sojourn_quantile_bounds():
    # T = Wq + S with Wq >= 0, so the sojourn quantile is at least the
    # quantile of the service time alone.
    m = mmc(2, 1, 3)
    for q in (0.1, 0.5, 0.9, 0.99):
        assert m.sojourn_quantile(q) >= -math.log1p(-q) / m.service_rate


def test_sojourn_survival_equal_rate_case_is_continuous():
    # c mu - lambda == mu (here 2*1 - 1 == 1) uses the limiting form; it must
    # match the general formula just either side of the singular point.
    exact = mmc(1.0, 1.0, 2)
    below = mmc(1.0 - 1e-7, 1.0, 2)
    above = mmc(1.0 + 1e-7, 1.0, 2)
    for t in (0.0, 0.1, 1.0, 5.0, 30.0):
        s = exact.sojourn_survival(t)
        assert below.sojourn_survival(t) == pytest.approx(s, rel=1e-5, abs=1e-300)
        assert above.sojourn_survival(t) == pytest.approx(s, rel=1e-5, abs=1e-300)
    assert exact.sojourn_survival(1.0) == pytest.approx(math.exp(-1) * (1 + 1 / 3))


def test_sojourn_survival_mean_matches_W():
    # E[T] = integral of P(T > t) dt must equal W.
    for lam, mu, c in [(2, 1, 3), (1, 1, 2), (3.2, 1, 4), (0.5, 2, 5)]:
        m = mmc(lam, mu, c)
        t = np.linspace(0.0, 60.0 / min(mu, c * mu - lam), 4001)
        s = np.array([m.sojourn_survival(x) for x in t])
        mean = float(np.sum((s[1:] + s[:-1]) / 2 * np.diff(t)))
        assert mean == pytest.approx(m.W, rel=1e-4)


# ---------------------------------------------------------------------------
# Monte Carlo: the closed forms against a tiny FCFS M/M/c simulation
# ---------------------------------------------------------------------------

def simulate_mmc(lam, mu, c, n, seed, warmup=5_000):
    """Waiting and sojourn times of n FCFS customers in an M/M/c queue.

    Customers are served in arrival order by whichever server frees up
    first; a heap holds each server's next free time. The first `warmup`
    customers (who met an initially empty system) are dropped.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / lam, n)).tolist()
    services = rng.exponential(1.0 / mu, n).tolist()
    free = [0.0] * c
    wait = [0.0] * n
    for i in range(n):
        a = arrivals[i]
        start = free[0] if free[0] > a else a
        heapq.heapreplace(free, start + services[i])
        wait[i] = start - a
    wait = np.asarray(wait[warmup:])
    return wait, wait + np.asarray(services[warmup:])


# Tolerances are about four standard deviations of each statistic, measured
# over repeated runs of exactly this set-up (3 x 200k customers); the rho = 0.8
# case is the noisiest because its busy periods are long.
SOJOURN_QUANTILE_RTOL = {0.5: 0.03, 0.9: 0.05, 0.99: 0.08}
SOJOURN_CDF_ATOL = {0.5: 0.012, 0.9: 0.012, 0.99: 0.005}
WAITING_QUANTILE_RTOL = {0.9: 0.08, 0.99: 0.13}


@pytest.mark.slow
@pytest.mark.parametrize(
    "lam, mu, c",
    [
        (2.0, 1.0, 3),  # rho = 2/3
        (1.0, 1.0, 2),  # c mu - lambda == mu: the limiting form
        (3.2, 1.0, 4),  # rho = 0.8
    ],
)
def test_mmc_distributions_match_simulation(lam, mu, c):
    m = mmc(lam, mu, c)
    runs = [simulate_mmc(lam, mu, c, 200_000, seed) for seed in (1, 2, 3)]
    wait = np.concatenate([w for w, _ in runs])
    sojourn = np.concatenate([t for _, t in runs])
    assert sojourn.mean() == pytest.approx(m.W, rel=0.04)
    assert wait.mean() == pytest.approx(m.Wq, rel=0.09)
    # The fraction of arrivals that wait at all is the Erlang C probability.
    assert np.mean(wait > 0) == pytest.approx(m.p_wait, abs=0.012)
    for q, rtol in SOJOURN_QUANTILE_RTOL.items():
        theory_q = m.sojourn_quantile(q)
        assert np.quantile(sojourn, q) == pytest.approx(theory_q, rel=rtol), q
        # Equivalently, the simulated CDF at the theoretical quantile is q.
        assert np.mean(sojourn <= theory_q) == pytest.approx(q, abs=SOJOURN_CDF_ATOL[q]), q
    for q, rtol in WAITING_QUANTILE_RTOL.items():
        assert np.quantile(wait, q) == pytest.approx(m.waiting_quantile(q), rel=rtol), q
    # Below the no-wait mass, every waiting quantile is exactly zero.
    assert np.quantile(wait, (1 - m.p_wait) * 0.9) == 0.0
    assert m.waiting_quantile((1 - m.p_wait) * 0.9) == 0.0


# ---------------------------------------------------------------------------
# Backlogs
# ---------------------------------------------------------------------------

def test_backlog_drain_time():
    assert backlog_drain_time(60_000, capacity=125, arrival_rate=100) == pytest.approx(2400.0)
    assert backlog_drain_time(500, capacity=10, arrival_rate=0) == pytest.approx(50.0)


@pytest.mark.parametrize("capacity, arrival_rate", [(100, 100), (90, 100), (1e-9, 5)])
def test_backlog_drain_time_is_inf_when_capacity_does_not_exceed_arrivals(capacity, arrival_rate):
    assert backlog_drain_time(1000, capacity=capacity, arrival_rate=arrival_rate) == math.inf


def test_empty_backlog_drains_immediately():
    assert backlog_drain_time(0, capacity=10, arrival_rate=5) == 0.0
    assert backlog_drain_time(0, capacity=5, arrival_rate=10) == 0.0


def test_backlog_after_outage_then_drain():
    backlog = backlog_after_outage(arrival_rate=100, outage_duration=600)
    assert backlog == pytest.approx(60_000)
    assert backlog_after_outage(arrival_rate=0, outage_duration=600) == 0.0
    assert backlog_drain_time(backlog, 200, 100) == pytest.approx(600.0)


# ---------------------------------------------------------------------------
# Partitioned consumer groups
# ---------------------------------------------------------------------------

def round_robin_busiest(partitions, instances):
    owned = [sum(1 for p in range(partitions) if p % instances == i) for i in range(instances)]
    return max(owned)


def test_partitioned_one_instance_per_partition():
    r = partitioned_consumers(32, 10, partitions=4, instances=4)
    assert r.active_instances == 4
    assert r.idle_instances == 0
    assert r.per_partition_arrival_rate == pytest.approx(8.0)
    assert r.busiest_partitions == 1
    assert r.rho == pytest.approx(0.8)
    per_partition = mm1(8, 10)
    for name in HEADLINE:
        assert getattr(r.metrics, name) == pytest.approx(getattr(per_partition, name))
    # The pooled queue with the same four instances is much better.
    pooled = mmc(32, 10, 4)
    assert r.mmc_equivalent.Wq == pytest.approx(pooled.Wq)
    assert r.mmc_equivalent.Wq < r.metrics.Wq / 4


def test_partitioned_more_instances_than_partitions_leaves_some_idle():
    r = partitioned_consumers(16, 10, partitions=2, instances=5)
    assert r.active_instances == 2
    assert r.idle_instances == 3
    assert r.per_partition_arrival_rate == pytest.approx(8.0)
    assert r.metrics.rho == pytest.approx(0.8)
    # Idle instances do not help the partitioned group, but would help a
    # shared queue.
    assert r.mmc_equivalent.servers == 5
    assert r.mmc_equivalent.rho == pytest.approx(16 / 50)


def test_partitioned_fewer_instances_than_partitions():
    # 10 partitions round-robin over 4 instances: 0 -> {0,4,8}, 1 -> {1,5,9},
    # 2 -> {2,6}, 3 -> {3,7}. The busiest instance takes 3/10 of the traffic.
    r = partitioned_consumers(20, 10, partitions=10, instances=4)
    assert r.active_instances == 4
    assert r.idle_instances == 0
    assert r.per_partition_arrival_rate == pytest.approx(2.0)
    assert r.busiest_partitions == 3
    assert r.busiest_arrival_rate == pytest.approx(6.0)
    assert r.rho == pytest.approx(0.6)
    expected = mm1(6, 10)
    for name in HEADLINE:
        assert getattr(r.metrics, name) == pytest.approx(getattr(expected, name))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 64),
    st.integers(1, 64),
    st.floats(0.01, 0.95),
    st.floats(0.1, 100.0),
)
def test_partitioned_properties(partitions, instances, load, mu):
    busiest = round_robin_busiest(partitions, instances)
    # Choose lambda so the busiest instance runs at utilization `load`.
    lam = load * mu * partitions / busiest
    r = partitioned_consumers(lam, mu, partitions, instances)
    assert r.busiest_partitions == busiest
    assert r.active_instances == min(partitions, instances)
    assert r.active_instances + r.idle_instances == instances
    assert r.rho == pytest.approx(load)
    assert r.metrics.rho == pytest.approx(r.rho)
    # Pooling never hurts: a shared queue over the same fleet waits no longer.
    assert r.mmc_equivalent.Wq <= r.metrics.Wq * (1 + 1e-9)
    assert r.mmc_equivalent.rho <= r.rho * (1 + 1e-9)


def test_partitioned_unstable_busiest_instance_raises_even_if_pool_is_stable():
    # 4 partitions on 3 instances: one instance owns 2 partitions, i.e. half
    # the traffic (12.5/s against 10/s capacity), while 3 pooled instances
    # would only run at 25/30.
    with pytest.raises(ValueError, match="unstable"):
        partitioned_consumers(25, 10, partitions=4, instances=3)


# ---------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------

def test_availability_chain():
    assert availability_chain(0.999, 0.999, 0.999) == pytest.approx(0.999**3)
    assert availability_chain(0.99) == pytest.approx(0.99)
    assert availability_chain() == 1.0
    assert availability_chain(1, 0.5, 0) == 0.0
    assert availability_chain(1.0, 1.0) == 1.0


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------

def test_error_message_names_parameter_and_value():
    with pytest.raises(ValueError, match=r"^arrival_rate must be > 0, got -1$"):
        mm1(-1, 10)


_m = mm1(8, 10)
_c = mmc(2, 1, 3)

BAD_INPUTS = [
    (utilization, (-1, 10), {}, "arrival_rate"),
    (utilization, (8, 0), {}, "service_rate"),
    (utilization, (8, 10), {"servers": 0}, "servers"),
    (utilization, (8, 10), {"servers": 2.5}, "servers"),
    (utilization, (8, 10), {"servers": True}, "servers"),
    (mm1, (0, 10), {}, "arrival_rate"),
    (mm1, (float("nan"), 10), {}, "arrival_rate"),
    (mm1, (8, float("inf")), {}, "service_rate"),
    (mm1, ("8", 10), {}, "arrival_rate"),
    (mm1, (8, None), {}, "service_rate"),
    (erlang_c, (0, 0.5), {}, "servers"),
    (erlang_c, (-2, 0.5), {}, "servers"),
    (erlang_c, (2, -0.5), {}, "offered_load"),
    (mmc, (-1, 1, 3), {}, "arrival_rate"),
    (mmc, (2, -1, 3), {}, "service_rate"),
    (mmc, (2, 1, 0), {}, "servers"),
    (mmc, (2, 1, 3.0), {}, "servers"),
    (_m.sojourn_quantile, (1.0,), {}, "q"),
    (_m.sojourn_quantile, (-0.1,), {}, "q"),
    (_c.sojourn_quantile, (1.5,), {}, "q"),
    (_c.waiting_quantile, (float("nan"),), {}, "q"),
    (_c.sojourn_survival, (-1.0,), {}, "t"),
    (_c.waiting_survival, (-1.0,), {}, "t"),
    (backlog_drain_time, (-1, 10, 5), {}, "backlog"),
    (backlog_drain_time, (100, 0, 5), {}, "capacity"),
    (backlog_drain_time, (100, 10, -5), {}, "arrival_rate"),
    (backlog_after_outage, (-1, 60), {}, "arrival_rate"),
    (backlog_after_outage, (100, -60), {}, "outage_duration"),
    (partitioned_consumers, (-1, 10, 4, 4), {}, "arrival_rate"),
    (partitioned_consumers, (8, 0, 4, 4), {}, "service_rate"),
    (partitioned_consumers, (8, 10, 0, 4), {}, "partitions"),
    (partitioned_consumers, (8, 10, 4, 0), {}, "instances"),
    (availability_chain, (0.9, 1.2), {}, r"availabilities\[1\]"),
    (availability_chain, (-0.1,), {}, r"availabilities\[0\]"),
    (availability_chain, ([0.9, 0.9],), {}, r"availabilities\[0\]"),
]


@pytest.mark.parametrize(
    "func, args, kwargs, name",
    BAD_INPUTS,
    ids=[f"{f.__name__}-{name.replace(chr(92), '')}-{i}" for i, (f, _, _, name) in enumerate(BAD_INPUTS)],
)
def test_bad_inputs_raise_value_error_naming_parameter(func, args, kwargs, name):
    with pytest.raises(ValueError, match=name):
        func(*args, **kwargs)


def test_integer_like_servers_accepted():
    assert mmc(2, 1, np.int64(3)).servers == 3


@pytest.mark.parametrize(
    "call",
    [
        lambda: mm1(10, 10),
        lambda: mm1(11, 10),
        lambda: mmc(3, 1, 3),
        lambda: mmc(30, 1, 2),
        lambda: erlang_c(3, 3.0),
        lambda: erlang_c(3, 4.0),
        lambda: partitioned_consumers(50, 10, partitions=4, instances=4),
    ],
)
def test_unstable_queue_raises(call):
    with pytest.raises(ValueError, match="unstable"):
        call()


def test_public_names():
    for name in theory.__all__:
        assert hasattr(theory, name)
