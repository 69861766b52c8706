"""The committed OpenAPI document is the one the code generates, and it is valid."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from registry import create_app
from registry.catalogue import vocabularies
from registry.cli import render_openapi

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")
# Plain routes outside the API's problem+json handling, documented all the same.
INFRASTRUCTURE = ("/healthz", "/readyz", "/metrics", "/openapi.json")


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
        if path in INFRASTRUCTURE:
            assert op["security"] == [] and "200" in op["responses"], where
            continue
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


def _operations(spec):
    return [(path, method, op) for path, item in spec["paths"].items()
            for method, op in item.items() if method in METHODS]


def test_every_operation_has_a_unique_stable_operation_id(spec):
    ids = [op.get("operationId") for _, _, op in _operations(spec)]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"(get|post|put|patch|delete)_[a-z0-9_]+", i) for i in ids)
    by_route = {(m, p): op["operationId"] for p, m, op in _operations(spec)}
    assert by_route["get", "/v1/processors/{processor_id}"] == "get_processors_processor"
    assert by_route["post", "/v1/processors"] == "post_processors_processors"


def test_document_names_servers_license_and_infrastructure_routes(spec):
    assert spec["servers"] == [{"url": "/", "description": "The registry serving this document"}]
    assert spec["info"]["license"] == {"name": "Proprietary"}
    assert set(INFRASTRUCTURE) <= set(spec["paths"])


def test_generator_friendly_types(spec):
    schemas = spec["components"]["schemas"]
    text = json.dumps(spec)
    assert '"format": "url"' not in text and "<script" not in text
    assert schemas["Processor"]["properties"]["website"]["format"] == "uri"
    for name in ("before", "after"):
        assert schemas["FieldChange"]["properties"][name]["type"]
        assert schemas["AuditEntry"]["properties"][name]["type"] == ["object", "null"]
    art28 = schemas["Dpa"]["properties"]["art28"]
    assert art28["propertyNames"] == {"enum": list("abcdefgh")}
    assert "Art28" not in schemas


def test_public_gets_document_conditional_requests(spec):
    for path, method, op in _operations(spec):
        if method != "get" or not path.startswith("/public/") or "objections" in path \
                or "subscriptions" in path:
            continue
        names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in op.get("parameters", [])}
        assert {"IfNoneMatch", "IfModifiedSince"} <= names, path
        assert "304" in op["responses"], path
        assert {"ETag", "Last-Modified"} <= set(op["responses"]["200"]["headers"]), path
    feeds = spec["paths"]
    assert "application/atom+xml" in feeds["/public/feed.atom"]["get"]["responses"]["200"][
        "content"]
    assert "application/rss+xml" in feeds["/public/feed.rss"]["get"]["responses"]["200"][
        "content"]
