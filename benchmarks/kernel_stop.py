"""How long a Jupyter kernel takes to stop once a panel's workers have started.

A kernel stops on Restart, Shut Down and at the end of every headless Run
All. ipykernel signals every child in its process group and waits for
them to leave; a worker pool whose children stayed in that group (as
:mod:`multiprocessing`'s resource tracker does, ignoring SIGTERM) made each
stop wait until the kernel was killed. This starts kernels that import the
package and start the pool, and kernels that only import it (the baseline),
alternating, and reports the wall time of the stop (``shutdown_kernel``)
and the ratio.

Run: ``python benchmarks/kernel_stop.py [--rounds 3] [--against DIR]``
(``DIR``: another copy of the project, whose package the kernels of a third
row import).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from jupyter_client.manager import KernelManager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from notebook_runner import kernel_env  # noqa: E402

IMPORT_ONLY = "import vetora_nb"
# an older pool has no warmed(): it is given time to start instead
POOL_STARTED = ("import time, vetora_nb; from vetora_nb import workers\n"
                "if hasattr(workers, 'warmed'): assert workers.warmed() is not None\n"
                "else: workers.start(); time.sleep(3)")


def stop_seconds(code: str, package: str | None = None) -> float:
    env = kernel_env()
    if package:
        env["PYTHONPATH"] = package
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env=env, cwd="/")
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"{code!r} failed in the kernel: {reply['content']}")
        t0 = time.perf_counter()
        km.shutdown_kernel(now=False)
        return time.perf_counter() - t0
    finally:
        kc.stop_channels()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="another copy of the project (its folder)")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent.parent)
    cases = {"import only": (IMPORT_ONLY, here), "pool started": (POOL_STARTED, here)}
    if args.against:
        cases[f"pool started ({args.against})"] = (POOL_STARTED, args.against)
    seconds = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, (code, package) in cases.items():
            seconds[name].append(stop_seconds(code, package))
    for name, values in seconds.items():
        print(f"{name:<30} stop: median {statistics.median(values):.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    base = statistics.median(seconds["import only"])
    for name in list(seconds)[1:]:
        print(f"{name} / import only: {statistics.median(seconds[name]) / base:.2f}x")


if __name__ == "__main__":
    main()
