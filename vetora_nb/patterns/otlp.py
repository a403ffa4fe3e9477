"""Traces out: a run's spans as OpenTelemetry (OTLP/JSON).

A working engineer reads traces in Jaeger or Grafana Tempo, not in a
DataFrame. :func:`to_otlp` turns ``res.spans`` into an OTLP
``ExportTraceServiceRequest`` in its JSON encoding, the format an
OpenTelemetry Collector, Jaeger and Tempo accept on ``/v1/traces``, and
:func:`write` saves it to a file:

- one ``resourceSpans`` entry per service, whose resource carries the
  ``service.name`` attribute (what those tools group and colour by);
- each span with its ``traceId`` (16 bytes) and ``spanId`` (8 bytes) as hex
  strings, its ``parentSpanId`` (none for a root), its ``kind`` (``SERVER``
  for handling a request, ``CLIENT`` for a call, ``PRODUCER`` for a
  publication, ``CONSUMER`` for processing an event), start and end in
  nanoseconds since the Unix epoch, and a ``status`` (``OK``, or ``ERROR``
  with the simulator's failure reason as its message);
- a consumer that carried the correlation id across the broker has its
  ``consume`` span in the producer's trace, as the child of its
  ``publish`` span; one that dropped it starts a trace of its own, exactly
  as in ``res.spans``.

Simulated time starts at ``epoch`` (seconds since 1970; by default the
fixed :data:`DEFAULT_EPOCH`, so an export is reproducible; pass
``epoch=time.time()`` to find the traces under "last hour" in Jaeger's
search). Ids are made unique per run by ``run_id`` (by default a checksum of
the architecture's name and the seed), so the exports of two runs can sit
in one Jaeger without mixing their traces.

>>> import vetora_nb as vn
>>> res = vn.simulate(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(20), duration=1, seed=1)
>>> doc = to_otlp(res, requests=[0])
>>> sorted(r["resource"]["attributes"][0]["value"]["stringValue"] for r in doc["resourceSpans"])
['analytics', 'inventory', 'notifications', 'orders', 'shipping']
>>> span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
>>> span["name"], len(span["traceId"]), len(span["spanId"]), span["kind"]
('handle', 32, 16, 2)
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

__all__ = ["to_otlp", "write", "Export", "DEFAULT_EPOCH", "SPAN_KINDS"]

#: 2024-01-01T00:00:00Z: where simulated time 0 lands unless told otherwise.
DEFAULT_EPOCH = 1_704_067_200

#: OTLP ``Span.SpanKind`` by the first word of a span's operation.
SPAN_KINDS = {"handle": 2, "call": 3, "publish": 4, "consume": 5}   # SERVER, CLIENT, PRODUCER, CONSUMER
_INTERNAL = 1
_STATUS_UNSET, _STATUS_OK, _STATUS_ERROR = 0, 1, 2


class Export(NamedTuple):
    """What :func:`write` wrote."""

    path: Path
    spans: int
    traces: int
    services: int


def _string(key: str, value: str) -> dict:
    return {"key": key, "value": {"stringValue": str(value)}}


def _epoch_ns(epoch) -> int:
    if isinstance(epoch, datetime):
        if epoch.tzinfo is None:
            raise ValueError("epoch: a datetime must carry its time zone (e.g. datetime.now(timezone.utc))")
        epoch = epoch.timestamp()
    if isinstance(epoch, bool) or not isinstance(epoch, (int, float)) or not math.isfinite(epoch) or epoch < 0:
        raise ValueError(f"epoch must be seconds since 1970 (a number >= 0) or a datetime, got {epoch!r}")
    return int(round(epoch * 1_000_000)) * 1000   # microsecond-exact, then integer nanoseconds


def _selected(res, requests, traces):
    spans = res.spans
    if requests is None and traces is None:
        return spans
    keep = set()
    if traces is not None:
        keep |= {int(t) for t in _ids(traces, "traces")}
    if requests is not None:
        wanted = _ids(requests, "requests")
        table = res.requests.set_index("request_id")["trace_id"]
        unknown = [r for r in wanted if r not in table.index]
        if unknown:
            raise KeyError(f"requests: no request {unknown[0]!r} in this run (ids 0..{len(table) - 1})")
        keep |= {int(table[r]) for r in wanted}
    return spans[spans["trace_id"].isin(keep)]


def _ids(values, name: str) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of ids, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not float(v).is_integer():
            raise TypeError(f"{name} must be whole-number ids, got {v!r}")
        out.append(int(v))
    return out


def to_otlp(res, *, requests=None, traces=None, epoch=DEFAULT_EPOCH, run_id: int | None = None) -> dict:
    """The spans of run ``res`` as an OTLP/JSON ``ExportTraceServiceRequest`` (a dict).

    ``requests`` (request ids) and ``traces`` (trace ids) pick the traces to
    export; by default all of them. A span still open when the run stopped
    (``drain=False``) ends at the run's end with status ``UNSET`` and the
    attribute ``vetora.status = 'in_flight'``.
    """
    from ..results import Result

    if not isinstance(res, Result):
        raise TypeError(f"res must be a vn.Result (from vn.simulate), got {res!r}")
    base = _epoch_ns(epoch)
    if run_id is None:
        run_id = zlib.crc32(f"{res.architecture.name}|{res.seed}|{res.duration!r}".encode())
    if isinstance(run_id, bool) or not isinstance(run_id, int) or not 0 <= run_id < 2**64:
        raise ValueError(f"run_id must be an integer in [0, 2**64), got {run_id!r}")
    spans = _selected(res, requests, traces)

    def ns(t: float) -> str:
        return str(base + int(round(t * 1e9)))

    stop = res.end_time
    by_service: dict[str, list] = {}
    parents = spans["parent_id"].to_numpy(dtype=float, na_value=math.nan)
    for (trace, sid, service, op, start, end, status), parent in zip(
            spans[["trace_id", "span_id", "service", "operation", "start", "end", "status"]].itertuples(
                index=False, name=None), parents):
        word, _, target = op.partition(" ")
        kind = SPAN_KINDS.get(word, _INTERNAL)
        span = {
            "traceId": f"{run_id:016x}{int(trace) + 1:016x}",
            "spanId": f"{int(sid) + 1:016x}",
            "name": op,
            "kind": kind,
            "startTimeUnixNano": ns(start),
            "endTimeUnixNano": ns(stop if math.isnan(end) else end),
            "attributes": [_string("vetora.status", status)],
        }
        if not math.isnan(parent):
            span["parentSpanId"] = f"{int(parent) + 1:016x}"
        if word == "call" and target:
            span["attributes"].append(_string("peer.service", target))
        elif word in ("publish", "consume") and target:
            span["attributes"] += [_string("messaging.destination.name", target),
                                   _string("messaging.operation.type", "send" if word == "publish" else "process")]
        if status == "ok":
            span["status"] = {"code": _STATUS_OK}
        elif status == "in_flight":
            span["status"] = {"code": _STATUS_UNSET}
        else:
            span["status"] = {"code": _STATUS_ERROR, "message": status}
        by_service.setdefault(service, []).append(span)
    from .. import __version__

    return {"resourceSpans": [
        {"resource": {"attributes": [_string("service.name", service),
                                     _string("service.namespace", res.architecture.name)]},
         "scopeSpans": [{"scope": {"name": "vetora_nb", "version": __version__}, "spans": items}]}
        for service, items in by_service.items()]}


def write(res, path, **options) -> Export:
    """Write :func:`to_otlp` of ``res`` to ``path`` (JSON); ``options`` as for :func:`to_otlp`.

    Open it in Jaeger or Grafana Tempo by posting it to their OTLP/HTTP
    endpoint: ``curl -X POST -H 'Content-Type: application/json'
    --data-binary @FILE http://localhost:4318/v1/traces``.
    """
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a file name, got {path!r}")
    path = Path(path)
    doc = to_otlp(res, **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    spans = [s for r in doc["resourceSpans"] for ss in r["scopeSpans"] for s in ss["spans"]]
    return Export(path, len(spans), len({s["traceId"] for s in spans}), len(doc["resourceSpans"]))
