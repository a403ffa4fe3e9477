"""The whole collection, "Restart & Run All", one notebook after another.

Each notebook runs headless in a fresh kernel (what a reader's Restart &
Run All does), in order, and the wall time of each is printed with the
total — kernel start-up included, since a reader waits for it too. Nothing
else should run on the machine meanwhile: this is the one benchmark here
that reports absolute time rather than a ratio, because the target is an
absolute one (the collection within two minutes on two cores).

Run: ``python benchmarks/run_all.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from notebook_runner import execute_notebook, notebook_paths  # noqa: E402


def main() -> float:
    total = 0.0
    for path in notebook_paths():
        t0 = time.perf_counter()
        execute_notebook(path)
        seconds = time.perf_counter() - t0
        total += seconds
        print(f"{path.stem:<28} {seconds:6.1f} s", flush=True)
    print(f"{'whole collection':<28} {total:6.1f} s")
    return total


if __name__ == "__main__":
    main()
