"""How much work a service or a consumer group can do, flat out.

A service with ``workers`` workers, each taking ``mean`` seconds per
request on average, finishes at most ``workers / mean`` requests per
second. A consumer group is capped by its stream too: a partition has one
owner, so only ``min(instances, partitions)`` instances ever work.

>>> import vetora_nb as vn
>>> arch = vn.scenarios.order_placed("event_driven")
>>> consumer_capacity(arch, "shipping")        # 4 instances, 10 ms each
400.0
>>> consumer_capacity(vn.scenarios.order_placed("event_driven", partitions=2), "shipping")
200.0
"""

from __future__ import annotations

__all__ = ["service_capacity", "consumer_capacity", "capacities"]


def _check_service(arch, name: str) -> None:
    if name not in arch.graph or arch.graph.nodes[name].get("kind") != "service":
        raise KeyError(f"group: unknown service {name!r}; known: {sorted(arch.services)}")


def service_capacity(arch, name: str) -> float:
    """Requests (or events) per second ``name`` finishes when never idle.

    ``workers / mean service time``; for a consumer group the instances
    that can work are capped by the partitions of the (first) stream it
    consumes.
    """
    _check_service(arch, name)
    g = arch.graph
    workers = g.nodes[name]["workers"]
    streams = arch.subscriptions_of(name)
    if streams:
        workers = min(workers, g.nodes[streams[0]]["partitions"])
    return workers / g.nodes[name]["service_time"].mean


def consumer_capacity(arch, group: str) -> float:
    """Events per second consumer ``group`` can process: ``min(partitions, instances) / mean``.

    Raises ``ValueError`` if ``group`` consumes no stream.
    """
    _check_service(arch, group)
    if not arch.subscriptions_of(group):
        raise ValueError(f"group: {group!r} subscribes to no stream in {arch.name!r}")
    return service_capacity(arch, group)


def capacities(arch) -> dict:
    """:func:`service_capacity` of every service but the entry, by name.

    >>> import vetora_nb as vn
    >>> capacities(vn.scenarios.order_placed("request_response"))   # workers / mean service time
    {'inventory': 500.0, 'shipping': 400.0, 'notifications': 400.0, 'analytics': 500.0}
    """
    return {name: service_capacity(arch, name) for name in arch.services if name != arch.entry}
