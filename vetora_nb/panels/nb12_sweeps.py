"""Parameter sweeps: what notebook 12 measures, draws and puts under sliders.

A sweep runs the same seeded experiment over a grid of settings (here:
offered load x stream partitions x style) and collects one row per run
(``vn.sweep``). This module reads such a frame:

- **Where does each style fall over?** :func:`knee` finds the *knee* of one
  curve: the lowest offered load at which the error rate exceeds 1 % or the
  p99 exceeds 10x its low-load value (the p99 at the sweep's lowest load).
  :func:`knees` does it for every style and partition count at once.
- **Does the knee sit where theory puts it?** :func:`capacity` is the
  flat-out rate of the slowest part: for event-driven the slowest consumer
  group, ``min(partitions, instances) x mu`` (``vn.measures.consumer_capacity``);
  for request-response the slowest synchronous callee, ``workers x mu``.
- **What does the whole grid look like?** :func:`heatmap_figure` draws
  caller p99, end-to-end p99 and error rate over offered load x partitions,
  one row of heat maps per style, with each curve's knee outlined and its
  capacity marked.

:func:`sweep_point` is a ready-made experiment for ``vn.sweep`` (importable,
so worker processes and Dask workers can run it) that adds a key space, a
hot key and a slow service to the order example. :class:`SweepPanel` puts
the metric, the keys and a slowdown under sliders and re-runs a small grid.

>>> import pandas as pd
>>> from vetora_nb.panels import nb12_sweeps as nb12
>>> curve = pd.DataFrame({"rate": [20, 40, 80, 160], "e2e_p99": [0.05, 0.06, 0.2, 3.0],
...                       "error_rate": [0.0, 0.0, 0.0, 0.0]})
>>> nb12.knee(curve)          # 3.0 s > 10 x 0.05 s
160.0
>>> nb12.capacity("event_driven", partitions=2)   # shipping: min(2, 4) x 100/s
200.0
"""

from __future__ import annotations

import html
import math
from functools import lru_cache

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap, LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from .. import plots as vp
from .. import scenarios
from ..faults import Slowdown
from ..measures import consumer_capacity
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import KEY_SPACES, Panel, control_columns, dropdown, run_duration, slider

__all__ = [
    "RR", "ED", "METRICS", "KNEE_FACTOR", "KNEE_MAX_ERROR", "sweep_point", "capacity", "slowest",
    "curve", "fallen", "knee", "knees", "spread", "heatmap", "heatmap_figure", "SweepPanel",
]

RR, ED = scenarios.STYLES

#: The metrics a heat map can show: summary column -> label.
METRICS = {"p99": "caller p99", "e2e_p99": "end-to-end p99", "error_rate": "error rate"}
#: A curve has fallen over where its p99 exceeds this many times its low-load value ...
KNEE_FACTOR = 10.0
#: ... or where more than this share of requests fails.
KNEE_MAX_ERROR = 0.01

_LATENCY_CMAP = LinearSegmentedColormap.from_list(
    "latency", ["#f7fbf4", "#fde9a9", "#f7a35c", "#d9472b", "#7f1d1d"])
_ERROR_CMAP = LinearSegmentedColormap.from_list("errors", ["#f7fbf4", "#f4b6a6", "#c0392b", "#6d1313"])


# ---------------------------------------------------------------------------
# The experiment
# ---------------------------------------------------------------------------

def _check_style(style: str) -> str:
    aliases = {"rr": RR, "ed": ED}
    style = aliases.get(style, style)
    if style not in scenarios.STYLES:
        raise ValueError(f"style must be one of {scenarios.STYLES}, got {style!r}")
    return style


def _check_service(service: str) -> str:
    if service not in scenarios.DOWNSTREAM:
        raise KeyError(f"slow_service: unknown service {service!r}; choose from {list(scenarios.DOWNSTREAM)}")
    return service


def _check_factor(slowdown) -> float:
    if isinstance(slowdown, bool) or not isinstance(slowdown, (int, float)) or not slowdown >= 1:
        raise ValueError(f"slowdown must be a number >= 1, got {slowdown!r}")
    return float(slowdown)


@lru_cache(maxsize=4096)
def _point(style, rate, partitions, seed, duration, keys, hot_key, slowdown, slow_service) -> tuple:
    arch = scenarios.order_placed(style, partitions=partitions)
    faults = [Slowdown(slow_service, 0.0, math.inf, slowdown)] if slowdown != 1 else []
    res = simulate(arch, Traffic.poisson(rate, keys=keys, hot_key_share=hot_key), duration=duration,
                   faults=faults, seed=seed, trace_sample=0.0)
    return tuple(res.summary().items())


def sweep_point(style: str, rate: float, partitions: int = 4, seed: int = 0, duration: float = 5.0,
                keys: int = 1000, hot_key: float = 0.0, slowdown: float = 1.0,
                slow_service: str = "shipping") -> dict:
    """One run of the order example: ``res.summary()`` of ``style`` at Poisson ``rate``.

    The same run as ``vetora_nb.sweep.order_placed_run(style, rate, seed,
    duration, partitions=partitions)``, plus the traffic's key space
    (``keys`` distinct order keys, a ``hot_key`` share of all orders on one
    key, hence one partition) and ``slow_service`` running ``slowdown``
    times slower for the whole run. Spans are not recorded (the summary
    does not need them). A run already made with the same arguments is
    reused: the simulation is deterministic for a seed.
    """
    style = _check_style(style)
    if isinstance(partitions, bool) or not isinstance(partitions, (int, np.integer)) or partitions < 1:
        raise ValueError(f"partitions must be a whole number >= 1, got {partitions!r}")
    if isinstance(keys, bool) or not isinstance(keys, (int, np.integer)) or keys < 1:
        raise ValueError(f"keys must be a whole number >= 1, got {keys!r}")
    return dict(_point(style, float(rate), int(partitions), int(seed), float(duration), int(keys),
                       float(hot_key), _check_factor(slowdown), _check_service(slow_service)))


# ---------------------------------------------------------------------------
# Capacity: where theory puts the knee
# ---------------------------------------------------------------------------

def slowest(style: str, partitions: int = 4, slowdown: float = 1.0, slow_service: str = "shipping") -> tuple:
    """``(service, events or requests per second)`` of the part that caps ``style``.

    Event-driven: the consumer group with the lowest
    ``vn.measures.consumer_capacity`` (``min(partitions, instances) / mean
    service time``). Request-response: the callee with the lowest
    ``workers / mean service time`` (every order waits for all four, so
    the slowest sets the pace). ``slow_service`` counts ``slowdown`` times
    slower. Keys are assumed spread evenly over the partitions.
    """
    style = _check_style(style)
    factor, slow_service = _check_factor(slowdown), _check_service(slow_service)
    arch = scenarios.order_placed(style, partitions=int(partitions))
    g = arch.graph
    caps = {}
    for name in scenarios.DOWNSTREAM:
        if style == ED:
            cap = consumer_capacity(arch, name)
        else:
            cap = g.nodes[name]["workers"] / g.nodes[name]["service_time"].mean
        caps[name] = cap / (factor if name == slow_service else 1.0)
    name = min(caps, key=caps.get)
    return name, float(caps[name])


def capacity(style: str, partitions: int = 4, slowdown: float = 1.0, slow_service: str = "shipping") -> float:
    """The flat-out rate of the part that caps ``style`` (see :func:`slowest`)."""
    return slowest(style, partitions, slowdown, slow_service)[1]


# ---------------------------------------------------------------------------
# The knee
# ---------------------------------------------------------------------------

def curve(df: pd.DataFrame, rate: str = "rate") -> pd.DataFrame:
    """One curve: the numeric columns averaged over seeds, one row per ``rate``, in order."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame (a vn.sweep), got {type(df).__name__}")
    if rate not in df.columns:
        raise ValueError(f"df: no column {rate!r} (sweep over {rate!r})")
    if df.empty:
        raise ValueError("df: no rows")
    for column in ("style", "partitions", "keys", "hot_key", "slowdown", "slow_service"):
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

    Fallen over: more than ``max_error`` (1 %) of the requests failed, or
    the ``latency`` percentile (end-to-end p99 by default) is more than
    ``factor`` (10) times its low-load value, the value at the sweep's
    lowest load, which must therefore be a light load. ``df`` holds one
    curve (one style, one partition count; several seeds are averaged).
    Returns ``math.inf`` if the curve never fell over inside the sweep.

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
          slowdown: float = 1.0, slow_service: str = "shipping") -> pd.DataFrame:
    """The knee of every curve in ``df``, one row per value of ``by``.

    Columns: ``knee`` (see :func:`knee`; ``inf`` if none), ``last_ok``
    (the highest load below the knee), ``reason`` ('errors', 'p99' or
    both), ``error_at_knee``, ``ratio_at_knee`` (p99 at the knee / its
    low-load value), ``baseline`` and, when ``by`` holds ``style`` and
    ``partitions``, ``capacity`` and ``slowest`` (:func:`slowest`, for
    ``slowdown`` of ``slow_service``).
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
        if "style" in row and "partitions" in row:
            row["slowest"], row["capacity"] = slowest(row["style"], int(row["partitions"]), slowdown, slow_service)
        rows.append(row)
    return pd.DataFrame(rows)


def spread(df: pd.DataFrame, across: str = "partitions", *, style: str | None = RR,
           metrics=tuple(METRICS), rate: str = "rate") -> float:
    """How much ``metrics`` change across the values of ``across`` at the same load (and seed).

    The largest ``max - min`` over every rate, seed and metric: ``0.0``
    means the rows are identical, whatever ``across`` is set to.
    """
    if style is not None:
        df = df[df["style"] == _check_style(style)]
    if df.empty:
        raise ValueError("df: no rows for that style")
    keys = [rate] + (["seed"] if "seed" in df.columns else [])
    worst = 0.0
    for m in metrics:
        g = df.groupby(keys)[m]
        worst = max(worst, float((g.max() - g.min()).abs().max()))
    return worst


# ---------------------------------------------------------------------------
# Heat maps
# ---------------------------------------------------------------------------

def _format(metric: str, value: float) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    if metric == "error_rate":
        if value == 0:
            return "0"
        return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
    return vp.format_ms(value)


def _norm(metric: str, values) -> Normalize:
    arr = np.asarray(values, float)
    arr = arr[np.isfinite(arr)]
    if metric == "error_rate":
        return Normalize(vmin=0.0, vmax=max(0.1, float(arr.max()) if len(arr) else 0.1))
    positive = arr[arr > 0]
    lo = float(positive.min()) if len(positive) else 0.01
    hi = float(positive.max()) if len(positive) else 1.0
    # at least 50x the lowest value: a healthy cell stays pale even when nothing fell over
    return LogNorm(vmin=lo, vmax=max(hi, lo * 5 * KNEE_FACTOR))


def _nice(lo: float, hi: float, mantissas=(1, 2, 5)) -> list:
    return [m * 10.0 ** e for e in range(-4, 4) for m in mantissas if lo <= m * 10.0 ** e <= hi]


def _ticks(cb, metric: str) -> None:
    """Readable ticks on a heat map's colour bar: 5 %, 10 % ...; 20 ms, 50 ms, 100 ms ..."""
    axis = cb.ax.xaxis if cb.orientation == "horizontal" else cb.ax.yaxis
    cb.ax.tick_params(labelsize=7)
    if metric == "error_rate":
        axis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
        return
    lo, hi = cb.norm.vmin, cb.norm.vmax
    ticks = _nice(lo, hi)
    if len(ticks) > 6:
        ticks = _nice(lo, hi, (1,)) or ticks
    cb.set_ticks(ticks)
    cb.minorticks_off()
    axis.set_major_formatter(FuncFormatter(lambda v, _p: vp.format_ms(v)))


def _cmap(metric: str):
    return _ERROR_CMAP if metric == "error_rate" else _LATENCY_CMAP


def _position(value: float, rates) -> float:
    """Where ``value`` falls on a heat map's axis of ``rates`` (cells at 0, 1, ...),
    interpolated on a log scale between neighbouring cells."""
    rates = np.asarray(rates, float)
    if len(rates) == 1:
        return 0.0
    idx = np.arange(len(rates), dtype=float)
    lr = np.log(rates)
    lv = math.log(value)
    if lv <= lr[0]:
        step = lr[1] - lr[0]
        return max(-0.5, (lv - lr[0]) / step)
    if lv >= lr[-1]:
        step = lr[-1] - lr[-2]
        return min(len(rates) - 0.5, len(rates) - 1 + (lv - lr[-1]) / step)
    return float(np.interp(lv, lr, idx))


def heatmap(ax, table: pd.DataFrame, metric: str, *, norm=None, knees: dict | None = None,
            capacities: dict | None = None, title: str | None = None, ylabel: str = "partitions",
            xlabel: str = "offered load (orders/s)", fontsize: float = 7.5):
    """Draw one heat map on ``ax``: ``table`` rows (e.g. partitions) x columns (offered loads).

    Each cell shows its value; ``knees`` (``{row: rate}``) outlines the knee
    cell of each row in black; ``capacities`` (``{row: per second}``) marks
    where each row's capacity falls on the load axis (a dashed line).
    Returns the image (for a colour bar).
    """
    values = table.to_numpy(float)
    norm = norm or _norm(metric, values)
    cmap = _cmap(metric)
    shown = np.where(np.isfinite(values), values, np.nan)
    if isinstance(norm, LogNorm):
        shown = np.clip(shown, norm.vmin, None)
    img = ax.imshow(shown, cmap=cmap, norm=norm, origin="lower", aspect="auto", interpolation="nearest")
    rates = [float(c) for c in table.columns]
    for r, row in enumerate(table.index):
        for c, rate in enumerate(table.columns):
            v = values[r, c]
            level = float(norm(max(v, norm.vmin))) if np.isfinite(v) else 0.0
            ax.text(c, r, _format(metric, v), ha="center", va="center", fontsize=fontsize,
                    color="white" if level > 0.62 else vp.INK)
        k = (knees or {}).get(row)
        if k is not None and math.isfinite(k) and k in rates:
            c = rates.index(k)
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="black", lw=2.2, zorder=4))
        cap = (capacities or {}).get(row)
        if cap is not None and math.isfinite(cap) and cap > 0:
            x = _position(cap, rates)
            for lo, hi in ((r - 0.47, r - 0.2), (r + 0.2, r + 0.47)):   # the middle is left to the cell's text
                ax.plot([x, x], [lo, hi], color="#1f1f1f", lw=1.3, ls=(0, (2.5, 1.5)), zorder=5)
    ax.set_xticks(range(len(rates)), [f"{x:g}" for x in rates])
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xlim(-0.5, len(rates) - 0.5)
    ax.tick_params(labelsize=8, length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=8.5)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=8.5)
    if title:
        vp.panel_title(ax, title)
    return img


def _tables(df: pd.DataFrame, metric: str, row: str = "partitions", rate: str = "rate") -> dict:
    """``{style: rows x rates}`` of ``metric``, averaged over seeds."""
    out = {}
    for style in scenarios.STYLES:
        sel = df[df["style"] == style]
        if sel.empty:
            continue
        out[style] = sel.pivot_table(index=row, columns=rate, values=metric, aggfunc="mean").sort_index()
    return out


def _legend_handles():
    return [Rectangle((0, 0), 1, 1, fill=False, ec="black", lw=2.0, label="knee: the first load where it fell over"),
            Line2D([0], [0], color="#1f1f1f", lw=1.3, ls=(0, (2.5, 1.5)),
                   label="capacity of the slowest consumer (ED) / callee (RR)")]


def heatmap_figure(df: pd.DataFrame, metrics=tuple(METRICS), *, latency: str = "e2e_p99",
                   factor: float = KNEE_FACTOR, max_error: float = KNEE_MAX_ERROR, slowdown: float = 1.0,
                   slow_service: str = "shipping", title: str | None = None) -> Figure:
    """Heat maps of ``metrics`` over offered load x partitions: one row per style.

    ``df`` is a ``vn.sweep`` over ``style``, ``partitions`` and ``rate``.
    Every heat map of a metric shares one colour scale (latencies on a log
    scale), so the styles compare cell by cell. Each row of cells is one
    curve: its knee (:func:`knees`) is outlined and its capacity
    (:func:`capacity`) marked.
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    need = {"style", "partitions", "rate", "error_rate", latency} | set(metrics)
    missing = need - set(df.columns)
    if missing:
        raise ValueError(f"df: missing columns {sorted(missing)} (a vn.sweep over style, partitions and rate)")
    k = knees(df, latency=latency, factor=factor, max_error=max_error, slowdown=slowdown,
              slow_service=slow_service)
    styles = [s for s in scenarios.STYLES if s in set(df["style"])]
    n_rows = df["partitions"].nunique()
    n_rates = df["rate"].nunique()
    cell_w, cell_h = 0.62, 0.42
    width = len(metrics) * (n_rates * cell_w + 1.0) + 0.6
    height = len(styles) * (n_rows * cell_h + 0.75) + 1.5
    fig = Figure(figsize=(max(7.5, width), height), layout="constrained")
    axes = fig.subplots(len(styles), len(metrics), squeeze=False, sharex=True)
    tables = {metric: _tables(df, metric) for metric in metrics}
    # one colour scale per kind: the same colour is the same latency in every latency map
    latency_values = [t.to_numpy(float).ravel() for m in metrics if m != "error_rate" for t in tables[m].values()]
    latency_norm = _norm("latency", np.concatenate(latency_values)) if latency_values else None
    for col, metric in enumerate(metrics):
        if metric == "error_rate":
            norm = _norm(metric, np.concatenate([t.to_numpy(float).ravel() for t in tables[metric].values()]))
        else:
            norm = latency_norm
        img = None
        for r, style in enumerate(styles):
            ax = axes[r, col]
            sel = k[k["style"] == style].set_index("partitions")
            img = heatmap(ax, tables[metric][style], metric, norm=norm, knees=sel["knee"].to_dict(),
                          capacities=sel["capacity"].to_dict(),
                          title=f"{vp.STYLE_LABELS[style]} · {METRICS.get(metric, metric)}",
                          ylabel="partitions" if col == 0 else "",
                          xlabel="offered load (orders/s)" if r == len(styles) - 1 else "")
        cb = fig.colorbar(img, ax=list(axes[:, col]), orientation="horizontal", shrink=0.85, aspect=30,
                          pad=0.02)
        _ticks(cb, metric)
        cb.set_label(METRICS.get(metric, metric), fontsize=8)
    fig.legend(handles=_legend_handles(), loc="outside upper right", ncols=2, fontsize=7.5, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10, x=0.01, ha="left", color=vp.INK)
    return fig


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class SweepPanel(Panel):
    """A small sweep under sliders: offered load x partitions, both styles.

    Controls: ``metric`` shown (caller p99, end-to-end p99, error rate);
    the traffic's key space ``keys`` and ``hot_key`` share (partition);
    ``slow_service`` running ``slowdown`` times slower for the whole run
    (failure). The offered load is the sweep's own axis (``rates``).

    Every change re-runs the grid that depends on it: request-response has
    no stream, so its one row of runs depends on the slowdown only (keys
    and partitions do not exist for it); event-driven runs one row per
    partition count. Each setting's runs are kept, so going back to a
    setting, or changing only the metric, re-runs nothing.
    """

    def __init__(self, *, rates=(20, 40, 80, 160, 320, 640), partitions=(1, 2, 4), duration: float = 3.0,
                 seed: int = 7, metric: str = "e2e_p99", keys: int = 1000, hot_key: float = 0.0,
                 slowdown: float = 1.0, slow_service: str = "shipping", run: bool = True):
        duration = run_duration(duration)
        rates = sorted(float(r) for r in rates)
        if len(rates) < 2 or rates[0] <= 0:
            raise ValueError(f"rates: need at least two offered loads > 0, got {rates!r}")
        self.rates = tuple(rates)
        self.partitions = tuple(sorted(int(p) for p in partitions))
        if not self.partitions or self.partitions[0] < 1:
            raise ValueError(f"partitions: need partition counts >= 1, got {partitions!r}")
        self.duration, self.seed = float(duration), seed
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
        controls = {
            "metric": dropdown(options=[(label, m) for m, label in METRICS.items()], value=metric,
                               description="show"),
            "keys": slider(W.SelectionSlider, options=KEY_SPACES, value=keys, description="key space",
                           tooltip="distinct order keys; a key always goes to the same partition"),
            "hot_key": slider(W.FloatSlider, value=hot_key, min=0.0, max=0.9, step=0.05,
                              description="hot-key share", readout_format=".0%",
                              tooltip="share of all orders that carry one hot key (so go to one partition)"),
            "slow_service": dropdown(options=list(scenarios.DOWNSTREAM), value=slow_service,
                                     description="slow service"),
            "slowdown": slider(W.FloatSlider, value=slowdown, min=1.0, max=3.0, step=0.25,
                               description="slowdown ×",
                               tooltip="this service's times are this many times longer, for the whole run"),
        }
        groups = [("show", ["metric"]), ("partition: keys", ["keys", "hot_key"]),
                  ("failure: a slow service", ["slow_service", "slowdown"])]
        super().__init__(controls, layout=control_columns(controls, groups))
        if run:
            self.run()

    # -- the experiment ------------------------------------------------------
    def _grid(self, style: str, setting: tuple) -> pd.DataFrame:
        keys, hot_key, slowdown, service = setting
        rows = []
        for parts in (self.partitions if style == ED else (None,)):
            for rate in self.rates:
                out = sweep_point(style, rate, partitions=parts or self.partitions[0], seed=self.seed,
                                  duration=self.duration, keys=keys, hot_key=hot_key, slowdown=slowdown,
                                  slow_service=service)
                rows.append({"style": style, "partitions": parts if parts else "no stream", "rate": rate,
                             **out})
        return pd.DataFrame(rows)

    def simulate(self, params: dict, timings: dict) -> dict:
        """One grid per style. Request-response depends on the slowdown only."""
        slowdown, service = float(params["slowdown"]), params["slow_service"]
        if slowdown == 1.0:
            service = "shipping"          # no slowdown: which service does not matter
        settings = {RR: (1000, 0.0, slowdown, service),
                    ED: (int(params["keys"]), float(params["hot_key"]), slowdown, service)}
        results = {}
        for style, setting in settings.items():
            results[style], timings[style] = self.cached_run(
                (style,) + setting, setting, lambda: self._grid(style, setting))
        return results

    def _knees(self, results: dict) -> dict:
        out = {}
        for style, df in results.items():
            for row, group in df.groupby("partitions", sort=False):
                out[(style, row)] = knee(group.drop(columns=["partitions", "style"]))
        return out

    def _capacities(self, params: dict) -> dict:
        slowdown, service = float(params["slowdown"]), params["slow_service"]
        caps = {(RR, "no stream"): capacity(RR, self.partitions[0], slowdown, service)}
        for p in self.partitions:
            caps[(ED, p)] = capacity(ED, p, slowdown, service)
        return caps

    # -- the picture -----------------------------------------------------------
    def draw(self, results: dict, params: dict) -> Figure:
        metric = params["metric"]
        n_ed = len(self.partitions)
        fig = Figure(figsize=(8.6, 1.5 + 0.46 * (n_ed + 1) + 1.1))
        grid = vp.grid_in_inches(fig, 2, left=0.95, right=1.3, top=0.35, bottom=0.85,
                                 height_ratios=[1, n_ed], hspace=0.55)
        ax_rr, ax_ed = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
        tables = {s: results[s].pivot_table(index="partitions", columns="rate", values=metric, aggfunc="mean")
                  for s in (RR, ED)}
        tables[ED] = tables[ED].reindex(list(self.partitions))
        norm = _norm(metric, np.concatenate([t.to_numpy(float).ravel() for t in tables.values()]))
        kn, caps = self._knees(results), self._capacities(params)
        label = METRICS[metric]
        heatmap(ax_rr, tables[RR], metric, norm=norm, knees={"no stream": kn[(RR, "no stream")]},
                capacities={"no stream": caps[(RR, "no stream")]}, ylabel="", xlabel="",
                title=f"RR · {label} (no stream: partitions and keys do not exist here)")
        img = heatmap(ax_ed, tables[ED], metric, norm=norm, knees={p: kn[(ED, p)] for p in self.partitions},
                      capacities={p: caps[(ED, p)] for p in self.partitions}, title=f"ED · {label}")
        cax = fig.add_axes([1 - 1.05 / fig.get_figwidth(), 0.85 / fig.get_figheight(), 0.14 / fig.get_figwidth(),
                            1 - 1.2 / fig.get_figheight()])
        _ticks(fig.colorbar(img, cax=cax), metric)
        fig.legend(handles=_legend_handles(), loc="lower left", bbox_to_anchor=(0.0, 0.0), ncols=2, fontsize=7.5,
                   frameon=False)
        return fig

    def summary_html(self, results: dict) -> str:
        params = self.params()
        kn, caps = self._knees(results), self._capacities(params)

        def rate(v):
            return f"{v:,.0f}/s" if math.isfinite(v) else f"above {self.rates[-1]:,.0f}/s"

        head = "".join(f'<th style="padding:1px 10px">{h}</th>' for h in ("", "knee", "capacity"))
        rows = [("RR (any partitions)", kn[(RR, "no stream")], caps[(RR, "no stream")])]
        rows += [(f"ED, {p} partition{'s' if p > 1 else ''}", kn[(ED, p)], caps[(ED, p)]) for p in self.partitions]
        body = "".join(
            f'<tr><td style="padding:1px 10px;color:#555">{html.escape(name)}</td>'
            f'<td style="padding:1px 10px;text-align:right">{rate(k)}</td>'
            f'<td style="padding:1px 10px;text-align:right">{c:,.0f}/s</td></tr>' for name, k, c in rows)
        return f'<table style="border-collapse:collapse;font-size:12px"><tr>{head}</tr>{body}</table>'
