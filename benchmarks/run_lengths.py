"""Run lengths chosen by statistics: how stable is each panel's p99 and error rate across seeds?

A panel's default run should be the shortest that keeps the numbers it
shows stable: another seed should not tell the student a different story.
For every panel spec (:data:`vetora_nb.panels.SPECS`) at its default
settings, this script makes the spec's runs for ``--seeds`` seeds (10 by
default) at the spec's current duration and at shorter ones (fractions of
it, ``--fractions``; longer ones too, if asked), only simulating — nothing
is drawn. Fault windows scale with the duration, as the controls' defaults
do (:func:`vetora_nb.controls.window`).

For each run of a panel (each style) it reports the mean over the seeds of
the caller p99 and of the error rate that the panel's key numbers show
(``Result.summary()``), and their spread:

``cv``    coefficient of variation, standard deviation / mean (population);
``dev``   the largest relative deviation of one seed from the mean.

A duration is called *stable* when, for every run of the panel, the p99's
``cv`` is at most ``--tolerance`` (3%) and the error rate's ``cv`` is too —
or, for an error rate below 10%, when its standard deviation is at most
``--tolerance`` × 10% in absolute terms (0.3 percentage points): a
relative spread of a rate near zero says nothing a reader can see in a
number printed as ``0.4%``. The recommendation is the shortest stable
duration; whether the notebook's story still holds at it is a separate
check (run the notebook headless).

Work that is not one simulation (a sweep, a saga experiment: a
:class:`~vetora_nb.runs.Job`) has no ``summary()``, and a run whose summary
has no p99 or error rate has nothing to measure here; those panels are
listed as not measured. Fractions above 1 say how long a run would have to
be for its numbers to settle.

Run: ``python benchmarks/run_lengths.py [--panels 00 07] [--seeds 10]
[--fractions 1 0.75 0.5] [--json out.json]``. It takes about
(seeds × Σ fractions) panel updates of simulation per panel: a few minutes
for the whole collection on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vetora_nb import panels  # noqa: E402
from vetora_nb.widgets import SpecPanel  # noqa: E402

#: Below this mean error rate, the error rate's spread is judged in absolute terms.
SMALL_RATE = 0.10


def spread(values) -> dict:
    """Mean, coefficient of variation and largest relative deviation of ``values``."""
    v = np.asarray(values, float)
    mean = float(v.mean())
    sd = float(v.std())
    if mean == 0:
        return {"mean": mean, "sd": sd, "cv": 0.0 if sd == 0 else float("inf"),
                "dev": 0.0 if sd == 0 else float("inf")}
    return {"mean": mean, "sd": sd, "cv": sd / abs(mean), "dev": float(np.max(np.abs(v - mean)) / abs(mean))}


def stable(p99: dict, err: dict, tolerance: float) -> bool:
    """The rule in the module's docstring."""
    err_ok = err["cv"] <= tolerance or (err["mean"] < SMALL_RATE and err["sd"] <= tolerance * SMALL_RATE)
    return p99["cv"] <= tolerance and err_ok


def measure(notebook: str, duration: float, seeds) -> dict | None:
    """``{run name: {'p99': spread, 'error_rate': spread}}`` of one panel at
    ``duration`` over ``seeds``, or ``None`` if its runs are not simulations."""
    spec = panels.SPECS[notebook]()
    values: dict = {}
    for seed in seeds:
        panel = SpecPanel(spec, duration=duration, seed=seed, run=False)
        for name, run in panel.planned_runs().items():
            result = run.execute()
            if not hasattr(result, "summary"):
                return None
            s = result.summary()
            if "p99" not in s or "error_rate" not in s:
                return None
            values.setdefault(name, {"p99": [], "error_rate": []})
            values[name]["p99"].append(float(s["p99"]))
            values[name]["error_rate"].append(float(s["error_rate"]))
    return {name: {k: spread(v) for k, v in d.items()} for name, d in values.items()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--panels", nargs="*", help="notebook number prefixes, e.g. 00 07 (default: all)")
    ap.add_argument("--seeds", type=int, default=10, help="seeds per duration (default 10)")
    ap.add_argument("--fractions", nargs="*", type=float, default=[1.0, 0.75, 0.5],
                    help="durations to try, as fractions of the spec's (default 1 0.75 0.5)")
    ap.add_argument("--tolerance", type=float, default=0.03, help="largest coefficient of variation (default 0.03)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    if args.seeds < 2:
        raise ValueError(f"--seeds must be at least 2, got {args.seeds}")
    if not args.fractions or any(not 0 < f <= 4 for f in args.fractions):
        raise ValueError(f"--fractions must be in (0, 4], got {args.fractions}")
    chosen = [nb for nb in panels.SPECS if not args.panels or nb[:2] in args.panels]
    if not chosen:
        raise ValueError(f"--panels: no notebook starts with any of {args.panels}")
    seeds = range(1, args.seeds + 1)
    report = {}
    print(f"{'panel':<26} {'duration':>8} {'run':<20} {'p99 mean':>9} {'cv':>6} {'dev':>6}"
          f" {'err mean':>9} {'cv':>6} {'sd':>7} {'dev':>6}  stable  (cpu s)")
    for nb in chosen:
        default = panels.SPECS[nb]().duration
        report[nb] = {"default": default, "durations": {}}
        for fraction in sorted(set(args.fractions), reverse=True):
            duration = round(default * fraction, 3)
            t0 = time.process_time()
            figures = measure(nb, duration, seeds)
            cpu = time.process_time() - t0
            if figures is None:
                print(f"{nb:<26} {duration:>8g} (its runs have no p99 and error rate: not measured)")
                report[nb]["durations"] = None
                break
            ok = all(stable(f["p99"], f["error_rate"], args.tolerance) for f in figures.values())
            report[nb]["durations"][duration] = {"runs": figures, "stable": ok, "cpu_s": cpu}
            for k, (name, f) in enumerate(figures.items()):
                p, e = f["p99"], f["error_rate"]
                tail = f"  {'yes' if ok else 'no':<6}  ({cpu:.1f})" if k == 0 else ""
                print(f"{nb if k == 0 else '':<26} {duration if k == 0 else '':>8} {name:<20}"
                      f" {p['mean'] * 1000:>7.1f}ms {p['cv']:>6.1%} {p['dev']:>6.1%}"
                      f" {e['mean']:>9.2%} {e['cv']:>6.1%} {e['sd']:>7.2%} {e['dev']:>6.1%}{tail}", flush=True)
        durations = report[nb]["durations"]
        if durations:
            ok = [d for d, r in durations.items() if r["stable"]]
            report[nb]["shortest_stable"] = min(ok) if ok else None
            print(f"{'':<26} -> shortest stable duration: "
                  + (f"{min(ok):g} s" if ok else f"none of those tried (default {default:g} s)"), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))
    return report


if __name__ == "__main__":
    main()
