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


def delete_all_but_tokens(app) -> None:
    """Every row but the tokens (so a test's clients keep working), and a cold public
    cache: for a property test that starts each example from an empty catalogue."""
    from sqlalchemy import text

    from registry import load_models
    from registry.db import Base
    from registry.public.cache import RenderCache

    load_models()
    engine = app.extensions["registry.engine"]
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name != "tokens"]
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            # Self-references (parent_id) would trip row-by-row checks; check at commit.
            connection.execute(text("PRAGMA defer_foreign_keys=ON"))
        for name in tables:
            connection.execute(text(f'DELETE FROM "{name}"'))
    cache = app.extensions["registry.public_cache"]
    app.extensions["registry.public_cache"] = RenderCache(version_ttl=cache.version_ttl)


def add_email_subscriber(app, email: str, lang: str) -> None:
    """A confirmed e-mail subscription, made by the services the sign-up pages call
    (the pages' rate limit would refuse a property test's many sign-ups)."""
    from registry import db
    from registry.db import utcnow
    from registry.notify.services import confirm_email, subscribe_email

    settings = app.config["SETTINGS"]
    with app.app_context():
        subscription, _token = subscribe_email(db.session, email, lang, [],
                                               settings=settings, now=utcnow())
        confirm_email(db.session, subscription.id, settings=settings, now=utcnow())
        db.session.commit()


def run_worker(app) -> int:
    """Attempt every due delivery with a worker in this process; how many were attempted."""
    from registry.notify.worker import Worker

    worker = Worker(app, name="test-worker")
    try:
        return sum(iter(worker.run_once, 0))
    finally:
        worker.close()
