"""Parameter sweeps: run an experiment over a grid of settings and seeds.

:func:`sweep` calls ``fn(**point, seed=seed)`` for every point of the grid
(the Cartesian product of its values) and every seed, and returns one tidy
row per call: the point's values, the seed, and whatever ``fn`` returned (a
mapping of numbers, or a :class:`~vetora_nb.results.Result`, whose
``summary()`` is used).

>>> import vetora_nb as vn
>>> def run(rate, style, seed):
...     arch = vn.scenarios.order_placed(style)
...     return vn.simulate(arch, vn.Traffic.poisson(rate), duration=3, seed=seed)
>>> df = vn.sweep(run, {"rate": [20, 40], "style": ["request_response", "event_driven"]},
...               seeds=[1, 2], progress=False)
>>> len(df), list(df.columns[:3])
(8, ['rate', 'style', 'seed'])

Each call is independent and seeded, so the rows are the same however the
calls are spread out: in this process (the default), over local processes
(``processes=N``), or on a ``dask.distributed`` cluster (``client=``).
"""

from __future__ import annotations

import functools
import itertools
from typing import Callable, Mapping

import pandas as pd

from .architecture import Architecture
from .results import Result

__all__ = ["sweep", "grid_points", "order_placed_run", "architecture_run"]


def order_placed_run(style: str, rate: float, seed: int, duration: float = 10.0, *, keys: int = 1000,
                     hot_key: float = 0.0, slowdown: float = 1.0, slow_service: str = "shipping",
                     **scenario) -> dict:
    """One run of the order example: a ready-made ``fn`` for :func:`sweep`.

    ``res.summary()`` of ``scenarios.order_placed(style, **scenario)`` under
    Poisson ``rate`` for ``duration`` seconds, the traffic carrying ``keys``
    distinct order keys with a ``hot_key`` share of all orders on one key
    (hence one partition), and ``slow_service`` running ``slowdown`` times
    slower for the whole run. Spans are not recorded: the summary does not
    need them. It lives in the package (not a notebook cell) so that worker
    processes and Dask workers can import it.

    >>> s = order_placed_run("event_driven", 50, seed=1, duration=2, partitions=2, hot_key=0.5)
    >>> s["error_rate"]
    0.0
    """
    from . import scenarios
    from .faults import Slowdown
    from .simulation import simulate
    from .traffic import Traffic

    if isinstance(slowdown, bool) or not isinstance(slowdown, (int, float)) or not slowdown >= 1:
        raise ValueError(f"slowdown must be a number >= 1, got {slowdown!r}")
    if slow_service not in scenarios.DOWNSTREAM:
        raise KeyError(f"slow_service: unknown service {slow_service!r}; choose from {list(scenarios.DOWNSTREAM)}")
    arch = scenarios.order_placed(style, **scenario)
    faults = [Slowdown(slow_service, 0.0, float("inf"), float(slowdown))] if slowdown != 1 else []
    traffic = Traffic.poisson(rate, keys=keys, hot_key_share=hot_key)
    return simulate(arch, traffic, duration=duration, faults=faults, seed=seed, trace_sample=0.0).summary()


def architecture_run(architecture: Architecture, rate: float, seed: int, duration: float = 10.0) -> dict:
    """One run of ``architecture`` at Poisson ``rate``: what :func:`sweep`
    calls when it is given an architecture instead of a function."""
    from .simulation import simulate
    from .traffic import Traffic

    return simulate(architecture, Traffic.poisson(rate), duration=duration, seed=seed).summary()


def grid_points(grid: Mapping[str, list]) -> list[dict]:
    """Every combination of the grid's values, in a stable order."""
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError("grid must be a non-empty mapping of parameter -> list of values")
    names = list(grid)
    for n in names:
        if isinstance(grid[n], (str, bytes)) or not hasattr(grid[n], "__iter__"):
            raise TypeError(f"grid[{n!r}] must be a list of values, got {grid[n]!r}")
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(grid[n]) for n in names))]


def _row(fn, point, seed) -> dict:
    out = fn(**point, seed=seed)
    if isinstance(out, Result):
        out = out.summary()
    if not isinstance(out, Mapping):
        raise TypeError(f"fn must return a mapping or a vn.Result, got {type(out).__name__}")
    return {**point, "seed": seed, **out}


def sweep(fn: Callable | Architecture, grid: Mapping[str, list], seeds=(0,), *,
          processes: int | None = None, client=None, progress: bool = True) -> pd.DataFrame:
    """Run ``fn`` over ``grid`` x ``seeds``; one row per call.

    ``fn`` may also be an :class:`~vetora_nb.architecture.Architecture`: each
    point then simulates it at Poisson ``rate`` (and ``duration``) and the
    row holds the run's ``summary()``.

    ``processes`` > 1 spreads the calls over local worker processes
    (``fn`` must then be importable, not defined in a notebook cell);
    ``client`` (a ``dask.distributed.Client``) runs them on that cluster.
    ``progress`` shows a progress bar (``tqdm.auto``) when it is installed.
    """
    if isinstance(fn, Architecture):
        unknown = set(grid) - {"rate", "duration"}
        if unknown:
            raise ValueError(f"grid: an architecture sweeps 'rate' and 'duration' only, not {sorted(unknown)}")
        fn = functools.partial(architecture_run, fn)
    if not callable(fn):
        raise TypeError(f"fn must be callable or a vn.Architecture, got {fn!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    jobs = [(p, s) for p in grid_points(grid) for s in seeds]
    bar = _progress(len(jobs)) if progress else None
    rows = []
    if client is not None:
        futures = client.map(_row, [fn] * len(jobs), [p for p, _ in jobs], [s for _, s in jobs])
        for fut in futures:
            rows.append(fut.result())
            bar and bar.update()
    elif processes and processes > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(processes) as pool:
            for row in pool.map(_row, [fn] * len(jobs), [p for p, _ in jobs], [s for _, s in jobs]):
                rows.append(row)
                bar and bar.update()
    else:
        for p, s in jobs:
            rows.append(_row(fn, p, s))
            bar and bar.update()
    if bar:
        bar.close()
    return pd.DataFrame(rows)


def _progress(total: int):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, leave=False)
