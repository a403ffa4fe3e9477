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
from itertools import chain, repeat

import numpy as np

from ..distributions import Constant, Distribution, Exponential  # noqa: F401  (doctest)

__all__ = ["RandomStreams", "sampler"]

BLOCK = 4096


def sampler(dist: Distribution, rng: np.random.Generator, block: int = BLOCK):
    """A no-argument callable that draws one value of ``dist`` at a time, in blocks.

    A numpy call per sample costs microseconds; drawing a block of a few
    thousand at once and handing them out one by one keeps sampling off the
    simulator's hot path. The callable is a C iterator's ``__next__`` (a
    chain of blocks, each drawn when the one before runs out), so a draw
    costs no Python call at all.

    >>> draw = sampler(Exponential(mean=1.0), np.random.default_rng(3), block=4)
    >>> first = [draw() for _ in range(6)]
    >>> rng = np.random.default_rng(3)
    >>> first == rng.exponential(1.0, 4).tolist() + rng.exponential(1.0, 4).tolist()[:2]
    True
    """
    if isinstance(dist, Constant):
        return repeat(dist.value).__next__
    return chain.from_iterable(iter(lambda: dist.sample(rng, block).tolist(), None)).__next__


def uniform(rng: np.random.Generator, block: int = BLOCK):
    """Uniform [0, 1) draws, one at a time (see :func:`sampler`)."""
    return chain.from_iterable(iter(lambda: rng.random(block).tolist(), None)).__next__


class RandomStreams:
    """Independent, reproducible generators keyed by name."""

    def __init__(self, seed: int):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        self.seed = int(seed)

    def generator(self, name: str) -> np.random.Generator:
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))

    def sampler(self, name: str, dist: Distribution):
        """Draws of ``dist`` from the stream ``name``: call it for the next one."""
        return sampler(dist, self.generator(name))

    def uniform(self, name: str):
        """Uniform [0, 1) draws, for coin flips (errors, jitter, sampling)."""
        return uniform(self.generator(name))
