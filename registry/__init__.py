"""Subprocessor Registry: the catalogue of processors, published as a public list."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.middleware.proxy_fix import ProxyFix

from registry import db, errors, logs, metrics
from registry.config import Settings
from registry.extensions import Api, limiter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
JSON_BODY_METHODS = ("POST", "PUT", "PATCH")
UPLOAD_PATHS = frozenset({"/v1/imports"})  # multipart file uploads; every other body is JSON


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides settings (tests pass their own)."""
    settings = Settings.from_env()
    overrides = dict(config or {})
    if overrides:
        known = {k: overrides.pop(k) for k in list(overrides) if hasattr(settings, k)}
        settings = Settings(**{**settings.__dict__, **known})
    app = Flask(__name__, instance_relative_config=False)
    metrics.init_app(app)  # requests by route template and status, with their latency
    if settings.PROXY_HOPS:
        # Behind N proxies: take the client address and scheme from their headers,
        # so per-client rate limits see clients, not the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.PROXY_HOPS,
                                x_proto=settings.PROXY_HOPS, x_host=settings.PROXY_HOPS)
    app.config.update(settings.flask_config())
    app.config.update(overrides)
    logs.configure(level=settings.LOG_LEVEL, log_format=settings.LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Request lines name webhook URLs, which may carry a customer's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    _init_database(app, settings)
    app.config["RATELIMIT_STORAGE_URI"] = settings.RATELIMIT_STORAGE_URI
    limiter.init_app(app)
    from registry.auth.views import require_role
    from registry.public.cache import RenderCache

    app.extensions["registry.public_cache"] = RenderCache(
        version_ttl=settings.PUBLIC_VERSION_TTL)
    # One Api per app: flask-smorest keeps the OpenAPI spec on the Api object.
    api = Api(role_check=require_role)
    api.init_app(app, spec_kwargs={
        "info": {"description": "Catalogue of processors, transfer safeguards and DPAs.",
                 "license": {"name": "Proprietary"}},
        # Relative: the document describes the API on whichever host serves it.
        "servers": [{"url": "/", "description": "The registry serving this document"}],
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A registry token"}
    )
    _register_blueprints(app, api)
    from registry import console

    console.init_app(app, settings)
    _register_request_hooks(app)
    from registry.public.warm import WarmAnswers

    # Outermost: a repeated public GET is answered before any of the above runs.
    app.wsgi_app = WarmAnswers(app.wsgi_app, app.extensions, request_id=identify_request)
    return app


def identify_request(environ: dict) -> str:
    """The client's X-Request-ID when it is a plain token, else a new one; kept in the
    environ for the logs and the X-Request-ID of the answer."""
    given = environ.get("HTTP_X_REQUEST_ID", "")
    request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    environ["registry.request_id"] = request_id
    return request_id


def load_models() -> None:
    """Import every feature's models, so that Base.metadata is complete (Alembic, tests)."""
    import registry.audit.models
    import registry.auth.models
    import registry.catalogue.models
    import registry.changes.models
    import registry.customers.models
    import registry.notify.models
    import registry.objections.models  # noqa: F401


def _init_database(app: Flask, settings: Settings) -> None:
    """One engine per app; one session per app context, closed when the context ends."""
    engine = db.make_engine(settings.DATABASE_URL)
    app.extensions["registry.engine"] = engine
    app.extensions["registry.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    db.bind_scope(session=_context_session, engine=lambda: current_app.extensions[
        "registry.engine"])

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        context_session: Session | None = g.pop("db_session", None)
        if context_session is not None:
            db.close_session(context_session)


def _context_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["registry.sessionmaker"]()
    return g.db_session


def _register_blueprints(app: Flask, api: Api) -> None:
    from registry.adequacy.views import blp as countries_blp
    from registry.audit.views import blp as audit_blp
    from registry.auth.views import blp as tokens_blp
    from registry.catalogue.views import blp as processors_blp
    from registry.compliance.views import blp as compliance_blp
    from registry.customers.views import blp as customers_blp
    from registry.documents.views import blp as documents_blp
    from registry.health.views import OPENAPI_PATHS as health_paths
    from registry.health.views import bp as health_bp
    from registry.imports.views import blp as imports_blp
    from registry.notify.pages import blp as email_pages_blp
    from registry.notify.views import blp as subscriptions_blp
    from registry.objections.change_views import blp as changes_blp
    from registry.objections.pages import blp as objection_pages_blp
    from registry.objections.views import blp as objections_blp
    from registry.public.views import blp as public_blp

    for blueprint in (processors_blp, changes_blp, countries_blp, compliance_blp, documents_blp,
                      customers_blp, objections_blp, imports_blp, subscriptions_blp,
                      tokens_blp, audit_blp, public_blp, email_pages_blp, objection_pages_blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(health_bp)
    for endpoint, operations in health_paths.items():
        api.spec.path(rule=next(app.url_map.iter_rules(endpoint)), operations=operations)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _request_id() -> None:
        identify_request(request.environ)

    @app.before_request
    def _json_only():
        if request.method not in JSON_BODY_METHODS:
            return None
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "")
        has_body = (request.content_length or 0) > 0 or chunked
        uploads = request.path in UPLOAD_PATHS and request.mimetype == "multipart/form-data"
        if request.path.startswith("/v1/") and has_body and not request.is_json and not uploads:
            return errors.problem_response(415)
        # A chunked body is cut at MAX_CONTENT_LENGTH while it is read; reaching the cap
        # means it was larger, and the cut JSON must not be parsed as if it were whole.
        if chunked and request.content_length is None and len(
                request.get_data(cache=True)) >= app.config["MAX_CONTENT_LENGTH"]:
            return errors.problem_response(413)
        return None

    @app.after_request
    def _fresh_public_list_after_writes(response):
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            app.extensions["registry.public_cache"].expire_version()
        return response

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = request.environ.get("registry.request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
