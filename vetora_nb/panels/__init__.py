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
from . import nb01_coupling
from . import nb02_consistency
from . import nb03_observability

#: notebook -> a function returning its panel's spec at default settings.
SPECS = {
    "00_start_here": widgets.comparison_spec,
    "01_coupling": nb01_coupling.spec,
    "02_consistency": nb02_consistency.spec,
    "03_observability": nb03_observability.spec,
}

# -- notebooks 04-06 --
from . import nb04_scalability, nb05_failure_handling, nb06_latency  # noqa: E402

SPECS.update({
    "04_scalability": nb04_scalability.scalability_spec,
    "05_failure_handling": nb05_failure_handling.failure_spec,
    "06_latency": nb06_latency.latency_spec,
})

from . import nb07_temporal_coupling as _nb07  # noqa: E402

SPECS["07_temporal_coupling"] = _nb07.spec

from . import nb08_ordering_and_delivery as _nb08  # noqa: E402

SPECS["08_ordering_and_delivery"] = _nb08.spec

from . import nb09_event_sourcing_cqrs as _nb09  # noqa: E402

SPECS["09_event_sourcing_cqrs"] = _nb09.spec

# -- notebook 12 --
from . import nb12_sweeps  # noqa: E402

SPECS["12_sweeps"] = nb12_sweeps.sweep_spec

# -- notebook 10 --
from . import nb10_sagas  # noqa: E402

SPECS["10_sagas"] = nb10_sagas.saga_spec

# -- notebook 11 --
from . import nb11_hybrid_capstone  # noqa: E402

SPECS["11_hybrid_capstone"] = nb11_hybrid_capstone.drill_spec
