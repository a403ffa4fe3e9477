"""What a graded test cell checks, and where each part of a check is evaluated.

A graded test cell holds *checks* — ``ex.expect("07.drain_time", answer_drain,
rate=RATE)`` calls and ``assert`` statements (hidden ones included) — and
may name helpers (``_theory = nb07.predicted_drain_time(...)``). In the
student's own kernel, or under nbgrader, the cell runs as written. When this
grader grades, no check is judged in the student's kernel. Each expression
is split three ways:

- what needs no answer (``RATE``, ``DURATION - SPIKE_END``,
  ``nb07.predicted_drain_time(...)``) is evaluated in a *snapshot* cell the
  grader inserts before the first answer cell, before any student code has
  run, and sent out as plain data (a module or a package function travels
  as a reference the grader imports);
- what the student's code defines (``answer_drain``,
  ``answer_plan["instances"]``, ``drain_time(100, 50, 30)``) is evaluated in
  the kernel where the test cell stood and sent out as plain data
  (:mod:`vetora_nb.exercises.answers`);
- everything that combines them — comparisons, arithmetic, the judge of
  ``ex.expect`` — is done by the grader, in its own process, on that data.

>>> cell = '''ex.expect("07.drain_time", answer_drain, rate=RATE, points=1)
... ### BEGIN HIDDEN TESTS
... assert 0 < answer_drain < DURATION - SPIKE_END, "within the run"
... ### END HIDDEN TESTS'''
>>> plan = plan_test_cell(cell, "nb07-drain-test", 2, answers={"answer_drain"},
...                       before={"ex", "RATE", "DURATION", "SPIKE_END"})
>>> [(c.label, c.points, c.hidden) for c in plan.checks]
[('07.drain_time', 1.0, False), ('assert 0 < answer_drain < DURATION - SPIKE_END', 1.0, True)]
>>> sorted(plan.snapshot_units.values()), sorted(plan.kernel_units.values())
(['DURATION - SPIKE_END', 'RATE'], ['answer_drain'])

A check's points are the ``points=`` its ``ex.expect`` names; the cell's
other points are shared evenly by the checks that name none.
"""

from __future__ import annotations

import ast
import builtins
import copy
from dataclasses import dataclass, field

__all__ = ["Check", "Helper", "CellPlan", "plan_test_cell", "bound_names", "free_names", "SAFE_BUILTINS",
           "snapshot_source", "collect_source", "CheckError", "notebook_plans", "snapshot_index"]

#: Builtins a check may use on the grader's side.
SAFE_BUILTINS = {name: getattr(builtins, name) for name in (
    "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "frozenset", "int", "isinstance",
    "len", "list", "map", "max", "min", "range", "repr", "reversed", "round", "set", "sorted", "str",
    "sum", "tuple", "zip", "True", "False", "None", "ValueError", "TypeError", "KeyError")}


class CheckError(ValueError):
    """A graded test cell holds something the grader cannot judge outside the kernel."""


@dataclass
class Check:
    """One check of a graded test cell: an ``ex.expect`` call or an ``assert``."""

    cell: str
    index: int
    kind: str                     # 'expect' | 'assert'
    label: str                    # the exercise id, or the assert's source
    hidden: bool
    explicit_points: float | None
    points: float = 0.0
    exercise: str | None = None
    answer: ast.expr | None = None
    params: dict = field(default_factory=dict)
    test: ast.expr | None = None
    message: ast.expr | None = None
    uses: set = field(default_factory=set)     # unit ids and helper names it reads


@dataclass
class Helper:
    """A helper the test cell names: evaluated in the snapshot, or by the grader."""

    name: str
    value: ast.expr
    in_snapshot: bool
    uses: set = field(default_factory=set)


@dataclass
class CellPlan:
    """Every check of one graded test cell, split between snapshot, kernel and grader."""

    grade_id: str
    points: float
    steps: list = field(default_factory=list)          # Check and Helper, in the cell's order
    snapshot_assigns: list = field(default_factory=list)
    snapshot_units: dict = field(default_factory=dict)  # uid -> source
    kernel_assigns: list = field(default_factory=list)
    kernel_units: dict = field(default_factory=dict)    # uid -> source

    @property
    def checks(self) -> list[Check]:
        return [s for s in self.steps if isinstance(s, Check)]


# -- names -------------------------------------------------------------------------

def _target_names(target) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def free_names(node) -> set[str]:
    """Names ``node`` reads from outside itself (lambda and comprehension variables excluded)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) else set()
    if isinstance(node, ast.Lambda):
        a = node.args
        bound = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        bound |= {x.arg for x in (a.vararg, a.kwarg) if x is not None}
        out = set().union(*(free_names(d) for d in a.defaults + [d for d in a.kw_defaults if d is not None]))
        return out | (free_names(node.body) - bound)
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        bound, out = set(), set()
        for gen in node.generators:
            out |= free_names(gen.iter) - bound
            bound |= _target_names(gen.target)
            for cond in gen.ifs:
                out |= free_names(cond) - bound
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            out |= free_names(part) - bound
        return out
    out: set[str] = set()
    for child in ast.iter_child_nodes(node):
        out |= free_names(child)
    return out


def _python(source: str) -> str:
    """Cell source as plain Python (IPython magics turned into calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return source
    return TransformerManager().transform_cell(source)


def bound_names(source: str) -> set[str]:
    """Names a code cell sets at its top level (assignments, imports, defs, loop targets)."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    local_scopes = (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.update((alias.asname or alias.name).split(".")[0] for alias in child.names)
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif not isinstance(child, local_scopes):
                visit(child)

    visit(tree)
    return names


# -- placing an expression -------------------------------------------------------------

class _Placer:
    """Rewrites an expression for the grader: unit ids where the kernel or the snapshot answer."""

    def __init__(self, plan: CellPlan, answers: set[str], before: set[str]):
        self.plan, self.answers, self.before = plan, answers, set(before)
        self.grader_locals: set[str] = set()

    def _builtin(self, name: str) -> bool:
        return name in SAFE_BUILTINS and name not in self.before and name not in self.answers

    def _depends(self, node) -> bool:
        return bool(free_names(node) & (self.answers | self.grader_locals))

    def _on_answers(self, node) -> bool:
        return bool(free_names(node) & self.answers)

    def _unit(self, table: dict, prefix: str, node) -> ast.Name:
        source = ast.unparse(node)
        for uid, known in table.items():
            if known == source:
                return ast.Name(id=uid, ctx=ast.Load())
        uid = f"{prefix}{len(self.plan.snapshot_units) + len(self.plan.kernel_units)}"
        table[uid] = source
        return ast.Name(id=uid, ctx=ast.Load())

    def snapshot_unit(self, node):
        return self._unit(self.plan.snapshot_units, "_s", node)

    def kernel_unit(self, node):
        return self._unit(self.plan.kernel_units, "_k", node)

    def place(self, node):
        names = free_names(node)
        if not names & (self.answers | self.grader_locals):
            if all(self._builtin(n) for n in names):
                return node
            return self.snapshot_unit(node)
        if isinstance(node, ast.Name):
            return node if node.id in self.grader_locals else self.kernel_unit(node)
        if isinstance(node, (ast.Attribute, ast.Subscript)) and self._on_answers(node.value):
            return self.kernel_unit(node)
        if isinstance(node, ast.Call) and self._on_answers(node.func):
            return self.kernel_unit(node)
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return self._names_only(node, names)
        return self._children(node)

    def _names_only(self, node, free):
        inner = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        if isinstance(node, ast.Lambda):
            inner |= {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        placer = self

        class Swap(ast.NodeTransformer):
            def visit_Name(self, name):
                if name.id not in free or name.id in inner or name.id in placer.grader_locals:
                    return name
                if placer._builtin(name.id):
                    return name
                return placer.kernel_unit(name) if name.id in placer.answers else placer.snapshot_unit(name)

        return Swap().visit(copy.deepcopy(node))

    def _children(self, node):
        out = copy.copy(node)
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(out, name, self.place(value))
            elif isinstance(value, list):
                setattr(out, name, [self._item(v) for v in value])
            elif isinstance(value, ast.keyword):
                setattr(out, name, ast.keyword(arg=value.arg, value=self.place(value.value)))
        return out

    def _item(self, value):
        if isinstance(value, ast.expr):
            return self.place(value)
        if isinstance(value, ast.keyword):
            return ast.keyword(arg=value.arg, value=self.place(value.value))
        return value


def _uses(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _hidden_lines(source: str) -> set[int]:
    lines, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def _is_expect(node) -> bool:
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    func = node.value.func
    return (isinstance(func, ast.Attribute) and func.attr == "expect") or (
        isinstance(func, ast.Name) and func.id == "expect")


def _number(node, what: str) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        if node.value < 0:
            raise CheckError(f"{what} must be a number >= 0")
        return float(node.value)
    raise CheckError(f"{what} must be a number written in the cell, not {ast.unparse(node)!r}")


def plan_test_cell(source: str, grade_id: str, points: float, *, answers: set[str],
                   before: set[str]) -> CellPlan:
    """Split every check of a graded test cell (see the module docstring).

    ``answers`` are the names the notebook's answer cells set; ``before``
    the names set by the code cells above the first answer cell. Raises
    :class:`CheckError` naming what the grader cannot judge.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise CheckError(f"not valid Python: {err.msg} (line {err.lineno})") from None
    plan = CellPlan(grade_id, float(points))
    placer = _Placer(plan, set(answers), before)
    hidden = _hidden_lines(source)
    known = set(answers) | set(before) | set(SAFE_BUILTINS)
    checks: list[Check] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            continue
        text = ast.get_source_segment(source, stmt) or ast.unparse(stmt)
        simple_assign = (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                         and isinstance(stmt.targets[0], ast.Name))
        if not (simple_assign or _is_expect(stmt) or isinstance(stmt, ast.Assert)):
            raise CheckError(f"line {stmt.lineno} ({_short(' '.join(text.split()))}): a graded test cell may "
                             "hold only ex.expect(...) checks, assert statements and name = value helpers, "
                             "which the grader judges outside the student's kernel")
        unknown = sorted(free_names(stmt) - known)
        if unknown:
            raise CheckError(f"line {stmt.lineno} uses {unknown[0]!r}, which no cell above the first answer "
                             "cell sets and no answer cell sets either: the grader reads what a check "
                             "needs before any answer runs")
        if simple_assign:
            name = stmt.targets[0].id
            plan.kernel_assigns.append((name, ast.unparse(stmt.value)))
            if placer._depends(stmt.value):
                value = placer.place(stmt.value)
                placer.grader_locals.add(name)
                plan.steps.append(Helper(name, value, in_snapshot=False, uses=_uses(value)))
            else:
                plan.snapshot_assigns.append((name, ast.unparse(stmt.value)))
                placer.before.add(name)
                plan.steps.append(Helper(name, stmt.value, in_snapshot=True))
            known.add(name)
        elif _is_expect(stmt):
            call = stmt.value
            if len(call.args) != 2 or not (isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
                raise CheckError(f"line {stmt.lineno}: ex.expect takes the exercise id as a string, then the "
                                 "answer, then parameters by name")
            explicit, params = None, {}
            for kw in call.keywords:
                if kw.arg is None:
                    raise CheckError(f"line {stmt.lineno}: name every parameter of ex.expect (no **)")
                if kw.arg == "points":
                    explicit = _number(kw.value, f"line {stmt.lineno}: points")
                else:
                    params[kw.arg] = placer.place(kw.value)
            check = Check(grade_id, len(checks), "expect", call.args[0].value, stmt.lineno in hidden, explicit,
                          exercise=call.args[0].value, answer=placer.place(call.args[1]), params=params)
            check.uses = _uses(check.answer).union(*(_uses(v) for v in params.values()))
            checks.append(check)
            plan.steps.append(check)
        elif isinstance(stmt, ast.Assert):
            test_text = ast.get_source_segment(source, stmt.test) or ast.unparse(stmt.test)
            label = "assert " + " ".join(test_text.split())
            check = Check(grade_id, len(checks), "assert", _short(label), stmt.lineno in hidden, None,
                          test=placer.place(stmt.test),
                          message=placer.place(stmt.msg) if stmt.msg is not None else None)
            check.uses = _uses(check.test) | (_uses(check.message) if check.message is not None else set())
            checks.append(check)
            plan.steps.append(check)
    if not checks:
        raise CheckError("a graded test cell needs at least one check (ex.expect(...) or assert)")
    _share_points(plan, checks)
    return plan


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _share_points(plan: CellPlan, checks: list[Check]) -> None:
    named = sum(c.explicit_points for c in checks if c.explicit_points is not None)
    rest = [c for c in checks if c.explicit_points is None]
    if named > plan.points + 1e-9:
        raise CheckError(f"the checks name {named:g} points, more than the cell's {plan.points:g}")
    if not rest and abs(named - plan.points) > 1e-9:
        raise CheckError(f"the checks name {named:g} points but the cell is worth {plan.points:g}")
    for check in checks:
        check.points = check.explicit_points if check.explicit_points is not None else (
            (plan.points - named) / len(rest))


# -- the cells the grader runs in their place ----------------------------------------------

_IMPORT = "from vetora_nb.exercises import answers as _vetora_answers\n"


def snapshot_source(plans: list[CellPlan]) -> str:
    """The cell inserted before the first answer cell: everything the checks need from before."""
    table = {p.grade_id: (p.snapshot_assigns, p.snapshot_units) for p in plans}
    return ("# Inserted by the grader before any answer runs: what the checks need, sent as data.\n"
            + _IMPORT + f"_vetora_answers.snapshot({table!r})\n")


def collect_source(plan: CellPlan) -> str:
    """What runs in a graded test cell's place: the answers it names, sent as data."""
    return ("# Graded outside this kernel: the kernel only sends the answers this cell names.\n"
            + _IMPORT + f"_vetora_answers.collect({plan.grade_id!r}, {plan.kernel_assigns!r}, "
            f"{plan.kernel_units!r})\n")



# -- a whole notebook -----------------------------------------------------------------------

def notebook_plans(nb) -> tuple[dict[str, CellPlan], list[str]]:
    """``({grade_id: CellPlan}, problems)`` for every graded test cell of an instructor notebook."""
    from . import cells as C

    cells = nb.get("cells", [])
    first = snapshot_index(nb)
    before: set[str] = set()
    answers: set[str] = set()
    late: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        names = bound_names(C.text_of(cell))
        if index < first:
            before |= names
        elif C.is_solution(cell):
            answers |= names
        elif not C.is_test(cell):
            for name in names:
                late.setdefault(name, index)
    plans, found = {}, []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code" or not C.is_test(cell):
            continue
        gid = C.grade_id(cell) or f"cell {index}"
        where = f"cell {index} ({gid})"
        try:
            plan = plan_test_cell(C.text_of(cell), gid, C.points(cell), answers=answers, before=before)
        except CheckError as err:
            found.append(f"{where}: {err}")
            continue
        names = set().union(*(free_names(ast.parse(src, mode="eval").body) for src in plan.snapshot_units.values()))
        for name in sorted(names & set(late)):
            if name not in answers:
                found.append(f"{where}: uses {name!r}, which cell {late[name]} sets again after the first "
                             "answer cell; the grader reads it before the answers: set it once, above them")
        plans[gid] = plan
    return plans, found


def snapshot_index(nb) -> int:
    """Where the grader inserts its snapshot cell: before the first answer (or test) cell."""
    from . import cells as C

    cells = nb.get("cells", [])
    first = next((i for i, c in enumerate(cells) if C.is_solution(c)), None)
    if first is None:
        first = next((i for i, c in enumerate(cells) if C.is_test(c)), len(cells))
    return first
