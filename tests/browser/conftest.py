"""Real-browser tests: JupyterLab started as `make lab` starts it (scripts/lab.py), driven by
Debian's headless Chromium through Playwright.

Needs Chromium (``apt-get install chromium``) and Playwright for Python (in the test
extras; Playwright's own browser download is not used). Without them these tests are
skipped with that message -- unless SAE_REQUIRE_BROWSER=1 (as in CI, .ci/run), where they
fail instead. On failure a screenshot goes to test-artifacts/.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
sys.path.insert(0, str(ROOT / "scripts"))

import lab as lab_script  # noqa: E402  (scripts/lab.py: the command `make lab` runs)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
HOW_TO_ENABLE = ("the browser tests need Chromium and Playwright for Python: "
                 "`apt-get install chromium` (Debian/Ubuntu) and `pip install playwright` "
                 "(in the test extras); Playwright's own browser download is not used.")


def find_chromium():
    for candidate in (os.environ.get("SAE_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def _missing():
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    if find_chromium() is None:
        return "Chromium is not installed"
    return None


MISSING = _missing()


def pytest_collection_modifyitems(config, items):
    if MISSING and os.environ.get("SAE_REQUIRE_BROWSER") != "1":
        skip = pytest.mark.skip(reason=f"{MISSING}; {HOW_TO_ENABLE}")
        for item in items:
            if "browser" in Path(str(item.fspath)).parts:
                item.add_marker(skip)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, method="GET", timeout=5):
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


def _start_lab(base, root, notebooks):
    """Start JupyterLab with `make lab`'s command on ``root``; yield its description."""
    if MISSING:
        pytest.fail(f"SAE_REQUIRE_BROWSER=1 but {MISSING}; {HOW_TO_ENABLE}")
    # Trust the notebooks (in this server's own data dir), as a learner's Jupyter trusts a
    # notebook it ran, so that their stored widget state is shown.
    data_dir = base / "data"
    data_dir.mkdir()
    import nbformat
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary(data_dir=str(data_dir))
    for path in notebooks:
        notary.sign(nbformat.read(path, as_version=4))
    notary.close()
    # User settings of this throw-away server: attach every cell to the page (JupyterLab's
    # default skips rendering cells out of view, which hides them from the test) and never
    # autosave (the walk opens the repository's own notebooks). The news prompt is off by
    # the project's own .jupyter/ config, which `make lab` uses and this test checks.
    settings = base / "settings"
    for plugin, values in {
            "notebook-extension/tracker": {"windowingMode": "none"},
            "docmanager-extension/plugin": {"autosave": False}}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = _free_port()
    extra = ["--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
             "--ServerApp.port_retries=0", "--IdentityProvider.token=",
             "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
             "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        extra.append("--allow-root")
    cmd, env = lab_script.lab_command(extra, root=root)
    env.update(JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_DATA_DIR=str(data_dir),
               JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"))
    log_path = base / "server.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}/"

    def log_tail():
        log.flush()
        return log_path.read_text()[-3000:]

    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode}:\n{log_tail()}")
            try:
                http_get(url + "api/status", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within 90 s:\n{log_tail()}")
                time.sleep(0.3)
        yield {"url": url, "root": root, "log": log_tail}
    finally:
        shutdown_kernels(url)
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def shutdown_kernels(url):
    try:
        for kernel in json.loads(http_get(url + "api/kernels")):
            http_get(url + f"api/kernels/{kernel['id']}", method="DELETE", timeout=20)
    except (OSError, ValueError):
        pass


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab exactly as `make lab` starts it: the repository root served."""
    base = tmp_path_factory.mktemp("lab")
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    yield from _start_lab(base, ROOT, notebooks)


@pytest.fixture(scope="session")
def lab_copy(tmp_path_factory):
    """The same server on a copy of notebooks/ and images/, for tests that run and change
    notebooks (the repository's own files are never touched)."""
    base = tmp_path_factory.mktemp("lab-copy")
    root = base / "repo"
    for folder in ("notebooks", "images"):
        shutil.copytree(ROOT / folder, root / folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    notebooks = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    yield from _start_lab(base, root, notebooks)


@pytest.fixture
def page(request):
    """A headless Chromium page; closed (with the browser) after the test. A screenshot
    goes to test-artifacts/ when the test fails."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS,
                                    headless=True)
        try:
            pg = browser.new_page(viewport={"width": 1400, "height": 1100})
            pg.set_default_timeout(60_000)
            pg.errors = []
            pg.bad_responses = []
            pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
            pg.on("response", lambda r: r.status >= 400 and pg.bad_responses.append(
                (r.status, r.url)))
            yield pg
            failed = getattr(request.node, "rep_call", None)
            if failed is not None and failed.failed:
                ARTIFACTS.mkdir(exist_ok=True)
                shot = ARTIFACTS / f"{request.node.name}.png".replace("/", "_")
                pg.screenshot(path=str(shot), full_page=True)
                print(f"screenshot saved to {shot}; page errors: {pg.errors}")
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


NOTEBOOK_JS = "window.jupyterapp && window.jupyterapp.shell.currentWidget"


def open_notebook(page, url, path, *, kernel_idle=True, timeout=90_000):
    """Open ``path`` (relative to the served root) and wait until its cells are rendered
    (and, with ``kernel_idle``, its kernel is idle)."""
    page.goto(url + "lab/tree/" + path)
    page.wait_for_function(
        f"""() => {{
            const w = {NOTEBOOK_JS};
            if (!w || !w.context || w.context.path !== {json.dumps(path)}) return false;
            if (!w.content || w.content.widgets.length === 0) return false;
            if (!{json.dumps(kernel_idle)}) return w.context.isReady;
            const k = w.sessionContext && w.sessionContext.session
                      && w.sessionContext.session.kernel;
            return !!k && k.status === 'idle';
        }}""", timeout=timeout)


def assert_no_widget_errors(page):
    text = page.inner_text("body")
    assert "Error displaying widget" not in text, "a widget failed to display"
