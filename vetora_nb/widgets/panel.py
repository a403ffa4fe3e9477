"""The panel itself: controls -> run -> draw -> show, with a status line that never shows a traceback."""

from __future__ import annotations

import base64
import html
import math
import threading
import time
from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure

from .. import plots as vp
from .. import workers
from .parts import _BUSY, _ERROR_STYLE, error_message

# ---------------------------------------------------------------------------

class Panel:
    """Controls → run → draw → show, with a status line.

    Subclasses provide :meth:`simulate` (parameters → ``{name: Result}``)
    and :meth:`draw` (results, parameters → ``Figure``); the base class does
    the rest: watching the controls, the busy/timing/error status, the
    flicker-free redraw and :meth:`update`.

    **Redrawing in place.** Building a new Figure on every move costs more
    than drawing the old one again: its axes, ticks and legends are made
    anew each time. So :meth:`draw` may instead return a *drawing*: any
    object with a ``figure`` and an ``update(results, params) -> bool``
    that redraws that figure for new results in place — new data on the
    same lines, new texts in the same legends — and returns ``False`` when
    it cannot (the new results need other axes or other artists). The
    panel keeps the drawing, asks it first on every later run, and calls
    :meth:`draw` for a fresh one only when it says ``False``. A drawing's
    promise is that its redraw is the very picture a fresh :meth:`draw` of
    the same results would give. A drawing may also render itself:
    ``png(dpi) -> bytes`` (e.g. reusing the pixels of axes that did not
    change); otherwise the panel renders its figure.

    Attributes a notebook (or a test) can read:

    ``controls``   ``{name: widget}`` of the controls on show
    ``fixed``      ``{name: value}`` of parameters with no control on show
    ``results``    the latest ``{name: Result}``
    ``figure``     the latest ``Figure``
    ``error``      the latest error message, or ``None`` after a good run
    ``timings``    seconds spent per run name, and in ``'draw'``
    ``in_place``   whether the latest picture was redrawn in place
    ``widget``     the ``VBox`` to display
    """

    #: Resolution of the PNG shown in the panel.
    dpi = 90
    #: Run control moves in a background thread, coalescing bursts (``None``:
    #: only inside a Jupyter kernel, where the kernel keeps taking messages).
    background: bool | None = None

    def __init__(self, controls: dict, fixed: dict | None = None, *, title: str | None = None,
                 layout: list | None = None):
        self.controls: dict[str, W.ValueWidget] = dict(controls)
        self.fixed: dict[str, Any] = dict(fixed or {})
        self.results: dict = {}
        self.figure: Figure | None = None
        self.error: str | None = None
        self.timings: dict[str, float] = {}
        self.in_place = False
        self.runs = 0
        self._drawing = None        # the latest drawing that can redraw in place, if draw gave one
        self._holding = False
        self._lock = threading.Lock()
        self._draw_lock = threading.Lock()
        self._wanted = 0            # settings asked for so far; a run serves all asked before it began
        self._worker: threading.Thread | None = None
        self.status = W.HTML(value="", layout=W.Layout(min_height="22px"))
        self.numbers = W.HTML(value="")
        self.output = W.Output(layout=W.Layout(min_height="120px"))
        for widget in self.controls.values():
            widget.observe(self._on_change, names="value")
        parts = []
        if title:
            parts.append(W.HTML(f"<b>{html.escape(title)}</b>"))
        if layout is not None:
            parts.append(W.HBox(layout, layout=W.Layout(flex_flow="row wrap")))
        elif self.controls:
            parts.append(W.VBox(list(self.controls.values())))
        parts += [self.status, self.numbers, self.output]
        self.widget = W.VBox(parts)
        self.widget.add_class("vetora-panel")      # how a page (or a browser test) finds a panel

    # -- what subclasses provide ---------------------------------------------
    def simulate(self, params: dict, timings: dict) -> dict:
        """Run the experiment for ``params``; return ``{name: Result}``.

        Record the seconds each run took in ``timings[name]`` (``None`` for a
        result reused because nothing it depends on changed); the status line
        shows them."""
        raise NotImplementedError

    def draw(self, results: dict, params: dict):
        """Draw ``results``: a new ``Figure``, or a drawing that can redraw
        itself in place (see the class's docstring)."""
        raise NotImplementedError

    def redraw(self, drawing, results: dict, params: dict) -> bool:
        """Ask ``drawing`` to show ``results`` in place; ``False`` if it cannot."""
        return bool(drawing.update(results, params))

    def summary_html(self, results: dict) -> str:
        """Optional key numbers shown under the status line."""
        return ""

    # -- parameters ------------------------------------------------------------
    def params(self) -> dict:
        """Every parameter's current value: the controls' and the fixed ones."""
        values = dict(self.fixed)
        values.update({name: w.value for name, w in self.controls.items()})
        return values

    def update(self, **params) -> None:
        """Set parameters (shown or fixed) by name, then run once.

        A value a control cannot take (an unknown option, the wrong type) is
        reported in the status line and nothing runs; a number beyond a
        slider's range is moved to its end, and the status says so.
        """
        unknown = [k for k in params if k not in self.controls and k not in self.fixed]
        if unknown:
            known = ", ".join(list(self.controls) + list(self.fixed))
            self._show_error(f"Could not update: no parameter {unknown[0]!r} (known: {known})")
            return
        notes = []
        before = self.params()
        self._holding = True
        try:
            for name, value in params.items():
                if name not in self.controls:
                    self.fixed[name] = value
                    continue
                widget = self.controls[name]
                try:
                    widget.value = value
                except Exception as exc:   # a TraitError names the bad value
                    self._restore(before)  # all or nothing: the picture still matches the controls
                    self._show_error(f"Could not set {name} to {value!r}: {error_message(exc)}", clear=False)
                    return
                if _differs(widget.value, value):
                    notes.append(f"{name} {value!r} is outside the slider: using {_short(widget.value)}")
        finally:
            self._holding = False
        self.run(notes=notes)

    def set_options(self, name: str, options, value=None) -> None:
        """Give menu ``name`` new ``options`` without running (what a menu offers
        can depend on what is being simulated, e.g. the services of a design).
        It keeps its value if it still can, else takes ``value`` or the first option."""
        widget = self.controls[name]
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        keep = widget.value if widget.value in values else (value if value in values else values[0])
        self._holding = True
        try:
            widget.options = options
            widget.value = keep
        finally:
            self._holding = False

    def _restore(self, values: dict) -> None:
        for name, value in values.items():
            if name in self.controls:
                self.controls[name].value = value
            else:
                self.fixed[name] = value

    # -- running ---------------------------------------------------------------
    def _on_change(self, change) -> None:
        if not self._holding:
            self.changed()

    def changed(self) -> None:
        """Run again because something the runs depend on changed outside the
        controls (a fixed parameter set directly): in the background inside a
        kernel, as a control's move would, else at once."""
        if self._in_background():
            self.request()
        else:
            self.run()

    def _in_background(self) -> bool:
        if self.background is not None:
            return self.background
        try:
            from IPython import get_ipython
        except ImportError:   # pragma: no cover
            return False
        ip = get_ipython()
        return ip is not None and getattr(ip, "kernel", None) is not None

    def request(self) -> None:
        """Ask for a run with the current settings and return at once.

        The status line says straight away that a run is under way. Moves
        that arrive while a run is going supersede each other: when its
        simulation ends, it is not drawn (its runs are kept for reuse) and
        one more run is made with the latest settings, so a burst of moves
        costs at most one simulation and one update after the last one.
        """
        with self._lock:
            self._wanted += 1
            self.status.value = _BUSY
            if self._worker is not None:
                return
            self._worker = threading.Thread(target=self._serve, name=f"{type(self).__name__} update", daemon=True)
            self._worker.start()

    def _serve(self) -> None:
        while True:
            with self._lock:
                serving = self._wanted
            self.run(superseded=lambda: self._wanted != serving)
            with self._lock:
                if self._wanted == serving:
                    self._worker = None
                    return

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the runs asked for are done; ``False`` if ``timeout`` ran out first."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True

    def run(self, notes=(), superseded=None) -> None:
        """Simulate with the current parameters and redraw (never raises).

        ``superseded()``, asked once the simulation is done, says whether
        newer settings are waiting: then the picture is left to their run."""
        self.runs += 1
        self.status.value = _BUSY
        params = self.params()
        timings: dict[str, float] = {}
        try:
            results = self.simulate(params, timings)
        except Exception as exc:
            self._show_error(f"Could not simulate: {error_message(exc)}")
            return
        if superseded is not None and superseded():
            return
        t0 = time.perf_counter()
        # One draw at a time: a drawing redrawn in place is shared by the runs
        # (a cell's update() may run while a slider's run is under way).
        with self._draw_lock:
            try:
                drawing, in_place = self._drawing, False
                self._drawing = None               # a drawing that failed half-way is not asked again
                if drawing is not None and self.redraw(drawing, results, params):
                    in_place = True
                else:
                    drawing = self.draw(results, params)
                fig = drawing if isinstance(drawing, Figure) else drawing.figure
                png = drawing.png(self.dpi) if hasattr(drawing, "png") else vp.figure_png(fig, dpi=self.dpi)
                numbers = self.summary_html(results)
            except Exception as exc:
                self._show_error(f"Could not draw: {error_message(exc)}")
                return
            self._drawing = None if isinstance(drawing, Figure) else drawing
        timings["draw"] = time.perf_counter() - t0
        self.results, self.figure, self.timings, self.error = results, fig, timings, None
        self.in_place = in_place
        width, height = fig.get_size_inches() * self.dpi
        # One update replaces the image: no empty moment, no flicker, nothing accumulates.
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": base64.b64encode(png).decode("ascii"),
                     "text/plain": f"<Figure {width:.0f}x{height:.0f}>"},
            "metadata": {},
        },)
        self.numbers.value = numbers
        self.status.value = self._timing_html(timings, notes)

    def _timing_html(self, timings: dict, notes=()) -> str:
        parts = [f"{vp.STYLE_LABELS.get(name, name)} " + ("unchanged" if seconds is None else f"{seconds * 1000:.0f} ms")
                 for name, seconds in timings.items() if name != "draw"]
        if "draw" in timings:
            parts.append(f"drawn in {timings['draw'] * 1000:.0f} ms")
        text = '<span style="color:#2a7a2a">&#x2713;</span> simulated ' + " · ".join(parts)
        for note in notes:
            text += f' &nbsp;<span style="color:#a05a00">({html.escape(note)})</span>'
        return f'<span style="color:#555">{text}</span>'

    def _show_error(self, message: str, clear: bool = True) -> None:
        """Say what went wrong, in the panel, in red. After a failed run the
        old picture goes (it no longer matches the controls); after a refused
        update nothing changed, so it stays."""
        self.error = message
        self.status.value = f'<span style="{_ERROR_STYLE}">{html.escape(message)}</span>'
        if clear:
            self.output.outputs = ()
            self.numbers.value = ""

    # -- display -----------------------------------------------------------------
    def _ipython_display_(self):
        from IPython.display import display

        if getattr(self, "parallel", False):
            workers.start()   # warm the workers up while the reader looks at the first picture
        display(self.widget)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {', '.join(self.controls) or 'no controls'}>"


def _differs(got, wanted) -> bool:
    try:
        if isinstance(got, tuple):
            return any(not math.isclose(float(a), float(b)) for a, b in zip(got, wanted))
        if isinstance(got, (int, float)) and not isinstance(got, bool):
            return not math.isclose(float(got), float(wanted))
    except (TypeError, ValueError):
        return False
    return False


def _short(value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:g}" for v in value) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)
