"""The scorecard: both styles' key numbers, the better one marked."""

from __future__ import annotations


import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .format import DEFAULT_SCORE, EVENT_METRICS, SCORE_ROWS, format_value
from .layout import _axes_for, _note, _runs
from .style import GOOD_COLOR, INK, _assign_colors


def _score_frame(table, metrics) -> pd.DataFrame:
    from ..results import compare

    if isinstance(table, pd.DataFrame):
        frame = table.copy()
        hints = {}
    else:
        runs = _runs(table)
        frame = compare(runs)
        for name, res in runs.items():   # a run with no stream has no lag, no DLQ: not "0, better"
            if not res.architecture.streams:
                for m in EVENT_METRICS:
                    if m in frame.index:
                        frame.loc[m, name] = np.nan
        hints = {n: r.architecture.name for n, r in runs.items()}
    metrics = list(metrics) if metrics is not None else [m for m in DEFAULT_SCORE if m in frame.index]
    unknown = [m for m in metrics if m not in frame.index]
    if unknown:
        raise KeyError(f"metrics: {unknown} not in the comparison; known: {list(frame.index)}")
    return frame.loc[metrics], hints


def scorecard(table, metrics=None, ax=None, *, title=None) -> Figure:
    """The comparison as a table you can read at a glance.

    ``table`` is what :func:`vetora_nb.compare` returns (one column per run)
    or a dict ``{name: Result}``. Each row is one number of ``summary()``,
    formatted (ms, %, per second), and the better value of the row is
    shaded green: *lower* is better for latencies, errors, lag, dead letters
    and losses; *higher* for requests answered ok and throughput; rows like
    "requests" have no better side. Given results rather than a table, event
    metrics of a run with no stream show "—" (a system with no broker has no
    lag — and no buffer either — so it does not "win" that row).
    """
    frame, hints = _score_frame(table, metrics)
    names = list(frame.columns)
    colors = _assign_colors(names, hints)
    fig, (ax,) = _axes_for(ax, 1, figsize=(2.4 + 1.55 * max(1, len(names)), 0.45 + 0.27 * (max(1, len(frame)) + 1)))
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10, loc="left", color=INK, y=1.0)
    if frame.empty or not names:
        _note(ax, "nothing to compare")
        return fig
    cells, shades = [], []
    for metric, row in frame.iterrows():
        _, better, _ = SCORE_ROWS.get(metric, (metric, 0, "num"))
        values = pd.to_numeric(row, errors="coerce").to_numpy(float)
        best = set()
        finite = np.isfinite(values)
        if better and finite.sum() >= 2:
            target = np.nanmin(values) if better < 0 else np.nanmax(values)
            if not np.all(values[finite] == target):
                best = {k for k, v in enumerate(values) if np.isfinite(v) and np.isclose(v, target)}
        cells.append([format_value(metric, v) for v in values])
        shades.append([GOOD_COLOR if k in best else "white" for k in range(len(values))])
    row_labels = [SCORE_ROWS.get(m, (m,))[0] for m in frame.index]
    table_artist = ax.table(cellText=cells, cellColours=shades, rowLabels=row_labels, colLabels=names,
                            cellLoc="center", rowLoc="right", bbox=[0.0, 0.09, 1.0, 0.91])
    table_artist.auto_set_font_size(False)
    table_artist.set_fontsize(9)
    for (r, c), cell in table_artist.get_celld().items():
        cell.set_edgecolor("#dddddd")
        if r == 0 and c >= 0:
            cell.get_text().set_color(colors[names[c]])
            cell.get_text().set_fontweight("bold")
            cell.set_facecolor("#fafafa")
        elif c == -1:
            cell.set_edgecolor("none")
            cell.get_text().set_color(INK)
        elif cell.get_facecolor()[:3] == mcolors.to_rgb(GOOD_COLOR):
            cell.get_text().set_fontweight("bold")
    ax.text(1.0, 0.0, "green: the better value of the row", transform=ax.transAxes, ha="right", va="top",
            fontsize=7, color="#777777")
    return fig
