"""E-mail subscriptions on /public: subscribe (double opt-in), confirm, unsubscribe.

Their own anonymous blueprint: the confirm and unsubscribe pages carry personal
tokens, so they share neither the public list's cache nor its CORS.
"""

from __future__ import annotations

from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, g, json, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from markupsafe import Markup
from marshmallow import fields, validate
from werkzeug.exceptions import HTTPException

from registry import db
from registry.cors import allow_any_origin
from registry.db import utcnow
from registry.errors import PROBLEM_MIME, ProblemError, ProblemSchema
from registry.extensions import Blueprint, limiter
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.i18n.mail import mail_text
from registry.notify import crypto, services
from registry.notify.models import Subscription
from registry.notify.vocabularies import LinkPurpose, SubscriptionStatus
from registry.schemas import SERVICE_TAG, QuerySchema, StrictSchema, one_of

blp = Blueprint(
    "email-subscriptions", __name__, url_prefix="/public/subscriptions",
    read_role=None, write_role=None,
    description="E-mail subscriptions: subscribe (double opt-in), confirm, unsubscribe.")

LIMIT_PER_CLIENT = "10 per hour"
LIMIT_PER_ADDRESS = "3 per hour"
HTML_BODY = {"type": "string"}
TOO_MANY = {
    "schema": ProblemSchema, "content_type": PROBLEM_MIME,
    "description": f"More than {LIMIT_PER_CLIENT} from this client, or {LIMIT_PER_ADDRESS} "
                   "for this address (per server process with the default in-memory store; "
                   "set RATELIMIT_STORAGE_URI to a shared store such as redis:// to hold the "
                   "limits across processes)",
    "headers": {"Retry-After": {"description": "Seconds until a new request is accepted",
                                "schema": {"type": "integer"}}},
}
PAGE_OR_JSON = {"content": {"text/html": {"schema": HTML_BODY}}}
BAD_LINK = {
    "description": "The link is not valid: a page, or a problem with Accept: application/json",
    "content": {"text/html": {"schema": HTML_BODY}, PROBLEM_MIME: {"schema": ProblemSchema}},
}


class EmailSubscriptionSchema(StrictSchema):
    email = fields.Email(required=True, validate=validate.Length(max=320))
    lang = fields.String(validate=one_of(LANGUAGES), metadata={
        "description": "Language of the mails (default: from Accept-Language, else en)"})
    services = fields.List(fields.String(validate=SERVICE_TAG), load_default=list,
                           validate=validate.Length(max=50),
                           metadata={"description": "Only changes for these services; "
                                                    "empty: every change"})


class SubscriptionRequestedSchema(StrictSchema):
    message = fields.String()


class SubscriptionStateSchema(StrictSchema):
    status = fields.String(metadata={"enum": [SubscriptionStatus.PENDING,
                                              SubscriptionStatus.ACTIVE, "unsubscribed"]})
    message = fields.String()


class LinkTokenQuerySchema(QuerySchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200),
                          metadata={"description": "The token from the link in the mail"})


class OneClickSchema(StrictSchema):
    list_unsubscribe = fields.String(data_key="List-Unsubscribe",
                                     validate=one_of(["One-Click"]),
                                     metadata={"description": "RFC 8058 one-click unsubscribe"})


# -- rate limits ------------------------------------------------------------------------


def _address_in_body() -> str | None:
    """The address a sign-up is for, or None. Never raises, whatever the body holds:
    an error here would end the request before it counted against the client's limit;
    a body that is not JSON (or too large) is refused afterwards, by the view."""
    if "rate_limit_address" not in g:
        try:
            body = (request.get_json(silent=True) if request.is_json
                    else request.form.to_dict())
        except (RecursionError, ValueError, HTTPException):  # too deep, too long, too large
            body = None
        email = body.get("email") if isinstance(body, dict) else None
        g.rate_limit_address = email if isinstance(email, str) and email.strip() else None
    return g.rate_limit_address


def _address_key() -> str:
    # Keyed, so the limiter's storage (perhaps a shared Redis) holds no addresses.
    identity = services.rate_limit_identity(_address_in_body() or "")
    return "address:" + crypto.keyed_hash(identity, _settings().SECRET_KEY, "rate-limit")


# -- pages ------------------------------------------------------------------------------


def _request_lang() -> str:
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(
        ["text/html", "application/json"], default="text/html") == "application/json"


def _page(lang: str, title: str, text: str, *, form: Markup | None = None,
          status: int = 200) -> Response:
    html = Markup(
        '<!DOCTYPE html>\n<html lang="{}">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex"><title>{}</title></head>\n'
        "<body>\n<main>\n<h1>{}</h1>\n<p>{}</p>\n{}</main>\n</body>\n</html>\n"
    ).format(lang, title, title, text, form or "")
    return _private(Response(str(html), status=status, mimetype="text/html"))


def _private(response: Response) -> Response:
    # These pages carry personal tokens: never cached, never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = "default-src 'none'; form-action 'self'"
    return response


def _json(data: dict, schema: type[ma.Schema]) -> Response:
    body = json.dumps(schema().dump(data), ensure_ascii=False)
    return _private(Response(body, mimetype="application/json"))


def _bad_link(lang: str) -> Response:
    if _wants_json():
        raise ProblemError(404, mail_text("en", "bad_link_text"))
    return _page(lang, mail_text(lang, "bad_link_title"), mail_text(lang, "bad_link_text"),
                 status=404)


def _settings():
    return current_app.config["SETTINGS"]


def _linked(token: str, purpose: LinkPurpose) -> str | None:
    return services.linked_subscription_id(token, purpose, _settings(), now=utcnow())


def _button(token: str, label: str, fields: dict[str, str] | None = None) -> Markup:
    """A form that POSTs to this page's own URL: the GET a mail scanner makes changes
    nothing, a person presses the button."""
    hidden = Markup("").join(
        Markup('<input type="hidden" name="{}" value="{}">').format(name, value)
        for name, value in (fields or {}).items())
    return Markup('<form method="post" action="{}">{}<button type="submit">{}</button>'
                  "</form>\n").format(f"{request.path}?{urlencode({'token': token})}",
                                       hidden, label)


def _organisation() -> str:
    return _settings().ORGANISATION_NAME


# -- routes -----------------------------------------------------------------------------


@blp.route("")
class EmailSubscriptions(MethodView):
    @limiter.limit(LIMIT_PER_CLIENT, key_func=get_remote_address)
    @limiter.limit(LIMIT_PER_ADDRESS, key_func=_address_key,
                   exempt_when=lambda: _address_in_body() is None)
    @blp.arguments(EmailSubscriptionSchema, location="json_or_form")
    @blp.doc(requestBody={"content": {"application/x-www-form-urlencoded": {
        "schema": EmailSubscriptionSchema}}})
    @blp.response(202, SubscriptionRequestedSchema,
                  description="JSON; a page for a form's post")
    @blp.doc(responses={202: {"content": {"text/html": {"schema": HTML_BODY}}}})
    @blp.alt_response(429, **TOO_MANY)
    def post(self, data):
        """Subscribe an e-mail address to changes

        Double opt-in: the address receives a link to confirm, and nothing else
        until it is confirmed. The answer is the same whether or not the address
        is already subscribed. A JSON body gets JSON; the form of a page
        without JavaScript (form-encoded) gets a page.
        """
        lang = data.get("lang") or _request_lang()
        services.subscribe_email(db.session, data["email"], lang, data["services"],
                                 settings=_settings(), now=utcnow())
        db.session.commit()
        message = mail_text(lang, "accepted")
        if not request.is_json:
            return _page(lang, mail_text(lang, "confirm_action"), message, status=202)
        return {"message": message}


@blp.route("/confirm")
class ConfirmSubscription(MethodView):
    @blp.arguments(LinkTokenQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, SubscriptionStateSchema,
                  description="A page with a button that confirms (by POST), or JSON when "
                              "asked for")
    @blp.doc(responses={200: PAGE_OR_JSON, 404: BAD_LINK})
    def get(self, args):
        """Ask before confirming an e-mail subscription (the link in the mail)

        Changes nothing: mail scanners follow links. The page's button sends
        the POST that confirms. With `Accept: application/json`, the status:
        `pending` until confirmed. The link works for 7 days.
        """
        subscription_id = _linked(args["token"], LinkPurpose.CONFIRM)
        subscription = (services.email_subscription(db.session, subscription_id)
                        if subscription_id else None)
        if subscription is None:
            return _bad_link(_request_lang())
        if subscription.status == SubscriptionStatus.ACTIVE:
            return _confirmed(subscription)
        lang = subscription.lang
        message = mail_text(lang, "confirm_question", org=_organisation())
        if _wants_json():
            return _json({"status": SubscriptionStatus.PENDING, "message": message},
                         SubscriptionStateSchema)
        return _page(lang, mail_text(lang, "confirm_action"), message,
                     form=_button(args["token"], mail_text(lang, "confirm_button")))

    @blp.arguments(LinkTokenQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, SubscriptionStateSchema, description="A page, or JSON when asked for")
    @blp.doc(responses={200: PAGE_OR_JSON, 404: BAD_LINK})
    def post(self, args):
        """Confirm an e-mail subscription

        The button on the confirmation page. Confirming twice is harmless; a
        link older than 7 days is not valid (subscribe again).
        """
        subscription_id = _linked(args["token"], LinkPurpose.CONFIRM)
        subscription = services.confirm_email(
            db.session, subscription_id, settings=_settings(), now=utcnow()
        ) if subscription_id else None
        if subscription is None:
            return _bad_link(_request_lang())
        db.session.commit()
        return _confirmed(subscription)


def _confirmed(subscription: Subscription) -> Response:
    lang = subscription.lang
    message = mail_text(lang, "confirmed_text", org=_organisation())
    if _wants_json():
        return _json({"status": SubscriptionStatus.ACTIVE, "message": message},
                     SubscriptionStateSchema)
    return _page(lang, mail_text(lang, "confirmed_title"), message)


@blp.route("/unsubscribe")
class Unsubscribe(MethodView):
    @blp.arguments(LinkTokenQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, HTML_BODY, content_type="text/html",
                  description="A page with a button that unsubscribes (by POST)")
    @blp.doc(responses={404: BAD_LINK})
    def get(self, args):
        """Ask before unsubscribing (the link in the mail)

        Changes nothing: mail scanners follow links. The page's button sends
        the POST that unsubscribes.
        """
        subscription_id = _linked(args["token"], LinkPurpose.UNSUBSCRIBE)
        if subscription_id is None:
            return _bad_link(_request_lang())
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None:  # unsubscribed before
            lang = _request_lang()
            return _page(lang, mail_text(lang, "unsubscribed_title"),
                         mail_text(lang, "unsubscribed_text"))
        lang = subscription.lang
        form = _button(args["token"], mail_text(lang, "unsubscribe"),
                       {"List-Unsubscribe": "One-Click"})
        return _page(lang, mail_text(lang, "unsubscribe"),
                     mail_text(lang, "unsubscribe_question", org=_organisation()), form=form)

    @blp.arguments(LinkTokenQuerySchema, location="query", unknown=ma.RAISE)
    # A refused unsubscribe is worse than an odd field: mail providers' bodies vary.
    @blp.arguments(OneClickSchema, location="form", unknown=ma.EXCLUDE, required=False)
    @blp.response(200, SubscriptionStateSchema, description="A page, or JSON when asked for")
    @blp.doc(responses={200: PAGE_OR_JSON, 404: BAD_LINK})
    def post(self, args, _form):
        """Unsubscribe (RFC 8058 one-click)

        The address is deleted; only a keyed hash is kept, to know it asked
        to stop. The body may be empty or `List-Unsubscribe=One-Click`.
        Unsubscribing twice is harmless.
        """
        subscription_id = _linked(args["token"], LinkPurpose.UNSUBSCRIBE)
        if subscription_id is None:
            return _bad_link(_request_lang())
        subscription = db.session.get(Subscription, subscription_id)
        lang = subscription.lang if subscription is not None else _request_lang()
        if services.unsubscribe(db.session, subscription_id, settings=_settings()):
            db.session.commit()
        message = mail_text(lang, "unsubscribed_text")
        if _wants_json():
            return _json({"status": "unsubscribed", "message": message}, SubscriptionStateSchema)
        return _page(lang, mail_text(lang, "unsubscribed_title"), message)


@blp.after_request
def _cors_for_sign_up(response: Response) -> Response:
    # A website's own form may post a sign-up from its origin; the token pages stay closed.
    if request.endpoint == f"{blp.name}.EmailSubscriptions":
        return allow_any_origin(response)
    return response
