import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


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
