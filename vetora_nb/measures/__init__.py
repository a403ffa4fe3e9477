"""Every quantity a notebook reads off a run, defined once.

The closed forms of :mod:`vetora_nb.theory` predict; these functions
measure the same quantities in a :class:`~vetora_nb.results.Result`, so a
notebook, a panel, an exercise and a verdict all read a run the same way.
One module per concept:

- :mod:`.capacity` — what a service or consumer group can do flat out;
- :mod:`.backlog` — processing backlog, drain time (measured and predicted), peak lag per group;
- :mod:`.requests` — failures in a window, answers per second, work done;
- :mod:`.consumers` — partition ownership and each instance's load.
- :mod:`.availability` — the share answered ``ok``, its standard error, a window's share of a run.
- :mod:`.staleness` — stale reads, apply delays, Little's bound on the stale share.
- :mod:`.traces` — the failure to open first, a trace's tail after the answer, its mean shape.

Everything is re-exported here: ``vn.measures.drain_time(res, "shipping")``.

>>> import vetora_nb as vn
>>> vn.measures.consumer_capacity(vn.scenarios.order_placed("event_driven"), "shipping")
400.0
"""

from .backlog import blocking_window, drain_time, max_consumer_lag, predicted_drain_time, processing_backlog

from .availability import availability, binomial_stderr, success_rate, window_share
from .backlog import blocking_window, drain_time, predicted_drain_time, processing_backlog
from .capacity import capacities, consumer_capacity, service_capacity
from .consumers import assignment, hot_partition, instance_load, partition_lag, stream_of
from .staleness import apply_delays, little_bound, read_staleness
from .traces import first_failure, mean_shape, trace_tail
from .requests import answered_per_s, failed_latency, failed_share, fulfilled_per_s, in_window, work_done

__all__ = [
    "service_capacity", "consumer_capacity", "capacities",
    "processing_backlog", "blocking_window", "drain_time", "predicted_drain_time", "max_consumer_lag",
    "in_window", "failed_share", "failed_latency", "answered_per_s", "fulfilled_per_s", "work_done",
    "stream_of", "assignment", "instance_load", "partition_lag", "hot_partition",
    "success_rate", "binomial_stderr", "availability", "window_share",
    "read_staleness", "apply_delays", "little_bound",
    "first_failure", "trace_tail", "mean_shape",
]

# -- notebooks 04-06: calls under failure, deliveries, two clocks ---------------------
from .calls import (BREAKER_STATES, attempts_per_request, breaker_changes, breaker_closed_after,  # noqa: E402
                    refused_at_door, wasted_example, wasted_work)
from .deliveries import accounting, events_in_window, retry_outcomes, unfulfilled  # noqa: E402
from .samples import mean_in_window  # noqa: E402
from .latency import call_latencies, latency_table, max_of_n_quantile  # noqa: E402

__all__ += [
    "BREAKER_STATES", "attempts_per_request", "wasted_work", "wasted_example", "breaker_changes",
    "breaker_closed_after", "refused_at_door",
    "accounting", "events_in_window", "retry_outcomes", "unfulfilled", "mean_in_window",
    "latency_table", "call_latencies", "max_of_n_quantile",
]

# -- notebook 08: order and delivery --
from .delivery import dlq_share, repeated_effects  # noqa: E402
from .ordering import group_of, grouped_inversions, inversions, order_report, request_order_report  # noqa: E402

__all__ += ["group_of", "inversions", "grouped_inversions", "order_report", "request_order_report",
            "dlq_share", "repeated_effects"]

# -- notebook 09: replaying a log --
from .replay import predicted_catch_up, slowed_drain_time  # noqa: E402

__all__ += ["slowed_drain_time", "predicted_catch_up"]

# -- notebook 12: the bottleneck and the knee of a load curve --
from .bottleneck import bottleneck  # noqa: E402
from .knee import KNEE_FACTOR, KNEE_MAX_ERROR, curve, fallen, knee, knees, spread  # noqa: E402

__all__ += ["bottleneck", "KNEE_FACTOR", "KNEE_MAX_ERROR", "curve", "fallen", "knee", "knees", "spread"]

# -- notebook 10: sagas --
from .sagas import breakeven_broker_latency, crossings, failure_profile, hop_counts, outcome_check  # noqa: E402

__all__ += ["hop_counts", "failure_profile", "breakeven_broker_latency", "crossings", "outcome_check"]

# -- notebook 11: what a checkout's answer meant --
from .checkout import charged_but_refused, confirmed_but_failed, effect_times, shipped_within, unpaid  # noqa: E402

__all__ += ["effect_times", "shipped_within", "confirmed_but_failed", "unpaid", "charged_but_refused"]
