"""Engine speed: ``vn.simulate`` against an idiomatic SimPy model, same process.

Both run an M/M/1 queue at rho = 0.8 (lambda = 80/s, mu = 100/s) for the
same simulated time. The baseline is the textbook SimPy program: a source
process that spawns one process per customer, each requesting a
``simpy.Resource``, holding it for an exponential service time and
releasing it. ``vn.simulate`` runs the same queue with full recording on
(requests, spans, time series) and builds the result frames.

Reported: customers per second of wall time for both, and the ratio
(vetora_nb / SimPy). Rounds alternate between the two so that machine noise
hits both alike; the median round is reported. Run: ``make bench`` or
``python benchmarks/engine.py [--customers N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import statistics
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


def vetora_mm1(customers: int, seed: int = 0) -> int:
    arch = vn.scenarios.single_service(workers=1, mean_service_time=1 / MU)
    res = vn.simulate(arch, vn.Traffic.poisson(LAM), duration=customers / LAM, seed=seed)
    res.requests, res.spans, res.timeseries  # noqa: B018  (build the frames: part of the cost)
    return len(res.requests)


def rate(fn, customers: int) -> float:
    t0 = time.perf_counter()
    n = fn(customers)
    return n / (time.perf_counter() - t0)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    rate(simpy_mm1, 2000), rate(vetora_mm1, 2000)   # warm up imports and caches
    base, ours = [], []
    for _ in range(args.rounds):
        base.append(rate(simpy_mm1, args.customers))
        ours.append(rate(vetora_mm1, args.customers))
    b, o = statistics.median(base), statistics.median(ours)
    print(f"M/M/1 rho=0.8, {args.customers:,} customers, median of {args.rounds} rounds")
    print(f"  idiomatic SimPy : {b:>10,.0f} customers/s")
    print(f"  vn.simulate     : {o:>10,.0f} customers/s  (full recording)")
    print(f"  ratio           : {o / b:.2f}")
    return {"simpy": b, "vetora_nb": o, "ratio": o / b}


if __name__ == "__main__":
    main()
