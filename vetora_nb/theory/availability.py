"""Availability of a path that needs every one of its dependencies."""

from __future__ import annotations

from ._checks import _real


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
