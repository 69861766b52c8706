"""/v1/tokens: admins issue, list and revoke bearer tokens."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy import select

from registry import db
from registry.audit.services import record
from registry.auth import services
from registry.auth.models import Token
from registry.auth.schemas import NewTokenSchema, TokenSchema
from registry.errors import ProblemError
from registry.extensions import Blueprint

blp = Blueprint(
    "tokens",
    __name__,
    url_prefix="/v1/tokens",
    description="Bearer tokens (admins only). Secrets are stored hashed and shown once.",
    read_role="admin",
    write_role="admin",
)


def _get(token_id: str) -> Token:
    token = db.session.get(Token, token_id)
    if token is None:
        raise ProblemError(404, f"No token with id {token_id!r}.")
    return token


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
        actor = services.current_actor()
        token, secret = services.create_token(
            db.session, name=data["name"], role=data["role"], created_by=actor
        )
        record(db.session, actor=actor, action="create", entity_type="token",
               entity_id=token.id, before=None, after=TokenSchema().dump(token))
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
        before = TokenSchema().dump(token)
        services.revoke_token(db.session, token)
        record(db.session, actor=services.current_actor(), action="revoke",
               entity_type="token", entity_id=token.id, before=before,
               after=TokenSchema().dump(token))
        db.session.commit()
