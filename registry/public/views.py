"""/public routes (anonymous, read-only, CORS, cacheable)."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime, time

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView

from registry import db
from registry.adequacy.dataset import load_regime
from registry.adequacy.lookup import today_utc
from registry.adequacy.schemas import CountriesQuerySchema, CountriesSchema
from registry.adequacy.services import country_list, default_regime
from registry.db import utcnow
from registry.extensions import Blueprint
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.public.cache import RenderCache
from registry.public.document import ListQuery, build
from registry.public.http import add_cors, public_response
from registry.public.schemas import ListQuerySchema, SubprocessorListSchema

blp = Blueprint(
    "public",
    __name__,
    url_prefix="/public",
    description="The public subprocessor list, its changes and country adequacy; no token.",
    read_role=None,
    write_role=None,
)
blp.after_request(add_cors)
# One instance for every request: building a schema per request shows on the hot path.
LIST_QUERY = ListQuerySchema()


def _isoformat(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_body(data) -> bytes:
    """Compact, key-sorted UTF-8 JSON: equal data, equal bytes, equal ETags. Dates as
    ISO 8601, the way the schemas write them."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_isoformat).encode()


def list_query(args: dict) -> ListQuery:
    lang = args.get("lang") or request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    return ListQuery(lang=lang, regime=args.get("regime") or default_regime(),
                     as_of=args.get("as_of"), service=args.get("service"))


def cached_response(
    key: Hashable,
    render: Callable[[datetime], tuple[bytes, str, datetime | None]],
    *,
    moment: object = None,
    vary: tuple[str, ...] = (),
) -> Response:
    """A representation rendered once per list version and `key`, served with caching.

    `render(now)` returns (body, mimetype, last_modified[, headers]). The key adds the
    list version (the latest event, and how many changes have taken effect) and the
    day; `moment` replaces the second part for representations of a fixed moment.
    """
    now = utcnow()
    cache: RenderCache = current_app.extensions["registry.public_cache"]
    seq, passed = cache.version(db.get_engine(), now)
    full_key = (key, seq, passed if moment is None else moment, now.date())
    rendered = cache.get(full_key, lambda: render(now))
    cache.alias(_request_key(seq, passed, now), (rendered, vary))
    return _serve(rendered, vary)


def _serve(rendered, vary: tuple[str, ...]) -> Response:
    response = public_response(rendered.body, rendered.mimetype, etag=rendered.etag,
                               last_modified=rendered.last_modified, vary=vary)
    response.headers.extend(rendered.headers)
    return response


def _request_key(seq: int, passed: int, now: datetime) -> tuple:
    """The request as sent: the same URL (and language header) means the same bytes."""
    return ("request", request.path, request.query_string,
            request.headers.get("Accept-Language", ""), seq, passed, now.date())


@blp.before_request
def serve_cached() -> Response | None:
    """Answer a repeated GET from the cache before any argument parsing; a miss goes on
    to the view, which renders and remembers the answer under this request's key."""
    if request.method not in ("GET", "HEAD"):
        return None
    now = utcnow()
    cache: RenderCache = current_app.extensions["registry.public_cache"]
    seq, passed = cache.version(db.get_engine(), now)
    hit = cache.peek(_request_key(seq, passed, now))
    if hit is None:
        return None
    return _serve(*hit)


def list_response(args: dict, fmt: str, render: Callable[[dict], tuple[bytes, str]]):
    """A cached representation of the list in format `fmt`, for the request's query."""
    query = list_query(args)

    def build_and_render(now: datetime):
        document = build(db.session, query, now=now,
                         organisation=current_app.config["SETTINGS"].ORGANISATION_NAME)
        body, mimetype = render(document)
        return body, mimetype, document["generated_at"]

    vary = () if args.get("lang") else ("Accept-Language",)
    return cached_response((fmt, query), build_and_render, moment=query.as_of, vary=vary)


def render_json(document: dict) -> tuple[bytes, str]:
    # The document is built to SubprocessorListSchema's shape (a test holds it to the
    # OpenAPI schema); dumping it through marshmallow again cost most of a cold render.
    return json_body(document), "application/json"


@blp.route("/subprocessors")
class Subprocessors(MethodView):
    @blp.arguments(LIST_QUERY, location="query", unknown=ma.RAISE)
    @blp.response(200, SubprocessorListSchema)
    def get(self, args):
        """The subprocessor list

        Current subprocessors and announced changes (`upcoming`), in the
        requested language; `as_of` gives the list as it stood on a past (or
        announced future) day.
        """
        return list_response(args, "json", render_json)


@blp.route("/countries")
class PublicCountries(MethodView):
    @blp.arguments(CountriesQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, CountriesSchema)
    def get(self, args):
        """Countries with their adequacy status

        Every country's status under `regime` on `as_of` (default today),
        with names in `lang`.
        """
        regime = args.get("regime") or default_regime()
        on = args.get("as_of") or today_utc()
        data = CountriesSchema().dump(country_list(regime, on, args["lang"], args.get("status")))
        version = datetime.fromisoformat(load_regime(regime).version).replace(tzinfo=UTC)
        as_of_start = datetime.combine(on, time.min, tzinfo=UTC)
        return public_response(json_body(data), "application/json",
                               last_modified=min(max(version, as_of_start), datetime.now(UTC)))
