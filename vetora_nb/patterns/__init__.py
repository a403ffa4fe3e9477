"""Patterns: the ideas the comparison argues about, measured from simulations.

One module per concept, each reading the frames of a :func:`vetora_nb.simulate`
run (or, for sagas, running a small model of its own):

- :mod:`~vetora_nb.patterns.tracing` — traces across calls and the broker:
  waterfalls, critical paths, root causes, and what a dropped correlation id
  hides;
- :mod:`~vetora_nb.patterns.consistency` — CQRS read models: stale reads,
  read-your-writes, and the write latency a synchronous read model costs;
- :mod:`~vetora_nb.patterns.event_sourcing` — the stream as the source of
  truth: rebuild by replay, state at time T, late consumers and retention;
- :mod:`~vetora_nb.patterns.sagas` — choreography vs orchestration, with
  compensations and the window in which a saga is half applied;
- :mod:`~vetora_nb.patterns.coupling` — what a change touches, and whose
  availability you inherit;
- :mod:`~vetora_nb.patterns.otlp` — a run's traces as OpenTelemetry
  (OTLP/JSON), to open in Jaeger or Grafana Tempo.

>>> import vetora_nb as vn
>>> arch = vn.scenarios.order_placed("event_driven")
>>> vn.patterns.change_impact(arch, ("add_consumer", "fraud")).must_redeploy
[]
"""

from . import consistency, coupling, event_sourcing, otlp, sagas, tracing
from .consistency import (read_model_staleness, read_your_writes, stale_fraction_vs_lag,
                          synchronous_variant, write_latency_tradeoff, write_log)
from .coupling import (chain_availability, change_impact, producer_availability,
                       producer_edges_touched)
from .event_sourcing import late_consumer_experiment, live_state, rebuild, state_at
from .sagas import compare_sagas, run_saga
from .tracing import critical_path, request_spans, root_cause, trace, trace_shape, trace_shapes

__all__ = [
    "tracing", "consistency", "event_sourcing", "sagas", "coupling", "otlp",
    "trace", "request_spans", "critical_path", "root_cause", "trace_shape", "trace_shapes",
    "write_log", "read_model_staleness", "read_your_writes", "stale_fraction_vs_lag",
    "synchronous_variant", "write_latency_tradeoff",
    "rebuild", "state_at", "live_state", "late_consumer_experiment",
    "run_saga", "compare_sagas",
    "change_impact", "producer_edges_touched", "chain_availability", "producer_availability",
]
