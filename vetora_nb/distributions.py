"""Service-time and latency distributions.

A distribution is a small immutable description — ``Exponential(mean=0.01)`` —
that knows its ``mean`` and how to draw samples from a numpy ``Generator``.
It holds no random state of its own: the simulator hands each node a named
random stream, so one ``seed`` reproduces a whole run in any process.

>>> import numpy as np
>>> d = Exponential(mean=0.010)
>>> d.mean
0.01
>>> samples = d.sample(np.random.default_rng(1), 100_000)
>>> bool(abs(samples.mean() - 0.010) < 0.0002)
True
>>> Constant(0.002).sample(np.random.default_rng(1), 3).tolist()
[0.002, 0.002, 0.002]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Distribution", "Constant", "Exponential", "LogNormal", "Uniform", "as_distribution"]


def _check_number(name: str, value, *, positive: bool = False, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and (value < 0 or (value == 0 and not allow_zero)):
        bound = "> 0" if not allow_zero else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


class Distribution:
    """Base class: a non-negative random duration with a known ``mean``."""

    mean: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` samples as a float array."""
        raise NotImplementedError

    def scaled(self, factor: float) -> "Distribution":
        """The same shape, every sample multiplied by ``factor``."""
        raise NotImplementedError


@dataclass(frozen=True)
class Constant(Distribution):
    """Always the same duration: a deterministic service time or latency."""

    value: float

    def __post_init__(self):
        object.__setattr__(self, "value", _check_number("value", self.value, positive=True))

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, rng, size):
        return np.full(size, self.value)

    def scaled(self, factor):
        return Constant(self.value * factor)


@dataclass(frozen=True)
class Exponential(Distribution):
    """Memoryless durations with the given ``mean`` (the M in M/M/1)."""

    mean: float

    def __post_init__(self):
        object.__setattr__(self, "mean", _check_number("mean", self.mean, positive=True, allow_zero=False))

    def sample(self, rng, size):
        return rng.exponential(self.mean, size)

    def scaled(self, factor):
        return Exponential(self.mean * factor)


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Heavy-tailed durations: most are short, a few are very long.

    Parameterised by the ``mean`` and the coefficient of variation ``cv``
    (standard deviation / mean), which is easier to reason about than the
    underlying normal's mu and sigma. ``cv=1`` has the exponential's spread
    but a longer tail; ``cv=3`` makes p99 many times the median.
    """

    mean: float
    cv: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "mean", _check_number("mean", self.mean, positive=True, allow_zero=False))
        object.__setattr__(self, "cv", _check_number("cv", self.cv, positive=True, allow_zero=False))

    def sample(self, rng, size):
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), size)

    def scaled(self, factor):
        return LogNormal(self.mean * factor, self.cv)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Durations spread evenly between ``low`` and ``high``."""

    low: float
    high: float

    def __post_init__(self):
        low = _check_number("low", self.low, positive=True)
        high = _check_number("high", self.high, positive=True)
        if high < low:
            raise ValueError(f"high must be >= low, got low={low}, high={high}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng, size):
        return rng.uniform(self.low, self.high, size)

    def scaled(self, factor):
        return Uniform(self.low * factor, self.high * factor)


def as_distribution(value, name: str) -> Distribution:
    """Accept a Distribution or a plain number (meaning a constant)."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return Constant(_check_number(name, value, positive=True))
    raise TypeError(f"{name} must be a Distribution (e.g. vn.Exponential(mean=0.01)) or a number, got {value!r}")
