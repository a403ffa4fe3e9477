"""A reader's first minutes, replayed in a real browser.

Headless execution (test_notebooks_execute.py) proves the code runs; it cannot
prove that widgets render, that the JupyterLab extension for ipywidgets is
installed, or that moving a slider redraws the plot. This module starts
JupyterLab, drives it with Debian's Chromium through Playwright, presses
Run All, moves the first slider with the keyboard and waits for the plot to
change, then saves a screenshot to test-artifacts/.

Notebooks are copied into a temporary tree that mirrors the repository (see
``prepare_root``), so the browser never saves over committed files.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from notebook_runner import NOTEBOOKS_DIR, REPO_ROOT, kernel_env, notebook_paths

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
FIXTURE_NOTEBOOK = REPO_ROOT / "tests" / "fixtures" / "slider_demo.ipynb"

# Every notebook of the collection must work in the browser, its main panel's
# first slider driving its plot; the summary gives the median release -> redraw.
BROWSER_NOTEBOOKS = [path.name for path in notebook_paths()]


SERVER_START_TIMEOUT = 60  # s
KERNEL_IDLE_TIMEOUT = 60_000  # ms
RUN_ALL_TIMEOUT = 45_000  # ms
REDRAW_TIMEOUT = 15_000  # ms
REDRAW_SETTLE = 750  # ms without a further image change counts as "done"

# JupyterLab settings for the test server: no news/update prompt covering the
# page (there is no network anyway), no autosave, and every cell attached to
# the DOM (the default windowing may leave off-screen cells out of it).
LAB_USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# --------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------


@dataclass
class LabServer:
    base_url: str
    token: str
    root: Path  # the server's root_dir: notebooks opened by name live here
    log_path: Path

    def api(self, method: str, path: str) -> object:
        """Call the server's REST API; JSON in, JSON out."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        request = urllib.request.Request(url, method=method)
        request.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_root(workdir: Path) -> Path:
    """Make ``workdir/notebooks`` (returned) beside links to the repo's other folders.

    Notebooks are copied in one by one (``add_notebook``); relative paths such
    as ``../data/...`` still resolve, because the siblings are symlinks to
    the repository's own folders.
    """
    notebooks = workdir / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    for entry in REPO_ROOT.iterdir():
        if entry.name == "notebooks" or entry.name.startswith("."):
            continue
        link = workdir / entry.name
        if not link.exists():
            link.symlink_to(entry)
    return notebooks


def add_notebook(root: Path, notebook: Path) -> str:
    """Copy ``notebook`` into the server root and return the name to open."""
    shutil.copy2(notebook, root / notebook.name)
    return notebook.name


def start_lab_server(root: Path, home: Path) -> tuple[subprocess.Popen, LabServer]:
    """Start JupyterLab on a free loopback port and wait for its API to answer."""
    port = _free_port()
    token = secrets.token_hex(16)
    env = kernel_env()  # the server's kernels inherit this; keep the inline backend
    for name in ("JUPYTER_CONFIG_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR"):
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    settings_dir = home / "jupyter_config_dir" / "lab" / "user-settings"
    for rel, values in LAB_USER_SETTINGS.items():
        target = settings_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))

    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log_path = home / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log_path)

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            server.api("GET", "api/status")
            return proc, server
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if time.monotonic() > deadline:
            stop_lab_server(proc)
            raise RuntimeError(
                f"JupyterLab did not answer on {server.base_url} within "
                f"{SERVER_START_TIMEOUT} s:\n{server.log_tail()}"
            )
        time.sleep(0.25)


def stop_lab_server(proc: subprocess.Popen) -> None:
    """SIGTERM lets the server shut its kernels down; SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def shutdown_sessions(server: LabServer) -> None:
    """Stop every kernel, so one notebook's kernel does not slow the next test."""
    try:
        for session in server.api("GET", "api/sessions"):
            server.api("DELETE", f"api/sessions/{session['id']}")
    except (urllib.error.URLError, OSError):
        pass


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def lab_server(chromium_path):
    """One JupyterLab for the whole session, serving a temporary root."""
    workdir = Path(tempfile.mkdtemp(prefix="vetora-lab-"))
    root = prepare_root(workdir / "tree")
    proc, server = start_lab_server(root, workdir / "home")
    try:
        yield server
    finally:
        shutdown_sessions(server)
        stop_lab_server(proc)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def page(browser, lab_server):
    """A fresh browser context (cookies, storage) per test; kernels stopped after."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()
        shutdown_sessions(lab_server)


# --------------------------------------------------------------------------
# Page helpers (reusable for any notebook)
# --------------------------------------------------------------------------

_KERNEL_READY_JS = """() => {
    const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
    const bar = Array.from(document.querySelectorAll('.jp-StatusBar-TextItem'))
        .some(e => / \\| Idle$/.test(e.textContent.trim()));
    return !!ind && ind.getAttribute('data-status') === 'idle' && bar;
}"""

# Done when every non-empty code cell shows an execution count, or when an
# error output ended Run All early (JupyterLab stops at the first error).
_RUN_ALL_DONE_JS = """() => {
    const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
    if (!nb) return false;
    const prompts = Array.from(nb.querySelectorAll('.jp-CodeCell')).map(cell => [
        (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
        (cell.querySelector('.jp-InputArea-editor') || {}).textContent || '',
    ]);
    if (prompts.some(([p]) => p.includes('*'))) return false;
    const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
    if (!ind || ind.getAttribute('data-status') !== 'idle') return false;
    const allNumbered = prompts.every(([p, src]) => /\\[\\d+\\]/.test(p) || src.trim() === '');
    const failed = Array.from(nb.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
        .some(e => e.textContent.includes('Traceback'));
    return allNumbered || failed;
}"""


def wait_for_kernel_idle(page, timeout: int = KERNEL_IDLE_TIMEOUT) -> None:
    """Wait until the notebook's kernel is connected and idle.

    The toolbar indicator alone can read "idle" before the kernel session is
    connected, so the status bar's "| Idle" text is required as well.
    """
    page.wait_for_function(_KERNEL_READY_JS, timeout=timeout, polling=100)


def open_and_run_all(page, base_url: str, token: str, notebook_name: str,
                     timeout: int = RUN_ALL_TIMEOUT) -> float:
    """Open a notebook, run all cells through the Run menu; return seconds taken.

    Each call opens its own workspace so JupyterLab does not restore tabs
    (and kernels) from an earlier test.
    """
    workspace = "t" + secrets.token_hex(4)
    path = urllib.parse.quote(notebook_name)
    page.goto(f"{base_url}/lab/workspaces/{workspace}/tree/{path}?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=KERNEL_IDLE_TIMEOUT)
    wait_for_kernel_idle(page)
    started = time.monotonic()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(_RUN_ALL_DONE_JS, timeout=timeout, polling=100)
    return time.monotonic() - started


_STDERR_ERROR = re.compile(r"Traceback|\b\w*Error\b")


def assert_no_traceback(page) -> None:
    """Fail if any output shows an error.

    JupyterLab renders tracebacks as stderr output, so that is what is
    searched; also catches a widget that could not be displayed (e.g. the
    ipywidgets lab extension missing), which is not an error to the kernel.
    """
    outputs = page.evaluate(
        """() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
            .map(e => [e.getAttribute('data-mime-type') || '', e.textContent])"""
    )
    bad = [
        text
        for mime, text in outputs
        if (mime == "application/vnd.jupyter.stderr" and _STDERR_ERROR.search(text))
        or "Error displaying widget" in text
    ]
    assert not bad, "error output in the notebook:\n\n" + "\n-----\n".join(t[:2000] for t in bad)


# ipywidgets 8 uses noUiSlider; the jQuery UI handle is ipywidgets 7's.
#: A notebook's panels carry this class (``widgets.Panel``); the first one is its main panel.
PANEL = ".vetora-panel"


def _slider_handle(scope: str = "") -> str:
    """The CSS selector of slider handles inside ``scope`` (the whole page when empty)."""
    return ", ".join(f"{scope} .widget-slider {h}".strip() for h in (".noUi-handle", ".ui-slider-handle"))

_SLIDER_VALUE_JS = """el => el.getAttribute('aria-valuenow')
    ?? el.closest('.widget-slider').querySelector('.widget-readout')?.textContent"""

# Records, in page time, every change of the notebook's images and every key
# release, so the redraw time is measured inside the browser.
_WATCH_IMAGES_JS = """(images) => {
    const old = window.__vetoraWatch;
    if (old) { old.observer.disconnect(); document.removeEventListener('keyup', old.onKeyup, true); }
    const sig = () => Array.from(document.querySelectorAll(images)).map(i => i.src).join('|');
    const w = window.__vetoraWatch = {changes: [], keyups: [], last: sig()};
    w.onKeyup = e => w.keyups.push(e.timeStamp);
    w.observer = new MutationObserver(() => {
        const s = sig();
        if (s && s !== w.last) { w.last = s; w.changes.push(performance.now()); }
    });
    w.observer.observe(document.querySelector('.jp-Notebook'),
        {childList: true, subtree: true, attributes: true, attributeFilter: ['src']});
    document.addEventListener('keyup', w.onKeyup, true);
}"""


_IMAGES = ".jp-Notebook .jp-OutputArea-output img"


def image_sources(page, images: str = _IMAGES) -> list[str]:
    return page.eval_on_selector_all(images, "els => els.map(e => e.src)")


def slider_direction(page, scope: str = "") -> str:
    """The arrow key that moves the first slider towards the farther of its ends
    (a few steps may not fit on the nearer side: a menu of five key spaces)."""
    handle = page.locator(_slider_handle(scope)).first
    handle.wait_for(state="visible", timeout=10_000)
    try:
        now, low, high = (float(handle.get_attribute(f"aria-value{a}")) for a in ("now", "min", "max"))
    except (TypeError, ValueError):    # no numeric position: right, unless at the end
        value = handle.element_handle().evaluate(_SLIDER_VALUE_JS)
        return "ArrowLeft" if value is not None and value == handle.get_attribute("aria-valuemax") else "ArrowRight"
    return "ArrowRight" if high - now >= now - low else "ArrowLeft"


def move_first_slider_with_keyboard(page, presses: int = 3, key: str = "ArrowRight", scope: str = "") -> str:
    """Focus the first ipywidgets slider, press ``key``, return its new value.

    Keyboard rather than mouse: it needs no coordinates, and with
    ``continuous_update=False`` each key press commits a value, like a mouse
    release. Waits until the slider shows a new value.
    """
    handle = page.locator(_slider_handle(scope)).first
    handle.wait_for(state="visible", timeout=10_000)
    handle.scroll_into_view_if_needed()
    element = handle.element_handle()
    before = element.evaluate(_SLIDER_VALUE_JS)
    handle.focus()
    for _ in range(presses):
        page.keyboard.press(key)
    page.wait_for_function(
        f"([el, before]) => ({_SLIDER_VALUE_JS})(el) !== before", arg=[element, before], timeout=5_000
    )
    return element.evaluate(_SLIDER_VALUE_JS)


def measure_slider_redraw(page, presses: int = 3, key: str = "ArrowRight", scope: str = "") -> dict:
    """Move the first slider and time key release -> plot redrawn, in ms.

    "Redrawn" is the last image change before the images stay unchanged for
    REDRAW_SETTLE ms: each press may redraw, the reader waits for the last.
    """
    page.evaluate(_WATCH_IMAGES_JS, f"{scope} img" if scope else _IMAGES)
    value = move_first_slider_with_keyboard(page, presses, key, scope)
    try:
        page.wait_for_function(
            "() => window.__vetoraWatch.changes.length > 0", timeout=REDRAW_TIMEOUT, polling=50
        )
    except PlaywrightTimeoutError:
        assert_no_traceback(page)
        pytest.fail(f"slider moved to {value} but no plot image changed within {REDRAW_TIMEOUT} ms")
    page.wait_for_function(
        f"() => performance.now() - window.__vetoraWatch.changes.at(-1) > {REDRAW_SETTLE}",
        timeout=REDRAW_TIMEOUT, polling=100,
    )
    watch = page.evaluate("() => ({changes: window.__vetoraWatch.changes, keyups: window.__vetoraWatch.keyups})")
    release = watch["keyups"][-1]
    return {
        "value": value,
        "redraws": len(watch["changes"]),
        "release_to_first_redraw_ms": watch["changes"][0] - release,
        "release_to_redraw_ms": watch["changes"][-1] - release,
    }


def run_notebook_in_browser(page, server: LabServer, notebook: Path) -> dict:
    """The whole flow for one notebook; returns timings (ms) for the report.

    Open, Run All, require a plot image, move the first slider, require the
    plot to change, require no error output. Saves a screenshot either way
    (``browser-<name>.png``, or ``browser-<name>-failed.png``).
    """
    ARTIFACTS.mkdir(exist_ok=True)
    name = add_notebook(server.root, notebook)
    started = time.monotonic()
    try:
        run_all_s = open_and_run_all(page, server.base_url, server.token, name)
        assert_no_traceback(page)
        # The main panel's first slider and picture; a notebook with no panel: the first of each.
        scope = PANEL if page.locator(PANEL).count() else ""
        images = f"{scope} img" if scope else _IMAGES
        first_image = page.locator(images).first
        first_image.wait_for(state="visible", timeout=REDRAW_TIMEOUT)
        before = image_sources(page, images)
        # One step is what a mouse release does; a burst shows queued redraws. Both the
        # same way, so that the burst cannot bring the slider back where it started.
        key = slider_direction(page, scope)
        single = measure_slider_redraw(page, presses=1, key=key, scope=scope)
        burst = measure_slider_redraw(page, presses=3, key=key, scope=scope)
        after = image_sources(page, images)
        assert after and after != before, "moving the slider did not change the panel's picture"
        assert_no_traceback(page)
    except BaseException:  # pytest.fail() raises a BaseException too
        with contextlib.suppress(Exception):
            page.screenshot(path=str(ARTIFACTS / f"browser-{notebook.stem}-failed.png"))
        raise
    first_image.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"browser-{notebook.stem}.png"))
    return {
        "release_to_redraw_ms": single["release_to_redraw_ms"],
        "burst_release_to_redraw_ms": burst["release_to_redraw_ms"],
        "burst_redraws": burst["redraws"],
        "slider_value": burst["value"],
        "run_all_ms": run_all_s * 1000,
        "total_s": time.monotonic() - started,
    }


def _report(record_property, name: str, timing: dict) -> None:
    record_property("release_to_redraw_ms", round(timing["release_to_redraw_ms"]))
    print(
        f"\n{name}: slider release -> redraw {timing['release_to_redraw_ms']:.0f} ms "
        f"(3 quick steps: {timing['burst_release_to_redraw_ms']:.0f} ms after the last, "
        f"{timing['burst_redraws']} redraws); Run All {timing['run_all_ms']:.0f} ms; "
        f"whole flow {timing['total_s']:.1f} s"
    )


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_slider_redraws_plot(page, lab_server, record_property):
    timing = run_notebook_in_browser(page, lab_server, FIXTURE_NOTEBOOK)
    _report(record_property, FIXTURE_NOTEBOOK.name, timing)


@pytest.mark.parametrize("name", BROWSER_NOTEBOOKS)
def test_notebook_in_browser(name, page, lab_server, record_property):
    timing = run_notebook_in_browser(page, lab_server, NOTEBOOKS_DIR / name)
    _report(record_property, name, timing)
