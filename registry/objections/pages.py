"""Objections on /public: the form a notice links to, and the API behind it.

`POST /public/objections` takes JSON (201 with a notice's token, 202 without: the
address confirms by e-mail). The form at `/public/objections/new` works without
JavaScript: it posts to its own URL and answers with a page. Both share one service.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, g, render_template, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from marshmallow import fields, validate
from werkzeug.exceptions import HTTPException

from registry import db
from registry.changes.models import ChangeEvent
from registry.changes.services import get_change
from registry.changes.wire import notice_details, public_change, summary_in
from registry.config import Settings
from registry.db import utcnow
from registry.errors import PROBLEM_MIME, ProblemError, ProblemSchema
from registry.extensions import Blueprint, limiter
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.i18n.objections import objection_text
from registry.notify import crypto
from registry.notify.models import Subscription
from registry.notify.pages import LIMIT_PER_ADDRESS, LIMIT_PER_CLIENT, TOO_MANY
from registry.notify.services import objection_link, rate_limit_identity
from registry.objections import services
from registry.objections.models import Objection
from registry.objections.schemas import NewObjectionSchema, ObjectionReceiptSchema
from registry.objections.vocabularies import ObjectionKind, ObjectionStatus
from registry.schemas import QuerySchema, one_of

blp = Blueprint(
    "objection-pages", __name__, url_prefix="/public/objections", read_role=None,
    write_role=None, template_folder="templates",
    description="Objections to announced changes: the form a notice links to, and "
                "the JSON API behind it.")

HTML = {"text/html": {"schema": {"type": "string"}}}
CLOSED = {"description": "After the deadline, or for a withdrawn change: why, and until "
                         "when it was open", "schema": ProblemSchema, "content_type": PROBLEM_MIME}


class ObjectionFormSchema(NewObjectionSchema):
    """The form's fields: as the JSON body, with the change number as typed."""

    change_seq = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class FormQuerySchema(QuerySchema):
    token = fields.String(validate=validate.Length(min=1, max=200),
                          metadata={"description": "The token of the link in a notice"})
    change = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "The change, for a form without a token"})
    lang = fields.String(validate=one_of(LANGUAGES))


class ConfirmQuerySchema(QuerySchema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


# -- rate limits: a sign-up's, for objections without a token ---------------------------


def _body() -> dict[str, Any]:
    """The submitted fields, JSON or form; never raises (the view refuses a bad body)."""
    if "objection_body" not in g:
        try:
            body = (request.get_json(silent=True) if request.is_json
                    else request.form.to_dict())
        except (RecursionError, ValueError, HTTPException):
            body = None
        g.objection_body = body if isinstance(body, dict) else {}
    return g.objection_body


def _unverified_address() -> str | None:
    # Every address a request makes us write to counts, with a notice's token or without.
    email = _body().get("email")
    if not isinstance(email, str) or not email.strip():
        return None
    return email


def _address_key() -> str:
    identity = rate_limit_identity(_unverified_address() or "")
    return "objection:" + crypto.keyed_hash(identity, _settings().SECRET_KEY, "rate-limit")


def _limited(view):
    view = limiter.limit(LIMIT_PER_ADDRESS, key_func=_address_key,
                         exempt_when=lambda: _unverified_address() is None)(view)
    return limiter.limit(LIMIT_PER_CLIENT, key_func=get_remote_address)(view)


# -- helpers ----------------------------------------------------------------------------


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _request_lang(given: str | None = None) -> str:
    if given in LANGUAGES:
        return given
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _private(response: Response) -> Response:
    # Personal tokens in the URL: never cached, never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Frame-Options"] = "DENY"
    return response


def _page(template: str, status: int = 200, **context) -> Response:
    return _private(Response(render_template(f"objections/{template}", **context),
                             status=status, mimetype="text/html"))


def _message(lang: str, title: str, text: str, status: int = 200, **extra) -> Response:
    return _page("message.html", status, lang=lang, title=title, text=text, **extra)


def _receipt(objection: Objection, lang: str) -> dict[str, Any]:
    if objection.status == ObjectionStatus.UNCONFIRMED:
        return {"status": objection.status, "message": objection_text(lang, "held_text")}
    key = "received_text" if objection.kind == ObjectionKind.OBJECTION else "answer_received_text"
    return {"id": objection.id, "change_seq": objection.change_seq, "kind": objection.kind,
            "status": objection.status, "deadline": objection.deadline,
            "message": objection_text(lang, key, seq=objection.change_seq,
                                      name=objection.change.processor_name,
                                      date=services.moment_text(objection.received_at))}


class _Form:
    """What the form for one change and one recipient asks for."""

    def __init__(self, event: ChangeEvent, lang: str, token: str | None,
                 subscription: Subscription | None) -> None:
        self.event, self.lang, self.token = event, lang, token
        customer = subscription.customer if subscription else None
        self.specific = customer is not None and customer.authorisation == "specific"
        self.ask_email = subscription is None or subscription.email is None
        self.ask_organisation = customer is None

    def render(self, values: dict[str, Any], problems: list[tuple[str, str]] | None = None,
               status: int = 200) -> Response:
        lang, event, org = self.lang, self.event, _settings().ORGANISATION_NAME
        change = public_change(event, lang, _settings())
        intro_key = "answer_intro" if self.specific else "form_intro"
        labels = {name: objection_text(lang, key) for name, key in (
            ("change_seq", "change"), ("organisation", "organisation"), ("email", "email"),
            ("reason", "reason"), ("kind", "kind"), ("submit", "submit"))}
        kinds = ([(kind, objection_text(lang, f"kind_{kind}"))
                  for kind in (ObjectionKind.APPROVAL, ObjectionKind.REFUSAL)]
                 if self.specific else [])
        return _page(
            "form.html", status, lang=lang, action=f"{blp.url_prefix}/new",
            title=objection_text(lang, "answer_title" if self.specific else "form_title",
                                 org=org),
            intro=objection_text(lang, intro_key, name=event.processor_name,
                                 summary=summary_in(event, lang),
                                 deadline=services.moment_text(event.effective_at)),
            details=notice_details(change, lang), problems=problems or [],
            problem_title=objection_text(lang, "closed_title") if status == 409 else "",
            token=self.token, change_seq=event.seq, ask_change=False,
            ask_organisation=self.ask_organisation, ask_email=self.ask_email, kinds=kinds,
            labels=labels, values=values,
            note=objection_text(lang, "unverified_note") if not self.token else None)


def _form_for(token: str | None, change: int | None, lang: str | None) -> _Form:
    """The form a link opens; a ProblemError (404, 409) when there is none to show."""
    subscription = None
    if token:
        link = objection_link(token, _settings())
        if link is None:
            raise ProblemError(404, "This objection link is not valid.")
        subscription = db.session.get(Subscription, link[0])
        if subscription is None:
            raise ProblemError(404, "The subscription this link was sent to no longer "
                                    "exists; open the form of the change without the link.")
        seq = link[1]
    elif change is not None:
        seq = change
    else:
        raise ProblemError(404, "Open the form from the link in a notice, or give ?change=.")
    event = get_change(db.session, seq)
    services.open_change(db.session, event.seq, now=utcnow())
    return _Form(event, _request_lang(lang or (subscription.lang if subscription else None)),
                 token, subscription)


def _problems(error: ProblemError) -> list[tuple[str, str]]:
    if error.errors:
        return [(field, message) for field, messages in error.errors.items()
                for message in (messages if isinstance(messages, list) else [str(messages)])]
    return [("", error.detail or "")]


def _error_page(error: ProblemError, lang: str) -> Response:
    title = objection_text(lang, "closed_title") if error.status == 409 else str(error.status)
    return _message(lang, title, error.detail or "", status=error.status)


# -- routes -----------------------------------------------------------------------------


@blp.route("")
class Objections(MethodView):
    @_limited
    @blp.arguments(NewObjectionSchema)
    @blp.response(201, ObjectionReceiptSchema, description="Recorded: it counts at once")
    @blp.alt_response(202, schema=ObjectionReceiptSchema,
                      description="Held until the address confirms by e-mail")
    @blp.alt_response(409, **CLOSED)
    @blp.alt_response(429, **TOO_MANY)
    def post(self, data):
        """Object to (or approve, or refuse) an announced change

        With the `token` of a notice's objection link it is recorded at once,
        linked to the subscriber or customer, and a receipt is e-mailed.
        Without it, `change_seq`, `organisation`, `email` and `reason` are
        needed and the address is sent a link to confirm (double opt-in). After
        the deadline, or for a withdrawn change: 409, saying why.
        """
        lang = _request_lang(data.pop("lang", None))
        objection = services.submit(db.session, data, settings=_settings(), lang=lang,
                                    now=utcnow())
        db.session.commit()
        status = 202 if objection.status == ObjectionStatus.UNCONFIRMED else 201
        return _receipt(objection, lang), status


@blp.route("/new")
class ObjectionForm(MethodView):
    @blp.arguments(FormQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, {"type": "string"}, content_type="text/html",
                  description="The form, in the recipient's language")
    @blp.doc(responses={404: {"description": "No such link or change", "content": HTML},
                        409: {"description": "Closed: why, and until when", "content": HTML}})
    def get(self, args):
        """The objection form a notice links to

        `?token=` from the notice (the recipient is known), or `?change=SEQ`
        (organisation and e-mail asked; confirmed by e-mail). Works without
        JavaScript.
        """
        try:
            form = _form_for(args.get("token"), args.get("change"), args.get("lang"))
        except ProblemError as error:
            return _error_page(error, _request_lang(args.get("lang")))
        return form.render({})

    @_limited
    @blp.doc(requestBody={"content": {"application/x-www-form-urlencoded": {
        "schema": ObjectionFormSchema}}})
    @blp.response(201, {"type": "string"}, content_type="text/html",
                  description="Recorded (with a token), or held until confirmed (202)")
    @blp.doc(responses={422: {"description": "The form again, with what to correct",
                              "content": HTML},
                        404: {"description": "No such link or change", "content": HTML},
                        409: {"description": "Closed: why, and until when", "content": HTML}})
    @blp.alt_response(429, **TOO_MANY)
    def post(self):
        """Send the objection form

        The form's own target: answers with a page (the JSON API is
        `POST /public/objections`).
        """
        values = _body()
        lang = _request_lang(values.get("lang"))
        try:
            form = _form_for(values.get("token"), _int(values.get("change_seq")), lang)
        except ProblemError as error:
            return _error_page(error, lang)
        try:
            data = ObjectionFormSchema().load(values)
        except ma.ValidationError as error:
            problems = [(field, " ".join(map(str, messages)) if isinstance(messages, list)
                         else str(messages)) for field, messages in error.messages.items()]
            return form.render(values, problems, status=422)
        data.pop("lang", None)
        try:
            objection = services.submit(db.session, data, settings=_settings(), lang=lang,
                                        now=utcnow())
        except ProblemError as error:
            db.session.rollback()
            return form.render(values, _problems(error), status=error.status)
        db.session.commit()
        receipt = _receipt(objection, lang)
        if objection.status == ObjectionStatus.UNCONFIRMED:
            return _message(lang, objection_text(lang, "held_title"), receipt["message"],
                            status=202)
        return _message(lang, objection_text(lang, "received_title"), receipt["message"],
                        status=201)


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 10 else None


@blp.route("/confirm")
class ConfirmObjection(MethodView):
    @blp.arguments(ConfirmQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, {"type": "string"}, content_type="text/html",
                  description="A page with a button that confirms (by POST)")
    @blp.doc(responses={404: {"description": "The link is not valid", "content": HTML}})
    def get(self, args):
        """Ask before confirming an objection (the link in the mail)

        Changes nothing: mail scanners follow links. The link works for 7 days.
        """
        objection = self._linked(args["token"])
        if objection is None:
            return self._bad_link()
        lang = objection.lang
        if objection.status != ObjectionStatus.UNCONFIRMED:
            return _message(lang, objection_text(lang, "received_title"),
                            _receipt(objection, lang)["message"])
        return _message(lang, objection_text(lang, "confirm_action"),
                        objection_text(lang, "confirm_question", seq=objection.change_seq,
                                       name=objection.change.processor_name),
                        button=objection_text(lang, "confirm_button"),
                        action=f"{request.path}?{request.query_string.decode()}")

    @blp.arguments(ConfirmQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, {"type": "string"}, content_type="text/html",
                  description="The objection counts from now on")
    @blp.doc(responses={404: {"description": "The link is not valid", "content": HTML},
                        409: {"description": "The change was withdrawn", "content": HTML}})
    def post(self, args):
        """Confirm an objection

        It was received when it was sent, so the deadline is judged then.
        """
        objection = self._linked(args["token"])
        if objection is None:
            return self._bad_link()
        lang = objection.lang
        try:
            services.confirm(db.session, objection, settings=_settings(), now=utcnow())
        except ProblemError as error:
            db.session.rollback()
            return _error_page(error, lang)
        db.session.commit()
        return _message(lang, objection_text(lang, "received_title"),
                        _receipt(objection, lang)["message"])

    @staticmethod
    def _linked(token: str) -> Objection | None:
        objection_id = services.confirmed_objection_id(token, _settings(), utcnow())
        return db.session.get(Objection, objection_id) if objection_id else None

    @staticmethod
    def _bad_link() -> Response:
        lang = _request_lang()
        return _message(lang, "404", "This link is not valid, or it is older than 7 days: "
                                     "send the objection again.", status=404)


