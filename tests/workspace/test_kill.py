"""The server killed with SIGKILL in the middle of a panel's edits: every save it acknowledged is there after a
restart, nothing is half-written (database intact, audit chain intact, the review still a valid exchange file)."""
from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import httpx
import pytest

from engine import review as panel
from engine.workspace import audit, reviews
from engine.workspace.database import open_database
from engine.workspace.models import Review

from .web_world import csrf_of, populate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(data, port) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--port", str(port), "--data", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/workspace/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    raise AssertionError("the server did not start")


def _login(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=10)
    page = c.get("/workspace/login")
    r = c.post("/workspace/login", data={"csrf": csrf_of(page.text), "username": "panel",
                                         "password": "correct horse battery"})
    assert r.status_code in (200, 303)
    return c


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_sigkill_mid_review_loses_no_acknowledged_save_and_half_writes_nothing(tmp_path):
    data = tmp_path / "data"
    db = open_database(data)
    ids = populate(db)
    db.close()
    port = _free_port()
    proc = _serve(data, port)
    base = f"http://127.0.0.1:{port}"
    acked: list[int] = []
    url = f"/workspace/reviews/{ids['draft']}"
    try:
        c = _login(base)

        def edit_forever():
            i = 0
            while True:
                i += 1
                try:
                    page = c.get(url).text
                    lock = re.search(r'name="lock" value="(\d+)"', page).group(1)
                    form = {"csrf": csrf_of(page), "lock": lock, "meeting_date": "2016-09-20",
                            "recommendation": "defer", "panel_name": "", "score": "", "period": "",
                            "recommendation_text": "",
                            "decision.EIP-I-4.4": "waive", "expires.EIP-I-4.4": "2017-06-30",
                            "justification.EIP-I-4.4": f"save number {i}"}
                    r = c.post(url, data=form)
                except (httpx.HTTPError, AttributeError):
                    return                          # the server is gone
                if r.status_code == 303 and "saved=1" in r.headers.get("location", ""):
                    acked.append(i)         # the server answered: this save is committed
                elif r.status_code != 409:
                    return

        worker = threading.Thread(target=edit_forever)
        worker.start()
        deadline = time.monotonic() + 60
        while len(acked) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)        # mid-edit: the next save is in flight
        proc.wait(timeout=10)
        worker.join(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert len(acked) >= 5, "the saves did not go through before the kill"
    # nothing half-written: the file is intact, the chain verifies, the review is a valid exchange file
    with sqlite3.connect(data / "parkcert.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db = open_database(data)
    with db.session() as s:
        assert audit.verify(s)[1] is None
        r = s.get(Review, ids["draft"])
        panel.review_from_bytes(reviews.export_yaml(r), "after-kill.yaml")
        saved = int(r.document["decisions"]["EIP-I-4.4"]["justification"].split()[-1])
        edits = [e for e in audit.entries(s, ids["dossier_a"]) if e.action == "review.edit" and e.object == f"review:{r.id}"]
    db.close()
    # nothing lost: the last acknowledged save (or the one in flight, if it committed) is the stored one
    assert saved >= acked[-1]
    assert len(edits) >= len(acked)
    # and the server starts again on the same folder
    proc = _serve(data, port)
    try:
        c = _login(base)
        assert f"save number {saved}" in c.get(url).text
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
