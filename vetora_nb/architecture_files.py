"""Architectures as files: save a system, hand it out, load it back.

An instructor can give a class a system as a small TOML file (or JSON, by
the file's extension), and a student can keep a design. The file says what
the :class:`~vetora_nb.architecture.Architecture` calls would say, with the
same names::

    name = "event_driven"
    entry = "orders"

    [services.orders]
    workers = 16
    service_time = { kind = "exponential", mean = 0.004 }
    queue_capacity = 50

    [streams.order-placed]
    partitions = 4

    [[publications]]
    service = "orders"
    stream = "order-placed"

    [[subscriptions]]
    stream = "order-placed"
    service = "inventory"
    max_attempts = 3

- ``[services.<name>]`` and ``[streams.<name>]`` take the keywords of
  ``add_service`` and ``add_stream``; ``[[calls]]`` (``caller``, ``callee``),
  ``[[publications]]`` (``service``, ``stream``) and ``[[subscriptions]]``
  (``stream``, ``service``) those of ``add_call``, ``add_publish`` and
  ``add_subscription``. A key left out takes the method's default; so does
  "none" (TOML has no null: an unbounded queue, a stream kept forever, no
  circuit breaker are written by leaving the key out).
- A distribution is an inline table naming its kind and its fields,
  ``{ kind = "lognormal", mean = 0.006, cv = 3.0 }``; a plain number is a
  constant. A circuit breaker is ``{ failure_threshold = 5, reset_timeout = 5.0 }``.
- Nodes are added services first, then streams, unless a top-level
  ``nodes = [...]`` gives their order; edges in the order the file lists
  them, so a service's calls are made in file order.

:func:`save` writes every key (a file that lists every knob is easier to
edit than one that hides the defaults); :func:`load` builds the architecture
through the same ``add_*`` calls, so a file is validated like code. A round
trip is exact: ``load(save(arch))`` has the same nodes, edges, attributes,
distributions, breakers and entry (see
:meth:`~vetora_nb.architecture.Architecture.differences`).

>>> import vetora_nb as vn
>>> text = dumps(vn.scenarios.order_placed("event_driven"))
>>> print(text.split("[services.inventory]")[0])  # doctest: +NORMALIZE_WHITESPACE
# A vetora_nb architecture: vn.load_architecture(path) reads it.
version = 1
name = "event_driven"
entry = "orders"
<BLANKLINE>
[services.orders]
workers = 16
service_time = { kind = "exponential", mean = 0.004 }
queue_capacity = 50
error_rate = 0.0
fanout = "parallel"
>>> loads(text).differences(vn.scenarios.order_placed("event_driven"))
[]

A mistake in a file is reported with the key, and the line where the file
has one:

>>> loads(text.replace("workers = 16", "workers = 0"))
Traceback (most recent call last):
...
vetora_nb.architecture_files.ArchitectureFileError: <string>, line 7: services.orders.workers: workers must be >= 1, got 0
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import math
import re
import sys
from pathlib import Path

from .architecture import Architecture, CircuitBreaker
from .distributions import Constant, Distribution, Exponential, LogNormal, Uniform

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["save", "load", "dumps", "loads", "to_dict", "from_dict", "ArchitectureFileError",
           "DISTRIBUTIONS", "VERSION"]

VERSION = 1

#: The distribution kinds a file can name, with the class each one builds.
DISTRIBUTIONS = {"constant": Constant, "exponential": Exponential, "lognormal": LogNormal, "uniform": Uniform}

_EDGES = {   # file section -> (Architecture method, the two keys naming its ends)
    "calls": ("add_call", ("caller", "callee")),
    "publications": ("add_publish", ("service", "stream")),
    "subscriptions": ("add_subscription", ("stream", "service")),
}
_NODES = {"services": "add_service", "streams": "add_stream"}
#: The roles Architecture's errors name a node by, and the file key that names it.
_ROLES = {"caller": "caller", "callee": "callee", "publisher": "service", "subscriber": "service",
          "stream": "stream"}
_TOP = ("version", "name", "entry", "nodes", *_NODES, *_EDGES)


class ArchitectureFileError(ValueError):
    """A file that does not describe an architecture.

    ``key`` is the dotted path of what is wrong (``'services.orders.workers'``,
    ``'calls[2].callee'``), ``line`` its line in the file when known.
    """

    def __init__(self, problem: str, *, key: str | None = None, line: int | None = None,
                 source: str = "<string>"):
        self.problem, self.key, self.line, self.source = problem, key, line, source
        where = source + (f", line {line}" if line else "")
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


def _keywords(method: str) -> list[str]:
    params = inspect.signature(getattr(Architecture, method)).parameters.values()
    return [p.name for p in params if p.kind is p.KEYWORD_ONLY]


# -- to a dict and back --------------------------------------------------------------

def _value_to_file(value):
    if isinstance(value, Distribution):
        kind = next((k for k, cls in DISTRIBUTIONS.items() if type(value) is cls), None)
        if kind is None:
            raise TypeError(f"{type(value).__name__} has no file form; known kinds: {list(DISTRIBUTIONS)}")
        return {"kind": kind, **{f.name: getattr(value, f.name) for f in dataclasses.fields(value)}}
    if isinstance(value, CircuitBreaker):
        return dataclasses.asdict(value)
    return value


def _attrs_to_file(attrs: dict, method: str) -> dict:
    return {k: _value_to_file(attrs[k]) for k in _keywords(method) if attrs.get(k) is not None}


def to_dict(arch: Architecture) -> dict:
    """The file's content as plain data (strings, numbers, booleans, lists, dicts)."""
    if not isinstance(arch, Architecture):
        raise TypeError(f"arch must be a vn.Architecture, got {arch!r}")
    g = arch.graph
    out: dict = {"version": VERSION, "name": arch.name}
    if arch.entry is not None:
        out["entry"] = arch.entry
    if list(g) != arch.services + arch.streams:
        out["nodes"] = list(g)
    for section, method in _NODES.items():
        kind = section[:-1]
        table = {n: _attrs_to_file(d, method) for n, d in g.nodes(data=True) if d["kind"] == kind}
        if table:
            out[section] = table
    kinds = {"call": "calls", "publish": "publications", "subscribe": "subscriptions"}
    for a, b, d in g.edges(data=True):
        method, ends = _EDGES[kinds[d["kind"]]]
        out.setdefault(kinds[d["kind"]], []).append({ends[0]: a, ends[1]: b, **_attrs_to_file(d, method)})
    return out


class _Reader:
    """Builds an architecture from file data, naming the key of any mistake."""

    def __init__(self, source: str, lines=None):
        self.source = source
        self.lines = lines   # a _Lines for TOML text, else None

    def fail(self, problem: str, path: tuple):
        key = "".join(f"[{p}]" if isinstance(p, int) else (("." if i else "") + str(p))
                      for i, p in enumerate(path)) or None
        line = self.lines.find(path) if self.lines is not None and path else None
        raise ArchitectureFileError(problem, key=key, line=line, source=self.source) from None

    def table(self, value, path) -> dict:
        if not isinstance(value, dict):
            self.fail(f"must be a table, got {value!r}", path)
        return value

    def distribution(self, value, path):
        if isinstance(value, Distribution) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            return value   # the add_* method checks it (a number is a constant)
        spec = dict(self.table(value, path))
        kind = spec.pop("kind", None)
        if kind not in DISTRIBUTIONS:
            self.fail(f"kind must be one of {list(DISTRIBUTIONS)}, got {kind!r}", path + ("kind",))
        cls = DISTRIBUTIONS[kind]
        fields = [f.name for f in dataclasses.fields(cls)]
        for k in spec:
            if k not in fields:
                self.fail(f"unknown key for the {kind} distribution; its keys: {fields}", path + (k,))
        try:
            return cls(**spec)
        except TypeError as exc:
            missing = [f.name for f in dataclasses.fields(cls) if f.name not in spec
                       and f.default is dataclasses.MISSING]
            self.fail(f"{exc}" if not missing else f"the {kind} distribution needs {missing}", path)
        except ValueError as exc:
            key = next((k for k in spec if str(exc).startswith(k)), None)
            self.fail(str(exc), path + ((key,) if key else ()))

    def breaker(self, value, path):
        spec = self.table(value, path)
        fields = [f.name for f in dataclasses.fields(CircuitBreaker)]
        for k in spec:
            if k not in fields:
                self.fail(f"unknown key for a circuit breaker; its keys: {fields}", path + (k,))
        try:
            return CircuitBreaker(**spec)
        except (TypeError, ValueError) as exc:
            self.fail(str(exc), path + tuple(k for k in spec if str(exc).startswith(k))[:1])

    def keywords(self, spec: dict, method: str, path: tuple, skip=()) -> dict:
        known = _keywords(method)
        out = {}
        for k, v in spec.items():
            if k in skip:
                continue
            if k not in known:
                self.fail(f"unknown key; {method.replace('add_', 'a ')} takes {list(skip) + known}", path + (k,))
            if k in ("service_time", "append_latency", "delivery_latency", "latency"):
                v = self.distribution(v, path + (k,))
            elif k == "circuit_breaker":
                v = self.breaker(v, path + (k,))
            out[k] = v
        return out

    def call(self, path: tuple, spec: dict, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``; an error names the keyword it is about."""
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError, KeyError) as exc:
            msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            key = next((k for k in spec if re.match(rf"{re.escape(k)}\b", msg)), None)
            role = re.search(r"\(as (\w+)\)|^(\w+) '", msg)
            if key is None and role:   # an unknown or wrong node: name the end that named it
                key = _ROLES.get(role.group(1) or role.group(2))
                key = key if key in spec else None
            self.fail(msg, path + ((key,) if key else ()))

    def build(self, data) -> Architecture:
        data = self.table(data, ())
        for k in data:
            if k not in _TOP:
                self.fail(f"unknown key; a file's top-level keys are {list(_TOP)}", (k,))
        version = data.get("version", VERSION)
        if version != VERSION:
            self.fail(f"this is format version {version!r}; this vetora_nb reads version {VERSION}", ("version",))
        if "name" not in data:
            self.fail("missing: every architecture has a name (name = \"...\")", ("name",))
        arch = self.call(("name",), {}, Architecture, data["name"])
        sections = {s: self.table(data.get(s, {}), (s,)) for s in _NODES}
        order = [(s, n) for s in _NODES for n in sections[s]]
        if "nodes" in data:
            nodes = data["nodes"]
            kind_of = {n: s for s, n in order}
            if not isinstance(nodes, list) or sorted(map(str, nodes)) != sorted(kind_of) or len(set(nodes)) != len(nodes):
                self.fail(f"must list every service and stream once, got {nodes!r}; "
                          f"services and streams: {list(kind_of)}", ("nodes",))
            order = [(kind_of[n], n) for n in nodes]
        for section, name in order:
            path = (section, name)
            spec = self.table(sections[section][name], path)
            kwargs = self.keywords(spec, _NODES[section], path)
            self.call(path, spec, getattr(arch, _NODES[section]), name, **kwargs)
        for section, (method, ends) in _EDGES.items():
            rows = data.get(section, [])
            if not isinstance(rows, list):
                self.fail("must be an array of tables ([[" + section + "]])", (section,))
            for i, spec in enumerate(rows):
                path = (section, i)
                spec = self.table(spec, path)
                for end in ends:
                    if end not in spec:
                        self.fail(f"missing: each of {section} names its {ends[0]} and {ends[1]}", path + (end,))
                kwargs = self.keywords(spec, method, path, skip=ends)
                self.call(path, spec, getattr(arch, method), spec[ends[0]], spec[ends[1]], **kwargs)
        if "entry" in data:
            self.call(("entry",), {}, setattr, arch, "entry", data["entry"])
        try:
            arch.validate()
        except ValueError as exc:
            self.fail(str(exc), ("calls",) if "synchronous" in str(exc) else ())
        return arch


def from_dict(data: dict, *, source: str = "<dict>") -> Architecture:
    """The architecture that file data (as :func:`to_dict` makes it) describes."""
    return _Reader(source).build(data)


# -- TOML text -------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _string(s: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
                         for c in s) + '"'


def _key(k: str) -> str:
    return k if _BARE.match(k) else _string(k)


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"no TOML form for {v!r}")


def dumps(arch: Architecture) -> str:
    """The architecture as TOML text (what :func:`save` writes)."""
    data = to_dict(arch)
    out = ["# A vetora_nb architecture: vn.load_architecture(path) reads it."]
    out += [f"{k} = {_toml_value(data[k])}" for k in ("version", "name", "entry", "nodes") if k in data]
    for section in _NODES:
        for name, spec in data.get(section, {}).items():
            out += ["", f"[{section}.{_key(name)}]"] + [f"{k} = {_toml_value(v)}" for k, v in spec.items()]
    for section in _EDGES:
        for spec in data.get(section, []):
            out += ["", f"[[{section}]]"] + [f"{k} = {_toml_value(v)}" for k, v in spec.items()]
    return "\n".join(out) + "\n"


class _Lines:
    """Where each key of a TOML text is, for error messages.

    A small scan of table headers and ``key =`` lines, enough for the files
    this module writes and for hand edits of them (not a TOML parser: the
    text has already been parsed by the time a line is looked up)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
    _ASSIGN = re.compile(r"""^\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")

    def __init__(self, text: str):
        self.where: dict[tuple, int] = {}
        counts: dict[tuple, int] = {}
        table: tuple = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = self._HEADER.match(line)
            if header and not line.lstrip().startswith("#"):
                parts = tuple(self._parts(header.group(2)))
                if header.group(1) == "[[":
                    i = counts.get(parts, 0)
                    counts[parts] = i + 1
                    parts = parts + (i,)
                table = parts
                self.where.setdefault(table, number)
                continue
            assign = self._ASSIGN.match(line)
            if assign:
                self.where.setdefault(table + (self._unquote(assign.group(1)),), number)

    @staticmethod
    def _unquote(k: str) -> str:
        return json.loads(k) if k.startswith('"') else k.strip("'")

    def _parts(self, dotted: str):
        for part in re.findall(r"""("(?:[^"\\]|\\.)*"|'[^']*'|[^.\s]+)""", dotted):
            yield self._unquote(part)

    def find(self, path: tuple) -> int | None:
        """The line of ``path``, or of the nearest enclosing key that has one."""
        while path:
            if path in self.where:
                return self.where[path]
            path = path[:-1]
        return None


def loads(text: str, *, source: str = "<string>") -> Architecture:
    """The architecture a TOML text describes."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        raise ArchitectureFileError(f"not valid TOML: {exc}", line=int(m.group(1)) if m else None,
                                    source=source) from None
    return _Reader(source, _Lines(text)).build(data)


# -- files -------------------------------------------------------------------------

def _path(path) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a file name, got {path!r}")
    path = Path(path)
    if path.suffix not in (".toml", ".json"):
        raise ValueError(f"path must end in .toml or .json, got {str(path)!r}")
    return path


def save(arch: Architecture, path) -> Path:
    """Write ``arch`` to ``path`` (``.toml``, or ``.json`` for JSON); returns the path."""
    path = _path(path)
    text = dumps(arch) if path.suffix == ".toml" else json.dumps(to_dict(arch), indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def load(path) -> Architecture:
    """Read the architecture in ``path`` (``.toml`` or ``.json``)."""
    path = _path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        return loads(text, source=str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArchitectureFileError(f"not valid JSON: {exc.msg}", line=exc.lineno, source=str(path)) from None
    return _Reader(str(path)).build(data)
