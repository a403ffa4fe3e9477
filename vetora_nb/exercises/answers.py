"""Answers as plain data: what a graded kernel sends the grader, and nothing more.

When a notebook is graded, the student's kernel does not judge anything.
It evaluates the answers the graded test cells name and sends them out as
JSON; the grader decodes them in its own process and judges them there, so
nothing the student's code does to ``vetora_nb`` inside the kernel (replacing
``ex.expect``, rebinding ``RATE``, patching a judge) changes a grade.

Plain data means what JSON holds plus a few tagged shapes: tuples, sets,
dicts with non-string keys, non-finite floats, numpy arrays, ``...`` (an
answer not given yet), and the package's own value objects — distributions,
faults, circuit breakers and whole :class:`~vetora_nb.Architecture` designs,
rebuilt on the grader's side through their public constructors (so a design
passes the same validation as one built by hand):

>>> import vetora_nb as vn
>>> arch = vn.Architecture("tiny")
>>> arch.add_service("api", workers=2, service_time=vn.Constant(0.01))
>>> arch.entry = "api"
>>> back = decode(encode({"design": arch, "n": (1, 2.5), "blank": ...}))
>>> back["design"].graph.nodes["api"]["service_time"], back["n"], back["blank"]
(Constant(value=0.01), (1, 2.5), Ellipsis)

Anything else — a function, a simulation ``Result``, an object of the
student's own class — is refused with a reason the feedback can quote:

>>> encode(lambda: 1)
Traceback (most recent call last):
...
TypeError: a function is not an answer the grader can take (numbers, strings, lists, dicts and vn designs are)

The values a check needs from *before* the first answer cell (the
notebook's parameters, a helper of the package such as ``nb07.shipping_only``)
are sent the same way by :func:`snapshot`; only there may a module, function
or class travel, as a reference the grader imports itself
(``refs=True``). Answers never carry references.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import sys
import types

__all__ = ["MIME", "encode", "decode", "snapshot", "collect", "MAX_BYTES"]

#: The MIME type of the records a graded kernel displays.
MIME = "application/vnd.vetora.answers+json"
#: One value larger than this (as JSON) is refused: an answer is small.
MAX_BYTES = 2_000_000
_MAX_DEPTH = 40
_MAX_ITEMS = 200_000


def _value_classes() -> dict:
    """The package's value objects that may travel, by class name."""
    from .. import architecture, distributions, faults

    found = {}
    for module in (distributions, faults, architecture):
        for name in dir(module):
            cls = getattr(module, name)
            if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
                found[name] = cls
    found.pop("Fault", None)
    return found


def _what(value) -> str:
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return "a function"
    if isinstance(value, types.ModuleType):
        return "a module"
    if isinstance(value, type):
        return "a class"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


class _Encoder:
    def __init__(self, refs: bool):
        self.refs = refs
        self.items = 0
        self.classes = None

    def __call__(self, value, depth=0):
        self.items += 1
        if self.items > _MAX_ITEMS or depth > _MAX_DEPTH:
            raise ValueError("the answer is too large or too deeply nested to send to the grader")
        if value is None or isinstance(value, bool):
            return bool(value) if value is not None else None
        if value is Ellipsis:
            return {"__ellipsis__": True}
        if isinstance(value, int):
            return int.__index__(value) if type(value) is not int else value
        if isinstance(value, float):
            value = float(value)
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, str):
            return str.__str__(value) if type(value) is not str else value
        if isinstance(value, (list, tuple, set, frozenset)):
            items = [self(v, depth + 1) for v in (list(value) if not isinstance(value, (set, frozenset))
                                                  else sorted(value, key=repr))]
            if isinstance(value, list):
                return items
            return {"__tuple__": items} if isinstance(value, tuple) else {"__set__": items}
        if isinstance(value, dict):
            pairs = list(dict.items(value))
            if all(type(k) is str and not k.startswith("__") for k, _ in pairs):
                return {k: self(v, depth + 1) for k, v in pairs}
            return {"__dict__": [[self(k, depth + 1), self(v, depth + 1)] for k, v in pairs]}
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            if isinstance(value, numpy.generic):
                return self(value.item(), depth)
            if isinstance(value, numpy.ndarray):
                if value.dtype.kind not in "biuf":
                    raise TypeError("a numpy array of objects is not an answer the grader can take")
                return {"__ndarray__": self(value.tolist(), depth + 1)}
        from ..architecture import Architecture

        if isinstance(value, Architecture):
            return {"__architecture__": self._architecture(value, depth)}
        if self.classes is None:
            self.classes = _value_classes()
        cls = self.classes.get(type(value).__name__)
        if cls is not None and type(value) is cls:
            fields = {f.name: self(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value)}
            return {"__vn__": type(value).__name__, "fields": fields}
        if self.refs:
            ref = _reference(value)
            if ref is not None:
                return {"__ref__": ref}
        raise TypeError(f"{_what(value)} is not an answer the grader can take "
                        "(numbers, strings, lists, dicts and vn designs are)")

    def _architecture(self, arch, depth):
        graph = arch.graph
        return {
            "name": self(arch.name, depth + 1),
            "entry": self(arch.entry, depth + 1),
            "nodes": [[self(n, depth + 1), self(dict(attrs), depth + 1)] for n, attrs in graph.nodes(data=True)],
            "edges": [[self(a, depth + 1), self(b, depth + 1), self(dict(attrs), depth + 1)]
                      for a, b, attrs in graph.edges(data=True)],
        }


def _reference(value) -> str | None:
    """``"module:qualname"`` for a module, class or function the grader can import."""
    if isinstance(value, types.ModuleType):
        name, qual = value.__name__, ""
    elif isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        name, qual = getattr(value, "__module__", None), getattr(value, "__qualname__", "")
        if not name or "<" in qual:
            return None
    else:
        return None
    if name == "__main__" or name is None:
        return None
    return f"{name}:{qual}"


def encode(value, *, refs: bool = False):
    """``value`` as plain JSON-able data; raises TypeError / ValueError saying why not."""
    out = _Encoder(refs)(value)
    size = len(json.dumps(out))
    if size > MAX_BYTES:
        raise ValueError(f"the answer is too large to send to the grader ({size:,} bytes as JSON)")
    return out


def decode(data, *, refs: bool = False):
    """The value :func:`encode` made ``data`` from (``refs``: also resolve references)."""
    return _Decoder(refs)(data)


class _Decoder:
    def __init__(self, refs: bool):
        self.refs = refs
        self.classes = None

    def __call__(self, data):
        if isinstance(data, list):
            return [self(v) for v in data]
        if not isinstance(data, dict):
            if data is None or isinstance(data, (bool, int, float, str)):
                return data
            raise TypeError(f"not plain data: {type(data).__name__}")
        if len(data) == 1 or "__vn__" in data:
            (tag, body), = list(data.items())[:1]
            if tag == "__ellipsis__":
                return Ellipsis
            if tag == "__float__":
                return float(body)
            if tag == "__tuple__":
                return tuple(self(v) for v in body)
            if tag == "__set__":
                return set(self(v) for v in body)
            if tag == "__dict__":
                return {self(k): self(v) for k, v in body}
            if tag == "__ndarray__":
                import numpy

                return numpy.array(self(body))
            if tag == "__architecture__":
                return self._architecture(body)
            if tag == "__vn__":
                if self.classes is None:
                    self.classes = _value_classes()
                cls = self.classes.get(data["__vn__"])
                if cls is None:
                    raise TypeError(f"unknown value object {data['__vn__']!r}")
                return cls(**{k: self(v) for k, v in data["fields"].items()})
            if tag == "__ref__":
                if not self.refs:
                    raise TypeError("an answer cannot carry a reference to code")
                return _resolve(body)
        return {k: self(v) for k, v in data.items()}

    def _architecture(self, body):
        from ..architecture import Architecture

        arch = Architecture(self(body["name"]))
        adders = {"service": arch.add_service, "stream": arch.add_stream}
        for name, attrs in body["nodes"]:
            attrs = self(attrs)
            kind = attrs.pop("kind", None)
            if kind not in adders:
                raise ValueError(f"node {name!r} has no known kind ({kind!r})")
            adders[kind](name, **attrs)
        links = {"call": arch.add_call, "subscribe": arch.add_subscription}
        for a, b, attrs in body["edges"]:
            attrs = self(attrs)
            kind = attrs.pop("kind", None)
            if kind == "publish":
                if attrs:
                    raise TypeError(f"publish {a!r} -> {b!r} takes no settings, got {sorted(attrs)}")
                arch.add_publish(a, b)
            elif kind in links:
                links[kind](a, b, **attrs)
            else:
                raise ValueError(f"edge {a!r} -> {b!r} has no known kind ({kind!r})")
        arch.entry = self(body["entry"])
        return arch


def _resolve(ref: str):
    module_name, _, qual = ref.partition(":")
    value = importlib.import_module(module_name)
    for part in filter(None, qual.split(".")):
        value = getattr(value, part)
    return value


# -- the kernel's side -------------------------------------------------------------

def _emit(record: dict) -> None:
    from IPython.display import display

    display({MIME: record}, raw=True)


def _evaluate(namespace: dict, assigns, units: dict, *, refs: bool) -> dict:
    """Run ``assigns`` (``name = source`` pairs, errors ignored) then every unit, as data."""
    for name, source in assigns:
        try:
            namespace[name] = eval(source, namespace)  # noqa: S307 - the instructor's own test code
        except Exception:
            pass
    values = {}
    for uid, source in units.items():
        try:
            values[uid] = {"value": encode(eval(source, namespace), refs=refs)}  # noqa: S307
        except BaseException as err:  # noqa: BLE001 - anything the student's code raises is feedback
            if isinstance(err, KeyboardInterrupt):
                raise
            values[uid] = {"error": f"{type(err).__name__}: {err}"}
    return values


def snapshot(plan: dict) -> None:
    """Send the values the checks need from before the first answer (the grader inserts this).

    ``plan`` maps a test cell's ``grade_id`` to ``(assignments, units)``:
    the cell's own helper assignments that need no answer, and the
    expressions to evaluate, each as source text.
    """
    import __main__

    package = sys.modules.get("vetora_nb")
    for cell, (assigns, units) in plan.items():
        values = _evaluate(dict(vars(__main__)), assigns, units, refs=True)
        _emit({"kind": "snapshot", "cell": cell, "values": values,
               "package": getattr(package, "__file__", None)})


def collect(cell: str, assigns, units: dict) -> None:
    """Send the answers one graded test cell names (the grader puts this in its place)."""
    import __main__

    _emit({"kind": "answers", "cell": cell,
           "values": _evaluate(dict(vars(__main__)), assigns, units, refs=False)})
