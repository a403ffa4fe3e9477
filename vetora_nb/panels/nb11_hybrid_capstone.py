"""The capstone: one shop, both styles, held to its SLOs under a failure drill.

Most production systems use both styles. A shop keeps *synchronous* what the
customer must know before the "thank you" page (was the card charged? is the
item reserved?) and turns everything else into *events* that nobody waits for
(shipping, the confirmation e-mail, analytics). Which services go where is a
design decision, and this module lets a student make it and then test it the
way operations teams do: by promising service-level objectives (SLOs) and
running a **failure drill** against them.

The drill (:func:`drill`) is four scripted faults in a 30-second run::

     3 s   a consumer outage      shipping is down for 6 s
    12 s   a payment brown-out    payment 3x slower and failing 30% of the time for 4 s
    19 s   a broker blip          the broker is unreachable for 0.3 s
    24 s   a network partition    the link that feeds notifications is cut for 2.4 s

``intensity`` scales them (2 = twice as long and twice as harsh, 0 = no drill).
The SLOs (:func:`slos`) are what the shop promised:

- **checkout p99**: 99% of checkouts are answered within ``p99`` seconds;
- **checkout errors**: at most ``error_rate`` of checkouts fail;
- **shipped within**: every confirmed order is shipped within ``ship_within`` s;
- **confirmed but unpaid**: no order is confirmed whose payment then failed.

:func:`run_drill` runs a design (``vn.scenarios.hybrid_shop``) through the
drill, :func:`report` scores a run against the SLOs, :func:`slo_matrix`
draws designs x SLOs in green and red, :func:`verdict_figure` draws the
comparison's seven verdicts with where each flips, and :class:`DrillPanel`
puts the design under checkboxes and sliders.

>>> from vetora_nb.panels import nb11_hybrid_capstone as nb11
>>> res = nb11.run_drill("hybrid", rate=60, duration=30, seed=1)
>>> table = nb11.report(res)
>>> list(table.index)
['checkout_p99', 'checkout_errors', 'shipped_within', 'unpaid']
>>> bool(table.loc["unpaid", "passed"])
True
"""

from __future__ import annotations

import html
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from .. import plots as vp
from .. import scenarios
from ..faults import BrokerOutage, ErrorRate, NetworkPartition, Outage, Slowdown
from ..simulation import simulate
from ..traffic import Traffic
from ..widgets import Panel, control_columns, slider

__all__ = [
    "DOWNSTREAM", "DURATION", "SLO", "SLOS", "slos", "drill", "drill_steps", "design_label",
    "run_drill", "measure", "report", "evaluate", "effect_times", "confirmed_but_failed",
    "charged_but_refused", "slo_matrix", "drill_figure", "verdict_figure", "DrillPanel", "SERVICE_COLORS",
]

#: The shop's downstream services, in checkout order.
DOWNSTREAM = tuple(scenarios.SHOP_DOWNSTREAM)
#: Simulated seconds of traffic in a drill run (the drill's faults sit inside it).
DURATION = 30.0

_PASS_FILL, _PASS_INK = "#d8f0d2", "#1e6b1e"
_FAIL_FILL, _FAIL_INK = "#f8d5d0", "#a01d12"
#: One colour per downstream service in the lag plots, whatever the design.
SERVICE_COLORS = {"payment": "#d1495b", "inventory": "#6b8e23", "shipping": "#8e5ea2",
                  "notifications": "#17becf", "analytics": "#c9a227"}


# ---------------------------------------------------------------------------
# The drill
# ---------------------------------------------------------------------------

def _intensity(intensity) -> float:
    if isinstance(intensity, bool) or not isinstance(intensity, (int, float)):
        raise TypeError(f"intensity must be a number, got {intensity!r}")
    intensity = float(intensity)
    if not 0 <= intensity <= 3:
        raise ValueError(f"intensity must be between 0 (no drill) and 3, got {intensity}")
    return intensity


def drill_steps(intensity: float = 1.0, *, outage: str = "shipping", brownout: str = "payment",
                cut: str = "notifications") -> list[dict]:
    """The drill's four steps at ``intensity``: what breaks, when, how badly.

    Each step is a dict with ``step``, ``target``, ``start``, ``end`` and a
    ``what`` sentence. At intensity 0 the list is empty.
    """
    i = _intensity(intensity)
    if i == 0:
        return []
    slow, errors = 1 + 2 * i, min(0.9, 0.3 * i)
    return [
        {"step": "consumer outage", "target": outage, "start": 3.0, "end": 3.0 + 6.0 * i,
         "what": f"{outage} is down for {6.0 * i:g} s"},
        {"step": "payment brown-out", "target": brownout, "start": 12.0, "end": 16.0,
         "what": f"{brownout} is {slow:g}x slower and fails {errors:.0%} of the time for 4 s",
         "slowdown": slow, "errors": errors},
        {"step": "broker blip", "target": "broker", "start": 19.0, "end": 19.0 + 0.3 * i,
         "what": f"the broker is unreachable for {0.3 * i:.2g} s"},
        {"step": "network partition", "target": cut, "start": 24.0, "end": 24.0 + 2.4 * i,
         "what": f"the link that brings work to {cut} is cut for {2.4 * i:.2g} s"},
    ]


def _inbound_links(arch, service: str) -> list[tuple[str, str]]:
    """The links that bring work to ``service``: the calls into it, else the
    streams it consumes (the same loss of contact, wired each style's way)."""
    g = arch.graph
    if service not in g:
        raise KeyError(f"cut: unknown service {service!r}; known: {arch.services}")
    links = [(a, service) for a in g.predecessors(service) if g.edges[a, service]["kind"] in ("call", "subscribe")]
    return links or ([(arch.entry, service)] if arch.entry and arch.entry != service else [])


def drill(arch, intensity: float = 1.0, *, outage: str = "shipping", brownout: str = "payment",
          cut: str = "notifications") -> list:
    """The drill's faults for ``arch`` (pass them to ``vn.simulate(..., faults=...)``).

    The network partition cuts whatever link feeds ``cut`` in this design: the
    call ``orders -> notifications`` if it is synchronous, the subscription
    ``order-placed -> notifications`` if it consumes events.
    """
    faults = []
    for s in drill_steps(intensity, outage=outage, brownout=brownout, cut=cut):
        if s["step"] == "consumer outage":
            arch.kind(outage)
            faults.append(Outage(outage, s["start"], s["end"]))
        elif s["step"] == "payment brown-out":
            arch.kind(brownout)
            faults += [Slowdown(brownout, s["start"], s["end"], s["slowdown"]),
                       ErrorRate(brownout, s["start"], s["end"], s["errors"])]
        elif s["step"] == "broker blip":
            faults.append(BrokerOutage(s["start"], s["end"]))
        else:
            faults += [NetworkPartition(a, b, s["start"], s["end"]) for a, b in _inbound_links(arch, cut)]
    return faults


# ---------------------------------------------------------------------------
# Running a design through the drill
# ---------------------------------------------------------------------------

_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 24


def _sync_names(sync) -> tuple:
    return tuple(scenarios.hybrid_shop(sync).calls_from("orders"))


def design_label(sync, partitions: int | None = None) -> str:
    """A design in a few words: 'sync: payment, inventory · 4 partitions'."""
    names = _sync_names(sync)
    if len(names) == len(DOWNSTREAM):
        return "all synchronous (no broker)"
    text = "sync: " + ", ".join(names) if names else "all asynchronous"
    if partitions is not None:
        text += f" · {partitions} partition{'s' if partitions != 1 else ''}"
    return text


def _key(sync, rate, intensity, partitions, seed, duration, trace, shop) -> tuple:
    return (_sync_names(sync), float(rate), float(intensity), partitions, seed, float(duration), bool(trace),
            tuple(sorted((k, repr(v)) for k, v in shop.items())))


def run_drill(sync="hybrid", *, rate: float = 120, intensity: float = 1.0, partitions: int = 4,
              seed: int = 0, duration: float = DURATION, trace: bool = True, **shop):
    """Run ``vn.scenarios.hybrid_shop(sync, partitions=..., **shop)`` through the drill.

    Poisson traffic of ``rate`` checkouts per second for ``duration``
    seconds. ``trace`` keeps every span (needed by :func:`charged_but_refused`);
    ``trace=False`` records none. Runs are
    deterministic, so the last few are kept and a repeated call returns the
    same :class:`~vetora_nb.Result` at once (treat it as read-only).
    """
    arch = scenarios.hybrid_shop(sync, partitions=partitions, **shop)
    intensity = _intensity(intensity)
    key = _key(sync, rate, intensity, partitions, seed, duration, trace, shop)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    res = simulate(arch, Traffic.poisson(rate), duration=duration, faults=drill(arch, intensity),
                   seed=seed, trace_sample=1.0 if trace else 0.0, max_drain=max(60.0, 4 * duration))
    _CACHE[key] = res
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return res


# ---------------------------------------------------------------------------
# Measuring: what the SLOs look at
# ---------------------------------------------------------------------------

def _ok(res) -> pd.DataFrame:
    req = res.requests
    return req[req["status"] == "ok"].set_index("request_id")


def effect_times(res, service: str) -> pd.Series:
    """For each checkout answered ok: when ``service``'s part of it was done.

    A synchronous service's part is done when the checkout is answered (the
    answer waited for it); a consumer's when it processed the order's event.
    NaN: never (dead-lettered, or still pending when the run stopped).
    """
    arch = res.architecture
    arch.kind(service)   # KeyError naming an unknown service
    ok = _ok(res)
    if service in arch.calls_from(arch.entry):
        return ok["end"]
    ev = res.events
    ev = ev[(ev["group"] == service) & (ev["outcome"] == "processed")]
    done = ev.groupby("request_id")["processed_at"].min()
    return done.reindex(ok.index)


def confirmed_but_failed(res) -> pd.Series:
    """Per downstream service: checkouts answered ok whose part in that
    service never happened (dead-lettered or never processed)."""
    ok = _ok(res)
    if ok.empty:
        return pd.Series(0, index=list(DOWNSTREAM), dtype=int)
    out = {}
    for service in res.architecture.services:
        if service == res.architecture.entry:
            continue
        out[service] = int(effect_times(res, service).isna().sum())
    return pd.Series(out, dtype=int)


def charged_but_refused(res) -> float:
    """Checkouts that *failed* although payment had charged the card.

    A synchronous payment that succeeded, followed by a step that failed
    (another call, or the publish of ``order-placed`` during a broker blip):
    the customer sees an error and a charge. Needs a run with every span
    (``run_drill(..., trace=True)``); NaN otherwise.
    """
    spans = res.spans
    if spans.empty:
        return float("nan")
    req = res.requests
    failed = set(req.loc[(req["status"] != "ok") & (req["status"] != "in_flight"), "trace_id"])
    paid = spans[(spans["service"] == "payment") & (spans["operation"] == "handle") & (spans["status"] == "ok")]
    return float(len(failed & set(paid["trace_id"])))


def measure(res) -> dict:
    """The four numbers the SLOs judge, from one run (seconds, shares, counts)."""
    s = res.summary()
    ok = _ok(res)
    if "shipping" in res.architecture.graph and len(ok):
        shipped = effect_times(res, "shipping") - ok["start"]
        ship = float(shipped.max()) if shipped.notna().all() else math.inf
    else:
        ship = math.nan
    unpaid = (float(effect_times(res, "payment").isna().sum())
              if "payment" in res.architecture.graph else math.nan)
    return {"checkout_p99": s["p99"], "checkout_errors": s["error_rate"], "shipped_within": ship,
            "unpaid": unpaid}


# ---------------------------------------------------------------------------
# The SLOs
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class SLO:
    """A promise: the measured ``key`` must be at most ``target``."""

    key: str
    label: str
    target: float
    unit: str   # 'ms', '%', 's' or 'orders'

    def holds(self, value) -> bool:
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
        return not math.isnan(value) and value <= self.target

    def format(self, value) -> str:
        """``value`` in this SLO's unit, for people."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "never"
        if self.unit == "ms":
            return vp.format_ms(value)
        if self.unit == "%":
            return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
        if self.unit == "s":
            return f"{value:.1f} s"
        return f"{value:,.0f}"

    @property
    def promise(self) -> str:
        """The target as a promise: '≤ 300 ms', or 'none' for a target of zero."""
        return "none" if self.target == 0 else f"≤ {self.format(self.target)}"


def slos(p99: float = 0.300, error_rate: float = 0.015, ship_within: float = 10.0) -> tuple:
    """The shop's four SLOs with these targets (seconds, a share, seconds)."""
    for name, v in (("p99", p99), ("error_rate", error_rate), ("ship_within", ship_within)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise ValueError(f"{name} must be a number > 0, got {v!r}")
    return (SLO("checkout_p99", "checkout p99", float(p99), "ms"),
            SLO("checkout_errors", "checkout errors", float(error_rate), "%"),
            SLO("shipped_within", "every order shipped within", float(ship_within), "s"),
            SLO("unpaid", "confirmed but unpaid", 0.0, "orders"))


#: The default SLOs: checkout p99 <= 300 ms, <= 1.5% errors, shipped within 10 s, nobody unpaid.
SLOS = slos()


def report(res, slos=SLOS) -> pd.DataFrame:
    """One row per SLO: ``label, target, measured, passed, margin, shown``.

    ``margin`` is target minus measured (positive: room to spare), in the
    SLO's own unit (seconds, a share, orders); ``shown`` is the measured
    value formatted for people.
    """
    values = measure(res)
    rows = []
    for slo in slos:
        v = values[slo.key]
        rows.append({"slo": slo.key, "label": slo.label, "target": slo.target, "measured": v,
                     "passed": slo.holds(v), "margin": slo.target - v, "shown": slo.format(v),
                     "promise": slo.promise})
    return pd.DataFrame(rows).set_index("slo")


def evaluate(sync="hybrid", *, slos=SLOS, **run) -> pd.DataFrame:
    """:func:`report` of :func:`run_drill` (``run`` as there)."""
    return report(run_drill(sync, **run), slos)


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------

def _reports(runs, slos) -> dict:
    out = {}
    for name, r in dict(runs).items():
        out[name] = r if isinstance(r, pd.DataFrame) else report(r, slos)
    return out


def slo_matrix(runs, slos=SLOS, ax=None, *, labels=None, title=None) -> Figure:
    """Designs (rows) x SLOs (columns): the measured value, green if the
    promise is kept, red if not.

    ``runs`` maps a design's name to its Result (or to its :func:`report`);
    ``labels`` optionally maps names to a second line under each name
    (e.g. :func:`design_label`).
    """
    reports = _reports(runs, slos)
    names = list(reports)
    labels = labels or {}
    n_rows, n_cols = max(1, len(names)), len(slos)
    if ax is None:
        fig = Figure(figsize=(2.85 + 2.1 * n_cols, 0.75 + 0.62 * n_rows))
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    else:
        fig = ax.figure
    ax.set_axis_off()
    left = 2.75
    ax.set_xlim(0, left + 2.1 * n_cols + 0.05)
    ax.set_ylim(-0.05, n_rows * 0.62 + 0.72)
    top = n_rows * 0.62
    for j, slo in enumerate(slos):
        x = left + 2.1 * j + 1.0
        ax.text(x, top + 0.44, slo.label, ha="center", va="center", fontsize=9, color=vp.INK, fontweight="bold")
        ax.text(x, top + 0.17, slo.promise, ha="center", va="center", fontsize=8.5, color="#555555")
    if title:
        ax.text(0.05, top + 0.44, title, ha="left", va="center", fontsize=9.5, color=vp.INK, fontweight="bold")
    colors = vp._assign_colors(names)   # the same colour per design as in the package's other plots
    for i, name in enumerate(names):
        y = top - 0.62 * (i + 1) + 0.04
        color = colors[name]
        ax.text(left - 0.12, y + 0.36 if name in labels else y + 0.27, vp.style_label(name),
                ha="right", va="center", fontsize=9.5, color=color, fontweight="bold")
        if name in labels:
            ax.text(left - 0.12, y + 0.15, labels[name], ha="right", va="center", fontsize=7.5, color="#666666")
        table = reports[name]
        for j, slo in enumerate(slos):
            row = table.loc[slo.key]
            ok = bool(row["passed"])
            x = left + 2.1 * j
            ax.add_patch(FancyBboxPatch((x + 0.04, y), 1.92, 0.54, boxstyle="round,pad=0,rounding_size=0.06",
                                        fc=_PASS_FILL if ok else _FAIL_FILL, ec="none"))
            ax.text(x + 0.16, y + 0.27, "✓" if ok else "✗", ha="left", va="center", fontsize=12,
                    color=_PASS_INK if ok else _FAIL_INK, fontweight="bold")
            ax.text(x + 1.05, y + 0.27, row["shown"], ha="center", va="center", fontsize=10,
                    color=_PASS_INK if ok else _FAIL_INK, fontweight="bold")
    return fig


def drill_figure(runs, ax=None, *, groups=("shipping",)) -> Figure:
    """The drill over time: failed checkouts per second, then consumer lag.

    ``runs`` is one Result or a dict ``{name: Result}``. With one design the
    lag panel has a line per consumer group, each in its service's colour
    (:data:`SERVICE_COLORS`); with several, the lag of ``groups`` in each
    design's colour. The drill's faults are shaded red and named on top.
    ``ax`` is an optional (sub)figure to draw into, or a pair of axes.
    """
    from ..results import Result

    runs = {runs.architecture.name: runs} if isinstance(runs, Result) else dict(runs)
    if not runs:
        raise ValueError("runs: give at least one Result")
    if ax is None:
        fig = Figure(figsize=(10.0, 4.6), layout="constrained")
        ax = fig
    if isinstance(ax, (list, tuple)):
        if len(ax) != 2:
            raise ValueError(f"ax: this plot needs 2 axes, got {len(ax)}")
        axes = list(ax)
        ax = axes[0].figure
    else:
        axes = ax.subplots(2, 1, sharex=True)
    vp.timeseries(runs, ("errors",), ax=[axes[0]])
    axes[0].set_title("failed checkouts per second", fontsize=9, loc="left", color=vp.INK)
    a = axes[1]
    vp.tidy(a)
    colors = vp._assign_colors(list(runs), {n: r.architecture.name for n, r in runs.items()})
    lines = 0
    for name, res in runs.items():
        lag = res.metric("consumer_lag")
        own = [g for g in DOWNSTREAM if g in lag.columns]
        shown = own if len(runs) == 1 else [g for g in own if g in groups]
        for g in shown:
            label = g if len(runs) == 1 else f"{vp.style_label(name)} · {g}"
            color = SERVICE_COLORS.get(g, vp.NEUTRAL_COLOR) if len(runs) == 1 else colors[name]
            a.plot(lag.index, lag[g].to_numpy(float), color=color, lw=1.5, label=label)
            lines += 1
    which = "" if len(runs) == 1 else " — " + ", ".join(groups)
    a.set_title("consumer lag: events not yet processed" + which, fontsize=9, loc="left", color=vp.INK)
    if lines:
        a.set_ylim(0, max(1.0, a.get_ylim()[1]))
        a.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7.5, frameon=False, borderaxespad=0)
    else:
        a.text(0.5, 0.5, "no consumers: every service is called synchronously (no broker, no lag)",
               transform=a.transAxes, ha="center", va="center", fontsize=8.5, color=vp.NEUTRAL_COLOR)
    seen = set()
    for res in runs.values():
        for f in res.faults:
            if (f.start, f.end) not in seen:
                seen.add((f.start, f.end))
                a.axvspan(f.start, f.end, color=vp.FAULT_COLOR, alpha=0.09, lw=0, zorder=0)
    a.set_xlabel("simulated time (s)", fontsize=8.5)
    axes[0].set_xlabel("")
    axes[0].tick_params(labelbottom=False)
    return ax if isinstance(ax, Figure) else ax.figure


def _fmt_verdict_value(metric: str, value: float) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    m = metric.lower()
    if "(s)" in m:
        return vp.format_ms(value)
    if "per second" in m:
        return f"{value:,.0f}/s"
    if "share" in m or "rate" in m or "traced" in m or "staler" in m:
        return f"{value:.1%}" if abs(value) < 0.1 else f"{value:.0%}"
    return f"{value:,.3g}"


def _metric_label(metric: str) -> str:
    """A verdict's metric without its unit ('end-to-end p99 (s)' -> 'end-to-end p99'): the values say it."""
    return str(metric).replace(" (s)", "")


_SHORT = {"request_response": "RR", "event_driven": "ED", "tie": "tie"}


def verdict_figure(card: pd.DataFrame, *, title: str | None = None) -> Figure:
    """The seven verdicts as one table: what the comparison says, what was
    measured, and the condition under which it flips.

    ``card`` is ``vn.verdicts.scorecard(...)`` (one row per dimension). A
    *holds* cell is green when the measured winner is the comparison's, a
    *flips* cell orange when the flip condition turns the verdict around.
    """
    if not isinstance(card, pd.DataFrame) or card.empty:
        raise ValueError("card must be the DataFrame that vn.verdicts.scorecard() returns")
    cols = [("dimension", 1.45), ("comparison says", 1.35), ("measured: RR vs ED", 3.05),
            ("holds", 0.62), ("flips when …", 2.6), ("then: RR vs ED", 2.55), ("flips", 0.62)]
    widths = [w for _, w in cols]
    xs = np.concatenate([[0], np.cumsum(widths)])
    n = len(card)
    row_h = 0.56
    fig = Figure(figsize=(sum(widths) + 0.2, 0.9 + row_h * n))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    ax.set_xlim(0, xs[-1])
    height = row_h * (n + 1) + (0.3 if title else 0.0)
    ax.set_ylim(0, height)
    top = row_h * n
    if title:
        ax.text(0.02, top + row_h + 0.12, title, ha="left", va="center", fontsize=10.5, color=vp.INK,
                fontweight="bold")
    for (label, _), x0, w in zip(cols, xs, widths):
        ax.text(x0 + 0.08, top + row_h / 2, label, ha="left", va="center", fontsize=9, color="#444444",
                fontweight="bold")
    ax.plot([0, xs[-1]], [top, top], color="#bbbbbb", lw=1.0)
    for i, (dim, row) in enumerate(card.iterrows()):
        y = top - row_h * (i + 1)
        if i % 2:
            ax.add_patch(Rectangle((0, y), xs[-1], row_h, fc="#f7f7f7", ec="none", zorder=0))
        verdict = row["verdict"]
        measured = (f"{_fmt_verdict_value(row['metric'], row['rr'])} vs "
                    f"{_fmt_verdict_value(row['metric'], row['ed'])} → {_SHORT.get(row['winner'], row['winner'])}")
        flipped = (f"{_fmt_verdict_value(row['flip_metric'], row['flip_rr'])} vs "
                   f"{_fmt_verdict_value(row['flip_metric'], row['flip_ed'])} → "
                   f"{_SHORT.get(row['flip_winner'], row['flip_winner'])}")
        cells = [
            (str(dim).replace("_", " "), vp.INK, "bold", 9.5),
            (_SHORT.get(verdict, verdict), vp.STYLE_COLORS.get(verdict, vp.INK), "bold", 9.5),
            (f"{_metric_label(row['metric'])}\n{measured}", vp.INK, "normal", 8),
            None,
            (str(row["flip_condition"]), vp.INK, "normal", 8),
            (f"{_metric_label(row['flip_metric'])}\n{flipped}", vp.INK, "normal", 8),
            None,
        ]
        for k, (cell, x0, w) in enumerate(zip(cells, xs, widths)):
            if cell is None:
                good = bool(row["holds"]) if k == 3 else bool(row["flips"])
                fill = (_PASS_FILL if good else _FAIL_FILL) if k == 3 else ("#fde3c8" if good else "#eeeeee")
                ink = (_PASS_INK if good else _FAIL_INK) if k == 3 else ("#a4520b" if good else "#666666")
                ax.add_patch(FancyBboxPatch((x0 + 0.08, y + 0.09), w - 0.16, row_h - 0.18,
                                            boxstyle="round,pad=0,rounding_size=0.05", fc=fill, ec="none"))
                ax.text(x0 + w / 2, y + row_h / 2, ("holds" if good else "no") if k == 3 else
                        ("flips" if good else "no"), ha="center", va="center", fontsize=8.5, color=ink,
                        fontweight="bold")
                continue
            text, color, weight, size = cell
            ax.text(x0 + 0.08, y + row_h / 2, _wrap(text, w), ha="left", va="center", fontsize=size,
                    color=color, fontweight=weight, linespacing=1.25)
    ax.plot([0, xs[-1]], [0, 0], color="#bbbbbb", lw=1.0)
    return fig


def _wrap(text: str, width_in: float) -> str:
    """Wrap each line of ``text`` to fit about ``width_in`` inches at 8 pt."""
    import textwrap

    chars = max(12, int(width_in * 15.5))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


# ---------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------

class DrillPanel(Panel):
    """The shop under checkboxes and sliders: choose what is synchronous,
    the traffic, the drill's intensity and the partitions; every change
    re-runs the drill on that design and shows each SLO in green or red.

    Parameters (also for :meth:`update`): one checkbox per downstream
    service, named after it (``payment=True`` keeps payment synchronous;
    ``False`` makes it a consumer of ``order-placed``), ``rate``
    (checkouts/s), ``intensity`` (0 = no drill, 1 = the drill, 2 = twice as
    harsh) and ``partitions`` (of ``order-placed``).

    ``panel.report`` is the latest SLO :func:`report`.
    """

    def __init__(self, sync="hybrid", *, rate: int = 120, intensity: float = 1.0, partitions: int = 4,
                 seed: int = 7, duration: float = DURATION, slos=SLOS, run: bool = True):
        chosen = set(_sync_names(sync))
        self.seed, self.duration, self.slos = seed, float(duration), tuple(slos)
        self.report: pd.DataFrame | None = None
        boxes = {s: W.Checkbox(value=s in chosen, description=s, indent=False,
                               tooltip=f"ticked: orders calls {s} and waits for it; "
                                       f"unticked: {s} consumes order-placed events",
                               layout=W.Layout(width="170px")) for s in DOWNSTREAM}
        sliders = {
            "rate": slider(W.IntSlider, value=rate, min=40, max=200, step=10, description="rate (req/s)",
                           tooltip="checkouts per second (Poisson)"),
            "intensity": slider(W.FloatSlider, value=intensity, min=0.0, max=2.0, step=0.25,
                                description="drill intensity",
                                tooltip="0: no drill; 1: the drill; 2: every fault twice as long or harsh"),
            "partitions": slider(W.IntSlider, value=partitions, min=1, max=8, description="partitions",
                                 tooltip="partitions of order-placed: at most this many instances "
                                         "of each consumer group work"),
        }
        controls = {**boxes, **sliders}
        columns = control_columns(controls, [("synchronous (the customer waits)", boxes),
                                             ("traffic, drill, partitions", sliders)])
        super().__init__(controls, title=None, layout=columns)
        if run:
            self.run()

    def sync(self, params: dict) -> list:
        """The services ticked synchronous, in checkout order."""
        return [s for s in DOWNSTREAM if params[s]]

    def simulate(self, params: dict, timings: dict) -> dict:
        t0 = time.perf_counter()
        sync = self.sync(params)
        run = dict(rate=int(params["rate"]), intensity=float(params["intensity"]),
                   partitions=int(params["partitions"]), seed=self.seed, duration=self.duration)
        known = _key(sync, trace=True, shop={}, **run) in _CACHE
        res = run_drill(sync, **run)
        name = res.architecture.name
        timings[name] = None if known else time.perf_counter() - t0
        self.report = report(res, self.slos)
        return {name: res}

    def draw(self, results: dict, params: dict) -> Figure:
        name, res = next(iter(results.items()))
        # Margins fixed in inches rather than a layout engine: the same picture, redrawn faster.
        width, height = 11.0, 5.6
        fig = Figure(figsize=(width, height))
        top = fig.add_axes((0.0, 1 - 1.3 / height, 1.0, 1.3 / height))
        slo_matrix({name: self.report}, self.slos, ax=top,
                   labels={name: design_label(self.sync(params), int(params["partitions"]))})
        grid = vp.grid_in_inches(fig, 2, left=0.6, right=1.45, top=1.65, bottom=0.5, hspace=0.45)
        drill_figure(results, ax=vp.stacked_axes(fig, grid))
        return fig

    def summary_html(self, results: dict) -> str:
        if self.report is None:
            return ""
        badges = []
        for slo in self.slos:
            row = self.report.loc[slo.key]
            ok = bool(row["passed"])
            badges.append(
                f'<span style="display:inline-block;margin:2px 6px 2px 0;padding:2px 8px;border-radius:10px;'
                f'background:{_PASS_FILL if ok else _FAIL_FILL};color:{_PASS_INK if ok else _FAIL_INK};'
                f'font-weight:600">{"✓" if ok else "✗"} {html.escape(slo.label)} {html.escape(row["shown"])} '
                f'<span style="font-weight:400">({html.escape(slo.promise)})</span></span>')
        passed = int(self.report["passed"].sum())
        head = (f'<b style="color:{_PASS_INK}">all {passed} SLOs met</b>' if passed == len(self.slos) else
                f'<b style="color:{_FAIL_INK}">{len(self.slos) - passed} of {len(self.slos)} SLOs missed</b>')
        return f'<div style="font-size:12px">{head}<br>{"".join(badges)}</div>'
