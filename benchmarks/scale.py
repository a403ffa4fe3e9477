"""Scale: a million requests through ``order_placed`` in one run.

Each style runs in a fresh process (so peak memory is that run's alone) at
250 requests/s — inside both styles' capacity, so the work per request is
the same at every size — for 250k, 500k and 1M requests. Each run simulates,
drains, and builds every result a notebook reads: the summary and the
requests, events and spans frames. Spans are recorded for a sample of
``--trace-sample`` of the requests (1% by default): a million full traces
are tens of millions of spans nobody can look at.

Reported per run: wall time, microseconds per request, and peak resident
memory (``ru_maxrss``) twice — through the summary (simulate, drain,
requests frame), and after also building the events and spans frames (one
row per event and consumer group: four million rows for a million
event-driven requests) — with a bare process that only imports the package
as the baseline. Cost is linear when microseconds per request stay flat as
the run grows.

Run: ``python benchmarks/scale.py [--sizes 250000 500000 1000000] [--trace-sample 0.01]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

RATE = 250.0

CHILD = r'''
import json, resource, sys, time
import vetora_nb as vn
style, n, sample = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
out = {"style": style, "requests": n}
if n:
    t0 = time.perf_counter()
    res = vn.simulate(vn.scenarios.order_placed(style), vn.Traffic.poisson(RATE), duration=n / RATE,
                      seed=1, trace_sample=sample, max_requests=int(1.2 * n) + 1000)
    s = res.summary()   # builds the requests frame too
    out.update(seconds=time.perf_counter() - t0, sent=s["requests"], failed=s["failed"],
               unsettled=s["unsettled"], peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out.update(events=len(res.events), spans=len(res.spans),
               seconds_all=time.perf_counter() - t0)
out["peak_all_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
'''.replace("RATE", repr(RATE))


def run(style: str, n: int, sample: float) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, style, str(n), str(sample)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[250_000, 500_000, 1_000_000])
    ap.add_argument("--trace-sample", type=float, default=0.01)
    ap.add_argument("--styles", nargs="*", default=["request_response", "event_driven"])
    args = ap.parse_args(argv)
    base = run("request_response", 0, args.trace_sample)
    print(f"bare process (imports only): {base['peak_all_mb']:.0f} MB peak")
    print(f"{'style':<18} {'requests':>9} {'seconds':>8} {'us/request':>10} {'peak MB':>8} "
          f"{'+frames MB':>10} {'failed':>7} {'events':>9} {'spans':>7}")
    rows = []
    for style in args.styles:
        for n in args.sizes:
            r = run(style, n, args.trace_sample)
            r["us_per_request"] = r["seconds"] / r["sent"] * 1e6
            rows.append(r)
            print(f"{style:<18} {r['sent']:>9,} {r['seconds']:>8.1f} {r['us_per_request']:>10.1f} "
                  f"{r['peak_mb']:>8.0f} {r['peak_all_mb']:>10.0f} {r['failed']:>7} {r['events']:>9,} "
                  f"{r['spans']:>7,}")
    return rows


if __name__ == "__main__":
    main()
