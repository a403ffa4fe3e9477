"""Coupling: change impact read off the graph, producer-side edges as
consumers are added, and availability composition held to the product rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

import vetora_nb as vn
from vetora_nb.patterns import coupling

RR = vn.scenarios.order_placed("request_response")
ED = vn.scenarios.order_placed("event_driven")


def _within(measured, predicted, n, sigmas=4.0):
    return abs(measured - predicted) <= sigmas * math.sqrt(predicted * (1 - predicted) / n)


def test_adding_a_consumer():
    rr = coupling.change_impact(RR, ("add_consumer", "fraud"))
    assert rr.must_change == rr.must_redeploy == ["orders"] and rr.new == ["fraud"]
    assert rr.producer_edges_touched == 1 and rr.at_risk == ["orders"]
    ed = coupling.change_impact(ED, ("add_consumer", "fraud"))
    assert ed.must_change == ed.must_redeploy == [] and ed.new == ["fraud"]
    assert ed.producer_edges_touched == 0 and ed.at_risk == []
    # naming the source explicitly
    assert coupling.change_impact(RR, ("add_consumer", "fraud", "inventory")).must_redeploy == ["inventory"]
    assert coupling.change_impact(ED, ("add_consumer", "fraud", "order-placed")).must_redeploy == []


def test_changing_an_api_and_an_event():
    assert coupling.change_impact(RR, ("change_api", "inventory")).must_change == ["inventory", "orders"]
    assert coupling.change_impact(ED, ("change_api", "inventory")).must_change == ["inventory"]
    # events decouple calls, not schemas: every consumer reads the event
    ev = coupling.change_impact(ED, ("change_event", "order-placed"))
    assert ev.must_change == sorted(["orders", "inventory", "shipping", "notifications", "analytics"])


def test_taking_a_node_down():
    assert coupling.change_impact(RR, ("take_down", "shipping")).fail == ["orders"]
    ed = coupling.change_impact(ED, ("take_down", "shipping"))
    assert ed.fail == [] and ed.delayed == ["shipping"]
    broker = coupling.change_impact(ED, ("take_down", "order-placed"))
    assert broker.fail == ["orders"]
    assert broker.delayed == sorted(["inventory", "shipping", "notifications", "analytics"])
    # a deeper chain: everyone upstream of the failure fails
    chain = coupling.chain_architecture(4)
    assert coupling.change_impact(chain, ("take_down", "s3")).fail == ["s0", "s1", "s2"]


def test_change_impact_bad_input():
    with pytest.raises(ValueError, match="change"):
        coupling.change_impact(RR, ("rename", "orders"))
    with pytest.raises(KeyError, match="nope"):
        coupling.change_impact(RR, ("take_down", "nope"))
    with pytest.raises(ValueError, match="fraud|inventory"):
        coupling.change_impact(RR, ("add_consumer", "inventory"))


def test_producer_edges_grow_with_consumers_only_in_rr():
    ns = (1, 2, 3, 5, 8)
    assert [coupling.producer_edges_touched("request_response", n) for n in ns] == list(ns)
    assert [coupling.producer_edges_touched("event_driven", n) for n in ns] == [1] * len(ns)
    table = coupling.coupling_table(ns=(1, 4)).set_index(["style", "consumers"])
    assert table.loc[("request_response", 4), "touched_by_next"] == 1
    assert table.loc[("event_driven", 4), "touched_by_next"] == 0


@pytest.mark.parametrize("error_rates,use_faults", [
    ((0.05, 0.05, 0.05), False),
    ((0.02, 0.10, 0.05, 0.08), True),
])
def test_chain_availability_follows_the_product_rule(error_rates, use_faults):
    for seed in (0, 1):
        m = coupling.chain_availability(error_rates, use_faults=use_faults, rate=200, duration=15, seed=seed)
        assert m["predicted"] == pytest.approx(np.prod([1 - e for e in error_rates]))
        assert m["requests"] > 2500
        assert _within(m["measured"], m["product_rule"], m["requests"]), m


def test_retries_change_the_product():
    m = coupling.chain_availability((0.1, 0.1, 0.1), retries=1, rate=200, duration=15, seed=3)
    n = m["requests"]
    # the product rule no longer holds ...
    assert m["measured"] - m["product_rule"] > 10 * math.sqrt(m["product_rule"] * (1 - m["product_rule"]) / n)
    # ... the retry-aware composition does, and it costs extra calls
    assert _within(m["measured"], m["predicted"], n), m
    assert m["attempts_per_request"] > 2.0


def test_ed_producer_availability_is_independent_of_its_consumers():
    traffic = vn.Traffic.poisson(100)
    statuses = {}
    for style in ("request_response", "event_driven"):
        arch = vn.scenarios.order_placed(style)
        for e in (0.0, 0.3):
            faults = [vn.ErrorRate("orders", 0, math.inf, 0.02)]
            faults += [vn.ErrorRate(s, 0, math.inf, e) for s in ("inventory", "shipping") if e > 0]
            res = vn.simulate(arch, traffic, duration=15, faults=faults, seed=6)
            statuses[style, e] = res.requests["status"].to_numpy()
    # ED: the very same requests succeed whatever the consumers do
    assert (statuses["event_driven", 0.0] == statuses["event_driven", 0.3]).all()
    n = len(statuses["event_driven", 0.0])
    assert _within((statuses["event_driven", 0.0] == "ok").mean(), 0.98, n)
    # RR with two retries: each flaky callee still costs 1 - 0.3**3
    rr_ok = (statuses["request_response", 0.3] == "ok").mean()
    predicted = 0.98 * (1 - 0.3 ** 3) ** 2
    assert _within(rr_ok, predicted, n)
    se = math.sqrt(predicted * (1 - predicted) / n)
    assert (statuses["request_response", 0.0] == "ok").mean() - rr_ok > 4 * se


def test_ed_producer_depends_on_itself_and_the_broker():
    table = coupling.producer_availability(producer_error_rate=0.02, consumer_error_rate=0.3,
                                           broker_outage=(5.0, 9.0), rate=50, duration=30, seed=2)
    table = table.set_index("style")
    ed, rr = table.loc["event_driven"], table.loc["request_response"]
    assert ed["dependencies"] == 1.0 and ed["broker"] < 1.0
    assert rr["broker"] == 1.0 and rr["dependencies"] < 1.0
    for row in (ed, rr):
        assert abs(row["measured"] - row["predicted"]) <= 4 * row["stderr"], row
