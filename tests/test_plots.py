"""Every plot returns a Figure — for both styles, with faults, and for runs
with nothing in them — and none of them touches pyplot's global registry."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (only to check that nothing registers with it)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import vetora_nb as vn  # noqa: E402
from vetora_nb import plots as vp  # noqa: E402

STYLES = vn.scenarios.STYLES
FAULTS = [vn.Outage("shipping", 3, 6), vn.Slowdown("inventory", 2, 4, 5.0),
          vn.ErrorRate("notifications", 1, 2, 0.3)]


def run(style, rate=60.0, duration=8.0, faults=(), seed=3, **kw):
    return vn.simulate(vn.scenarios.order_placed(style, **kw), vn.Traffic.poisson(rate),
                       duration=duration, faults=list(faults), seed=seed)


@pytest.fixture(scope="module")
def faulted():
    return {s: run(s, faults=FAULTS) for s in STYLES}


@pytest.fixture(scope="module")
def calm():
    return {s: run(s) for s in STYLES}


@pytest.fixture(scope="module")
def empty():
    """Runs with no traffic at all: zero requests, zero events, zero spans."""
    return {s: run(s, rate=0.0, duration=3.0) for s in STYLES}


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a plot registered a figure with pyplot"


def assert_figure(fig):
    assert isinstance(fig, Figure)
    png = vp.figure_png(fig, dpi=40)     # drawing it must work too, not just building it
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return fig


def one_trace(res, status="ok"):
    req = res.requests
    tid = req.loc[req["status"] == status, "trace_id"].iloc[len(req) // 4 if status == "ok" else 0]
    return res.spans[res.spans["trace_id"] == tid]


# -- colours ---------------------------------------------------------------------

def test_style_colours_are_fixed_and_distinct():
    rr, ed = vp.STYLE_COLORS["request_response"], vp.STYLE_COLORS["event_driven"]
    assert rr != ed
    assert vp.color_for("request_response") == rr
    assert vp.color_for("rr") == rr
    assert vp.color_for("event_driven (outage)") == ed
    assert vp.color_for("something else", 0) in vp.PALETTE


def test_latency_uses_the_style_colours(calm):
    fig = vp.latency(calm, which="caller")
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in fig.axes[0].get_lines()}
    assert vp.STYLE_COLORS["request_response"] in colours
    assert vp.STYLE_COLORS["event_driven"] in colours


# -- architecture ----------------------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
def test_architecture(style):
    arch = vn.scenarios.order_placed(style)
    assert_figure(vp.architecture(arch))


@pytest.mark.parametrize("style", STYLES)
def test_architecture_with_every_kind_of_fault(style):
    arch = vn.scenarios.order_placed(style)
    faults = FAULTS + [vn.NetworkPartition("orders", "analytics", 1, 2), vn.BrokerOutage(1, 3)]
    fig = assert_figure(vp.architecture(arch, faults))
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "down 3–6 s" in texts and "×5 slower" in texts and "cut 1–2 s" in texts


def test_architecture_side_by_side_and_into_given_axes():
    archs = {s: vn.scenarios.order_placed(s) for s in STYLES}
    fig = assert_figure(vp.architecture(archs, faults=[vn.Outage("shipping", 1, 2)]))
    assert len(fig.axes) == 2
    host = Figure()
    ax = host.subplots()
    assert vp.architecture(archs["event_driven"], ax=ax) is host


def test_architecture_degenerate():
    lone = vn.Architecture("lone")
    assert_figure(vp.architecture(lone))             # no nodes at all
    lone.add_service("api")
    assert_figure(vp.architecture(lone))             # one node, no entry
    with pytest.raises(TypeError):
        vp.architecture("not an architecture")


# -- latency -----------------------------------------------------------------------

@pytest.mark.parametrize("which", ["caller", "e2e", "both", "overlay"])
@pytest.mark.parametrize("kind", ["cdf", "hist"])
def test_latency(faulted, which, kind):
    fig = assert_figure(vp.latency(faulted, which=which, kind=kind))
    assert len(fig.axes) == (2 if which == "both" else 1)
    assert all(ax.get_xscale() == "log" for ax in fig.axes)


def test_latency_marks_percentiles(calm):
    fig = vp.latency(calm, which="caller")
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert "p50" in legend and "p95" in legend and "p99" in legend


@pytest.mark.parametrize("rate, noted", [(600, True), (400, False)])
def test_answers_refused_in_0_ms_are_noted_beside_their_step_when_there_is_room(rate, noted):
    # A full queue refuses at once (backpressure): ~40% of answers at 600/s, ~8% at 400/s.
    arch = vn.scenarios.order_placed("request_response", queue_capacity=2 if rate == 600 else 5)
    fig = vp.latency({"request_response": vn.simulate(arch, vn.Traffic.poisson(rate), duration=5, seed=3)},
                     which="caller")
    ax = fig.axes[0]
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "refused in 0 ms" in legend                       # the legend always tells the share
    notes = [t for t in ax.texts if t.get_text() == "refused\nin 0 ms"]
    assert bool(notes) == noted
    if notes:   # inside the axes, under the line's top: the step rises to the refused share
        fig.canvas.draw()
        box, frame = notes[0].get_window_extent(), ax.get_window_extent()
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1


def test_latency_single_result_list_and_empty(calm, empty):
    assert_figure(vp.latency(calm["event_driven"]))
    assert_figure(vp.latency(list(calm.values())))
    assert_figure(vp.latency(empty))                 # nothing to draw: says so
    assert_figure(vp.latency({"rr": empty["request_response"], "ed": calm["event_driven"]}))


def test_latency_bad_arguments(calm):
    with pytest.raises(ValueError, match="which"):
        vp.latency(calm, which="median")
    with pytest.raises(ValueError, match="kind"):
        vp.latency(calm, kind="violin")
    with pytest.raises(TypeError):
        vp.latency({"x": 1})


# -- time series --------------------------------------------------------------------

def test_timeseries_default(faulted):
    fig = assert_figure(vp.timeseries(faulted))
    assert len(fig.axes) == 3
    # the fault windows are shaded on every panel
    assert all(len(ax.patches) >= len(FAULTS) for ax in fig.axes)


def test_timeseries_every_metric(faulted):
    metrics = ["throughput", "errors", "arrivals", "consumer_lag", "partition_lag", "dlq_depth",
               "queue_depth", "busy_workers", "in_flight", "breaker_state"]
    assert_figure(vp.timeseries(faulted, metrics))


def test_timeseries_breaker_and_node_filters():
    breaker = vn.CircuitBreaker(failure_threshold=3, reset_timeout=1.0)
    res = run("request_response", faults=[vn.Outage("shipping", 2, 5)], circuit_breaker=breaker)
    assert_figure(vp.timeseries(res, ("breaker_state", "busy_workers"), nodes={"busy_workers": ["orders"]}))
    assert_figure(vp.timeseries(res, "queue_depth", nodes=["orders", "shipping"], smooth=0))


def test_timeseries_single_run_and_empty(calm, empty):
    assert_figure(vp.timeseries(calm["event_driven"]))
    assert_figure(vp.timeseries(calm["request_response"], ("consumer_lag",)))   # RR has no lag: a note
    assert_figure(vp.timeseries(empty))


def test_timeseries_into_given_axes(calm):
    host = Figure()
    axes = host.subplots(2, 1)
    assert vp.timeseries(calm, ("throughput", "errors"), ax=axes) is host
    with pytest.raises(ValueError, match="ax"):
        vp.timeseries(calm, ("throughput", "errors"), ax=axes[0])
    with pytest.raises(ValueError, match="metrics"):
        vp.timeseries(calm, ())


# -- waterfall -------------------------------------------------------------------------

@pytest.mark.parametrize("style", STYLES)
def test_waterfall(faulted, style):
    res = faulted[style]
    fig = assert_figure(vp.waterfall(one_trace(res)))
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "orders · handle" in labels


def test_waterfall_colours(calm):
    fig = vp.waterfall(one_trace(calm["event_driven"]))
    bars = [p for ax in fig.axes for p in ax.patches]
    colours = {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars}
    assert vp.STYLE_COLORS["event_driven"] in colours           # consumer spans


def test_waterfall_failed_trace_is_red(faulted):
    rr = faulted["request_response"]
    fig = assert_figure(vp.waterfall(one_trace(rr, status=rr.requests["status"].loc[
        rr.requests["status"] != "ok"].iloc[0])))
    colours = {matplotlib.colors.to_hex(p.get_facecolor()) for ax in fig.axes for p in ax.patches}
    assert vp.FAULT_COLOR in colours


def test_waterfall_mapping_and_trace_id(calm):
    rr, ed = calm["request_response"], calm["event_driven"]
    tid = int(rr.requests["trace_id"].iloc[10])
    assert_figure(vp.waterfall({"RR": rr.spans, "ED": ed.spans}, trace_id=tid))
    assert_figure(vp.waterfall(rr.spans, trace_id=tid))
    with pytest.raises(ValueError, match="trace_id"):
        vp.waterfall(rr.spans)                       # many traces: pick one


def test_waterfall_degenerate(calm, empty):
    spans = one_trace(calm["request_response"])
    assert_figure(vp.waterfall(spans.iloc[:1]))      # a trace of one span
    assert_figure(vp.waterfall(empty["event_driven"].spans))   # no spans at all
    unfinished = spans.copy()
    unfinished.loc[unfinished.index[-1], "end"] = np.nan
    unfinished.loc[unfinished.index[-1], "status"] = "in_flight"
    assert_figure(vp.waterfall(unfinished))
    orphan = spans.iloc[1:]                          # its root is missing: children become roots
    assert_figure(vp.waterfall(orphan))
    with pytest.raises(ValueError, match="columns"):
        vp.waterfall(pd.DataFrame({"x": [1]}))
    host = Figure(layout="constrained")
    assert vp.waterfall(spans, ax=host.subplots()) is host


# -- scorecard ---------------------------------------------------------------------------

def test_scorecard_from_results_and_from_compare(faulted):
    assert_figure(vp.scorecard(faulted))
    assert_figure(vp.scorecard(vn.compare(faulted)))
    assert_figure(vp.scorecard(faulted, metrics=["p99", "requests", "ok", "duplicates"]))
    with pytest.raises(KeyError, match="metrics"):
        vp.scorecard(faulted, metrics=["nonsense"])


def test_scorecard_highlights_the_better_value(faulted):
    fig = vp.scorecard(faulted, metrics=["error_rate", "p50", "throughput"])
    table = fig.axes[0].tables[0]
    cells = table.get_celld()
    names = list(faulted)
    green = matplotlib.colors.to_rgb(vp.GOOD_COLOR)
    summary = {n: faulted[n].summary() for n in names}
    for row, (metric, lower_better) in enumerate([("error_rate", True), ("p50", True), ("throughput", False)], 1):
        values = [summary[n][metric] for n in names]
        if values[0] == values[1]:
            continue
        best = int(np.argmin(values) if lower_better else np.argmax(values))
        assert cells[row, best].get_facecolor()[:3] == green
        assert cells[row, 1 - best].get_facecolor()[:3] != green


def test_scorecard_empty_run(empty):
    assert_figure(vp.scorecard(empty))
    assert_figure(vp.scorecard({"only": empty["event_driven"]}))


# -- small helpers ------------------------------------------------------------------------

def test_formatting():
    assert vp.format_value("p99", 0.0123) == "12 ms"
    assert vp.format_value("e2e_p99", 14.5) == "14.5 s"
    assert vp.format_value("error_rate", 0.25) == "25%"
    assert vp.format_value("throughput", 101.0) == "101.0/s"
    assert vp.format_value("p50", float("nan")) == "—"
    assert vp.fault_label(vn.NetworkPartition("orders", "shipping", 1, 2)) == "orders–shipping cut"
    assert vp.fault_label(vn.BrokerOutage(1, 2)) == "broker down"


def test_format_table_writes_each_row_or_column_by_its_kind_and_leaves_the_frame_raw():
    summary = pd.DataFrame({"rr": {"requests": 6059.0, "error_rate": 0.25, "p99": 0.0234, "note": 3.14159}})
    shown = vp.format_table(summary)                          # rows are summary metrics: by rows
    assert shown["rr"].tolist() == ["6,059", "25%", "23 ms", "3.142"]
    assert summary.loc["requests", "rr"] == 6059.0            # the raw frame is untouched
    frame = pd.DataFrame({"style": ["rr", "ed"], "wait": [0.0042, 0.5], "n": [12.0, 3.0], "ok": [True, False]})
    shown = vp.format_table(frame, {"wait": "ms", "n": "count"})
    assert shown.to_dict("list") == {"style": ["rr", "ed"], "wait": ["4.2 ms", "500 ms"], "n": ["12", "3"],
                                     "ok": [True, False]}
    storm = pd.DataFrame({"a": {"share failed": 0.31, "orders timed out": 191.0}})
    assert vp.format_table(storm, {"share failed": "pct", "orders timed out": "count"}, by="rows")["a"].tolist() == \
        ["31%", "191"]
    with pytest.raises(ValueError, match="kinds"):
        vp.format_table(frame, {"wait": "seconds"})
    with pytest.raises(ValueError, match="by"):
        vp.format_table(frame, by="diagonal")
