"""Every quantity a notebook reads off a run, defined once.

The closed forms of :mod:`vetora_nb.theory` predict; these functions
measure the same quantities in a :class:`~vetora_nb.results.Result`, so a
notebook, a panel, an exercise and a verdict all read a run the same way.
One module per concept:

- :mod:`.capacity` — what a service or consumer group can do flat out;
- :mod:`.backlog` — processing backlog, drain time (measured and predicted);
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

from .availability import availability, binomial_stderr, success_rate, window_share
from .backlog import blocking_window, drain_time, predicted_drain_time, processing_backlog
from .capacity import capacities, consumer_capacity, service_capacity
from .consumers import assignment, hot_partition, instance_load, partition_lag, stream_of
from .staleness import apply_delays, little_bound, read_staleness
from .traces import first_failure, mean_shape, trace_tail
from .requests import answered_per_s, failed_latency, failed_share, fulfilled_per_s, in_window, work_done

__all__ = [
    "service_capacity", "consumer_capacity", "capacities",
    "processing_backlog", "blocking_window", "drain_time", "predicted_drain_time",
    "in_window", "failed_share", "failed_latency", "answered_per_s", "fulfilled_per_s", "work_done",
    "stream_of", "assignment", "instance_load", "partition_lag", "hot_partition",
    "success_rate", "binomial_stderr", "availability", "window_share",
    "read_staleness", "apply_delays", "little_bound",
    "first_failure", "trace_tail", "mean_shape",
]
