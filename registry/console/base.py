"""The console's blueprint: who is signed in, CSRF, headers, pages and error pages.

Every screen is a server-rendered page over the same services as /v1. A browser holds a
Flask session cookie (HttpOnly, SameSite=Lax, Secure over https, path /console) with a
console session secret and the CSRF secret; the session row names the token it was
started with, so revoking the token signs the browser out.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from registry import db, errors
from registry.audit.models import AuditEntry
from registry.audit.services import Actor
from registry.auth import services as auth
from registry.auth.models import ConsoleSession, Token
from registry.config import Settings
from registry.db import utcnow
from registry.errors import ProblemError
from registry.i18n.console import console_text
from registry.i18n.labels import ROLES, label
from registry.schemas import FORBIDDEN_TEXT

log = logging.getLogger(__name__)

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")
csrf = CSRFProtect()

SESSION_KEY = "console"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
OPEN_ENDPOINTS = frozenset({"console.sign_in", "console.static"})


class ConsoleCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


def init_app(app: Flask, settings: Settings) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="registry_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.CONSOLE_SESSION_HOURS),
        # Forms are protected where they are checked (console pages), not app-wide: the
        # JSON API authenticates by bearer token and has no cookies to forge.
        WTF_CSRF_CHECK_DEFAULT=False,
        # The CSRF secret lives as long as the console session that holds it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = ConsoleCookies()
    csrf.init_app(app)
    # On the app, not the blueprint: responses made before a console route is matched
    # (a 405, the redirect of /console to /console/) get the console's headers too.
    app.after_request(_headers)


# -- who is signed in -------------------------------------------------------------------


class SignedOut(Exception):
    """The request has no live console session; `state` says why."""

    def __init__(self, state: auth.SessionState, console: ConsoleSession | None) -> None:
        super().__init__(state)
        self.state, self.console = state, console


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def signed_in() -> Token:
    return g.console_token


def actor() -> Actor:
    return Actor(g.console_token.name, request.environ.get("registry.request_id", ""))


def writer() -> dict[str, Any]:
    """What every write service is told: who writes, under which settings, when."""
    return {"actor": actor(), "settings": settings(), "now": utcnow()}


def can(role: str) -> bool:
    token = g.get("console_token")
    return token is not None and auth.role_allows(token.role, role)


def needs(role: str) -> Callable:
    """A view only `role` (or a higher one) may use; others get a 403 page."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args, **kwargs):
            if not can(role):
                raise ProblemError(403, console_text("en", "forbidden", role=role,
                                                     yours=signed_in().role))
            return view(*args, **kwargs)
        checked.console_role = role
        return checked

    return decorate


@bp.before_request
def _sign_in_state():
    g.console_token = None
    secret = session.get(SESSION_KEY)
    if secret:
        state, console = auth.console_session(db.session, secret, now=utcnow())
        if state == auth.SessionState.ACTIVE:
            g.console_session, g.console_token = console, console.token
        elif request.endpoint not in OPEN_ENDPOINTS:
            session.pop(SESSION_KEY, None)
            raise SignedOut(state, console)
    if g.console_token is None and request.endpoint not in OPEN_ENDPOINTS:
        raise SignedOut(auth.SessionState.UNKNOWN, None)
    if request.method == "POST":
        csrf.protect()
    # An id no row can have (a NUL, a control character): no such page. PostgreSQL would
    # refuse to even look it up.
    if any(isinstance(value, str) and FORBIDDEN_TEXT.search(value)
           for value in (request.view_args or {}).values()):
        raise ProblemError(404, console_text("en", "not_found_text"))


def _headers(response: Response) -> Response:
    if request.path != bp.url_prefix and not request.path.startswith(f"{bp.url_prefix}/"):
        return response
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "console.static":
        # Pages name personal data and internal notes: never cached on the way.
        response.headers["Cache-Control"] = "no-store"
    return response


def safe_next(target: str | None) -> str:
    """A console path to go back to after signing in; anything else goes to the start."""
    if target and not FORBIDDEN_TEXT.search(target) and target.isprintable():
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/console/")
                and "\\" not in target and not target.startswith("//")):
            return target
    return url_for("console.processors")


def page_within(total: int, page_size: int) -> tuple[int, int]:
    """The page asked for (`page`), kept within the pages there are; and their count."""
    pages = max(1, -(-total // page_size))
    return min(pages, max(1, request.args.get("page", 1, type=int) or 1)), pages


# -- pages ------------------------------------------------------------------------------


def page(template: str, status: int = 200, **context: Any) -> Response:
    return Response(render_template(f"console/{template}", **context), status=status,
                    mimetype="text/html")


def message(title: str, text: str, status: int = 200, **context: Any) -> Response:
    return page("message.html", status, title=title, text=text, **context)


def back(endpoint: str, note: str | None = None, **values: Any) -> Response:
    """After a write: 303 to the page that shows it (post/redirect/get), with a note."""
    if note:
        session.setdefault("notes", []).append(note)
        session.modified = True
    return redirect(url_for(endpoint, **values), code=303)


def version_tag(snapshot: dict[str, Any]) -> str:
    """The version of an entity a form was opened on, from its stored state."""
    return hashlib.sha256(json.dumps(snapshot, sort_keys=True, default=str).encode()
                          ).hexdigest()[:32]


def last_write(entity_type: str, entity_id: str) -> AuditEntry | None:
    return db.session.scalar(select(AuditEntry).where(
        AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id
    ).order_by(AuditEntry.id.desc()).limit(1))


def conflict_text(entity_type: str, entity_id: str) -> str:
    entry = last_write(entity_type, entity_id)
    if entry is None:
        return console_text("en", "conflict_unknown")
    return console_text("en", "conflict", actor=entry.actor, at=utc(entry.at))


def utc(value: datetime | None) -> str:
    """A moment as the console shows it: in UTC, with the zone named."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def problems_of(error: ProblemError) -> dict[str, list[str]]:
    """A service's refusal as the form's problems: by field, else the whole form's."""
    problems = {field: list(texts) if isinstance(texts, list) else [str(texts)]
                for field, texts in (error.errors or {}).items()}
    return problems or {"_schema": [error.detail or ""]}


def form_problems(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as {"locations.0.country": [...]}, for the form."""
    problems: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, texts in form_problems(value, name).items():
                problems.setdefault(field, []).extend(texts)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        problems[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            for field, texts in form_problems(value, f"{prefix}.{index}").items():
                problems.setdefault(field, []).extend(texts)
    else:
        problems[prefix or "_schema"] = [str(messages)]
    return problems


@bp.app_template_global("t")
def _label(key: str, **values: Any) -> str:
    return console_text("en", key, **values)


@bp.app_template_filter("utc")
def _utc_filter(value: datetime | None) -> str:
    return utc(value)


@bp.context_processor
def _context() -> dict[str, Any]:
    notes = session.pop("notes", []) if g.get("console_token") else []
    return {"can": can, "token": g.get("console_token"), "notes": notes,
            "organisation": settings().ORGANISATION_NAME,
            "endpoints": current_app.view_functions}


# -- error pages ------------------------------------------------------------------------


@bp.errorhandler(SignedOut)
def _signed_out(error: SignedOut):
    if error.state == auth.SessionState.UNKNOWN:
        if request.method == "GET":
            return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")),
                            code=303)
        return page("sign_in.html", 401, next=safe_next(request.path), reason="signed_out")
    return page("sign_in.html", 401, next=safe_next(request.full_path.rstrip("?")),
                reason=error.state.value,
                at=error.console.expires_at if error.console is not None else None)


@bp.errorhandler(CSRFError)
def _csrf(error: CSRFError):
    return message(console_text("en", "csrf_title"), console_text("en", "csrf_text"), 400)


@bp.errorhandler(ProblemError)
def _problem(error: ProblemError):
    return message(str(error.status), error.detail or console_text("en", "error_text"),
                   error.status)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException):
    status = error.code or 500
    if status == 429:
        return message(console_text("en", "too_many_title"),
                       console_text("en", "too_many_text"), 429)
    return message(f"{status} {error.name}", error.description or "", status)


@bp.errorhandler(IntegrityError)
def _integrity(error: IntegrityError):
    db.session.rollback()
    log.warning("console: integrity error: %s", type(error.orig).__name__)
    return message("409", console_text("en", "integrity_text"), 409)


def _api_refusal(response: Response) -> Response:
    """The /v1 answer to an error (its status, its words, its logging) as a page."""
    detail = json.loads(response.get_data(as_text=True)).get("detail") or ""
    return message(str(response.status_code), detail, response.status_code)


@bp.errorhandler(DataError)
def _data_error(error: DataError):
    db.session.rollback()
    return _api_refusal(errors.handle_data_error(error))


@bp.errorhandler(OverflowError)
def _overflow(error: OverflowError):
    db.session.rollback()
    return _api_refusal(errors.handle_overflow(error))


@bp.errorhandler(OperationalError)
def _operational(error: OperationalError):
    db.session.rollback()
    return _api_refusal(errors.handle_operational(error))


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    db.session.rollback()
    log.exception("console: unhandled error", exc_info=error)
    return message("500", console_text("en", "error_text"), 500)


# -- options of the form's selects: (value, label) -------------------------------------


@bp.app_template_filter("pair")
def _pair(value: Any) -> tuple[str, str]:
    return str(value), str(value)


@bp.app_template_filter("pair_label")
def _pair_label(value: str, prefix: str) -> tuple[str, str]:
    return value, value.replace("_", " ")


@bp.app_template_filter("role_option")
def _role_option(value: str) -> tuple[str, str]:
    return value, label(ROLES, "en", value)


@bp.app_template_filter("safeguard_option")
def _safeguard_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"safeguard_{value}")


@bp.app_template_filter("module_option")
def _module_option(value: int) -> tuple[str, str]:
    return str(value), console_text("en", f"scc_module_{value}")


@bp.app_template_filter("status_option")
def _status_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"status_{value}")


@bp.app_template_filter("tia_option")
def _tia_option(value: str) -> tuple[str, str]:
    return value, console_text("en", f"tia_{value}")
