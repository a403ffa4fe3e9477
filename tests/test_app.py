"""App mode: ``make app`` serves the pages in app/ with Voila, code hidden, widgets live.

The browser half follows test_browser.py (Debian's Chromium through
Playwright, the same flags): it starts the very command ``make app`` runs
(read from ``make -n``, so the test cannot drift from the Makefile) on a
free loopback port with a token, opens each page, waits for the panel,
moves the first slider with the keyboard and waits for the figure to be
redrawn, and requires that no traceback or error appears. It saves
``test-artifacts/app-<page>.png``. On the studio page it also makes an edit
through the forms that turns the design invalid, and back.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from notebook_runner import NOTEBOOKS_DIR, REPO_ROOT, execute_notebook, kernel_env, stored_output_problems
from test_browser import ARTIFACTS, SERVER_START_TIMEOUT, _free_port, move_first_slider_with_keyboard, slider_direction

APP_DIR = REPO_ROOT / "app"
PAGES = sorted(APP_DIR.glob("*.ipynb"))
PAGE_LOAD_TIMEOUT = 90_000   # ms: a kernel starts and the page's cells run
REDRAW_TIMEOUT = 30_000      # ms

_IMAGES_JS = "() => Array.from(document.querySelectorAll('img')).map(i => i.src).filter(s => s.startsWith('data:image'))"


def _ids(paths):
    return [p.name for p in paths]


# -- the pages, without a browser ---------------------------------------------------

def test_there_are_pages():
    assert [p.name for p in PAGES] == ["comparison.ipynb", "studio.ipynb"]


@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_a_page_is_committed_clean(page):
    assert stored_output_problems(page) == []


def test_the_comparison_page_is_notebook_00s_panel():
    """Same panel call, same seed: the page shows what notebook 00's panel shows."""
    def code(path):
        return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]

    nb00, page = code(NOTEBOOKS_DIR / "00_start_here.ipynb"), code(APP_DIR / "comparison.ipynb")
    panel_cell = next(c for c in nb00 if "ComparisonPanel(" in c)
    assert panel_cell in "\n".join(page)

    def seed(cells):
        return re.search(r"^SEED = (\d+)", "\n".join(cells), re.M).group(1)

    assert seed(page) == seed(nb00)


def _code(path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def test_the_studio_page_is_notebook_13s_studio():
    """The page builds notebook 13's studio, with notebook 13's seed, and shows nothing else."""
    nb13, page = _code(NOTEBOOKS_DIR / "13_design_studio.ipynb"), _code(APP_DIR / "studio.ipynb")
    assert "nb13.studio(seed=SEED" in nb13 and "nb13.studio(seed=SEED)" in page

    def seed(code):
        return re.search(r"^SEED = (\d+)", code, re.M).group(1)

    assert seed(page) == seed(nb13)


#: Images a page shows once it is ready: the studio draws the design, then the runs.
_READY_IMAGES = {"studio": 2}


@pytest.mark.notebook
@pytest.mark.parametrize("page", PAGES, ids=_ids(PAGES))
def test_a_page_runs_headless(page):
    execute_notebook(page, timeout=300)


# -- make app, in a browser -----------------------------------------------------------

def app_command(port: int, token: str) -> list[str]:
    """The command ``make app`` runs, with this port and token and this interpreter's tools."""
    with tempfile.NamedTemporaryFile() as stamp:   # stands in for the installed virtualenv
        out = subprocess.run(
            ["make", "-s", "-n", "-o", stamp.name, "app", f"STAMP={stamp.name}",
             f"BIN={Path(sys.executable).parent}", f"APP_PORT={port}", f"APP_TOKEN={token}"],
            cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return shlex.split(out.replace("\\\n", " "))


def test_make_app_binds_loopback_with_a_token():
    cmd = app_command(8866, "abc")
    assert Path(cmd[0]).name == "voila" and cmd[1] == "app/"
    assert "--Voila.ip=127.0.0.1" in cmd and "--token=abc" in cmd and "--port=8866" in cmd


@pytest.fixture(scope="module")
def app_server(chromium_path):
    port, token = _free_port(), secrets.token_hex(16)
    home = Path(tempfile.mkdtemp(prefix="vetora-app-"))
    env = kernel_env()
    for name in ("JUPYTER_CONFIG_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR"):
        (home / name.lower()).mkdir()
        env[name] = str(home / name.lower())
    log_path = home / "voila.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(app_command(port, token), cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"

    def tail():
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])

    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited with {proc.returncode}:\n{tail()}")
            try:
                urllib.request.urlopen(f"{base}/?token={token}", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"voila did not answer on {base}:\n{tail()}") from None
                time.sleep(0.25)
        yield base, token, tail
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


@pytest.mark.browser
def test_a_page_needs_the_token(app_server):
    base, token, _ = app_server

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    for url in (f"{base}/voila/render/comparison.ipynb", f"{base}/voila/render/comparison.ipynb?token=wrong"):
        with pytest.raises(urllib.error.HTTPError) as info:
            opener.open(url, timeout=10)
        assert info.value.code in (302, 403), url


@pytest.mark.browser
@pytest.mark.parametrize("page_file", PAGES, ids=_ids(PAGES))
def test_a_page_loads_and_a_slider_redraws(page_file, app_server, browser, record_property):
    base, token, tail = app_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    shot = ARTIFACTS / f"app-{page_file.stem}.png"
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        started = time.monotonic()
        page.goto(f"{base}/voila/render/{page_file.name}?token={token}")
        ready = _READY_IMAGES.get(page_file.stem, 1)
        page.wait_for_function(f"() => ({_IMAGES_JS})().length >= {ready}", timeout=PAGE_LOAD_TIMEOUT, polling=200)
        loaded_s = time.monotonic() - started
        text = page.inner_text("body")
        for code in ("ComparisonPanel", "import vetora_nb", "nb13.studio", "from vetora_nb"):
            assert code not in text, f"the page shows code: {code!r}"
        before = page.evaluate(_IMAGES_JS)
        value = move_first_slider_with_keyboard(page, presses=1, key=slider_direction(page))
        moved = time.monotonic()
        page.wait_for_function(f"before => JSON.stringify(({_IMAGES_JS})()) !== JSON.stringify(before)",
                               arg=before, timeout=REDRAW_TIMEOUT, polling=100)
        redraw_s = time.monotonic() - moved
        text = page.inner_text("body")
        for bad in ("Traceback", "There was an error", "Could not simulate", "Error displaying widget"):
            assert bad not in text, f"{bad!r} on the page:\n{text[:3000]}\n--- voila log ---\n{tail()}"
        page.screenshot(path=str(shot), full_page=True)
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"app-{page_file.stem}-failed.png"), full_page=True)
        raise
    finally:
        context.close()
    record_property("slider_redraw_ms", round(redraw_s * 1000))
    print(f"\napp {page_file.name}: page with its figure in {loaded_s:.1f} s; slider -> {value}, "
          f"redrawn in {redraw_s * 1000:.0f} ms")


@pytest.mark.browser
def test_the_studio_explains_an_invalid_design_in_the_browser(app_server, browser):
    """An edit through the page's forms: a call back from payment to orders is a
    cycle, said in words on the page (no traceback) and not run; removing it runs again."""
    base, token, tail = app_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{base}/voila/render/studio.ipynb?token={token}")
        page.wait_for_function(f"() => ({_IMAGES_JS})().length >= 2", timeout=PAGE_LOAD_TIMEOUT, polling=200)
        ends = page.locator("input[placeholder='service or stream']")
        ends.nth(0).fill("payment")
        ends.nth(1).fill("orders")
        edge_row = page.locator(".widget-hbox", has=ends.nth(0))
        edge_row.locator("button", has_text="add").click()
        page.wait_for_function("() => document.body.innerText.includes('form a cycle')", timeout=REDRAW_TIMEOUT)
        page.wait_for_function("() => document.body.innerText.includes('Could not simulate')", timeout=REDRAW_TIMEOUT)
        assert len(page.evaluate(_IMAGES_JS)) == 0       # neither the drawing nor the runs stay on show
        edge_row.locator("button", has_text="remove").click()
        page.wait_for_function(f"() => ({_IMAGES_JS})().length >= 2", timeout=REDRAW_TIMEOUT, polling=200)
        text = page.inner_text("body")
        for bad in ("Traceback", "There was an error", "Could not simulate", "Error displaying widget"):
            assert bad not in text, f"{bad!r} on the page:\n{text[:3000]}\n--- voila log ---\n{tail()}"
    except BaseException:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / "app-studio-edit-failed.png"), full_page=True)
        raise
    finally:
        context.close()
