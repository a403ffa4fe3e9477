"""The notebooks' panels redraw in place, and the picture is a fresh draw's.

Each panel of :data:`SEQUENCES` and :data:`KEPT` keeps its figure between
moves (a :class:`vetora_nb.plots.drawing.Drawing`: its artists moved, or,
for :data:`KEPT`, its axes kept and drawn on again) and goes through a sequence of
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


#: Panels whose figure keeps its axes and draws its content on them again
#: (:class:`vetora_nb.plots.kept.KeptFigure`): name -> (seconds, moves), as above.
KEPT = {
    "09_event_sourcing_cqrs": (8.0, [
        ({"rate": 60}, True),
        ({"state_at": 6.0}, True),                       # the picture only: no new run
        ({"partitions": 2}, True),
        ({"late_at": 3.0}, True),
        ({"retention": 2.0}, True),                       # events deleted: a grey band and its caption
        ({"slowdown": 12.0, "window": (1.0, 6.0)}, True),  # a fault band and its caption on the lag
        ({"slow_group": "late"}, True),
        ({"retention": None, "slowdown": 1.0}, True),
        ({"rate": 150}, True),
    ]),
    "10_sagas": (6.0, [
        ({"rate": 120}, True),
        ({"step_failure": 0.0}, True),                    # no saga compensated: fewer lines, one bar at 0
        ({"step_failure": 0.4}, True),
        ({"broker_ms": 18.0}, True),                      # choreography's run only
        ({"network_ms": 6.0}, True),
        ({"rate": 20, "step_failure": 0.1}, True),
    ]),
    "02_consistency": (6.0, [
        ({"rate": 200}, True),
        ({"read_rate": 800}, True),                       # the picture only: another read workload
        ({"slowdown": 6.0}, True),
        ({"partitions": 1}, True),
        ({"rate": 30, "slowdown": 1.0}, True),            # few stale reads: the scale comes down
        ({"read_rate": 100}, True),
    ]),
    "06_latency": (6.0, [
        ({"rate": 120}, True),
        ({"slowdown": 6.0}, True),
        ({"window": (1.0, 4.0)}, True),
        ({"width": 8}, True),                             # more callees: other bars' heights, another title
        ({"fanout": "sequential"}, True),
        ({"partitions": 2}, True),
        ({"rate": 40, "slowdown": 1.0}, True),
    ]),
    "08_ordering_and_delivery": (6.0, [
        ({"rate": 120}, True),
        ({"partitions": 8}, True),                        # more lag lines, another legend
        ({"hot_key": 0.5}, True),                         # a hot partition named
        ({"instances": 6}, True),                         # more bars
        ({"crash": (1.0, 2.0)}, True),
        ({"idempotent": True}, True),
        ({"error_rate": 0.3}, True),                      # dead letters in the accounting
        ({"partitions": 16, "hot_key": 0.0}, True),       # nothing named: no legend
    ]),
    # The layout follows the spec's partition counts, which no control moves: every move is in place,
    # the colour bar drawn again on its kept axes (log scale for latencies, linear for errors).
    "12_sweeps": (3.0, [
        ({"metric": "error_rate"}, True),                 # the picture only: another norm, another scale
        ({"hot_key": 0.6}, True),                         # event-driven's runs again
        ({"metric": "p99"}, True),                        # back to a log scale
        ({"keys": 2}, True),
        ({"slowdown": 3.0}, True),                        # the capacities' dashes move
        ({"slow_service": "inventory"}, True),
        ({"metric": "e2e_p99", "keys": 1000, "hot_key": 0.0, "slowdown": 1.0}, True),
    ]),
    # A waterfall's layout follows its traces' rows: a move to traces of other rows draws a fresh figure.
    "03_observability": (6.0, [
        ({"rate": 120}, True),
        ({"trace_at": 2.0}, True),                        # the picture only: another failure
        ({"service": "inventory"}, True),
        ({"error_rate": 0.6}, True),
        ({"trace_at": 5.0}, True),
        ({"propagate": False}, False),                    # the event-driven trace stops at the broker: 2 rows
        ({"trace_sample": 0.3}, True),
        ({"service": "analytics", "error_rate": 0.1}, False),   # no event-driven failure traced: a note
        ({"rate": 40}, False),                            # neither style has one
        ({"rate": 50, "service": "shipping", "error_rate": 0.3, "propagate": True, "trace_sample": 1.0}, False),
        ({"trace_at": 3.0}, True),
    ]),
}


@pytest.mark.parametrize("notebook", sorted({**SEQUENCES, **KEPT}))
def test_each_move_redraws_in_place_or_afresh_the_same_picture(notebook):
    duration, moves = {**SEQUENCES, **KEPT}[notebook]
    panel = SpecPanel(SPECS[notebook](), duration=duration, run=False, parallel=False)
    panel.update()
    assert not panel.in_place and panel.error is None, panel.error
    assert_same_picture(panel, "the first picture")
    figure, reused, rendered = panel.figure, 0, 0
    for move, in_place in moves:
        drawing = panel._drawing.drawing
        hits = drawing._background.hits if drawing._background else 0
        panel.update(**move)
        assert panel.in_place == in_place, f"{move}: redrawn in place {panel.in_place}, expected {in_place}"
        assert (panel.figure is figure) == in_place, f"{move}: the figure kept must be the one redrawn"
        assert_same_picture(panel, f"{notebook} {move}")
        if in_place:
            reused += drawing._background.hits > hits
            rendered += drawing._background.hits == hits
        figure = panel.figure
    # Kept axes rarely keep their limits (bars and texts move them): only the time series must show both.
    if notebook in SEQUENCES:
        assert reused and rendered, "both the reused and the new background must be compared"
