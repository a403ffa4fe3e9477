"""``simulate()``: drive traffic through an architecture and measure it.

>>> import vetora_nb as vn
>>> arch = vn.Architecture("one")
>>> arch.add_service("api", workers=1, service_time=vn.Exponential(mean=0.010))
>>> arch.entry = "api"
>>> res = vn.simulate(arch, vn.Traffic.poisson(rate=50), duration=10, seed=1)
>>> s = res.summary()
>>> s["failed"], s["in_flight"]
(0, 0)

Everything random in a run flows from ``seed``: the same architecture,
traffic, faults and seed give identical frames, in any process.
"""

from __future__ import annotations

import math

from .architecture import Architecture
from .engine.world import World
from .faults import FaultSchedule
from .results import Result
from .traffic import Traffic

__all__ = ["simulate", "MAX_REQUESTS"]

#: Runs that would create more requests than this are refused up front:
#: they would take minutes and gigabytes, not the seconds a notebook wants.
MAX_REQUESTS = 2_000_000


def _positive(name, value, allow_zero=False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number > 0, got {value}")
    return value


def simulate(architecture: Architecture, traffic: Traffic, duration: float = 60.0, *,
             faults=(), seed: int = 0, drain: bool = True, max_drain: float | None = None,
             sample_interval: float | None = None, trace_sample: float = 1.0,
             max_requests: int = MAX_REQUESTS) -> Result:
    """Run ``traffic`` through ``architecture`` for ``duration`` simulated seconds.

    ``faults`` is a list of :mod:`vetora_nb.faults` windows. With ``drain``
    (the default) arrivals stop at ``duration`` and the clock runs on until
    every request is answered and every event processed or dead-lettered —
    at most ``max_drain`` more seconds (default: ``max(60, 10 * duration)``).
    With ``drain=False`` the clock stops at ``duration`` and unfinished work
    shows as ``'in_flight'`` requests and ``'pending'`` events.
    ``sample_interval`` sets the time-series resolution (default
    ``duration / 200``); ``trace_sample`` the share of requests whose spans
    are recorded. Sampling changes the spans and nothing else: requests,
    events, time series and ``summary()`` are the same at any share, and
    with ``trace_sample=0`` ``res.spans`` is an empty frame (its columns,
    no rows) and the run spends nothing on tracing — ask for traces only
    where they are shown.

    Every argument is checked before the clock starts; a mistake raises
    ``ValueError``, ``TypeError`` or ``KeyError`` naming what is wrong.
    """
    if not isinstance(architecture, Architecture):
        raise TypeError(f"architecture must be a vn.Architecture, got {architecture!r}")
    if not isinstance(traffic, Traffic):
        raise TypeError(f"traffic must be a vn.Traffic (e.g. vn.Traffic.poisson(rate=100)), got {traffic!r}")
    duration = _positive("duration", duration)
    architecture.validate()
    entry = traffic.entry or architecture.entry
    if entry is None:
        raise ValueError("entry: set architecture.entry or pass entry= to the traffic")
    architecture._require(entry, "service", "entry")
    schedule = FaultSchedule(faults, architecture)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    if max_drain is None:
        max_drain = max(60.0, 10.0 * duration)
    max_drain = _positive("max_drain", max_drain, allow_zero=True)
    if sample_interval is None:
        sample_interval = duration / 200
    sample_interval = _positive("sample_interval", sample_interval)
    if sample_interval < duration / 100_000:
        raise ValueError(f"sample_interval must be >= duration/100000, got {sample_interval}")
    trace_sample = _positive("trace_sample", trace_sample, allow_zero=True)
    if trace_sample > 1:
        raise ValueError(f"trace_sample must be between 0 and 1, got {trace_sample}")
    if isinstance(max_requests, bool) or not isinstance(max_requests, int) or max_requests < 1:
        raise TypeError(f"max_requests must be a whole number >= 1, got {max_requests!r}")
    expected = traffic.expected_arrivals(duration)
    if expected > max_requests:
        raise ValueError(
            f"rate: this traffic would send about {expected:,.0f} requests in {duration:g} s, "
            f"more than max_requests={max_requests:,}; lower the rate or the duration")

    world = World(architecture, schedule, seed, trace_sample)
    end = world.run(traffic, entry, duration, drain, max_drain, sample_interval)
    result = Result(world=world, architecture=architecture, traffic=traffic.with_entry(entry),
                    faults=schedule.faults, seed=seed, duration=duration, end_time=end,
                    sample_interval=sample_interval, drain=drain)
    world.close()
    return result
