"""Webhook signing secrets: made here, shown once, stored encrypted, and tokens for links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    # A separate key per purpose, derived from SECRET_KEY, so one leak does not open others;
    # derived once (a fan-out decrypts a secret per delivery).
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
    # surrogatepass: any str can be hashed (a lone surrogate from a JSON body, say);
    # every valid text encodes as plain UTF-8, so no stored hash changes.
    return hmac.new(f"{purpose}:{secret_key}".encode(), value.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).hexdigest()


# A link may be opened on a machine whose clock is a little ahead of the one that made it.
CLOCK_SKEW = timedelta(minutes=5)


def link_token(subscription_id: str, secret_key: str, purpose: str,
               issued_at: datetime | None = None) -> str:
    """A token for a link in a mail: the id, for a link that expires the time it was
    issued (Unix seconds), and a MAC of both."""
    signed = (subscription_id if issued_at is None
              else f"{subscription_id}.{int(issued_at.timestamp())}")
    return f"{signed}.{keyed_hash(signed, secret_key, purpose)[:32]}"


def read_link_token(token: str, secret_key: str, purpose: str, *,
                    max_age: timedelta | None = None,
                    now: datetime | None = None) -> str | None:
    """The subscription id a link token names, when its MAC is right (it may be gone).
    With `max_age` the token must carry its issue time and be at most that old at
    `now`; without, it must carry none (such links never expire)."""
    if not token.isascii():  # never one of ours
        return None
    signed, _, mac = token.rpartition(".")
    subscription_id, _, issued = signed.partition(".")
    if not subscription_id or not mac or bool(issued) != (max_age is not None):
        return None
    if issued and not (issued.isdigit() and len(issued) <= 12):
        return None
    expected = keyed_hash(signed, secret_key, purpose)[:32]
    if not hmac.compare_digest(expected, mac):
        return None
    if max_age is not None:
        if now is None:
            raise ValueError("an expiring link token is read at a time: pass now")
        age = now - datetime.fromtimestamp(int(issued), UTC)
        if not -CLOCK_SKEW <= age <= max_age:
            return None
    return subscription_id
