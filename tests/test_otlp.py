"""Traces out: the OTLP/JSON export read back with OpenTelemetry's own protobuf definitions.

``opentelemetry-proto`` is the official Python build of the OTLP ``.proto``
files; ``google.protobuf.json_format.Parse`` into its
``ExportTraceServiceRequest`` is a strict reader (an unknown field, a wrong
type or a bad enum fails). OTLP/JSON differs from protobuf's own JSON
mapping in one documented way: trace and span ids are hex strings, not
base64 — so, like every OTLP/JSON receiver, the test decodes them as hex
before handing the document to the protobuf parser.
"""

from __future__ import annotations

import base64
import copy
import json

import pandas as pd
import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

import vetora_nb as vn
from vetora_nb.patterns import otlp

EPOCH = 1_800_000_000.25   # any start will do; a fraction checks the arithmetic


def parse(doc: dict) -> ExportTraceServiceRequest:
    doc = copy.deepcopy(doc)
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for field in ("traceId", "spanId", "parentSpanId"):
                    if field in span:
                        span[field] = base64.b64encode(bytes.fromhex(span[field])).decode()
    return json_format.Parse(json.dumps(doc), ExportTraceServiceRequest())


def flat(request: ExportTraceServiceRequest) -> list[tuple[str, Span]]:
    """(service.name of the resource, span) for every span."""
    out = []
    for rs in request.resource_spans:
        names = [a.value.string_value for a in rs.resource.attributes if a.key == "service.name"]
        assert len(names) == 1
        out += [(names[0], span) for ss in rs.scope_spans for span in ss.spans]
    return out


@pytest.fixture(scope="module")
def runs():
    faults = [vn.ErrorRate("shipping", start=0, end=3, rate=0.5)]
    out = {}
    for style in vn.scenarios.STYLES:
        out[style] = vn.simulate(vn.scenarios.order_placed(style), vn.Traffic.poisson(40), duration=3,
                                 faults=faults, seed=2)
    return out


@pytest.mark.parametrize("style", vn.scenarios.STYLES)
def test_every_span_survives_with_its_service_parent_timing_and_status(runs, style):
    res = runs[style]
    spans = res.spans
    parsed = flat(parse(otlp.to_otlp(res, epoch=EPOCH)))
    assert len(parsed) == len(spans) > 0
    by_id = {span.span_id: (service, span) for service, span in parsed}
    assert len(by_id) == len(parsed)              # span ids are unique
    epoch_ns = round(EPOCH * 1e6) * 1000
    rows = spans.set_index("span_id")
    for service, span in parsed:
        sid = int.from_bytes(span.span_id, "big") - 1
        row = rows.loc[sid]
        assert len(span.trace_id) == 16 and len(span.span_id) == 8
        assert service == row["service"] and span.name == row["operation"]
        # timings: nanoseconds since the epoch, exact to the nanosecond
        assert span.start_time_unix_nano - epoch_ns == round(row["start"] * 1e9)
        assert span.end_time_unix_nano - span.start_time_unix_nano == pytest.approx(
            (row["end"] - row["start"]) * 1e9, abs=2)
        # the parent is the span res.spans names, in the same trace
        if row["parent_id"] is pd.NA:
            assert span.parent_span_id == b""
        else:
            parent_service, parent = by_id[span.parent_span_id]
            assert int.from_bytes(span.parent_span_id, "big") - 1 == row["parent_id"]
            assert parent.trace_id == span.trace_id
        if row["status"] == "ok":
            assert span.status.code == Status.STATUS_CODE_OK
        else:
            assert span.status.code == Status.STATUS_CODE_ERROR and span.status.message == row["status"]
    kinds = {span.name.split()[0]: span.kind for _, span in parsed}
    assert kinds["handle"] == Span.SPAN_KIND_SERVER
    if style == "request_response":
        assert kinds["call"] == Span.SPAN_KIND_CLIENT
    else:
        assert kinds["publish"] == Span.SPAN_KIND_PRODUCER and kinds["consume"] == Span.SPAN_KIND_CONSUMER
    assert any(span.status.code == Status.STATUS_CODE_ERROR for _, span in parsed)


def test_the_trace_id_crosses_the_broker(runs):
    res = runs["event_driven"]
    request = 5
    parsed = flat(parse(otlp.to_otlp(res, requests=[request])))
    traces = {span.trace_id for _, span in parsed}
    assert len(traces) == 1                       # one request, one trace, across the broker
    by_id = {span.span_id: span for _, span in parsed}
    consumers = [(service, span) for service, span in parsed if span.name == "consume order-placed"]
    assert {s for s, _ in consumers} == set(vn.scenarios.DOWNSTREAM)   # shipping may retry: more spans
    for _, span in consumers:
        publish = by_id[span.parent_span_id]
        assert publish.name == "publish order-placed" and publish.kind == Span.SPAN_KIND_PRODUCER
        assert span.start_time_unix_nano >= publish.end_time_unix_nano   # the event waited in the log
    roots = [span for _, span in parsed if not span.parent_span_id]
    assert [r.name for r in roots] == ["handle"]


def test_a_dropped_correlation_id_splits_the_trace_in_the_export_too():
    arch = vn.scenarios.order_placed("event_driven")
    for edge in arch.edges_of_kind("subscribe"):
        arch.graph.edges[edge]["propagate_context"] = False
    res = vn.simulate(arch, vn.Traffic.poisson(20), duration=1, seed=4)
    parsed = flat(parse(otlp.to_otlp(res)))
    consume = [span for _, span in parsed if span.name.startswith("consume")]
    handled = {span.trace_id for _, span in parsed if span.name == "handle"}
    assert consume and not any(span.trace_id in handled for span in consume)
    assert all(not span.parent_span_id for span in consume)


def test_write_makes_a_file_and_runs_do_not_share_trace_ids(runs, tmp_path):
    rr, ed = runs["request_response"], runs["event_driven"]
    export = otlp.write(ed, tmp_path / "traces" / "ed.json", requests=[0, 1])
    doc = json.loads(export.path.read_text())
    assert export.spans == sum(len(ss["spans"]) for r in doc["resourceSpans"] for ss in r["scopeSpans"])
    assert export.traces == 2 and export.services == 5
    parse(doc)
    ids = {s["traceId"] for r in otlp.to_otlp(rr)["resourceSpans"] for s in r["scopeSpans"][0]["spans"]}
    assert not ids & {s["traceId"] for r in doc["resourceSpans"] for s in r["scopeSpans"][0]["spans"]}
    assert otlp.to_otlp(ed) == otlp.to_otlp(ed)   # reproducible


def test_a_span_still_open_ends_with_the_run_unset():
    res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(200), duration=0.5,
                      seed=1, drain=False, faults=[vn.Slowdown("shipping", start=0, end=1, factor=50)])
    assert (res.spans["status"] == "in_flight").any()
    parsed = flat(parse(otlp.to_otlp(res, epoch=0)))
    open_spans = [s for _, s in parsed if s.status.code == Status.STATUS_CODE_UNSET]
    assert open_spans and all(s.end_time_unix_nano == round(res.end_time * 1e9) for s in open_spans)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"requests": [10**6]}, KeyError, "requests: no request"),
    ({"requests": "0"}, TypeError, "requests"),
    ({"epoch": -1}, ValueError, "epoch"),
    ({"run_id": -3}, ValueError, "run_id"),
])
def test_bad_arguments_are_named(runs, kwargs, error, words):
    with pytest.raises(error, match=words):
        otlp.to_otlp(runs["event_driven"], **kwargs)
    with pytest.raises(TypeError, match="res"):
        otlp.to_otlp("a run")
