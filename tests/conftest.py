"""Shared test set-up.

Tests must not read or write the developer's own Jupyter/IPython/matplotlib
configuration, nor depend on it: a personal ``jupyter_server_config.py`` or
``ipython_config.py`` would otherwise change what the tests see. Only config,
runtime and cache locations are redirected; JUPYTER_DATA_DIR is left alone
because the kernelspec and the lab extensions (ipywidgets) live in the
virtualenv's data path, and they must stay visible.
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session", autouse=True)
def isolated_jupyter_env(tmp_path_factory):
    """Point per-user Jupyter, IPython and matplotlib state at a temp dir.

    MPLBACKEND=Agg keeps plotting in the test process headless; notebook
    kernels get it removed again (see ``notebook_runner.kernel_env``) so that
    they keep the inline backend.
    """
    root = tmp_path_factory.mktemp("jupyter-home")
    values = {
        "JUPYTER_CONFIG_DIR": root / "config",
        "JUPYTER_RUNTIME_DIR": root / "runtime",
        "IPYTHONDIR": root / "ipython",
        "MPLCONFIGDIR": root / "matplotlib",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, folder in values.items():
            folder.mkdir(parents=True, exist_ok=True)
            mp.setenv(name, str(folder))
        mp.setenv("MPLBACKEND", "Agg")
        # Silences the debugger's "frozen modules" warning each kernel prints.
        mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        yield {name: Path(os.environ[name]) for name in values}


def pytest_terminal_summary(terminalreporter):
    """List the browser tests' slider -> redraw times at the end of the run.

    The number is a budget the notebooks are held to, so it should be seen
    without ``-s``.
    """
    lines = [
        f"{report.nodeid}: {value} ms"
        for report in terminalreporter.stats.get("passed", [])
        if report.when == "call"
        for name, value in report.user_properties
        if name == "release_to_redraw_ms"
    ]
    if lines:
        terminalreporter.section("slider release -> plot redraw")
        for line in lines:
            terminalreporter.write_line(line)
        notebooks = [int(line.rsplit(": ", 1)[1].split()[0]) for line in lines if "test_notebook_in_browser" in line]
        if notebooks:
            terminalreporter.write_line(f"median of {len(notebooks)} notebooks' main panels: "
                                        f"{statistics.median(notebooks):.0f} ms (target: 400 ms; a benchmark, not a test)")


# -- the browser: one Chromium for the whole session ------------------------------
# Defined here, once: a session fixture defined (or imported) in two test
# modules is two fixtures, and a second Playwright started while the first
# still runs fails ("Sync API inside the asyncio loop").

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's Chromium; Playwright's own browser download is not available here."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's package (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must run the browser tests, .ci/run installs it", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


