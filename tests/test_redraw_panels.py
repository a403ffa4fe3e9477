"""The notebooks' panels redraw in place, and the picture is a fresh draw's.

Each panel of :data:`SEQUENCES` keeps its figure between moves
(:class:`vetora_nb.plots.drawing.Drawing`) and goes through a sequence of
moves of its own controls — every kind it has: sliders, range sliders,
checkboxes, menus — and after each one the PNG the panel shows
(redrawn in place, rendered over a cached background when the axes did not
change) is compared byte for byte with the PNG of a fresh draw of the same
results. Each move says whether it must be redrawn in place; the moves that
need other artists (another row, more lines, another legend entry, other
bars) must fall back to a fresh figure, with the same picture too.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from redraw_checks import assert_same_picture  # noqa: E402

from vetora_nb.panels import SPECS  # noqa: E402
from vetora_nb.widgets import SpecPanel  # noqa: E402

#: notebook -> (seconds simulated, [(move, redrawn in place?), ...]), each move on top of those before it.
SEQUENCES = {
    "01_coupling": (5.0, [
        ({}, True),                                   # nothing changed: the background is reused
        ({"rate": 120}, True),
        ({"error_rate": 0.4}, True),
        ({"down": True}, False),                      # the outage joins the legend
        ({"window": (1.0, 3.0)}, True),               # its bands move
        ({"rate": 80}, True),
        ({"consumers": 5}, False),                    # more lag lines
        ({"error_rate": 0.0}, True),
        ({"down": False}, False),
    ]),
    "04_scalability": (5.0, [
        ({}, True),
        ({"rate": 200}, True),
        ({"spike": 3.0}, True),
        ({"spike_window": (1.0, 2.0)}, True),
        ({"slowdown": 4.0}, True),                    # the capacities say so
        ({"window": (1.0, 3.0)}, True),
        ({"partitions": 2}, True),                    # two instances idle
        ({"instances": 6}, False),                    # more bars
        ({"rate": 120}, True),
        ({"partitions": 8}, True),
        ({"spike": 1.0, "slowdown": 1.0}, True),
    ]),
    "05_failure_handling": (6.0, [
        ({}, True),
        ({"rate": 120}, True),
        ({"down": True}, True),
        ({"window": (1.0, 3.0)}, True),
        ({"slowdown": 4.0}, True),
        ({"error_rate": 0.3}, True),
        ({"retries": 2}, True),
        ({"timeout": 0.3}, True),
        ({"breaker": True}, False),                   # the breaker's row
        ({"rate": 100}, True),
        ({"breaker": False}, False),
        ({"partitions": 2}, True),
        ({"idempotent": True}, True),
    ]),
    "07_temporal_coupling": (8.0, [
        ({}, True),
        ({"rate": 120}, True),
        ({"window": (1.0, 3.0)}, True),
        ({"fault": "cut"}, True),
        ({"partitions": 2}, True),
        ({"instances": 3}, True),
        ({"service": "inventory"}, False),            # another group's lag
        ({"rate": 150}, True),
        ({"service": "broker"}, False),               # shipping's lag again, no drain to mark
        ({"fault": "outage", "rate": 100}, True),
        ({"service": "shipping", "window": (2.0, 4.0)}, True),
    ]),
    "11_hybrid_capstone": (12.0, [
        ({}, True),
        ({"rate": 150}, True),
        ({"intensity": 1.5}, True),                   # the drill's windows and captions move
        ({"partitions": 2}, True),                    # the design's label says so
        ({"intensity": 0.0}, True),                   # no drill: no bands, no captions
        ({"intensity": 1.0, "rate": 100}, True),
        ({"sync_payment": False}, False),             # payment becomes a consumer: another lag line
        ({"rate": 120}, True),
        ({"sync_payment": True, "sync_shipping": True, "sync_notifications": True,
          "sync_analytics": True}, False),            # all synchronous: no lag at all
        ({"rate": 90}, True),
        ({"sync_shipping": False, "sync_notifications": False, "sync_analytics": False}, False),
    ]),
}


@pytest.mark.parametrize("notebook", sorted(SEQUENCES))
def test_each_move_redraws_in_place_or_afresh_the_same_picture(notebook):
    duration, moves = SEQUENCES[notebook]
    panel = SpecPanel(SPECS[notebook](), duration=duration, run=False, parallel=False)
    panel.update()
    assert not panel.in_place and panel.error is None, panel.error
    assert_same_picture(panel, "the first picture")
    figure, reused, rendered = panel.figure, 0, 0
    for move, in_place in moves:
        drawing = panel._drawing.drawing
        hits = drawing._background.hits
        panel.update(**move)
        assert panel.in_place == in_place, f"{move}: redrawn in place {panel.in_place}, expected {in_place}"
        assert (panel.figure is figure) == in_place, f"{move}: the figure kept must be the one redrawn"
        assert_same_picture(panel, move)
        if in_place:
            reused += drawing._background.hits > hits
            rendered += drawing._background.hits == hits
        figure = panel.figure
    assert reused and rendered, "both the reused and the new background must be compared"
