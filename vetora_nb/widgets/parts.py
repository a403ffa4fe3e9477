"""The small parts every panel shares: run length checks, parameter checks, columns of controls, a table of numbers."""

from __future__ import annotations

import html

import ipywidgets as W


#: Simulated seconds per run unless a panel is told otherwise: long enough for
#: a fault window and its recovery, short enough to redraw in under a second.
DEFAULT_DURATION = 30.0
#: A run that would create more requests than this is refused with a message
#: instead of keeping the kernel busy for many seconds.
PANEL_MAX_REQUESTS = 30_000

_BUSY = '<span style="color:#666">&#x23F3; simulating…</span>'
_ERROR_STYLE = "color:#b00020;font-weight:600"


# ---------------------------------------------------------------------------

def error_message(exc: BaseException) -> str:
    """The readable part of an exception, for a panel's status line.

    A KeyError's ``str`` has quotes around its message; an exception with no
    message is named by its type.

    >>> error_message(KeyError("no service 'orders'"))
    "no service 'orders'"
    >>> error_message(ValueError())
    'ValueError'
    """
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc).strip() or type(exc).__name__


def run_duration(duration) -> float:
    """A panel's simulated seconds per run, checked: a number > 0."""
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
        raise ValueError(f"duration must be a number > 0, got {duration!r}")
    return float(duration)


def check_parameters(owner: str, values: dict, known) -> None:
    """Refuse starting values a panel has no parameter for, naming them all.

    >>> check_parameters("MyPanel", {"rate": 1, "rat": 2}, ["rate", "seed"])
    Traceback (most recent call last):
    ...
    TypeError: MyPanel got an unknown parameter 'rat'; parameters: rate, seed
    """
    unknown = [k for k in values if k not in known]
    if unknown:
        raise TypeError(f"{owner} got an unknown parameter {unknown[0]!r}; parameters: {', '.join(known)}")


def control_columns(controls: dict, groups) -> list:
    """The controls in columns, one per ``(title, names)`` of ``groups``: a
    grey bold title above the controls it names (the ``layout`` of a :class:`Panel`)."""
    return [W.VBox([W.HTML(f'<b style="color:#444">{title}</b>')] + [controls[n] for n in names],
                   layout=W.Layout(margin="0 18px 6px 0")) for title, names in groups]


def table_html(rows, *, align_right: bool = False) -> str:
    """A panel's key numbers: an HTML table of ``(label, value)`` rows, both
    escaped (``align_right`` lines the values up on the right)."""
    value_style = "padding:1px 10px;text-align:right" if align_right else "padding:1px 10px"
    body = "".join(f'<tr><td style="padding:1px 10px;color:#555">{html.escape(k)}</td>'
                   f'<td style="{value_style}">{html.escape(v)}</td></tr>' for k, v in rows)
    return f'<table style="border-collapse:collapse;font-size:12px">{body}</table>'
