"""Queues in steady state: M/M/1, M/M/c (Erlang C) and Little's law."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._checks import _non_negative, _positive, _positive_int, _probability_level, _require_stable


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
