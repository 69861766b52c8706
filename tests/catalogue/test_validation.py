"""Invalid input is a 422 problem naming each bad field, and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import create_processor, dpa_payload, location_payload, processor_payload

PROBLEM = "application/problem+json"


def with_location(**overrides: Any) -> dict[str, Any]:
    return processor_payload(locations=[location_payload(**overrides)])


def with_safeguard(safeguard: dict[str, Any]) -> dict[str, Any]:
    return with_location(safeguards=[safeguard])


def with_dpa(**overrides: Any) -> dict[str, Any]:
    return processor_payload(dpas=[dpa_payload(**overrides)])


def without(field: str, payload: dict[str, Any]) -> dict[str, Any]:
    payload.pop(field)
    return payload


def assert_problem(response, status: int, fields: set[str]) -> dict[str, list[str]]:
    """The response is a problem of `status` whose errors name exactly `fields`."""
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert set(body["errors"]) == fields, body["errors"]
    for messages in body["errors"].values():
        assert messages and all(isinstance(m, str) and m for m in messages)
    return body["errors"]


def audit_entries(admin) -> list[dict[str, Any]]:
    response = admin.get("/v1/audit?page_size=500")
    assert response.status_code == 200
    return response.get_json()


def assert_nothing_written(editor, admin) -> None:
    listed = editor.get("/v1/processors")
    assert listed.status_code == 200
    assert listed.get_json() == []
    assert audit_entries(admin) == []


sg = "locations.0.safeguards.0"

INVALID_BODIES = [
    # country
    pytest.param(processor_payload(country="XX"), {"country": "'XX'"}, id="country-unknown"),
    pytest.param(processor_payload(country="IRL"), {"country": None}, id="country-alpha3"),
    pytest.param(processor_payload(country="IE\n"), {"country": None}, id="country-newline"),
    pytest.param(with_location(country="XX"), {"locations.0.country": "'XX'"},
                 id="location-country-unknown"),
    # dates
    pytest.param(with_dpa(signed_on="2024-13-45"), {"dpas.0.signed_on": "date"},
                 id="dpa-signed-on-impossible"),
    pytest.param(with_dpa(signed_on="01/02/2024"), {"dpas.0.signed_on": "date"},
                 id="dpa-signed-on-not-iso"),
    pytest.param(with_location(tia={"assessed_on": "2024-13-45", "outcome": "acceptable"}),
                 {"locations.0.tia.assessed_on": "date"}, id="tia-assessed-on-impossible"),
    pytest.param(with_location(tia={"assessed_on": "01/02/2024", "outcome": "acceptable"}),
                 {"locations.0.tia.assessed_on": "date"}, id="tia-assessed-on-not-iso"),
    # URLs and e-mail
    pytest.param(processor_payload(website="notaurl"), {"website": "URL"}, id="website-not-url"),
    pytest.param(processor_payload(website="ftp://x.example"), {"website": "URL"},
                 id="website-ftp"),
    pytest.param(with_dpa(document_url="javascript:alert(1)"), {"dpas.0.document_url": "URL"},
                 id="dpa-document-url-script"),
    pytest.param(processor_payload(contact={"name": "X", "email": "not-an-email"}),
                 {"contact.email": "email"}, id="contact-email"),
    # unknown fields, at every level
    pytest.param(processor_payload(colour="red"), {"colour": "Unknown field"}, id="unknown-top"),
    pytest.param(with_location(colour="red"), {"locations.0.colour": "Unknown field"},
                 id="unknown-in-location"),
    pytest.param(with_safeguard({"type": "scc", "version": "2021/914", "colour": "red"}),
                 {f"{sg}.colour": "Unknown field"}, id="unknown-in-safeguard"),
    pytest.param(with_dpa(art28={"a": True, "i": True}), {"dpas.0.art28.i": "Unknown field"},
                 id="unknown-in-art28"),
    pytest.param(processor_payload(contact={"email": "a@b.example", "phone": "1"}),
                 {"contact.phone": "Unknown field"}, id="unknown-in-contact"),
    # purpose
    pytest.param(processor_payload(purpose={"nl": "Hosting"}), {"purpose": "'en'"},
                 id="purpose-without-en"),
    pytest.param(processor_payload(purpose={"en": "Hosting", "english": "Hosting"}),
                 {"purpose": "english"}, id="purpose-key-not-iso-639-1"),
    pytest.param(processor_payload(purpose={"en": "Hosting", "xx": "Hosting"}),
                 {"purpose": "xx"}, id="purpose-key-unknown-language"),
    pytest.param(processor_payload(purpose={"en": "Hosting", "NL": "Hosting"}),
                 {"purpose": "NL"}, id="purpose-key-upper-case"),
    pytest.param(processor_payload(purpose={"en": ""}), {"purpose.en.value": None},
                 id="purpose-en-empty"),
    # tags and vocabularies
    pytest.param(processor_payload(services=["Voice"]), {"services.0": "lower-case"},
                 id="service-upper-case"),
    pytest.param(processor_payload(services=["voice", "voice chat"]), {"services.1": "lower-case"},
                 id="service-with-space"),
    pytest.param(processor_payload(services=["voice\n"]), {"services.0": "lower-case"},
                 id="service-with-trailing-newline"),
    pytest.param(processor_payload(data_categories=["contact", "dna"]),
                 {"data_categories.1": "Must be one of"}, id="data-category-unknown"),
    pytest.param(processor_payload(data_subjects=["aliens"]),
                 {"data_subjects.0": "Must be one of"}, id="data-subject-unknown"),
    pytest.param(with_location(role="owner"), {"locations.0.role": "hosting"}, id="role-unknown"),
    pytest.param(processor_payload(status="gone"), {"status": "draft"}, id="status-unknown"),
    # safeguards
    pytest.param(with_safeguard({"type": "pinky_promise"}), {f"{sg}.type": "scc"},
                 id="safeguard-type-unknown"),
    pytest.param(with_safeguard({"type": "adequacy"}), {f"{sg}.type": "Must be one of"},
                 id="safeguard-adequacy-is-computed"),
    pytest.param(with_safeguard({"type": "dpf"}),
                 {f"{sg}.certification_ref": "Required", f"{sg}.certified_on": "Required"},
                 id="dpf-without-reference-and-date"),
    pytest.param(with_safeguard({"type": "dpf", "certification_ref": "DPF-1"}),
                 {f"{sg}.certified_on": "Required"}, id="dpf-without-date"),
    pytest.param(with_safeguard({"type": "scc", "version": "2021/914", "module": 5}),
                 {f"{sg}.module": "1, 2, 3, 4"}, id="scc-module-5"),
    pytest.param(with_safeguard({"type": "scc", "version": "2021/914", "module": 3.5}),
                 {f"{sg}.module": "integer"}, id="scc-module-fraction"),
    pytest.param(with_safeguard({"type": "scc", "version": "2021/914", "module": "3"}),
                 {f"{sg}.module": "integer"}, id="scc-module-string"),
    pytest.param(with_safeguard({"type": "scc", "module": 2}), {f"{sg}.version": "Required"},
                 id="scc-without-version"),
    pytest.param(with_safeguard({"type": "scc", "version": "2010/87/EU", "module": 2}),
                 {f"{sg}.module": "2021/914"}, id="scc-repealed-version-with-module"),
    pytest.param(with_safeguard({"type": "scc", "version": "2019/1"}),
                 {f"{sg}.version": "Must be one of"}, id="scc-version-unknown"),
    pytest.param(with_safeguard({"type": "derogation", "article": "49(1)(h)"}),
                 {f"{sg}.article": "49(1)(g)"}, id="derogation-article-h"),
    pytest.param(with_safeguard({"type": "derogation"}), {f"{sg}.article": "Required"},
                 id="derogation-without-article"),
    pytest.param(with_safeguard({"type": "scc", "version": "2021/914", "article": "49(1)(a)"}),
                 {f"{sg}.article": "Does not apply to a scc"}, id="article-on-scc"),
    pytest.param(with_safeguard({"type": "bcr", "approval_ref": "B-1", "module": 3}),
                 {f"{sg}.module": "Does not apply to a bcr"}, id="module-on-bcr"),
    pytest.param(with_safeguard({"type": "bcr"}), {f"{sg}.approval_ref": "Required"},
                 id="bcr-without-approval"),
    pytest.param(with_safeguard({"type": "dpf", "certification_ref": "D", "certified_on":
                                 "2024-01-01", "frameworks": ["eu_china"]}),
                 {f"{sg}.frameworks.0": "Must be one of"}, id="dpf-framework-unknown"),
    pytest.param(with_location(tia={"assessed_on": "2024-01-01", "outcome": "fine"}),
                 {"locations.0.tia.outcome": "acceptable"}, id="tia-outcome-unknown"),
    # DPAs
    pytest.param(with_dpa(document_sha256="a" * 63), {"dpas.0.document_sha256": "64"},
                 id="sha256-too-short"),
    pytest.param(with_dpa(document_sha256="g" * 64), {"dpas.0.document_sha256": "64"},
                 id="sha256-not-hex"),
    pytest.param(with_dpa(document_sha256="A" * 64), {"dpas.0.document_sha256": "lower-case"},
                 id="sha256-upper-case"),
    pytest.param(with_dpa(document_sha256="a" * 64 + "\n"), {"dpas.0.document_sha256": "64"},
                 id="sha256-trailing-newline"),
    pytest.param(with_dpa(signed_on="2024-03-01", review_on="2024-02-29"),
                 {"dpas.0.review_on": "signed_on"}, id="review-before-signed"),
    pytest.param(with_dpa(signed_on="2024-03-01", expires_on="2023-03-01"),
                 {"dpas.0.expires_on": "signed_on"}, id="expiry-before-signed"),
    pytest.param(with_dpa(art28={"a": "sometimes"}), {"dpas.0.art28.a": "boolean"},
                 id="art28-not-boolean"),
    pytest.param(processor_payload(dpas=[without("version", dpa_payload())]),
                 {"dpas.0.version": "Missing"}, id="dpa-without-version"),
    # references, lengths and JSON types
    pytest.param(processor_payload(parent_id="0b6f0000-0000-4000-8000-000000000000"),
                 {"parent_id": "No processor"}, id="parent-missing"),
    pytest.param(processor_payload(name="x" * 201), {"name": "200"}, id="name-too-long"),
    pytest.param(processor_payload(name=""), {"name": "1"}, id="name-empty"),
    pytest.param(processor_payload(notes="n" * 10001), {"notes": "10000"}, id="notes-too-long"),
    pytest.param(processor_payload(name=123), {"name": "string"}, id="name-number"),
    pytest.param(processor_payload(services="x"), {"services": "list"}, id="services-string"),
    pytest.param(processor_payload(affiliate="maybe"), {"affiliate": "boolean"},
                 id="affiliate-maybe"),
    pytest.param(processor_payload(name=None), {"name": "null"}, id="name-null"),
    pytest.param(processor_payload(locations={"country": "US"}), {"locations": "list"},
                 id="locations-object"),
    pytest.param(without("name", processor_payload()), {"name": "Missing"}, id="name-missing"),
    pytest.param(without("purpose", processor_payload()), {"purpose": "Missing"},
                 id="purpose-missing"),
    pytest.param(processor_payload(name=123, services="x", affiliate="maybe"),
                 {"name": "string", "services": "list", "affiliate": "boolean"},
                 id="several-wrong-types"),
    pytest.param([processor_payload()], {"_body": "Invalid input type"}, id="body-is-a-list"),
    pytest.param("Acme", {"_body": "Invalid input type"}, id="body-is-a-string"),
]


@pytest.mark.parametrize(("payload", "expected"), INVALID_BODIES)
def test_invalid_create_is_422_naming_the_field_and_writes_nothing(
    editor, admin, payload, expected
):
    response = editor.post("/v1/processors", json=payload)

    errors = assert_problem(response, 422, set(expected))
    for path, fragment in expected.items():
        if fragment is not None:
            assert any(fragment in message for message in errors[path]), errors[path]
    assert response.get_json()["instance"] == "/v1/processors"
    assert_nothing_written(editor, admin)


def test_lower_case_countries_are_normalised_to_upper_case(editor):
    payload = processor_payload(country="ie", locations=[location_payload(country="us")])

    created = editor.post("/v1/processors", json=payload)

    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["country"] == "IE"
    assert body["locations"][0]["country"] == "US"
    stored = editor.get(created.headers["Location"]).get_json()
    assert (stored["country"], stored["locations"][0]["country"]) == ("IE", "US")


VALID_SAFEGUARDS = [
    pytest.param({"type": "scc", "version": "2010/87/EU"}, id="repealed-scc-without-module"),
    pytest.param({"type": "derogation", "article": "49(1)(g)"}, id="derogation-g"),
    pytest.param({"type": "dpf", "certification_ref": "DPF-1", "certified_on": "2024-01-01"},
                 id="dpf"),
    pytest.param({"type": "uk_idta"}, id="uk-idta-bare"),
]


@pytest.mark.parametrize("safeguard", VALID_SAFEGUARDS)
def test_valid_safeguards_are_accepted_as_sent(editor, safeguard):
    created = editor.post("/v1/processors", json=with_safeguard(safeguard))

    assert created.status_code == 201, created.get_json()
    stored = created.get_json()["locations"][0]["safeguards"][0]
    expected = dict(safeguard)
    if safeguard["type"] == "dpf":
        expected["frameworks"] = ["eu_us"]
    assert stored == expected


def test_dpa_art28_missing_keys_default_to_false(editor):
    created = editor.post("/v1/processors", json=with_dpa(art28={"a": True, "h": True}))

    assert created.status_code == 201, created.get_json()
    art28 = created.get_json()["dpas"][0]["art28"]
    assert art28 == {letter: letter in "ah" for letter in "abcdefgh"}


# -- PATCH of a processor -----------------------------------------------------


@pytest.fixture
def existing(editor) -> dict[str, Any]:
    created = create_processor(editor, name="Existing")
    return {"url": created.headers["Location"], "etag": created.headers["ETag"],
            "body": created.get_json()}


INVALID_PATCHES = [
    pytest.param({"country": "XX"}, "country", id="country"),
    pytest.param({"name": None}, "name", id="name-null"),
    pytest.param({"name": "x" * 201}, "name", id="name-too-long"),
    pytest.param({"purpose": {"nl": "Hosting"}}, "purpose", id="purpose-without-en"),
    pytest.param({"website": "notaurl"}, "website", id="website"),
    pytest.param({"status": "deleted"}, "status", id="status-unknown"),
    pytest.param({"status": "draft"}, "status", id="status-back-to-draft"),
    pytest.param({"affiliate": None}, "affiliate", id="affiliate-null"),
    pytest.param({"id": "other"}, "id", id="id-is-read-only"),
    pytest.param({"created_at": "2020-01-01T00:00:00Z"}, "created_at", id="created-at-read-only"),
    pytest.param({"colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"parent_id": "0b6f0000-0000-4000-8000-000000000000"}, "parent_id",
                 id="parent-missing"),
]


@pytest.mark.parametrize(("patch", "field"), INVALID_PATCHES)
def test_invalid_patch_is_422_naming_the_field_and_changes_nothing(
    editor, admin, existing, patch, field
):
    response = editor.patch(existing["url"], json=patch, headers={"If-Match": existing["etag"]})

    assert_problem(response, 422, {field})
    after = editor.get(existing["url"])
    assert after.headers["ETag"] == existing["etag"]
    assert after.get_json() == existing["body"]
    assert [e["action"] for e in audit_entries(admin)] == ["create"]


@pytest.mark.parametrize("nested", ["locations", "dpas"])
def test_patch_with_nested_collections_points_to_their_routes(editor, existing, nested):
    response = editor.patch(existing["url"], json={"name": "New", nested: []},
                            headers={"If-Match": existing["etag"]})

    errors = assert_problem(response, 422, {nested})
    assert f"/v1/processors/{{id}}/{nested}" in errors[nested][0]
    assert editor.get(existing["url"]).get_json()["name"] == "Existing"


def test_self_parent_is_rejected(editor, existing):
    own_id = existing["body"]["id"]

    response = editor.patch(existing["url"], json={"parent_id": own_id},
                            headers={"If-Match": existing["etag"]})

    errors = assert_problem(response, 422, {"parent_id"})
    assert "own parent" in errors["parent_id"][0]
    assert editor.get(existing["url"]).get_json()["parent_id"] is None


def test_parent_cycle_through_a_chain_is_rejected(editor, admin):
    a = create_processor(editor, name="A", locations=[], dpas=[]).get_json()
    b = create_processor(editor, name="B", parent_id=a["id"], locations=[], dpas=[]).get_json()
    c = create_processor(editor, name="C", parent_id=b["id"], locations=[], dpas=[]).get_json()
    a_url = f"/v1/processors/{a['id']}"
    etag = editor.get(a_url).headers["ETag"]
    entries_before = len(audit_entries(admin))

    for new_parent in (b["id"], c["id"]):
        response = editor.patch(a_url, json={"parent_id": new_parent}, headers={"If-Match": etag})
        errors = assert_problem(response, 422, {"parent_id"})
        assert "cycle" in errors["parent_id"][0]

    assert editor.get(a_url).get_json()["parent_id"] is None
    assert editor.get(a_url).headers["ETag"] == etag
    assert len(audit_entries(admin)) == entries_before


def test_reparenting_outside_the_chain_is_allowed(editor):
    a = create_processor(editor, name="A", locations=[], dpas=[]).get_json()
    b = create_processor(editor, name="B", locations=[], dpas=[]).get_json()
    c = create_processor(editor, name="C", parent_id=a["id"], locations=[], dpas=[]).get_json()
    c_url = f"/v1/processors/{c['id']}"

    moved = editor.patch(c_url, json={"parent_id": b["id"]},
                         headers={"If-Match": editor.get(c_url).headers["ETag"]})

    assert moved.status_code == 200, moved.get_json()
    assert editor.get(c_url).get_json()["parent_id"] == b["id"]


# -- query parameters ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        pytest.param("status=bogus", {"status"}, id="status"),
        pytest.param("country=XX", {"country"}, id="country"),
        pytest.param("country=USA", {"country"}, id="country-alpha3"),
        pytest.param("safeguard=adequacy", {"safeguard"}, id="safeguard"),
        pytest.param("service=Voice%20Chat", {"service"}, id="service"),
        pytest.param("status=bogus&country=XX", {"status", "country"}, id="both"),
        pytest.param("page=0", {"page"}, id="page-zero"),
        pytest.param("colour=red", {"colour"}, id="unknown-parameter"),
    ],
)
def test_invalid_list_query_is_422_naming_the_parameter(editor, query, fields):
    create_processor(editor)

    response = editor.get(f"/v1/processors?{query}")

    errors = assert_problem(response, 422, fields)
    if "country" in fields and "XX" in query:
        assert "'XX'" in errors["country"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        pytest.param(processor_payload(name="Acme\x00"), "name", id="name"),
        pytest.param(processor_payload(notes="\x00"), "notes", id="notes"),
        pytest.param(processor_payload(purpose={"en": "Hosting\x00"}), "purpose", id="purpose"),
        pytest.param(with_location(region="eu\x00"), "locations.0.region", id="region"),
    ],
)
def test_nul_characters_are_422_not_a_server_error(editor, payload, field):
    response = editor.post("/v1/processors", json=payload)

    assert_problem(response, 422, {field})


def test_nul_character_in_free_text_query_is_422(editor):
    assert_problem(editor.get("/v1/processors?q=a%00b"), 422, {"q"})
