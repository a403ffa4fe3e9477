"""The bottleneck: the part of an architecture that caps what it can do.

Work that passes through every downstream service goes no faster than the
slowest of them. In request-response every order waits for each callee,
so the callee with the lowest ``workers / mean`` sets the pace; in
event-driven every consumer group must keep up with the stream, so the
group with the lowest ``min(partitions, instances) / mean`` does. Both are
:func:`~vetora_nb.measures.capacity.capacities`; the bottleneck is their
minimum, with any service made ``slowdown`` times slower counted so.

>>> import vetora_nb as vn
>>> bottleneck(vn.scenarios.order_placed("event_driven", partitions=2))
('shipping', 200.0)
>>> bottleneck(vn.scenarios.order_placed("request_response"), slowdown={"notifications": 2})
('notifications', 200.0)
"""

from __future__ import annotations

from .capacity import capacities

__all__ = ["bottleneck"]


def bottleneck(arch, *, slowdown: dict | None = None) -> tuple:
    """``(service, per second)`` of the service with the lowest capacity.

    ``slowdown`` maps services to a factor (>= 1) their service times are
    multiplied by, which divides their capacity. Ties go to the service
    that comes first in the architecture.
    """
    caps = capacities(arch)
    for name, factor in (slowdown or {}).items():
        if name not in caps:
            raise KeyError(f"slowdown: unknown service {name!r}; known: {sorted(caps)}")
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor >= 1:
            raise ValueError(f"slowdown[{name!r}] must be a number >= 1, got {factor!r}")
        caps[name] = caps[name] / float(factor)
    name = min(caps, key=caps.get)
    return name, float(caps[name])
