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

from collections.abc import Mapping

from .architecture import Architecture
from .distributions import Constant, Distribution, Exponential
from .twins import twin

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
                 queue_capacity: int | None = 50, max_attempts: int | Mapping = 3,
                 retry_backoff: float | Mapping = 0.05, append_latency: float | Distribution = 0.002,
                 delivery_latency: float | Distribution = 0.005) -> Architecture:
    """The order-placed example in ``style`` (``'request_response'`` or ``'event_driven'``).

    ``downstream`` overrides the consumers and their costs
    (``{name: (workers, service_time)}``, the service time a mean in seconds
    for exponential times, or any distribution such as ``vn.LogNormal``);
    ``fanout`` (RR only) makes the four calls in parallel or one after
    another; ``partitions``, ``idempotent`` and the stream's
    ``append_latency`` (the producer waits for the ack) and
    ``delivery_latency`` (append to consumer) shape the event-driven side.
    Each consumer tries an event ``max_attempts`` times, ``retry_backoff *
    2**k`` seconds apart, before dead-lettering it; either can be a
    ``{consumer: value}`` mapping for some consumers only (the others keep
    3 attempts, 0.05 s). Every service holds at most
    ``queue_capacity`` waiting requests and rejects the rest (backpressure).
    Both styles share every cost,
    so any difference you measure comes from the wiring alone.

    >>> ed = order_placed("event_driven", max_attempts={"shipping": 5}, delivery_latency=0.02)
    >>> [ed.graph.edges["order-placed", s]["max_attempts"] for s in ed.subscribers("order-placed")]
    [3, 5, 3, 3]
    >>> ed.graph.nodes["order-placed"]["delivery_latency"]
    Constant(value=0.02)
    """
    style = _style(style)
    downstream = dict(DOWNSTREAM if downstream is None else downstream)
    if style == "request_response":
        calls, events = tuple(downstream), None
    else:
        calls, events = (), tuple(downstream)
    return _shop(style, downstream, calls=calls, events=events, partitions=partitions, fanout=fanout,
                 timeout=timeout, retries=retries, circuit_breaker=circuit_breaker,
                 orders_workers=orders_workers, orders_service_time=orders_service_time,
                 network_latency=network_latency, idempotent=idempotent, queue_capacity=queue_capacity,
                 max_attempts=max_attempts, retry_backoff=retry_backoff, append_latency=append_latency,
                 delivery_latency=delivery_latency)


def _service_time(value):
    """A downstream service's time: a distribution as it is, a number as an exponential mean."""
    return value if isinstance(value, Distribution) else Exponential(mean=value)


def _per_consumer(value, name: str, default, consumers) -> dict:
    """``{consumer: value}``: one value for all, or a mapping for some (the rest get ``default``)."""
    if not isinstance(value, Mapping):
        return {c: value for c in consumers}
    unknown = [c for c in value if c not in consumers]
    if unknown:
        raise KeyError(f"{name}: unknown consumer {unknown[0]!r}; consumers: {list(consumers)}")
    return {c: value.get(c, default) for c in consumers}


def _shop(name: str, downstream: dict, *, calls, events, partitions, fanout, timeout, retries,
          circuit_breaker, orders_workers, orders_service_time, network_latency, idempotent,
          queue_capacity, max_attempts=3, retry_backoff=0.05, append_latency=0.002,
          delivery_latency=0.005) -> Architecture:
    """``orders`` and its ``downstream`` services: ``orders`` calls the ones
    in ``calls`` and waits; with ``events`` (``None``: no broker) it then
    appends to ``order-placed``, and those services are its consumer groups.

    Built as the twin (:func:`vetora_nb.twins.twin`) of the shop in which
    ``orders`` calls every service: the calls not in ``calls`` become
    publications to ``order-placed``, so both wirings share every service
    and cost by construction."""
    arch = Architecture(name)
    arch.add_service("orders", workers=orders_workers, fanout=fanout,
                     service_time=Exponential(mean=orders_service_time),
                     queue_capacity=queue_capacity)
    for service, (workers, service_time) in downstream.items():
        arch.add_service(service, workers=workers, service_time=_service_time(service_time),
                         queue_capacity=queue_capacity)
    for service in downstream:
        arch.add_call("orders", service, timeout=timeout, retries=retries,
                      latency=Constant(network_latency), circuit_breaker=circuit_breaker)
    arch.entry = "orders"
    if events is None:
        return arch
    return twin(arch, sync=list(calls), streams={"orders": "order-placed"}, name=name,
                stream={"partitions": partitions, "append_latency": append_latency,
                        "delivery_latency": delivery_latency},
                subscription={"idempotent": idempotent,
                              "max_attempts": _per_consumer(max_attempts, "max_attempts", 3, events),
                              "retry_backoff": _per_consumer(retry_backoff, "retry_backoff", 0.05, events)})


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


# -- a shop that uses both styles ----------------------------------------------

#: The hybrid shop's services downstream of ``orders``, in checkout order:
#: (workers, mean service time in seconds). The order example's four, and
#: ``payment`` — the step the customer is waiting to hear about.
SHOP_DOWNSTREAM = {"payment": (4, 0.006), **DOWNSTREAM}
#: What the shop keeps synchronous unless told otherwise: what the customer
#: must know before the "thank you" page (was the card charged, is it in stock).
SHOP_SYNC = ("payment", "inventory")

__all__ += ["hybrid_shop", "SHOP_DOWNSTREAM", "SHOP_SYNC"]


def _sync_set(sync, downstream: dict) -> tuple:
    """The services ``sync`` names, in checkout order (a style name picks all or none)."""
    if isinstance(sync, str):
        key = {"rr": "request_response", "ed": "event_driven"}.get(sync, sync)
        if key == "request_response":
            return tuple(downstream)
        if key == "event_driven":
            return ()
        if key == "hybrid":
            sync = [s for s in SHOP_SYNC if s in downstream]
        else:
            sync = (sync,)
    try:
        names = list(sync)
    except TypeError:
        raise TypeError(f"sync must be a style name or a list of service names, got {sync!r}") from None
    for s in names:
        if not isinstance(s, str):
            raise TypeError(f"sync must name services by their names, got {s!r}")
        if s not in downstream:
            raise KeyError(f"sync: unknown service {s!r}; downstream services: {list(downstream)}")
    return tuple(s for s in downstream if s in names)


def hybrid_shop(sync="hybrid", *, partitions: int = 4, fanout: str = "parallel",
                timeout: float = 0.5, retries: int = 2, circuit_breaker=None,
                orders_workers: int = 16, orders_service_time: float = 0.004,
                downstream: dict | None = None, network_latency: float = 0.001,
                idempotent: bool = False, queue_capacity: int | None = 50,
                max_attempts: int = 3, name: str | None = None) -> Architecture:
    """A shop that uses both styles: a synchronous checkout, asynchronous side effects.

    The customer clicks "buy". ``orders`` calls the services in ``sync``
    synchronously — by default ``payment`` and ``inventory``, because the
    customer must know whether the card was charged and the item reserved
    before the "thank you" page — and then appends an ``order-placed`` event
    (keyed by the order) to a stream of ``partitions`` partitions and
    answers. Every other service (by default ``shipping``,
    ``notifications``, ``analytics``) is a consumer group of that stream:
    nobody waits for it. A synchronous step that fails fails the checkout
    (and no event is published); a publish the broker refuses fails it too.

    ``sync`` is a list of downstream service names, or a style name:
    ``'request_response'`` (every service synchronous: the order example's
    RR wiring plus payment), ``'event_driven'`` (none: ``orders`` only
    publishes) or ``'hybrid'`` (:data:`SHOP_SYNC`). So
    ``hybrid_shop(style)`` also works wherever a scenario is called with a
    style, e.g. in ``vn.widgets.ComparisonPanel(vn.scenarios.hybrid_shop,
    styles=("request_response", "hybrid", "event_driven"))``.

    The knobs are the order example's, with the same meaning and defaults
    (``timeout``, ``retries``, ``circuit_breaker`` shape the synchronous
    calls; ``partitions``, ``idempotent`` and ``max_attempts`` the
    consumers), and ``downstream`` overrides :data:`SHOP_DOWNSTREAM`. The
    architecture is named ``'request_response'``, ``'event_driven'`` or
    ``'hybrid'`` after what it turned out to be, unless ``name`` is given.

    >>> import vetora_nb as vn
    >>> shop = vn.scenarios.hybrid_shop()
    >>> shop.calls_from("orders"), shop.subscribers("order-placed")
    (['payment', 'inventory'], ['shipping', 'notifications', 'analytics'])
    >>> vn.scenarios.hybrid_shop(["payment"]).calls_from("orders")
    ['payment']
    >>> vn.scenarios.hybrid_shop("request_response").streams
    []
    """
    downstream = dict(SHOP_DOWNSTREAM if downstream is None else downstream)
    if not downstream:
        raise ValueError("downstream must name at least one service")
    calls = _sync_set(sync, downstream)
    events = [s for s in downstream if s not in calls]
    if name is None:
        name = "request_response" if not events else ("event_driven" if not calls else "hybrid")
    return _shop(name, downstream, calls=calls, events=events or None, partitions=partitions,
                 fanout=fanout, timeout=timeout, retries=retries, circuit_breaker=circuit_breaker,
                 orders_workers=orders_workers, orders_service_time=orders_service_time,
                 network_latency=network_latency, idempotent=idempotent,
                 queue_capacity=queue_capacity, max_attempts=max_attempts)


# -- the scenarios as files ------------------------------------------------------

#: The scenarios the notebooks use, as shipped in ``vetora_nb/data/architectures/<name>.toml``
#: (see :mod:`vetora_nb.architecture_files`): an instructor can hand one out,
#: edit it, or load it with ``vn.load_architecture(path)``.
SHIPPED = {
    "order_placed_request_response": lambda: order_placed("request_response"),
    "order_placed_event_driven": lambda: order_placed("event_driven"),
    "hybrid_shop": lambda: hybrid_shop("hybrid"),
    "hybrid_shop_request_response": lambda: hybrid_shop("request_response"),
    "hybrid_shop_event_driven": lambda: hybrid_shop("event_driven"),
    "single_service_request_response": lambda: single_service(style="request_response"),
    "single_service_event_driven": lambda: single_service(style="event_driven"),
}

__all__ += ["SHIPPED", "write_files"]


def write_files(folder) -> list:
    """Write every :data:`SHIPPED` scenario to ``folder/<name>.toml``; returns the paths.

    ``python -c "import vetora_nb as vn; vn.scenarios.write_files('vetora_nb/data/architectures')"``
    regenerates the shipped files after a scenario's defaults change (a test
    says when they no longer match).
    """
    from pathlib import Path

    from .architecture_files import save

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [save(build(), folder / f"{name}.toml") for name, build in SHIPPED.items()]
