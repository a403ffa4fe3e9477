"""Golden runs: does a change to the engine leave every result as it was?

A speed-up of the engine must not change a single number. This script runs
a broad set of short configurations — both styles of the scenarios, every
fault kind, retries and circuit breakers, crashes of idempotent and plain
consumers, late-joining groups, dropped trace context, constant costs that
make events tie, drain on and off, traces on, off and sampled, a few seeds —
and keeps, per run, the requests, events, spans and time-series frames,
``summary()`` and the run's counters.

    python benchmarks/engine_golden.py save DIR    # on the code before the change
    python benchmarks/engine_golden.py check DIR   # after it: exact equality, or the differences

Run it with the copy of the package to test first on the path
(``PYTHONPATH=...``). Frames are compared exactly (``pandas.testing``,
``check_exact``), spans in the order they are stored.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from pathlib import Path

import pandas as pd

import vetora_nb as vn
from vetora_nb.faults import cut_links_into

DURATION = 3.0


# -- architectures -------------------------------------------------------------
def _late_groups(from_beginning: bool, retention=None, propagate: bool = True) -> vn.Architecture:
    """A producer, one stream, an early group and one that joins at 1 s."""
    a = vn.Architecture("late")
    a.add_service("api", workers=8, service_time=vn.Exponential(mean=0.002))
    a.add_stream("log", partitions=3, retention=retention)
    a.add_service("early", workers=2, service_time=vn.Exponential(mean=0.004))
    a.add_service("late", workers=3, service_time=vn.Exponential(mean=0.003))
    a.add_publish("api", "log")
    a.add_subscription("log", "early", propagate_context=propagate)
    a.add_subscription("log", "late", start_at=1.0, from_beginning=from_beginning)
    a.entry = "api"
    return a


def _ties() -> vn.Architecture:
    """Constant costs everywhere, so that many events fall at the same time."""
    a = vn.Architecture("ties")
    a.add_service("front", workers=2, service_time=vn.Constant(0.004), queue_capacity=5,
                  fanout="sequential")
    a.add_service("back", workers=1, service_time=vn.Constant(0.003), error_rate=0.1)
    a.add_stream("s", partitions=2, append_latency=vn.Constant(0.001), delivery_latency=vn.Constant(0.002))
    a.add_service("c1", workers=2, service_time=vn.Constant(0.002))
    a.add_service("c2", workers=1, service_time=vn.Constant(0.005), error_rate=0.2)
    a.add_call("front", "back", timeout=0.01, retries=1, latency=vn.Constant(0.001))
    a.add_publish("front", "s")
    a.add_subscription("s", "c1", commit_interval=0.0)
    a.add_subscription("s", "c2", idempotent=True, max_attempts=2)
    a.entry = "front"
    return a


def _chain() -> vn.Architecture:
    """A consumer that calls a service and publishes again (calls under a consume span)."""
    a = vn.Architecture("chain")
    a.add_service("api", workers=4, service_time=vn.Exponential(mean=0.002))
    a.add_stream("first", partitions=2)
    a.add_service("worker", workers=2, service_time=vn.Exponential(mean=0.003), error_rate=0.05)
    a.add_service("lookup", workers=2, service_time=vn.Exponential(mean=0.002))
    a.add_stream("second", partitions=1)
    a.add_service("sink", workers=1, service_time=vn.Exponential(mean=0.002))
    a.add_publish("api", "first")
    a.add_subscription("first", "worker")
    a.add_call("worker", "lookup", timeout=0.05, retries=1)
    a.add_publish("worker", "second")
    a.add_subscription("second", "sink", idempotent=True)
    a.entry = "api"
    return a


def configs():
    """``(name, build_arch, traffic, faults, options)`` for every golden run."""
    out = []
    RR, ED = "request_response", "event_driven"
    op = vn.scenarios.order_placed
    mid = (1.0, 1.8)
    fault_sets = {
        "none": lambda arch: [],
        "outage_shipping": lambda arch: [vn.Outage("shipping", *mid)],
        "outage_orders": lambda arch: [vn.Outage("orders", *mid)],
        "slowdown": lambda arch: [vn.Slowdown("inventory", *mid, factor=4.0)],
        "errors": lambda arch: [vn.ErrorRate("notifications", *mid, rate=0.5)],
        "cut": lambda arch: cut_links_into(arch, "shipping", *mid),
        "broker": lambda arch: [vn.BrokerOutage(*mid)] if arch.streams else [],
    }
    for style in (RR, ED):
        for fname, faults in fault_sets.items():
            for seed in (0, 1):
                out.append((f"op_{style}_{fname}_s{seed}", lambda s=style: op(s), 200, faults, dict(seed=seed)))
    # crashes of idempotent and plain consumers, fast commits and slow
    for idem in (False, True):
        for seed in (0, 2):
            out.append((f"op_ed_crash_idem{idem}_s{seed}", lambda i=idem: op(ED, idempotent=i), 250,
                        lambda arch: [vn.Outage("analytics", 1.2, 1.5), vn.Outage("shipping", 0.5, 0.6)],
                        dict(seed=seed)))
    # retries, timeouts and circuit breakers
    cb = vn.CircuitBreaker(failure_threshold=3, reset_timeout=0.3)
    for seed in (0, 1):
        out.append((f"op_rr_breaker_s{seed}", lambda: op(RR, circuit_breaker=cb, timeout=0.02, retries=3), 250,
                    lambda arch: [vn.Slowdown("inventory", 0.5, 2.0, factor=20.0)], dict(seed=seed)))
        out.append((f"op_rr_sequential_retries_s{seed}", lambda: op(RR, fanout="sequential", retries=4,
                                                                   timeout=0.03), 250,
                    lambda arch: [vn.ErrorRate("inventory", 0.5, 2.0, rate=0.6)], dict(seed=seed)))
        out.append((f"op_rr_overload_s{seed}", lambda: op(RR, queue_capacity=3), 900, lambda arch: [],
                    dict(seed=seed)))
        out.append((f"op_ed_overload_s{seed}", lambda: op(ED, queue_capacity=3, partitions=2), 900,
                    lambda arch: [], dict(seed=seed)))
    # hybrid shop, all three wirings
    for sync in ("hybrid", RR, ED):
        for fname in ("none", "outage_shipping", "cut", "broker"):
            out.append((f"hybrid_{sync}_{fname}", lambda s=sync: vn.scenarios.hybrid_shop(s), 200,
                        fault_sets[fname], dict(seed=3)))
    # the benchmark's queues
    for style in (RR, ED):
        for parts, workers in ((1, 1), (3, 2)):
            out.append((f"single_{style}_p{parts}_w{workers}",
                        lambda s=style, p=parts, w=workers: vn.scenarios.single_service(
                            workers=w, mean_service_time=0.01, style=s, partitions=p),
                        80 * workers, lambda arch: [], dict(seed=0)))
        out.append((f"single_{style}_outage", lambda s=style: vn.scenarios.single_service(style=s), 80,
                    lambda arch: [vn.Outage("server", 1.0, 1.4)], dict(seed=1)))
        out.append((f"single_{style}_slow_errors", lambda s=style: vn.scenarios.single_service(style=s), 80,
                    lambda arch: [vn.Slowdown("server", 0.5, 1.0, factor=3.0),
                                  vn.ErrorRate("server", 1.5, 2.5, rate=0.3)], dict(seed=1)))
    out.append(("single_ed_broker", lambda: vn.scenarios.single_service(style=ED), 80,
                lambda arch: [vn.BrokerOutage(1.0, 1.3)], dict(seed=2)))
    out.append(("single_ed_cut", lambda: vn.scenarios.single_service(style=ED), 80,
                lambda arch: [vn.NetworkPartition("jobs", "server", 1.0, 1.3)], dict(seed=2)))
    out.append(("single_ed_cut_producer", lambda: vn.scenarios.single_service(style=ED), 80,
                lambda arch: [vn.NetworkPartition("producer", "jobs", 1.0, 1.3)], dict(seed=2)))
    # late-joining groups, retention, dropped context
    for fb in (True, False):
        out.append((f"late_fb{fb}", lambda f=fb: _late_groups(f), 150, lambda arch: [], dict(seed=4)))
    out.append(("late_retention", lambda: _late_groups(True, retention=0.4), 150, lambda arch: [], dict(seed=4)))
    out.append(("late_no_context", lambda: _late_groups(True, propagate=False), 150, lambda arch: [],
                dict(seed=5)))
    out.append(("late_crash", lambda: _late_groups(True), 150,
                lambda arch: [vn.Outage("late", 1.5, 1.7), vn.Outage("early", 0.3, 0.5)], dict(seed=5)))
    # ties and chains
    for seed in (0, 1):
        out.append((f"ties_s{seed}", _ties, 300, lambda arch: [], dict(seed=seed)))
        out.append((f"ties_faults_s{seed}", _ties, 300,
                    lambda arch: [vn.Outage("c1", 1.0, 1.2), vn.NetworkPartition("front", "back", 1.5, 1.7)],
                    dict(seed=seed)))
        out.append((f"chain_s{seed}", _chain, 200, lambda arch: [], dict(seed=seed)))
        out.append((f"chain_faults_s{seed}", _chain, 200,
                    lambda arch: [vn.Outage("worker", 1.0, 1.3), vn.Slowdown("lookup", 1.5, 2.0, factor=30.0)],
                    dict(seed=seed)))
    # traffic shapes
    out.append(("op_ed_spike", lambda: op(ED), vn.Traffic.spike(150, 4, 1.0, 1.5), lambda arch: [], dict(seed=6)))
    out.append(("op_rr_spike", lambda: op(RR), vn.Traffic.spike(150, 4, 1.0, 1.5), lambda arch: [], dict(seed=6)))

    # Every configuration with traces on; a share of them also sampled, off, and not drained.
    runs = []
    for i, (name, build, traffic, faults, opts) in enumerate(out):
        runs.append((name, build, traffic, faults, opts))
        if i % 3 == 0:
            runs.append((name + "_ts0.3", build, traffic, faults, dict(opts, trace_sample=0.3)))
        if i % 3 == 1:
            runs.append((name + "_ts0", build, traffic, faults, dict(opts, trace_sample=0.0)))
        if i % 2 == 0:
            runs.append((name + "_nodrain", build, traffic, faults, dict(opts, drain=False)))
    return runs


def run_one(build, traffic, faults, opts) -> dict:
    arch = build()
    if not isinstance(traffic, vn.Traffic):
        traffic = vn.Traffic.poisson(traffic)
    res = vn.simulate(arch, traffic, duration=DURATION, faults=faults(arch), **opts)
    return {
        "requests": res.requests, "events": res.events, "spans": res.spans, "timeseries": res.timeseries,
        "summary": res.summary(), "end_time": res.end_time, "call_attempts": res.call_attempts,
        "redelivered": res.redelivered, "failed_publishes": res.failed_publishes,
        "assignment": res.assignment,
    }


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def differences(want: dict, got: dict) -> list[str]:
    out = []
    for key, w in want.items():
        g = got[key]
        if isinstance(w, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(w, g, check_exact=True)
            except AssertionError as e:
                out.append(f"{key}: {str(e).splitlines()[0:3]}")
        elif not _same(w, g):
            out.append(f"{key}: {w!r} != {g!r}"[:300])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("save", "check", "list"))
    ap.add_argument("dir", nargs="?", default="golden")
    ap.add_argument("--only", help="run the configurations whose name contains this")
    args = ap.parse_args(argv)
    runs = [r for r in configs() if not args.only or args.only in r[0]]
    if args.mode == "list":
        print("\n".join(r[0] for r in runs), f"\n{len(runs)} runs")
        return 0
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name, build, traffic, faults, opts in runs:
        got = run_one(build, traffic, faults, opts)
        path = folder / f"{name}.pkl"
        if args.mode == "save":
            path.write_bytes(pickle.dumps(got))
            continue
        diff = differences(pickle.loads(path.read_bytes()), got)
        if diff:
            bad += 1
            print(f"DIFFERS {name}:", *diff, sep="\n  ")
    spans = "" if args.mode == "save" else f", {bad} differ"
    print(f"{args.mode}: {len(runs)} runs{spans} ({vn.__file__})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
