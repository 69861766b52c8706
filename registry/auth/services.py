"""Issuing, revoking and checking bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import db
from registry.auth.models import ROLES, Token
from registry.db import utcnow
from registry.errors import ProblemError

TOKEN_PREFIX = "rgt_"


def hash_secret(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session, *, name: str, role: str, created_by: str | None = None
) -> tuple[Token, str]:
    """Create a token and return it with its secret, which is never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if session.scalar(select(Token.id).where(Token.name == name)) is not None:
        raise ProblemError(409, f"A token named {name!r} already exists.",
                           errors={"name": ["A token with this name already exists."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = Token(name=name, role=role, secret_hash=hash_secret(secret),
                  prefix=secret[:10], created_by=created_by)
    session.add(token)
    session.flush()
    return token, secret


def revoke_token(session: Session, token: Token) -> Token:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
    return token


def find_active_token(session: Session, secret: str) -> Token | None:
    token = session.scalar(select(Token).where(Token.secret_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    # Constant-time comparison on top of the indexed lookup, as a matter of hygiene.
    if not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    return token


def role_allows(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def _unauthorised(detail: str, error: str | None = None) -> ProblemError:
    challenge = 'Bearer realm="registry"' + (f', error="{error}"' if error else "")
    return ProblemError(401, detail, headers={"WWW-Authenticate": challenge})


def current_token() -> Token | None:
    return g.get("token")


def current_actor() -> str:
    token = current_token()
    return token.name if token is not None else "system"


def require_role(needed: str) -> Token:
    """Authenticate the request's bearer token and check its role."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorised("A bearer token is required: send 'Authorization: Bearer <token>'.")
    token = find_active_token(db.session, secret.strip())
    if token is None:
        raise _unauthorised("The bearer token is invalid or has been revoked.", "invalid_token")
    if not role_allows(token.role, needed):
        raise ProblemError(403, f"This operation needs the {needed} role; your token is {token.role}.")
    g.token = token
    return token
