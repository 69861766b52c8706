"""The change log (/public/changes) and its Atom, RSS and JSON feeds, rendered."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from markupsafe import Markup
from marshmallow import fields, validate
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.changes.models import ChangeEvent
from registry.changes.services import MAX_SEQ, get_change
from registry.changes.wire import (
    PublicChangeSchema,
    change_url,
    notice_details,
    public_change,
    summary_in,
)
from registry.config import Settings
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES
from registry.i18n.labels import CHANGES, HEADINGS, label
from registry.i18n.mail import mail_text
from registry.public.formats import day_or_moment
from registry.public.http import json_body
from registry.public.text import public_text
from registry.schemas import QuerySchema, StrictSchema, one_of

FEED_SIZE = 50
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
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


def _feed_url(settings: Settings, path: str, lang: str) -> str:
    """Feed links keep the feed's language; English is the default, so it is left out."""
    return settings.public_url(path, lang=None if lang == DEFAULT_LANGUAGE else lang)


def list_page_url(settings: Settings, lang: str) -> str:
    """The list for people, in `lang` (always given: without it the list would follow the
    reader's Accept-Language rather than the feed's language)."""
    return settings.public_url("/public/subprocessors.html", lang=lang)


def change_page_url(seq: int, settings: Settings, lang: str) -> str:
    """The page for people about one change, in `lang`."""
    return _feed_url(settings, f"/public/changes/{seq}.html", lang)


def _withdrawals(session: Session, events: Iterable[ChangeEvent]) -> dict[int, ChangeEvent]:
    seqs = {e.withdrawn_by for e in events if e.withdrawn_by}
    if not seqs:
        return {}
    return {w.seq: w for w in session.scalars(
        select(ChangeEvent).where(ChangeEvent.seq.in_(seqs)))}


def latest_announcement(session: Session) -> datetime | None:
    # Withdrawals are events too, so this also moves when an older change is withdrawn.
    return session.scalar(select(func.max(ChangeEvent.announced_at)))


# -- the change log -------------------------------------------------------------------


def change_log(session: Session, *, cursor: int | None, limit: int, lang: str,
               settings: Settings) -> dict[str, Any]:
    """One page of the change log, newest first, and the cursor of the next page."""
    query = select(ChangeEvent).order_by(ChangeEvent.seq.desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(ChangeEvent.seq < cursor)
    events = session.scalars(query).all()
    page = events[:limit]
    following = page[-1].seq if len(events) > limit else None
    return ChangeLogSchema().dump({
        "changes": [public_change(e, lang, settings) for e in page], "next_cursor": following})


def one_change(session: Session, seq: int, *, lang: str, settings: Settings) -> dict[str, Any]:
    """One change as the change log shows it; a 404 for a sequence number never used."""
    return PublicChangeSchema().dump(public_change(get_change(session, seq), lang, settings))


# -- feeds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedItem:
    """One notified change, in one language, as every feed format shows it.

    `url` is the page for people; `id` the change's permanent identifier (its URL in the
    change log, which feeds have always used), `url` when empty."""

    url: str
    title: str
    text: str
    tag: str
    published: datetime
    updated: datetime
    withdrawn: bool
    id: str = ""

    @property
    def guid(self) -> str:
        return self.id or self.url


def change_kind(change_type: str, lang: str) -> str:
    """What kind of change, for people: "added", "new location", "change withdrawn"."""
    if change_type in CHANGES[DEFAULT_LANGUAGE]:
        return label(CHANGES, lang, change_type)
    return mail_text(lang, "withdrawn")


def change_lines(change: dict[str, Any], lang: str,
                 withdrawal: ChangeEvent | None = None) -> list[str]:
    """What a reader needs to decide, one line each and in `lang`, beyond the summary
    (the title): what kind of change and from when, the processor, where the data goes
    and on what ground, and until when (and where) to object."""
    headings = HEADINGS[lang]
    lines = [summary_in(withdrawal, lang)] if withdrawal else []
    lines += [f"{headings['change']}: {change_kind(change['type'], lang)}",
              f"{headings['effective_at']}: {day_or_moment(change['effective_at'])}"]
    lines += notice_details(change, lang)
    if change["objection_deadline"] is not None:
        deadline = change["objection_deadline"].strftime("%Y-%m-%d %H:%M UTC")
        lines.append(mail_text(lang, "object", deadline=deadline) + ": "
                     + change["objection_url"])
    return lines


def feed_items(session: Session, lang: str, settings: Settings) -> list[FeedItem]:
    """The latest notified (non-minor) changes, newest first."""
    events = session.scalars(
        select(ChangeEvent).where(ChangeEvent.minor.is_(False))
        .order_by(ChangeEvent.seq.desc()).limit(FEED_SIZE)
    ).all()
    withdrawals = _withdrawals(session, events)
    items = []
    for event in events:
        withdrawal = withdrawals.get(event.withdrawn_by)
        change = public_change(event, lang, settings)
        # The title is the summary; the text adds to it rather than repeating it.
        items.append(FeedItem(
            url=change_page_url(event.seq, settings, lang), id=change_url(event, settings),
            title=summary_in(event, lang), text="\n".join(change_lines(change, lang, withdrawal)),
            tag=event.type, published=event.announced_at,
            updated=withdrawal.announced_at if withdrawal else event.announced_at,
            withdrawn=withdrawal is not None,
        ))
    return items


def _public_item(item: FeedItem) -> FeedItem:
    return replace(item, title=public_text(item.title), text=public_text(item.text))


def _feed_title(lang: str, settings: Settings) -> str:
    return public_text(f"{settings.ORGANISATION_NAME}: {HEADINGS[lang]['title']}")


def feed_updated(items: list[FeedItem]) -> datetime:
    return max((item.updated for item in items), default=EMPTY_FEED_UPDATED)


class TextTitles(BaseEntryExtension):
    """Types Atom titles and subtitles `text`: the default, said out loud for readers that
    guess (feedgen takes a type for summaries only)."""

    def extend_atom(self, element: Any) -> Any:
        # feedgen writes the Atom namespace as a plain `xmlns` attribute: names are bare.
        for name in ("title", "subtitle"):
            for child in element.findall(name):
                child.set("type", "text")
        return element


def rss_text(text: str) -> str:
    """Text for an RSS title or description: readers take those as HTML, so escape it
    (feedgen then escapes it once more for XML)."""
    return escape(text, quote=False)


def render_xml_feed(items: list[FeedItem], lang: str, fmt: str, settings: Settings) -> bytes:
    """Atom 1.0 (`fmt` "atom") or RSS 2.0 ("rss") with feedgen; every text shows as text."""
    shown = rss_text if fmt == "rss" else str
    feed = FeedGenerator()
    feed.register_extension("text_titles", TextTitles, TextTitles, rss=False)
    self_url = _feed_url(settings, f"/public/feed.{fmt}", lang)
    feed.id(self_url)
    feed.title(shown(_feed_title(lang, settings)))
    feed.description(shown(_feed_title(lang, settings)))
    feed.author(name=public_text(settings.ORGANISATION_NAME))
    feed.link(href=self_url, rel="self")
    feed.link(href=list_page_url(settings, lang), rel="alternate", type="text/html")
    feed.language(lang)
    feed.updated(feed_updated(items))  # feedgen would stamp the current time
    for item in map(_public_item, items):
        entry = feed.add_entry(order="append")
        # The id stays the change's permanent identifier (readers key entries on it); the
        # link is the page for people.
        entry.guid(item.guid, permalink=False)
        entry.title(shown(item.title))
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.summary(shown(item.text), type="text")
        entry.category(term=item.tag)
        entry.published(item.published)
        entry.updated(item.updated)
    return feed.atom_str(pretty=True) if fmt == "atom" else feed.rss_str(pretty=True)


def render_json_feed(items: list[FeedItem], lang: str, settings: Settings) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    feed = {
        "version": JSON_FEED_VERSION,
        "title": _feed_title(lang, settings),
        "home_page_url": list_page_url(settings, lang),
        "feed_url": _feed_url(settings, "/public/feed.json", lang),
        "language": lang,
        "items": [{
            "id": item.guid, "url": item.url, "title": item.title,
            "content_text": item.text, "date_published": item.published,
            **({"date_modified": item.updated} if item.withdrawn else {}),
            "tags": [item.tag],
        } for item in map(_public_item, items)],
    }
    return json_body(JsonFeedSchema().dump(feed))


# -- one change, as a page for people ------------------------------------------------------

# Nothing but the page itself: no script, style, frame, form or base of any origin.
CHANGE_PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'"


def render_change_page(session: Session, seq: int, lang: str, settings: Settings
                       ) -> tuple[bytes, str, datetime | None, dict[str, str]]:
    """`/public/changes/<seq>.html`: the change a feed entry links to, for people, in `lang`;
    a self-contained page, every value escaped. A 404 for a sequence number never used."""
    event = get_change(session, seq)
    withdrawal = get_change(session, event.withdrawn_by) if event.withdrawn_by else None
    change = public_change(event, lang, settings)
    headings = HEADINGS[lang]
    title = public_text(change["summary"])
    organisation = public_text(settings.ORGANISATION_NAME)
    items = [Markup("<li>{}: {}</li>").format(headings["change"],
                                              change_kind(change["type"], lang)),
             Markup('<li>{}: <time datetime="{}">{}</time></li>').format(
                 headings["effective_at"], change["effective_at"].isoformat(),
                 day_or_moment(change["effective_at"]))]
    items += [Markup("<li>{}</li>").format(public_text(line))
              for line in notice_details(change, lang)]
    if change["withdraws"]:
        items.append(Markup('<li><a href="{}">#{}</a></li>').format(
            change_page_url(change["withdraws"], settings, lang), change["withdraws"]))
    parts = [Markup('<p class="withdrawn">{}</p>\n').format(public_text(summary_in(
        withdrawal, lang)))] if withdrawal else []
    parts.append(Markup('<ul class="details">\n{}\n</ul>\n').format(Markup("\n").join(items)))
    if change["objection_deadline"] is not None:
        deadline = change["objection_deadline"].strftime("%Y-%m-%d %H:%M UTC")
        parts.append(Markup('<p class="object"><a href="{}">{}</a></p>\n').format(
            change["objection_url"], mail_text(lang, "object", deadline=deadline)))
    page = Markup(
        '<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>{organisation}: {title}</title>\n"
        '<link rel="alternate" type="application/json" href="{json}">\n</head>\n'
        '<body>\n<main>\n<p><a href="{list}">{organisation}: {list_title}</a></p>\n'
        '<h1>{title}</h1>\n{parts}</main>\n</body>\n</html>\n'
    ).format(lang=lang, organisation=organisation, title=title, json=change["link"],
             list=list_page_url(settings, lang), list_title=headings["title"],
             parts=Markup().join(parts))
    return (str(page).encode("utf-8"), "text/html", latest_announcement(session),
            {"Content-Security-Policy": CHANGE_PAGE_CSP})


FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml",
              "json": "application/feed+json"}


def render_feed(session: Session, fmt: str, lang: str, settings: Settings
                ) -> tuple[bytes, str, datetime | None]:
    """A feed in `fmt` (atom, rss, json): body, media type and when it last changed."""
    items = feed_items(session, lang, settings)
    body = (render_json_feed(items, lang, settings) if fmt == "json"
            else render_xml_feed(items, lang, fmt, settings))
    return body, FEED_TYPES[fmt], feed_updated(items) if items else None
