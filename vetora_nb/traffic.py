"""Arrival profiles: who knocks on the entry service, when, and with which key.

A :class:`Traffic` is a piecewise-constant arrival rate over time plus a key
space. Arrivals are a (non-homogeneous) Poisson process: within a segment of
constant rate ``r`` and length ``T`` the count is Poisson(``r*T``) and the
times are uniform — exact, not approximated by small steps.

Every request carries a key (an order or customer id) drawn from
``keys`` distinct values; events published on its behalf carry the same key,
and the key picks the partition. Skew the keys to make a hot partition:

>>> import numpy as np
>>> t = Traffic.poisson(rate=100, keys=10, hot_key_share=0.5)
>>> times, keys = t.generate(np.random.default_rng(0), duration=100)
>>> 9000 < len(times) < 11000
True
>>> bool(0.45 < np.mean(keys == 0) < 0.56)
True
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Traffic", "DATA_DIR"]

#: The files the package ships: traffic profiles, and the scenarios as architecture files
#: (``architectures/``). Inside the package, so that an installed wheel has them too.
DATA_DIR = Path(__file__).resolve().parent / "data"


def _rate(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return value


@dataclass(frozen=True)
class Traffic:
    """Arrivals at ``entry`` (``None``: the architecture's entry).

    ``segments`` is a tuple of ``(start, rate)`` steps: the rate holds from
    each start until the next (the last holds forever). ``keys`` is the size
    of the key space; ``key_skew`` > 0 draws keys Zipf-like (key ``i`` with
    weight ``1/(i+1)**key_skew``); ``hot_key_share`` sends that share of all
    requests to key 0 on top of that.
    """

    segments: tuple
    entry: str | None = None
    keys: int = 1000
    key_skew: float = 0.0
    hot_key_share: float = 0.0
    label: str = field(default="traffic", compare=False)

    def __post_init__(self):
        if not self.segments:
            raise ValueError("segments must not be empty")
        last = -math.inf
        for start, rate in self.segments:
            _rate("rate", rate)
            if start < 0 or start <= last:
                raise ValueError(f"segment starts must be >= 0 and increasing, got {start}")
            last = start
        if self.segments[0][0] != 0:
            raise ValueError("the first segment must start at time 0")
        if isinstance(self.keys, bool) or not isinstance(self.keys, (int, np.integer)) or self.keys < 1:
            raise ValueError(f"keys must be an integer >= 1, got {self.keys!r}")
        _rate("key_skew", self.key_skew)
        share = _rate("hot_key_share", self.hot_key_share)
        if share > 1:
            raise ValueError(f"hot_key_share must be <= 1, got {share}")
        if self.entry is not None and not isinstance(self.entry, str):
            raise TypeError(f"entry must be a service name, got {self.entry!r}")

    # -- constructors ----------------------------------------------------------
    @classmethod
    def poisson(cls, rate: float, entry: str | None = None, **keys) -> "Traffic":
        """A steady Poisson stream of ``rate`` requests per second."""
        return cls(((0.0, _rate("rate", rate)),), entry=entry, label=f"poisson {rate:g}/s", **keys)

    @classmethod
    def spike(cls, rate: float, factor: float, start: float, end: float,
              entry: str | None = None, **keys) -> "Traffic":
        """``rate`` per second, multiplied by ``factor`` between ``start`` and ``end``."""
        rate = _rate("rate", rate)
        factor = _rate("factor", factor)
        start, end = _rate("start", start), _rate("end", end)
        if end <= start:
            raise ValueError(f"end must be > start, got start={start}, end={end}")
        segs = [(0.0, rate), (start, rate * factor), (end, rate)] if start > 0 else \
               [(0.0, rate * factor), (end, rate)]
        return cls(tuple(segs), entry=entry, label=f"spike x{factor:g}", **keys)

    @classmethod
    def steps(cls, points, entry: str | None = None, **keys) -> "Traffic":
        """Any piecewise-constant profile: ``[(start, rate), ...]``."""
        pts = tuple((float(s), _rate("rate", r)) for s, r in points)
        return cls(pts, entry=entry, label="steps", **keys)

    @classmethod
    def diurnal(cls, base_rate: float, peak_rate: float, period: float = 60.0,
                steps_per_period: int = 48, entry: str | None = None, **keys) -> "Traffic":
        """A day compressed into ``period`` seconds: the rate swings as a
        cosine from ``base_rate`` (at t=0, night) to ``peak_rate`` (mid-period),
        held constant over ``steps_per_period`` steps per period."""
        base, peak = _rate("base_rate", base_rate), _rate("peak_rate", peak_rate)
        period = _rate("period", period)
        if period <= 0:
            raise ValueError(f"period must be > 0, got {period}")
        step = period / steps_per_period
        # Enough steps for any run up to 1000 periods; the last one holds.
        pts = []
        for i in range(steps_per_period * 1000):
            mid = (i + 0.5) * step
            pts.append((i * step, base + (peak - base) * (1 - math.cos(2 * math.pi * mid / period)) / 2))
        return cls(tuple(pts), entry=entry, label="diurnal", **keys)

    @classmethod
    def from_csv(cls, path: str | Path = "diurnal_profile.csv", time_scale: float = 1.0,
                 rate_scale: float = 1.0, entry: str | None = None, **keys) -> "Traffic":
        """A profile from a CSV with columns ``time,rate`` (seconds, per second).

        A bare file name is looked up in the package's ``data/`` folder (:data:`DATA_DIR`).
        ``time_scale`` and ``rate_scale`` stretch the profile in time and height.
        """
        p = Path(path)
        if not p.is_absolute() and not p.exists():
            p = DATA_DIR / p
        if not p.exists():
            raise FileNotFoundError(f"path: no traffic profile at {p}")
        with open(p, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows or not {"time", "rate"} <= set(rows[0]):
            raise ValueError(f"path: {p} needs the columns 'time' and 'rate'")
        pts = [(float(r["time"]) * time_scale, float(r["rate"]) * rate_scale) for r in rows]
        return cls.steps(pts, entry=entry, **keys)._relabel(f"csv {p.name}")

    def _relabel(self, label: str) -> "Traffic":
        object.__setattr__(self, "label", label)
        return self

    # -- queries -----------------------------------------------------------------
    def rate_at(self, t: float) -> float:
        """The arrival rate in force at time ``t``."""
        rate = self.segments[0][1]
        for start, r in self.segments:
            if start > t:
                break
            rate = r
        return rate

    def expected_arrivals(self, duration: float) -> float:
        total = 0.0
        for (start, rate), nxt in zip(self.segments, list(self.segments[1:]) + [(math.inf, 0)]):
            if start >= duration:
                break
            total += rate * (min(nxt[0], duration) - start)
        return total

    def generate(self, rng: np.random.Generator, duration: float) -> tuple[np.ndarray, np.ndarray]:
        """Arrival times in ``[0, duration)`` and their keys, sorted by time."""
        chunks = []
        bounds = list(self.segments[1:]) + [(math.inf, 0)]
        for (start, rate), (nxt, _) in zip(self.segments, bounds):
            if start >= duration:
                break
            end = min(nxt, duration)
            n = rng.poisson(rate * (end - start)) if rate > 0 else 0
            chunks.append(np.sort(rng.uniform(start, end, n)))
        times = np.concatenate(chunks) if chunks else np.empty(0)
        return times, self._draw_keys(rng, len(times))

    def _draw_keys(self, rng, n: int) -> np.ndarray:
        if self.key_skew > 0:
            w = 1.0 / np.arange(1, self.keys + 1) ** self.key_skew
            keys = rng.choice(self.keys, size=n, p=w / w.sum())
        else:
            keys = rng.integers(0, self.keys, n)
        if self.hot_key_share > 0:
            keys[rng.random(n) < self.hot_key_share] = 0
        return keys

    def with_entry(self, entry: str) -> "Traffic":
        return Traffic(self.segments, entry, self.keys, self.key_skew, self.hot_key_share, self.label)
