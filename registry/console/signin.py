"""Signing in with a registry token, and out again."""

from __future__ import annotations

from datetime import timedelta

from flask import g, redirect, request, session, url_for
from flask_limiter.util import get_remote_address

from registry import db
from registry.audit.services import Actor
from registry.auth import services as auth
from registry.console.base import SESSION_KEY, actor, bp, message, page, safe_next, settings
from registry.db import utcnow
from registry.extensions import limiter
from registry.i18n.console import console_text

# Guessing a 256-bit token is hopeless; the limit keeps a script from trying anyway.
SIGN_IN_LIMIT = "10 per minute;100 per hour"


@bp.route("/")
def start():
    return redirect(url_for("console.processors"), code=303)


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, key_func=get_remote_address, methods=["POST"])
def sign_in():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.console_token is not None:
            return redirect(target, code=303)
        return page("sign_in.html", next=target, reason=None)
    secret = request.form.get("token", "").strip()
    token = auth.find_active_token(db.session, secret) if secret else None
    if token is None:
        return page("sign_in.html", 401, next=target, reason="invalid")
    lifetime = timedelta(hours=settings().CONSOLE_SESSION_HOURS)
    request_id = request.environ.get("registry.request_id", "")
    if g.console_token is not None:
        # Signing in again (with another token, say) ends the session this browser had:
        # its cookie is about to be replaced, so nothing should still accept it.
        auth.end_console_session(db.session, g.console_session, actor=actor(), now=utcnow())
    _, cookie_secret = auth.start_console_session(
        db.session, token, lifetime=lifetime, actor=Actor(token.name, request_id),
        now=utcnow())
    db.session.commit()
    # A new session, a new CSRF secret: nothing from before signing in carries over.
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = cookie_secret
    return redirect(target, code=303)


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    auth.end_console_session(db.session, g.console_session, actor=actor(), now=utcnow())
    db.session.commit()
    session.clear()
    return page("sign_in.html", next=url_for("console.processors"), reason="signed_out_now")


@bp.route("/<path:unknown>")
def not_found(unknown: str):
    return message("404", console_text("en", "not_found_text"), 404)
