"""Every workspace route × every identity: what each may reach, with 0 leaks.

The routes are read from the app itself: a route added without a rule here fails the test. A denied request gets
the login page (anonymous), 404 (an object of another zone, or a draft review for a zone: its existence is not
revealed) or 403 (a role that sees the object but may not do this), and its body never names zone A's dossier.
"""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .web_world import IDENTITIES, ZONE_A, login, served

READERS = {"zone_a", "auditor", "panel", "chair", "analyst", "admin"}     # who may read zone A's objects
STAFF = READERS - {"zone_a"}
PANEL = {"panel", "chair"}
SIGNED_IN = set(IDENTITIES)

# (method, path): [(object variant, identities allowed)]; "public": every identity, anonymous included
RULES = {
    ("GET", "/workspace/login"): [("-", "public")],
    ("POST", "/workspace/login"): [("-", "public")],
    ("GET", "/workspace/"): [("-", SIGNED_IN)],
    ("POST", "/workspace/dossiers"): [("-", {"zone_a", "zone_b"})],
    ("GET", "/workspace/dossiers/{dossier_id}"): [("a", READERS)],
    ("POST", "/workspace/dossiers/{dossier_id}/versions"): [("a", {"zone_a"})],
    ("GET", "/workspace/dossiers/{dossier_id}/audit-trail.json"): [("a", READERS)],
    ("GET", "/workspace/versions/{version_id}"): [("a", READERS)],
    ("GET", "/workspace/versions/{version_id}/dossier.json"): [("a", READERS)],
    ("POST", "/workspace/versions/{version_id}/reviews"): [("a", PANEL)],
    ("POST", "/workspace/versions/{version_id}/reviews/import"): [("a", PANEL)],
    ("GET", "/workspace/reviews/{review_id}"): [("approved", READERS), ("draft", STAFF)],
    ("POST", "/workspace/reviews/{review_id}"): [("approved", PANEL), ("draft", PANEL)],
    ("POST", "/workspace/reviews/{review_id}/approve"): [("approved", {"chair"}), ("draft", {"chair"})],
    ("GET", "/workspace/reviews/{review_id}/review.yaml"): [("approved", READERS), ("draft", STAFF)],
    ("GET", "/workspace/reviews/{review_id}/audit-trail.json"): [("approved", READERS), ("draft", STAFF)],
    ("GET", "/workspace/reviews/{review_id}/report.pdf"): [("approved", READERS), ("draft", STAFF)],
    ("GET", "/workspace/audit"): [("-", {"auditor", "admin"})],
    ("GET", "/workspace/audit/trail.json"): [("-", {"auditor", "admin"})],
    ("GET", "/workspace/users"): [("-", {"admin"})],
    # these change state: run last (reopen turns the approved review into a draft; logout ends the session)
    ("POST", "/workspace/reviews/{review_id}/reopen"): [("draft", {"chair"}), ("approved", {"chair"})],
    ("POST", "/workspace/logout"): [("-", SIGNED_IN)],
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    for app, _, ids, main in served(request, tmp_path_factory, "matrix"):
        clients = {"anonymous": main}
        for who in IDENTITIES:
            c = TestClient(app, base_url="http://127.0.0.1")
            assert login(c, who.replace("_", "-")).status_code == 303
            clients[who] = c
        yield app, clients, ids


def _concrete(path: str, variant: str, ids: dict) -> str:
    review = ids.get(variant, ids["approved"])
    return (path.replace("{dossier_id}", str(ids["dossier_a"])).replace("{version_id}", str(ids["v1"]))
            .replace("{review_id}", str(review)))


def _csrf(client: TestClient) -> str | None:
    import re
    m = re.search(r'name="csrf" value="([^"]+)"', client.get("/workspace/").text)
    return m.group(1) if m else None


FORMS = {   # just enough for a request to reach its access decision; never a change an allowed role would keep
    "/workspace/versions/{version_id}/reviews": {"program": "eip-integrated"},
    "/workspace/reviews/{review_id}": {"lock": "-1"},
    "/workspace/reviews/{review_id}/approve": {"lock": "-1"},
}


def all_routes(routes):
    """The app's routes, through included routers (FastAPI keeps those as branches)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            assert not getattr(getattr(r, "include_context", None), "prefix", ""), "prefixed routers: add the prefix"
            yield from all_routes(inner.routes)
        else:
            yield r


def test_every_route_has_a_rule_and_nothing_leaks(world):
    app, clients, ids = world
    routes = {(m, r.path) for r in all_routes(app.routes) if getattr(r, "path", "").startswith("/workspace")
              for m in (getattr(r, "methods", None) or ()) if m != "HEAD"}
    assert routes - set(RULES) == set(), "a workspace route without an access rule in this matrix"
    assert set(RULES) - routes == set(), "a rule for a route that does not exist"
    tokens = {who: _csrf(c) for who, c in clients.items() if who != "anonymous"}
    leaks, checked = [], 0
    secret_words = (ZONE_A, "Donghai", "东海")
    for (method, path), variants in RULES.items():
        for variant, allowed in variants:
            url = _concrete(path, variant, ids)
            for who, client in clients.items():
                data = dict(FORMS.get(path, {}), csrf=tokens.get(who) or "")
                r = client.request(method, url, data=data if method == "POST" else None, follow_redirects=False)
                checked += 1
                may = allowed == "public" or who in allowed
                to_login = r.status_code == 303 and r.headers["location"].startswith("/workspace/login")
                assert r.status_code < 500, f"{who} {method} {url}: {r.status_code}"
                if allowed == "public":
                    continue          # the login form: its own tests (CSRF, throttling) in test_web.py
                if may:
                    if r.status_code in (403, 404) or (to_login and path != "/workspace/logout"):
                        leaks.append(f"{who} {method} {url} ({variant}): refused {r.status_code}, should be allowed")
                    continue
                hidden = variant != "-" and (who == "zone_b" or (who == "zone_a" and variant == "draft"))
                expected = 303 if who == "anonymous" else 404 if hidden else 403
                body = r.text if r.headers.get("content-type", "").startswith(("text", "application/json")) else ""
                if r.status_code != expected or (expected == 303 and not to_login):
                    leaks.append(f"{who} {method} {url} ({variant}): {r.status_code}, expected {expected}")
                if any(w in body for w in secret_words):
                    leaks.append(f"{who} {method} {url} ({variant}): the answer names zone A's dossier")
    assert checked == sum(len(v) for v in RULES.values()) * len(clients)
    assert leaks == [], "\n".join(leaks)
    print(f"authorization matrix: {len(routes)} routes, {sum(len(v) for v in RULES.values())} route×object cases "
          f"× {len(clients)} identities = {checked} requests, 0 leaks")
