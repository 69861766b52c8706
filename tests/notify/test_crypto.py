"""Link tokens and stored crypto."""

from __future__ import annotations

import pytest

from registry.notify import crypto

KEY = "k" * 32


def test_link_tokens_round_trip_and_refuse_tampering():
    token = crypto.link_token("sub-1", KEY, "unsubscribe")
    assert crypto.read_link_token(token, KEY, "unsubscribe") == "sub-1"
    assert crypto.read_link_token(token, KEY, "confirm") is None
    assert crypto.read_link_token(token, "other" * 8, "unsubscribe") is None
    assert crypto.read_link_token(token[:-1] + "x", KEY, "unsubscribe") is None
    assert crypto.read_link_token("sub-1", KEY, "unsubscribe") is None


@pytest.mark.parametrize("token", ["sübscription.ünicode", "\u2603.\u2603", ".", ""])
def test_odd_tokens_are_refused_not_errors(token):
    assert crypto.read_link_token(token, KEY, "unsubscribe") is None


def test_secrets_are_encrypted_with_a_key_from_secret_key():
    secret = crypto.new_signing_secret()
    assert secret.startswith("whsec_")
    stored = crypto.encrypt(secret, KEY)
    assert secret not in stored
    assert crypto.decrypt(stored, KEY) == secret
    with pytest.raises(ValueError, match="SECRET_KEY"):
        crypto.decrypt(stored, "another key entirely")
