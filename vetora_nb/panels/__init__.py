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
