"""What a panel's picture costs per move, this code against another commit's, CPU time, one process.

For each panel asked for, both versions of the package build it at its
defaults and make the same sequence of moves (every control to a quarter
and three quarters of its range, the other options of a menu, the other
state of a checkbox, and back — the moves of ``benchmarks/panels.py``).
Each move's runs are simulated once per version (the same seeds give the
same runs), outside the timing. Then, in rounds that alternate which
version goes first, each version draws every move as its panel would —
asking the drawing it kept to redraw in place where it has one, else
drawing a fresh figure — renders the PNG the panel shows and formats the
key numbers; the panel's analysis (made on every update) is timed too,
so work moved there from the figure still counts. Reported per version:
the median CPU milliseconds (``time.process_time``) per move of the
analysis, the figure, the PNG, the numbers and their total, the share of moves redrawn in place, and the ratio of the
totals (this code / the other), median over the moves and rounds.

The other version is ``git archive REF vetora_nb`` imported under another
name (the package imports itself relatively only).

Run: ``python benchmarks/draw_cost.py --notebooks 09 10 03 02 [--against main] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from panels import positions  # noqa: E402

BASE = "vetora_nb_base"


def load_base(ref: str, into: Path):
    """The package as it is at ``ref``, imported as :data:`BASE`."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", f"--prefix={BASE}/", f"{ref}:vetora_nb"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    sys.path.insert(0, str(into))
    return importlib.import_module(BASE)


def moves_of(panel) -> list:
    """``[{control: value}, ...]``: each control to its other positions and back, one at a time."""
    out = []
    for name, widget in panel.controls.items():
        start = widget.value
        out += [{name: v} for v in positions(widget) + [start]]
    return out


def simulated(package, name: str, moves: list) -> tuple:
    """The panel of ``package`` and ``(results, params, analysis)`` after each move."""
    panel = package.widgets.SpecPanel(package.panels.SPECS[name](), run=False, parallel=False)
    panel.update()
    steps = [(panel.results, panel.params(), panel.analysis)]
    for move in moves:
        panel.update(**move)
        if panel.error:
            raise RuntimeError(f"{package.__name__} {name} {move}: {panel.error}")
        steps.append((panel.results, panel.params(), panel.analysis))
    return panel, steps


class Path_:
    """One version drawing one panel's moves as its panel does, timing each part."""

    def __init__(self, package, panel, steps):
        self.plots, self.panel, self.steps = package.plots, panel, steps
        self.drawing = None

    def draw(self, k: int) -> dict:
        results, params, _ = self.steps[k]
        spec, dpi = self.panel.spec, self.panel.dpi
        ta = time.process_time()
        # The analysis is made on every update too, and work moved there from the figure still counts.
        analysis = spec.analyse(results, params) if spec.analyse else {}
        t0 = time.process_time()
        drawing, in_place = self.drawing, False
        if drawing is not None and drawing.update(results, params, analysis):
            in_place = True
        else:
            drawing = spec.draw(results, params, analysis)
        figure = drawing if isinstance(drawing, Figure) else drawing.figure
        t1 = time.process_time()
        png = drawing.png(dpi) if hasattr(drawing, "png") else self.plots.figure_png(figure, dpi=dpi)
        t2 = time.process_time()
        if spec.numbers is not None:
            spec.numbers(results, params, analysis)
        t3 = time.process_time()
        self.drawing = None if isinstance(drawing, Figure) else drawing
        return {"analyse": (t0 - ta) * 1000, "figure": (t1 - t0) * 1000, "png": (t2 - t1) * 1000,
                "numbers": (t3 - t2) * 1000, "total": (t3 - ta) * 1000, "in_place": in_place, "bytes": png}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notebooks", nargs="+", required=True, help="number prefixes, e.g. 09 10")
    ap.add_argument("--against", default="main", help="the commit to compare with (default: main)")
    ap.add_argument("--rounds", type=int, default=3, help="times through the moves (default 3)")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        raise ValueError(f"--rounds must be at least 1, got {args.rounds}")
    import vetora_nb as new

    with tempfile.TemporaryDirectory() as tmp:
        base = load_base(args.against, Path(tmp))
        importlib.import_module(f"{BASE}.panels")
        importlib.import_module(f"{BASE}.widgets")
        importlib.import_module("vetora_nb.panels")
        importlib.import_module("vetora_nb.widgets")
        names = [n for n in new.panels.SPECS if n[:2] in args.notebooks]
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if "Model name" in line), "?")
        print(f"machine: {model} · this code against {args.against} · {args.rounds} rounds · CPU ms per move")
        print(f"{'panel':<24} {'version':<8} {'analyse':>8} {'figure':>7} {'png':>6} {'numbers':>8} {'total':>7} {'in place':>9}"
              f" {'ratio':>6}")
        report = {}
        for name in names:
            panel, steps = simulated(new, name, moves_of(new.widgets.SpecPanel(new.panels.SPECS[name](), run=False)))
            moves = moves_of(panel)
            base_panel, base_steps = simulated(base, name, moves)
            paths = {"this": Path_(new, panel, steps), args.against: Path_(base, base_panel, base_steps)}
            got = {v: [] for v in paths}
            ratios = []
            for r in range(args.rounds):
                order = list(paths) if r % 2 == 0 else list(reversed(paths))
                for k in range(len(steps)):
                    once = {v: paths[v].draw(k) for v in order}
                    for v in paths:
                        got[v].append(once[v])
                    ratios.append(once["this"]["total"] / once[args.against]["total"])
            report[name] = {}
            for v, rows in got.items():
                med = {part: statistics.median(m[part] for m in rows) for part in ("analyse", "figure", "png", "numbers", "total")}
                med["in_place"] = sum(m["in_place"] for m in rows) / len(rows)
                report[name][v] = med
                ratio = f"{statistics.median(ratios):.2f}" if v == "this" else "1.00"
                print(f"{name:<24} {v:<8} {med['analyse']:>8.0f} {med['figure']:>7.0f} {med['png']:>6.0f} {med['numbers']:>8.0f}"
                      f" {med['total']:>7.0f} {med['in_place']:>8.0%} {ratio:>6}")
            report[name]["ratio"] = statistics.median(ratios)
    return report


if __name__ == "__main__":
    main()
