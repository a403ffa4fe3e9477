"""Engine speed: ``vn.simulate`` against an idiomatic SimPy model, same process.

Two queues, both M/M/1 at rho = 0.8 (lambda = 80/s, mu = 100/s), for the
same simulated time:

- ``request-response``: one service with one worker, called by the traffic;
- ``stream -> consumer``: a producer appends each customer to a one-partition
  stream (no broker latency) read by a consumer group of one instance —
  the consumer is the server, the partition its queue.

The baseline for both is the textbook SimPy program: a source process that
spawns one process per customer, each requesting a ``simpy.Resource``,
holding it for an exponential service time and releasing it. ``vn.simulate``
runs each queue twice: with full recording (``trace_sample=1``, the
default: requests, events, spans, time series) and without traces
(``trace_sample=0``: no spans, everything else), and builds the result
frames as part of the cost.

Reported: customers per second of **CPU time** (``time.process_time``) for
each, and the ratio to SimPy. Rounds alternate between all of them so that
machine noise hits each alike; a round's ratio is taken against the SimPy
run of the same round, and the median over rounds is reported (with the
lowest and highest, to show the noise).

``--order-placed`` also times the running example, ``order_placed`` in both
styles at 250 requests/s (simulation only, requests per CPU second, best of
the rounds); ``--against DIR`` runs the same in a subprocess with another
copy of the package on its path (e.g. the previous commit, from ``git
worktree add`` or ``git archive``), alternating with this one round by round.

Run: ``make bench`` or ``python benchmarks/engine.py [--customers N]
[--rounds R] [--order-placed [--against DIR]]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import simpy

import vetora_nb as vn

LAM, MU = 80.0, 100.0


def simpy_mm1(customers: int, seed: int = 0) -> int:
    """The idiomatic SimPy M/M/1: process per customer, a Resource."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    sojourns = []

    def customer(env, service):
        arrived = env.now
        with server.request() as req:
            yield req
            yield env.timeout(service)
        sojourns.append(env.now - arrived)

    def source(env):
        gaps = rng.exponential(1 / LAM, customers)
        services = rng.exponential(1 / MU, customers)
        for gap, service in zip(gaps, services):
            yield env.timeout(gap)
            env.process(customer(env, service))

    env.process(source(env))
    env.run()
    return len(sojourns)


def vetora_rr(customers: int, trace_sample: float = 1.0, seed: int = 0) -> int:
    arch = vn.scenarios.single_service(workers=1, mean_service_time=1 / MU)
    res = vn.simulate(arch, vn.Traffic.poisson(LAM), duration=customers / LAM, seed=seed,
                      trace_sample=trace_sample)
    res.requests, res.spans, res.timeseries  # noqa: B018  (build the frames: part of the cost)
    return len(res.requests)


def vetora_ed(customers: int, trace_sample: float = 1.0, seed: int = 0) -> int:
    arch = vn.scenarios.single_service(workers=1, mean_service_time=1 / MU, style="event_driven")
    res = vn.simulate(arch, vn.Traffic.poisson(LAM), duration=customers / LAM, seed=seed,
                      trace_sample=trace_sample)
    res.requests, res.spans, res.timeseries  # noqa: B018
    return len(res.events)   # the consumer's customers


CASES = {
    "idiomatic SimPy M/M/1": simpy_mm1,
    "request-response, full recording": vetora_rr,
    "request-response, no traces": lambda n: vetora_rr(n, trace_sample=0.0),
    "stream -> consumer, full recording": vetora_ed,
    "stream -> consumer, no traces": lambda n: vetora_ed(n, trace_sample=0.0),
}


def cpu_rate(fn, n: int) -> float:
    """Customers (or requests) per second of this process's CPU time."""
    t0 = time.process_time()
    done = fn(n)
    return done / (time.process_time() - t0)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}, "
            f"SimPy {simpy.__version__}, numpy {np.__version__}")


# -- the running example -----------------------------------------------------
def order_placed_rate(style: str, duration: float, seed: int = 1) -> float:
    """``order_placed`` in ``style`` at 250 req/s: requests per CPU second, simulation only."""
    arch = vn.scenarios.order_placed(style)
    t0 = time.process_time()
    res = vn.simulate(arch, vn.Traffic.poisson(250), duration=duration, seed=seed)
    return len(res._rec.r_start) / (time.process_time() - t0)


def _order_placed_worker() -> None:
    """Subprocess side of ``--against``: read ``style duration`` lines, answer a rate each."""
    for line in sys.stdin:
        style, duration = line.split()
        print(order_placed_rate(style, float(duration)), flush=True)


def order_placed(rounds: int, duration: float, against: str | None) -> dict:
    styles = ("request_response", "event_driven")
    other = None
    if against:
        env = dict(os.environ, PYTHONPATH=os.path.abspath(against))
        other = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"], env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                 cwd=os.path.abspath(against))
    best = {(who, s): 0.0 for who in ("this", "other") for s in styles}
    for _ in range(rounds):
        for s in styles:
            best["this", s] = max(best["this", s], order_placed_rate(s, duration))
            if other is not None:
                other.stdin.write(f"{s} {duration}\n")
                other.stdin.flush()
                best["other", s] = max(best["other", s], float(other.stdout.readline()))
    if other is not None:
        other.stdin.close()
        other.wait()
    print(f"\norder_placed at 250 req/s, {duration:g} s simulated, simulation only, best of {rounds}"
          + (f" (alternating with {against})" if against else ""))
    out = {}
    for s in styles:
        line = f"  {s:<17}: {best['this', s]:>9,.0f} requests/CPU-s"
        out[s] = best["this", s]
        if other is not None:
            line += f"   against: {best['other', s]:>9,.0f}   ratio {best['this', s] / best['other', s]:.2f}"
            out[s + " (against)"] = best["other", s]
        print(line)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--order-placed", action="store_true", help="also time order_placed in both styles")
    ap.add_argument("--duration", type=float, default=80.0, help="order_placed: simulated seconds a run")
    ap.add_argument("--against", help="order_placed: a directory holding another vetora_nb to compare with")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _order_placed_worker()
        return {}
    for fn in CASES.values():
        cpu_rate(fn, 2000)   # warm up imports and caches
    rates = {name: [] for name in CASES}
    for _ in range(args.rounds):
        for name, fn in CASES.items():
            rates[name].append(cpu_rate(fn, args.customers))
    med = {name: statistics.median(r) for name, r in rates.items()}
    base = rates["idiomatic SimPy M/M/1"]
    ratios = {name: sorted(x / b for x, b in zip(r, base)) for name, r in rates.items()}
    print(f"M/M/1 rho=0.8, {args.customers:,} customers, median of {args.rounds} alternating rounds, CPU time")
    print(f"machine: {machine()}")
    for name, r in med.items():
        q = ratios[name]
        print(f"  {name:<36}: {r:>10,.0f} customers/CPU-s   ratio {statistics.median(q):.2f}"
              f"  ({q[0]:.2f}-{q[-1]:.2f})")
    out = {"machine": machine(), "customers_per_cpu_s": med,
           "ratio": {name: statistics.median(q) for name, q in ratios.items()},
           "ratio_range": {name: (q[0], q[-1]) for name, q in ratios.items()}}
    if args.order_placed:
        out["order_placed"] = order_placed(args.rounds, args.duration, args.against)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return out


if __name__ == "__main__":
    main()
