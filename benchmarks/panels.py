"""Slider updates: how long each notebook's panel takes to answer a control.

Every panel of the collection (``vetora_nb.panels.SPECS``) is built at its
default settings, as its notebook shows it, and every control is moved to a
few positions (a quarter and three quarters of a slider, the other options
of a menu, the other state of a checkbox) and back, one control at a time —
what a student does. Each move is one update: simulate what changed (both
styles side by side in the worker processes, where there are two cores),
draw, and render the PNG the panel shows.

Per move it records the **wall** time and the **CPU** time of the whole
update: this process's CPU plus the CPU the worker processes spent on it
(read from ``/proc`` through psutil), so running both styles side by side
cannot hide work.

Then **bursts**: in background mode (as in a notebook), five moves of the
rate slider in quick succession; reported is the time from the last move
until the picture matches it, as a multiple of one update's time at a
setting next to the last (the target is at most 2: the update under way,
then one with the latest setting).

Run: ``python benchmarks/panels.py [--notebooks 00 07] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import ipywidgets as W
import psutil

from vetora_nb import workers
from vetora_nb.panels import SPECS
from vetora_nb.widgets import SpecPanel


def positions(widget) -> list:
    """Where a student moves a control to: other values, then back to the start."""
    if isinstance(widget, W.Checkbox):
        return [not widget.value]
    if isinstance(widget, (W.Dropdown, W.SelectionSlider)):
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return [v for v in values if v != widget.value][:2]
    lo, hi = widget.min, widget.max
    if isinstance(widget, W.FloatRangeSlider):
        return [(lo + (hi - lo) * 0.25, lo + (hi - lo) * 0.5)]
    out = []
    for f in (0.25, 0.75):
        v = lo + (hi - lo) * f
        if isinstance(widget, W.IntSlider):
            v = int(round(v))
        if v != widget.value:
            out.append(v)
    return out


def _worker_cpu() -> float:
    total = 0.0
    for pid in workers.pids():
        try:
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def timed_update(panel, **values) -> dict:
    cpu0, w0, t0 = time.process_time(), _worker_cpu(), time.perf_counter()
    panel.update(**values)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0 + _worker_cpu() - w0
    return {"wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "draw_ms": panel.timings.get("draw", 0.0) * 1000,
            "error": panel.error}


def burst(panel, moves: int = 5) -> dict:
    """Five moves of the first numeric slider in background mode: time after the last move, in updates."""
    name, widget = next((n, w) for n, w in panel.controls.items() if isinstance(w, (W.IntSlider, W.FloatSlider)))
    lo, hi = widget.min, widget.max
    values = [lo + (hi - lo) * (0.3 + 0.1 * k) for k in range(moves)]
    if isinstance(widget, W.IntSlider):
        values = [int(round(v)) for v in values]
    # For scale, one update at a setting next to the last one (not the same: it would
    # be reused): the burst's last update costs about as much, whereas the first
    # setting of a rising burst is the cheapest of the five.
    beside = values[-1] - widget.step if values[-1] - widget.step > lo else values[-1] + widget.step
    one = timed_update(panel, **{name: beside})["wall_ms"]
    panel.update(**{name: widget.min})
    panel.background = True
    try:
        for v in values:
            widget.value = v
        t_last = time.perf_counter()
        panel.wait()
        after = (time.perf_counter() - t_last) * 1000
    finally:
        panel.background = None
    return {"control": name, "after_last_ms": after, "one_update_ms": one, "updates": after / one if one else 0.0}


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", nargs="*", help="number prefixes to run, e.g. 00 07 (default: all)")
    ap.add_argument("--json", help="also write the report to this file")
    args = ap.parse_args(argv)
    names = [n for n in SPECS if not args.notebooks or n[:2] in args.notebooks]
    on = workers.warmed() is not None              # the workers import the package once, before any timing
    print(f"machine: {os.cpu_count()} cores · workers: {'on' if on else 'off (one core)'}")
    print(f"{'panel':<26} {'moves':>5} {'wall med':>8} {'wall p95':>8} {'cpu med':>8} {'cpu p95':>8} {'draw':>6}"
          f" {'burst':>6}  slowest move")
    report, walls, cpus = {}, [], []
    for name in names:
        panel = SpecPanel(SPECS[name](), run=False)
        timed_update(panel)                        # the first picture, as the notebook shows it
        timed_update(panel)                        # and once warm (nothing changed: a redraw)
        moves = []
        for control, widget in panel.controls.items():
            start = widget.value
            for value in positions(widget) + [start]:
                m = timed_update(panel, **{control: value})
                m.update(control=control, value=repr(value))
                moves.append(m)
        b = burst(panel)
        wall = [m["wall_ms"] for m in moves]
        cpu = [m["cpu_ms"] for m in moves]
        slowest = max(moves, key=lambda m: m["wall_ms"])
        report[name] = {"moves": len(moves), "wall_median_ms": statistics.median(wall), "wall_p95_ms": p95(wall),
                        "cpu_median_ms": statistics.median(cpu), "cpu_p95_ms": p95(cpu),
                        "draw_median_ms": statistics.median(m["draw_ms"] for m in moves), "burst": b,
                        "slowest": slowest, "errors": [m for m in moves if m["error"]]}
        walls += wall
        cpus += cpu
        r = report[name]
        print(f"{name:<26} {len(moves):>5} {r['wall_median_ms']:>8.0f} {r['wall_p95_ms']:>8.0f}"
              f" {r['cpu_median_ms']:>8.0f} {r['cpu_p95_ms']:>8.0f} {r['draw_median_ms']:>6.0f}"
              f" {b['updates']:>5.1f}×  {slowest['control']}={slowest['value']}"
              + (f"  ERRORS: {len(r['errors'])}" if r["errors"] else ""))
    worst = max(report, key=lambda k: report[k]["cpu_p95_ms"])
    print(f"all panels: {len(walls)} moves · wall median {statistics.median(walls):.0f} ms · cpu p95 {p95(cpus):.0f} ms"
          f" · slowest panel {worst} (cpu p95 {report[worst]['cpu_p95_ms']:.0f} ms)"
          f" · worst burst {max(r['burst']['updates'] for r in report.values()):.1f} updates")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    return report


if __name__ == "__main__":
    main()
