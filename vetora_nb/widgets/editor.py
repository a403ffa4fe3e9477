"""The design editor: forms that edit a :class:`~vetora_nb.studio.Design`, and its drawing.

A row of fields and buttons for each kind of element — services (name,
workers, mean service time), streams (name, partitions) and edges (a call,
a publication or a subscription, from → to) — a menu for the entry, one
checkbox per link saying whether it stays **synchronous in the twin**, and
a file row to load a shipped architecture or one of your own and to save
the design. After every edit the editor redraws the design next to its
twin (:func:`vetora_nb.plots.architecture`) or, when the design is not a
system yet, says what is wrong in words; it never shows a traceback.

>>> from vetora_nb.studio import Design
>>> editor = DesignEditor(Design("demo"))
>>> editor.fields["service"].value, editor.fields["workers"].value = "api", 2
>>> editor.buttons["add service"].click()
>>> editor.design.services, editor.problems
(['api'], [])

Whoever shows the runs listens with :meth:`DesignEditor.on_change`
(``editor.on_change(lambda design: ...)``): it is called with a copy of the
design after every edit, valid or not (notebook 13's studio hands it to its
run panel).
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Callable

import ipywidgets as W

from .. import plots as vp
from ..studio import Design, DesignError, shipped
from .parts import _ERROR_STYLE, error_message

__all__ = ["DesignEditor"]

_OK_STYLE = "color:#2a7a2a"
_NOTE_STYLE = "color:#555"
_EDGE_KINDS = [("call (waits)", "call"), ("publish to stream", "publish"), ("stream → consumer", "subscribe")]


def _field(widget_type, label: str, width: str = "190px", **kw):
    return widget_type(description=label, style={"description_width": "70px"}, layout=W.Layout(width=width), **kw)


def _row(*parts) -> W.HBox:
    return W.HBox(list(parts), layout=W.Layout(flex_flow="row wrap", align_items="center"))


def _button(label: str, tooltip: str = "") -> W.Button:
    return W.Button(description=label, tooltip=tooltip, layout=W.Layout(width="auto"))


class DesignEditor:
    """Edit ``design`` (default: an empty one) with forms; ``editor.widget`` shows them.

    Attributes a notebook (or a test) can read: ``design`` (the current
    :class:`~vetora_nb.studio.Design`), ``problems`` (what keeps it from being
    a system, in words), ``message`` (the last thing the editor said),
    ``figure`` (the latest drawing, ``None`` while the design has problems),
    ``fields`` and ``buttons`` (by name), ``sync_boxes`` (one checkbox per link).
    """

    dpi = 80

    def __init__(self, design: Design | None = None, *, folder: str | Path = "."):
        if design is not None and not isinstance(design, Design):
            raise TypeError(f"design must be a vetora_nb.studio.Design, got {design!r}")
        self.design = design if design is not None else Design()
        self.folder = Path(folder)
        self.problems: list[str] = []
        self.message = ""
        self.figure = None
        self._listeners: list[Callable] = []
        f = self.fields = {
            "service": _field(W.Text, "service", placeholder="name"),
            "workers": _field(W.BoundedIntText, "workers", "150px", value=2, min=1, max=64),
            "service_ms": _field(W.BoundedFloatText, "time (ms)", "160px", value=10.0, min=0.1, max=1000.0, step=0.5),
            "stream": _field(W.Text, "stream", placeholder="name"),
            "partitions": _field(W.BoundedIntText, "partitions", "150px", value=4, min=1, max=64),
            "edge_kind": _field(W.Dropdown, "edge", "230px", options=_EDGE_KINDS, value="call"),
            "edge_from": _field(W.Combobox, "from", "230px", ensure_option=False, placeholder="service or stream"),
            "edge_to": _field(W.Combobox, "to", "230px", ensure_option=False, placeholder="service or stream"),
            "entry": _field(W.Dropdown, "entry", options=[]),
            "shipped": _field(W.Dropdown, "shipped", "300px", options=list(shipped())),
            "path": _field(W.Text, "file", "300px", value="my_design.toml"),
        }
        b = self.buttons = {
            "add service": _button("add / update", "add the service, or set its workers and service time"),
            "remove service": _button("remove", "remove the service (its edges stay until you remove them)"),
            "add stream": _button("add / update", "add the stream, or set its partitions"),
            "remove stream": _button("remove", "remove the stream"),
            "add edge": _button("add"),
            "remove edge": _button("remove", "remove the edge from → to, whatever its kind"),
            "load shipped": _button("load", "start from this architecture of the collection"),
            "save": _button("save", "write the design to this file (TOML or JSON)"),
            "load file": _button("load", "read a design from this file"),
        }
        for name, button in b.items():
            button.on_click(lambda _button, name=name: self._act(name))
        f["entry"].observe(self._on_entry, names="value")
        f["service"].observe(self._on_service_name, names="value")
        self.sync_boxes: dict[tuple, W.Checkbox] = {}
        self._sync_box = W.HBox([], layout=W.Layout(flex_flow="row wrap", margin="0 0 0 76px"))
        self._message = W.HTML()
        self.drawing = W.Output(layout=W.Layout(min_height="80px"))
        self.widget = W.VBox([
            _row(f["service"], f["workers"], f["service_ms"], b["add service"], b["remove service"]),
            _row(f["stream"], f["partitions"], b["add stream"], b["remove stream"]),
            _row(f["edge_kind"], f["edge_from"], f["edge_to"], b["add edge"], b["remove edge"]),
            _row(f["entry"], W.HTML('<span style="color:#555;margin-left:12px">ticked: the link is a synchronous '
                                   'call in the twin; unticked: an event</span>')),
            self._sync_box,
            _row(f["shipped"], b["load shipped"], f["path"], b["save"], b["load file"]),
            self._message, self.drawing])
        self._changed("")

    # -- listening ------------------------------------------------------------------
    def on_change(self, callback: Callable) -> None:
        """Call ``callback(design)`` (a copy) after every edit, and once now."""
        self._listeners.append(callback)
        callback(self.design.copy())

    # -- edits ------------------------------------------------------------------------
    def _act(self, name: str) -> None:
        f, d = self.fields, self.design
        try:
            if name == "add service":
                service, ms = f["service"].value.strip(), f["service_ms"].value
                if service in d.services:
                    d.set_service(service, workers=f["workers"].value, service_time=ms / 1000)
                    note = f"set {service!r}: {f['workers'].value} workers, {ms:g} ms"
                else:
                    d.add_service(service, workers=f["workers"].value, service_time=ms / 1000)
                    note = f"added service {service!r}"
            elif name == "remove service":
                d.remove_service(f["service"].value.strip())
                note = f"removed service {f['service'].value.strip()!r}"
            elif name == "add stream":
                stream = f["stream"].value.strip()
                if stream in d.streams:
                    d.set_stream(stream, partitions=f["partitions"].value)
                    note = f"set {stream!r}: {f['partitions'].value} partitions"
                else:
                    d.add_stream(stream, partitions=f["partitions"].value)
                    note = f"added stream {stream!r}"
            elif name in ("add edge", "remove edge"):
                a, z, kind = f["edge_from"].value.strip(), f["edge_to"].value.strip(), f["edge_kind"].value
                if name == "remove edge":
                    d.remove_edge(a, z)
                    note = f"removed {a!r} → {z!r}"
                else:
                    {"call": d.add_call, "publish": d.add_publish, "subscribe": d.add_subscription}[kind](a, z)
                    note = f"added {kind} {a!r} → {z!r}"
            elif name == "remove stream":
                d.remove_stream(f["stream"].value.strip())
                note = f"removed stream {f['stream'].value.strip()!r}"
            elif name == "load shipped":
                self.design = Design.load(shipped()[f["shipped"].value])
                note = f"loaded {f['shipped'].value!r}"
            elif name == "load file":
                self.design = Design.load(self._path())
                note = f"loaded {str(self._path())!r}"
            elif name == "save":
                path = self.design.save(self._path())
                note = f"saved to {str(path)!r}"
            else:   # pragma: no cover - every button is handled above
                raise KeyError(name)
        except (ValueError, TypeError, KeyError, OSError) as exc:
            self._say(f"Could not {name}: {error_message(exc)}", error=True)
            return
        self._changed(note)

    def _path(self) -> Path:
        path = Path(self.fields["path"].value.strip())
        return path if path.is_absolute() else self.folder / path

    def _on_entry(self, change) -> None:
        if self._refreshing or change["new"] is None or change["new"] == self.design.entry:
            return
        self.design.entry = change["new"]
        self._changed(f"the entry is {change['new']!r}")

    def _on_service_name(self, change) -> None:
        """Typing the name of a service shows its workers and service time, ready to change."""
        if change["new"] in self.design.services:
            spec = self.design.service(change["new"])
            self.fields["workers"].value = spec["workers"]
            self.fields["service_ms"].value = round(spec["service_time"] * 1000, 3)

    def _on_sync(self, link, change) -> None:
        if self._refreshing:
            return
        self.design.set_sync(*link, bool(change["new"]))
        self._changed(f"{link[0]!r} → {link[1]!r} is {'a call' if change['new'] else 'an event'} in the twin")

    # -- after every edit -------------------------------------------------------------
    _refreshing = False

    def _changed(self, note: str) -> None:
        d = self.design
        self._refreshing = True
        try:
            names = d.services + d.streams
            self.fields["edge_from"].options = names
            self.fields["edge_to"].options = names
            self.fields["entry"].options = d.services
            self.fields["entry"].value = d.entry if d.entry in d.services else None
            chosen = set(d.twin_sync())
            self.sync_boxes = {}
            for a, b, sync in d.links():
                box = W.Checkbox(value=(a, b) in chosen, indent=False,
                                 layout=W.Layout(width="auto", margin="0 16px 0 0"),
                                 description=f"{a} → {b} ({'call' if sync else 'event'} in your design)")
                box.observe(lambda change, link=(a, b): self._on_sync(link, change), names="value")
                self.sync_boxes[(a, b)] = box
            self._sync_box.children = list(self.sync_boxes.values())
        finally:
            self._refreshing = False
        self.problems = d.problems()
        twin = None
        if not self.problems:
            try:
                twin = d.twin()
            except DesignError as exc:
                self.problems = exc.problems
        if self.problems:
            self.figure = None
            self.drawing.outputs = ()
            items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
            self._say((f"{note}. " if note else "") + "Not a system yet:", error=True, extra=f"<ul>{items}</ul>")
        else:
            self._draw(d.architecture(), twin)
            self._say(note or f"{len(d.services)} services, {len(d.streams)} streams, {len(d.edges)} edges")
        for listener in self._listeners:
            listener(d.copy())

    def _draw(self, arch, twin) -> None:
        self.figure = vp.architecture({f"your design: {arch.name}": arch, "its twin": twin})
        png = vp.figure_png(self.figure, dpi=self.dpi)
        self.drawing.outputs = ({"output_type": "display_data", "metadata": {},
                                 "data": {"image/png": base64.b64encode(png).decode("ascii"),
                                          "text/plain": "<the design and its twin>"}},)

    def _say(self, text: str, *, error: bool = False, extra: str = "") -> None:
        self.message = text + ("" if not extra else " " + " ".join(self.problems))
        style = _ERROR_STYLE if error else _OK_STYLE
        self._message.value = f'<div style="{style}">{html.escape(text)}</div>{extra}'

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<DesignEditor: {self.design!r}>"
