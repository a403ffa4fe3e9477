"""Redrawing in place against drawing afresh: the comparison panel's picture, CPU time, one process.

A slider move ends in a new picture of new runs. The panel can build a new
Figure for them (the path every panel took before, and still the fallback)
or keep its Figure and move its artists (:class:`vetora_nb.plots.ComparisonFigure`).
This script simulates a sequence of moves of notebook 00's panel once
(rate, outage window, faulty service, slowdown, error rate, partitions, a
cut, a spike), then, in the same process and alternating, draws each
move's results three ways and renders the PNG the panel shows: a fresh
Figure; the kept Figure redrawn in place; and the same with its background
(axes, ticks, bands) rendered only when it changed
(:class:`vetora_nb.plots.blit.Background`). Reported: the median CPU
milliseconds (``time.process_time``) per move of each path, split into
drawing and PNG, and each path's ratio to the fresh one.

It also times the two pieces of data preparation that moved to numpy, on
the same runs: the CDF curve (``np.quantile`` at 1,000 points against one
sort and ``np.interp``) and the time-series table (``pivot_table`` plus a
pandas rolling mean against a numpy pivot).

Run: ``python benchmarks/redraw.py [--duration 30] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from vetora_nb import plots as vp  # noqa: E402
from vetora_nb import widgets as vw  # noqa: E402
from vetora_nb.plots.latency import _cdf, _latencies  # noqa: E402
from vetora_nb.plots.timeseries import _series  # noqa: E402

MOVES = [{"rate": 150}, {"window": (5.0, 15.0)}, {"service": "inventory"}, {"down": False, "slowdown": 8.0},
         {"error_rate": 0.3}, {"partitions": 2}, {"cut": "shipping", "cut_window": (12.0, 16.0)},
         {"spike": 3.0, "spike_window": (4.0, 8.0)}, {"rate": 100}]


def cpu_ms(fn) -> tuple:
    t0 = time.process_time()
    out = fn()
    return out, (time.process_time() - t0) * 1000


def scaled(move: dict, duration: float) -> dict:
    """Windows above are for a 30 s run; other durations scale them."""
    k = duration / 30.0
    return {n: (tuple(round(x * k, 1) for x in v) if isinstance(v, tuple) else v) for n, v in move.items()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=30.0, help="simulated seconds per run (default: the panel's 30)")
    ap.add_argument("--rounds", type=int, default=3, help="times through the moves (default 3)")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        raise ValueError(f"--rounds must be at least 1, got {args.rounds}")
    panel = vw.ComparisonPanel(duration=args.duration, run=False, parallel=False)
    steps = []                                      # (results, params) of each move, simulated once
    panel.update()
    steps.append((panel.results, panel.params()))
    for move in MOVES:
        panel.update(**scaled(move, args.duration))
        if panel.error:
            raise RuntimeError(f"{move}: {panel.error}")
        steps.append((panel.results, panel.params()))
    dpi = panel.dpi
    paths = ("fresh", "in place", "in place + background")
    times = {k: {"draw": [], "png": []} for k in paths}
    kept = {"in place": 0, "in place + background": 0}
    drawings = {k: panel.spec.draw(*steps[0], {}) for k in kept}
    reused = {True: [], False: []}     # PNG CPU ms with the background reused / rendered anew
    for _ in range(args.rounds):
        for results, params in steps[1:] + steps[:1]:
            fig, ms = cpu_ms(lambda: panel.spec.draw(results, params, {}).figure)
            times["fresh"]["draw"].append(ms)
            times["fresh"]["png"].append(cpu_ms(lambda: vp.figure_png(fig, dpi=dpi))[1])
            for k in kept:
                drawing = drawings[k]
                ok, ms = cpu_ms(lambda: drawing.update(results, params, {}))
                if not ok:
                    drawing, more = cpu_ms(lambda: panel.spec.draw(results, params, {}))
                    drawings[k], ms = drawing, ms + more
                kept[k] += bool(ok)
                times[k]["draw"].append(ms)
                render = (lambda: drawing.png(dpi)) if "background" in k else (
                    lambda: vp.figure_png(drawing.figure, dpi=dpi))
                hits = drawing._background.hits if "background" in k and drawing._background else 0
                ms = cpu_ms(render)[1]
                times[k]["png"].append(ms)
                if "background" in k:
                    reused[drawing._background.hits > hits].append(ms)
    med = {k: {p: statistics.median(v) for p, v in d.items()} for k, d in times.items()}
    total = {k: statistics.median(np.add(d["draw"], d["png"])) for k, d in times.items()}
    moves = len(times["fresh"]["draw"])
    print(f"comparison panel, {args.duration:g} s runs, {moves} moves ({kept['in place']} redrawn in place),"
          " CPU ms per move:")
    print(f"{'path':<22} {'draw':>7} {'png':>7} {'total':>7} {'ratio':>6}")
    for k in paths:
        print(f"{k:<22} {med[k]['draw']:>7.1f} {med[k]['png']:>7.1f} {total[k]:>7.1f}"
              f" {total[k] / total['fresh']:>6.2f}")
    ratio = {k: total[k] / total["fresh"] for k in paths}
    if reused[True]:
        print(f"PNG with the background reused: median {statistics.median(reused[True]):.1f} ms"
              f" ({len(reused[True])} moves), rendered anew {statistics.median(reused[False]):.1f} ms"
              f" ({len(reused[False])}); fresh figure {med['fresh']['png']:.1f} ms")

    # Data preparation, old way against new, on the same runs.
    results = steps[0][0]
    v = np.concatenate([_latencies(r, "caller") for r in results.values()]) * 1000
    q = 50
    _, old = cpu_ms(lambda: [np.quantile(v, np.linspace(0, 1, 1000)) for _ in range(q)])
    _, new = cpu_ms(lambda: [_cdf(v) for _ in range(q)])
    print(f"CDF of {len(v):,} latencies: np.quantile {old / q:.2f} ms, sort + interp {new / q:.2f} ms"
          f" (ratio {new / old:.2f})")
    metrics = ("throughput", "errors", "consumer_lag")

    def pandas_way():
        for r in results.values():
            ts = r.timeseries
            for m in metrics:
                wide = ts[ts["metric"] == m].pivot_table(index="time", columns="node", values="value",
                                                         aggfunc="last").sort_index()
                if m != "consumer_lag" and len(wide) > 2:     # the rates are smoothed over 1 s
                    step = float(np.median(np.diff(wide.index.to_numpy()))) or 1.0
                    window = max(1, int(round(1.0 / step)))
                    if window > 1:
                        wide.rolling(window, center=True, min_periods=1).mean()

    def numpy_way():
        for r in results.values():
            for m in metrics:
                _series(r, m, None, 1.0)

    _, old = cpu_ms(lambda: [pandas_way() for _ in range(q // 5)])
    _, new = cpu_ms(lambda: [numpy_way() for _ in range(q // 5)])
    print(f"time-series tables (3 metrics x 2 runs): pandas {old / (q // 5):.1f} ms,"
          f" numpy {new / (q // 5):.1f} ms (ratio {new / old:.2f})")
    return {"median_ms": med, "total_ms": total, "ratio": ratio, "kept": kept, "moves": moves}


if __name__ == "__main__":
    main()
