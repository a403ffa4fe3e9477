"""Architectures as files: exact round trips, and mistakes named by key and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vetora_nb as vn
from vetora_nb import architecture_files as af
from vetora_nb import scenarios

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "vetora_nb" / "data" / "architectures"
RR, ED = scenarios.STYLES


def wiring(arch) -> tuple:
    """Everything about an architecture, in the order it was built."""
    g = arch.graph
    return arch.name, arch.entry, list(g.nodes(data=True)), list(g.edges(data=True))


def assert_round_trip(arch, tmp_path=None):
    again = af.loads(af.dumps(arch))
    assert again.differences(arch) == []
    assert wiring(again) == wiring(arch)
    assert af.from_dict(json.loads(json.dumps(af.to_dict(arch)))).differences(arch) == []
    if tmp_path is not None:
        for suffix in (".toml", ".json"):
            path = vn.save_architecture(arch, tmp_path / f"a{suffix}")
            assert wiring(vn.load_architecture(path)) == wiring(arch)


# -- the shipped files ------------------------------------------------------------

def test_every_shipped_scenario_has_a_file_and_nothing_else_is_there():
    assert sorted(p.stem for p in SHIPPED_DIR.glob("*.toml")) == sorted(scenarios.SHIPPED)


@pytest.mark.parametrize("name", sorted(scenarios.SHIPPED))
def test_a_shipped_file_is_exactly_its_scenario(name):
    path = SHIPPED_DIR / f"{name}.toml"
    built = scenarios.SHIPPED[name]()
    loaded = vn.load_architecture(path)
    assert loaded.differences(built) == []
    assert wiring(loaded) == wiring(built)
    # and the file is what save() writes today: regenerate with scenarios.write_files
    assert path.read_text() == af.dumps(built), f"{path.name} is stale: run vn.scenarios.write_files"


def test_a_loaded_scenario_runs_exactly_like_the_built_one():
    loaded = vn.load_architecture(SHIPPED_DIR / "hybrid_shop.toml")
    faults = [vn.Outage("shipping", start=1, end=2)]
    a, b = (vn.simulate(arch, vn.Traffic.poisson(60), duration=3, faults=faults, seed=5)
            for arch in (loaded, scenarios.hybrid_shop()))
    assert a.summary() == b.summary()
    assert a.spans.equals(b.spans) and a.events.equals(b.events)


# -- round trips --------------------------------------------------------------------

def test_round_trip_keeps_distributions_breakers_nones_odd_names_and_node_order(tmp_path):
    arch = scenarios.order_placed(RR, circuit_breaker=vn.CircuitBreaker(3, 1.5), queue_capacity=None,
                                  downstream={"a b": (2, vn.LogNormal(0.01, 2.0)),
                                              "c.d": (1, vn.Uniform(0.001, 0.003)),
                                              'quote"d': (1, vn.Constant(0.002))})
    assert_round_trip(arch, tmp_path)
    ed = scenarios.single_service(2, style=ED, partitions=3)   # a stream between two services
    assert list(ed.graph) == ["producer", "jobs", "server"]
    assert_round_trip(ed, tmp_path)
    log = vn.Architecture("log")
    log.add_service("writer", workers=2, error_rate=0.25)
    log.add_stream("history", partitions=2, retention=30.0, publish_retries=0, publish_timeout=0.1)
    log.add_service("late", workers=1)
    log.add_publish("writer", "history")
    log.add_subscription("history", "late", start_at=5.0, from_beginning=False, propagate_context=False,
                         idempotent=True, commit_interval=0.0)
    log.entry = "writer"
    assert_round_trip(log, tmp_path)
    assert_round_trip(vn.Architecture("empty"))


def test_twins_and_hybrids_round_trip():
    for arch in (vn.twin(scenarios.hybrid_shop(), sync=ED),
                 vn.twin(scenarios.order_placed(RR), sync=["inventory"]),
                 vn.twin(vn.twin(scenarios.order_placed(RR)), call={"timeout": 0.2})):
        assert_round_trip(arch)


@st.composite
def architectures(draw):
    n = draw(st.integers(1, 5))
    arch = vn.Architecture(draw(st.text(min_size=1, max_size=8).filter(str.strip)))
    dists = st.one_of(st.floats(0, 1).map(vn.Constant), st.floats(1e-4, 1).map(vn.Exponential),
                      st.builds(vn.LogNormal, st.floats(1e-4, 1), st.floats(0.1, 4)))
    for i in range(n):
        arch.add_service(f"s{i}", workers=draw(st.integers(1, 50)), service_time=draw(dists),
                         queue_capacity=draw(st.none() | st.integers(0, 100)),
                         error_rate=draw(st.floats(0, 1)), fanout=draw(st.sampled_from(["sequential", "parallel"])))
    for a in range(n):
        for b in range(a + 1, n):
            if draw(st.booleans()):
                breaker = draw(st.none() | st.builds(vn.CircuitBreaker, st.integers(1, 9), st.floats(0.1, 9)))
                arch.add_call(f"s{a}", f"s{b}", timeout=draw(st.floats(0.01, 5)), retries=draw(st.integers(0, 3)),
                              latency=draw(dists), circuit_breaker=breaker)
    arch.entry = "s0"
    sync = draw(st.lists(st.sampled_from(arch.services), unique=True))
    linked = {b for _, b in arch.edges_of_kind("call")}
    return vn.twin(arch, sync=[s for s in sync if s in linked] or "event_driven", name=arch.name)


@settings(max_examples=40, deadline=None)
@given(architectures())
def test_any_architecture_round_trips(arch):
    assert_round_trip(arch)


def test_a_short_hand_written_file_takes_the_defaults():
    arch = af.loads("""
        name = "tiny"
        entry = "api"
        [services.api]
        workers = 2
        service_time = 0.01          # a number is a constant
        [services.db]
        [[calls]]
        caller = "api"
        callee = "db"
    """)
    by_hand = vn.Architecture("tiny")
    by_hand.add_service("api", workers=2, service_time=vn.Constant(0.01))
    by_hand.add_service("db")
    by_hand.add_call("api", "db")
    by_hand.entry = "api"
    assert arch.differences(by_hand) == []


# -- mistakes -------------------------------------------------------------------------

TEXT = af.dumps(scenarios.hybrid_shop())


def line_of(text: str, needle: str, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[:text.index(needle, start)].count("\n") + 1


@pytest.mark.parametrize("old, new, key, after", [
    ("workers = 16", "workers = 0", "services.orders.workers", ""),
    ("workers = 16", "workers = 1.5", "services.orders.workers", ""),
    ("workers = 16", "wrokers = 16", "services.orders.wrokers", ""),
    ('kind = "exponential", mean = 0.006', 'kind = "expo", mean = 0.006', "services.payment.service_time.kind", ""),
    ('kind = "exponential", mean = 0.006', 'kind = "exponential", mean = -1', "services.payment.service_time.mean", ""),
    ('kind = "exponential", mean = 0.006', 'kind = "exponential"', "services.payment.service_time",
     "[services.payment]"),
    ("partitions = 4", "partitions = 4.5", "streams.order-placed.partitions", ""),
    ('callee = "inventory"', 'callee = "inventroy"', "calls[1].callee", ""),
    ('service = "shipping"', 'service = "order-placed"', "subscriptions[0].service", ""),
    ("max_attempts = 3", 'max_attempts = "3"', "subscriptions[0].max_attempts", ""),
    ('entry = "orders"', 'entry = "nope"', "entry", ""),
    ("version = 1", "version = 2", "version", ""),
    ("timeout = 0.5\nretries", "timeout = 0.5\nretires", "calls[0].retires", "[[calls]]"),
])
def test_a_bad_value_is_named_with_its_key_and_line(old, new, key, after):
    assert old in TEXT
    start = TEXT.index(after) if after else 0
    text = TEXT[:start] + TEXT[start:].replace(old, new, 1)
    with pytest.raises(af.ArchitectureFileError) as info:
        af.loads(text, source="shop.toml")
    err = info.value
    assert err.key == key
    assert err.line == line_of(text, new.split("\n")[-1], after)
    assert str(err).startswith(f"shop.toml, line {err.line}: {key}: ")
    assert isinstance(err, ValueError)


def test_a_syntax_error_gives_the_parsers_line():
    text = TEXT.replace("[services.payment]", "[services.payment")
    with pytest.raises(af.ArchitectureFileError, match="not valid TOML") as info:
        af.loads(text)
    assert info.value.line == line_of(text, "[services.payment")


def test_missing_and_unknown_keys_and_whole_graph_mistakes():
    with pytest.raises(af.ArchitectureFileError, match="name: missing"):
        af.loads("entry = 'x'")
    with pytest.raises(af.ArchitectureFileError, match="colour: unknown key") as info:
        af.loads('name = "x"\ncolour = "red"\n')
    assert info.value.line == 2
    with pytest.raises(af.ArchitectureFileError, match=r"calls\[2\]\.callee: missing") as info:
        af.loads(TEXT + '\n[[calls]]\ncaller = "payment"\n')
    assert info.value.line == TEXT.count("\n") + 2
    with pytest.raises(af.ArchitectureFileError, match="calls: cycle of synchronous calls"):
        af.loads(TEXT + '\n[[calls]]\ncaller = "payment"\ncallee = "orders"\n')
    with pytest.raises(af.ArchitectureFileError, match="nodes: must list every service and stream once"):
        af.loads(TEXT.replace('entry = "orders"', 'entry = "orders"\nnodes = ["orders"]'))


def test_file_names_and_json_errors(tmp_path):
    with pytest.raises(ValueError, match="path must end in .toml or .json"):
        vn.save_architecture(scenarios.order_placed(), tmp_path / "a.yaml")
    with pytest.raises(TypeError, match="path"):
        vn.load_architecture(42)
    with pytest.raises(TypeError, match="arch"):
        af.dumps("order_placed")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "name": "x",\n  "services": {\n}}}\n')
    with pytest.raises(af.ArchitectureFileError, match="not valid JSON") as info:
        vn.load_architecture(bad)
    assert info.value.line == 4
    bad.write_text(json.dumps({"name": "x", "services": {"a": {"workers": 0}}}))
    with pytest.raises(af.ArchitectureFileError, match="services.a.workers: workers must be >= 1"):
        vn.load_architecture(bad)
