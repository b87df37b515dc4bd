"""The panel's workflow in a real browser (Debian's headless Chromium, selenium) against `parkcert serve --data`:
a zone uploads, a panel member waives a rule, the chair approves, the zone sees the reviewed verdict and downloads
the PDF (the same bytes as `parkcert report` on the downloaded files); a second zone cannot reach the first's pages.

Skipped only when the chromium / chromedriver binaries are absent (scripts/setup-system installs them).
"""
from __future__ import annotations

import os
import re
import signal
import time

import pytest

from engine.workspace import accounts
from engine.workspace.database import open_database

from ..conftest import EXAMPLES, click_to_new_page, needs_chromium
from .conftest import CLI
from .test_kill import _free_port, _serve

pytestmark = needs_chromium

FAILING = EXAMPLES / "failing-donghai-2016.json"
OTHER = EXAMPLES / "certifiable-xinhe-2016.json"
PASSWORD = "correct horse battery"
SHOTS = os.environ.get("PARKCERT_SCREENSHOTS")      # a folder to keep the pages' screenshots in, to look at


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("ws") / "data"
    db = open_database(data)
    import json
    zone_b = json.loads(OTHER.read_text(encoding="utf-8"))["zone"]["id"]
    with db.session() as s, s.begin():
        accounts.add_user(s, CLI, "donghai", "zone", PASSWORD, "Donghai zone office", ["CN-SD-DHHTZ"])
        accounts.add_user(s, CLI, "xinhe", "zone", PASSWORD, "Xinhe zone office", [zone_b])
        accounts.add_user(s, CLI, "chen", "panel", PASSWORD, "Chen Hui")
        accounts.add_user(s, CLI, "wang", "chair", PASSWORD, "Wang Li")
    db.close()
    port = _free_port()
    proc = _serve(data, port)
    yield f"http://127.0.0.1:{port}"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def shot(browser, name):
    if SHOTS:
        browser.save_screenshot(os.path.join(SHOTS, f"workspace-{name}.png"))


def sign_in(browser, server, username):
    from selenium.webdriver.common.by import By
    browser.delete_all_cookies()
    browser.get(f"{server}/workspace/login?lang=en")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(browser, "login-submit")
    assert "Signed in as" in browser.find_element(By.ID, "whoami").text


def submit(browser, element_id):
    """Click a button that loads a new page, and wait until it has."""
    from selenium.webdriver.common.by import By
    click_to_new_page(browser, browser.find_element(By.ID, element_id))


def wait_for_file(folder, pattern, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in folder.iterdir() if re.fullmatch(pattern, p.name)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no download matching {pattern} in {sorted(p.name for p in folder.iterdir())}")


def test_upload_review_waive_approve_and_the_zone_downloads_the_reviewed_pdf(browser, server, downloads, run,
                                                                             monkeypatch):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # the zone uploads its dossier
    sign_in(browser, server, "donghai")
    browser.find_element(By.ID, "new-dossier-file").send_keys(str(FAILING))
    submit(browser, "new-dossier-submit")
    assert "Version 1" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, "#outcomes-eip-integrated tr.rule.fail")
    version_url = browser.current_url.split("?")[0]
    shot(browser, "zone-version")

    # a panel member opens the review and waives the public-satisfaction rule
    sign_in(browser, server, "chen")
    browser.get(version_url)
    Select(browser.find_element(By.ID, "program")).select_by_value("eip-integrated")
    submit(browser, "open-review-submit")
    Select(browser.find_element(By.ID, "decision-EIP-I-4.4")).select_by_value("waive")
    browser.execute_script("arguments[0].value = '2017-06-30'", browser.find_element(By.ID, "expires-EIP-I-4.4"))
    browser.find_element(By.ID, "justification-EIP-I-4.4").send_keys(
        "The 2015 survey sampled 800 residents, below the protocol's 1,000; a new survey is commissioned.")
    browser.execute_script("arguments[0].value = '2016-09-20'", browser.find_element(By.ID, "meeting_date"))
    submit(browser, "save")
    assert browser.find_element(By.ID, "saved")
    assert browser.find_element(By.ID, "reviewed-EIP-I-4.4").text == "waived"
    review_url = browser.current_url.split("?")[0]
    shot(browser, "panel-review")

    # the chair approves
    sign_in(browser, server, "wang")
    browser.get(review_url)
    submit(browser, "approve")
    assert browser.find_element(By.ID, "review-state").text == "approved"
    assert "Wang Li" in browser.find_element(By.ID, "approved-line").text

    # the zone sees the reviewed verdict and downloads the files and the PDF
    sign_in(browser, server, "donghai")
    browser.get(version_url)
    assert browser.find_element(By.ID, "reviewed-verdict-eip-integrated").text == "not certifiable"
    browser.get(review_url)
    shot(browser, "zone-review")
    assert browser.find_element(By.ID, "reviewed-EIP-I-4.4").text == "waived"
    cli = browser.find_element(By.CSS_SELECTOR, "#downloads code").text
    for link in ("dl-dossier", "dl-review", "dl-trail", "pdf-en"):
        browser.find_element(By.ID, link).click()
    pdf = wait_for_file(downloads, r".*\.reviewed\.en\.pdf")
    for pattern in (r".*-v1\.json", r".*\.review\.yaml", r".*\.audit-trail\.json"):
        wait_for_file(downloads, pattern)
    time.sleep(0.5)     # let the browser finish writing
    monkeypatch.chdir(downloads)
    args = cli.split()[2:]                       # parkcert report DOSSIER --review ... -o report.pdf
    code, _, err = run("report", *args)
    assert code == 0, err
    assert (downloads / "report.pdf").read_bytes() == pdf.read_bytes()
    trail = (downloads / args[args.index("--audit-trail") + 1]).read_text(encoding="utf-8")
    assert '"review.approve"' in trail and '"wang"' in trail


def test_a_second_zone_cannot_reach_the_first_zones_pages(browser, server):
    from selenium.webdriver.common.by import By
    sign_in(browser, server, "xinhe")
    assert "Donghai" not in browser.find_element(By.ID, "dossiers").text
    for path in ("/workspace/dossiers/1", "/workspace/versions/1", "/workspace/reviews/1",
                 "/workspace/reviews/1/report.pdf", "/workspace/versions/1/dossier.json"):
        browser.get(server + path)
        assert "Donghai" not in browser.page_source and "CN-SD-DHHTZ" not in browser.page_source
        assert "404" in browser.title or "not found" in browser.page_source.lower()
    shot(browser, "zone-b-404")
