import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine import load
from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WORKERS = 2     # the CI machine's cores; `-n N` chooses otherwise, `-n 0` runs in this process
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                    reason="Debian's chromium and chromium-driver are not installed")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """The suite in WORKERS processes when pytest-xdist is installed and no -n is given; each file's tests in one
    worker, so a module-scoped fixture (a served workspace world, PDFs rendered once) is built once. Chosen here
    rather than in addopts so that a venv made before pytest-xdist joined the test extra still runs the tests (in
    one process). Not --dist loadgroup: with pytest 9.2 it no longer groups (pytest-xdist issue 1386)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    # readline, imported with pytest, exports a terminal size where there is no terminal (COLUMNS=80) to the process's
    # environment but not to os.environ: workers would inherit it and print the CLI's tables 80 wide, not 120
    for name in ("COLUMNS", "LINES"):
        if name not in os.environ:
            os.unsetenv(name)
    if not hasattr(config.option, "numprocesses"):
        return
    if config.option.numprocesses is None and config.option.dist == "no" and not config.getoption("usepdb", False):
        config.option.numprocesses = WORKERS
        config.option.dist = "loadfile"


@pytest.fixture(autouse=True)
def no_extra_rules(monkeypatch):
    """--rules adds folders of packs for the rest of a process: each test starts and ends without any, so no test
    sees another's packs whichever worker ran what before it."""
    monkeypatch.setattr(load, "_extra", [])
    monkeypatch.delenv(load.RULES_ENV, raising=False)


@pytest.fixture
def run():
    """Run the parkcert CLI in-process; returns (exit code, stdout, stderr)."""
    def _run(*args):
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr
    return _run


@pytest.fixture
def example():
    def _example(name):
        return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return _example


@pytest.fixture
def write_dossier(tmp_path):
    def _write(data, name="dossier.json"):
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path
    return _write


@pytest.fixture(scope="session")
def web():
    """One ParkCert web app (engine.web) for the session, its job pools started; an httpx-based TestClient."""
    from fastapi.testclient import TestClient

    from engine.web.app import create_app
    from engine.web.settings import Settings
    with TestClient(create_app(Settings(check_processes=2, render_processes=1))) as client:
        yield client


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium driven by selenium, one per test process: starting it costs seconds."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600",
                "--lang=en-US"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.prompt_for_download": False, "intl.accept_languages": "en-US,en"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.implicitly_wait(20)
    yield driver
    driver.quit()


def click_to_new_page(browser, element, timeout=60):
    """Click something that loads a new page and wait until the new page has loaded. Not selenium's
    staleness_of(old <html>): while the old document unloads chromedriver can answer the element probe with "Node
    with given id does not belong to the document" (an unknown error, not a stale element), which ended a CI run.
    A mark on the old window is gone once the new document is there; any WebDriver error meanwhile means "not yet"."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    browser.execute_script("window.__parkcertOldPage = true")
    element.click()
    WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script("return !window.__parkcertOldPage && document.readyState === 'complete'"))


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(chromium, downloads):
    """The shared Chromium for one module: its downloads in the module's own folder, no cookie from another
    module's server (cookies ignore the port, and every test server is on 127.0.0.1)."""
    chromium.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    chromium.get("about:blank")
    return chromium
