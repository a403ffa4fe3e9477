"""Sweeps: one tidy row per grid point and seed, the same wherever they run."""

import pandas as pd
import pytest
from distributed import Client, LocalCluster

import vetora_nb as vn
from vetora_nb.sweep import order_placed_run

GRID = {"style": ["request_response", "event_driven"], "rate": [40, 80]}


def test_one_row_per_point_and_seed_with_the_summary():
    df = vn.sweep(order_placed_run, GRID, seeds=[1, 2], progress=False)
    assert len(df) == 2 * 2 * 2
    assert list(df.columns[:3]) == ["style", "rate", "seed"]
    assert {"p99", "e2e_p99", "error_rate"} <= set(df.columns)
    # the event-driven rows carry events, the request-response rows none
    assert (df.loc[df["style"] == "request_response", "events_published"] == 0).all()
    assert (df.loc[df["style"] == "event_driven", "events_published"] > 0).all()


def test_an_architecture_can_be_swept_directly():
    arch = vn.scenarios.single_service(workers=2, mean_service_time=0.01)
    df = vn.sweep(arch, {"rate": [50, 150], "duration": [5]}, seeds=[0], progress=False)
    assert df.loc[df["rate"] == 150, "mean_latency"].iloc[0] > df.loc[df["rate"] == 50, "mean_latency"].iloc[0]
    with pytest.raises(ValueError, match="grid"):
        vn.sweep(arch, {"workers": [1, 2]}, progress=False)


def test_bad_grids_are_refused():
    with pytest.raises(ValueError, match="grid"):
        vn.sweep(order_placed_run, {}, progress=False)
    with pytest.raises(TypeError, match="grid"):
        vn.sweep(order_placed_run, {"rate": 5}, progress=False)
    with pytest.raises(ValueError, match="seeds"):
        vn.sweep(order_placed_run, GRID, seeds=[], progress=False)


def test_local_processes_give_the_same_rows():
    here = vn.sweep(order_placed_run, GRID, seeds=[3], progress=False)
    there = vn.sweep(order_placed_run, GRID, seeds=[3], processes=2, progress=False)
    pd.testing.assert_frame_equal(here, there)


def test_a_dask_cluster_gives_the_same_rows():
    here = vn.sweep(order_placed_run, GRID, seeds=[3], progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        there = vn.sweep(order_placed_run, GRID, seeds=[3], client=client, progress=False)
    pd.testing.assert_frame_equal(here, there)
