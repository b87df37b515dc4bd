"""A workspace with two zones, every role, versions and reviews, served by the web app: shared by the web tests."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from engine.workspace import accounts, reviews, versions
from engine.workspace.models import Review

from ..conftest import EXAMPLES
from .conftest import CLI

PASSWORD = "correct horse battery"
ZONE_A = "CN-SD-DHHTZ"              # examples/failing-donghai-2016.json
FAILING = EXAMPLES / "failing-donghai-2016.json"
OTHER = EXAMPLES / "certifiable-xinhe-2016.json"
IDENTITIES = {                      # name: (role, zones, display name)
    "zone_a": ("zone", [ZONE_A], "Donghai zone office"),
    "zone_b": ("zone", [], "Xinhe zone office"),
    "auditor": ("auditor", [], "Audit Office"),
    "panel": ("panel", [], "Chen Hui"),
    "chair": ("chair", [], "Wang Li"),
    "analyst": ("analyst", [], "Analyst Liu"),
    "admin": ("admin", [], "Admin Li"),
}


def second_version() -> bytes:
    """The failing example with its 2015 energy use cut: EIP-I-2.2 passes, its gap moves."""
    data = json.loads(FAILING.read_text(encoding="utf-8"))
    data["series"]["energy_consumption"]["values"]["2015"] = round(
        data["series"]["energy_consumption"]["values"]["2015"] * 0.8, 1)
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


@dataclass
class World:
    app: object
    db: object
    clients: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)

    def client(self, who: str) -> TestClient:
        return self.clients[who]

    def csrf(self, who: str, path: str = "/workspace/") -> str:
        return csrf_of(self.clients[who].get(path).text)


def login(client: TestClient, username: str, password: str = PASSWORD):
    r = client.get("/workspace/login")
    return client.post("/workspace/login", data={"csrf": csrf_of(r.text), "username": username, "password": password,
                                                 "next": "/workspace/"}, follow_redirects=False)


def populate(db) -> dict:
    zone_b = json.loads(OTHER.read_text(encoding="utf-8"))["zone"]["id"]
    IDENTITIES["zone_b"] = ("zone", [zone_b], "Xinhe zone office")
    ids = {}
    with db.session() as s, s.begin():
        users = {name: accounts.add_user(s, CLI, name.replace("_", "-"), role, PASSWORD, shown, zones)
                 for name, (role, zones, shown) in IDENTITIES.items()}
        a = FAILING.read_bytes()
        up = versions.Upload(FAILING.name, "json", a, a, *versions.zone_of(a))
        v1 = versions.add_version(s, users["zone_a"], up)
        b2 = second_version()
        v2 = versions.add_version(s, users["zone_a"], versions.Upload("donghai-v2.json", "json", b2, b2,
                                                                        *versions.zone_of(b2)), v1.dossier_id)
        bb = OTHER.read_bytes()
        vb = versions.add_version(s, users["zone_b"], versions.Upload(OTHER.name, "json", bb, bb, *versions.zone_of(bb)))
        from .test_reviews import outcomes
        approved = reviews.open_review(s, users["panel"], v1, "eip-integrated", outcomes(a))
        reviews.edit_review(s, users["panel"], approved, reviews.ReviewEdit(lock=approved.lock, decisions={
            "EIP-I-4.4": reviews.DecisionEdit("waive", justification="Survey sample too small; new survey in 2017.",
                                              expires="2017-06-30", risk="low")}, meeting_date="2016-09-20"),
            outcomes(a))
        reviews.approve(s, users["chair"], approved, approved.lock)
        draft = reviews.open_review(s, users["panel"], v2, "eip-integrated", outcomes(b2))
        ids.update(dossier_a=v1.dossier_id, v1=v1.id, v2=v2.id, dossier_b=vb.dossier_id, vb=vb.id,
                   approved=approved.id, draft=draft.id)
    with db.session() as s:
        assert s.get(Review, ids["approved"]).state == "approved"
    return ids


def served(request, tmp_path_factory, name: str):
    """A populated workspace of the fixture's kind (SQLite or PostgreSQL) in the web app, its pools started:
    yields (app, database, ids, client)."""
    from engine.web.app import create_app
    from engine.web.settings import Settings
    from engine.workspace.database import open_database
    if request.param == "sqlite":
        url = f"sqlite+pysqlite:///{tmp_path_factory.mktemp(name) / 'parkcert.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    db = open_database(database_url=url)
    ids = populate(db)
    app = create_app(Settings(database_url=url, check_processes=1, render_processes=1))
    with TestClient(app, base_url="http://127.0.0.1") as main:
        yield app, db, ids, main
    db.close()
