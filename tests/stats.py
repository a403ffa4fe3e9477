"""Statistical helpers for holding the simulator to theory.

Independent replications (one seed each) give independent estimates; their
mean and standard error give a confidence interval that is honest even when
the observations inside one run are strongly autocorrelated (as waiting
times in a busy queue are).
"""

from __future__ import annotations

import math

import numpy as np

# Two-sided 99.9% Student-t quantiles by degrees of freedom: a test that
# fails this interval is wrong with probability ~1/1000 per check.
_T999 = {2: 31.60, 3: 12.92, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781,
         10: 4.587, 11: 4.437, 12: 4.318, 15: 4.073, 20: 3.850, 30: 3.646}


def t999(df: int) -> float:
    keys = sorted(k for k in _T999 if k <= df)
    return _T999[keys[-1]] if keys else math.inf


def assert_matches(estimates, expected: float, what: str, rel_floor: float = 0.0) -> None:
    """The mean of independent replications agrees with ``expected``
    within a 99.9% t-interval (plus an optional small relative floor)."""
    x = np.asarray(estimates, float)
    n = len(x)
    se = x.std(ddof=1) / math.sqrt(n)
    tol = t999(n - 1) * se + rel_floor * abs(expected)
    assert abs(x.mean() - expected) <= tol, (
        f"{what}: measured {x.mean():.5g} ± {tol:.2g} (n={n}), theory {expected:.5g}")
    # And the interval must be informative, or the check proves nothing.
    assert tol < 0.15 * abs(expected), f"{what}: interval ±{tol:.2g} too wide to test anything"
