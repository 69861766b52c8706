"""Link tokens and stored secrets."""

from __future__ import annotations

import pytest

from registry.notify import secrets

KEY = "k" * 32


def test_link_tokens_round_trip_and_refuse_tampering():
    token = secrets.link_token("sub-1", KEY, "unsubscribe")
    assert secrets.read_link_token(token, KEY, "unsubscribe") == "sub-1"
    assert secrets.read_link_token(token, KEY, "confirm") is None
    assert secrets.read_link_token(token, "other" * 8, "unsubscribe") is None
    assert secrets.read_link_token(token[:-1] + "x", KEY, "unsubscribe") is None
    assert secrets.read_link_token("sub-1", KEY, "unsubscribe") is None


@pytest.mark.parametrize("token", ["sübscription.ünicode", "\u2603.\u2603", ".", ""])
def test_odd_tokens_are_refused_not_errors(token):
    assert secrets.read_link_token(token, KEY, "unsubscribe") is None


def test_secrets_are_encrypted_with_a_key_from_secret_key():
    secret = secrets.new_signing_secret()
    assert secret.startswith("whsec_")
    stored = secrets.encrypt(secret, KEY)
    assert secret not in stored
    assert secrets.decrypt(stored, KEY) == secret
    with pytest.raises(ValueError, match="SECRET_KEY"):
        secrets.decrypt(stored, "another key entirely")
