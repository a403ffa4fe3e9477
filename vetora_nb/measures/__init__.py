"""Every quantity a notebook reads off a run, defined once.

The closed forms of :mod:`vetora_nb.theory` predict; these functions
measure the same quantities in a :class:`~vetora_nb.results.Result`, so a
notebook, a panel, an exercise and a verdict all read a run the same way.
One module per concept, in the order the notebooks meet them:

- :mod:`.capacity` — what a service or consumer group can do flat out;
  :mod:`.bottleneck` — the service that caps a chain;
- :mod:`.requests` — failures in a window, answers per second, work done;
- :mod:`.availability` — the share answered ``ok``, its standard error, a window's share of a run;
- :mod:`.staleness` — stale reads, apply delays, Little's bound on the stale share;
- :mod:`.traces` — the failure to open first, a trace's tail after the answer, its mean shape;
- :mod:`.backlog` — processing backlog, drain time (measured and predicted), peak lag per group;
- :mod:`.consumers` — consumer groups, partition ownership and each instance's load;
- :mod:`.calls` — attempts per request, wasted work, a circuit breaker's story;
- :mod:`.deliveries` — where events ended, retries, dead letters, duplicated effects;
- :mod:`.samples` — the mean of a sampled series over a window;
- :mod:`.latency` — percentiles on both clocks, per call, the slowest of N;
- :mod:`.ordering` — inversions of per-key order;
- :mod:`.replay` — catching up on a log: predicted and slowed drains;
- :mod:`.sagas` — hop counts, failure profiles and the broker's break-even;
- :mod:`.checkout` — what a checkout's answer meant: confirmed but failed, charged but refused;
- :mod:`.knee` — where a load curve bends: the knee of each style.

Everything is re-exported here: ``vn.measures.drain_time(res, "shipping")``.

>>> import vetora_nb as vn
>>> vn.measures.consumer_capacity(vn.scenarios.order_placed("event_driven"), "shipping")
400.0
"""

from .availability import availability, binomial_stderr, success_rate, window_share
from .backlog import blocking_window, drain_time, max_consumer_lag, predicted_drain_time, processing_backlog
from .bottleneck import bottleneck
from .calls import (BREAKER_STATES, attempts_per_request, breaker_changes, breaker_closed_after, refused_at_door,
                    wasted_example, wasted_work)
from .capacity import capacities, consumer_capacity, service_capacity
from .checkout import charged_but_refused, confirmed_but_failed, effect_times, shipped_within, unpaid
from .consumers import assignment, group_of, hot_partition, instance_load, partition_lag, stream_of
from .deliveries import (accounting, dlq_share, events_in_window, repeated_effects, retry_outcomes,
                         unfulfilled)
from .knee import KNEE_FACTOR, KNEE_MAX_ERROR, curve, fallen, knee, knees, spread
from .latency import call_latencies, latency_table, max_of_n_quantile
from .ordering import grouped_inversions, inversions, order_report, request_order_report
from .replay import predicted_catch_up, slowed_drain_time
from .requests import answered_per_s, failed_latency, failed_share, fulfilled_per_s, in_window, work_done
from .sagas import breakeven_broker_latency, crossings, failure_profile, hop_counts, outcome_check
from .samples import mean_in_window
from .staleness import apply_delays, little_bound, read_staleness
from .traces import first_failure, mean_shape, trace_tail

__all__ = [
    "service_capacity", "consumer_capacity", "capacities", "bottleneck",
    "in_window", "failed_share", "failed_latency", "answered_per_s", "fulfilled_per_s", "work_done",
    "success_rate", "binomial_stderr", "availability", "window_share",
    "read_staleness", "apply_delays", "little_bound",
    "first_failure", "trace_tail", "mean_shape",
    "processing_backlog", "blocking_window", "drain_time", "predicted_drain_time", "max_consumer_lag",
    "group_of", "stream_of", "assignment", "instance_load", "partition_lag", "hot_partition",
    "BREAKER_STATES", "attempts_per_request", "wasted_work", "wasted_example", "breaker_changes",
    "breaker_closed_after", "refused_at_door",
    "accounting", "events_in_window", "retry_outcomes", "unfulfilled", "dlq_share", "repeated_effects",
    "mean_in_window", "latency_table", "call_latencies", "max_of_n_quantile",
    "inversions", "grouped_inversions", "order_report", "request_order_report",
    "slowed_drain_time", "predicted_catch_up",
    "hop_counts", "failure_profile", "breakeven_broker_latency", "crossings", "outcome_check",
    "effect_times", "shipped_within", "confirmed_but_failed", "unpaid", "charged_but_refused",
    "KNEE_FACTOR", "KNEE_MAX_ERROR", "curve", "fallen", "knee", "knees", "spread",
]
