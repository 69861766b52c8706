"""Every /public route of the list (anonymous, read-only, CORS, cacheable).

The representations are rendered by `document`, `formats`, `feeds` and `embed`;
this module only reads the request, caches and answers.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, datetime, time
from functools import partial
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView

from registry import db
from registry.adequacy.dataset import load_regime
from registry.adequacy.lookup import today_utc
from registry.adequacy.schemas import CountriesQuerySchema, CountriesSchema
from registry.adequacy.services import country_list
from registry.config import Settings
from registry.cors import allow_any_origin
from registry.db import utcnow
from registry.extensions import Blueprint
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.public import embed, feeds, formats
from registry.public.cache import RenderCache
from registry.public.document import ListQuery, build
from registry.public.http import json_body, public_response
from registry.public.schemas import (
    CsvListQuerySchema,
    HtmlListQuerySchema,
    ListQuerySchema,
    SubprocessorListSchema,
)
from registry.public.warm import request_key, warm_answer

blp = Blueprint(
    "public", __name__, url_prefix="/public", read_role=None, write_role=None,
    conditional_get=True,
    description="The public subprocessor list, its changes and country adequacy; no token.")
blp.after_request(allow_any_origin)
# One instance for every request: building a schema per request shows on the hot path.
LIST_QUERY = ListQuerySchema()
HTML_LIST_QUERY = HtmlListQuerySchema()
CSV_LIST_QUERY = CsvListQuerySchema()
TEXT_BODY = {"type": "string"}


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def _cache() -> RenderCache:
    return current_app.extensions["registry.public_cache"]


def _respond(body: bytes, mimetype: str, **kwargs) -> Response:
    return public_response(body, mimetype, max_age=_settings().PUBLIC_MAX_AGE, **kwargs)


def list_query(args: dict) -> ListQuery:
    lang = args.get("lang") or request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    return ListQuery(lang=lang, regime=args.get("regime") or _settings().DEFAULT_REGIME,
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
    cache = _cache()
    seq, passed = cache.version(db.get_engine(), now)
    full_key = (key, seq, passed if moment is None else moment, now.date())
    rendered = cache.get(full_key, lambda: render(now))
    # The same request again is answered by registry.public.warm, before Flask.
    cache.alias(request_key(request.environ, seq, passed, now.date()), warm_answer(
        rendered.body, rendered.mimetype, rendered.etag, rendered.last_modified,
        rendered.headers, max_age=_settings().PUBLIC_MAX_AGE, vary=vary,
        route=request.url_rule.rule))
    return _serve(rendered, vary)


def _serve(rendered, vary: tuple[str, ...]) -> Response:
    response = _respond(rendered.body, rendered.mimetype, etag=rendered.etag,
                        last_modified=rendered.last_modified, vary=vary)
    response.headers.extend(rendered.headers)
    return response


def list_response(args: dict, fmt: Hashable, render: Callable[[dict], tuple[bytes, str]]):
    """A cached representation of the list in format `fmt`, for the request's query."""
    query = list_query(args)

    def build_and_render(now: datetime):
        settings = _settings()
        document = build(db.session, query, now=now, organisation=settings.ORGANISATION_NAME,
                         public_url=settings.public_url)
        # A renderer may add headers (the CSV's file name): (body, mimetype[, headers]).
        body, mimetype, *headers = render(document)
        return body, mimetype, document["generated_at"], *headers

    vary = () if args.get("lang") else ("Accept-Language",)
    return cached_response((fmt, query), build_and_render, moment=query.as_of, vary=vary)


def render_json(document: dict) -> tuple[bytes, str]:
    # The document is built to SubprocessorListSchema's shape (a test holds it to the
    # OpenAPI schema); dumping it through marshmallow again cost most of a cold render.
    return json_body(document), "application/json"


# -- the list ---------------------------------------------------------------------------


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


@blp.route("/subprocessors.csv")
class SubprocessorsCsv(MethodView):
    @blp.arguments(CSV_LIST_QUERY, location="query", unknown=ma.RAISE)
    @blp.response(200, TEXT_BODY, content_type="text/csv",
                  description="RFC 4180 CSV, UTF-8 (with a byte order mark unless "
                              "`bom=false`), with a header row",
                  headers={"Content-Disposition": {
                      "description": 'An attachment: `attachment; filename="subprocessors-'
                                     '<as_of>.csv"`', "schema": {"type": "string"}}})
    def get(self, args):
        """The subprocessor list as CSV

        One row per current subprocessor (`status` `current`) and per announced
        change (`status` `upcoming`). Cells that a spreadsheet would read as a
        formula (starting with `=`, `+`, `-` or `@`, also after leading whitespace
        or in full-width form, or with tab, CR or LF) start with `'`.

        For spreadsheets: UTF-8 with a byte order mark (`bom=false` leaves it
        out), served as an attachment `subprocessors-<as_of>.csv`. Without `lang`
        the headings are the column keys and coded values stay codes; with `lang`
        headings, status, change, locations and dates are for people, in `lang`.
        Columns: id, status, name, legal_name, country_code, country, purpose,
        services, data_categories, locations, parent_id, since, change,
        effective_at, objection_deadline, objection_url, website, data_subjects.
        """
        localised, bom = bool(args.get("lang")), args["bom"]
        return list_response(args, ("csv", localised, bom),
                             partial(formats.render_csv, localised=localised, bom=bom))


@blp.route("/subprocessors.md")
class SubprocessorsMarkdown(MethodView):
    @blp.arguments(LIST_QUERY, location="query", unknown=ma.RAISE)
    @blp.response(200, TEXT_BODY, content_type="text/markdown",
                  description="GitHub-flavoured Markdown, UTF-8")
    def get(self, args):
        """The subprocessor list as Markdown

        A heading and GitHub-flavoured Markdown tables (current, then announced
        changes) with headings and country names in `lang`, for static-site builds.
        """
        return list_response(args, "md", formats.render_markdown)


@blp.route("/subprocessors.html")
class SubprocessorsHtml(MethodView):
    @blp.arguments(HTML_LIST_QUERY, location="query", unknown=ma.RAISE)
    @blp.response(200, TEXT_BODY, content_type="text/html",
                  description="An HTML fragment (a `<section>`), UTF-8, without scripts")
    def get(self, args):
        """The subprocessor list as an HTML fragment

        A `<section class="subprocessor-list">` with semantic tables in `lang`,
        to embed in a page; no scripts or styles, every value escaped. It ends
        with a way to follow changes (an e-mail sign-up form and the feeds)
        unless `subscribe=false`.
        """
        subscribe = args["subscribe"]
        return list_response(args, ("html", subscribe),
                             partial(formats.render_html, subscribe=subscribe))


@blp.route("/embed.js")
class EmbedScript(MethodView):
    @blp.response(200, TEXT_BODY, content_type="text/javascript", description=(
        "A dependency-free script. A page loads it with a `script` element "
        "(`src=\".../public/embed.js\"`, `defer`) and adds a container "
        "`<div data-subprocessor-list data-lang=\"nl\" "
        "data-service=\"voice\" data-regime=\"EU\"></div>`; the script fetches "
        "/public/subprocessors for each container and renders localised tables into it."))
    def get(self):
        """The embeddable list script

        Renders the public subprocessor list into every `[data-subprocessor-list]`
        element of the page that loads it, in the container's `data-lang`, filtered
        by `data-service` and with adequacy under `data-regime`. Styled by
        /public/embed.css, which it links once (no inline styles), and themed through
        CSS custom properties on the container (`--spl-font`, `--spl-text`,
        `--spl-border`, `--spl-header-bg`, `--spl-stripe-bg`, `--spl-link`).
        ---
        The script is static; the list it renders comes from /public/subprocessors
        (CORS), so its caching is independent of the list's.
        """
        body, modified = embed.script()
        return _respond(body, "text/javascript", last_modified=modified)


@blp.route("/embed.css")
class EmbedStylesheet(MethodView):
    @blp.response(200, TEXT_BODY, content_type="text/css", description=(
        "The stylesheet embed.js links (once per page) instead of injecting styles, so a "
        "page's Content-Security-Policy allows it with the registry's origin in `style-src`."))
    def get(self):
        """The embed's stylesheet

        Styles the tables and sign-up form embed.js renders. Themed from the host
        page's own stylesheet through CSS custom properties on the container, e.g.
        `[data-subprocessor-list] { --spl-header-bg: #eef3f8; }` (`--spl-font`,
        `--spl-text`, `--spl-border`, `--spl-header-bg`, `--spl-stripe-bg`,
        `--spl-link`).
        ---
        Static, like the script: cached and revalidated independently of the list.
        """
        body, modified = embed.stylesheet()
        return _respond(body, "text/css", last_modified=modified)


@blp.route("/countries")
class PublicCountries(MethodView):
    @blp.arguments(CountriesQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, CountriesSchema)
    def get(self, args):
        """Countries with their adequacy status

        Every country's status under `regime` on `as_of` (default today),
        with names in `lang`.
        """
        regime = args.get("regime") or _settings().DEFAULT_REGIME
        on = args.get("as_of") or today_utc()
        data = CountriesSchema().dump(country_list(regime, on, args["lang"], args.get("status")))
        version = datetime.fromisoformat(load_regime(regime).version).replace(tzinfo=UTC)
        as_of_start = datetime.combine(on, time.min, tzinfo=UTC)
        return _respond(json_body(data), "application/json",
                        last_modified=min(max(version, as_of_start), datetime.now(UTC)))


# -- the change log and feeds -----------------------------------------------------------


def _next_link(cursor: int) -> str:
    args = request.args.copy()
    args["cursor"] = str(cursor)
    query = urlencode(list(args.items(multi=True)))
    return f'<{_settings().public_url("/public/changes")}?{query}>; rel="next"'


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(feeds.ChangesQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, feeds.ChangeLogSchema, headers={"Link": {
        "description": 'RFC 8288 link to the next page (rel="next"), when there is one',
        "schema": {"type": "string"}}})
    def get(self, args):
        """The change log

        Every public change, newest first, including editorial (`minor`) ones
        and withdrawals. Page with `cursor` = the previous page's
        `next_cursor`, or follow the `Link` header.
        """
        cursor, limit, lang = args.get("cursor"), args["limit"], args["lang"]

        def render(now: datetime):
            log = feeds.change_log(db.session, cursor=cursor, limit=limit, lang=lang,
                                   settings=_settings())
            following = log["next_cursor"]
            headers = {"Link": _next_link(following)} if following else {}
            return (json_body(log), "application/json", feeds.latest_announcement(db.session),
                    headers)

        return cached_response(("changes", cursor, limit, lang), render)


@blp.route("/changes/<row:seq>")
class Change(MethodView):
    @blp.arguments(feeds.LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, feeds.PublicChangeSchema)
    def get(self, args, seq):
        """One change of the change log, by its sequence number"""
        lang = args["lang"]

        def render(now: datetime):
            change = feeds.one_change(db.session, seq, lang=lang, settings=_settings())
            return json_body(change), "application/json", feeds.latest_announcement(db.session)

        return cached_response(("change", seq, lang), render)


@blp.route("/changes/<row:seq>.html")
class ChangePage(MethodView):
    @blp.arguments(feeds.LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, TEXT_BODY, content_type="text/html",
                  description="A self-contained HTML page, UTF-8, without scripts or styles")
    def get(self, args, seq):
        """One change of the change log, as a page for people

        What the feeds' entries link to: the change's summary, what changes, where
        and from when, and the objection form, in `lang`. Every value escaped.
        """
        lang = args["lang"]
        return cached_response(
            ("change-page", seq, lang),
            lambda now: feeds.render_change_page(db.session, seq, lang, _settings()))


def feed_response(fmt: str, lang: str):
    return cached_response(("feed", fmt, lang),
                           lambda now: feeds.render_feed(db.session, fmt, lang, _settings()))


@blp.route("/feed.atom")
class AtomFeed(MethodView):
    @blp.arguments(feeds.LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, TEXT_BODY, content_type=feeds.FEED_TYPES["atom"],
                  description="An Atom 1.0 feed")
    def get(self, args):
        """Atom feed of changes

        The latest 50 notified changes (editorial ones are left out), in `lang`.
        """
        return feed_response("atom", args["lang"])


@blp.route("/feed.rss")
class RssFeed(MethodView):
    @blp.arguments(feeds.LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, TEXT_BODY, content_type=feeds.FEED_TYPES["rss"],
                  description="An RSS 2.0 feed")
    def get(self, args):
        """RSS feed of changes

        The latest 50 notified changes (editorial ones are left out), in `lang`.
        """
        return feed_response("rss", args["lang"])


@blp.route("/feed.json")
class JsonFeed(MethodView):
    @blp.arguments(feeds.LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, feeds.JsonFeedSchema, content_type=feeds.FEED_TYPES["json"])
    def get(self, args):
        """JSON Feed of changes

        The latest 50 notified changes (editorial ones are left out), in `lang`,
        as JSON Feed 1.1.
        """
        return feed_response("json", args["lang"])
