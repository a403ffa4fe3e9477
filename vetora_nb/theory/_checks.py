"""Argument checks shared by the closed forms: each names the parameter it refuses."""

from __future__ import annotations

import math
import numbers
import operator


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
