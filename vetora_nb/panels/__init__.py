"""Every notebook's panel, declared: ``SPECS[notebook]()`` is its :class:`~vetora_nb.widgets.PanelSpec`.

A panel module says which controls a notebook shows, how their values
become architectures, traffic and faults for each style, and which figure
and key numbers to draw; the generic :class:`~vetora_nb.widgets.SpecPanel`
does the rest. What a panel measures lives in :mod:`vetora_nb.measures`,
what it draws in :mod:`vetora_nb.plots`.

>>> sorted(SPECS)[:1]
['00_start_here']
"""

from __future__ import annotations

from .. import widgets
from . import (nb01_coupling, nb02_consistency, nb03_observability, nb04_scalability, nb05_failure_handling,
               nb06_latency, nb07_temporal_coupling, nb08_ordering_and_delivery, nb09_event_sourcing_cqrs,
               nb10_sagas, nb11_hybrid_capstone, nb12_sweeps, nb13_design_studio)

#: notebook -> a function returning its panel's spec at default settings.
SPECS = {
    "00_start_here": widgets.comparison_spec,
    "01_coupling": nb01_coupling.spec,
    "02_consistency": nb02_consistency.spec,
    "03_observability": nb03_observability.spec,
    "04_scalability": nb04_scalability.scalability_spec,
    "05_failure_handling": nb05_failure_handling.failure_spec,
    "06_latency": nb06_latency.latency_spec,
    "07_temporal_coupling": nb07_temporal_coupling.spec,
    "08_ordering_and_delivery": nb08_ordering_and_delivery.spec,
    "09_event_sourcing_cqrs": nb09_event_sourcing_cqrs.spec,
    "10_sagas": nb10_sagas.saga_spec,
    "11_hybrid_capstone": nb11_hybrid_capstone.drill_spec,
    "12_sweeps": nb12_sweeps.sweep_spec,
    "13_design_studio": nb13_design_studio.studio_spec,
}
