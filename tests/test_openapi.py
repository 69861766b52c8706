"""The committed OpenAPI document is the one the code generates, and it is valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from registry import create_app
from registry.catalogue import vocabularies
from registry.cli import render_openapi

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_committed_spec_equals_generated_and_served(client):
    generated = render_openapi(client.application)
    assert COMMITTED.read_text(encoding="utf-8") == generated, (
        "openapi/openapi.json is stale: run `make openapi` and commit the result"
    )
    served = client.get("/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == json.loads(generated)


def test_spec_is_valid(spec):
    validate(spec)


def test_every_operation_has_summary_errors_and_security(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "A registry token"}
    assert spec["security"] == [{"bearerAuth": []}]
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in METHODS]
    assert len(operations) >= 15
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), where
        responses = op["responses"]
        public = path.startswith("/public/")
        needed = ("400", "404", "422", "500") if public else ("400", "401", "403", "404", "422",
                                                              "500")
        for code in needed:
            assert code in responses, f"{where} does not document {code}"
        if public:
            assert op["security"] == [], f"{where} must be anonymous"
            assert "401" not in responses, where
        if method in ("patch", "delete"):
            assert {"412", "428"} <= set(responses), where
        if method in ("post", "patch"):
            assert {"413", "415"} <= set(responses), where
    problem = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_vocabularies_are_listed_as_enums(spec):
    schemas = spec["components"]["schemas"]
    processor = schemas["Processor"]["properties"]
    assert processor["data_categories"]["items"]["enum"] == list(vocabularies.DATA_CATEGORIES)
    assert processor["data_subjects"]["items"]["enum"] == list(vocabularies.DATA_SUBJECTS)
    assert processor["status"]["enum"] == list(vocabularies.STATUSES)
    assert schemas["Location"]["properties"]["role"]["enum"] == list(vocabularies.LOCATION_ROLES)
    assert schemas["Safeguard"]["properties"]["type"]["enum"] == list(vocabularies.SAFEGUARD_TYPES)
    articles = list(vocabularies.DEROGATION_ARTICLES)
    assert schemas["Safeguard"]["properties"]["article"]["enum"] == articles


def test_spec_does_not_depend_on_settings(database_url):
    other = create_app({"DATABASE_URL": database_url, "NOTICE_PERIOD_DAYS": 7})
    assert render_openapi(other) == COMMITTED.read_text(encoding="utf-8")
    other.extensions["registry.engine"].dispose()
