"""Hostile and careless input gets a clear 4xx problem naming what is wrong, never a 5xx,
and nothing is written."""

from __future__ import annotations

import io
import json
import re

import pytest

from tests.factories import create_processor, processor_payload

PROBLEM = "application/problem+json"
DEEP = "[" * 10_000 + "]" * 10_000
LONG_NUMBER = '{"name": ' + "7" * 5_000 + "}"
LONE_SURROGATE = '{"name": "\\ud800", "country": "IE", "purpose": {"en": "x"}}'
HOSTILE_BODIES = {"deep": DEEP, "long-number": LONG_NUMBER, "lone-surrogate": LONE_SURROGATE}


def _processor_count(reader) -> int:
    return len(reader.get("/v1/processors").get_json())


# -- the text policy -------------------------------------------------------------------


@pytest.mark.parametrize("character", [
    "\x0b", "\x1f", "\x7f", "\x85", "\ufffe", "\uffff", "\u202e", "\u2066", "\u200b",
    "\u2028", "\ufeff",
], ids=lambda character: f"U+{ord(character):04X}")
def test_a_name_with_a_forbidden_character_is_422_naming_it(editor, reader, character):
    response = editor.post("/v1/processors", json=processor_payload(name=f"Acme{character}"))

    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert list(response.get_json()["errors"]) == ["name"]
    assert f"U+{ord(character):04X}" in response.get_json()["errors"]["name"][0]
    assert _processor_count(reader) == 0


@pytest.mark.parametrize(("payload", "field"), [
    (processor_payload(purpose={"en": "Hosting\u202eevil"}), "purpose"),
    (processor_payload(services=["voice", "te\u200bxt"]), "services"),
    (processor_payload(contact={"name": "Ann\x0b", "email": None}), "contact"),
    (processor_payload(locations=[{"country": "US", "role": "hosting", "region": "us\x0c"}]),
     "locations.0.region"),
])
def test_every_text_field_keeps_to_the_policy(editor, payload, field):
    response = editor.post("/v1/processors", json=payload)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


@pytest.mark.parametrize("name", ["\u0410cme Cloud", "Acm\u0435", "Str\u03b1tus"])
def test_a_name_mixing_scripts_in_a_word_is_422(editor, reader, name):
    response = editor.post("/v1/processors", json=processor_payload(name=name))

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["name"]
    assert "one script" in response.get_json()["errors"]["name"][0]
    assert _processor_count(reader) == 0


def test_names_in_one_script_each_are_fine(editor):
    for name in ("\u042f\u043d\u0434\u0435\u043a\u0441 Cloud", "M\u00fcller GmbH",
                 "Acme \u0394", "\u6771\u4eac Data"):
        assert create_processor(editor, name=name).status_code == 201, name


def test_text_is_stored_in_nfc(editor):
    decomposed = "Cafe\u0301 Cloud"

    created = create_processor(editor, name=decomposed).get_json()

    assert created["name"] == "Caf\u00e9 Cloud"


def test_tabs_and_line_breaks_stay_allowed(editor):
    created = create_processor(editor, registered_address="1 Dock Rd\r\nDublin\t2")

    assert created.status_code == 201
    assert created.get_json()["registered_address"] == "1 Dock Rd\r\nDublin\t2"


# -- bodies no parser should choke on ------------------------------------------------------


def _json_write_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        routes += [(method, path) for method in sorted(rule.methods & {"POST", "PATCH"})]
    return routes


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_no_json_route_of_v1_answers_5xx(app, admin, body):
    routes = _json_write_routes(app)
    assert len(routes) > 10

    for method, path in routes:
        response = admin.open(method, path, data=body, headers={
            "Content-Type": "application/json", "If-Match": '"x"'})

        assert 400 <= response.status_code < 500, (method, path, response.get_json())
        assert response.mimetype == PROBLEM, (method, path)


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_the_public_sign_up_answers_4xx_to_hostile_bodies(client, body):
    response = client.post("/public/subscriptions", data=body,
                           headers={"Content-Type": "application/json"})

    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM


def test_hostile_bodies_count_against_the_client_limit(client):
    answers = [client.post("/public/subscriptions", data=DEEP,
                           headers={"Content-Type": "application/json"}).status_code
               for _ in range(11)]

    assert answers[:10] == [400] * 10
    assert answers[10] == 429


def test_a_chunked_body_over_the_limit_is_413(app, editor, reader):
    body = json.dumps(processor_payload(notes="x" * 10_000)).encode()
    app.config["MAX_CONTENT_LENGTH"] = 4_096

    response = editor.post("/v1/processors", input_stream=io.BytesIO(body), headers={
        "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})

    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    app.config["MAX_CONTENT_LENGTH"] = None
    assert _processor_count(reader) == 0


# -- numbers and dates out of range -------------------------------------------------------


def test_a_moment_past_the_calendar_is_422_naming_effective_at(editor, reader):
    response = editor.post("/v1/processors", json=processor_payload(
        effective_at="9999-12-31T23:59:59-23:59", notice_override_reason="x"))

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["effective_at"]
    assert _processor_count(reader) == 0


@pytest.mark.parametrize("path", ["/public/subprocessors", "/public/subprocessors.csv",
                                  "/public/countries", "/v1/countries"])
def test_as_of_past_the_calendar_is_422_naming_as_of(reader, path):
    response = reader.get(f"{path}?as_of=9999-12-31")

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["as_of"]


@pytest.mark.parametrize("path", ["/v1/changes/99999999999", "/public/changes/99999999999",
                                  "/v1/changes/0"])
def test_row_numbers_past_32_bits_are_404(reader, path):
    response = reader.get(path)

    assert response.status_code == 404
    assert response.mimetype == PROBLEM


def test_retrying_a_delivery_past_32_bits_is_404(editor):
    response = editor.post("/v1/deliveries/99999999999/retry")

    assert response.status_code == 404
