"""Issuing, listing and revoking bearer tokens, over HTTP and from the CLI."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from registry.cli import main
from tests.conftest import TokenClient
from tests.factories import processor_payload

PROBLEM = "application/problem+json"


def issue(admin, name: str = "ci-bot", role: str = "editor"):
    response = admin.post("/v1/tokens", json={"name": name, "role": role})
    assert response.status_code == 201, response.get_json()
    return response


def token_rows(app) -> list[dict[str, Any]]:
    with app.extensions["registry.engine"].connect() as connection:
        return [dict(row) for row in connection.execute(text("SELECT * FROM tokens")).mappings()]


def test_create_shows_the_secret_once(admin):
    response = issue(admin, "ci-bot", "editor")

    body = response.get_json()
    assert body["token"].startswith("rgt_")
    assert len(body["token"]) > 40
    assert (body["name"], body["role"], body["active"], body["revoked_at"]) == (
        "ci-bot", "editor", True, None)
    assert body["created_by"] == "test-admin"
    assert body["prefix"] == body["token"][:10]
    assert response.headers["Location"] == f"/v1/tokens/{body['id']}"

    item = admin.get(response.headers["Location"])
    assert item.status_code == 200
    assert "token" not in item.get_json()
    assert item.get_json() == {k: v for k, v in body.items() if k != "token"}


def test_list_never_shows_secrets_or_hashes(admin):
    secret = issue(admin, "ci-bot").get_json()["token"]

    response = admin.get("/v1/tokens")

    assert response.status_code == 200
    listed = response.get_json()
    assert sorted(t["name"] for t in listed) == ["ci-bot", "test-admin"]
    raw = response.get_data(as_text=True)
    assert secret not in raw
    assert hashlib.sha256(secret.encode()).hexdigest() not in raw
    for token in listed:
        assert "token" not in token
        assert not any("hash" in key or "secret" in key for key in token)


@pytest.mark.parametrize(
    ("role", "can_read", "can_write", "can_admin"),
    [("reader", True, False, False), ("editor", True, True, False), ("admin", True, True, True)],
)
def test_new_token_works_with_its_role(admin, client, role, can_read, can_write, can_admin):
    caller = TokenClient(client, issue(admin, f"new-{role}", role).get_json()["token"])

    assert caller.get("/v1/processors").status_code == (200 if can_read else 403)
    created = caller.post("/v1/processors", json=processor_payload())
    assert created.status_code == (201 if can_write else 403)
    assert caller.get("/v1/tokens").status_code == (200 if can_admin else 403)
    if can_write:
        audit = admin.get(f"/v1/audit?entity_id={created.get_json()['id']}").get_json()
        assert [e["actor"] for e in audit] == [f"new-{role}"]


def test_duplicate_name_is_409_naming_name(admin):
    issue(admin, "ci-bot")

    response = admin.post("/v1/tokens", json={"name": "ci-bot", "role": "reader"})

    assert response.status_code == 409
    assert response.mimetype == PROBLEM
    assert set(response.get_json()["errors"]) == {"name"}
    assert [t["name"] for t in admin.get("/v1/tokens").get_json()].count("ci-bot") == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "x", "role": "root"}, {"role"}),
        ({"name": "", "role": "reader"}, {"name"}),
        ({"name": "bad/name", "role": "reader"}, {"name"}),
        ({"name": "n" * 101, "role": "reader"}, {"name"}),
        ({"name": "ci-bot\n", "role": "reader"}, {"name"}),
        ({"role": "reader"}, {"name"}),
        ({"name": "x", "role": "reader", "token": "rgt_mine"}, {"token"}),
        ({"name": "x", "role": "reader", "secret_hash": "0" * 64}, {"secret_hash"}),
    ],
)
def test_invalid_token_requests_are_422(admin, body, fields):
    response = admin.post("/v1/tokens", json=body)

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields
    assert [t["name"] for t in admin.get("/v1/tokens").get_json()] == ["test-admin"]


def test_revoke_needs_if_match_then_the_token_stops_working(admin, client):
    created = issue(admin, "ci-bot", "editor")
    url, secret = created.headers["Location"], created.get_json()["token"]
    bot = TokenClient(client, secret)
    assert bot.get("/v1/processors").status_code == 200

    missing = admin.delete(url)
    assert missing.status_code == 428
    assert missing.mimetype == PROBLEM
    assert admin.delete(url, headers={"If-Match": '"0000"'}).status_code == 412
    assert bot.get("/v1/processors").status_code == 200

    # The ETag of the creation response is the token's own, so it can revoke it.
    assert created.headers["ETag"] == admin.get(url).headers["ETag"]
    revoked = admin.delete(url, headers={"If-Match": created.headers["ETag"]})
    assert revoked.status_code == 204

    refused = bot.get("/v1/processors")
    assert refused.status_code == 401
    assert refused.mimetype == PROBLEM
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]

    shown = admin.get(url).get_json()
    assert shown["active"] is False
    assert shown["revoked_at"] is not None
    listed = {t["name"]: t for t in admin.get("/v1/tokens").get_json()}
    assert listed["ci-bot"]["active"] is False and listed["ci-bot"]["revoked_at"]


def test_unknown_token_id_is_404(admin):
    response = admin.delete("/v1/tokens/0b6f0000-0000-4000-8000-000000000000",
                            headers={"If-Match": '"0"'})

    assert response.status_code == 404
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer rgt_not-a-real-token", "Basic dXNlcjpwYXNz", "rgt_no_scheme"],
)
def test_missing_or_invalid_token_is_401_with_a_challenge(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/v1/processors", headers=headers)

    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["reader", "editor"])
def test_only_admins_manage_tokens(request, admin, role):
    caller = request.getfixturevalue(role)
    target = issue(admin, "target")
    etag = target.headers["ETag"]

    assert caller.get("/v1/tokens").status_code == 403
    refused = caller.post("/v1/tokens", json={"name": "mine", "role": "admin"})
    assert refused.status_code == 403
    assert refused.mimetype == PROBLEM
    assert caller.delete(target.headers["Location"], headers={"If-Match": etag}).status_code == 403
    names = {t["name"]: t["active"] for t in admin.get("/v1/tokens").get_json()}
    assert "mine" not in names and names["target"] is True


def test_only_the_sha256_of_the_secret_is_stored(app, admin):
    body = issue(admin, "ci-bot").get_json()
    secret = body["token"]

    rows = token_rows(app)

    [row] = [r for r in rows if r["id"] == body["id"]]
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for stored in rows:
        for column, value in stored.items():
            assert secret not in str(value), column
            assert secret.removeprefix("rgt_") not in str(value), column


# -- the CLI ----------------------------------------------------------------------


@pytest.fixture
def run_cli(monkeypatch, database_url):
    """Invoke `registry` against the test database, closing the engines it opens.

    The CLI builds its own app; its engine's pooled connections would otherwise be
    garbage-collected open (a ResourceWarning from psycopg, an error under -W error).
    """
    import registry.cli

    apps = []
    build_app = registry.cli._app

    def spy():
        apps.append(build_app())
        return apps[-1]

    monkeypatch.setattr(registry.cli, "_app", spy)

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), env={"DATABASE_URL": database_url})

    yield invoke
    for app in apps:
        app.extensions["registry.engine"].dispose()


def test_cli_prints_a_working_token_as_the_last_line(app, client, admin, run_cli):
    result = run_cli("tokens", "create", "--name", "deploy-bot", "--role", "editor")

    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[-1]
    assert secret.startswith("rgt_")
    assert secret not in result.stderr
    bot = TokenClient(client, secret)
    created = bot.post("/v1/processors", json=processor_payload())
    assert created.status_code == 201
    assert bot.get("/v1/tokens").status_code == 403
    [row] = [r for r in token_rows(app) if r["name"] == "deploy-bot"]
    assert (row["role"], row["created_by"]) == ("editor", "cli")
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    audit = admin.get("/v1/audit?actor=cli")
    [entry] = audit.get_json()
    assert (entry["action"], entry["entity_type"], entry["entity_id"]) == (
        "create", "token", row["id"])
    assert entry["request_id"] == "cli"
    assert entry["after"]["name"] == "deploy-bot"
    assert secret not in audit.get_data(as_text=True)


def test_cli_refuses_a_duplicate_name(app, run_cli):
    args = ("tokens", "create", "--name", "deploy-bot", "--role", "reader")
    assert run_cli(*args).exit_code == 0

    again = run_cli(*args)

    assert again.exit_code != 0
    assert "deploy-bot" in again.stderr
    assert not again.stdout.strip()
    assert [r["name"] for r in token_rows(app)].count("deploy-bot") == 1
