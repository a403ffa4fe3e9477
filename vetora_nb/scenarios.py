"""Named architectures used by the notebooks.

:func:`order_placed` is the comparison's running example: a customer places
an order; inventory is reserved, shipping is scheduled, the customer is
notified and analytics records the sale. The *same services with the same
costs* are wired in two styles:

- ``'request_response'``: ``orders`` calls the four services synchronously
  and answers the customer when all four have answered;
- ``'event_driven'``: ``orders`` appends an ``order-placed`` event to a
  partitioned stream and answers at once; four consumer groups react.

>>> import vetora_nb as vn
>>> rr = vn.scenarios.order_placed("request_response")
>>> ed = vn.scenarios.order_placed("event_driven")
>>> sorted(rr.services) == sorted(ed.services)
True
>>> rr.entry, ed.entry
('orders', 'orders')
"""

from __future__ import annotations

from .architecture import Architecture
from .distributions import Constant, Exponential

__all__ = ["order_placed", "single_service", "STYLES", "DOWNSTREAM"]

STYLES = ("request_response", "event_driven")

#: Services downstream of ``orders``: (workers, mean service time in seconds).
DOWNSTREAM = {
    "inventory": (4, 0.008),
    "shipping": (4, 0.010),
    "notifications": (2, 0.005),
    "analytics": (2, 0.004),
}


def _style(style: str) -> str:
    aliases = {"rr": "request_response", "ed": "event_driven"}
    style = aliases.get(style, style)
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    return style


def order_placed(style: str = "request_response", *, partitions: int = 4,
                 fanout: str = "parallel", timeout: float = 0.5, retries: int = 2,
                 circuit_breaker=None, orders_workers: int = 16,
                 orders_service_time: float = 0.004, downstream: dict | None = None,
                 network_latency: float = 0.001, idempotent: bool = False,
                 queue_capacity: int | None = 50) -> Architecture:
    """The order-placed example in ``style`` (``'request_response'`` or ``'event_driven'``).

    ``downstream`` overrides the consumers and their costs
    (``{name: (workers, mean_service_time)}``); ``fanout`` (RR only) makes
    the four calls in parallel or one after another; ``partitions`` and
    ``idempotent`` shape the event-driven side. Every service holds at most
    ``queue_capacity`` waiting requests and rejects the rest (backpressure).
    Both styles share every cost,
    so any difference you measure comes from the wiring alone.
    """
    style = _style(style)
    downstream = dict(DOWNSTREAM if downstream is None else downstream)
    arch = Architecture(style)
    arch.add_service("orders", workers=orders_workers, fanout=fanout,
                     service_time=Exponential(mean=orders_service_time),
                     queue_capacity=queue_capacity)
    for name, (workers, mean) in downstream.items():
        arch.add_service(name, workers=workers, service_time=Exponential(mean=mean),
                         queue_capacity=queue_capacity)
    if style == "request_response":
        for name in downstream:
            arch.add_call("orders", name, timeout=timeout, retries=retries,
                          latency=Constant(network_latency), circuit_breaker=circuit_breaker)
    else:
        arch.add_stream("order-placed", partitions=partitions)
        arch.add_publish("orders", "order-placed")
        for name in downstream:
            arch.add_subscription("order-placed", name, idempotent=idempotent)
    arch.entry = "orders"
    return arch


def single_service(workers: int = 1, mean_service_time: float = 0.010,
                   name: str = "server", style: str = "request_response",
                   partitions: int = 1) -> Architecture:
    """One service with exponential service times: an M/M/c queue.

    In ``'event_driven'`` style the service is a consumer group of
    ``workers`` instances behind a stream of ``partitions`` partitions, fed
    by a ``producer`` that costs nothing and a broker with no latency —
    so each partition is an M/M/1 queue of its own.
    """
    style = _style(style)
    arch = Architecture(f"{name}-{style}")
    if style == "request_response":
        arch.add_service(name, workers=workers, service_time=Exponential(mean=mean_service_time))
        arch.entry = name
        return arch
    arch.add_service("producer", workers=1_000_000, service_time=Constant(0.0))
    arch.add_stream("jobs", partitions=partitions, append_latency=Constant(0.0),
                    delivery_latency=Constant(0.0))
    arch.add_service(name, workers=workers, service_time=Exponential(mean=mean_service_time))
    arch.add_publish("producer", "jobs")
    arch.add_subscription("jobs", name, commit_interval=0.0)
    arch.entry = "producer"
    return arch
