"""The seven verdicts of the comparison in one table: what it says, what was measured, when it flips.

>>> import pandas as pd
>>> import vetora_nb as vn
>>> card = pd.DataFrame([vn.verdicts.coupling().as_row()]).set_index("dimension")
>>> fig = verdict_figure(card)
>>> "coupling" in [t.get_text() for t in fig.axes[0].texts]
True
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from .format import format_ms
from .style import FAIL_COLORS, INK, PASS_COLORS, STYLE_COLORS

__all__ = ["verdict_figure"]

_PASS_FILL, _PASS_INK = PASS_COLORS
_FAIL_FILL, _FAIL_INK = FAIL_COLORS


def _fmt_verdict_value(metric: str, value: float) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    m = metric.lower()
    if "(s)" in m:
        return format_ms(value)
    if "per second" in m:
        return f"{value:,.0f}/s"
    if "share" in m or "rate" in m or "traced" in m or "staler" in m:
        return f"{value:.1%}" if abs(value) < 0.1 else f"{value:.0%}"
    return f"{value:,.3g}"


def _metric_label(metric: str) -> str:
    """A verdict's metric without its unit ('end-to-end p99 (s)' -> 'end-to-end p99'): the values say it."""
    return str(metric).replace(" (s)", "")


_SHORT = {"request_response": "RR", "event_driven": "ED", "tie": "tie"}


def verdict_figure(card: pd.DataFrame, *, title: str | None = None) -> Figure:
    """The seven verdicts as one table: what the comparison says, what was
    measured, and the condition under which it flips.

    ``card`` is ``vn.verdicts.scorecard(...)`` (one row per dimension). A
    *holds* cell is green when the measured winner is the comparison's, a
    *flips* cell orange when the flip condition turns the verdict around.
    """
    if not isinstance(card, pd.DataFrame) or card.empty:
        raise ValueError("card must be the DataFrame that vn.verdicts.scorecard() returns")
    cols = [("dimension", 1.45), ("comparison says", 1.35), ("measured: RR vs ED", 3.05),
            ("holds", 0.62), ("flips when …", 2.6), ("then: RR vs ED", 2.55), ("flips", 0.62)]
    widths = [w for _, w in cols]
    xs = np.concatenate([[0], np.cumsum(widths)])
    n = len(card)
    row_h = 0.56
    fig = Figure(figsize=(sum(widths) + 0.2, 0.9 + row_h * n))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    ax.set_axis_off()
    ax.set_xlim(0, xs[-1])
    height = row_h * (n + 1) + (0.3 if title else 0.0)
    ax.set_ylim(0, height)
    top = row_h * n
    if title:
        ax.text(0.02, top + row_h + 0.12, title, ha="left", va="center", fontsize=10.5, color=INK,
                fontweight="bold")
    for (label, _), x0, w in zip(cols, xs, widths):
        ax.text(x0 + 0.08, top + row_h / 2, label, ha="left", va="center", fontsize=9, color="#444444",
                fontweight="bold")
    ax.plot([0, xs[-1]], [top, top], color="#bbbbbb", lw=1.0)
    for i, (dim, row) in enumerate(card.iterrows()):
        y = top - row_h * (i + 1)
        if i % 2:
            ax.add_patch(Rectangle((0, y), xs[-1], row_h, fc="#f7f7f7", ec="none", zorder=0))
        verdict = row["verdict"]
        measured = (f"{_fmt_verdict_value(row['metric'], row['rr'])} vs "
                    f"{_fmt_verdict_value(row['metric'], row['ed'])} → {_SHORT.get(row['winner'], row['winner'])}")
        flipped = (f"{_fmt_verdict_value(row['flip_metric'], row['flip_rr'])} vs "
                   f"{_fmt_verdict_value(row['flip_metric'], row['flip_ed'])} → "
                   f"{_SHORT.get(row['flip_winner'], row['flip_winner'])}")
        cells = [
            (str(dim).replace("_", " "), INK, "bold", 9.5),
            (_SHORT.get(verdict, verdict), STYLE_COLORS.get(verdict, INK), "bold", 9.5),
            (f"{_metric_label(row['metric'])}\n{measured}", INK, "normal", 8),
            None,
            (str(row["flip_condition"]), INK, "normal", 8),
            (f"{_metric_label(row['flip_metric'])}\n{flipped}", INK, "normal", 8),
            None,
        ]
        for k, (cell, x0, w) in enumerate(zip(cells, xs, widths)):
            if cell is None:
                good = bool(row["holds"]) if k == 3 else bool(row["flips"])
                fill = (_PASS_FILL if good else _FAIL_FILL) if k == 3 else ("#fde3c8" if good else "#eeeeee")
                ink = (_PASS_INK if good else _FAIL_INK) if k == 3 else ("#a4520b" if good else "#666666")
                ax.add_patch(FancyBboxPatch((x0 + 0.08, y + 0.09), w - 0.16, row_h - 0.18,
                                            boxstyle="round,pad=0,rounding_size=0.05", fc=fill, ec="none"))
                ax.text(x0 + w / 2, y + row_h / 2, ("holds" if good else "no") if k == 3 else
                        ("flips" if good else "no"), ha="center", va="center", fontsize=8.5, color=ink,
                        fontweight="bold")
                continue
            text, color, weight, size = cell
            ax.text(x0 + 0.08, y + row_h / 2, _wrap(text, w), ha="left", va="center", fontsize=size,
                    color=color, fontweight=weight, linespacing=1.25)
    ax.plot([0, xs[-1]], [0, 0], color="#bbbbbb", lw=1.0)
    return fig


def _wrap(text: str, width_in: float) -> str:
    """Wrap each line of ``text`` to fit about ``width_in`` inches at 8 pt."""
    chars = max(12, int(width_in * 15.5))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))
