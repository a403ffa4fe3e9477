"""Closed forms from queueing theory.

In three modules: :mod:`.queues` (M/M/1, M/M/c, Little's law),
:mod:`.backlog` (outage backlogs, drain time, partitioned consumer groups)
and :mod:`.availability` (the product rule); all re-exported here.

The simulators in this package produce numbers; this module says what those
numbers *should* be when the textbook assumptions hold. Notebooks use it to
put a theory line next to a simulated curve, and tests use it to hold the
simulator to account.

Conventions used throughout:

* times are in seconds and rates are per second;
* ``arrival_rate`` is lambda (events arriving per second, Poisson);
* ``service_rate`` is mu (events one server finishes per second when busy,
  exponential service times, so the mean service time is ``1 / mu``);
* ``servers`` is c, the number of servers sharing one FIFO queue.

Every steady-state quantity needs a stable queue, ``rho = lambda / (c mu) < 1``:
if work arrives at least as fast as it can be done, the queue grows without
bound and there is no steady state to describe. Those functions raise
``ValueError`` instead of returning a meaningless number. Bad arguments also
raise ``ValueError``, and the message names the offending parameter.

Symbols in :class:`QueueMetrics` follow the usual textbook names:

==========  ===========================================================
``rho``     utilization, the fraction of time a server is busy
``L``       mean number of events in the system (waiting + in service)
``Lq``      mean number of events waiting in the queue
``W``       mean sojourn time: waiting time plus service time
``Wq``      mean waiting time before service starts
``p_wait``  probability that an arriving event has to wait at all
==========  ===========================================================

>>> m = mm1(arrival_rate=8, service_rate=10)
>>> (m.rho, m.L, m.W)
(0.8, 4.0, 0.5)
"""

from .availability import availability_chain
from .backlog import PartitionedConsumers, backlog_after_outage, backlog_drain_time, partitioned_consumers
from .queues import QueueMetrics, erlang_c, littles_law, mm1, mmc, utilization

__all__ = [
    "QueueMetrics",
    "PartitionedConsumers",
    "utilization",
    "mm1",
    "erlang_c",
    "mmc",
    "littles_law",
    "backlog_drain_time",
    "backlog_after_outage",
    "partitioned_consumers",
    "availability_chain",
]
