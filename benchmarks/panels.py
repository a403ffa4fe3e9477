"""Slider updates: how long each notebook's panel takes to answer a control.

Each notebook runs top to bottom in a fresh kernel, exactly as a reader's
"Run All" leaves it. Then, in that kernel, every control of the notebook's
``panel`` is moved to a few positions (a quarter and three quarters of a
slider, each option of a dropdown, both states of a checkbox) and back to its
default, one control at a time — what a student does. Each move is timed
from ``panel.update(...)`` to the new PNG and numbers being in the widget:
simulating both styles (runs whose inputs did not change are reused) plus
the redraw. The browser adds the transfer of that PNG and its paint, which
the browser test measures separately ("slider release -> plot redraw").

Reported per notebook: the number of moves, median, p95 and maximum in
milliseconds, the median time spent simulating and drawing (the panel's own
``timings``), and the collection-wide p95 and slowest panel.

Run: ``python benchmarks/panels.py [--notebooks 00 07] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from notebook_runner import kernel_env, notebook_paths  # noqa: E402

# Runs inside the notebook's kernel after its last cell: moves the controls
# of ``panel`` and prints the timings as one JSON line.
PROBE = r'''
import json as _json, time as _time
import ipywidgets as _W

def _positions(widget):
    if isinstance(widget, _W.Checkbox):
        return [not widget.value]
    if isinstance(widget, (_W.Dropdown, _W.SelectionSlider)):
        values = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return [v for v in values if v != widget.value][:3]
    if isinstance(widget, _W.FloatRangeSlider):
        lo, hi = widget.min, widget.max
        return [(lo + (hi - lo) * 0.25, lo + (hi - lo) * 0.5)]
    lo, hi = widget.min, widget.max
    out = []
    for f in (0.25, 0.75):
        v = lo + (hi - lo) * f
        if isinstance(widget, _W.IntSlider):
            v = int(round(v))
        if v != widget.value:
            out.append(v)
    return out

_moves = []
panel.update()   # warm: a first run at the defaults, as the notebook showed it
for _name, _widget in panel.controls.items():
    _default = _widget.value
    for _value in _positions(_widget) + [_default]:
        _t0 = _time.perf_counter()
        panel.update(**{_name: _value})
        _ms = (_time.perf_counter() - _t0) * 1000
        _sim = sum(v for k, v in panel.timings.items() if k != "draw" and v is not None) * 1000
        _moves.append({"control": _name, "value": repr(_value), "ms": _ms, "simulate_ms": _sim,
                       "draw_ms": panel.timings.get("draw", 0.0) * 1000, "error": panel.error})
print("PANEL_TIMINGS " + _json.dumps(_moves))
'''


def measure(path: Path, timeout: int = 600) -> list[dict]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=kernel_env())
    for out in nb.cells[-1].get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith("PANEL_TIMINGS "):
                return json.loads(line[len("PANEL_TIMINGS "):])
    raise RuntimeError(f"{path.name}: the probe printed nothing")


def p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", nargs="*", help="number prefixes to run, e.g. 00 07 (default: all)")
    ap.add_argument("--json", help="also write every move's timing to this file")
    args = ap.parse_args(argv)
    paths = [p for p in notebook_paths() if not args.notebooks or p.name[:2] in args.notebooks]
    report, everything = {}, []
    print(f"{'notebook':<28} {'moves':>5} {'median':>8} {'p95':>8} {'max':>8} {'sim':>6} {'draw':>6}"
          f"  slowest control")
    for path in paths:
        t0 = time.perf_counter()
        moves = measure(path)
        errors = [m for m in moves if m["error"]]
        ms = [m["ms"] for m in moves]
        slowest = max(moves, key=lambda m: m["ms"])
        sim = statistics.median(m["simulate_ms"] for m in moves)
        draw = statistics.median(m["draw_ms"] for m in moves)
        report[path.stem] = {"moves": len(ms), "median_ms": statistics.median(ms), "p95_ms": p95(ms),
                             "max_ms": max(ms), "simulate_median_ms": sim, "draw_median_ms": draw,
                             "slowest": slowest, "errors": errors, "notebook_s": time.perf_counter() - t0}
        everything += ms
        print(f"{path.stem:<28} {len(ms):>5} {statistics.median(ms):>8.0f} {p95(ms):>8.0f} {max(ms):>8.0f}"
              f" {sim:>6.0f} {draw:>6.0f}  {slowest['control']}={slowest['value']}"
              + (f"  ERRORS: {len(errors)}" if errors else ""))
    worst = max(report, key=lambda k: report[k]["p95_ms"])
    print(f"all panels: {len(everything)} moves, p95 {p95(everything):.0f} ms;"
          f" slowest panel {worst} (p95 {report[worst]['p95_ms']:.0f} ms)")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return report


if __name__ == "__main__":
    main()
