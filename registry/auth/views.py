"""/v1/tokens (admins issue, list and revoke bearer tokens), and the bearer token of a request."""

from __future__ import annotations

from flask import g, request, url_for
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.audit.services import Actor
from registry.auth import services
from registry.auth.models import Token
from registry.auth.schemas import NewTokenSchema, TokenSchema
from registry.db import utcnow
from registry.errors import ProblemError, found
from registry.extensions import Blueprint

blp = Blueprint(
    "tokens", __name__, url_prefix="/v1/tokens", read_role="admin", write_role="admin",
    description="Bearer tokens (admins only). Secrets are stored hashed and shown once.")


# -- the request's token -------------------------------------------------------------


def _unauthorised(detail: str, error: str | None = None) -> ProblemError:
    challenge = 'Bearer realm="registry"' + (f', error="{error}"' if error else "")
    return ProblemError(401, detail, headers={"WWW-Authenticate": challenge})


def require_role(needed: str) -> Token:
    """Authenticate the request's bearer token and check its role (the API's role check)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorised("A bearer token is required: send 'Authorization: Bearer <token>'.")
    token = services.find_active_token(db.session, secret.strip())
    if token is None:
        raise _unauthorised("The bearer token is invalid or has been revoked.", "invalid_token")
    if not services.role_allows(token.role, needed):
        raise ProblemError(403, f"This operation needs the {needed} role; your token is {token.role}.")
    g.token = token
    return token


def request_id() -> str:
    return request.environ.get("registry.request_id", "")


def current_actor() -> Actor:
    """Who this request acts as: the name of its token, and the request id."""
    token: Token | None = g.get("token")
    return Actor(token.name if token is not None else "system", request_id())


# -- routes ----------------------------------------------------------------------------


def _get(token_id: str) -> Token:
    return found(db.session.get(Token, token_id), f"No token with id {token_id!r}.")


@blp.route("")
class Tokens(MethodView):
    @blp.etag
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List tokens

        Secrets are never returned; `prefix` helps tell tokens apart.
        """
        return db.session.scalars(select(Token).order_by(Token.created_at, Token.name)).all()

    @blp.etag
    @blp.arguments(TokenSchema)
    @blp.response(201, NewTokenSchema, headers={"Location": {
        "description": "URL of the new token", "schema": {"type": "string"}}})
    def post(self, data):
        """Issue a token

        The response carries the secret in `token`; it cannot be shown again.
        """
        token, secret = services.create_token(db.session, name=data["name"], role=data["role"],
                                              actor=current_actor())
        db.session.commit()
        # The ETag is the token's own (as GET returns it), so it can be used to revoke it.
        blp.set_etag(token, TokenSchema)
        token.token = secret  # unmapped attribute: lives only for this response
        return token, 201, {"Location": url_for("tokens.Token", token_id=token.id)}


@blp.route("/<token_id>", endpoint="Token")
class TokenItem(MethodView):
    @blp.etag
    @blp.response(200, TokenSchema)
    def get(self, token_id):
        """Get a token"""
        return _get(token_id)

    @blp.etag
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a token

        The token stops working at once; its record stays for the audit log.
        """
        token = _get(token_id)
        blp.check_etag(token, TokenSchema)
        services.revoke_token(db.session, token, actor=current_actor(), now=utcnow())
        db.session.commit()
