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

:func:`drill_run` is the recipe of one design (``vn.scenarios.hybrid_shop``)
through the drill, :func:`run_drill` runs it (and keeps the last few runs),
:func:`report` scores a run against the SLOs.

>>> res = run_drill("hybrid", rate=60, duration=30, seed=1)
>>> table = report(res)
>>> list(table.index)
['checkout_p99', 'checkout_errors', 'shipped_within', 'unpaid']
>>> bool(table.loc["unpaid", "passed"])
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .. import scenarios
from ..faults import BrokerOutage, ErrorRate, Outage, Slowdown, cut_links_into
from ..measures.checkout import shipped_within, unpaid
from ..runs import Run, RunCache
from ..traffic import Traffic

__all__ = ["DOWNSTREAM", "DURATION", "SLO", "SLOS", "slos", "drill", "drill_steps", "sync_names", "design_label",
           "drill_run", "run_drill", "measure", "report", "evaluate"]

#: The shop's downstream services, in checkout order.
DOWNSTREAM = tuple(scenarios.SHOP_DOWNSTREAM)
#: Simulated seconds of traffic in a drill run (the drill's faults sit inside it).
DURATION = 30.0


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


def drill(arch, intensity: float = 1.0, *, outage: str = "shipping", brownout: str = "payment",
          cut: str = "notifications") -> list:
    """The drill's faults for ``arch`` (pass them to ``vn.simulate(..., faults=...)``).

    The network partition cuts whatever link feeds ``cut`` in this design
    (:func:`vetora_nb.faults.cut_links_into`): the call ``orders ->
    notifications`` if it is synchronous, the subscription ``order-placed ->
    notifications`` if it consumes events.
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
            faults += cut_links_into(arch, cut, s["start"], s["end"])
    return faults


# ---------------------------------------------------------------------------
# Running a design through the drill
# ---------------------------------------------------------------------------

#: The last few drill runs: a repeated call (the notebook, then its exercise's check) is instant.
_RUNS = RunCache(size=24)


def sync_names(sync) -> tuple:
    """The services a design ``sync`` calls synchronously, in checkout order."""
    return tuple(scenarios.hybrid_shop(sync).calls_from("orders"))


def design_label(sync, partitions: int | None = None) -> str:
    """A design in a few words: 'sync: payment, inventory · 4 partitions'."""
    names = sync_names(sync)
    if len(names) == len(DOWNSTREAM):
        return "all synchronous (no broker)"
    text = "sync: " + ", ".join(names) if names else "all asynchronous"
    if partitions is not None:
        text += f" · {partitions} partition{'s' if partitions != 1 else ''}"
    return text


def drill_run(sync="hybrid", *, rate: float = 120, intensity: float = 1.0, partitions: int = 4,
              seed: int = 0, duration: float = DURATION, trace: bool = True, **shop) -> Run:
    """The :class:`~vetora_nb.runs.Run` of ``vn.scenarios.hybrid_shop(sync,
    partitions=..., **shop)`` through the drill at ``intensity``.

    Poisson traffic of ``rate`` checkouts per second for ``duration``
    seconds. ``trace`` keeps every span (needed by
    :func:`vetora_nb.measures.charged_but_refused`); ``trace=False`` records none.
    """
    arch = scenarios.hybrid_shop(sync, partitions=partitions, **shop)
    faults = drill(arch, _intensity(intensity))
    return Run(arch, Traffic.poisson(rate), float(duration), tuple(faults), seed,
               {"trace_sample": 1.0 if trace else 0.0, "max_drain": max(60.0, 4 * float(duration))})


def run_drill(sync="hybrid", **run):
    """Run :func:`drill_run` (same arguments): a :class:`~vetora_nb.Result`.

    Runs are deterministic, so the last few are kept and a repeated call
    returns the same result at once (treat it as read-only).
    """
    return _RUNS.get(drill_run(sync, **run))[0]


# ---------------------------------------------------------------------------
# The SLOs
# ---------------------------------------------------------------------------

def measure(res) -> dict:
    """The four numbers the SLOs judge, from one run (seconds, shares, counts)."""
    s = res.summary()
    return {"checkout_p99": s["p99"], "checkout_errors": s["error_rate"], "shipped_within": shipped_within(res),
            "unpaid": unpaid(res)}


@dataclass(frozen=True)
class SLO:
    """A promise: the measured ``key`` must be at most ``target`` (in ``unit``:
    'ms' for a latency in seconds, '%' for a share, 's' or 'orders')."""

    key: str
    label: str
    target: float
    unit: str

    def holds(self, value) -> bool:
        try:
            value = float(value)
        except (TypeError, ValueError):
            return False
        return not math.isnan(value) and value <= self.target


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
    """One row per SLO: ``label, target, measured, passed, margin``.

    ``margin`` is target minus measured (positive: room to spare), in the
    SLO's own unit (seconds, a share, orders).
    """
    values = measure(res)
    rows = [{"slo": slo.key, "label": slo.label, "target": slo.target, "measured": values[slo.key],
             "passed": slo.holds(values[slo.key]), "margin": slo.target - values[slo.key]} for slo in slos]
    return pd.DataFrame(rows).set_index("slo")


def evaluate(sync="hybrid", *, slos=SLOS, **run) -> pd.DataFrame:
    """:func:`report` of :func:`run_drill` (``run`` as there)."""
    return report(run_drill(sync, **run), slos)
