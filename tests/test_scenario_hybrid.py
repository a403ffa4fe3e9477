"""The hybrid shop: a synchronous checkout with asynchronous side effects.

``vn.scenarios.hybrid_shop(sync)`` wires the same services with the same
costs as the order example (plus payment); what is synchronous is a choice.
These tests hold it to what it claims: it builds the wiring asked for, it
simulates with nothing lost, its caller p99 sits between the two pure styles,
and only a synchronous dependency can fail a checkout.
"""

from __future__ import annotations

import pytest

import vetora_nb as vn
from vetora_nb import scenarios

ALL = tuple(scenarios.SHOP_DOWNSTREAM)
RATE, DURATION = 80, 20


def run(sync="hybrid", faults=(), seed=3, rate=RATE, duration=DURATION, **shop):
    return vn.simulate(scenarios.hybrid_shop(sync, **shop), vn.Traffic.poisson(rate), duration=duration,
                       faults=list(faults), seed=seed)


# -- it builds what was asked ----------------------------------------------------

def test_default_shop_keeps_payment_and_inventory_synchronous():
    shop = scenarios.hybrid_shop()
    shop.validate()
    assert shop.name == "hybrid" and shop.entry == "orders"
    assert shop.calls_from("orders") == ["payment", "inventory"] == list(scenarios.SHOP_SYNC)
    assert shop.publishes_from("orders") == ["order-placed"]
    assert shop.subscribers("order-placed") == ["shipping", "notifications", "analytics"]
    kinds = {k for *_, k in shop.graph.edges(data="kind")}
    assert kinds == {"call", "publish", "subscribe"}


def test_same_services_and_costs_as_the_order_example():
    shop, example = scenarios.hybrid_shop(), scenarios.order_placed("event_driven")
    assert set(shop.services) == set(example.services) | {"payment"}
    for name in example.services:
        a, b = shop.graph.nodes[name], example.graph.nodes[name]
        assert a["workers"] == b["workers"]
        assert a["service_time"].mean == pytest.approx(b["service_time"].mean)
        assert a["queue_capacity"] == b["queue_capacity"]
    call = shop.graph.edges["orders", "payment"]
    rr = scenarios.order_placed("request_response").graph.edges["orders", "inventory"]
    for attr in ("timeout", "retries", "backoff", "jitter"):
        assert call[attr] == rr[attr]


@pytest.mark.parametrize("style, calls, consumers, name", [
    ("request_response", ALL, (), "request_response"),
    ("rr", ALL, (), "request_response"),
    ("event_driven", (), ALL, "event_driven"),
    ("ed", (), ALL, "event_driven"),
    ("hybrid", ("payment", "inventory"), ("shipping", "notifications", "analytics"), "hybrid"),
    (["analytics", "payment"], ("payment", "analytics"), ("inventory", "shipping", "notifications"), "hybrid"),
    ("payment", ("payment",), ("inventory", "shipping", "notifications", "analytics"), "hybrid"),
    ((), (), ALL, "event_driven"),
])
def test_sync_picks_what_the_customer_waits_for(style, calls, consumers, name):
    shop = scenarios.hybrid_shop(style)
    assert shop.name == name
    assert tuple(shop.calls_from("orders")) == calls            # in checkout order, whatever the input order
    if consumers:
        assert tuple(shop.subscribers("order-placed")) == consumers
    else:
        assert shop.streams == []                                 # all synchronous: no broker at all


def test_knobs_reach_the_edges_they_shape():
    breaker = vn.CircuitBreaker(failure_threshold=3, reset_timeout=2.0)
    shop = scenarios.hybrid_shop(["payment"], partitions=6, timeout=0.2, retries=0, circuit_breaker=breaker,
                                 idempotent=True, max_attempts=5, fanout="sequential", name="my shop")
    assert shop.name == "my shop"
    assert shop.graph.nodes["order-placed"]["partitions"] == 6
    assert shop.graph.nodes["orders"]["fanout"] == "sequential"
    call = shop.graph.edges["orders", "payment"]
    assert (call["timeout"], call["retries"], call["circuit_breaker"]) == (0.2, 0, breaker)
    sub = shop.graph.edges["order-placed", "inventory"]
    assert sub["idempotent"] is True and sub["max_attempts"] == 5


def test_downstream_overrides_services_and_costs():
    shop = scenarios.hybrid_shop(["pay"], downstream={"pay": (2, 0.02), "mail": (1, 0.001)})
    assert shop.calls_from("orders") == ["pay"] and shop.subscribers("order-placed") == ["mail"]
    assert shop.graph.nodes["pay"]["service_time"].mean == pytest.approx(0.02)


@pytest.mark.parametrize("sync, error, word", [
    (["payment", "billing"], KeyError, "billing"),
    ("warehouse", KeyError, "sync"),
    ([1, 2], TypeError, "sync"),
    (42, TypeError, "sync"),
])
def test_bad_sync_is_refused_by_name(sync, error, word):
    with pytest.raises(error, match=word):
        scenarios.hybrid_shop(sync)


def test_bad_knobs_are_refused_before_anything_runs():
    with pytest.raises(ValueError, match="partitions"):
        scenarios.hybrid_shop(partitions=0)
    with pytest.raises(ValueError, match="timeout"):
        scenarios.hybrid_shop(timeout=-1)
    with pytest.raises(ValueError, match="downstream"):
        scenarios.hybrid_shop(downstream={})


# -- it simulates, and nothing is lost --------------------------------------------

def test_simulates_with_every_checkout_answered_and_every_event_accounted_for():
    res = run()
    s = res.summary()
    assert s["requests"] > 0.8 * RATE * DURATION
    assert s["failed"] == 0 and s["in_flight"] == 0
    assert s["events_published"] == s["ok"]                       # one order-placed per confirmed checkout
    assert len(res.events) == 3 * s["events_published"]          # three consumer groups each get every event
    assert s["events_processed"] == len(res.events) and s["events_lost"] == 0
    assert s["unsettled"] == 0
    assert s["e2e_p99"] > s["p99"]                               # the effects finish after the answer
    called = set(res.spans.loc[res.spans["operation"].str.startswith("call"), "operation"])
    assert called == {"call payment", "call inventory"}


def test_the_hybrid_caller_p99_sits_between_pure_event_driven_and_pure_request_response():
    for seed in (0, 1):
        p99 = {style: run(style, seed=seed, rate=100).summary()["p99"]
               for style in ("event_driven", "hybrid", "request_response")}
        assert p99["event_driven"] < p99["hybrid"] < p99["request_response"], (seed, p99)


# -- only a synchronous dependency can fail a checkout -----------------------------

def test_an_async_consumer_outage_fails_no_checkout_while_a_payment_outage_does():
    window = (6.0, 12.0)
    shipping_down = run(faults=[vn.Outage("shipping", *window)])
    s = shipping_down.summary()
    assert s["failed"] == 0                                      # nobody waits for shipping
    assert shipping_down.metric("consumer_lag")["shipping"].max() > 0.8 * RATE * (window[1] - window[0]) * 0.8
    assert s["events_pending"] == 0 and s["events_dlq"] == 0     # ... and it catches up afterwards

    payment_down = run(faults=[vn.Outage("payment", *window)])
    req = payment_down.requests
    failed = req[req["status"] != "ok"]
    assert len(failed) > 0.8 * RATE * (window[1] - window[0]) * 0.8
    assert set(failed["status"]) <= {"unavailable", "rejected", "rejected_downstream", "timeout"}
    assert failed["start"].between(window[0] - 0.5, window[1]).all()   # only while payment was down
    # A failed checkout publishes nothing: no shipping for an order that was refused.
    shipped = set(payment_down.events.loc[payment_down.events["group"] == "shipping", "request_id"])
    assert not shipped & set(failed["request_id"])


def test_moving_payment_behind_the_broker_hides_its_outage_from_the_customer():
    res = run(["inventory"], faults=[vn.Outage("payment", 6.0, 12.0)])
    s = res.summary()
    assert s["failed"] == 0                                      # every checkout says "ok" ...
    assert res.metric("consumer_lag")["payment"].max() > 100     # ... while payments pile up behind the broker
    assert s["events_pending"] == 0                              # and are worked off once payment is back
