"""The change log (/public/changes) and its Atom, RSS and JSON feeds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import marshmallow as ma
from feedgen.feed import FeedGenerator
from flask import current_app, request
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import func, select

from registry import db
from registry.changes.models import ChangeEvent
from registry.changes.schemas import EVENT_TYPES, FieldChangeSchema
from registry.errors import ProblemError
from registry.extensions import QuerySchema, StrictSchema, one_of
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.i18n.labels import HEADINGS
from registry.public.views import blp, cached_response, json_body

FEED_SIZE = 50
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
MAX_SEQ = 2**31 - 1  # change_events.seq is a 32-bit INTEGER on PostgreSQL
# An empty feed still needs an `updated` time, and the same one on every render.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)


class LangQuerySchema(QuerySchema):
    lang = fields.String(load_default=DEFAULT_LANGUAGE, validate=one_of(LANGUAGES),
                         metadata={"description": "Language of the summaries (default en)"})


class ChangesQuerySchema(LangQuerySchema):
    cursor = fields.Integer(validate=validate.Range(min=1, max=MAX_SEQ), metadata={
        "description": "Only changes older than this sequence number: the previous "
                       "page's `next_cursor`"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                           metadata={"description": "Changes per page (default 50)"})


class PublicChangeSchema(StrictSchema):
    seq = fields.Integer()
    type = fields.String(metadata={"enum": list(EVENT_TYPES)})
    processor_id = fields.String()
    processor_name = fields.String()
    announced_at = fields.DateTime()
    effective_at = fields.DateTime()
    minor = fields.Boolean(metadata={"description": "Editorial: listed here, not notified"})
    summary = fields.String(metadata={"description": "In the requested language, else English"})
    changes = fields.List(fields.Nested(FieldChangeSchema))
    replaces_id = fields.String(allow_none=True)
    withdrawn = fields.Boolean()
    withdrawn_by = fields.Integer(allow_none=True,
                                  metadata={"description": "The change.withdrawn event"})
    withdraws = fields.Integer(allow_none=True,
                               metadata={"description": "The change a change.withdrawn withdraws"})
    link = fields.String(metadata={"description": "Absolute URL of this change"})


class ChangeLogSchema(StrictSchema):
    changes = fields.List(fields.Nested(PublicChangeSchema))
    next_cursor = fields.Integer(allow_none=True, metadata={
        "description": "Pass as `cursor` for the next (older) page; null on the last page"})


class JsonFeedItemSchema(StrictSchema):
    id = fields.String()
    url = fields.String()
    title = fields.String()
    content_text = fields.String()
    date_published = fields.DateTime()
    date_modified = fields.DateTime(metadata={"description": "When the change was withdrawn"})
    tags = fields.List(fields.String())


class JsonFeedSchema(StrictSchema):
    version = fields.String(metadata={"enum": [JSON_FEED_VERSION]})
    title = fields.String()
    home_page_url = fields.String()
    feed_url = fields.String()
    language = fields.String()
    items = fields.List(fields.Nested(JsonFeedItemSchema))


# -- reading events -------------------------------------------------------------------


def _public_url(path: str, lang: str = DEFAULT_LANGUAGE) -> str:
    base = current_app.config["SETTINGS"].PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" + ("" if lang == DEFAULT_LANGUAGE else f"?lang={lang}")


def _summary(event: ChangeEvent, lang: str) -> str:
    return event.summary.get(lang) or event.summary.get(DEFAULT_LANGUAGE, "")


def _withdrawals(events: Iterable[ChangeEvent]) -> dict[int, ChangeEvent]:
    seqs = {e.withdrawn_by for e in events if e.withdrawn_by}
    if not seqs:
        return {}
    return {w.seq: w for w in db.session.scalars(
        select(ChangeEvent).where(ChangeEvent.seq.in_(seqs)))}


def public_change(event: ChangeEvent, lang: str) -> dict:
    """A change event as the public sees it: no notice override reason, one language."""
    return {
        "seq": event.seq, "type": event.type, "processor_id": event.processor_id,
        "processor_name": event.processor_name, "announced_at": event.announced_at,
        "effective_at": event.effective_at, "minor": event.minor,
        "summary": _summary(event, lang), "changes": event.changes,
        "replaces_id": event.replaces_id, "withdrawn": event.withdrawn_by is not None,
        "withdrawn_by": event.withdrawn_by, "withdraws": event.withdraws_seq,
        "link": _public_url(f"/public/changes/{event.seq}"),
    }


def _latest_announcement() -> datetime | None:
    # Withdrawals are events too, so this also moves when an older change is withdrawn.
    return db.session.scalar(select(func.max(ChangeEvent.announced_at)))


# -- the change log -------------------------------------------------------------------


def _next_link(cursor: int) -> str:
    args = request.args.copy()
    args["cursor"] = str(cursor)
    query = urlencode(list(args.items(multi=True)))
    return f'<{_public_url("/public/changes")}?{query}>; rel="next"'


@blp.route("/changes")
class Changes(MethodView):
    @blp.arguments(ChangesQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, ChangeLogSchema, headers={"Link": {
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
            query = select(ChangeEvent).order_by(ChangeEvent.seq.desc()).limit(limit + 1)
            if cursor is not None:
                query = query.where(ChangeEvent.seq < cursor)
            events = db.session.scalars(query).all()
            page = events[:limit]
            following = page[-1].seq if len(events) > limit else None
            log = {"changes": [public_change(e, lang) for e in page], "next_cursor": following}
            headers = {"Link": _next_link(following)} if following else {}
            return (json_body(ChangeLogSchema().dump(log)), "application/json",
                    _latest_announcement(), headers)

        return cached_response(("changes", cursor, limit, lang), render)


@blp.route("/changes/<int:seq>")
class Change(MethodView):
    @blp.arguments(LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, PublicChangeSchema)
    def get(self, args, seq):
        """One change of the change log, by its sequence number"""
        lang = args["lang"]

        def render(now: datetime):
            event = db.session.get(ChangeEvent, seq) if seq <= MAX_SEQ else None
            if event is None:
                raise ProblemError(404, f"No change with sequence number {seq}.")
            body = json_body(PublicChangeSchema().dump(public_change(event, lang)))
            return body, "application/json", _latest_announcement()

        return cached_response(("change", seq, lang), render)


# -- feeds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """One notified change, in one language, as every feed format shows it."""

    url: str
    title: str
    text: str
    tag: str
    published: datetime
    updated: datetime
    withdrawn: bool


def feed_items(lang: str) -> list[FeedItem]:
    """The latest notified (non-minor) changes, newest first."""
    events = db.session.scalars(
        select(ChangeEvent).where(ChangeEvent.minor.is_(False))
        .order_by(ChangeEvent.seq.desc()).limit(FEED_SIZE)
    ).all()
    withdrawals = _withdrawals(events)
    items = []
    for event in events:
        summary, withdrawal = _summary(event, lang), withdrawals.get(event.withdrawn_by)
        items.append(FeedItem(
            url=_public_url(f"/public/changes/{event.seq}"), title=summary,
            text=f"{summary} {_summary(withdrawal, lang)}" if withdrawal else summary,
            tag=event.type, published=event.announced_at,
            updated=withdrawal.announced_at if withdrawal else event.announced_at,
            withdrawn=withdrawal is not None,
        ))
    return items


def _feed_title(lang: str) -> str:
    return f"{current_app.config['SETTINGS'].ORGANISATION_NAME}: {HEADINGS[lang]['title']}"


def _feed_updated(items: list[FeedItem]) -> datetime:
    return max((item.updated for item in items), default=EMPTY_FEED_UPDATED)


def render_xml_feed(items: list[FeedItem], lang: str, fmt: str) -> bytes:
    """Atom 1.0 (`fmt` "atom") or RSS 2.0 ("rss") with feedgen."""
    feed = FeedGenerator()
    self_url = _public_url(f"/public/feed.{fmt}", lang)
    feed.id(self_url)
    feed.title(_feed_title(lang))
    feed.description(_feed_title(lang))
    feed.author(name=current_app.config["SETTINGS"].ORGANISATION_NAME)
    feed.link(href=self_url, rel="self")
    feed.link(href=_public_url("/public/subprocessors", lang), rel="alternate")
    feed.language(lang)
    feed.updated(_feed_updated(items))  # feedgen would stamp the current time
    for item in items:
        entry = feed.add_entry(order="append")
        entry.guid(item.url, permalink=True)
        entry.title(item.title)
        entry.link(href=item.url)
        entry.summary(item.text)
        entry.category(term=item.tag)
        entry.published(item.published)
        entry.updated(item.updated)
    return feed.atom_str(pretty=True) if fmt == "atom" else feed.rss_str(pretty=True)


def render_json_feed(items: list[FeedItem], lang: str) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    feed = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(lang),
        "home_page_url": _public_url("/public/subprocessors", lang),
        "feed_url": _public_url("/public/feed.json", lang),
        "language": lang,
        "items": [{
            "id": item.url, "url": item.url, "title": item.title,
            "content_text": item.text, "date_published": item.published,
            **({"date_modified": item.updated} if item.withdrawn else {}),
            "tags": [item.tag],
        } for item in items],
    }
    return json_body(JsonFeedSchema().dump(feed))


FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml",
              "json": "application/feed+json"}


def feed_response(fmt: str, lang: str):
    def render(now: datetime):
        items = feed_items(lang)
        body = (render_json_feed(items, lang) if fmt == "json"
                else render_xml_feed(items, lang, fmt))
        return body, FEED_TYPES[fmt], _feed_updated(items) if items else None

    return cached_response(("feed", fmt, lang), render)


@blp.route("/feed.atom")
class AtomFeed(MethodView):
    @blp.arguments(LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, {"type": "string"}, content_type=FEED_TYPES["atom"],
                  description="An Atom 1.0 feed")
    def get(self, args):
        """Atom feed of changes

        The latest 50 notified changes (editorial ones are left out), in `lang`.
        """
        return feed_response("atom", args["lang"])


@blp.route("/feed.rss")
class RssFeed(MethodView):
    @blp.arguments(LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, {"type": "string"}, content_type=FEED_TYPES["rss"],
                  description="An RSS 2.0 feed")
    def get(self, args):
        """RSS feed of changes

        The latest 50 notified changes (editorial ones are left out), in `lang`.
        """
        return feed_response("rss", args["lang"])


@blp.route("/feed.json")
class JsonFeed(MethodView):
    @blp.arguments(LangQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, JsonFeedSchema, content_type=FEED_TYPES["json"])
    def get(self, args):
        """JSON Feed of changes

        The latest 50 notified changes (editorial ones are left out), in `lang`,
        as JSON Feed 1.1.
        """
        return feed_response("json", args["lang"])
