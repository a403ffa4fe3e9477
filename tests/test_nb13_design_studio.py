"""Notebook 13 (design studio): the design model turns edits into architectures and
says in words what is wrong, files round-trip exactly, the studio's panel re-runs on
every move and explains an invalid design instead of raising, and its exercises
judge by simulation."""

from __future__ import annotations

import html

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import exercises as ex  # noqa: E402
from vetora_nb.architecture_files import ArchitectureFileError  # noqa: E402
from vetora_nb.experiments import studio as experiment  # noqa: E402
from vetora_nb.panels import nb13_design_studio as nb13  # noqa: E402
from vetora_nb.studio import Design, DesignError, shipped  # noqa: E402

from panel_checks import assert_drawn  # noqa: E402

SEED = 7
STUDENTS = [None, "someone-else"]


def checkout() -> Design:
    """A hybrid built edit by edit, streams and services interleaved."""
    d = Design("checkout")
    d.add_service("api", workers=8, service_time=0.004)
    d.add_service("payment", workers=4, service_time=vn.LogNormal(mean=0.010, cv=2.0))
    d.add_stream("paid", partitions=3)
    d.add_service("receipts", workers=2, service_time=0.005)
    d.add_call("api", "payment", timeout=0.3)
    d.add_publish("payment", "paid")
    d.add_subscription("paid", "receipts", idempotent=True)
    return d


# -- the design model ------------------------------------------------------------------

def test_edits_become_the_architecture():
    arch = checkout().architecture()
    assert arch.name == "checkout" and arch.entry == "api"       # the first service added
    assert list(arch.graph) == ["api", "payment", "paid", "receipts"]
    assert arch.graph.nodes["api"]["workers"] == 8
    assert arch.graph.nodes["api"]["service_time"] == vn.Exponential(mean=0.004)
    assert arch.graph.nodes["payment"]["service_time"] == vn.LogNormal(mean=0.010, cv=2.0)
    assert arch.graph.nodes["paid"]["partitions"] == 3
    assert arch.calls_from("api") == ["payment"] and arch.graph.edges["api", "payment"]["timeout"] == 0.3
    assert arch.publishes_from("payment") == ["paid"]
    assert arch.subscribers("paid") == ["receipts"] and arch.graph.edges["paid", "receipts"]["idempotent"]


def test_set_service_changes_workers_and_the_mean_keeping_the_kind():
    d = checkout()
    d.set_service("payment", workers=6, service_time=0.02)
    d.set_service("api", service_time=0.001)
    d.set_stream("paid", partitions=5)
    d.entry = "payment"
    arch = d.architecture()
    assert arch.graph.nodes["payment"]["workers"] == 6
    assert arch.graph.nodes["payment"]["service_time"] == vn.LogNormal(mean=0.02, cv=2.0)
    assert arch.graph.nodes["api"]["service_time"] == vn.Exponential(mean=0.001)
    assert arch.graph.nodes["paid"]["partitions"] == 5 and arch.entry == "payment"
    assert d.service("payment") == {"workers": 6, "service_time": 0.02}


def test_removing_elements():
    d = checkout()
    d.remove_subscription("paid", "receipts")
    d.remove_publish("payment", "paid")
    d.remove_stream("paid")
    d.remove_call("api", "payment")
    d.remove_service("api")                  # the entry goes: the next service takes over
    arch = d.architecture()
    assert arch.services == ["payment", "receipts"] and arch.streams == [] and arch.entry == "payment"
    assert arch.graph.number_of_edges() == 0


def test_bad_edits_name_what_is_wrong():
    d = checkout()
    with pytest.raises(ValueError, match="workers"):
        d.add_service("x", workers=0)
    with pytest.raises(TypeError, match="service_time"):
        d.add_service("x", service_time="fast")
    with pytest.raises(ValueError, match="'api' is already a service"):
        d.add_stream("api")
    with pytest.raises(ValueError, match="already an edge"):
        d.add_call("api", "payment")
    with pytest.raises(KeyError, match="no service 'nope'"):
        d.remove_service("nope")
    with pytest.raises(KeyError, match="no edge"):
        d.remove_edge("receipts", "api")
    with pytest.raises(KeyError, match="entry"):
        d.entry = "paid"


@pytest.mark.parametrize("name", sorted(shipped()))
def test_a_shipped_file_round_trips_exactly(name, tmp_path):
    original = vn.load_architecture(shipped()[name])
    design = Design.load(shipped()[name])
    assert design.architecture().differences(original) == []
    saved = design.save(tmp_path / f"{name}.toml")
    assert vn.load_architecture(saved).differences(original) == []
    assert saved.read_text() == shipped()[name].read_text()


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_built_design_round_trips_exactly(suffix, tmp_path):
    d = checkout()
    again = Design.load(d.save(tmp_path / f"checkout{suffix}"))
    assert again.architecture().differences(d.architecture()) == []
    assert again.twin().differences(d.twin()) == []


def test_a_bad_file_names_its_key(tmp_path):
    path = checkout().save(tmp_path / "c.toml")
    path.write_text(path.read_text().replace("partitions = 3", "partitions = 0"))
    with pytest.raises(ArchitectureFileError, match=r"line \d+: streams.paid.partitions"):
        Design.load(path)


def test_a_dangling_edge_is_explained():
    d = checkout()
    d.remove_service("receipts")
    d.add_call("api", "fraud")
    problems = d.problems()
    assert len(problems) == 2
    assert "subscription 'paid' → 'receipts' names 'receipts', which is not in the design" in problems[0]
    assert "'fraud'" in problems[1] and "add a service 'fraud'" in problems[1]
    with pytest.raises(DesignError) as info:
        d.architecture()
    assert info.value.problems == problems
    with pytest.raises(DesignError):
        d.save("never.toml")


def test_a_cycle_of_calls_is_explained():
    d = checkout()
    d.add_call("payment", "receipts")
    d.add_call("receipts", "api")
    (problem,) = d.problems()
    assert "synchronous calls" in problem and "cycle" in problem
    for name in ("'api'", "'payment'", "'receipts'"):
        assert name in problem


def test_an_event_loop_a_wrong_end_and_a_self_call_are_explained():
    d = checkout()
    d.add_publish("receipts", "paid")           # receipts' events feed itself
    assert any("loop" in p for p in d.problems())
    d = checkout()
    d.add_call("api", "paid")
    assert any("needs 'paid' to be a service, but it is a stream" in p for p in d.problems())
    d = checkout()
    d.add_call("api", "api")
    assert any("calls itself" in p for p in d.problems())
    assert "no service yet" in Design("empty").problems()[0]


def test_the_twin_flips_every_link_unless_told():
    d = Design.load(experiment.SHOP)
    assert d.twin_sync() == []
    assert vn.twins.style_of(d.twin()) == "event_driven"
    d.set_sync("orders", "payment", True)
    twin = d.twin()
    assert twin.calls_from("orders") == ["payment"] and vn.twins.style_of(twin) == "hybrid"
    back = Design.from_architecture(twin)
    assert set(back.twin_sync()) == {("orders", s) for s in ("inventory", "shipping", "notifications", "analytics")}
    with pytest.raises(KeyError, match="no link"):
        d.set_sync("payment", "orders", True)


def test_a_twin_refused_is_explained():
    d = checkout()
    d.add_call("api", "receipts")               # receipts: calls and events, two sources of work
    assert d.problems() == []
    with pytest.raises(DesignError, match="no faithful twin.*'receipts'"):
        d.twin()


# -- the panel and the editor ---------------------------------------------------------

@pytest.fixture
def studio():
    return nb13.studio(duration=4, parallel=False)


def _add_edge(editor, kind, a, b):
    editor.fields["edge_kind"].value = kind
    editor.fields["edge_from"].value, editor.fields["edge_to"].value = a, b
    editor.buttons["add edge"].click()


def test_moving_a_control_runs_again(studio):
    panel = studio.panel
    assert_drawn(panel)
    first = {name: id(r) for name, r in panel.results.items()}
    runs = panel.runs
    panel.update(rate=150)
    assert panel.runs == runs + 1 and panel.error is None
    assert all(id(panel.results[n]) != first[n] for n in first)
    assert all(seconds is not None for name, seconds in panel.timings.items() if name != "draw")
    assert panel.results["request_response"].summary()["requests"] > 0


def test_moves_redraw_in_place_the_picture_a_fresh_draw_gives(studio):
    from redraw_checks import assert_same_picture

    panel = studio.panel
    figure = panel.figure
    for move in ({"rate": 150}, {"service": "payment", "down": False, "slowdown": 6.0},
                 {"cut": "shipping"}, {"retries": 2, "breaker": True}):
        panel.update(**move)
        assert panel.in_place and panel.figure is figure, f"{move}: a fresh figure was drawn"
        assert_same_picture(panel, move)
    # A tick makes the twin a hybrid: other run names, so a fresh figure.
    studio.editor.sync_boxes[("orders", "payment")].value = True
    assert not panel.in_place and panel.figure is not figure
    assert_same_picture(panel, "the twin a hybrid")


def test_an_invalid_design_is_explained_in_the_panel(studio):
    editor, panel = studio.editor, studio.panel
    _add_edge(editor, "call", "payment", "orders")
    assert panel.error is not None and "cycle" in panel.error and "'payment'" in panel.error
    assert panel.output.outputs == () and editor.figure is None
    assert "cycle" in html.unescape(editor._message.value)
    editor.fields["edge_from"].value, editor.fields["edge_to"].value = "payment", "orders"
    editor.buttons["remove edge"].click()
    assert panel.error is None and editor.problems == []
    assert_drawn(panel)


def test_a_removed_service_dangles_and_leaves_the_fault_menu(studio):
    editor, panel = studio.editor, studio.panel
    editor.fields["service"].value = "shipping"
    editor.buttons["remove service"].click()
    assert "names 'shipping', which is not in the design" in panel.error
    assert "shipping" not in panel.controls["service"].options
    assert panel.controls["service"].value in editor.design.services
    editor.fields["service"].value, editor.fields["workers"].value = "shipping", 4
    editor.buttons["add service"].click()
    assert panel.error is None and "shipping" in panel.controls["service"].options


def test_in_a_notebook_an_edit_runs_in_the_background(studio):
    editor, panel = studio.editor, studio.panel
    panel.background = True                      # as inside a kernel
    runs = panel.runs
    editor.fields["service"].value, editor.fields["workers"].value = "payment", 1
    editor.buttons["add service"].click()
    assert panel.wait(timeout=60) and panel.runs == runs + 1 and panel.error is None
    assert panel.results["request_response"].architecture.graph.nodes["payment"]["workers"] == 1


def test_a_tick_makes_the_twin_a_hybrid(studio):
    editor, panel = studio.editor, studio.panel
    editor.sync_boxes[("orders", "payment")].value = True
    assert panel.error is None and sorted(panel.results) == ["hybrid", "request_response"]
    assert panel.results["hybrid"].architecture.calls_from("orders") == ["payment"]


def test_a_twin_refused_is_explained_in_the_panel(studio):
    editor, panel = studio.editor, studio.panel
    editor.fields["stream"].value = "audit"
    editor.buttons["add stream"].click()
    _add_edge(editor, "publish", "orders", "audit")
    _add_edge(editor, "subscribe", "audit", "payment")       # payment: called and consuming
    assert "no faithful twin" in panel.error and "'payment'" in panel.error
    assert editor.figure is None and "no faithful twin" in editor.message


def test_the_editor_saves_and_loads_files(studio, tmp_path):
    editor, panel = studio.editor, studio.panel
    editor.folder = tmp_path
    editor.fields["service"].value, editor.fields["workers"].value = "fraud", 3
    editor.buttons["add service"].click()
    _add_edge(editor, "call", "orders", "fraud")
    editor.fields["path"].value = "mine.toml"
    editor.buttons["save"].click()
    saved = vn.load_architecture(tmp_path / "mine.toml")
    assert saved.differences(editor.design.architecture()) == []
    editor.fields["shipped"].value = "order_placed_event_driven"
    editor.buttons["load shipped"].click()
    assert panel.error is None and sorted(panel.results) == ["event_driven", "request_response"]
    assert editor.design.architecture().differences(vn.scenarios.order_placed("event_driven")) == []
    editor.buttons["load file"].click()
    assert "fraud" in editor.design.services and "fraud" in panel.results["request_response"].architecture.services
    (tmp_path / "bad.toml").write_text("name = 'x'\n[services.a]\nworkers = -1\n")
    editor.fields["path"].value = "bad.toml"
    editor.buttons["load file"].click()
    assert "Could not load file" in editor.message and "services.a.workers" in editor.message
    assert "fraud" in editor.design.services        # nothing changed


def test_a_fault_on_a_service_the_design_lacks_is_explained():
    d = Design.load(experiment.SHOP)
    panel = nb13.panel(d, duration=4, run=False, parallel=False, service="payment")
    d2 = d.copy()
    d2.remove_call("orders", "payment")
    d2.remove_service("payment")
    panel.update(design=d2)
    assert "faulty service 'payment' is not in the design" in panel.error


# -- exercises ---------------------------------------------------------------------

def params(student):
    return ex.variant("13", student_id=student)


def test_second_student_gets_other_parameters():
    assert params(None) != params("someone-else")


@pytest.mark.parametrize("student", STUDENTS)
def test_twin_payment_down(student):
    rate = params(student)["RATE"]
    assert ex.judge("13.twin_payment_down", "about the same", rate=rate, seed=SEED)
    assert ex.judge("13.twin_payment_down", " About the same", rate=rate, seed=SEED)
    assert not ex.judge("13.twin_payment_down", "fewer", rate=rate, seed=SEED)
    assert not ex.judge("13.twin_payment_down", "none", rate=rate, seed=SEED)


def test_twin_payment_down_is_measured():
    """The prediction's answer is what the runs say: the twin that keeps payment
    synchronous fails as many orders as the design, the fully event-driven twin none."""
    d = Design.load(experiment.SHOP)
    full = experiment.compare_runs(d, rate=100, duration=30, fault_service="payment", window=(10, 20), seed=SEED)
    assert full["request_response"].summary()["error_rate"] > 0.2
    assert full["event_driven"].summary()["error_rate"] == 0
    d.set_sync("orders", "payment", True)
    kept = experiment.compare_runs(d, rate=100, duration=30, fault_service="payment", window=(10, 20), seed=SEED)
    rr, hybrid = (r.summary()["error_rate"] for r in kept.values())
    assert 0.8 <= hybrid / rr <= 1.25


def solution() -> Design:
    d = Design.load(experiment.SHOP)
    d.add_stream("order-placed", partitions=4)
    d.add_publish("orders", "order-placed")
    for s in ("inventory", "shipping", "notifications", "analytics"):
        d.remove_call("orders", s)
        d.add_subscription("order-placed", s)
    return d


@pytest.mark.parametrize("student", STUDENTS)
def test_slo_design(student):
    p = params(student)
    kw = dict(rate=p["RATE"], service=p["FAULT_SERVICE"], error_slo=p["ERROR_SLO"], p99_slo=p["P99_SLO"], seed=SEED)
    assert ex.judge("13.slo_design", solution(), **kw)
    twin = Design.load(experiment.SHOP)
    twin.set_sync("orders", "payment", True)
    assert ex.judge("13.slo_design", twin.twin(), **kw)                       # an Architecture will do
    assert not ex.judge("13.slo_design", Design.load(experiment.SHOP), **kw)  # all synchronous: fails
    everything_async = Design.load(experiment.SHOP)
    out = ex.judge("13.slo_design", everything_async.twin(), **kw)
    assert not out and "payment" in out.reason
    cheat = solution()
    cheat.set_service(p["FAULT_SERVICE"], workers=40)
    out = ex.judge("13.slo_design", cheat, **kw)
    assert not out and "services must stay" in out.reason
    dropped = solution()
    dropped.remove_subscription("order-placed", "analytics")
    out = ex.judge("13.slo_design", dropped, **kw)
    assert not out and "analytics" in out.reason
    broken = solution()
    broken.add_call("payment", "orders")
    out = ex.judge("13.slo_design", broken, **kw)
    assert not out and "cycle" in out.reason
    assert not ex.judge("13.slo_design", "hybrid", **kw)


def test_slo_design_holds_the_p99_slo():
    """The same design passes a p99 SLO it meets and fails one it misses."""
    kw = dict(rate=100, service="shipping", error_slo=0.01)
    assert ex.judge("13.slo_design", solution(), p99_slo=0.1, **kw)
    out = ex.judge("13.slo_design", solution(), p99_slo=0.01, **kw)
    assert not out and "p99" in out.reason


def test_checks_print_without_the_answer(capsys):
    assert not ex.check("13.twin_payment_down", "more", rate=params(None)["RATE"], seed=SEED)
    out = capsys.readouterr().out
    assert "Hint" in out and "about the same" not in out


def test_every_call_of_both_gets_the_panels_call_options():
    for start in ("hybrid_shop_request_response", "hybrid_shop_event_driven"):
        archs = experiment.architectures(Design.load(shipped()[start]), timeout=0.3, retries=1, breaker=True)
        calls = [(a, arch.graph.edges[e]) for a, arch in archs.items() for e in arch.edges_of_kind("call")]
        assert len(calls) == 5, start
        for _, attrs in calls:
            assert (attrs["timeout"], attrs["retries"], attrs["circuit_breaker"]) == (0.3, 1, experiment.BREAKER)
    plain = experiment.architectures(Design.load(experiment.SHOP), breaker=False)["request_response"]
    assert all(plain.graph.edges[e]["circuit_breaker"] is None for e in plain.edges_of_kind("call"))
    with pytest.raises(KeyError, match="timeoutt"):
        Design.load(experiment.SHOP).set_call_options(timeoutt=1.0)
