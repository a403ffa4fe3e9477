"""The design studio's experiment: a design and its twin, under the same traffic and faults.

A :class:`~vetora_nb.studio.Design` is whatever the student built; the
experiment wires it twice — as built, and as its twin
(:meth:`~vetora_nb.studio.Design.twin`) — gives every synchronous call of
both the same ``timeout``, ``retries`` and breaker, and runs the two under
identical seeded traffic with the same faults. The notebook, its panel and
its graders all go through :func:`architectures`, so they compare the very
same pair.

>>> from vetora_nb.studio import Design
>>> d = Design.load(SHOP)
>>> sorted(architectures(d))
['event_driven', 'request_response']
>>> res = compare_runs(d, rate=50, duration=4, fault_service="shipping", window=(1, 2))
>>> res["request_response"].summary()["failed"] > res["event_driven"].summary()["failed"]
True
"""

from __future__ import annotations

from ..architecture import CircuitBreaker
from ..faults import ErrorRate, Outage, Slowdown
from ..simulation import simulate
from ..studio import SHIPPED_DIR, Design, DesignError
from ..traffic import Traffic
from ..twins import links, style_of

__all__ = ["SHOP", "BREAKER", "architectures", "run_names", "design_faults", "compare_runs", "same_services",
           "reaches"]

#: The studio's starting point: the shop with five downstream services, all called synchronously.
SHOP = SHIPPED_DIR / "hybrid_shop_request_response.toml"
#: The breaker the studio puts on every call when asked: 5 failures in a row open it for 1 s.
BREAKER = CircuitBreaker(failure_threshold=5, reset_timeout=1.0)


def run_names(design_arch, twin_arch) -> tuple:
    """What the two runs are called: their styles, or ``'design'`` and ``'twin'``
    when both have the same one (every link left as it was)."""
    a, b = style_of(design_arch), style_of(twin_arch)
    return (a, b) if a != b else ("design", "twin")


def architectures(design: Design, *, timeout: float | None = None, retries: int | None = None,
                  breaker: bool = False) -> dict:
    """``{name: Architecture}``: the design as built and its twin, every call of
    both with this ``timeout`` and ``retries`` (``None``: as the design has them,
    the twin's new calls taking add_call's defaults) and, with ``breaker``,
    :data:`BREAKER`. Raises :class:`~vetora_nb.studio.DesignError` in words for
    a design that is not a system or has no faithful twin."""
    if not isinstance(design, Design):
        raise TypeError(f"design must be a vetora_nb.studio.Design, got {design!r}")
    call = {}
    if timeout is not None:
        call["timeout"] = float(timeout)
    if retries is not None:
        call["retries"] = int(retries)
    call["circuit_breaker"] = BREAKER if breaker else None
    built = design.copy()
    built.set_call_options(**call)
    arch = built.architecture()
    twin = built.twin(call=call)
    names = run_names(arch, twin)
    return {names[0]: arch, names[1]: twin}


def design_faults(arch, service: str, window: tuple, *, down: bool = True, slowdown: float = 1.0,
                  error_rate: float = 0.0) -> list:
    """The studio's faults on ``service`` over ``window``; a service the design
    does not have raises :class:`~vetora_nb.studio.DesignError` in words."""
    if service not in arch.services:
        raise DesignError([f"The faulty service {service!r} is not in the design: pick one of "
                           f"{', '.join(arch.services)}."])
    start, end = window
    out = []
    if end > start:
        if down:
            out.append(Outage(service, start, end))
        if slowdown != 1:
            out.append(Slowdown(service, start, end, slowdown))
        if error_rate > 0:
            out.append(ErrorRate(service, start, end, error_rate))
    return out


def compare_runs(design: Design, *, rate: float, duration: float, fault_service: str, window: tuple,
                 seed: int = 7, down: bool = True, slowdown: float = 1.0, error_rate: float = 0.0,
                 **call) -> dict:
    """``{name: Result}`` of :func:`architectures` under Poisson traffic at ``rate``
    and the faults of :func:`design_faults`, the same seed for both."""
    out = {}
    for name, arch in architectures(design, **call).items():
        faults = design_faults(arch, fault_service, window, down=down, slowdown=slowdown, error_rate=error_rate)
        out[name] = simulate(arch, Traffic.poisson(rate), duration=duration, faults=faults, seed=seed)
    return out


def same_services(arch, reference) -> list[str]:
    """How ``arch``'s services differ from ``reference``'s (names, workers,
    service times), in words; empty when they are the same."""
    out = []
    mine, theirs = set(arch.services), set(reference.services)
    if mine != theirs:
        if theirs - mine:
            out.append(f"missing services: {sorted(theirs - mine)}")
        if mine - theirs:
            out.append(f"extra services: {sorted(mine - theirs)}")
    for s in sorted(mine & theirs):
        for attr in ("workers", "service_time"):
            a, b = arch.graph.nodes[s][attr], reference.graph.nodes[s][attr]
            if a != b:
                out.append(f"{s}: {attr} is {a!r}, it was {b!r}")
    return out


def reaches(arch) -> dict:
    """``{downstream: 'call' | 'event'}``: how each service linked from another is reached."""
    return {l.downstream: ("call" if l.sync else "event") for l in links(arch)}
