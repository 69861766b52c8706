"""Every /v1 route refuses missing, bad and revoked tokens, and roles that are too low."""

from __future__ import annotations

import re

import pytest

from tests.conftest import issue_token

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ADMIN_PREFIXES = ("/v1/tokens", "/v1/audit")
# Personal data (addresses, objectors): editors read these too, readers do not.
EDITOR_PREFIXES = ("/v1/subscriptions", "/v1/deliveries", "/v1/customers", "/v1/objections")


def v1_routes(app, methods: set[str]) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        path = re.sub(r"<(?:int|row):[^>]+>", "1", rule.rule)
        path = re.sub(r"<[^>]+>", "00000000-0000-0000-0000-000000000000", path)
        routes += [(method, path) for method in sorted(rule.methods & methods)]
    return routes


def too_low_role(path: str, method: str) -> str:
    if path.startswith(ADMIN_PREFIXES):
        return "editor"
    return "reader" if method in WRITE_METHODS or path.startswith(EDITOR_PREFIXES) else ""


@pytest.fixture
def revoked_secret(app, admin):
    secret = issue_token(app, "admin", name="to-revoke")
    tokens = admin.get("/v1/tokens").get_json()
    token_id = next(t["id"] for t in tokens if t["name"] == "to-revoke")
    etag = admin.get(f"/v1/tokens/{token_id}").headers["ETag"]
    assert admin.delete(f"/v1/tokens/{token_id}", headers={"If-Match": etag}).status_code == 204
    return secret


def _call(client, method: str, path: str, secret: str | None):
    headers = {"If-Match": '"x"'}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return client.open(path, method=method, headers=headers, json={})


def test_write_routes_are_all_covered(app):
    paths = {path for _, path in v1_routes(app, WRITE_METHODS)}
    assert any(p.startswith("/v1/processors") for p in paths)
    assert any(p.startswith("/v1/tokens") for p in paths)
    assert len(v1_routes(app, WRITE_METHODS)) >= 8


def test_every_route_needs_a_valid_live_token(app, client, revoked_secret, admin):
    before = len(admin.get("/v1/audit?page_size=500").get_json())
    for method, path in v1_routes(app, WRITE_METHODS | {"GET"}):
        for secret in (None, "rgt_not-a-real-token", revoked_secret):
            response = _call(client, method, path, secret)
            where = f"{method} {path} with {'no' if secret is None else 'a bad'} token"
            assert response.status_code == 401, where
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
            assert response.mimetype == "application/problem+json", where
    assert len(admin.get("/v1/audit?page_size=500").get_json()) == before
    assert admin.get("/v1/processors").get_json() == []


def test_every_route_refuses_a_role_that_is_too_low(app, client):
    secrets = {role: issue_token(app, role) for role in ("reader", "editor")}
    checked = 0
    for method, path in v1_routes(app, WRITE_METHODS | {"GET"}):
        role = too_low_role(path, method)
        if not role:
            continue
        response = _call(client, method, path, secrets[role])
        assert response.status_code == 403, f"{method} {path} as {role}"
        assert response.mimetype == "application/problem+json"
        checked += 1
    assert checked >= 10


def test_reader_may_read_the_catalogue(reader):
    assert reader.get("/v1/processors").status_code == 200


def test_reader_post_is_403_and_writes_nothing(reader, admin):
    response = reader.post("/v1/processors", json={"name": "X", "country": "IE",
                                                   "purpose": {"en": "x"}})
    assert response.status_code == 403
    assert admin.get("/v1/processors").get_json() == []


def test_malformed_authorization_headers_are_401(client):
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "rgt_abc", "Token abc"):
        response = client.get("/v1/processors", headers={"Authorization": header})
        assert response.status_code == 401, header
