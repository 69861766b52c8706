"""Request payloads with sensible defaults; tests override what they are about."""

from __future__ import annotations

from typing import Any


def scc_module_3() -> dict[str, Any]:
    return {"type": "scc", "module": 3, "version": "2021/914"}


def location_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "country": "US",
        "role": "hosting",
        "region": "us-east-1",
        "safeguards": [scc_module_3()],
        "tia": {"assessed_on": "2025-05-01", "outcome": "acceptable",
                "document_url": "https://docs.example/tia.pdf"},
    }
    payload.update(overrides)
    return payload


def dpa_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "version": "2024-03",
        "signed_on": "2024-03-01",
        "review_on": "2027-03-01",
        "document_url": "https://docs.example/dpa.pdf",
        "document_sha256": "a" * 64,
        "art28": {letter: True for letter in "abcdefgh"},
    }
    payload.update(overrides)
    return payload


def processor_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "Acme Cloud",
        "legal_name": "Acme Cloud Ireland Ltd",
        "registered_address": "1 Dock Rd, Dublin",
        "company_number": "IE123456",
        "website": "https://acme.example",
        "contact": {"name": "Privacy Office", "email": "privacy@acme.example"},
        "country": "IE",
        "purpose": {"en": "Hosting of the service", "nl": "Hosting van de dienst"},
        "services": ["voice", "text"],
        "data_categories": ["contact", "content"],
        "data_subjects": ["customers"],
        "notes": "internal only",
        "locations": [location_payload()],
        "dpas": [dpa_payload()],
    }
    payload.update(overrides)
    return payload


def create_processor(client, **overrides: Any):
    """POST a processor and return the response, asserting it was created."""
    response = client.post("/v1/processors", json=processor_payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response


def add_token(session, *, name: str, role: str) -> str:
    """A token row for a test's client, outside the audited /v1 write path; its secret."""
    import secrets

    from registry.auth.models import Token
    from registry.auth.services import TOKEN_PREFIX, hash_secret

    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(Token(name=name, role=role, secret_hash=hash_secret(secret), prefix=secret[:10]))
    session.flush()
    return secret
