"""The order example: its defaults wire exactly what they always wired, and
each knob reaches the part of the graph it shapes."""

from __future__ import annotations

import pytest

import vetora_nb as vn
from vetora_nb import scenarios

RR, ED = scenarios.STYLES


def by_hand(style: str) -> vn.Architecture:
    """The order example as it is wired, spelt out with the graph's defaults."""
    arch = vn.Architecture(style)
    arch.add_service("orders", workers=16, service_time=vn.Exponential(mean=0.004), queue_capacity=50,
                     fanout="parallel")
    for name, workers, mean in (("inventory", 4, 0.008), ("shipping", 4, 0.010), ("notifications", 2, 0.005),
                                ("analytics", 2, 0.004)):
        arch.add_service(name, workers=workers, service_time=vn.Exponential(mean=mean), queue_capacity=50)
    names = ("inventory", "shipping", "notifications", "analytics")
    if style == RR:
        for name in names:
            arch.add_call("orders", name, timeout=0.5, retries=2)
    else:
        arch.add_stream("order-placed", partitions=4)
        arch.add_publish("orders", "order-placed")
        for name in names:
            arch.add_subscription("order-placed", name)
    arch.entry = "orders"
    return arch


def wiring(arch) -> tuple:
    """Everything about an architecture, in the order it was built."""
    g = arch.graph
    return arch.name, arch.entry, list(g.nodes(data=True)), list(g.edges(data=True))


@pytest.mark.parametrize("style", [RR, ED])
def test_defaults_are_unchanged(style):
    assert wiring(scenarios.order_placed(style)) == wiring(by_hand(style))


@pytest.mark.parametrize("style", [RR, ED])
def test_the_new_knobs_at_their_defaults_change_nothing(style):
    explicit = scenarios.order_placed(style, max_attempts=3, retry_backoff=0.05, append_latency=0.002,
                                      delivery_latency=0.005, downstream=dict(scenarios.DOWNSTREAM))
    assert wiring(explicit) == wiring(by_hand(style))


def test_consumer_retry_policy_for_all_or_some():
    every = scenarios.order_placed(ED, max_attempts=7, retry_backoff=0.2)
    some = scenarios.order_placed(ED, max_attempts={"shipping": 7}, retry_backoff={"shipping": 0.2})
    for name in scenarios.DOWNSTREAM:
        edge, other = every.graph.edges["order-placed", name], some.graph.edges["order-placed", name]
        assert (edge["max_attempts"], edge["retry_backoff"]) == (7, 0.2)
        assert (other["max_attempts"], other["retry_backoff"]) == ((7, 0.2) if name == "shipping" else (3, 0.05))
    with pytest.raises(KeyError, match="max_attempts: unknown consumer 'billing'"):
        scenarios.order_placed(ED, max_attempts={"billing": 2})
    with pytest.raises(ValueError, match="max_attempts"):
        scenarios.order_placed(ED, max_attempts=0)
    # request-response has no consumers: the policy does not apply
    assert wiring(scenarios.order_placed(RR, max_attempts=7)) == wiring(by_hand(RR))


def test_stream_latencies():
    ed = scenarios.order_placed(ED, append_latency=0.001, delivery_latency=vn.Exponential(mean=0.02))
    stream = ed.graph.nodes["order-placed"]
    assert stream["append_latency"] == vn.Constant(0.001)
    assert stream["delivery_latency"] == vn.Exponential(mean=0.02)
    with pytest.raises(ValueError, match="delivery_latency"):
        scenarios.order_placed(ED, delivery_latency=-1)


def test_downstream_takes_any_service_time():
    tail = vn.LogNormal(mean=0.006, cv=3.0)
    arch = scenarios.order_placed(RR, downstream={"a": (2, tail), "b": (3, 0.01)})
    assert arch.graph.nodes["a"]["service_time"] is tail
    assert arch.graph.nodes["b"]["service_time"] == vn.Exponential(mean=0.01)
    assert arch.calls_from("orders") == ["a", "b"]


@pytest.mark.parametrize("style", [RR, ED])
def test_hybrid_shop_at_either_end_is_the_order_example(style):
    shop = scenarios.hybrid_shop(style, downstream=dict(scenarios.DOWNSTREAM))
    assert wiring(shop) == wiring(scenarios.order_placed(style))
