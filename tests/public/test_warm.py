"""Warm public answers (registry.public.warm): the same bytes and headers as the views
give, without Flask."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask import request_started

from registry.public.cache import RenderCache
from tests.factories import location_payload, processor_payload


def make_current(editor, **overrides) -> dict:
    response = editor.post("/v1/processors", json=processor_payload(
        effective_at=datetime.now(UTC).isoformat(), notice_override_reason="test", **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@contextmanager
def flask_requests(app):
    """The requests Flask itself handled while the block ran."""
    seen: list[str] = []

    def record(sender, **extra):
        from flask import request

        seen.append(request.full_path)

    request_started.connect(record, app)
    try:
        yield seen
    finally:
        request_started.disconnect(record, app)


def without_request_id(response) -> list[tuple[str, str]]:
    return [(name, value) for name, value in response.headers if name != "X-Request-ID"]


@pytest.fixture
def catalogue(editor) -> dict:
    """Two current processors (two changes), the first with a location outside the EEA."""
    first = make_current(editor, name="Acme", locations=[location_payload(country="US")])
    make_current(editor, name="Bolt")
    return first


CASES = [
    ("GET", "/public/subprocessors", {}),
    ("GET", "/public/subprocessors?lang=nl", {}),
    ("GET", "/public/subprocessors", {"Accept-Language": "sv, en;q=0.5"}),
    ("HEAD", "/public/subprocessors", {}),
    ("GET", "/public/subprocessors.csv", {}),  # Content-Disposition
    ("GET", "/public/subprocessors.html?lang=de", {}),
    ("GET", "/public/changes?limit=1", {}),  # Link
    ("GET", "/public/changes/1.html", {}),  # Content-Security-Policy
    ("GET", "/public/feed.atom", {}),
]


@pytest.mark.parametrize(("method", "path", "headers"), CASES,
                         ids=[f"{m} {p} {h}" for m, p, h in CASES])
def test_a_warm_answer_is_the_cold_one(app, client, catalogue, method, path, headers):
    app.extensions["registry.public_cache"] = RenderCache()
    with flask_requests(app) as handled:
        cold = client.open(path, method=method, headers=headers)
        warm = client.open(path, method=method, headers=headers)
    assert cold.status_code == 200, cold.get_data()
    assert handled == [cold.request.full_path], "the repeat went through Flask"
    assert warm.status_code == cold.status_code and warm.get_data() == cold.get_data()
    assert without_request_id(warm) == without_request_id(cold)


@pytest.mark.parametrize(("path", "validator"), [
    ("/public/subprocessors", "ETag"), ("/public/subprocessors.csv", "Last-Modified"),
    ("/public/changes?limit=1", "ETag"), ("/public/changes/1.html", "ETag")])
def test_a_warm_304_is_the_cold_one(app, client, catalogue, path, validator):
    held = client.get(path)
    conditional = {"If-None-Match": held.headers["ETag"]} if validator == "ETag" else {
        "If-Modified-Since": held.headers["Last-Modified"]}
    app.extensions["registry.public_cache"] = RenderCache()
    with flask_requests(app) as handled:
        cold = client.get(path, headers=conditional)
        warm = client.get(path, headers=conditional)
    assert cold.status_code == 304 and cold.get_data() == b""
    assert len(handled) == 1
    assert warm.status_code == 304 and warm.get_data() == b""
    assert without_request_id(warm) == without_request_id(cold)


def test_a_warm_answer_knows_the_clients_copy(app, client, catalogue):
    """One remembered answer gives a 200 or a 304, whichever the request asks for."""
    full = client.get("/public/subprocessors")
    with flask_requests(app) as handled:
        current = client.get("/public/subprocessors", headers={"If-None-Match": full.headers["ETag"]})
        stale = client.get("/public/subprocessors", headers={"If-None-Match": '"0123"'})
        star = client.get("/public/subprocessors", headers={"If-None-Match": "*"})
    assert handled == []
    assert (current.status_code, stale.status_code, star.status_code) == (304, 200, 304)
    assert stale.get_data() == full.get_data()


def test_a_warm_answer_echoes_the_request_id_or_makes_one(app, client, catalogue):
    client.get("/public/subprocessors")
    with flask_requests(app) as handled:
        given = client.get("/public/subprocessors", headers={"X-Request-ID": "trace-42.a_b"})
        odd = client.get("/public/subprocessors", headers={"X-Request-ID": "no spaces, please"})
        first, second = client.get("/public/subprocessors"), client.get("/public/subprocessors")
    assert handled == []
    assert given.headers["X-Request-ID"] == "trace-42.a_b"
    made = {odd.headers["X-Request-ID"], first.headers["X-Request-ID"],
            second.headers["X-Request-ID"]}
    assert len(made) == 3 and all(len(value) == 32 for value in made)


def test_only_repeated_reads_of_the_same_request_are_warm(app, client, catalogue):
    client.get("/public/subprocessors?lang=nl")
    with flask_requests(app) as handled:
        client.get("/public/subprocessors?lang=nl")  # warm
        client.get("/public/subprocessors?lang=de")  # another query: cold, then remembered
        client.get("/public/subprocessors?lang=de")
        options = client.options("/public/subprocessors?lang=nl")
        bad = client.get("/public/subprocessors?colour=red")
        client.get("/public/subprocessors?colour=red")  # an error is never remembered
    assert options.status_code == 200 and bad.status_code == 422
    assert handled == ["/public/subprocessors?lang=de", "/public/subprocessors?lang=nl",
                       "/public/subprocessors?colour=red", "/public/subprocessors?colour=red"]


def test_a_write_of_this_process_is_seen_by_the_next_read(app, editor, client, catalogue):
    before = client.get("/public/subprocessors")
    client.get("/public/subprocessors")  # warm
    url = f"/v1/processors/{catalogue['id']}"
    assert editor.patch(url, json={"purpose": {"en": "Changed"}},
                        headers={"If-Match": editor.get(url).headers["ETag"]}).status_code == 200
    after = client.get("/public/subprocessors", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "Changed" in {row["purpose"] for row in after.get_json()["subprocessors"]}


def test_the_version_is_asked_again_after_its_ttl(app, client, catalogue):
    """A warm answer needs a version that is fresh: after PUBLIC_VERSION_TTL one request
    goes to Flask, which asks the database, and the next is warm again."""
    cache = app.extensions["registry.public_cache"]
    client.get("/public/subprocessors")
    cache.version_ttl = 0  # every version is stale at once
    with flask_requests(app) as handled:
        client.get("/public/subprocessors")
    assert len(handled) == 1
    cache.version_ttl = 3600
    with flask_requests(app) as handled:
        client.get("/public/subprocessors")
    assert handled == []


def test_warm_answers_are_counted_by_route_and_status(app, client, catalogue):
    from registry.metrics import REQUESTS

    def count(status: str) -> float:
        return REQUESTS.labels("/public/subprocessors", "GET", status)._value.get()

    etag = client.get("/public/subprocessors").headers["ETag"]
    ok, not_modified = count("200"), count("304")
    client.get("/public/subprocessors")
    client.get("/public/subprocessors", headers={"If-None-Match": etag})
    assert (count("200"), count("304")) == (ok + 1, not_modified + 1)
