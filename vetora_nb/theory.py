"""Closed forms from queueing theory.

The simulators in this package produce numbers; this module says what those
numbers *should* be when the textbook assumptions hold. Notebooks use it to
put a theory line next to a simulated curve, and tests use it to hold the
simulator to account.

Conventions used throughout:

* times are in seconds and rates are per second;
* ``arrival_rate`` is lambda (events arriving per second, Poisson);
* ``service_rate`` is mu (events one server finishes per second when busy,
  exponential service times, so the mean service time is ``1 / mu``);
* ``servers`` is c, the number of servers sharing one FIFO queue.

Every steady-state quantity needs a stable queue, ``rho = lambda / (c mu) < 1``:
if work arrives at least as fast as it can be done, the queue grows without
bound and there is no steady state to describe. Those functions raise
``ValueError`` instead of returning a meaningless number. Bad arguments also
raise ``ValueError``, and the message names the offending parameter.

Symbols in :class:`QueueMetrics` follow the usual textbook names:

==========  ===========================================================
``rho``     utilization, the fraction of time a server is busy
``L``       mean number of events in the system (waiting + in service)
``Lq``      mean number of events waiting in the queue
``W``       mean sojourn time: waiting time plus service time
``Wq``      mean waiting time before service starts
``p_wait``  probability that an arriving event has to wait at all
==========  ===========================================================

>>> m = mm1(arrival_rate=8, service_rate=10)
>>> (m.rho, m.L, m.W)
(0.8, 4.0, 0.5)
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass

__all__ = [
    "QueueMetrics",
    "PartitionedConsumers",
    "utilization",
    "mm1",
    "erlang_c",
    "mmc",
    "littles_law",
    "backlog_drain_time",
    "backlog_after_outage",
    "partitioned_consumers",
    "availability_chain",
]


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------

def _real(name: str, value) -> float:
    """Return ``value`` as a finite float, or raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _positive(name: str, value) -> float:
    value = _real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value:g}")
    return value


def _non_negative(name: str, value) -> float:
    value = _real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value:g}")
    return value


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    try:
        as_int = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if as_int < 1:
        raise ValueError(f"{name} must be a positive integer, got {as_int}")
    return as_int


def _probability_level(name: str, value) -> float:
    """A quantile level: 0 <= q < 1 (q = 1 would be an infinite time)."""
    value = _real(name, value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value:g}")
    return value


def _require_stable(rho: float, what: str = "the queue") -> None:
    if rho >= 1.0:
        raise ValueError(
            f"{what} is unstable: rho = {rho:g} >= 1, so work arrives at least "
            "as fast as it can be served, the queue grows without bound and "
            "there is no steady state"
        )


# ---------------------------------------------------------------------------
# Queue metrics
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state metrics of an M/M/1 or M/M/c queue.

    Build one with :func:`mm1` or :func:`mmc` rather than by hand. The six
    headline numbers are ``rho, L, Lq, W, Wq, p_wait`` (see the module
    docstring); the remaining fields record the queue they describe so that
    the distribution methods below can be evaluated.

    Waiting time in M/M/1 and M/M/c has a simple shape: with probability
    ``1 - p_wait`` an arrival finds a free server and waits exactly 0; with
    probability ``p_wait`` it waits an exponential time with rate
    ``c*mu - lambda`` (the rate at which the backlog ahead of it clears).

    >>> m = mm1(8, 10)
    >>> round(m.waiting_quantile(0.5), 3)   # half of all arrivals wait < 0.235 s
    0.235
    """

    rho: float
    L: float
    Lq: float
    W: float
    Wq: float
    p_wait: float
    arrival_rate: float
    service_rate: float
    servers: int
    model: str = "M/M/c"

    @property
    def _drain_rate(self) -> float:
        """c*mu - lambda: the rate of the exponential conditional wait."""
        return self.servers * self.service_rate - self.arrival_rate

    # -- waiting time (before service starts) ------------------------------

    def waiting_survival(self, t: float) -> float:
        """P(Wq > t): the probability an arrival waits longer than ``t``.

        ``P(Wq > t) = p_wait * exp(-(c*mu - lambda) * t)`` for ``t >= 0``.

        >>> mm1(8, 10).waiting_survival(0)     # = p_wait = rho for M/M/1
        0.8
        """
        t = _non_negative("t", t)
        return self.p_wait * math.exp(-self._drain_rate * t)

    def waiting_quantile(self, q: float) -> float:
        """The time ``t`` with ``P(Wq <= t) = q``.

        Because a fraction ``1 - p_wait`` of arrivals do not wait at all, every
        quantile up to that level is 0. Above it,
        ``t = ln(p_wait / (1 - q)) / (c*mu - lambda)``.

        >>> mm1(8, 10).waiting_quantile(0.1)   # 20% never wait, so p10 is 0
        0.0
        >>> round(mm1(8, 10).waiting_quantile(0.99), 4)   # ln(0.8 / 0.01) / 2
        2.191
        """
        q = _probability_level("q", q)
        if q <= 1.0 - self.p_wait:
            return 0.0
        return math.log(self.p_wait / (1.0 - q)) / self._drain_rate

    # -- sojourn time (waiting + service) ----------------------------------

    def sojourn_survival(self, t: float) -> float:
        """P(T > t) where T = Wq + S is the time from arrival to departure.

        S ~ Exp(mu) is the event's own service time, independent of Wq. With
        ``d = c*mu - lambda`` and ``C = p_wait``::

            P(T > t) = e^(-mu t) + C mu (e^(-mu t) - e^(-d t)) / (d - mu)

        which equals ``e^(-mu t) [1 + C mu/(d - mu) (1 - e^(-(d - mu) t))]``;
        when ``d == mu`` the fraction tends to ``t``, giving
        ``e^(-mu t) (1 + C mu t)``. For M/M/1 it collapses to ``e^(-d t)``:
        the sojourn time is exponential with rate ``mu - lambda``.

        >>> round(mmc(1, 1, 2).sojourn_survival(1.0), 6)   # the d == mu case
        0.490506
        """
        t = _non_negative("t", t)
        mu = self.service_rate
        d = self._drain_rate
        # (e^(-mu t) - e^(-d t)) / (d - mu), written so it neither overflows
        # nor cancels: e^(-min t) * (1 - e^(-|d - mu| t)) / |d - mu|.
        gap = abs(d - mu)
        slower = math.exp(-min(mu, d) * t)
        if gap == 0.0:
            diff_ratio = slower * t
        else:
            diff_ratio = slower * (-math.expm1(-gap * t)) / gap
        value = math.exp(-mu * t) + self.p_wait * mu * diff_ratio
        return min(1.0, max(0.0, value))

    def sojourn_quantile(self, q: float) -> float:
        """The time ``t`` with ``P(T <= t) = q``, T being the sojourn time.

        For M/M/1 (built with :func:`mm1`) the sojourn time is exponential
        with rate ``mu - lambda``, so ``t = -ln(1 - q) / (mu - lambda)``.

        For M/M/c there is no simple closed form, so the exact CDF of
        :meth:`sojourn_survival` is inverted numerically by bisection to a
        relative precision better than 1e-9 (the CDF is continuous and
        strictly increasing, so the answer is unique).

        >>> round(mm1(8, 10).sojourn_quantile(0.5), 6)   # median = ln 2 / 2
        0.346574
        >>> round(mmc(2, 1, 3).sojourn_quantile(0.5), 4)
        1.0874
        """
        q = _probability_level("q", q)
        if q == 0.0:
            return 0.0
        if self.model == "M/M/1":
            return -math.log1p(-q) / self._drain_rate
        target = 1.0 - q
        lo, hi = 0.0, max(self.W, 1.0 / self.service_rate)
        while self.sojourn_survival(hi) > target:
            lo, hi = hi, 2.0 * hi
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid <= lo or mid >= hi:
                break
            if self.sojourn_survival(mid) > target:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-12 * hi:
                break
        return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------
# Utilization, M/M/1, Erlang C, M/M/c
# ---------------------------------------------------------------------------

def utilization(arrival_rate: float, service_rate: float, servers: int = 1) -> float:
    """Utilization ``rho = lambda / (c mu)``: the fraction of time each server is busy.

    It is the single number that decides whether a queue is stable: below 1
    the servers keep up on average; at or above 1 the backlog grows forever.
    Waiting times blow up like ``1 / (1 - rho)`` well before rho reaches 1.

    >>> utilization(arrival_rate=8, service_rate=10)
    0.8
    >>> utilization(arrival_rate=30, service_rate=10, servers=4)
    0.75
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    c = _positive_int("servers", servers)
    return lam / (c * mu)


def mm1(arrival_rate: float, service_rate: float) -> QueueMetrics:
    """Steady-state metrics of the M/M/1 queue: one server, Poisson arrivals,
    exponential service, FIFO.

    ``W = 1 / (mu - lambda)``, ``Wq = rho / (mu - lambda)``, ``L = lambda W``,
    ``Lq = lambda Wq`` and ``p_wait = rho`` (an arrival waits exactly when the
    server is busy, and by PASTA arrivals see the time-average state).

    At 80% utilization an event spends 0.1 s being served but 0.5 s in the
    system on average:

    >>> m = mm1(arrival_rate=8, service_rate=10)
    >>> (m.rho, m.L, m.W, m.Wq)
    (0.8, 4.0, 0.5, 0.4)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    rho = lam / mu
    _require_stable(rho)
    W = 1.0 / (mu - lam)
    Wq = rho / (mu - lam)
    return QueueMetrics(
        rho=rho,
        L=lam * W,
        Lq=lam * Wq,
        W=W,
        Wq=Wq,
        p_wait=rho,
        arrival_rate=lam,
        service_rate=mu,
        servers=1,
        model="M/M/1",
    )


def erlang_c(servers: int, offered_load: float) -> float:
    """Erlang C: the probability that an arrival to an M/M/c queue must wait.

    ``offered_load`` is ``a = lambda / mu``, the mean number of servers the
    traffic would keep busy; it must be below ``servers`` for a steady state.

    The textbook formula has ``a**c / c!`` in it, which overflows long before
    c = 500. Instead this uses the Erlang B recursion, whose terms stay in
    [0, 1]::

        B(0) = 1,   B(k) = a B(k-1) / (k + a B(k-1))
        C = c B(c) / (c - a (1 - B(c)))

    >>> round(erlang_c(servers=2, offered_load=1.0), 12)   # exactly 1/3
    0.333333333333
    >>> round(erlang_c(servers=1, offered_load=0.8), 12)   # M/M/1: C = rho
    0.8
    """
    c = _positive_int("servers", servers)
    a = _non_negative("offered_load", offered_load)
    if a >= c:
        raise ValueError(
            f"offered_load must be < servers for a stable queue, got "
            f"offered_load={a:g} with servers={c}: the queue is unstable "
            f"(rho = {a / c:g} >= 1) and every arrival eventually waits"
        )
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc(arrival_rate: float, service_rate: float, servers: int) -> QueueMetrics:
    """Steady-state metrics of the M/M/c queue: c identical servers sharing
    one FIFO queue, Poisson arrivals, exponential service.

    With ``C = erlang_c(c, lambda/mu)`` (the probability of waiting):
    ``Wq = C / (c mu - lambda)``, ``Lq = C rho / (1 - rho)``,
    ``W = Wq + 1/mu`` and ``L = lambda W`` (Little's law).

    Pooling is why a shared queue is efficient: an idle server takes the next
    event whoever it is for. Three servers at 2/3 utilization make only 44%
    of arrivals wait:

    >>> m = mmc(arrival_rate=2, service_rate=1, servers=3)
    >>> round(m.p_wait, 6), round(m.Wq, 6), round(m.W, 6)
    (0.444444, 0.444444, 1.444444)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    c = _positive_int("servers", servers)
    rho = lam / (c * mu)
    _require_stable(rho)
    C = erlang_c(c, lam / mu)
    Wq = C / (c * mu - lam)
    W = Wq + 1.0 / mu
    return QueueMetrics(
        rho=rho,
        L=lam * W,
        Lq=lam * Wq,
        W=W,
        Wq=Wq,
        p_wait=C,
        arrival_rate=lam,
        service_rate=mu,
        servers=c,
        model="M/M/c",
    )


# ---------------------------------------------------------------------------
# Little's law
# ---------------------------------------------------------------------------

def littles_law(
    arrival_rate: float | None = None,
    time_in_system: float | None = None,
    number_in_system: float | None = None,
) -> float:
    """Little's law ``L = lambda W``: give exactly two quantities, get the third.

    It holds for any stable system in steady state, whatever the arrival or
    service distributions: the mean number inside equals the throughput times
    the mean time each item spends inside. 200 requests/s that each take
    0.05 s means 10 requests in flight on average:

    >>> littles_law(arrival_rate=200, time_in_system=0.05)
    10.0
    >>> littles_law(number_in_system=10, arrival_rate=200)
    0.05
    """
    given = {
        name: value
        for name, value in (
            ("arrival_rate", arrival_rate),
            ("time_in_system", time_in_system),
            ("number_in_system", number_in_system),
        )
        if value is not None
    }
    if len(given) != 2:
        raise ValueError(
            "littles_law needs exactly two of arrival_rate, time_in_system, "
            f"number_in_system; got {len(given)} ({', '.join(given) or 'none'})"
        )
    if "number_in_system" not in given:
        lam = _non_negative("arrival_rate", arrival_rate)
        w = _non_negative("time_in_system", time_in_system)
        return lam * w
    n = _non_negative("number_in_system", number_in_system)
    if "arrival_rate" in given:
        lam = _positive("arrival_rate", arrival_rate)
        return n / lam
    w = _positive("time_in_system", time_in_system)
    return n / w


# ---------------------------------------------------------------------------
# Backlogs (fluid approximations)
# ---------------------------------------------------------------------------

def backlog_drain_time(backlog: float, capacity: float, arrival_rate: float) -> float:
    """Time to work off a backlog while new items keep arriving.

    The consumer processes ``capacity`` items/s, new items arrive at
    ``arrival_rate`` items/s, so the backlog shrinks at the net rate
    ``capacity - arrival_rate`` and drains after
    ``backlog / (capacity - arrival_rate)`` seconds. This is the fluid
    (average-rate) picture: it ignores randomness, which is fine when the
    backlog is large compared with the fluctuations.

    If ``capacity <= arrival_rate`` the backlog never shrinks, and the answer
    is ``math.inf`` rather than an error: "never drains" is a legitimate,
    plottable result of a capacity plan, not a mistake in the call. An empty
    backlog takes 0 s whatever the rates.

    A 10-minute outage at 100 events/s leaves 60,000 events; a consumer with
    25% headroom (125/s) needs 40 minutes to catch up:

    >>> backlog_drain_time(backlog=60_000, capacity=125, arrival_rate=100)
    2400.0
    >>> backlog_drain_time(backlog=60_000, capacity=100, arrival_rate=100)
    inf
    """
    b = _non_negative("backlog", backlog)
    cap = _positive("capacity", capacity)
    lam = _non_negative("arrival_rate", arrival_rate)
    if b == 0.0:
        return 0.0
    if cap <= lam:
        return math.inf
    return b / (cap - lam)


def backlog_after_outage(arrival_rate: float, outage_duration: float) -> float:
    """Items that pile up while the consumer is down: ``lambda * T``.

    Producers keep publishing during a consumer outage, so the broker holds
    everything that arrived meanwhile. Feed the result to
    :func:`backlog_drain_time` to get the recovery time.

    >>> backlog_after_outage(arrival_rate=100, outage_duration=600)
    60000.0
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    t = _non_negative("outage_duration", outage_duration)
    return lam * t


# ---------------------------------------------------------------------------
# Partitioned consumer groups
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PartitionedConsumers:
    """Result of :func:`partitioned_consumers`.

    Fields:

    * ``partitions``, ``instances``: the configuration.
    * ``active_instances``: instances that own at least one partition,
      ``min(instances, partitions)``; ``idle_instances`` own none.
    * ``per_partition_arrival_rate``: ``lambda / partitions``.
    * ``busiest_partitions``: partitions owned by the busiest instance
      (1 when ``instances >= partitions``).
    * ``busiest_arrival_rate``: the busiest instance's arrival rate.
    * ``rho``: the busiest instance's utilization.
    * ``metrics``: M/M/1 metrics of the busiest instance's queue (of a single
      partition when ``instances >= partitions``).
    * ``mmc_equivalent``: M/M/c metrics of the same fleet sharing one queue
      (``c = instances``), for comparison.
    """

    partitions: int
    instances: int
    active_instances: int
    idle_instances: int
    per_partition_arrival_rate: float
    busiest_partitions: int
    busiest_arrival_rate: float
    rho: float
    metrics: QueueMetrics
    mmc_equivalent: QueueMetrics


def partitioned_consumers(
    arrival_rate: float, service_rate: float, partitions: int, instances: int
) -> PartitionedConsumers:
    """Queueing model of a consumer group reading a partitioned log.

    Events are hashed uniformly to ``partitions`` partitions, so each
    partition receives ``lambda / partitions`` events/s. Each partition is
    owned by exactly one instance (processing ``service_rate`` events/s), and
    partitions are assigned round-robin: instance ``i`` owns the partitions
    ``p`` with ``p % instances == i``.

    * ``instances >= partitions``: each partition has its own instance, so
      each partition is its own M/M/1 queue; the
      ``instances - partitions`` extra instances sit idle.
    * ``instances < partitions``: an instance owns several partitions. The
      busiest one owns ``ceil(partitions / instances)`` of them and is
      modelled as an M/M/1 queue with arrival rate
      ``lambda * busiest_partitions / partitions`` (its partitions' events
      merged into one FIFO stream).

    Why this is *not* M/M/c: in M/M/c any idle server takes the next waiting
    event. Here an event can only be processed by its partition's owner, so
    a burst on one partition queues up behind that one instance while
    instances that own other partitions sit idle; their spare capacity
    cannot help. Separate queues at the same utilization wait much longer
    than one pooled queue, and uneven assignment (or idle instances beyond
    the partition count) makes it worse. ``mmc_equivalent`` gives the
    pooled M/M/c figures for the same fleet (``c = instances``) so the
    difference can be shown side by side.

    Raises ValueError if the busiest instance is unstable (rho >= 1).

    Four partitions on four instances at 80% load wait 0.4 s on average;
    the same four instances sharing one queue wait under 0.08 s:

    >>> r = partitioned_consumers(32, 10, partitions=4, instances=4)
    >>> r.metrics.Wq, round(r.mmc_equivalent.Wq, 4)
    (0.4, 0.0746)
    """
    lam = _positive("arrival_rate", arrival_rate)
    mu = _positive("service_rate", service_rate)
    p = _positive_int("partitions", partitions)
    n = _positive_int("instances", instances)
    active = min(n, p)
    busiest_partitions = -(-p // active)  # ceil(p / active); 1 when n >= p
    busiest_rate = lam * busiest_partitions / p
    rho = busiest_rate / mu
    pooled_rho = lam / (n * mu)
    if rho >= 1.0:
        raise ValueError(
            f"the busiest consumer instance is unstable: rho = {rho:g} >= 1 "
            f"({busiest_partitions} of {p} partitions on one instance), so its "
            "backlog grows without bound and there is no steady state "
            f"(the same {n} instances pooled would run at rho = {pooled_rho:g})"
        )
    return PartitionedConsumers(
        partitions=p,
        instances=n,
        active_instances=active,
        idle_instances=n - active,
        per_partition_arrival_rate=lam / p,
        busiest_partitions=busiest_partitions,
        busiest_arrival_rate=busiest_rate,
        rho=rho,
        metrics=mm1(busiest_rate, mu),
        mmc_equivalent=mmc(lam, mu, n),
    )


# ---------------------------------------------------------------------------
# Availability
# ---------------------------------------------------------------------------

def availability_chain(*availabilities: float) -> float:
    """Availability of a request path that needs every dependency to be up.

    With independent failures, the chain is up only when all of its links
    are, so availabilities multiply: each synchronous hop shaves a little
    off. With no arguments the result is 1.0 (the empty product: nothing can
    fail).

    Three "three nines" services in series give less than three nines:

    >>> round(availability_chain(0.999, 0.999, 0.999), 6)
    0.997003
    """
    result = 1.0
    for i, a in enumerate(availabilities):
        a = _real(f"availabilities[{i}]", a)
        if not 0.0 <= a <= 1.0:
            raise ValueError(f"availabilities[{i}] must be in [0, 1], got {a:g}")
        result *= a
    return result
