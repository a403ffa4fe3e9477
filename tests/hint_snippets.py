"""Code the prose tells a student to type, found and run in the notebook's namespace.

A helper module for the tests (not collected itself). Two places tell a
student what to type:

- **inline code in Markdown cells**, such as
  ``vn.theory.backlog_drain_time(backlog=1000, capacity=100, arrival_rate=100)``
  between backticks (fenced blocks are listings, not instructions, and are
  left out);
- **exercise hints**, the ``hint=`` of ``ex.register(...)`` in
  ``vetora_nb/exercises/nbNN_*.py``, plain sentences with code inside them
  ("Run nb11.run_drill('hybrid', rate=RATE, seed=SEED) and ...").

:func:`markdown_snippets` and :func:`hint_snippets` pick out the fragments
that are Python: they parse, and they reach for something by name (an
attribute such as ``vn.theory``, a call, an index, or an UPPER_CASE
parameter). Words that only look like code (``order-placed``, ``min(partitions,
instances) × μ``, ``linger.ms``) are left alone.

:func:`check_snippets` then judges each fragment against a namespace (a
notebook's globals after it ran):

- every module, object and parameter it names must exist there: the root of
  each attribute chain (``nb11`` in ``nb11.run_drill``), each attribute along
  the chain, each indexed name, each UPPER_CASE name. A missing one is what
  the student would get: ``NameError`` or ``AttributeError``;
- a fragment whose every name exists, with no ``...`` left to fill in, is
  executed (in a copy of the namespace, its printing swallowed), and any
  exception it raises is reported;
- a fragment that leaves names for the student to choose (``es.state_at(run,
  STREAM, T)`` in a notebook without ``run``) is a template: only what it
  names by attribute is checked;
- a call of a plain name that does not exist (``summary()``,
  ``add_subscription(...)``) names a method in words, not code to type: it
  is skipped.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import re
import traceback
from dataclasses import asdict, dataclass

#: Dotted words that are not Python: Kafka settings the prose mentions, abbreviations.
NOT_PYTHON = frozenset({
    "linger.ms", "fetch.min.bytes", "fetch.max.wait.ms", "retention.ms", "cleanup.policy",
    "e.g", "i.e",
})

#: Capitalised words of the prose that are abbreviations, not parameters.
ABBREVIATIONS = frozenset({
    "RR", "ED", "SLO", "SLOs", "DLQ", "CQRS", "API", "APIs", "CPU", "HTTP", "ID", "IDs", "OK", "TCP", "URL",
    "CDF", "CSV", "JSON", "PNG", "SQL", "UI", "I", "A",
})

_FILE = re.compile(r"\w\.(?:py|ipynb|csv|md|txt|json|png|toml|cfg|ya?ml)\b")
_UPPER = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*")
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?^\1\2[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Snippet:
    """A fragment of code and where a student reads it."""
    code: str
    where: str


@dataclass(frozen=True)
class Verdict:
    """What became of one snippet: ``ran`` (executed), ``named`` (a bare
    dotted name, looked up), ``template`` (only its names checked) or
    ``prose`` (skipped); ``error`` says what a student typing it gets."""
    code: str
    where: str
    outcome: str
    error: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


# -- finding snippets ---------------------------------------------------------------

def markdown_snippets(markdown: str) -> list[str]:
    """The inline code spans of ``markdown`` that are Python to type, in order."""
    if not isinstance(markdown, str):
        raise TypeError(f"markdown must be a str, got {type(markdown).__name__}")
    text = _FENCE.sub("", markdown)
    found = []
    for match in _INLINE_CODE.finditer(text):
        code = match.group(2).strip()
        if _is_code(code):
            found.append(code)
    return found


def hint_snippets(hint: str) -> list[str]:
    """The fragments of Python in a sentence of prose, in order.

    A fragment starts at a name and takes the attributes, calls and indexes
    written right after it (``vn.Slowdown('projection', 0, math.inf, SLOWDOWN)``,
    ``es.catch_up(...)['catch_up_time']``); UPPER_CASE words (``RATE``,
    ``SEED``) that are not :data:`ABBREVIATIONS` count as fragments too.
    """
    if not isinstance(hint, str):
        raise TypeError(f"hint must be a str, got {type(hint).__name__}")
    found, i = [], 0
    while i < len(hint):
        match = re.compile(r"(?<![\w.])[A-Za-z_]\w*").search(hint, i)
        if match is None:
            break
        end = _fragment_end(hint, match.start())
        code = hint[match.start():end]
        i = max(end, match.end())
        if code in ABBREVIATIONS:
            continue
        if ("." in code or "(" in code or "[" in code or _UPPER.fullmatch(code)) and _is_code(code):
            found.append(code)
    return found


def _fragment_end(text: str, start: int) -> int:
    """Where the name at ``start``, with its attributes, calls and indexes, ends."""
    i = re.compile(r"[A-Za-z_]\w*").match(text, start).end()
    while i < len(text):
        ch = text[i]
        if ch == "." and (m := re.compile(r"\.[A-Za-z_]\w*").match(text, i)):
            i = m.end()
        elif ch in "([":
            close = _balanced(text, i)
            if close is None:
                break
            i = close
        else:
            break
    return i


def _balanced(text: str, i: int) -> int | None:
    """The index after the bracket closing the one at ``i`` (quotes respected), or None."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack, quote = [], None
    for k in range(i, len(text)):
        ch = text[k]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if not stack or ch != stack.pop():
                return None
            if not stack:
                return k + 1
    return None


def _parse(code: str):
    """``(tree, mode)`` for a Python expression or one simple statement, else ``None``."""
    for mode in ("eval", "exec"):
        try:
            tree = ast.parse(code, mode=mode)
        except SyntaxError:
            continue
        if mode == "exec" and (len(tree.body) != 1 or isinstance(tree.body[0], ast.Expr)):
            return None
        return tree, mode
    return None


def _is_code(code: str) -> bool:
    """Python that reaches for something by name (see the module docstring)."""
    if not code or code in NOT_PYTHON or "\n\n" in code or _FILE.search(code):
        return False             # not code, or a file's name (``tests/notebook_probe.py``)
    parsed = _parse(code)
    if parsed is None:
        return False
    tree, _ = parsed
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            return True
        if isinstance(node, ast.Name) and _UPPER.fullmatch(node.id) and len(node.id) >= 2:
            return True
    return False


def notebook_snippets(nb) -> list[Snippet]:
    """Every :func:`markdown_snippets` of a notebook's Markdown cells, with its cell."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found += [Snippet(code, f"markdown cell {index}") for code in markdown_snippets(cell.source)]
    return list(dict.fromkeys(found))


def exercise_snippets(notebook_number: str, registry: dict) -> list[Snippet]:
    """The :func:`hint_snippets` of every exercise of notebook ``notebook_number``
    ("07") in ``registry`` (``vetora_nb.exercises.registry()``)."""
    found = []
    for exercise_id, exercise in sorted(registry.items()):
        if exercise_id.split(".")[0] == notebook_number:
            found += [Snippet(code, f"hint of {exercise_id}") for code in hint_snippets(exercise.hint)]
    return list(dict.fromkeys(found))


# -- judging snippets ------------------------------------------------------------------

_MISSING = object()


def _lookup(name: str, namespace: dict):
    if name in namespace:
        return namespace[name]
    return getattr(builtins, name, _MISSING)


def _chain(node) -> list[str] | None:
    """``['vn', 'theory', 'x']`` for the attribute chain ``vn.theory.x``; None if it does not start at a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id] + parts[::-1]
    return None


def _bound_names(tree) -> set[str]:
    """Names the snippet binds itself (assignment targets, loop, lambda and comprehension variables)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound


def _references(tree) -> list[list[str]]:
    """What the snippet names and a student's namespace must hold: attribute
    chains from a name, indexed names and UPPER_CASE names."""
    refs, inner = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            chain = _chain(node)
            if chain:
                refs.append(chain)
                sub = node.value
                while isinstance(sub, ast.Attribute):
                    inner.add(id(sub))
                    sub = sub.value
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            refs.append([node.value.id])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and _UPPER.fullmatch(node.id) \
                and len(node.id) >= 2:
            refs.append([node.id])
    return refs


def _resolve(chain: list[str], namespace: dict, *, importable: bool = False) -> str | None:
    """Why ``chain`` cannot be reached in ``namespace`` (the error a student gets), or None.

    With ``importable`` a root that is not in the namespace may be a module
    to import (prose naming ``pandas.Series`` names a type; it does not ask
    for ``pandas`` to be imported already)."""
    value = _lookup(chain[0], namespace)
    if value is _MISSING and importable:
        try:
            value = importlib.import_module(chain[0])
        except ImportError:
            pass
    if value is _MISSING:
        return f"NameError: name {chain[0]!r} is not defined"
    for k, attr in enumerate(chain[1:], start=1):
        try:
            value = getattr(value, attr)
        except Exception as exc:     # AttributeError, or a property that fails
            return f"{type(exc).__name__}: {'.'.join(chain[:k])} has no attribute {attr!r}"
    return None


def check_snippet(snippet: Snippet, namespace: dict) -> Verdict:
    """Judge one snippet against ``namespace`` (see the module docstring)."""
    parsed = _parse(snippet.code)
    if parsed is None:
        return Verdict(snippet.code, snippet.where, "prose")
    tree, mode = parsed
    bound = _bound_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in bound \
                and _lookup(node.func.id, namespace) is _MISSING and not _UPPER.fullmatch(node.func.id):
            return Verdict(snippet.code, snippet.where, "prose")
    # A bare dotted name (``pandas.Series``) names a thing; anything more is code to type.
    bare = mode == "eval" and _chain(tree.body) is not None and len(_chain(tree.body)) > 1
    seen = set()
    for chain in _references(tree):
        if chain[0] in bound or tuple(chain) in seen:
            continue
        seen.add(tuple(chain))
        why = _resolve(chain, namespace, importable=bare)
        if why:
            return Verdict(snippet.code, snippet.where, "template", why)
    if bare:
        return Verdict(snippet.code, snippet.where, "named")   # looked up above: nothing more to run
    free = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound
    placeholder = any(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(tree))
    if placeholder or any(_lookup(name, namespace) is _MISSING for name in free):
        return Verdict(snippet.code, snippet.where, "template")
    scope = dict(namespace)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = compile(tree, f"<{snippet.where}>", mode)
            eval(code, scope) if mode == "eval" else exec(code, scope)
    except BaseException as exc:      # noqa: BLE001 - whatever the student would see
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Verdict(snippet.code, snippet.where, "ran", last)
    return Verdict(snippet.code, snippet.where, "ran")


def check_snippets(snippets, namespace: dict) -> list[Verdict]:
    """:func:`check_snippet` for each snippet, in order."""
    return [check_snippet(s if isinstance(s, Snippet) else Snippet(**s), namespace) for s in snippets]


def failures(verdicts) -> list[str]:
    """One line per snippet a student would see fail: where, the code, the error."""
    return [f"{v.where}: `{v.code}` -> {v.error}" for v in verdicts if v.error]
