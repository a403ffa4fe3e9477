"""Redrawing in place against drawing afresh: a panel's picture, CPU time, one process.

A slider move ends in a new picture of new runs. The panel can build a new
Figure for them (the path every panel took before, and still the fallback)
or keep its Figure and move its artists (a :class:`vetora_nb.plots.drawing.Drawing`:
:class:`~vetora_nb.plots.ComparisonFigure` for notebook 00, and the figures of
notebooks 01, 04, 05, 07 and 11). This script simulates a sequence of moves
of a panel once, then, in the same process and alternating, draws each
move's results three ways and renders the PNG the panel shows: a fresh
Figure; the kept Figure redrawn in place; and the same with its background
(axes, ticks, bands) rendered only when it changed
(:class:`vetora_nb.plots.blit.Background`). A move the kept figure cannot
follow (it says so) is drawn afresh on the in-place paths too, as the panel
does. Reported: the median CPU milliseconds (``time.process_time``) per
move of each path, split into drawing and PNG, and each path's ratio to the
fresh one.

The moves: for notebook 00 (the default) a fixed sequence (rate, outage
window, faulty service, slowdown, error rate, partitions, a cut, a spike);
for another notebook's panel (``--panel 04``), every control moved to a
quarter and three quarters of its range (each option of a menu, the other
state of a checkbox) and back, one at a time — the moves of
``benchmarks/panels.py``.

For notebook 00 it also times the two pieces of data preparation that moved
to numpy, on the same runs: the CDF curve (``np.quantile`` at 1,000 points
against one sort and ``np.interp``) and the time-series table
(``pivot_table`` plus a pandas rolling mean against a numpy pivot).

Run: ``python benchmarks/redraw.py [--panel 00] [--duration 30] [--rounds 3]``.
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

from panels import positions  # noqa: E402
from vetora_nb import plots as vp  # noqa: E402
from vetora_nb import widgets as vw  # noqa: E402
from vetora_nb.panels import SPECS  # noqa: E402
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


def _moves(panel) -> list:
    """Each control of ``panel`` to the positions a student moves it to, then back, one at a time."""
    out = []
    for name, widget in panel.controls.items():
        out += [{name: value} for value in positions(widget) + [widget.value]]
    return out


def _background(drawing):
    """The cached background of a drawing (a panel spec's drawing wraps the figure's)."""
    return getattr(getattr(drawing, "drawing", drawing), "_background", None)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panel", default="00", help="the notebook whose panel to draw: 00 (default), 01, 04, 05, 07, 11")
    ap.add_argument("--duration", type=float, help="simulated seconds per run (default: the panel's, 30 for 00)")
    ap.add_argument("--rounds", type=int, default=3, help="times through the moves (default 3)")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        raise ValueError(f"--rounds must be at least 1, got {args.rounds}")
    if args.panel == "00":
        duration = 30.0 if args.duration is None else args.duration
        panel = vw.ComparisonPanel(duration=duration, run=False, parallel=False)
        moves = [scaled(move, duration) for move in MOVES]
    else:
        names = [n for n in SPECS if n[:2] == args.panel]
        if not names:
            raise ValueError(f"--panel: no notebook {args.panel!r} (choose from {sorted(n[:2] for n in SPECS)})")
        panel = vw.SpecPanel(SPECS[names[0]](), duration=args.duration, run=False, parallel=False)
        duration = panel.duration
        moves = _moves(panel)
    steps = []                                      # (results, params, analysis) of each move, simulated once
    panel.update()
    steps.append((panel.results, panel.params(), dict(getattr(panel, "analysis", {}))))
    draw = panel.spec.draw
    if isinstance(draw(*steps[0]), matplotlib.figure.Figure):
        raise ValueError(f"--panel {args.panel}: this panel draws a fresh Figure every move, nothing to compare")
    for move in moves:
        panel.update(**move)
        if panel.error:
            raise RuntimeError(f"{move}: {panel.error}")
        steps.append((panel.results, panel.params(), dict(getattr(panel, "analysis", {}))))
    dpi = panel.dpi
    paths = ("fresh", "in place", "in place + background")
    times = {k: {"draw": [], "png": []} for k in paths}
    kept = {"in place": 0, "in place + background": 0}
    drawings = {k: draw(*steps[0]) for k in kept}
    reused = {True: [], False: []}     # PNG CPU ms with the background reused / rendered anew
    followed = []                      # per move: did the kept figure (with its background) follow it?
    for _ in range(args.rounds):
        for step in steps[1:] + steps[:1]:
            fig, ms = cpu_ms(lambda: draw(*step).figure)
            times["fresh"]["draw"].append(ms)
            times["fresh"]["png"].append(cpu_ms(lambda: vp.figure_png(fig, dpi=dpi))[1])
            for k in kept:
                drawing = drawings[k]
                ok, ms = cpu_ms(lambda: drawing.update(*step))
                if not ok:
                    drawing, more = cpu_ms(lambda: draw(*step))
                    drawings[k], ms = drawing, ms + more
                kept[k] += bool(ok)
                if "background" in k:
                    followed.append(bool(ok))
                times[k]["draw"].append(ms)
                render = (lambda: drawing.png(dpi)) if "background" in k else (
                    lambda: vp.figure_png(drawing.figure, dpi=dpi))
                background = _background(drawing) if "background" in k else None
                hits = background.hits if background is not None else 0
                ms = cpu_ms(render)[1]
                times[k]["png"].append(ms)
                if "background" in k:
                    reused[_background(drawing).hits > hits].append(ms)
    med = {k: {p: statistics.median(v) for p, v in d.items()} for k, d in times.items()}
    total = {k: statistics.median(np.add(d["draw"], d["png"])) for k, d in times.items()}
    moves = len(times["fresh"]["draw"])
    print(f"panel {args.panel}, {duration:g} s runs, {moves} moves ({kept['in place']} redrawn in place),"
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
    if 0 < sum(followed) < len(followed):
        # The moves redrawn in place alone, without those that had to draw afresh.
        only = {k: statistics.median(t for t, f in zip(np.add(d["draw"], d["png"]), followed) if f)
                for k, d in times.items()}
        print(f"the {sum(followed)} moves redrawn in place alone: fresh {only['fresh']:.1f} ms, in place"
              f" {only['in place']:.1f} ({only['in place'] / only['fresh']:.2f}), + background"
              f" {only['in place + background']:.1f} ({only['in place + background'] / only['fresh']:.2f})")
    out = {"median_ms": med, "total_ms": total, "ratio": ratio, "kept": kept, "moves": moves}
    if args.panel != "00":
        return out

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
    return out


if __name__ == "__main__":
    main()
