"""LOG_FORMAT=json: every line the API (app and access log) and the worker write is one
JSON object with the same keys, and no line carries a token, a secret or an address."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from registry import create_app, db, logs
from registry.db import upgrade_database
from tests.factories import add_token, processor_payload
from tests.notify.receiver import Receiver
from tests.ops.processes import gunicorn, request, run_worker_once, service_env

ADDRESS = "dpo.logs@customer.example"


def _call(port: int, method: str, path: str, token: str | None = None, body=None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, response_headers, raw = request(
        port, method, path, body=json.dumps(body).encode() if body is not None else None,
        headers=headers)
    return status, response_headers, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """A realistic run with LOG_FORMAT=json: tokens, a webhook and an e-mail subscription,
    a processor, some mistakes, and the worker sending what that caused. Its logs, the
    request ids the API answered with, and every secret and address that went by."""
    tmp_path = tmp_path_factory.mktemp("logs")
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade_database(url)
    setup = create_app({"DATABASE_URL": url})
    with setup.app_context():
        admin = add_token(db.session, name="ops", role="admin")
        db.session.commit()
    setup.extensions["registry.engine"].dispose()

    env = service_env(DATABASE_URL=url, LOG_FORMAT="json", WEB_CONCURRENCY="1",
                      MAILBOX_DIR=str(tmp_path / "mailbox"), WEBHOOK_ALLOW_PRIVATE="true",
                      WEBHOOK_ALLOW_HTTP="true")
    request_ids, secrets = [], [admin, ADDRESS]
    with Receiver() as receiver, gunicorn(env, tmp_path / "api.log") as server:
        def call(method, path, token=None, body=None, expect=None):
            status, headers, answer = _call(server.port, method, path, token, body)
            assert expect is None or status == expect, (status, answer)
            request_ids.append(headers["x-request-id"])
            return answer

        editor = call("POST", "/v1/tokens", admin, {"name": "legal", "role": "editor"}, 201)
        secrets.append(editor["token"])
        hook = call("POST", "/v1/subscriptions", editor["token"],
                    {"kind": "webhook", "name": "customer", "url": receiver.url("customer")}, 201)
        secrets.append(hook["secret"])
        receiver.expect_secret("customer", hook["secret"])
        call("POST", "/public/subscriptions", body={"email": ADDRESS, "lang": "en"}, expect=202)
        call("POST", "/v1/processors", editor["token"], processor_payload(), 201)
        # Mistakes that put a secret or an address where a log line could quote it.
        call("GET", f"/v1/tokens/{editor['token']}", admin, expect=404)
        call("GET", f"/public/subscriptions/{ADDRESS}", expect=404)
        call("GET", "/v1/processors", "rgt_not-a-token-but-secret", expect=401)
        run_worker_once(env, tmp_path / "worker.log")
        (delivered,) = receiver.to("customer")
        assert delivered.verified
    assert list((tmp_path / "mailbox").iterdir())  # the confirmation mail went out
    return {"api": (tmp_path / "api.log").read_text(), "worker": (tmp_path / "worker.log")
            .read_text(), "request_ids": request_ids, "secrets": secrets}


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_line_is_a_json_object_with_the_same_keys(full_run):
    for name in ("api", "worker"):
        lines = _lines(full_run[name])  # fails on a line that is not JSON
        assert lines, name
        for line in lines:
            assert set(logs.KEYS) <= set(line), line


def test_access_lines_carry_request_id_route_status_and_duration(full_run):
    access = [line for line in _lines(full_run["api"]) if line["logger"] == "gunicorn.access"]

    by_id = {line["request_id"]: line for line in access}
    assert set(full_run["request_ids"]) <= set(by_id)
    created = [line for line in access if line["message"].startswith("POST /v1/processors ")]
    assert [(line["route"], line["status"]) for line in created] == [("/v1/processors", 201)]
    assert all(isinstance(line["duration_ms"], float) for line in access)
    assert by_id[full_run["request_ids"][-1]]["status"] == 401


def test_the_worker_logs_as_json_too(full_run):
    loggers = {line["logger"] for line in _lines(full_run["worker"])}

    assert "registry.notify.worker" in loggers
    assert any(line["message"].startswith("SMTP_URL is not set")
               for line in _lines(full_run["worker"]))


def test_no_line_carries_a_token_a_secret_or_an_address(full_run):
    written = full_run["api"] + full_run["worker"]

    assert len(full_run["secrets"]) == 4
    for secret in full_run["secrets"]:
        assert secret not in written
    assert "rgt_not-a-token-but-secret" not in written
    assert "@customer.example" not in written


def test_an_app_line_in_a_request_names_its_request_and_route(app, client):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(logs.JsonFormatter().format(record))

    keep = Keep()
    keep.addFilter(logs.RequestContext())
    logging.getLogger("registry.tests").addHandler(keep)
    try:
        @app.get("/__log_probe/<thing>")
        def probe(thing):
            logging.getLogger("registry.tests").warning("probe for %s", "dpo@customer.example")
            return ""

        client.get("/__log_probe/x", headers={"X-Request-ID": "probe-123"})
    finally:
        logging.getLogger("registry.tests").removeHandler(keep)

    (line,) = [json.loads(record) for record in records]
    assert (line["request_id"], line["route"]) == ("probe-123", "/__log_probe/<thing>")
    assert line["message"] == "probe for [address]"


def test_an_error_is_named_by_its_type_and_place_not_its_text():
    try:
        raise ValueError("SELECT * FROM subscriptions WHERE email = 'dpo@customer.example'")
    except ValueError:
        record = logging.LogRecord("registry", logging.ERROR, __file__, 1, "unhandled error",
                                   None, exc_info=sys.exc_info())

    line = json.loads(logs.JsonFormatter().format(record))

    assert line["error"].startswith("ValueError in test_an_error_is_named_by_its_type")
    assert "SELECT" not in json.dumps(line) and "customer.example" not in json.dumps(line)
