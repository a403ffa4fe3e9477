"""Sagas: a business flow across services, undone step by step when it fails.

An order goes through four services — ``order`` (create it), ``payment``
(charge the card), ``inventory`` (reserve the goods), ``shipping`` (book the
courier). No transaction spans them: each step commits on its own, and when
a later step fails the earlier ones are undone by *compensations* (refund,
release, cancel). Until the last compensation has run, the system shows a
saga that is partly done: a card charged for an order that will be
cancelled. This module measures that window in the two ways to run a saga:

- **choreography**: nobody is in charge. Each service reacts to the previous
  step's event and publishes its own; a failing step publishes a failure
  event, and the compensations flow back through the broker, each service
  undoing its step and publishing that it did. Every hop is a broker hop.
- **orchestration**: a coordinator calls each step synchronously, in order;
  when one fails it calls the compensations of the completed steps in
  reverse order. Every hop is a network round trip.

The engine has no event types, so sagas are a small SimPy model of their
own, with the package's conventions: seconds, Poisson arrivals, one
``seed`` through named random streams. Each saga's service times,
compensation times and step failures are drawn up front from the seed, so
both styles see *the same sagas fail at the same step* — the only
difference is the wiring.

>>> from vetora_nb.patterns import sagas
>>> chor = sagas.run_saga("choreography", rate=50, duration=20, seed=1)
>>> orch = sagas.run_saga("orchestration", rate=50, duration=20, seed=1)
>>> chor.half_done, orch.half_done          # nothing left half-done after the drain
(0, 0)
>>> bool((chor.sagas["outcome"] == orch.sagas["outcome"]).all())   # same sagas fail
True
>>> s_c, s_o = chor.summary(), orch.summary()
>>> s_c["compensated"] > 0 and s_c["compensated"] == s_o["compensated"]
True
>>> bool(s_c["compensated_inconsistency_mean"] > s_o["compensated_inconsistency_mean"])
True

**Inconsistency window** (``inconsistent_time``): the time during which
the saga was *partly applied* — some of its steps done and visible, the
rest not (yet). For a compensated saga it runs from the first step's
completion to the last compensation's completion (0 if the very first step
failed: nothing was ever applied); for a completed saga from the first
step's completion to the last step's completion. Outside this window the
saga is all-or-nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from ..distributions import Constant, Distribution, Exponential, as_distribution
from ..engine.streams import RandomStreams
from ..traffic import Traffic

__all__ = ["SagaStep", "DEFAULT_STEPS", "STYLES", "SagaResult", "run_saga", "compare_sagas",
           "expected_completion"]

STYLES = ("choreography", "orchestration")


@dataclass(frozen=True)
class SagaStep:
    """One step of the saga: the service that does it and what it costs.

    ``failure`` is the chance the step fails (after doing its work, with no
    effect left behind); ``compensation_time`` is what undoing it costs.
    Compensations always succeed (in real systems they are retried until
    they do). ``workers`` is the service's concurrency; steps and
    compensations of all sagas queue for the same workers.
    """

    name: str
    service_time: Distribution = Exponential(mean=0.005)
    failure: float = 0.0
    compensation_time: Distribution = Exponential(mean=0.005)
    workers: int = 8

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string, got {self.name!r}")
        object.__setattr__(self, "service_time", as_distribution(self.service_time, "service_time"))
        object.__setattr__(self, "compensation_time",
                           as_distribution(self.compensation_time, "compensation_time"))
        f = self.failure
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f <= 1:
            raise ValueError(f"failure must be a probability in [0, 1], got {f!r}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {self.workers!r}")


DEFAULT_STEPS = (
    SagaStep("order", Exponential(mean=0.004), 0.01, Exponential(mean=0.002)),
    SagaStep("payment", Exponential(mean=0.010), 0.05, Exponential(mean=0.008)),
    SagaStep("inventory", Exponential(mean=0.008), 0.05, Exponential(mean=0.004)),
    SagaStep("shipping", Exponential(mean=0.010), 0.03, Exponential(mean=0.005)),
)

COLUMNS = ["saga_id", "style", "start", "end", "duration", "outcome", "failed_step", "steps_done",
           "compensations", "first_effect", "last_effect", "inconsistent_time"]


def expected_completion(steps=DEFAULT_STEPS) -> float:
    """The chance a saga completes: every step must succeed, ``prod(1 - failure)``."""
    return float(np.prod([1.0 - s.failure for s in steps]))


class SagaResult:
    """One saga run: ``sagas`` (one row per saga) and :meth:`summary`.

    ``half_done`` counts sagas left with some but not all of their steps
    applied when the clock stopped (their effects are inconsistent and
    nothing is coming to fix them if the saga also has not finished);
    ``unfinished`` counts sagas that had not ended.
    """

    def __init__(self, style, sagas, half_done, unfinished, steps, seed, duration, end_time):
        self.style, self.sagas = style, sagas
        self.half_done, self.unfinished = half_done, unfinished
        self.steps, self.seed, self.duration, self.end_time = steps, seed, duration, end_time

    def summary(self) -> dict:
        """The run's numbers (computed once: a figure and its panel's numbers ask several times)."""
        if getattr(self, "_summary", None) is None:
            self._summary = self._summarise()
        return dict(self._summary)

    def _summarise(self) -> dict:
        s = self.sagas
        done = s[s["outcome"] != "in_flight"]
        comp = done[done["outcome"] == "compensated"]
        ok = done[done["outcome"] == "completed"]

        def pct(x, q):
            x = np.asarray(x, float)
            return float(np.percentile(x, q)) if len(x) else float("nan")

        def mean(x):
            return float(np.mean(x)) if len(x) else float("nan")

        return {
            "sagas": len(s), "completed": len(ok), "compensated": len(comp),
            "unfinished": self.unfinished, "half_done": self.half_done,
            "completion_rate": len(ok) / len(done) if len(done) else float("nan"),
            "expected_completion": expected_completion(self.steps),
            "compensations": int(comp["compensations"].sum()),
            "steps_undone_owed": int(comp["steps_done"].sum()),
            "inconsistency_mean": mean(done["inconsistent_time"]),
            "inconsistency_p95": pct(done["inconsistent_time"], 95),
            "compensated_inconsistency_mean": mean(comp["inconsistent_time"]),
            "compensated_inconsistency_p95": pct(comp["inconsistent_time"], 95),
            "completed_inconsistency_mean": mean(ok["inconsistent_time"]),
            "completed_inconsistency_p95": pct(ok["inconsistent_time"], 95),
            "duration_p50": pct(done["duration"], 50), "duration_p95": pct(done["duration"], 95),
        }

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<SagaResult {self.style}: {s['sagas']} sagas, {s['completed']} completed, "
                f"{s['compensated']} compensated, half_done={s['half_done']}>")


class _SagaModel:
    def __init__(self, style, steps, seed, network_latency, broker_latency):
        self.style, self.steps = style, steps
        self.env = simpy.Environment()
        rng = RandomStreams(seed)
        self.rng = rng
        self.pools = [simpy.Resource(self.env, capacity=s.workers) for s in steps]
        self.net = rng.sampler("saga:network", network_latency)
        self.broker = rng.sampler("saga:broker", broker_latency)

    def setup(self, traffic, duration):
        rng = self.rng
        times, _ = traffic.generate(rng.generator("saga:arrivals"), duration)
        n, k = len(times), len(self.steps)
        self.times = times
        coins = rng.generator("saga:failures").random((n, k))
        fail = np.array([s.failure for s in self.steps])
        self.work = np.column_stack([s.service_time.sample(rng.generator(f"saga:service:{s.name}"), n)
                                     for s in self.steps]) if n else np.zeros((0, k))
        self.undo = np.column_stack([s.compensation_time.sample(
            rng.generator(f"saga:compensation:{s.name}"), n) for s in self.steps]) if n else np.zeros((0, k))
        self.fails = coins < fail[None, :]
        self.net_applied = np.zeros(n, np.int64)     # steps applied minus steps undone
        self.end = np.full(n, np.nan)
        self.outcome = np.array(["in_flight"] * n, dtype=object)
        self.failed_at = np.full(n, -1)
        self.done = np.zeros(n, np.int64)
        self.comps = np.zeros(n, np.int64)
        self.first = np.full(n, np.nan)
        self.last = np.full(n, np.nan)
        self.active = 0

    # -- effects -------------------------------------------------------------
    def _apply(self, i):
        now = self.env.now
        self.net_applied[i] += 1
        self.done[i] += 1
        if math.isnan(self.first[i]):
            self.first[i] = now
        self.last[i] = now

    def _undo(self, i):
        self.net_applied[i] -= 1
        self.comps[i] += 1
        self.last[i] = self.env.now

    def _step(self, i, j):
        """Step ``j`` of saga ``i`` at its service: True if it succeeded."""
        with self.pools[j].request() as req:
            yield req
            yield self.env.timeout(self.work[i, j])
        if self.fails[i, j]:
            return False
        self._apply(i)
        return True

    def _compensate(self, i, j):
        with self.pools[j].request() as req:
            yield req
            yield self.env.timeout(self.undo[i, j])
        self._undo(i)

    def _finish(self, i, outcome, failed):
        self.end[i] = self.env.now
        self.outcome[i] = outcome
        self.failed_at[i] = failed
        self.active -= 1

    # -- the two styles --------------------------------------------------------
    def choreography(self, i):
        env, last = self.env, len(self.steps) - 1
        yield env.timeout(self.net())          # the command reaches the first service
        j = 0
        while True:
            ok = yield from self._step(i, j)
            if not ok:
                break
            yield env.timeout(self.broker())   # "step j done": to the next service (or back to order)
            if j == last:
                self._finish(i, "completed", -1)
                return
            j += 1
        failed = j
        for k in range(failed - 1, -1, -1):    # failure / compensated events flow back
            yield env.timeout(self.broker())
            yield from self._compensate(i, k)
        self._finish(i, "compensated", failed)

    def orchestration(self, i):
        env = self.env
        failed = -1
        for j in range(len(self.steps)):
            yield env.timeout(self.net())
            ok = yield from self._step(i, j)
            yield env.timeout(self.net())
            if not ok:
                failed = j
                break
        if failed < 0:
            self._finish(i, "completed", -1)
            return
        for k in range(failed - 1, -1, -1):    # compensate in reverse order
            yield env.timeout(self.net())
            yield from self._compensate(i, k)
            yield env.timeout(self.net())
        self._finish(i, "compensated", failed)

    def arrivals(self):
        env = self.env
        body = self.choreography if self.style == "choreography" else self.orchestration
        for i, t in enumerate(self.times.tolist()):
            if t > env.now:
                yield env.timeout(t - env.now)
            self.active += 1
            env.process(body(i))


def _number(name, value, low=0.0, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if value < low or (value == low and not allow_zero):
        raise ValueError(f"{name} must be > {low}, got {value}")
    return float(value)


def run_saga(style: str, *, rate: float = 50.0, duration: float = 60.0, seed: int = 0,
             steps=DEFAULT_STEPS, network_latency: Distribution | float = Constant(0.001),
             broker_latency: Distribution | float = Constant(0.007), drain: bool = True,
             max_drain: float | None = None) -> SagaResult:
    """Run sagas arriving as a Poisson stream of ``rate`` per second for
    ``duration`` seconds, in ``style`` (``'choreography'`` or ``'orchestration'``).

    ``steps`` is a sequence of :class:`SagaStep` (default: order, payment,
    inventory, shipping). ``network_latency`` is one way of a synchronous
    call (orchestration pays it twice per step and per compensation);
    ``broker_latency`` is one event hop, append to delivery (choreography
    pays it once per step and per compensation, plus once for the outcome to
    reach the order service). With ``drain`` the clock runs on after the
    last arrival until every saga has ended (at most ``max_drain`` seconds,
    default ``max(60, 10 * duration)``).
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    rate = _number("rate", rate, allow_zero=True)
    duration = _number("duration", duration)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    steps = tuple(steps)
    if not steps or not all(isinstance(s, SagaStep) for s in steps):
        raise TypeError("steps must be a non-empty sequence of SagaStep")
    if len({s.name for s in steps}) != len(steps):
        raise ValueError("steps: step names must be unique")
    network_latency = as_distribution(network_latency, "network_latency")
    broker_latency = as_distribution(broker_latency, "broker_latency")
    max_drain = max(60.0, 10.0 * duration) if max_drain is None else _number("max_drain", max_drain,
                                                                              allow_zero=True)
    if rate * duration > 2_000_000:
        raise ValueError(f"rate: about {rate * duration:,.0f} sagas is more than 2,000,000")

    model = _SagaModel(style, steps, int(seed), network_latency, broker_latency)
    model.setup(Traffic.poisson(rate), duration)
    env = model.env
    env.process(model.arrivals())
    env.run(until=duration)
    if drain:
        limit = duration + max_drain
        while model.active > 0 and env.peek() <= limit:
            env.step()
    n_steps = len(steps)
    names = np.array([s.name for s in steps] + [None], dtype=object)
    finished = model.outcome != "in_flight"
    first, last = model.first, model.last
    window = np.where(np.isnan(first), 0.0, last - first)
    window = np.where(finished, window, np.nan)
    frame = pd.DataFrame({
        "saga_id": np.arange(len(model.times)), "style": style, "start": model.times,
        "end": model.end, "duration": model.end - model.times, "outcome": model.outcome,
        "failed_step": names[model.failed_at], "steps_done": model.done,
        "compensations": model.comps, "first_effect": first, "last_effect": last,
        "inconsistent_time": window,
    })[COLUMNS]
    half = int(np.sum((model.net_applied > 0) & (model.net_applied < n_steps)))
    return SagaResult(style, frame, half, int((~finished).sum()), steps, int(seed), duration, env.now)


def compare_sagas(rate: float = 50.0, duration: float = 60.0, seed: int = 0, **kwargs) -> pd.DataFrame:
    """Both styles on the same sagas: the two summaries side by side."""
    return pd.DataFrame({style: pd.Series(run_saga(style, rate=rate, duration=duration, seed=seed,
                                                   **kwargs).summary()) for style in STYLES})
