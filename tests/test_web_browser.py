"""The pages in a real browser: Debian's headless Chromium driven by selenium, against `parkcert serve`.

Skipped only when the chromium / chromedriver binaries are absent (scripts/setup-system installs them).
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT, click_to_new_page, needs_chromium

pytestmark = needs_chromium

FAILING = EXAMPLES / "failing-donghai-2016.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = dict(os.environ, PARKCERT_WEB_CHECK_PROCESSES="1")
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("parkcert serve exited: " + proc.stderr.read().decode(errors="replace")[-2000:])
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _upload(browser, server, path: Path, *, lang="en", as_of=None, programs=()):
    from selenium.webdriver.common.by import By
    browser.get(f"{server}/?lang={lang}")
    browser.find_element(By.ID, "dossier").send_keys(str(path))
    if as_of:
        browser.execute_script("document.getElementById('as_of').value = arguments[0]", as_of)
    for p in programs:
        browser.find_element(By.CSS_SELECTOR, f'input[name="program"][value="{p}"]').click()
    # the POST's page replaces the form's: wait for it, or the next find may land on the form being unloaded
    click_to_new_page(browser, browser.find_element(By.ID, "submit"))


def _cli_doc(run) -> dict:
    code, out, _ = run("check", FAILING, "--format", "json")
    return json.loads(out)


def test_upload_the_failing_example_and_see_its_failing_rules_and_gaps(browser, server, run):
    from selenium.webdriver.common.by import By
    _upload(browser, server, FAILING)
    assert browser.find_element(By.ID, "zone-name").text
    doc = _cli_doc(run)
    failing = {o["rule_id"]: o for p in doc["programs"] for o in p["outcomes"] if o["status"] == "fail"}
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.rule.fail")
    assert {r.get_attribute("data-rule") for r in rows} == set(failing)
    for row in rows:
        assert row.find_element(By.CSS_SELECTOR, "td.gap-cell").text.strip(), "every failing rule shows its gap"
    verdict = browser.find_element(By.CSS_SELECTOR, "#verdict-eip-integrated .badge").text
    assert verdict.upper() == "NOT CERTIFIABLE"
    # provenance on demand: closed at first, its pointers shown once opened
    details = rows[0].find_element(By.CSS_SELECTOR, "details.provenance")
    assert not details.find_element(By.CSS_SELECTOR, "code.pointer").is_displayed()
    details.find_element(By.TAG_NAME, "summary").click()
    assert details.find_element(By.CSS_SELECTOR, "code.pointer").text.startswith("/series/")
    browser.save_screenshot(str(Path(os.environ.get("PARKCERT_SCREENSHOTS", "/tmp")) / "web-result-en.png"))


def test_switch_to_chinese_keeps_the_result(browser, server):
    from selenium.webdriver.common.by import By
    _upload(browser, server, FAILING)
    # the switch posts the dossier again: wait for the Chinese page, or the find may land on the English one
    # being unloaded (failed once at load 6)
    click_to_new_page(browser, browser.find_element(By.ID, "lang-switch"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    assert "预评估结果" in browser.find_element(By.CSS_SELECTOR, ".result-head .kicker").text
    from engine.fmt import VERDICT_LABEL
    badge = browser.find_element(By.CSS_SELECTOR, "#verdict-eip-integrated .badge").text
    assert badge == VERDICT_LABEL["zh"]["not_certifiable"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.rule.fail")) == 3
    browser.save_screenshot(str(Path(os.environ.get("PARKCERT_SCREENSHOTS", "/tmp")) / "web-result-zh.png"))


def test_broken_dossier_shows_each_problem_with_the_options_kept(browser, server, tmp_path, example):
    from selenium.webdriver.common.by import By
    data = example("failing-donghai-2016")
    data["zone"]["type"] = "harbour"
    del data["as_of"]
    data["series"]["energy_consumption"]["unit"] = "furlong"
    broken = tmp_path / "broken-zone.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    _upload(browser, server, broken, as_of="2016-05-01", programs=("eip-integrated",))
    problems = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#problems tr.problem")]
    assert len(problems) >= 3
    text = "\n".join(problems)
    assert "/zone/type" in text and "/series/energy_consumption/unit" in text and "as_of" in text
    assert browser.find_element(By.ID, "as_of").get_attribute("value") == "2016-05-01"
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="program"][value="eip-integrated"]').is_selected()
    browser.save_screenshot(str(Path(os.environ.get("PARKCERT_SCREENSHOTS", "/tmp")) / "web-problems.png"))


def test_download_the_pdf_and_compare_its_bytes_with_the_cli(browser, server, downloads, run, tmp_path, monkeypatch):
    from selenium.webdriver.common.by import By
    _upload(browser, server, FAILING)
    browser.find_element(By.ID, "pdf-zh").click()
    target = downloads / "failing-donghai-2016.zh.pdf"
    for _ in range(600):
        if target.exists() and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.1)
    assert target.exists(), f"no download in {list(downloads.iterdir())}"
    monkeypatch.chdir(EXAMPLES)
    out = tmp_path / "cli.pdf"
    code, _, _ = run("report", FAILING.name, "--lang", "zh", "-o", out)
    assert code == 0
    assert target.read_bytes() == out.read_bytes()
