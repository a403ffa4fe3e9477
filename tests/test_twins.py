"""Twins: any architecture, rewired in the other style, and nothing else changed.

The scenarios are special cases (their wiring is held to the hand-built
graphs in test_scenarios.py); here the twin is held to what it promises for
any system: the same services and costs, a link per link, the round trip
back, the same amount of work done in both styles, and a refusal with a
reason where no faithful twin exists.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vetora_nb as vn
from vetora_nb import scenarios
from vetora_nb.twins import Link, NoFaithfulTwin, links, style_of, twin

RR, ED = scenarios.STYLES
ORDER_CALL = {"timeout": 0.5, "retries": 2}


def wiring(arch) -> tuple:
    g = arch.graph
    return arch.name, arch.entry, list(g.nodes(data=True)), list(g.edges(data=True))


def unordered(arch) -> tuple:
    """The graph without the order things were added in."""
    g = arch.graph
    return (arch.entry, sorted((n, sorted(d.items(), key=str)) for n, d in g.nodes(data=True)),
            sorted(((a, b), sorted(d.items(), key=str)) for a, b, d in g.edges(data=True)))


def chain(*names, workers=2):
    arch = vn.Architecture("chain")
    for n in names:
        arch.add_service(n, workers=workers, service_time=vn.Exponential(mean=0.002))
    for a, b in zip(names, names[1:]):
        arch.add_call(a, b, timeout=0.5)
    arch.entry = names[0]
    return arch


def diamond():
    arch = vn.Architecture("diamond")
    for n, w in zip("ABCD", (8, 2, 3, 4)):
        arch.add_service(n, workers=w, service_time=vn.Exponential(mean=0.002))
    for a, b in ("AB", "AC", "BD", "CD"):
        arch.add_call(a, b, timeout=0.5)
    arch.entry = "A"
    return arch


# -- the scenarios are twins of each other ---------------------------------------

def test_the_order_example_in_each_style_is_the_twin_of_the_other():
    rr, ed = scenarios.order_placed(RR), scenarios.order_placed(ED)
    to_ed = twin(rr, streams={"orders": "order-placed"}, stream={"partitions": 4}, name=ED)
    to_rr = twin(ed, call=ORDER_CALL, name=RR)
    assert to_ed.differences(ed) == [] and wiring(to_ed) == wiring(ed)
    assert to_rr.differences(rr) == [] and wiring(to_rr) == wiring(rr)


def test_the_hybrid_shop_is_one_argument_away_from_request_response():
    rr = scenarios.hybrid_shop(RR)
    hybrid = twin(rr, sync=["payment", "inventory"], streams={"orders": "order-placed"},
                  stream={"partitions": 4}, name="hybrid")
    assert wiring(hybrid) == wiring(scenarios.hybrid_shop())
    back = twin(hybrid, sync=RR, call=ORDER_CALL, name=RR)
    assert wiring(back) == wiring(rr)


def test_a_hybrid_going_event_driven_publishes_to_the_stream_it_already_has():
    ed = twin(scenarios.hybrid_shop(), sync=ED, name=ED)
    assert ed.streams == ["order-placed"] and ed.calls_from("orders") == []
    assert unordered(ed) == unordered(scenarios.hybrid_shop(ED))


# -- what a twin keeps and what it changes -------------------------------------------

def test_services_keep_their_workers_costs_queues_and_entry():
    rr = scenarios.order_placed(RR, downstream={"a": (3, vn.LogNormal(0.01, 2.0)), "b": (1, 0.02)},
                                queue_capacity=7)
    ed = twin(rr)
    for name in rr.services:
        assert ed.graph.nodes[name] == rr.graph.nodes[name]
    assert ed.entry == rr.entry == "orders"
    assert ed.name == "request_response (event_driven)"


def test_each_call_becomes_a_consumer_group_of_its_callers_stream():
    ed = twin(chain("a", "b", "c"))
    assert ed.streams == ["a-events", "b-events"]
    assert ed.publishes_from("a") == ["a-events"] and ed.subscribers("a-events") == ["b"]
    assert ed.publishes_from("b") == ["b-events"] and ed.subscribers("b-events") == ["c"]
    assert ed.edges_of_kind("call") == []
    # partitions default to the largest consumer group, so no instance idles
    assert ed.graph.nodes["a-events"]["partitions"] == 2


def test_a_callee_with_two_callers_keeps_one_consumer_group():
    ed = twin(diamond())
    assert ed.subscribers("A-events") == ["B", "C"]
    assert ed.subscriptions_of("D") == ["B-C-events"]
    assert ed.publishes_from("B") == ed.publishes_from("C") == ["B-C-events"]
    assert twin(ed, call={"timeout": 0.5}, name="diamond").differences(diamond()) == []


def test_options_fill_in_what_only_one_style_has_per_edge_or_for_all():
    ed = twin(chain("a", "b", "c"), stream={"partitions": {"a-events": 3}, "append_latency": 0.01},
              subscription={"max_attempts": {"c": 5}, "idempotent": True},
              streams={"b": "b-done"})
    assert ed.graph.nodes["a-events"]["partitions"] == 3
    assert ed.graph.nodes["b-done"]["partitions"] == 2
    assert ed.graph.nodes["b-done"]["append_latency"] == vn.Constant(0.01)
    assert ed.graph.edges["a-events", "b"]["max_attempts"] == 3
    assert ed.graph.edges["b-done", "c"]["max_attempts"] == 5
    assert all(ed.graph.edges[e]["idempotent"] for e in ed.edges_of_kind("subscribe"))
    rr = twin(ed, call={"timeout": {"c": 0.2, ("a", "b"): 0.3}, "retries": 1})
    assert rr.graph.edges["a", "b"]["timeout"] == 0.3 and rr.graph.edges["b", "c"]["timeout"] == 0.2
    assert rr.graph.edges["a", "b"]["retries"] == 1


def test_sync_picks_links_by_service_or_by_pair():
    arch = diamond()
    assert [str(l) for l in links(arch)] == ["'A' -> 'B'", "'A' -> 'C'", "'B' -> 'D'", "'C' -> 'D'"]
    half = twin(arch, sync=["B", "C"])          # A waits for B and C; D is fed by events
    assert half.calls_from("A") == ["B", "C"] and half.subscriptions_of("D") == ["B-C-events"]
    assert style_of(half) == "hybrid"
    same = twin(arch, sync=[("A", "B"), ("A", "C")])
    assert wiring(same)[1:] == wiring(half)[1:]
    assert Link("A", "B").sync and not Link("A", "B", "s").sync


def test_a_twin_of_a_twin_gives_back_the_original_for_every_shipped_scenario():
    cases = [scenarios.order_placed(RR), scenarios.order_placed(ED), scenarios.hybrid_shop(RR),
             scenarios.single_service(3, style=RR)]
    for arch in cases:
        other = twin(arch, stream={"partitions": 4}, streams={"orders": "order-placed"}
                     if arch.calls_from(arch.entry) else None)
        back = twin(other, call=ORDER_CALL, name=arch.name, stream={"partitions": 4},
                    streams={"orders": "order-placed"} if other.calls_from(other.entry) else None)
        assert back.differences(arch) == [], arch.name


# -- the same work in both styles ------------------------------------------------------

def _work_done(res) -> dict:
    """How many times each service did a request's or an event's work."""
    spans = res.spans[res.spans["operation"].str.match(r"^(handle|consume)")]
    return spans.groupby("service").size().to_dict()


@pytest.mark.parametrize("build", [diamond, lambda: chain("a", "b", "c", "d")], ids=["diamond", "chain"])
def test_every_service_does_the_same_work_in_both_styles(build):
    rr = build()
    ed = twin(rr)
    runs = {name: vn.simulate(a, vn.Traffic.poisson(50), duration=4, seed=3) for name, a in
            (("rr", rr), ("ed", ed))}
    s = {k: r.summary() for k, r in runs.items()}
    assert s["rr"]["failed"] == 0 and s["ed"]["failed"] == 0
    assert s["ed"]["events_lost"] == 0 and s["ed"]["events_pending"] == 0
    work = {k: _work_done(r) for k, r in runs.items()}
    assert work["rr"] == work["ed"]
    if rr.name == "diamond":   # D works once for B's and once for C's part of each request
        assert work["ed"]["D"] == 2 * s["ed"]["requests"]


# -- refusals --------------------------------------------------------------------------

def test_a_hybrid_must_say_which_links_stay_synchronous():
    with pytest.raises(ValueError, match="hybrid.*sync="):
        twin(scenarios.hybrid_shop())


@pytest.mark.parametrize("change, words", [
    ({"start_at": 5.0}, "late"),
    ({"propagate_context": False}, "trace id"),
])
def test_subscriptions_a_call_cannot_imitate_are_refused(change, words):
    ed = scenarios.order_placed(ED)
    ed.graph.edges["order-placed", "shipping"].update(change)
    with pytest.raises(NoFaithfulTwin, match=words):
        twin(ed)
    # ...unless that subscription stays asynchronous
    kept = twin(ed, sync=["inventory", "notifications", "analytics"])
    assert kept.subscribers("order-placed") == ["shipping"]


def test_a_service_that_would_take_work_from_two_places_is_refused():
    with pytest.raises(NoFaithfulTwin, match=r"'D'.*2 workers|'D'.*4 workers"):
        twin(diamond(), sync=[("B", "D")])   # D: calls from B, and C's events
    ed = scenarios.order_placed(ED)
    ed.add_stream("returns", partitions=2)
    ed.add_service("returns-desk", workers=1)
    ed.add_publish("returns-desk", "returns")
    ed.add_subscription("returns", "shipping")   # shipping reads two streams: two groups
    with pytest.raises(NoFaithfulTwin, match="'shipping'.*capacity"):
        twin(ed)


def test_a_stream_whose_publishers_would_split_between_styles_is_refused():
    ed = twin(diamond())
    with pytest.raises(NoFaithfulTwin, match="'D' reads 'B-C-events'.*'B', 'C'"):
        twin(ed, sync=[("B", "D"), "B", "C"])


def test_two_links_between_the_same_services_are_refused():
    ed = scenarios.order_placed(ED)
    ed.add_stream("audit", partitions=1)
    ed.add_publish("orders", "audit")
    ed.add_service("auditor", workers=1)
    ed.add_subscription("audit", "auditor")
    ed.add_call("orders", "auditor")
    with pytest.raises(NoFaithfulTwin, match="more than one way"):
        twin(ed, sync=RR)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"sync": ["billing"]}, KeyError, "sync: unknown service 'billing'"),
    ({"sync": ["orders"]}, KeyError, "no link reaches 'orders'"),
    ({"sync": [("orders", "nobody")]}, KeyError, "no link reaches"),
    ({"sync": 42}, TypeError, "sync"),
    ({"sync": [3]}, TypeError, "sync"),
    ({"call": {"timout": 1}}, KeyError, "call: unknown option 'timout'"),
    ({"stream": {"partitions": 0}}, ValueError, "partitions"),
    ({"stream": {"partitions": {"nope": 2}}}, KeyError, "stream.*'nope'"),
    ({"subscription": {"max_attempts": {"billing": 2}}}, KeyError, "subscription.*'billing'"),
    ({"streams": {"billing": "x"}}, KeyError, "streams: 'billing'"),
    ({"streams": {"orders": "shipping"}}, ValueError, "streams: 'shipping'"),
    ({"call": 5}, TypeError, "call must be a mapping"),
])
def test_bad_arguments_are_refused_by_name(kwargs, error, words):
    with pytest.raises(error, match=words):
        twin(scenarios.order_placed(RR), **kwargs)
    with pytest.raises(TypeError, match="arch"):
        twin("order_placed")


# -- any system -------------------------------------------------------------------------

@st.composite
def call_graphs(draw):
    """A random request-response system: services 0..n-1, calls only forward."""
    n = draw(st.integers(2, 6))
    arch = vn.Architecture("random")
    for i in range(n):
        arch.add_service(f"s{i}", workers=draw(st.integers(1, 4)),
                         service_time=vn.Exponential(mean=draw(st.sampled_from([0.001, 0.003]))))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=10))
    for a, b in edges:
        if a < b and not arch.graph.has_edge(f"s{a}", f"s{b}"):
            arch.add_call(f"s{a}", f"s{b}", timeout=0.5)
    arch.entry = "s0"
    return arch


@settings(max_examples=60, deadline=None)
@given(call_graphs())
def test_any_call_graph_goes_event_driven_and_back(arch):
    ed = twin(arch)
    assert style_of(ed) in ("event_driven", "request_response")   # no links at all: nothing to rewire
    assert ed.edges_of_kind("call") == []
    assert len(links(ed)) == len(links(arch))
    for name in arch.services:
        assert ed.graph.nodes[name] == arch.graph.nodes[name]
        # every service reads at most one stream: one consumer group, its workers once
        assert len(ed.subscriptions_of(name)) <= 1
    back = twin(ed, call={"timeout": 0.5}, name=arch.name)
    assert unordered(back) == unordered(arch)
