"""Sweep speed-up: the same CPU-bound grid in this process and on 2 workers.

Runs a grid of ``order_placed`` simulations (both styles x several rates x
seeds) three ways — in-process, in 2 local worker processes, and on a Dask
``LocalCluster`` of 2 single-threaded worker processes — checks that the
rows are identical, and prints each wall time and the speed-up over
in-process. Each run simulates ``--duration`` seconds (60 by default) so
that a run costs a few hundred milliseconds: with much smaller runs the
grid is no longer CPU-bound and what is measured is the cost of shipping
tasks, not of simulating. Run: ``python benchmarks/sweep.py [--seeds 3] [--duration 60]``.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from distributed import Client, LocalCluster

import vetora_nb as vn
from vetora_nb.sweep import order_placed_run

GRID = {"style": ["request_response", "event_driven"], "rate": [60, 90, 120, 150]}


def timed(grid, **kw):
    t0 = time.perf_counter()
    df = vn.sweep(order_placed_run, grid, progress=False, **kw)
    return df, time.perf_counter() - t0


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=60.0)
    args = ap.parse_args(argv)
    seeds = list(range(args.seeds))
    grid = {**GRID, "duration": [args.duration]}
    local, t_local = timed(grid, seeds=seeds)
    procs, t_procs = timed(grid, seeds=seeds, processes=2)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: __import__("vetora_nb"))     # warm the workers' imports
        dask, t_dask = timed(grid, seeds=seeds, client=client)
    pd.testing.assert_frame_equal(local, procs)
    pd.testing.assert_frame_equal(local, dask)
    n = len(local)
    print(f"{n} runs of order_placed ({args.duration:g} s simulated each); identical rows all three ways")
    print(f"  in-process         : {t_local:6.1f} s")
    print(f"  2 local processes  : {t_procs:6.1f} s   speed-up {t_local / t_procs:.2f}x")
    print(f"  Dask, 2 workers    : {t_dask:6.1f} s   speed-up {t_local / t_dask:.2f}x")
    return {"local": t_local, "processes": t_procs, "dask": t_dask}


if __name__ == "__main__":
    main()
