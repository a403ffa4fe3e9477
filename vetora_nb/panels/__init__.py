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

#: notebook -> a function returning its panel's spec at default settings.
SPECS = {
    "00_start_here": widgets.comparison_spec,
}

# -- notebook 12 --
from . import nb12_sweeps  # noqa: E402

SPECS["12_sweeps"] = nb12_sweeps.sweep_spec

# -- notebook 10 --
from . import nb10_sagas  # noqa: E402

SPECS["10_sagas"] = nb10_sagas.saga_spec

# -- notebook 11 --
from . import nb11_hybrid_capstone  # noqa: E402

SPECS["11_hybrid_capstone"] = nb11_hybrid_capstone.drill_spec
