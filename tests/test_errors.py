"""Every error the app produces is RFC 9457 problem+json, without internals."""

from __future__ import annotations

import pytest

from tests.factories import processor_payload

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"] == "about:blank"
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "sqlalchemy", "SELECT ", "INSERT ", "File \""):
        assert leak not in text
    return body


def test_404_unknown_route_and_unknown_id(reader):
    assert_problem(reader.get("/v1/nothing-here"), 404)
    body = assert_problem(reader.get("/v1/processors/does-not-exist"), 404)
    assert "does-not-exist" in body["detail"]


def test_405_names_allowed_methods(editor):
    response = editor.put("/v1/processors", json={})
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]


def test_400_malformed_json(editor):
    response = editor.post("/v1/processors", data="{not json",
                           headers={"Content-Type": "application/json"})
    assert_problem(response, 400)


def test_415_body_that_is_not_json(editor):
    response = editor.post("/v1/processors", data="name=x",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_problem(response, 415)


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAX_BODY_BYTES": 2048}


def test_413_body_above_the_limit_and_nothing_written(editor):
    payload = processor_payload(notes="x" * 4096)
    assert_problem(editor.post("/v1/processors", json=payload), 413)
    assert editor.get("/v1/processors").get_json() == []


def test_422_names_the_field(editor):
    body = assert_problem(editor.post("/v1/processors", json=processor_payload(country="XX")), 422)
    assert list(body["errors"]) == ["country"]
    assert "XX" in body["errors"]["country"][0]


def test_500_hides_the_exception(app, client, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM tokens -- sqlalchemy internals")

    body = assert_problem(client.get("/boom"), 500)
    assert "secret" not in str(body)
    assert "RuntimeError" in caplog.text


def test_request_id_is_echoed_and_in_problems(reader):
    response = reader.get("/v1/processors/x", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.get_json()["request_id"] == "abc-123"
    generated = reader.get("/v1/processors", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["X-Request-ID"] != "bad id with spaces"


@pytest.mark.parametrize("path", ["/v1/countries?page=2", "/v1/compliance?page_size=5",
                                  "/v1/countries/FR?page=1"])
def test_a_list_that_is_not_paginated_refuses_page_arguments(reader, path):
    response = reader.get(path)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) & {"page", "page_size"}


def test_a_paginated_list_still_takes_them(reader):
    assert reader.get("/v1/processors?page=1&page_size=5").status_code == 200
