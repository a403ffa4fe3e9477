"""Coursework: the student edition, the autograder and the nbgrader round trip.

Held to the promises of ``docs/instructors.md``:

- the student edition holds no solution and no hidden test, keeps everything
  else, carries no outputs or widget state, and runs up to the first exercise,
  where the first answer cell's stub raises ``NotImplementedError``;
- nbgrader's own ``generate_assignment`` makes the same student edition;
- the grader gives the instructor's notebook full marks and the untouched
  student edition zero on the code questions; each student is graded against
  their own variant; every kind of damaged submission gets its documented
  message and never stops the batch; an endless loop is stopped.

The fixture notebook (``tests/fixtures/coursework/``) exercises all of it.
Every notebook in ``notebooks/`` with answer cells is checked too, from one
snapshot taken when the module starts: statically (no solution or hidden
test shown, every other cell unchanged, nbgrader makes the same edition),
and the first two of them are graded as the instructor's notebook and as the
blank student edition, which also shows that edition running up to its first
exercise. Running notebooks is what takes time (up to half a minute each), so
the others are left to the static checks and to ``test_notebooks_execute``,
which runs every source notebook; ``COURSEWORK_RUN_ALL=1`` runs every
student edition up to its first exercise as well.
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
from pathlib import Path

import nbformat
import pytest

from notebook_runner import (
    REPO_ROOT,
    NotebookExecutionError,
    execute_notebook,
    notebook_paths,
    stored_output_problems,
)
from vetora_nb import coursework as cw
from vetora_nb import exercises as ex
from vetora_nb.coursework import cells as C
from vetora_nb.coursework.grading import MESSAGES

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "coursework"
FIXTURE = FIXTURE_DIR / "coursework_demo.ipynb"
SAMPLES = FIXTURE_DIR / "submissions"

sys.path.insert(0, str(FIXTURE_DIR))
import fixture_exercises as fx  # noqa: E402
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
# Student editions run headless: the fixture and the graded real notebooks (whose
# blank run the grader does anyway); COURSEWORK_RUN_ALL=1 runs every one.
EXECUTED = [FIXTURE] + (REAL if os.environ.get("COURSEWORK_RUN_ALL") else REAL_GRADED)


def _ids(paths):
    return [p.relative_to(REPO_ROOT).as_posix() for p in paths]


def _read(path):
    return nbformat.read(path, as_version=4)


def _first_code_answer(nb) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and C.is_solution(c)), None)


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
    out = tmp_path_factory.mktemp("student")
    built = {}
    for path in EDITIONS:
        try:
            built[path.name] = cw.build_student_edition(sources[path.name], out)[0]
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
            for line in src.source.split("\n") if marked else []:   # lines outside the markers stay (ex.check...)
                if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
                    inside = "BEGIN" in line
                elif not inside:
                    assert line in stu.source.split("\n"), f"{where}: lost {line!r}"
            assert stu.metadata["deletable"] is False, where
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
def test_student_edition_runs_up_to_the_first_exercise(path, editions, fixture_importable, request):
    student_path = _edition(editions, path)
    first = _first_code_answer(_read(student_path))
    if path in REAL_GRADED:   # already run by the grader as the "blank" submission: look there
        ran = _read(request.getfixturevalue("real_graded")[1] / "autograded" / "blank" / path.name)
        failed = [(i, o) for i, c in enumerate(ran.cells) if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        if first is None:
            assert not failed, f"{path.name}: {failed[0]}"
        else:
            assert failed and failed[0][0] == first and failed[0][1].ename == "NotImplementedError", (
                f"{path.name}: the first error should be answer cell {first}'s NotImplementedError, "
                f"not {failed[0] if failed else 'none'}")
        return
    try:
        execute_notebook(student_path, timeout=300)
    except NotebookExecutionError as err:
        message = str(err)
        stop = int(re.search(r" in cell (\d+) ", message).group(1))
        assert first is not None, f"{path.name} has no answer cell, yet failed:\n{message}"
        assert stop == first and "NotImplementedError" in message, (
            f"{path.name}: the student edition should run until the first answer cell "
            f"(cell {first}) raises NotImplementedError; it stopped here:\n{message}")
    else:
        assert first is None, f"{path.name}: answer cell {first} ran without raising NotImplementedError"


def test_student_readme_and_refusals(tmp_path):
    written = cw.build_student_edition(FIXTURE_DIR, tmp_path / "out", course_seed=2024)
    assert [p.name for p in written] == [FIXTURE.name]
    readme = (tmp_path / "out" / "README.md").read_text()
    assert FIXTURE.name in readme and "VETORA_COURSE_SEED=2024" in readme
    with pytest.raises(ValueError, match="overwrite the instructor notebooks"):
        cw.build_student_edition(FIXTURE_DIR, FIXTURE_DIR)
    broken = _read(FIXTURE)
    broken.cells[6].metadata.nbgrader["solution"] = False     # solution markers, no answer cell
    nbformat.write(broken, tmp_path / "broken.ipynb")
    with pytest.raises(cw.AuthoringError, match="solution markers in a cell that is not an answer"):
        cw.build_student_edition(tmp_path / "broken.ipynb", tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()


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
], ids=["duplicate-id", "no-points", "no-id", "bad-id", "unterminated", "nested", "hidden-outside",
        "markdown-answer-not-graded"])
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
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {'sqlite:///' + str(course / 'gradebook.db')!r}\n")
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


GOOD = {"fx-double-answer": "answer_double = RATE * 2", "fx-served-answer": make_submissions.SERVED,
        "fx-drain-answer": "return backlog / (capacity - arrival_rate)"}


def _rate(student: str, course_seed: int = 0) -> int:
    return ex.variant(fx.VARIANTS, student_id=student, course_seed=course_seed)["RATE"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: the three samples plus every damaged case, graded together."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "submissions"
    shutil.copytree(SAMPLES, subs)
    _put(subs, "teacher", _read(FIXTURE))
    _put(subs, "blank", cw.student_notebook(_read(FIXTURE)))
    (subs / "trunc").mkdir()
    (subs / "trunc" / NAME).write_text(FIXTURE.read_text()[:700])
    (subs / "notnb").mkdir()
    (subs / "notnb" / NAME).write_text('{"hello": "world"}')
    _put(subs, "raiser", _answered(**{**GOOD, "fx-double-answer": "answer_double = RATE / 0"}))
    _put(subs, "killer", _answered(**{**GOOD, "fx-double-answer": "import os\nos._exit(1)"}))
    dora = _answered(**GOOD)
    dora.cells = [c for c in dora.cells if C.grade_id(c) != "fx-served-test"]      # deleted a test
    double = next(c for c in dora.cells if C.grade_id(c) == "fx-double-answer")
    double.cell_type = "markdown"                                                  # pressed M
    del double["outputs"], double["execution_count"]
    stray = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {
        "grade": False, "solution": True, "locked": False, "grade_id": "nb99-stray-answer",
        "schema_version": 3}})
    dora.cells.append(stray)
    _put(subs, "dora", dora)
    # Variants: two students, one typed-in number that is right for the first only.
    a, b = "vic", next(s for s in ("wes", "xia", "yan", "zoe") if _rate(s) != _rate("vic"))
    typed = _answered(**{**GOOD, "fx-double-answer": f"answer_double = {2 * _rate(a)}"})
    _put(subs, a, typed)
    _put(subs, b, typed)
    (subs / "absent").mkdir()
    _put(subs, "absent", _read(FIXTURE), name="scratch.ipynb")
    started = time.monotonic()
    result = cw.grade_submissions(subs, FIXTURE_DIR, root / "grades", timeout=120, jobs=2, log=None)
    return result, root / "grades", time.monotonic() - started, (a, b)


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
    manual = _q(result, "teacher", "fx-explain-answer")
    assert manual.points is None and manual.message == "to be marked by hand"
    assert _g(result, "ada").points == _g(result, "teacher").points == 4


@pytest.mark.notebook
def test_untouched_student_edition_gets_zero(graded):
    result = graded[0]
    for gid in TESTS:
        q = _q(result, "blank", gid)
        assert q.points == 0
        assert q.message == MESSAGES["not_answered_stub"].format(gid=gid.replace("-test", "-answer"))
    assert _q(result, "blank", "fx-explain-answer").message == "not answered: 0 points"


@pytest.mark.notebook
def test_partly_wrong_answers(graded):
    result = graded[0]
    assert _q(result, "ben", "fx-double-test").points == 1
    served = _q(result, "ben", "fx-served-test")
    assert served.points == 0 and served.message.startswith("AssertionError: fx.served: not yet (too low)")
    drain = _q(result, "ben", "fx-drain-test")
    assert drain.points == 0 and drain.message.startswith("AssertionError: fx.drain: not yet")
    assert _q(result, "ben", "fx-explain-answer").answer_text.startswith("Because")


@pytest.mark.notebook
def test_damaged_submissions_get_their_messages(graded):
    result = graded[0]
    # cleo: answer cell deleted, locked test edited, answer duplicated, written answer left blank
    assert _q(result, "cleo", "fx-served-test").message == "answer cell fx-served-answer missing: 0 points"
    double = _q(result, "cleo", "fx-double-test")
    assert double.points == 1 and double.message == (
        "passed; locked cell fx-double-test was changed in the submission: the original was used")
    drain = _q(result, "cleo", "fx-drain-test")
    assert drain.points == 1 and "grade_id fx-drain-answer appears 2 times in the submission: " \
                                 "the first copy was graded" in drain.message
    assert _q(result, "cleo", "fx-explain-answer").message == "not answered: 0 points"

    for student, reason in [("trunc", "not a valid notebook (invalid JSON"),
                            ("notnb", "not a valid notebook (no list of cells): 0 points")]:
        for gid in TESTS + ["fx-explain-answer"]:
            q = _q(result, student, gid)
            assert q.points == 0 and q.message.startswith(reason), (student, q)

    raiser = _q(result, "raiser", "fx-double-test")
    assert raiser.points == 0
    assert raiser.message == "ZeroDivisionError: division by zero (raised by the answer cell fx-double-answer)"
    assert _q(result, "raiser", "fx-drain-test").points == 1      # the rest still ran

    killer = _g(result, "killer")
    assert "the kernel died while running fx-double-answer" in killer.notes
    assert all(q.points == 0 for q in killer.questions if not q.manual)
    assert _q(result, "killer", "fx-served-test").message == (
        "not run: the kernel died while running fx-double-answer: 0 points")

    dora = _g(result, "dora")
    assert _q(result, "dora", "fx-served-test").message == (
        "passed; locked cell fx-served-test was deleted from the submission: the original was used")
    assert _q(result, "dora", "fx-double-test").message == (
        "passed; answer cell fx-double-answer was turned into a markdown cell: it was graded as code")
    assert "cell with grade_id nb99-stray-answer is not part of this notebook: ignored" in dora.notes

    absent = _g(result, "absent")
    assert all(q.points == 0 and q.message == "notebook not submitted: 0 points" for q in absent.questions)
    assert result.student_notes["absent"] == ["scratch.ipynb is not an assigned notebook: not graded"]


@pytest.mark.notebook
def test_each_student_is_graded_against_their_own_variant(graded):
    result, (a, b) = graded[0], graded[3]
    assert _rate(a) != _rate(b)
    assert _q(result, a, "fx-double-test").points == 1
    wrong = _q(result, b, "fx-double-test")
    assert wrong.points == 0 and "fx.double: not yet" in wrong.message
    # answers computed in code are right for everyone; the simulation-checked one too
    for student in ("ada", a, b):
        assert _q(result, student, "fx-served-test").points == 2, student
    graded_nb = (graded[1] / "autograded" / "ada" / NAME).read_text()
    assert f"RATE = {_rate('ada')}/s" in graded_nb
    assert _rate("ada") != fx.VARIANTS["RATE"][0]   # not the default: the grader's id was used


@pytest.mark.notebook
def test_grades_csv_and_feedback_files(graded):
    result, out = graded[0], graded[1]
    rows = list(csv.DictReader(io.StringIO(result.csv_path.read_text())))
    assert list(rows[0]) == ["student", "notebook", "question", "points", "max"]
    students = {g.student for g in result.grades}
    assert len(rows) == 4 * len(students)
    assert {r["question"] for r in rows} == set(TESTS) | {"fx-explain-answer"}
    ada = {r["question"]: r for r in rows if r["student"] == "ada"}
    assert (ada["fx-served-test"]["points"], ada["fx-served-test"]["max"]) == ("2", "2")
    assert ada["fx-explain-answer"]["points"] == ""   # to be marked by hand
    for student in students:
        text = (out / "feedback" / f"{student}.md").read_text()
        assert text.startswith(f"# Feedback for {student}")
        assert f"## {NAME}" in text
    cleo = (out / "feedback" / "cleo.md").read_text()
    assert "| fx-served-test | 0 / 2 | answer cell fx-served-answer missing: 0 points |" in cleo
    assert (out / "autograded" / "ada" / NAME).exists()


@pytest.mark.notebook
def test_an_endless_loop_is_stopped_and_the_batch_goes_on(tmp_path):
    subs = tmp_path / "subs"
    _put(subs, "looper", _answered(**{**GOOD, "fx-double-answer": "while True:\n    pass"}))
    shutil.copytree(SAMPLES / "ada", subs / "ada")
    children_before = _children()
    started = time.monotonic()
    result = cw.grade_submissions(subs, FIXTURE_DIR, tmp_path / "grades", timeout=10, log=None)
    elapsed = time.monotonic() - started
    assert elapsed < 10 + 60
    looper = _g(result, "looper")
    assert "notebook timed out after 10 s (in fx-double-answer): the kernel was stopped" in looper.notes
    for gid in TESTS:
        assert _q(result, "looper", gid).message == "not run: notebook timed out after 10 s: 0 points"
    assert _g(result, "ada").points == 4
    assert _children() <= children_before, "a kernel outlived its timeout"


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
    nb = _answered(**{**GOOD, "fx-double-answer": _DROP.format(flag=tmp_path / "flag", always=always)})
    path = _put(tmp_path, "ada", nb)
    started = time.monotonic()
    grade = cw.grade_notebook(FIXTURE, path, "ada", timeout=120, stall_after=3)
    assert time.monotonic() - started < 90
    first = "the kernel stopped answering in fx-double-test (a Jupyter fault): the notebook was run again"
    assert grade.notes[0] == first
    if not always:
        assert grade.points == 4 and len(grade.notes) == 1
    else:
        assert grade.notes[1] == "the kernel stopped answering in fx-double-test, twice: the kernel was stopped"
        assert grade.points == 0
        assert grade.questions[0].message == "not run: the kernel stopped answering in fx-double-test: 0 points"


def _children() -> set[int]:
    """Live child processes of this process (Linux), to see that kernels were stopped."""
    me, found = os.getpid(), set()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(entry.name))
    return found


# -- the sample class, the command line and the docs ------------------------------------

SAMPLE_CSV = """\
student,notebook,question,points,max
ada,coursework_demo.ipynb,fx-double-test,1,1
ada,coursework_demo.ipynb,fx-served-test,2,2
ada,coursework_demo.ipynb,fx-drain-test,1,1
ada,coursework_demo.ipynb,fx-explain-answer,,1
ben,coursework_demo.ipynb,fx-double-test,1,1
ben,coursework_demo.ipynb,fx-served-test,0,2
ben,coursework_demo.ipynb,fx-drain-test,0,1
ben,coursework_demo.ipynb,fx-explain-answer,,1
cleo,coursework_demo.ipynb,fx-double-test,1,1
cleo,coursework_demo.ipynb,fx-served-test,0,2
cleo,coursework_demo.ipynb,fx-drain-test,1,1
cleo,coursework_demo.ipynb,fx-explain-answer,0,1
"""


def _cli(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "vetora_nb.coursework", *map(str, args)],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.mark.notebook
def test_sample_class_from_the_command_line(tmp_path):
    """The instructor guide's run: student edition, then the three samples graded."""
    proc = _cli("student", FIXTURE_DIR, tmp_path / "student")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "student" / NAME).exists() and (tmp_path / "student" / "README.md").exists()
    proc = _cli("grade", SAMPLES, "--source", FIXTURE_DIR, "--out", tmp_path / "grades")
    assert proc.returncode == 0, proc.stderr
    assert "graded 3 notebook(s) of 3 student(s)" in proc.stdout
    assert (tmp_path / "grades" / "grades.csv").read_text().replace("\r\n", "\n") == SAMPLE_CSV
    assert sorted(p.name for p in (tmp_path / "grades" / "feedback").iterdir()) == \
        ["ada.md", "ben.md", "cleo.md"]


def test_command_line_errors(tmp_path, capsys):
    from vetora_nb.coursework.__main__ import main

    assert main(["grade", str(tmp_path / "nowhere"), "--source", str(FIXTURE_DIR),
                 "--out", str(tmp_path / "g")]) == 2
    assert "submissions: no folder" in capsys.readouterr().err
    assert main(["grade", str(SAMPLES), "--source", str(FIXTURE_DIR), "--out", str(SAMPLES / "g")]) == 2
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


def test_sample_submissions_are_up_to_date(tmp_path):
    """The committed samples are what make_submissions.py makes from the fixture today."""
    for path in make_submissions.write(tmp_path):
        committed = SAMPLES / path.relative_to(tmp_path)
        assert json.loads(committed.read_text()) == json.loads(path.read_text()), (
            f"{committed} is stale: run python tests/fixtures/coursework/make_submissions.py")


def test_instructor_guide_shows_the_sample_run():
    guide = (REPO_ROOT / "docs" / "instructors.md").read_text()
    assert SAMPLE_CSV in guide
    for command in ("make student", "make grade SUBMISSIONS=tests/fixtures/coursework/submissions"):
        assert command in guide


def test_make_targets():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    run = lambda *a: subprocess.run(["make", "-n", *a], cwd=REPO_ROOT, capture_output=True, text=True)
    student = run("student").stdout
    assert "-m vetora_nb.coursework student notebooks/ build/student/" in student
    grade = run("grade", "SUBMISSIONS=subs").stdout
    assert "-m vetora_nb.coursework grade subs --source notebooks/ --out grades/" in grade
    missing = run("grade")
    assert missing.returncode != 0 and "SUBMISSIONS" in missing.stderr


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
    result = cw.grade_submissions(subs, folder, root / "grades", timeout=300, jobs=2, log=None)
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
    for q in teacher.questions:
        if not q.manual:
            assert q.points == q.max_points, f"{path.name} {q.grade_id}: {q.message}"
    for q in blank.questions:
        if not q.manual:
            assert q.points == 0, f"{path.name} {q.grade_id} passes with no answer: {q.message}"
