"""Named random streams: one ``seed`` for the whole run.

Each consumer of randomness (a service's service times, an edge's latency,
the traffic generator...) gets its own numpy ``Generator`` derived from the
run's seed and the stream's *name*. Adding a new service therefore does not
shift the random numbers of the others, and the same seed gives the same
numbers in any process (no reliance on Python's randomised ``hash``).

>>> a = RandomStreams(7).sampler("svc:orders", Exponential(mean=1.0))
>>> b = RandomStreams(7).sampler("svc:orders", Exponential(mean=1.0))
>>> [a() for _ in range(3)] == [b() for _ in range(3)]
True
"""

from __future__ import annotations

import zlib

import numpy as np

from ..distributions import Constant, Distribution, Exponential  # noqa: F401  (doctest)

__all__ = ["RandomStreams", "Sampler"]


class Sampler:
    """Draws one value at a time from a distribution, in blocks.

    A numpy call per sample costs microseconds; drawing a block of a few
    thousand at once and handing them out one by one keeps sampling off the
    simulator's hot path.
    """

    __slots__ = ("_dist", "_rng", "_buf", "_i", "_block", "_const")

    def __init__(self, dist: Distribution, rng: np.random.Generator, block: int = 4096):
        self._dist, self._rng, self._block = dist, rng, block
        self._const = dist.value if isinstance(dist, Constant) else None
        self._buf: list = []
        self._i = 0

    def __call__(self) -> float:
        if self._const is not None:
            return self._const
        i = self._i
        if i >= len(self._buf):
            self._buf = self._dist.sample(self._rng, self._block).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]


class RandomStreams:
    """Independent, reproducible generators keyed by name."""

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        self.seed = int(seed)

    def generator(self, name: str) -> np.random.Generator:
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))

    def sampler(self, name: str, dist: Distribution) -> Sampler:
        return Sampler(dist, self.generator(name))

    def uniform(self, name: str) -> Sampler:
        """Uniform [0, 1) draws, for coin flips (errors, jitter, sampling)."""
        return _UniformSampler(self.generator(name))


class _UniformSampler(Sampler):
    __slots__ = ()

    def __init__(self, rng):
        super().__init__(None, rng)

    def __call__(self) -> float:
        i = self._i
        if i >= len(self._buf):
            self._buf = self._rng.random(self._block).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]
