"""Coursework: the student edition, the autograder and the nbgrader round trip.

Held to the promises of ``docs/instructors.md``:

- the student edition holds no solution and no hidden test, keeps everything
  else, carries no outputs or widget state, and runs top to bottom: an
  unanswered exercise says so and the notebook goes on (``nbconvert
  --execute`` exits 0); every build empties its folder first; the wheel for
  students holds the package and no solution;
- nbgrader's own ``generate_assignment`` makes the same student edition;
- the grader gives the instructor's notebook full marks and the untouched
  edition zero; each check of a cell scores its own points; each student is
  graded against their own variant and again under a hidden one; every
  kind of damaged submission gets its documented message; the gradebook and
  its Canvas export hold the totals;
- a folder of hostile submissions (``tests/fixtures/coursework/hostile/``:
  reading the source, patching the checker, patching the installed package,
  detaching a process, writing to the grades, bisecting, and the damaged
  ones) gets, case by case, the outcome its ``expected.json`` names, graded
  through the command line as ``make grade`` does; nothing outlives the
  batch, and neither the package nor the source nor the grades are touched.

The fixture notebook exercises all of it. Every notebook in ``notebooks/``
with answer cells is checked statically (no solution or hidden test shown,
every other cell unchanged, nbgrader makes the same edition); the first two
are graded as the instructor's notebook and as the blank edition, and the
first runs headless as a student's Run All would. Running notebooks is what
takes time, so the others are left to the static checks and to
``test_notebooks_execute``, which runs every source notebook.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from notebook_runner import REPO_ROOT, execute_notebook, notebook_paths, stored_output_problems
from vetora_nb import coursework as cw
from vetora_nb import exercises as ex
from vetora_nb.coursework import cells as C
from vetora_nb.coursework.grading import MESSAGES
from vetora_nb.coursework.sandbox import NOBODY
from vetora_nb.coursework.secret import hidden_key
from vetora_nb.coursework.workspace import sync_workspace
from vetora_nb.exercises import answers as A

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "coursework"
FIXTURE = FIXTURE_DIR / "coursework_demo.ipynb"
SAMPLES = FIXTURE_DIR / "submissions"
HOSTILE = FIXTURE_DIR / "hostile"
SECRET = b"a course secret for the tests"

sys.path.insert(0, str(FIXTURE_DIR))
import fixture_exercises as fx  # noqa: E402
import make_hostile  # noqa: E402
import make_submissions  # noqa: E402


def _has_answers(path: Path) -> bool:
    """Whether a notebook has answer cells or solution markers (unreadable: yes, check it)."""
    try:
        nb = nbformat.read(path, as_version=4)
        return any(C.is_solution(c) or "BEGIN SOLUTION" in C.text_of(c) for c in nb.cells)
    except Exception:
        return True


REAL = [p for p in notebook_paths() if _has_answers(p)]
REAL_GRADED = REAL[:2]
EDITIONS = [FIXTURE] + REAL
EXECUTED = [FIXTURE] + REAL[:1]   # run headless as a student's Run All


def _ids(paths):
    return [p.relative_to(REPO_ROOT).as_posix() for p in paths]


def _read(path):
    return nbformat.read(path, as_version=4)


def _non_trivial(line: str) -> bool:
    return len(line) >= 6 and re.search(r"[A-Za-z0-9]", line) is not None


def secret_lines(nb) -> set[str]:
    """Non-trivial lines of solutions and hidden tests that appear nowhere else in the source."""
    inside, outside = set(), set()
    for cell in nb.cells:
        source = C.text_of(cell)
        regions = C.solution_regions(source) + C.hidden_test_regions(source)
        if C.is_solution(cell) and not C.solution_regions(source):
            regions.append(source)           # an answer without markers is secret as a whole
        else:
            rest = C.clear_hidden_tests(C.clear_solution(source, cell.cell_type, solution_cell=False))
            outside |= {line.strip() for line in rest.split("\n")}
        for region in regions:
            inside |= {line.strip() for line in region.split("\n")}
    return {line for line in inside - outside if _non_trivial(line)}


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, Path]:
    """One snapshot of every notebook checked here, taken once: notebooks/ may change meanwhile."""
    folder = tmp_path_factory.mktemp("sources")
    snapshot = {FIXTURE.name: FIXTURE}
    for path in REAL:
        snapshot[path.name] = Path(shutil.copy(path, folder / path.name))
    return snapshot


@pytest.fixture(scope="module")
def editions(tmp_path_factory, sources) -> dict[str, Path]:
    """The student edition of the fixture and of every real notebook with answers."""
    built = {}
    for path in EDITIONS:
        try:
            built[path.name] = cw.build_student_edition(sources[path.name], tmp_path_factory.mktemp("student"))[0]
        except Exception as err:   # reported by each test of that notebook
            built[path.name] = err
    return built


def _edition(editions, path) -> Path:
    built = editions[path.name]
    if isinstance(built, Exception):
        pytest.fail(f"no student edition of {path.name}: {built}")
    return built


@pytest.fixture
def fixture_importable(monkeypatch):
    """Kernels can import the fixture's exercise module from any folder."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(FIXTURE_DIR),
                                                                    os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("VETORA_STUDENT_ID", raising=False)
    monkeypatch.delenv("VETORA_COURSE_SEED", raising=False)


@pytest.fixture(scope="session")
def isolation():
    """What this machine allows; the sandbox tests need bubblewrap (and fail without it in CI)."""
    found = cw.detect()
    if found.mode != "bwrap":
        if os.environ.get("CI"):
            pytest.fail("bubblewrap does not work here: " + "; ".join(found.warnings))
        pytest.skip("bubblewrap does not work here (Debian: apt-get install bubblewrap): "
                    + "; ".join(found.warnings))
    return found


# -- the student edition ------------------------------------------------------------

@pytest.mark.parametrize("path", EDITIONS, ids=_ids(EDITIONS))
def test_student_edition_has_no_solution_and_no_hidden_test(path, sources, editions):
    source = _read(sources[path.name])
    assert not C.problems(source), "\n".join(C.problems(source))
    student_path = _edition(editions, path)
    student = _read(student_path)
    secrets = secret_lines(source)
    shown = {line.strip() for cell in student.cells for line in C.text_of(cell).split("\n")}
    leaked = sorted(secrets & shown)
    assert not leaked, f"{path.name}: the student edition shows solution/hidden-test lines: {leaked}"
    elsewhere = json.dumps([student.metadata] + [c.metadata for c in student.cells]
                           + [c.get("outputs", []) for c in student.cells], ensure_ascii=False)
    assert not [s for s in secrets if json.dumps(s, ensure_ascii=False)[1:-1] in elsewhere]
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in student_path.read_text(encoding="utf-8"), marker


@pytest.mark.parametrize("path", EDITIONS, ids=_ids(EDITIONS))
def test_student_edition_keeps_everything_else(path, sources, editions):
    source, student = _read(sources[path.name]), _read(_edition(editions, path))
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in source.cells]
    assert [c.get("id") for c in student.cells] == [c.get("id") for c in source.cells]
    for index, (src, stu) in enumerate(zip(source.cells, student.cells)):
        where = f"{path.name} cell {index}"
        if C.is_solution(src):
            stub = C.CODE_STUB if src.cell_type == "code" else C.TEXT_STUB
            shown = [line.strip() for line in stu.source.split("\n")]
            assert all(s in shown for s in stub.split("\n")), where
            inside = False
            marked = "BEGIN SOLUTION" in src.source   # without markers the whole cell is the answer
            for line in src.source.split("\n") if marked else []:   # lines outside the markers stay
                if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                    inside = "BEGIN" in line
                elif not inside:
                    assert line in stu.source.split("\n"), f"{where}: lost {line!r}"
            assert stu.metadata["deletable"] is False, where
            if src.cell_type == "code":   # the answer exists, as ..., before the student writes it
                compile(stu.source, where, "exec")
        elif C.is_grade(src):
            assert stu.source == C.clear_hidden_tests(src.source), where
            assert (stu.metadata["deletable"], stu.metadata["editable"]) == (False, False), where
        else:
            assert stu.source == src.source, where
        assert stu.metadata.get("nbgrader") == src.metadata.get("nbgrader"), where


@pytest.mark.notebook
def test_student_edition_drops_outputs_and_widget_state(tmp_path, fixture_importable):
    """Built from a notebook that was run (outputs, counts, slider state), it comes out clean."""
    ran = execute_notebook(FIXTURE, timeout=300)
    assert "widgets" in ran.metadata and any(c.get("outputs") for c in ran.cells)
    dirty = tmp_path / "source" / FIXTURE.name
    dirty.parent.mkdir()
    nbformat.write(ran, dirty)
    clean = cw.build_student_edition(dirty, tmp_path / "student")[0]
    assert stored_output_problems(clean) == []


@pytest.mark.notebook
@pytest.mark.parametrize("path", EXECUTED, ids=_ids(EXECUTED))
def test_student_edition_runs_top_to_bottom(path, editions, fixture_importable, tmp_path):
    """Run All on the untouched edition: no error anywhere, each blank exercise says so."""
    student_path = _edition(editions, path)
    out = tmp_path / "ran.ipynb"
    proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           str(student_path), "--output", str(out), "--ExecutePreprocessor.timeout=600"],
                          cwd=student_path.parent, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ran = _read(out)
    errors = [(i, o.ename) for i, c in enumerate(ran.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    for index, cell in enumerate(ran.cells):
        if cell.cell_type == "code" and C.is_solution(cell) and "ex.check" in cell.source:
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert "⏳ Not answered yet" in text, f"{path.name} cell {index}: {text!r}"


def test_student_build_empties_its_folder_and_refuses_others(tmp_path):
    out = tmp_path / "student"
    cw.build_student_edition(FIXTURE_DIR, out)
    (out / "07_stale_from_an_earlier_build.ipynb").write_text("{}")
    (out / "scratch").mkdir()
    written = cw.build_student_edition(FIXTURE, out)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        ["README.md", FIXTURE.name, "data"]
    assert written == [out / FIXTURE.name]
    assert cw.edition_is_current(FIXTURE, out) and not cw.edition_is_current(FIXTURE_DIR / "submissions", out)
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("keep me")
    with pytest.raises(ValueError, match="no student edition built here"):
        cw.build_student_edition(FIXTURE, foreign)
    assert (foreign / "chapter1.tex").read_text() == "keep me"


def test_student_readme_and_refusals(tmp_path):
    written = cw.build_student_edition(FIXTURE_DIR, tmp_path / "out", course_seed=2024)
    assert [p.name for p in written] == [FIXTURE.name]
    readme = (tmp_path / "out" / "README.md").read_text()
    assert FIXTURE.name in readme and "VETORA_COURSE_SEED=2024" in readme
    assert "with other parameters" in readme and "pip install" in readme
    with pytest.raises(ValueError, match="overwrite the instructor notebooks"):
        cw.build_student_edition(FIXTURE_DIR, FIXTURE_DIR)
    broken = _read(FIXTURE)
    broken.cells[6].metadata.nbgrader["solution"] = False     # solution markers, no answer cell
    nbformat.write(broken, tmp_path / "broken.ipynb")
    with pytest.raises(cw.AuthoringError, match="solution markers in a cell that is not an answer"):
        cw.build_student_edition(tmp_path / "broken.ipynb", tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


def _cell(nb, gid):
    return next(c for c in nb.cells if C.grade_id(c) == gid)


@pytest.mark.parametrize("change, problem", [
    (lambda nb: nb.cells[7].metadata.nbgrader.update(grade_id="fx-double-answer"), "already used"),
    (lambda nb: nb.cells[7].metadata.nbgrader.pop("points"), "needs 'points'"),
    (lambda nb: nb.cells[6].metadata.nbgrader.pop("grade_id"), "without a grade_id"),
    (lambda nb: nb.cells[6].metadata.nbgrader.update(grade_id="fx double"), "may only hold"),
    (lambda nb: setattr(nb.cells[6], "source", "### BEGIN SOLUTION\nx = 1"), "without a matching"),
    (lambda nb: setattr(nb.cells[7], "source", "### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS"), "nested"),
    (lambda nb: nb.cells[4].metadata.update(nbgrader={"grade": False, "solution": False, "locked": False,
                                                      "grade_id": "x", "schema_version": 3})
     or setattr(nb.cells[4], "source", "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS"),
     "not a graded test cell"),
    (lambda nb: nb.cells[15].metadata.nbgrader.update(grade=False), "markdown cell must be both"),
    (lambda nb: setattr(_cell(nb, "fx-double-test"), "source", 'print(answer_double)'),
     "may hold only ex.expect"),
    (lambda nb: setattr(_cell(nb, "fx-double-test"), "source", 'assert answer_double == LATER'),
     "uses 'LATER'"),
    (lambda nb: setattr(_cell(nb, "fx-double-test"), "source", 'ex.expect("fx.double", answer_double, rate=RATE, points=2)'),
     "more than the cell's 1"),
    (lambda nb: setattr(_cell(nb, "fx-drain-answer"), "source",
                        "def drain_time(b, c, a):\n    ### BEGIN SOLUTION\n    return b / (c - a)\n    ### END SOLUTION\n"),
     "student edition of this cell is not valid Python"),
], ids=["duplicate-id", "no-points", "no-id", "bad-id", "unterminated", "nested", "hidden-outside",
        "markdown-answer-not-graded", "test-cell-prints", "test-uses-a-late-name", "points-too-many",
        "empty-function-in-the-edition"])
def test_authoring_mistakes_are_named(change, problem):
    nb = _read(FIXTURE)
    assert C.problems(nb) == []
    change(nb)
    assert any(problem in p for p in C.problems(nb)), C.problems(nb)


def test_collection_follows_the_conventions():
    """Every notebook in notebooks/ (and the fixture): nbgrader-valid, grade_ids unique across all."""
    for folder in (REPO_ROOT / "notebooks", FIXTURE_DIR):
        report = cw.check_sources(folder) if notebook_paths(folder) else {}
        assert not any(report.values()), "\n".join(f"{k}: {p}" for k, v in report.items() for p in v)


# -- nbgrader makes the same student edition ------------------------------------------

@pytest.fixture(scope="module")
def nbgrader_release(tmp_path_factory, sources):
    """``nbgrader generate_assignment`` over a temporary course, one assignment per notebook."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -r requirements.txt)")
    course = tmp_path_factory.mktemp("course")
    for path in EDITIONS:
        (course / "source" / path.stem).mkdir(parents=True)
        shutil.copy(sources[path.name], course / "source" / path.stem / path.name)
    (course / "nbgrader_config.py").write_text(   # the configuration docs/instructors.md gives
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}\n"
        'c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}\n')
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # alembic
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "*", "--force"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=600)
    return course / "release", proc.stdout + proc.stderr


def _norm_cells(nb):
    return [(c.cell_type, C.normalise(C.text_of(c))) for c in nb.cells]


@pytest.mark.parametrize("path", EDITIONS, ids=_ids(EDITIONS))
def test_nbgrader_makes_the_same_student_edition(path, editions, nbgrader_release):
    release, log = nbgrader_release
    theirs_path = release / path.stem / path.name
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert theirs_path.exists(), f"nbgrader made no release of {path.name}:\n" + "\n".join(errors[-15:])
    ours, theirs = _read(_edition(editions, path)), _read(theirs_path)
    assert len(ours.cells) == len(theirs.cells)
    for index, (a, b) in enumerate(zip(_norm_cells(ours), _norm_cells(theirs))):
        assert a == b, f"{path.name} cell {index}:\nours:    {a}\nnbgrader: {b}"
    for a, b in zip(ours.cells, theirs.cells):   # the same cells locked in JupyterLab
        assert (a.metadata.get("deletable"), a.metadata.get("editable")) == \
               (b.metadata.get("deletable"), b.metadata.get("editable"))


# -- the package for students, and a learner's workspace ----------------------------------

def test_the_wheel_holds_the_package_and_no_solution(tmp_path):
    from vetora_nb.coursework.bundle import build_wheel, build_zip

    wheel = build_wheel(tmp_path / "out")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        text = "".join(zf.read(n).decode("utf-8", "replace") for n in names if n.endswith(".py"))
    assert "vetora_nb/__init__.py" in names and "vetora_nb/exercises/nb07_temporal_coupling.py" in names
    assert not [n for n in names if n.endswith(".ipynb") or n.startswith(("notebooks/", "tests/"))]
    assert "### BEGIN SOLUTION\n" not in text
    # What the package reads travels in it: installed from the wheel, notebook 13
    # starts from a shipped architecture and Traffic.from_csv finds its profile.
    assert "vetora_nb/data/diurnal_profile.csv" in names
    assert "vetora_nb/data/architectures/hybrid_shop_request_response.toml" in names
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    probe = ("import vetora_nb as vn, pathlib; from vetora_nb.experiments import studio; "
             "from vetora_nb.studio import Design, shipped; "
             f"assert pathlib.Path(vn.__file__).is_relative_to({str(installed)!r}), vn.__file__; "
             "Design.load(studio.SHOP); assert len(shipped()) >= 6, shipped(); "
             "print(vn.Traffic.from_csv('diurnal_profile.csv').label)")
    ran = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(installed)})
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "diurnal_profile.csv" in ran.stdout
    bundle = build_zip(tmp_path / "out", tmp_path / "student.zip")
    assert zipfile.ZipFile(bundle).namelist() == [f"out/{wheel.name}"]


def test_the_workspace_keeps_a_learners_work(tmp_path):
    edition, workspace = tmp_path / "edition", tmp_path / "mine"
    cw.build_student_edition(FIXTURE, edition)
    assert sync_workspace(edition, workspace) == [f"{workspace / FIXTURE.name}: copied from the student edition"]
    assert sync_workspace(edition, workspace) == []
    (edition / FIXTURE.name).write_text((edition / FIXTURE.name).read_text().replace("Coursework demo", "Demo"))
    assert "updated to the new student edition" in sync_workspace(edition, workspace)[0]
    (workspace / FIXTURE.name).write_text("my answers")
    (edition / FIXTURE.name).write_text((edition / FIXTURE.name).read_text().replace("Demo", "Demo 2"))
    assert "kept (you changed it)" in sync_workspace(edition, workspace)[0]
    assert (workspace / FIXTURE.name).read_text() == "my answers"


# -- the exercises' side, in a student's kernel -----------------------------------------

def test_expect_prints_for_a_student_and_raises_under_nbgrader(monkeypatch, capsys):
    ex.expect("fx.double", ..., rate=10)
    ex.expect("fx.double", 21, rate=10)
    ex.expect("fx.double", 20, rate=10, points=1)
    assert capsys.readouterr().out.splitlines() == [
        "⏳ fx.double: not answered yet.",
        "❌ fx.double: would fail this test (too high). Hint: Twice RATE, exactly.",
        "✅ fx.double: passes this test."]
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match="fx.double: not yet"):
        ex.expect("fx.double", 21, rate=10)
    monkeypatch.setenv("VETORA_GRADING", "1")   # graded here: nothing is judged in the kernel
    assert ex.expect("fx.double", 21, rate=10) is None
    assert not ex.judge("fx.double", 20, rate=10).passed


@pytest.mark.parametrize("path", REAL + [FIXTURE], ids=_ids(REAL + [FIXTURE]))
def test_the_hidden_variant_changes_every_parameter(path, monkeypatch):
    number = path.name[:2]
    table = fx.VARIANTS if path == FIXTURE else ex.variants_of(number)
    label = table if path == FIXTURE else number
    for student in ("ada", "ben", "cleo"):
        monkeypatch.setenv("VETORA_STUDENT_ID", student)
        monkeypatch.delenv("VETORA_HIDDEN_VARIANT", raising=False)
        own = ex.variant(label)
        monkeypatch.setenv("VETORA_HIDDEN_VARIANT", hidden_key(SECRET, student, 0))
        hidden = ex.variant(label)
        for name, values in table.items():
            if len(values) > 1:
                assert hidden[name] != own[name], (student, name)


def test_answers_travel_as_plain_data():
    import vetora_nb as vn

    for style in vn.scenarios.STYLES:
        arch = vn.scenarios.order_placed(style)
        back = A.decode(json.loads(json.dumps(A.encode(arch))))
        assert list(back.graph.nodes(data=True)) == list(arch.graph.nodes(data=True))
        assert list(back.graph.edges(data=True)) == list(arch.graph.edges(data=True))
        assert back.entry == arch.entry
    import numpy as np

    value = {"partitions": np.int64(4), 3: (1.5, float("nan")), "set": {2, 1}, "blank": ...}
    back = A.decode(A.encode(value))
    assert back["partitions"] == 4 and type(back["partitions"]) is int and back[3][0] == 1.5
    assert back["set"] == {1, 2} and back["blank"] is Ellipsis and back[3][1] != back[3][1]

    class Sneaky(float):
        def __eq__(self, other):   # equal to everything, in the student's kernel
            return True
    assert type(A.decode(A.encode(Sneaky(1.0)))) is float
    for refused in (lambda: 1, object(), vn.simulate):
        with pytest.raises(TypeError):
            A.encode(refused)
    with pytest.raises(TypeError, match="reference"):
        A.decode(A.encode(vn.simulate, refs=True))
    assert A.decode(A.encode(vn.simulate, refs=True), refs=True) is vn.simulate


# -- grading ----------------------------------------------------------------------------

NAME = FIXTURE.name


def _put(folder: Path, student: str, nb, name: str = NAME) -> Path:
    path = folder / student / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _answered(**codes):
    """The student edition with the given answers (grade_id -> code), others as the stub."""
    nb = cw.student_notebook(_read(FIXTURE))
    for gid, code in codes.items():
        make_submissions.answer(nb, gid, code)
    return nb


GOOD = make_hostile.GOOD


def _rate(student: str, course_seed: int = 0) -> int:
    return ex.variant(fx.VARIANTS, student_id=student, course_seed=course_seed)["RATE"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: the three samples, the instructor's notebook, the blank edition and damaged cases."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    shutil.copytree(SAMPLES, subs)
    _put(subs, "teacher", _read(FIXTURE))
    _put(subs, "blank", cw.student_notebook(_read(FIXTURE)))
    (subs / "notnb").mkdir()
    (subs / "notnb" / NAME).write_text('{"hello": "world"}')
    _put(subs, "raiser", _answered(**{**GOOD, "fx-double-answer": "answer_double = RATE / 0"}))
    dora = _answered(**GOOD)
    dora.cells = [c for c in dora.cells if C.grade_id(c) != "fx-served-test"]      # deleted a test
    double = next(c for c in dora.cells if C.grade_id(c) == "fx-double-answer")
    double.cell_type = "markdown"                                                  # pressed M
    del double["outputs"], double["execution_count"]
    stray = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "nb99-stray-answer",
        "schema_version": 3}})
    dora.cells.append(stray)
    dora.cells[1].source += "\nRATE = 1   # my own parameters"                    # edited a cell
    _put(subs, "dora", dora)
    # Variants: two students, one typed-in number that is right for the first only.
    a, b = "vic", next(s for s in ("wes", "xia", "yan", "zoe") if _rate(s) != _rate("vic"))
    typed = _answered(**{**GOOD, "fx-double-answer": f"answer_double = {2 * _rate(a)}"})
    _put(subs, a, typed)
    _put(subs, b, typed)
    (subs / "absent").mkdir()
    _put(subs, "absent", _read(FIXTURE), name="scratch.ipynb")
    lines = []
    result = cw.grade_submissions(subs, FIXTURE_DIR, root / "grades", timeout=120, jobs=2, secret=SECRET,
                                  log=lines.append)
    return result, root / "grades", lines, (a, b)


def _q(result, student, gid):
    grade = next(g for g in result.grades if g.student == student)
    return next(q for q in grade.questions if q.grade_id == gid)


def _g(result, student):
    return next(g for g in result.grades if g.student == student)


TESTS = ["fx-double-test", "fx-served-test", "fx-drain-test"]


@pytest.mark.notebook
def test_instructor_notebook_gets_full_marks(graded):
    result = graded[0]
    assert not result.grader_errors
    for gid in TESTS:
        q = _q(result, "teacher", gid)
        assert (q.points, q.message) == (q.max_points, "passed"), gid
        assert [c.message for c in q.checks] == ["passed", "passed"]
    manual = _q(result, "teacher", "fx-explain-answer")
    assert manual.points is None and manual.message == "to be marked by hand"
    assert _g(result, "ada").points == _g(result, "teacher").points == 4
    assert _g(result, "teacher").hidden_nb is not None      # it was run again under the hidden variant


@pytest.mark.notebook
def test_untouched_student_edition_gets_zero(graded):
    result = graded[0]
    for gid in TESTS:
        q = _q(result, "blank", gid)
        assert q.points == 0
        assert q.message == MESSAGES["not_answered_stub"].format(gid=gid.replace("-test", "-answer"))
    assert _q(result, "blank", "fx-explain-answer").message == "not answered: 0 points"
    assert _g(result, "blank").hidden_nb is None            # nothing passed: no second run


@pytest.mark.notebook
def test_each_check_scores_its_own_points_with_the_whole_hint(graded):
    result, out = graded[0], graded[1]
    assert _q(result, "ben", "fx-double-test").points == 1
    served = _q(result, "ben", "fx-served-test")          # wrong count, but within the hidden bound
    assert (served.points, [c.points for c in served.checks]) == (0.5, [0, 0.5])
    assert served.checks[0].message == f"fx.served: not yet (too low). Hint: {ex.registry()['fx.served'].hint}"
    assert served.checks[1].label == "assert answer_served <= 3 * RATE * DURATION (hidden)"
    drain = _q(result, "ben", "fx-drain-test")
    assert drain.points == 0 and drain.message.startswith("fx.drain: not yet")
    assert "AssertionError: drain_time(100, 50, 30) should be 5 s" in drain.message
    assert _q(result, "ben", "fx-explain-answer").answer_text.startswith("Because")
    feedback = (out / "feedback" / "ben.md").read_text()
    assert "rather than from the rate." in feedback          # hints are never cut


@pytest.mark.notebook
def test_damaged_submissions_get_their_messages(graded):
    result, lines = graded[0], graded[2]
    # cleo: answer cell deleted, locked test edited, answer duplicated, written answer left blank
    assert _q(result, "cleo", "fx-served-test").message == "answer cell fx-served-answer missing: 0 points"
    double = _q(result, "cleo", "fx-double-test")
    assert double.points == 1 and double.message == (
        "passed; locked cell fx-double-test was changed in the submission: the original was used")
    drain = _q(result, "cleo", "fx-drain-test")
    assert drain.points == 1 and "grade_id fx-drain-answer appears 2 times in the submission: " \
                                 "the first copy was graded" in drain.message
    assert _q(result, "cleo", "fx-explain-answer").message == "not answered: 0 points"

    for gid in TESTS + ["fx-explain-answer"]:
        q = _q(result, "notnb", gid)
        assert q.points == 0 and q.message == "not a valid notebook (no list of cells): 0 points", q

    raiser = _q(result, "raiser", "fx-double-test")
    assert raiser.points == 0
    assert raiser.message == "ZeroDivisionError: division by zero (raised by the answer cell fx-double-answer)"
    assert _q(result, "raiser", "fx-drain-test").points == 1      # the rest still ran

    dora = _g(result, "dora")
    assert _q(result, "dora", "fx-served-test").message == (
        "passed; locked cell fx-served-test was deleted from the submission: the original was used")
    assert _q(result, "dora", "fx-double-test").message == (
        "passed; answer cell fx-double-answer was turned into a markdown cell: it was graded as code")
    assert "cell with grade_id nb99-stray-answer is not part of this notebook: ignored" in dora.notes
    assert any(n.startswith("your changes to 1 cell(s) other than answer cells (cell 1)") for n in dora.notes)

    absent = _g(result, "absent")
    assert all(q.points == 0 and q.message == "notebook not submitted: 0 points" for q in absent.questions)
    assert result.student_notes["absent"] == ["scratch.ipynb is not an assigned notebook: not graded"]
    assert f"absent/{NAME}: 0/5 in 0.0 s — notebook not submitted: 0 points" in lines


@pytest.mark.notebook
def test_each_student_is_graded_against_their_own_variant_and_a_hidden_one(graded):
    result, (a, b) = graded[0], graded[3]
    assert _rate(a) != _rate(b)
    typed = _q(result, a, "fx-double-test")      # right for a's own RATE: not for the hidden one
    assert typed.points == 0
    assert typed.checks[0].message.startswith(
        "right for your own parameters, but not when the notebook was run again with other ones")
    wrong = _q(result, b, "fx-double-test")
    assert wrong.points == 0 and wrong.checks[0].message.startswith("fx.double: not yet")
    for student in ("ada", a, b):                 # answers computed in code are right for everyone
        assert _q(result, student, "fx-served-test").points == 2, student
    graded_nb = (graded[1] / "autograded" / "ada" / NAME).read_text()
    assert f"RATE = {_rate('ada')}/s" in graded_nb
    hidden_nb = (graded[1] / "autograded" / "ada" / "coursework_demo.hidden.ipynb").read_text()
    assert f"RATE = {_rate('ada')}/s" not in hidden_nb and "RATE = " in hidden_nb
    assert _rate("ada") != fx.VARIANTS["RATE"][0]   # not the default: the grader's id was used


@pytest.mark.notebook
def test_grades_gradebook_and_canvas_export(graded):
    result, out = graded[0], graded[1]
    rows = list(csv.DictReader(io.StringIO(result.csv_path.read_text())))
    assert list(rows[0]) == ["student", "notebook", "question", "check", "points", "max"]
    students = sorted({g.student for g in result.grades})
    assert len(rows) == 7 * len(students)           # two checks per test cell, one written answer
    ada = [r for r in rows if r["student"] == "ada"]
    assert [(r["question"], r["check"], r["points"], r["max"]) for r in ada][2:4] == [
        ("fx-served-test", "fx.served", "1.5", "1.5"),
        ("fx-served-test", "assert answer_served <= 3 * RATE * DURATION (hidden)", "0.5", "0.5")]
    assert ada[-1]["points"] == ""                   # to be marked by hand
    book = list(csv.reader(io.StringIO((out / "gradebook.csv").read_text())))
    assert book[0] == ["student", "coursework_demo", "total", "to mark by hand"]
    assert book[1] == ["Points Possible", "5", "5", ""]
    assert [r[0] for r in book[2:]] == students
    assert next(r for r in book if r[0] == "ben")[1:] == ["1.5", "1.5", "1"]
    canvas = list(csv.reader(io.StringIO((out / "canvas.csv").read_text())))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "coursework_demo"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "5"]
    assert next(r for r in canvas if r[0] == "ada") == ["ada", "", "", "ada", "", "4"]
    for student in students:
        text = (out / "feedback" / f"{student}.md").read_text()
        assert text.startswith(f"# Feedback for {student}") and f"## {NAME}" in text
    cleo = (out / "feedback" / "cleo.md").read_text()
    assert "| fx-served-test | 0 / 2 | answer cell fx-served-answer missing: 0 points |" in cleo
    assert (out / "autograded" / "ada" / NAME).exists()


_DROP = """answer_double = RATE * 2
import pathlib
_flag = pathlib.Path(r"{flag}")
if {always} or not _flag.exists():   # break the kernel protocol for the next request
    _flag.touch()
    _kernel = get_ipython().kernel
    _handle = _kernel.shell_handlers["execute_request"]
    def _drop(*args, **kwargs):
        _kernel.shell_handlers["execute_request"] = _handle
    _kernel.shell_handlers["execute_request"] = _drop
    if {always}:   # and say nothing: the request looks never picked up
        _kernel._publish_status = _kernel._publish_status_and_flush = lambda *a, **k: None"""


@pytest.mark.notebook
@pytest.mark.parametrize("always", [False, True], ids=["once", "always"])
def test_a_stalled_kernel_is_run_again(tmp_path, always):
    """A request the kernel never answers (a rare ipykernel fault) costs a re-run, not a timeout."""
    shared = tmp_path / "shared"      # a flag both runs see: no sandbox here, on purpose
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    nb = _answered(**{**GOOD, "fx-double-answer": _DROP.format(flag=shared / "flag", always=always)})
    path = _put(tmp_path, "ada", nb)
    started = time.monotonic()
    with cw.Sandbox(cw.detect("none")) as box:
        grade = cw.grade_notebook(FIXTURE, path, "ada", timeout=120, stall_after=3, sandbox=box)
    assert time.monotonic() - started < 90
    first = "the kernel stopped answering in fx-double-test (a Jupyter fault): the notebook was run again"
    if not always:
        assert grade.points == 4 and grade.notes == [first]
    else:
        assert grade.notes[0] == first
        assert grade.notes[1] == "the kernel stopped answering in fx-double-test, twice: the kernel was stopped"
        assert grade.points == 0
        assert grade.questions[0].message == "not run: the kernel stopped answering in fx-double-test: 0 points"


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.notebook
def test_without_a_sandbox_grading_says_so_and_still_ends_every_process(tmp_path):
    """The fallback: no bubblewrap (asked for here), a loud warning, and the reaper."""
    subs = tmp_path / "subs"
    shutil.copytree(HOSTILE / "detacher", subs / "detacher")
    lines = []
    result = cw.grade_submissions(subs, FIXTURE_DIR, tmp_path / "grades", timeout=120, sandbox="none",
                                  log=lines.append)
    assert result.isolation.mode == "none"
    assert any(line.startswith("WARNING: no sandbox") for line in lines)
    if os.geteuid() == 0:   # root: the kernel ran as nobody, or the warnings say it ran as ROOT
        assert result.isolation.uid == NOBODY or any("ROOT" in w for w in result.warnings)
    assert "still running when the notebook ended" in _g(result, "detacher").notes[0]
    assert _processes_with("vetora-hostile-detached") == []
    time.sleep(3)
    assert ",100,1" not in (tmp_path / "grades" / "grades.csv").read_text()


# -- the hostile submissions, through the command line ------------------------------------

def _cli(*args, cwd=REPO_ROOT, env=None):
    return subprocess.run([sys.executable, "-m", "vetora_nb.coursework", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=900, env=env)


def _digest(folder: Path) -> dict[str, str]:
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


CASES = sorted(p.name for p in HOSTILE.iterdir() if (p / "expected.json").exists())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, isolation):
    """The whole hostile folder graded in one batch, as ``make grade`` would, against copies.

    The package the kernels could reach is a copy (``installer`` writes to it
    on a grader without the sandbox), and so is the source (``writer``).
    """
    root = tmp_path_factory.mktemp("hostile")
    package = root / "installed"
    shutil.copytree(Path(cw.__file__).parent.parent, package / "vetora_nb",
                    ignore=shutil.ignore_patterns("__pycache__"))
    source = root / "source"
    source.mkdir()
    for name in (FIXTURE.name, "fixture_exercises.py"):
        shutil.copy(FIXTURE_DIR / name, source / name)
    subs = root / "submissions"
    shutil.copytree(HOSTILE, subs, ignore=shutil.ignore_patterns("expected.json"))
    before = {"package": _digest(package), "source": _digest(source)}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(package), str(source)]),
           "VETORA_COURSE_SECRET": SECRET.decode()}
    started = time.monotonic()
    proc = _cli("grade", subs, "--source", source, "--out", root / "grades", "--timeout", 30, cwd=root, env=env)
    elapsed = time.monotonic() - started
    time.sleep(4)          # what a detached process would do after the grader returned, it has done now
    rows = list(csv.DictReader(io.StringIO((root / "grades" / "grades.csv").read_text())))
    after = {"package": _digest(package), "source": _digest(source)}
    yield {"proc": proc, "rows": rows, "root": root, "before": before, "after": after, "elapsed": elapsed,
           "survivors": {marker: _processes_with(marker) for marker in ("vetora-hostile-detached",)}}
    for pid in _processes_with("vetora-hostile-detached"):   # only if a case failed: our own leftover
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def outcome_problems(case: str, expected: dict, found: dict) -> list[str]:
    """How the batch's outcome for ``case`` differs from ``expected``; empty when it matches."""
    problems = []
    rows = [r for r in found["rows"] if r["student"] == case]
    for question, points in expected.get("points", {}).items():
        got = sum(float(r["points"] or 0) for r in rows if r["question"] == question)
        if abs(got - points) > 1e-9:
            problems.append(f"{question}: {got:g} points, expected {points:g}")
    feedback_path = found["root"] / "grades" / "feedback" / f"{case}.md"
    feedback = feedback_path.read_text() if feedback_path.exists() else ""
    flat = " ".join(feedback.split())
    for question, words in expected.get("messages", {}).items():
        line = next((ln for ln in feedback.splitlines() if ln.startswith(f"| {question} |")), "")
        if words not in line:
            problems.append(f"{question}: feedback {line!r} lacks {words!r}")
    for words in expected.get("notes", []):
        if words not in flat:
            problems.append(f"the feedback lacks {words!r}")
    if expected.get("package_unchanged") and found["before"]["package"] != found["after"]["package"]:
        problems.append("the installed package was modified")
    if expected.get("source_unchanged") and found["before"]["source"] != found["after"]["source"]:
        problems.append("the instructor's source was modified")
    if expected.get("out_is_the_graders"):
        made = sorted(str(p.relative_to(found["root"] / "grades")) for p in (found["root"] / "grades").rglob("*")
                      if p.is_file() and not p.relative_to(found["root"] / "grades").parts[0] == "autograded")
        students = sorted({r["student"] for r in found["rows"]})
        want = sorted(["canvas.csv", "gradebook.csv", "grades.csv"] + [f"feedback/{s}.md" for s in students])
        if made != want:
            problems.append(f"the grades folder holds files the grader did not write: {sorted(set(made) - set(want))}")
    marker = expected.get("no_survivors")
    if marker and found["survivors"].get(marker):
        problems.append(f"processes {found['survivors'][marker]} outlived grading")
    return problems


@pytest.mark.notebook
@pytest.mark.parametrize("case", CASES)
def test_hostile_submission(case, hostile):
    assert hostile["proc"].returncode == 0, hostile["proc"].stderr[-3000:]
    expected = json.loads((HOSTILE / case / "expected.json").read_text())
    problems = outcome_problems(case, expected, hostile)
    assert not problems, f"{case} ({expected['attack']}):\n" + "\n".join(problems)


@pytest.mark.notebook
def test_hostile_batch_as_a_whole(hostile):
    proc = hostile["proc"]
    assert "kernels ran sandboxed with bubblewrap" in proc.stdout
    assert "WARNING" not in proc.stdout + proc.stderr
    assert hostile["elapsed"] < 30 + 240                      # the looper was stopped at its time limit
    assert hostile["before"] == hostile["after"]              # neither the package nor the source changed
    assert not any(r["points"] == "100" for r in hostile["rows"])


def test_hostile_submissions_are_up_to_date(tmp_path):
    """The committed hostile folder is what make_hostile.py makes from the fixture today."""
    for path in make_hostile.write(tmp_path):
        committed = HOSTILE / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run python tests/fixtures/coursework/make_hostile.py")


# -- the sample class, the command line and the docs ------------------------------------

SAMPLE_CSV = """\
student,notebook,question,check,points,max
ada,coursework_demo.ipynb,fx-double-test,fx.double,0.5,0.5
ada,coursework_demo.ipynb,fx-double-test,assert answer_double == 2 * RATE (hidden),0.5,0.5
ada,coursework_demo.ipynb,fx-served-test,fx.served,1.5,1.5
ada,coursework_demo.ipynb,fx-served-test,assert answer_served <= 3 * RATE * DURATION (hidden),0.5,0.5
ada,coursework_demo.ipynb,fx-drain-test,fx.drain,0.5,0.5
ada,coursework_demo.ipynb,fx-drain-test,"assert abs(drain_time(100, 50, 30) - 5.0) < 1e-9 (hidden)",0.5,0.5
ada,coursework_demo.ipynb,fx-explain-answer,,,1
ben,coursework_demo.ipynb,fx-double-test,fx.double,0.5,0.5
ben,coursework_demo.ipynb,fx-double-test,assert answer_double == 2 * RATE (hidden),0.5,0.5
ben,coursework_demo.ipynb,fx-served-test,fx.served,0,1.5
ben,coursework_demo.ipynb,fx-served-test,assert answer_served <= 3 * RATE * DURATION (hidden),0.5,0.5
ben,coursework_demo.ipynb,fx-drain-test,fx.drain,0,0.5
ben,coursework_demo.ipynb,fx-drain-test,"assert abs(drain_time(100, 50, 30) - 5.0) < 1e-9 (hidden)",0,0.5
ben,coursework_demo.ipynb,fx-explain-answer,,,1
cleo,coursework_demo.ipynb,fx-double-test,fx.double,0.5,0.5
cleo,coursework_demo.ipynb,fx-double-test,assert answer_double == 2 * RATE (hidden),0.5,0.5
cleo,coursework_demo.ipynb,fx-served-test,fx.served,0,1.5
cleo,coursework_demo.ipynb,fx-served-test,assert answer_served <= 3 * RATE * DURATION (hidden),0,0.5
cleo,coursework_demo.ipynb,fx-drain-test,fx.drain,0.5,0.5
cleo,coursework_demo.ipynb,fx-drain-test,"assert abs(drain_time(100, 50, 30) - 5.0) < 1e-9 (hidden)",0.5,0.5
cleo,coursework_demo.ipynb,fx-explain-answer,,0,1
"""

SAMPLE_GRADEBOOK = """\
student,coursework_demo,total,to mark by hand
Points Possible,5,5,
ada,4,4,1
ben,1.5,1.5,1
cleo,2,2,
"""


@pytest.mark.notebook
def test_sample_class_from_the_command_line(tmp_path):
    """The instructor guide's run: student edition, then the three samples graded."""
    proc = _cli("student", FIXTURE_DIR, tmp_path / "student")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "student" / NAME).exists() and (tmp_path / "student" / "README.md").exists()
    proc = _cli("grade", SAMPLES, "--source", FIXTURE_DIR, "--out", tmp_path / "grades",
                "--secret-file", tmp_path / "secret")
    assert proc.returncode == 0, proc.stderr
    assert "graded 3 notebook(s) of 3 student(s)" in proc.stdout
    assert f"created a course secret in {tmp_path / 'secret'}" in proc.stdout
    assert (tmp_path / "grades" / "grades.csv").read_text().replace("\r\n", "\n") == SAMPLE_CSV
    assert (tmp_path / "grades" / "gradebook.csv").read_text().replace("\r\n", "\n") == SAMPLE_GRADEBOOK
    assert sorted(p.name for p in (tmp_path / "grades" / "feedback").iterdir()) == \
        ["ada.md", "ben.md", "cleo.md"]


def test_command_line_errors(tmp_path, capsys):
    from vetora_nb.coursework.__main__ import main

    assert main(["grade", str(tmp_path / "nowhere"), "--source", str(FIXTURE_DIR),
                 "--out", str(tmp_path / "g"), "--no-hidden"]) == 2
    assert "submissions: no folder" in capsys.readouterr().err
    assert main(["grade", str(SAMPLES), "--source", str(FIXTURE_DIR), "--out", str(SAMPLES / "g"),
                 "--no-hidden"]) == 2
    assert "inside the submissions folder" in capsys.readouterr().err
    assert main(["check", str(FIXTURE_DIR)]) == 0
    assert "coursework_demo.ipynb: ok" in capsys.readouterr().out
    bad = _read(FIXTURE)
    bad.cells[7].metadata.nbgrader.pop("points")
    nbformat.write(bad, tmp_path / "bad.ipynb")
    assert main(["check", str(tmp_path / "bad.ipynb")]) == 1
    assert "graded cell needs 'points'" in capsys.readouterr().out
    assert main(["student", str(tmp_path / "bad.ipynb"), str(tmp_path / "out")]) == 2
    assert "needs 'points'" in capsys.readouterr().err


def test_lab_command_builds_the_edition_once_and_syncs(tmp_path, capsys):
    from vetora_nb.coursework.__main__ import main

    args = ["lab", str(FIXTURE), str(tmp_path / "edition"), str(tmp_path / "mine")]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "built the student edition of 1 notebook(s)" in first and "copied from the student edition" in first
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"student edition in {tmp_path / 'edition'} is up to date"


def test_sample_submissions_are_up_to_date(tmp_path):
    """The committed samples are what make_submissions.py makes from the fixture today."""
    for path in make_submissions.write(tmp_path):
        committed = SAMPLES / path.relative_to(tmp_path)
        assert json.loads(committed.read_text()) == json.loads(path.read_text()), (
            f"{committed} is stale: run python tests/fixtures/coursework/make_submissions.py")


def test_instructor_guide_shows_the_sample_run_and_the_isolation():
    guide = (REPO_ROOT / "docs" / "instructors.md").read_text()
    assert SAMPLE_CSV in guide and SAMPLE_GRADEBOOK in guide
    for command in ("make student", "make grade SUBMISSIONS=tests/fixtures/coursework/submissions",
                    "make lab EDITION=instructor", 'c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}'):
        assert command in guide, command
    for words in ("What the grader's isolation gives", "What it does not give", "bubblewrap",
                  "hidden variant", "canvas.csv", "gradebook.csv"):
        assert words in guide, words
    for message in ("not_answered_stub", "hidden_failed", "strays", "added_cell", "edited"):
        template = MESSAGES[message].split("{")[0]
        assert template in guide, message


def test_readme_quick_start_names_both_editions():
    readme = (REPO_ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make lab EDITION=instructor" in quick and "student edition" in quick


def test_make_targets():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    run = lambda *a: subprocess.run(["make", "-n", *a], cwd=REPO_ROOT, capture_output=True, text=True)
    lab = run("lab").stdout
    assert "-m vetora_nb.coursework lab notebooks/ build/student/ my_notebooks/" in lab
    assert "jupyter lab my_notebooks/" in lab
    assert "jupyter lab notebooks/" in run("lab", "EDITION=instructor").stdout
    assert run("lab", "EDITION=answers").returncode != 0
    student = run("student").stdout
    assert "-m vetora_nb.coursework student notebooks/ build/student/" in student
    assert "--wheel --zip build/student.zip" in student
    grade = run("grade", "SUBMISSIONS=subs").stdout
    assert "-m vetora_nb.coursework grade subs --source notebooks/ --out grades/" in grade
    assert "--secret-file .course_secret --sandbox auto" in grade
    missing = run("grade")
    assert missing.returncode != 0 and "SUBMISSIONS" in missing.stderr
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "bubblewrap" in ci and "apt-get install" in ci


# -- the real notebooks, graded (the first two with answers) -------------------------------

@pytest.fixture(scope="module")
def real_graded(tmp_path_factory, sources):
    """The first two real notebooks with answers, each graded as the instructor's and as blank."""
    root = tmp_path_factory.mktemp("real")
    subs = root / "subs"
    for path in REAL_GRADED:
        source = _read(sources[path.name])
        _put(subs, "teacher", source, name=path.name)
        _put(subs, "blank", cw.student_notebook(source, path.name), name=path.name)
    folder = sources[REAL_GRADED[0].name].parent
    result = cw.grade_submissions(subs, folder, root / "grades", timeout=300, jobs=2, secret=SECRET, log=None)
    return result, root / "grades"


@pytest.mark.notebook
@pytest.mark.parametrize("path", REAL_GRADED, ids=_ids(REAL_GRADED))
def test_real_notebook_grades(path, real_graded):
    result = real_graded[0]
    grades = [g for g in result.grades if g.notebook == path.name]
    assert not [g for g in grades if g.grader_error], [g.notes for g in grades]
    teacher = next(g for g in grades if g.student == "teacher")
    blank = next(g for g in grades if g.student == "blank")
    assert teacher.questions, f"{path.name} has answer cells but no graded cell"
    assert teacher.hidden_nb is not None
    strays = MESSAGES["strays"].split("}", 1)[1]
    for grade in (teacher, blank):     # the panels' own worker processes are not the student's
        assert not [n for n in grade.notes if strays in n], grade.notes
    for q in teacher.questions:
        if not q.manual:
            assert q.points == q.max_points, f"{path.name} {q.grade_id}: {q.message}"
    for q in blank.questions:
        if not q.manual:
            assert q.points == 0, f"{path.name} {q.grade_id} passes with no answer: {q.message}"
            assert q.message.startswith("not answered"), q.message
