"""The panels of notebooks 02, 03, 09 and 10 redraw in place the picture a fresh figure gives.

Each keeps its figure's axes (:class:`vetora_nb.plots.kept.KeptFigure`)
and draws the new runs on them. After every move of a sequence of the
panel's own controls, the PNG the panel shows must be, byte for byte, the
PNG of a fresh draw of the same results, and the move must have been
redrawn in place (or, where the layout has to change, drawn afresh — and
then equal too).
"""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from test_redraw import fresh_png, pixels_differ  # noqa: E402
from vetora_nb.panels import SPECS  # noqa: E402
from vetora_nb.widgets import SpecPanel  # noqa: E402

#: name -> (duration, [(move, redrawn in place?), ...]), each move on top of the ones before.
SEQUENCES = {
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


def _shown(panel) -> bytes:
    return base64.b64decode(panel.output.outputs[0]["data"]["image/png"])


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_each_move_redraws_in_place_the_picture_of_a_fresh_draw(name):
    duration, moves = SEQUENCES[name]
    panel = SpecPanel(SPECS[name](), duration=duration, run=False, parallel=False)
    panel.update()
    assert panel.error is None, panel.error
    assert not panel.in_place
    first = panel.figure
    for move, in_place in moves:
        panel.update(**move)
        assert panel.error is None, f"{move}: {panel.error}"
        assert panel.in_place == in_place, f"{move}: redrawn in place {panel.in_place}, expected {in_place}"
        if in_place:
            assert panel.figure is first, f"{move}: a new figure although redrawn in place"
        first = panel.figure
        problem = pixels_differ(_shown(panel), fresh_png(panel))
        assert not problem, f"{name} {move}: the picture redrawn in place is not a fresh draw's: {problem}"
