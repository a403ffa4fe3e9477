"""Inside a notebook kernel: check every figure as it is turned into a PNG.

A helper module for the tests (not collected itself). :func:`install`
wraps the two doors every picture a notebook shows goes through:
matplotlib's ``FigureCanvasBase.print_figure`` — a figure IPython displays
(``vetora_nb.plots.figure_png(fig, tight=True)`` at 100 dpi) and a panel's
plain Figure (``figure_png(fig, dpi=Panel.dpi)``) alike — and
``vetora_nb.plots.blit.Background.png``, where a panel's figure kept
between moves (a drawing) is rendered over its cached background. Each PNG
is checked with :func:`legibility.problems` at the resolution and trimming
it is saved with, and one JSON line per picture is appended to a report
file:

``{"cell": n, "source": "display" | "panel FailurePanel", "context": ...,
"dpi": 100, "tight": true, "size": [w, h], "problems": [...], "png": path | null}``

``cell`` is the execution count of the cell that was running (or last ran,
for a panel redrawing in the background). :data:`context` is a free text the
caller may set (a panel's control settings) and is copied into each line.
"""

from __future__ import annotations

import json
import os
import sys
import threading

#: Extra words for the next report lines (e.g. which panel setting is drawn).
context: str | None = None

_state = threading.local()
_write_lock = threading.Lock()


def install(report_path: str, *, display_width: float | None = None, min_px: float = 8.0,
            save_dir: str | None = None) -> None:
    """Check every PNG printed from now on and append a line to ``report_path``.

    With ``save_dir``, each PNG with a problem is also saved there (as
    ``<line number>.png``, the line's ``png`` field says which), for a person
    to look at."""
    from matplotlib import rcParams
    from matplotlib.backend_bases import FigureCanvasBase

    import legibility

    original = FigureCanvasBase.print_figure
    if getattr(original, "_legibility_hook", False):
        return

    def print_figure(self, filename, *args, **kwargs):
        fmt = kwargs.get("format") or (filename.rsplit(".", 1)[-1] if isinstance(filename, str) and "." in filename
                                       else rcParams["savefig.format"])
        if str(fmt).lower() != "png" or getattr(_state, "busy", False):
            return original(self, filename, *args, **kwargs)
        _state.busy = True
        try:
            line = _check(self.figure, kwargs, display_width, min_px, legibility, rcParams)
        finally:
            _state.busy = False
        result = original(self, filename, *args, **kwargs)
        _write(line, report_path, save_dir, filename)
        return result

    print_figure._legibility_hook = True
    FigureCanvasBase.print_figure = print_figure
    _watch_backgrounds(report_path, display_width, min_px, save_dir, legibility, rcParams)


def _watch_backgrounds(report_path, display_width, min_px, save_dir, legibility, rcParams) -> None:
    """The other door: a panel that redraws in place renders its PNG over a
    cached background (:class:`vetora_nb.plots.blit.Background`), not through
    ``print_figure``. Its pictures are checked the same way, untrimmed."""
    import io

    from vetora_nb.plots.blit import Background

    original = Background.png
    if getattr(original, "_legibility_hook", False):
        return

    def png(self, dpi):
        _state.busy = True
        try:
            line = _check(self.figure, {"dpi": dpi, "bbox_inches": None}, display_width, min_px, legibility,
                          rcParams)
        finally:
            _state.busy = False
        result = original(self, dpi)
        _write(line, report_path, save_dir, io.BytesIO(result))
        return result

    png._legibility_hook = True
    Background.png = png


def _check(fig, kwargs, display_width, min_px, legibility, rcParams) -> dict:
    dpi = kwargs.get("dpi") or rcParams["savefig.dpi"]
    if dpi == "figure":
        dpi = fig.dpi
    tight = (kwargs.get("bbox_inches", rcParams["savefig.bbox"]) == "tight")
    try:
        found = legibility.problems(fig, dpi=float(dpi), tight=tight, display_width=display_width, min_px=min_px)
    except Exception as exc:     # a checker failure is reported, never breaks the notebook
        found = [f"the legibility check failed: {type(exc).__name__}: {exc}"]
    width, height = fig.get_size_inches() * float(dpi)
    return {"cell": _cell(), "source": _source(), "context": context, "dpi": float(dpi), "tight": tight,
            "size": [round(width), round(height)], "problems": found, "png": None}


def _write(line: dict, report_path: str, save_dir: str | None, target) -> None:
    with _write_lock:
        if save_dir and line["problems"] and hasattr(target, "getvalue"):
            count = sum(1 for _ in open(report_path, encoding="utf-8")) if os.path.exists(report_path) else 0
            line["png"] = os.path.join(save_dir, f"{count + 1:03d}.png")
            with open(line["png"], "wb") as png:
                png.write(target.getvalue())
        with open(report_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def _cell() -> int | None:
    """The execution count of the cell running now (IPython has already counted it)."""
    try:
        from IPython import get_ipython
        ip = get_ipython()
        return None if ip is None else ip.execution_count - 1
    except Exception:   # pragma: no cover
        return None


def _source() -> str:
    """``panel <Class>`` when a panel is drawing, else ``display``."""
    widgets = sys.modules.get("vetora_nb.widgets")
    panel_class = getattr(widgets, "Panel", None)
    frame = sys._getframe(2)
    while frame is not None and panel_class is not None:
        owner = frame.f_locals.get("self")
        if isinstance(owner, panel_class):
            return f"panel {type(owner).__name__}"
        frame = frame.f_back
    return "display"
