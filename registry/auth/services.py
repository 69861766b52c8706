"""Issuing, revoking and checking bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from registry.audit.services import Actor, record
from registry.auth.models import ConsoleSession, Token
from registry.auth.schemas import TokenSchema
from registry.auth.vocabularies import ROLES
from registry.errors import ProblemError

TOKEN_PREFIX = "rgt_"


def hash_secret(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: str, actor: Actor) -> tuple[Token, str]:
    """Create a token and return it with its secret, which is never stored."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if session.scalar(select(Token.id).where(Token.name == name)) is not None:
        raise ProblemError(409, f"A token named {name!r} already exists.",
                           errors={"name": ["A token with this name already exists."]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = Token(name=name, role=role, secret_hash=hash_secret(secret),
                  prefix=secret[:10], created_by=actor.name)
    session.add(token)
    session.flush()
    record(session, actor=actor, action="create", entity_type="token",
           entity_id=token.id, before=None, after=TokenSchema().dump(token))
    return token, secret


def revoke_token(session: Session, token: Token, *, actor: Actor, now: datetime) -> Token:
    before = TokenSchema().dump(token)
    if token.revoked_at is None:
        token.revoked_at = now
        # Revoking a token signs out every console session it started.
        session.execute(update(ConsoleSession).where(
            ConsoleSession.token_id == token.id, ConsoleSession.ended_at.is_(None)
        ).values(ended_at=now))
        session.flush()
    record(session, actor=actor, action="revoke", entity_type="token", entity_id=token.id,
           before=before, after=TokenSchema().dump(token))
    return token


_BY_HASH = select(Token).where(Token.secret_hash == bindparam("hash"))  # every request


def find_active_token(session: Session, secret: str) -> Token | None:
    token = session.scalar(_BY_HASH, {"hash": hash_secret(secret)})
    if token is None or token.revoked_at is not None:
        return None
    # Constant-time comparison on top of the indexed lookup, as a matter of hygiene.
    if not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    return token


def role_allows(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


# -- console sessions ---------------------------------------------------------------


class SessionState(StrEnum):
    """Why a console session secret does or does not sign a browser in."""

    ACTIVE = "active"
    EXPIRED = "expired"    # its lifetime passed
    ENDED = "ended"        # signed out, or its token was revoked
    UNKNOWN = "unknown"    # no such session


def start_console_session(session: Session, token: Token, *, lifetime: timedelta,
                          actor: Actor, now: datetime) -> tuple[ConsoleSession, str]:
    """Sign a browser in with `token`; returns the session and the secret its cookie holds."""
    secret = secrets.token_urlsafe(32)
    console = ConsoleSession(secret_hash=hash_secret(secret), token_id=token.id,
                             created_at=now, expires_at=now + lifetime)
    session.add(console)
    session.flush()
    record(session, actor=actor, action="sign_in", entity_type="token", entity_id=token.id,
           before=None, after={"console_session": console.id,
                               "expires_at": console.expires_at.isoformat()})
    return console, secret


def console_session(session: Session, secret: str, *, now: datetime
                    ) -> tuple[SessionState, ConsoleSession | None]:
    """The session a cookie's secret names, and whether it still signs its browser in."""
    console = session.scalar(select(ConsoleSession).where(
        ConsoleSession.secret_hash == hash_secret(secret)))
    if console is None:
        return SessionState.UNKNOWN, None
    if console.ended_at is not None or console.token.revoked_at is not None:
        return SessionState.ENDED, console
    if console.expires_at <= now:
        return SessionState.EXPIRED, console
    return SessionState.ACTIVE, console


def end_console_session(session: Session, console: ConsoleSession, *, actor: Actor,
                        now: datetime) -> None:
    if console.ended_at is None:
        console.ended_at = now
        session.flush()
        record(session, actor=actor, action="sign_out", entity_type="token",
               entity_id=console.token_id, before=None,
               after={"console_session": console.id})
