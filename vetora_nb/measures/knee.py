"""The knee of a load curve: the offered load at which a system falls over.

A load curve (one style, one setting, the offered load rising) is flat
while the system keeps up and turns sharply upwards once it does not. Its
**knee**, as the collection measures it, is the lowest offered load at which
more than :data:`KNEE_MAX_ERROR` (1 %) of the requests failed, or the p99
(end-to-end by default) exceeds :data:`KNEE_FACTOR` (10) times its low-load
value — its value at the sweep's lowest load, which must be a light load.

The frames read here are ``vn.sweep`` results: one row per run, with a
``rate`` column and the run's ``summary()``.

>>> import pandas as pd
>>> curve = pd.DataFrame({"rate": [20, 40, 80, 160], "e2e_p99": [0.05, 0.06, 0.2, 3.0],
...                       "error_rate": [0.0, 0.0, 0.0, 0.0]})
>>> knee(curve)          # 3.0 s > 10 x 0.05 s
160.0
>>> knee(curve.assign(error_rate=[0.0, 0.02, 0.0, 0.0]))   # 2 % failed at 40/s
40.0
"""

from __future__ import annotations

import math
from typing import Callable

import pandas as pd

__all__ = ["KNEE_FACTOR", "KNEE_MAX_ERROR", "curve", "fallen", "knee", "knees", "spread"]

#: A curve has fallen over where its p99 exceeds this many times its low-load value ...
KNEE_FACTOR = 10.0
#: ... or where more than this share of requests fails.
KNEE_MAX_ERROR = 0.01

#: Columns that tell one curve of a sweep from another.
_CURVE_COLUMNS = ("style", "partitions", "keys", "hot_key", "slowdown", "slow_service")


def curve(df: pd.DataFrame, rate: str = "rate") -> pd.DataFrame:
    """One curve: the numeric columns averaged over seeds, one row per ``rate``, in order."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame (a vn.sweep), got {type(df).__name__}")
    if rate not in df.columns:
        raise ValueError(f"df: no column {rate!r} (sweep over {rate!r})")
    if df.empty:
        raise ValueError("df: no rows")
    for column in _CURVE_COLUMNS:
        if column in df.columns and df[column].nunique(dropna=False) > 1:
            raise ValueError(f"df: more than one curve (several values of {column!r}); "
                             "pick one, or use knees() for all of them")
    numeric = df.drop(columns=[c for c in ("seed",) if c in df.columns]).select_dtypes("number")
    return numeric.groupby(df[rate]).mean().drop(columns=[rate], errors="ignore").sort_index()


def fallen(df: pd.DataFrame, *, latency: str = "e2e_p99", factor: float = KNEE_FACTOR,
           max_error: float = KNEE_MAX_ERROR, rate: str = "rate") -> pd.DataFrame:
    """For each offered load of one curve: has it fallen over, and why.

    Columns: ``baseline`` (``latency`` at the lowest load), ``ratio``
    (``latency`` / baseline), ``by_errors`` (error rate > ``max_error``),
    ``by_latency`` (ratio > ``factor``) and ``fallen`` (either).
    """
    c = curve(df, rate)
    for column in (latency, "error_rate"):
        if column not in c.columns:
            raise ValueError(f"df: no column {column!r}")
    lat = c[latency].astype(float)
    baseline = float(lat.iloc[0])
    if not (math.isfinite(baseline) and baseline > 0):
        raise ValueError(f"df: the lowest load has no {latency} to compare with (no request answered ok?)")
    out = pd.DataFrame(index=c.index)
    out["error_rate"] = c["error_rate"].astype(float)
    out[latency] = lat
    out["baseline"] = baseline
    out["ratio"] = lat / baseline
    out["by_errors"] = out["error_rate"] > max_error
    # no request answered ok at all has no latency: that is falling over too
    out["by_latency"] = (out["ratio"] > factor) | lat.isna()
    out["fallen"] = out["by_errors"] | out["by_latency"]
    return out


def knee(df: pd.DataFrame, *, latency: str = "e2e_p99", factor: float = KNEE_FACTOR,
         max_error: float = KNEE_MAX_ERROR, rate: str = "rate") -> float:
    """The knee of one curve: the lowest offered load where it has fallen over.

    ``df`` holds one curve (one style, one partition count; several seeds
    are averaged). Returns ``math.inf`` if the curve never fell over inside
    the sweep.

    The end-to-end p99 is the default because it is where an event-driven
    system shows overload: its caller's p99 stays flat (the broker answers
    at once) while the work falls further and further behind. For
    request-response the two are the same.
    """
    f = fallen(df, latency=latency, factor=factor, max_error=max_error, rate=rate)
    hit = f.index[f["fallen"].to_numpy()]
    return float(hit[0]) if len(hit) else math.inf


def knees(df: pd.DataFrame, by=("style", "partitions"), *, latency: str = "e2e_p99",
          factor: float = KNEE_FACTOR, max_error: float = KNEE_MAX_ERROR, rate: str = "rate",
          capacity: Callable | None = None) -> pd.DataFrame:
    """The knee of every curve in ``df``, one row per value of ``by``.

    Columns: ``knee`` (see :func:`knee`; ``inf`` if none), ``last_ok``
    (the highest load below the knee), ``reason`` ('errors', 'p99' or
    both), ``error_at_knee``, ``ratio_at_knee`` (p99 at the knee / its
    low-load value) and ``baseline``. With ``capacity``, a function of a
    row's ``by`` values (as a dict) returning ``(slowest part, per second)``,
    also ``slowest`` and ``capacity``: where theory puts the knee.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by if c not in df.columns]
    if missing:
        raise ValueError(f"df: no column {missing[0]!r} to group by")
    rows = []
    for values, group in df.groupby(by, sort=False):
        values = values if isinstance(values, tuple) else (values,)
        f = fallen(group.drop(columns=by), latency=latency, factor=factor, max_error=max_error, rate=rate)
        hit = f.index[f["fallen"].to_numpy()]
        row = dict(zip(by, values))
        if len(hit):
            k = hit[0]
            below = f.index[f.index < k]
            reasons = [name for name, flag in (("errors", f.loc[k, "by_errors"]), ("p99", f.loc[k, "by_latency"]))
                       if flag]
            row.update(knee=float(k), last_ok=float(below[-1]) if len(below) else math.nan,
                       reason=" and ".join(reasons), error_at_knee=float(f.loc[k, "error_rate"]),
                       ratio_at_knee=float(f.loc[k, "ratio"]))
        else:
            row.update(knee=math.inf, last_ok=float(f.index[-1]), reason="", error_at_knee=math.nan,
                       ratio_at_knee=math.nan)
        row["baseline"] = float(f["baseline"].iloc[0])
        if capacity is not None:
            row["slowest"], row["capacity"] = capacity(dict(zip(by, values)))
        rows.append(row)
    return pd.DataFrame(rows)


def spread(df: pd.DataFrame, across: str = "partitions", *, style: str | None = "request_response",
           metrics=("p99", "e2e_p99", "error_rate"), rate: str = "rate") -> float:
    """How much ``metrics`` change across the values of ``across`` at the same load (and seed).

    The largest ``max - min`` over every rate, seed and metric (of the rows
    of ``style``, or all rows for ``None``): ``0.0`` means the rows are
    identical, whatever ``across`` is set to.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"rate": [10, 10], "partitions": [1, 2], "p99": [0.020, 0.045]})
    >>> round(spread(df, style=None, metrics=("p99",)), 3)
    0.025
    """
    if style is not None:
        if "style" not in df.columns:
            raise ValueError("df: no column 'style' (pass style=None for every row)")
        df = df[df["style"] == style]
    if df.empty:
        raise ValueError(f"style: no rows for {style!r}")
    keys = [rate] + (["seed"] if "seed" in df.columns else [])
    worst = 0.0
    for m in metrics:
        g = df.groupby(keys)[m]
        worst = max(worst, float((g.max() - g.min()).abs().max()))
    return worst
