"""Webhook signing secrets: made here, shown once, stored encrypted, and tokens for links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _fernet(secret_key: str) -> Fernet:
    # A separate key per purpose, derived from SECRET_KEY, so one leak does not open others.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"registry webhook secrets").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt(token: str, secret_key: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("the stored secret cannot be decrypted with this SECRET_KEY") from error


def keyed_hash(value: str, secret_key: str, purpose: str) -> str:
    """HMAC-SHA256 of `value`: lets us recognise a value without keeping it."""
    return hmac.new(f"{purpose}:{secret_key}".encode(), value.encode(),
                    hashlib.sha256).hexdigest()


def link_token(subscription_id: str, secret_key: str, purpose: str) -> str:
    """A token for a link in a mail (e.g. unsubscribe): the id and its MAC."""
    return f"{subscription_id}.{keyed_hash(subscription_id, secret_key, purpose)[:32]}"


def read_link_token(token: str, secret_key: str, purpose: str) -> str | None:
    """The subscription id a link token names, when its MAC is right (it may be gone)."""
    if not token.isascii():  # never one of ours
        return None
    subscription_id, _, mac = token.partition(".")
    expected = link_token(subscription_id, secret_key, purpose)
    matches = hmac.compare_digest(expected.encode(), token.encode())
    return subscription_id if matches and mac else None
