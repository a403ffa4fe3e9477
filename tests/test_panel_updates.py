"""How a panel answers a slider: both styles side by side, bursts coalesced.

Runs made in worker processes must equal runs made in the panel's own
process (the seed, not the process, decides every random number), and a
burst of moves must end in at most two updates after the last move, with
the picture matching the last setting.
"""

from __future__ import annotations

import time

import pytest

from vetora_nb import widgets, workers

DURATION = 4.0


def _frames(results):
    return {name: (res.requests, res.events, res.timeseries) for name, res in results.items()}


def test_runs_made_in_worker_processes_equal_runs_made_here():
    if workers.cores() < 2:
        pytest.skip("one core: runs are made one after the other in-process")
    here = widgets.ComparisonPanel(duration=DURATION, parallel=False, rate=120)
    assert workers.warmed() is not None, "the pool did not start"
    made = workers.made()
    there = widgets.ComparisonPanel(duration=DURATION, parallel=True, rate=120)
    assert workers.made() == made + 2, "the panel's runs were not made in the workers"
    assert set(here.results) == set(there.results) == {"request_response", "event_driven"}
    for name in here.results:
        for a, b in zip(_frames(here.results)[name], _frames(there.results)[name]):
            assert a.equals(b), f"{name}: a run made in a worker process differs from the same run made here"


def test_a_burst_of_moves_ends_in_at_most_two_updates_showing_the_last_setting():
    panel = widgets.ComparisonPanel(duration=DURATION, parallel=False)
    panel.background = True
    runs_before = panel.runs
    for rate in (60, 80, 120, 140, 160):          # five moves, faster than an update
        panel.controls["rate"].value = rate
    assert "simulating" in panel.status.value     # said at once, before any result
    assert panel.wait(timeout=120)
    assert panel.runs - runs_before <= 2, f"{panel.runs - runs_before} updates for one burst"
    assert panel.error is None
    arrivals = {name: res.traffic.segments[0][1] for name, res in panel.results.items()}
    assert arrivals == {"request_response": 160, "event_driven": 160}


def test_a_run_superseded_by_newer_settings_is_not_drawn():
    panel = widgets.ComparisonPanel(duration=DURATION, parallel=False)
    drawn = []
    for name in ("draw", "redraw"):     # a fresh figure, or the kept one redrawn in place
        method = getattr(panel, name)
        setattr(panel, name, lambda *args, _method=method: drawn.append(args[-1]["rate"]) or _method(*args))
    panel.background = True
    for rate in (60, 80, 120):                    # the first run starts; the next two supersede it
        panel.controls["rate"].value = rate
    assert panel.wait(timeout=120) and panel.error is None
    assert drawn == [120], f"drawn for rates {drawn}: only the latest setting should be"


def test_a_move_during_a_run_is_not_lost():
    panel = widgets.ComparisonPanel(duration=DURATION, parallel=False)
    panel.background = True
    panel.controls["rate"].value = 60
    time.sleep(0.05)                               # the first run is under way
    panel.controls["rate"].value = 90
    assert panel.wait(timeout=120)
    assert {res.traffic.segments[0][1] for res in panel.results.values()} == {90}


def test_a_runs_own_error_reaches_the_caller_and_leaves_the_pool_working():
    """Bad input raises in the worker as it would here (a TypeError naming the
    parameter); that is the run's error, not the pool's, so the pool stays
    in use. A run that cannot travel to a worker (a Job holding a lambda) is
    made here, without giving up the pool either."""
    if workers.cores() < 2:
        pytest.skip("one core: there is no pool")
    import vetora_nb as vn
    from vetora_nb.runs import Job, Run

    good = Run(vn.scenarios.order_placed("request_response"), vn.Traffic.poisson(50), duration=1)
    bad = Run(vn.scenarios.order_placed("event_driven"), vn.Traffic.poisson(50), duration=1,
              options={"max_requests": "many"})
    assert workers.warmed() is not None
    with pytest.raises(TypeError, match="max_requests"):
        workers.execute([good, bad])
    assert workers.start() is not None, "a run's bad input made the pool give up"
    here = Job(lambda: 42)
    drain = Job(vn.theory.backlog_drain_time, {"backlog": 100, "capacity": 60, "arrival_rate": 10})
    assert [r for r, _ in workers.execute([here, drain])] == [42, 2.0]
    assert workers.start() is not None, "a run that cannot be pickled made the pool give up"
