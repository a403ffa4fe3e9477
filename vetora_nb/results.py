"""The result of a run: tidy DataFrames, a summary, and side-by-side comparison.

``res.requests`` has one row per request, ``res.events`` one row per event and
consumer group, ``res.spans`` one row per span, ``res.timeseries`` samples in
long format. ``res.summary()`` boils them down to the numbers the comparison
argues about, and :func:`compare` lays several runs next to each other.

Latency percentiles (``p50``...) are the *caller's* view: how long the entry
service took to answer, over every answered request (failures included: a
fast error is also an answer). ``e2e_*`` is the *settled* view: until the last
effect of the request was done — every event it caused processed by every
group — over successful requests that settled.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["Result", "compare"]

SUMMARY_KEYS = (
    "requests", "ok", "failed", "in_flight", "error_rate", "p50", "p95", "p99", "mean_latency",
    "e2e_p50", "e2e_p95", "e2e_p99", "unsettled", "throughput", "events_published",
    "events_processed", "events_dlq", "events_pending", "events_lost", "duplicates",
    "failed_publishes", "max_consumer_lag",
)


def _pct(values: np.ndarray, q: float) -> float:
    values = values[~np.isnan(values)]
    return float(np.percentile(values, q)) if len(values) else float("nan")


class Result:
    """Everything one :func:`vetora_nb.simulate` run measured."""

    def __init__(self, *, world, architecture, traffic, faults, seed, duration, end_time,
                 sample_interval, drain):
        rec = world.rec
        self.architecture = architecture
        self.traffic = traffic
        self.faults = list(faults)
        self.seed = seed
        self.duration = duration
        self.end_time = end_time
        self.sample_interval = sample_interval
        self.drain = drain
        self._rec = rec
        self._lost = self._count_lost(world)
        self.call_attempts = {f"{c.caller.name}->{c.callee.name}": c.attempts for c in world.calls}
        self.redelivered = sum(g.redelivered for g in world.groups)
        self.failed_publishes = sum(s.failed_publishes for s in world.streams.values())
        #: ``{(group, stream): [owning instance of partition 0, 1, ...]}``
        self.assignment = {(g.name, g.stream.name): list(g.owner) for g in world.groups}

    @staticmethod
    def _count_lost(world) -> int:
        """Deliveries a group moved past without processing or dead-lettering
        them — the accounting invariant says this is always zero."""
        rec, lost = world.rec, 0
        for g in world.groups:
            for p, rows in enumerate(g.rows):
                lost += sum(1 for r in rows[: g.committed[p]] if rec.d_outcome[r] == "pending")
        return lost

    # -- frames (built once, on first use) -------------------------------------
    @cached_property
    def requests(self) -> pd.DataFrame:
        return self._rec.requests_frame()

    @cached_property
    def events(self) -> pd.DataFrame:
        return self._rec.events_frame()

    @cached_property
    def spans(self) -> pd.DataFrame:
        return self._rec.spans_frame()

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        sampled = self._rec.timeseries_frame()
        return pd.concat([sampled, self._rates()], ignore_index=True)

    def _rates(self) -> pd.DataFrame:
        """Throughput and errors per second at the entry, in sampling bins."""
        req = self.requests
        dt = self.sample_interval
        # Bins of width dt up to the end of the run; the last one may be
        # shorter, and its rate is divided by its real width.
        edges = np.append(np.arange(0.0, self.end_time, dt), self.end_time)
        if len(edges) > 2 and edges[-1] - edges[-2] < dt / 2:
            edges = np.delete(edges, -2)   # fold a sliver into the bin before it
        if len(edges) < 2 or edges[-1] <= edges[-2]:
            edges = np.array([0.0, max(dt, self.end_time)])
        widths = np.diff(edges)
        done = req.dropna(subset=["end"])
        frames = []
        for metric, sel in (("throughput", done["status"] == "ok"), ("errors", done["status"] != "ok")):
            counts, _ = np.histogram(done.loc[sel, "end"], bins=edges)
            frames.append(pd.DataFrame({"time": edges[:-1], "node": "requests", "metric": metric,
                                        "value": counts / widths}))
        counts, _ = np.histogram(req["start"], bins=edges)
        frames.append(pd.DataFrame({"time": edges[:-1], "node": "requests", "metric": "arrivals",
                                    "value": counts / widths}))
        return pd.concat(frames, ignore_index=True)

    def metric(self, metric: str, node: str | None = None) -> pd.DataFrame:
        """One metric of the time series, wide: a column per node."""
        ts = self.timeseries
        ts = ts[ts["metric"] == metric]
        if node is not None:
            ts = ts[ts["node"] == node]
        return ts.pivot_table(index="time", columns="node", values="value", aggfunc="last")

    # -- summary -----------------------------------------------------------------
    def summary(self) -> dict:
        req = self.requests
        answered = req[req["status"] != "in_flight"]
        ok = answered[answered["status"] == "ok"]
        lat = answered["latency"].to_numpy(float)
        e2e = ok["e2e_latency"].to_numpy(float)
        n = len(req)
        failed = len(answered) - len(ok)
        outcome = self._rec.outcome_counts()   # no events frame needed: it can be millions of rows
        ts = self._rec
        lag = [v for m, v in zip(ts.ts_metric, ts.ts_value) if m == "consumer_lag"]
        return {
            "requests": n,
            "ok": len(ok),
            "failed": failed,
            "in_flight": n - len(answered),
            "error_rate": failed / len(answered) if len(answered) else 0.0,
            "p50": _pct(lat, 50), "p95": _pct(lat, 95), "p99": _pct(lat, 99),
            "mean_latency": float(np.nanmean(lat)) if len(lat) else float("nan"),
            "e2e_p50": _pct(e2e, 50), "e2e_p95": _pct(e2e, 95), "e2e_p99": _pct(e2e, 99),
            "unsettled": int(np.isnan(e2e).sum()),
            "throughput": len(ok) / self.duration,
            "events_published": len(self._rec.e_trace),
            "events_processed": outcome["processed"],
            "events_dlq": outcome["dlq"],
            "events_pending": outcome["pending"],
            "events_lost": self._lost,
            "duplicates": outcome["duplicates"],
            "failed_publishes": self.failed_publishes,
            "max_consumer_lag": int(max(lag)) if lag else 0,
        }

    def status_counts(self) -> pd.Series:
        return self.requests["status"].value_counts()

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<Result {self.architecture.name!r}: {s['requests']} requests, "
                f"error_rate={s['error_rate']:.3f}, p99={s['p99'] * 1000:.1f} ms, "
                f"{s['events_published']} events>")


def compare(results, names=None) -> pd.DataFrame:
    """Summaries side by side: one column per run, one row per metric.

    ``results`` is a list of results (named by their architecture, or by
    ``names``) or a mapping ``{name: result}``.

    >>> import vetora_nb as vn
    >>> runs = {s: vn.simulate(vn.scenarios.order_placed(s), vn.Traffic.poisson(50), duration=5, seed=1)
    ...         for s in ("request_response", "event_driven")}
    >>> table = vn.compare(runs)
    >>> list(table.columns)
    ['request_response', 'event_driven']
    """
    if isinstance(results, dict):
        names, results = list(results), list(results.values())
    else:
        results = list(results)
        names = list(names) if names is not None else [r.architecture.name for r in results]
    if len(names) != len(results):
        raise ValueError(f"names: got {len(names)} names for {len(results)} results")
    return pd.DataFrame({n: pd.Series(r.summary()) for n, r in zip(names, results)})
