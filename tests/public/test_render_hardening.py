"""The public renderers against hostile text: feeds read as text, no formulas, no autolinks,
nothing invisible and nothing XML forbids, whatever the stored facts say."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit
from xml.etree import ElementTree

import feedparser
import pytest
from markdown_it import MarkdownIt
from sqlalchemy import select

from registry import db
from registry.changes.models import ChangeEvent, PublicVersion
from registry.config import Settings
from registry.i18n import LANGUAGES
from registry.i18n.labels import HEADINGS
from registry.public.feeds import FeedItem, render_json_feed, render_xml_feed
from registry.public.formats import markdown_text, render_csv, render_html, render_markdown
from tests.factories import create_processor

ATOM = "{http://www.w3.org/2005/Atom}"
XSS_NAME = "<img src=x onerror=alert(1)>"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# What XML 1.0 cannot carry, C1 controls and DEL; NUL and lone surrogates aside, as
# PostgreSQL cannot store those either.
CONTROLS = "".join(map(chr, [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20),
                             *range(0x7F, 0xA0)])) + "\ufffe\uffff"
UNSTORABLE = "\x00\ud800\udfff"
# Also refused by the input policy: other invisible characters, separators, non-characters.
OTHER_INVISIBLE = "\u180e\u2028\u2029\u2061\u2064\u206a\u206f\ufff9\ufffb\ufdd0\ufdef"
HIDDEN = BIDI + ZERO_WIDTH + CONTROLS + UNSTORABLE + OTHER_INVISIBLE
# A name as it might have been stored before (or around) the input policy, and as it is
# published: separators (VT, FF, FS-US, NEL) read as spaces, the rest as nothing.
LYING_NAME = "Trusted\u200b Cloud\u202e\u2066 Ltd\x0bEU\u0007"
PUBLISHED_NAME = "Trusted Cloud Ltd EU"


def current(editor, **overrides) -> dict:
    """A processor on the list from now on (notice shortened, as the API allows)."""
    return create_processor(editor, effective_at=datetime.now(UTC).isoformat(),
                            notice_override_reason="test", **overrides).get_json()


def store_facts(app, processor_id: str, *, name: str, purpose: str | None = None) -> None:
    """Give a processor `name` (and `purpose`) in its stored public facts and change events,
    past the API's input checks: the renderers must not depend on those."""
    with app.app_context():
        events = db.session.scalars(
            select(ChangeEvent).where(ChangeEvent.processor_id == processor_id))
        for event in events:
            event.summary = {lang: summary.replace(event.processor_name, name)
                             for lang, summary in event.summary.items()}
            event.processor_name = name
        versions = db.session.scalars(
            select(PublicVersion).where(PublicVersion.processor_id == processor_id))
        for version in versions:
            state = {**version.state, "name": name}
            if purpose is not None:
                state["purpose"] = {"en": purpose}
            version.state = state
        db.session.commit()


def listed_row(**overrides) -> dict:
    """One current row of a list document, as `registry.public.document.build` makes it."""
    row = {
        "id": "00000000-0000-0000-0000-000000000001", "name": "Acme Cloud",
        "legal_name": "Acme Cloud Ireland Ltd", "country": {"code": "IE", "name": "Ireland"},
        "purpose": "Hosting", "services": ["voice"], "data_categories": ["contact"],
        "locations": [{"country": {"code": "US", "name": "United States"}, "role": "hosting",
                       "role_label": "hosting", "adequacy": "adequate_conditional",
                       "adequacy_label": "adequate (conditional)", "transfer_basis": "scc",
                       "transfer_basis_label": "Standard contractual clauses (module 3)",
                       "safeguards": ["scc"]}],
        "parent_id": None, "since": date(2026, 1, 15),
    }
    row.update(overrides)
    return row


def list_document(*rows: dict) -> dict:
    return {"lang": "en", "as_of": date(2026, 1, 15), "labels": dict(HEADINGS["en"]),
            "subprocessors": list(rows), "upcoming": []}


def feed_item(title: str, text: str) -> FeedItem:
    moment = datetime(2026, 1, 15, tzinfo=UTC)
    return FeedItem(url="http://127.0.0.1:8000/public/changes/1", title=title, text=text,
                    tag="processor.added", published=moment, updated=moment, withdrawn=False)


def assert_nothing_hidden(text: str) -> None:
    assert not set(HIDDEN) & set(text), sorted(f"U+{ord(c):04X}" for c in set(HIDDEN) & set(text))


# -- 1. feeds: names are text to every reader ----------------------------------------------


def test_rss_readers_get_names_as_escaped_text(client, editor):
    # The entry's text adds to its title (the name is in the title; the purpose in the text).
    current(editor, name=XSS_NAME, purpose={"en": XSS_NAME})

    response = client.get("/public/feed.rss")

    assert response.status_code == 200
    item = ElementTree.fromstring(response.data).find("channel/item")
    for element in ("title", "description"):
        # What a reader takes as HTML must be escaped HTML: the markup shows as text.
        assert "&lt;img src=x onerror=alert(1)&gt;" in item.findtext(element)
        assert "<img" not in item.findtext(element)
    entry = feedparser.parse(response.data).entries[0]
    for shown in (entry.title, entry.summary):
        assert "<img" not in shown
    assert unescape(entry.title).startswith(XSS_NAME)
    assert f"\nPurpose: {XSS_NAME}\n" in unescape(entry.summary)


def test_atom_titles_and_summaries_are_typed_text(client, editor):
    current(editor, name=XSS_NAME, purpose={"en": XSS_NAME})

    response = client.get("/public/feed.atom")

    root = ElementTree.fromstring(response.data)
    entry = root.find(f"{ATOM}entry")
    typed = [root.find(f"{ATOM}title"), root.find(f"{ATOM}subtitle"),
             entry.find(f"{ATOM}title"), entry.find(f"{ATOM}summary")]
    assert [element.get("type") for element in typed] == ["text"] * 4
    assert entry.findtext(f"{ATOM}title").startswith(XSS_NAME)
    parsed = feedparser.parse(response.data).entries[0]
    assert parsed.title_detail.type == parsed.summary_detail.type == "text/plain"
    assert f"\nPurpose: {XSS_NAME}\n" in parsed.summary


# -- 2. CSV: no cell a spreadsheet evaluates --------------------------------------------------


def csv_cells(document: dict) -> dict[str, str]:
    body, *_ = render_csv(document)
    # UTF-8 behind a byte order mark, for spreadsheets.
    header, row = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    return dict(zip(header, row, strict=True))


@pytest.mark.parametrize("value", [
    "\n=1+1", "\n", "  =1+1", " \t-2+3", "\u00a0@SUM(1)", "\u3000+1",
    "\uff1dHYPERLINK(\"x\")", "\uff0b1", "\uff0d1", "\uff20SUM(1)", "  \uff1d1",
])
def test_csv_neutralises_formulas_behind_whitespace_and_full_width_forms(value):
    cells = csv_cells(list_document(listed_row(name=value, purpose=value)))
    assert cells["name"] == cells["purpose"] == "'" + value


@pytest.mark.parametrize("value", ["Acme Cloud", "  Acme Cloud", "Acme - Cloud", "1+1", "e-mail"])
def test_csv_keeps_normal_text_as_it_is(value):
    assert csv_cells(list_document(listed_row(name=value)))["name"] == value


def test_csv_neutralises_a_formula_behind_a_zero_width_character():
    assert csv_cells(list_document(listed_row(name="\u200b\ufeff=1+1")))["name"] == "'=1+1"


# -- 3. Markdown: free text never becomes a link ------------------------------------------------

AUTOLINK_BAIT = [
    "Visit www.example.com now", "WWW.EXAMPLE.COM", "https://evil.example.com/login?next=/",
    "http://localhost:8000", "ftp://files.example.org", "//example.com/path", "example.com",
    "privacy@example.com", "mailto:dpo@example.com", "xmpp:chat@example.org", "1.2.3.4",
    "пример.рф", "(see www.example.com.)", "Mail dpo@example.com, or https://x.example.com",
]


def gfm(text: str) -> str:
    """HTML as a GFM renderer makes it: tables, strikethrough and autolinks (linkify)."""
    return MarkdownIt("gfm-like").render(text)


class CellTexts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[str] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self.inside = True
            self.cells.append("")

    def handle_endtag(self, tag):
        self.inside = self.inside and tag not in ("td", "th")

    def handle_data(self, data):
        if self.inside:
            self.cells[-1] += data


def cell_texts(html: str) -> list[str]:
    parser = CellTexts()
    parser.feed(html)
    parser.close()
    return parser.cells


@pytest.mark.parametrize("value", AUTOLINK_BAIT)
def test_markdown_text_makes_no_autolink(value):
    html = gfm(f"| heading |\n| --- |\n| {markdown_text(value)} |\n")
    assert "<a" not in html
    assert cell_texts(html) == ["heading", value]


def test_markdown_list_shows_urls_and_addresses_as_plain_text(client, editor):
    for index, bait in enumerate(AUTOLINK_BAIT):
        current(editor, name=f"{index:02d} {bait}", purpose={"en": f"Support via {bait}"})

    text = client.get("/public/subprocessors.md").get_data(as_text=True)

    html = gfm(text)
    # The only links are the names', to the processor's website (the factories' default).
    assert html.count("<a") == html.count('<a href="https://acme.example">') == len(
        AUTOLINK_BAIT)
    cells = cell_texts(html)
    for index, bait in enumerate(AUTOLINK_BAIT):
        assert f"{index:02d} {bait}" in cells
        assert f"Support via {bait}" in cells


# -- 4. nothing invisible, nothing XML forbids ---------------------------------------------------


@pytest.mark.parametrize("path", ["/public/feed.atom", "/public/feed.rss"])
def test_xml_feeds_survive_control_characters_in_every_language(app, client, editor, path):
    processor = current(editor, name="Acme Cloud")
    store_facts(app, processor["id"], name="Acme\x0bCloud\x1f")

    for lang in LANGUAGES:
        response = client.get(path, query_string={"lang": lang})
        assert response.status_code == 200, (lang, response.get_data(as_text=True)[:200])
        feed = feedparser.parse(response.data)
        assert feed.bozo == 0, feed.get("bozo_exception")
        assert feed.entries[0].title.startswith("Acme Cloud ")


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_xml_feeds_drop_every_hidden_and_forbidden_character(fmt):
    item = feed_item(f"{HIDDEN}Acme{HIDDEN} is added", f"Acme{HIDDEN} is added, effective soon")

    body = render_xml_feed([item], "en", fmt, Settings(ORGANISATION_NAME=f"Example{HIDDEN}"))

    assert_nothing_hidden(body.decode("utf-8"))
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    # The separators among the hidden characters read as spaces.
    assert feed.entries[0].title.split() == ["Acme", "is", "added"]
    assert feed.entries[0].summary.split() == ["Acme", "is", "added,", "effective", "soon"]
    assert feed.feed.title.startswith("Example")


def test_json_feed_drops_every_hidden_and_forbidden_character():
    item = feed_item(f"Acme{HIDDEN} is added", f"Acme{HIDDEN} is added")

    body = render_json_feed([item], "en", Settings())

    (entry,) = json.loads(body)["items"]
    for text in (entry["title"], entry["content_text"]):
        assert_nothing_hidden(text)
        assert text.split() == ["Acme", "is", "added"]


def test_list_formats_drop_every_hidden_and_forbidden_character():
    document = list_document(listed_row(name=f"Acme{HIDDEN}Cloud", purpose=f"{HIDDEN}Hosting",
                                        legal_name=f"\u202eLtd{HIDDEN}"))

    for render in (render_csv, render_markdown, render_html):
        body, *_ = render(document)
        # The CSV's one byte order mark (for spreadsheets) is no part of its text.
        assert_nothing_hidden(body.decode("utf-8-sig"))


def test_html_list_shows_what_a_lying_name_is(app, client, editor):
    processor = current(editor, name="Acme Cloud")
    store_facts(app, processor["id"], name=LYING_NAME, purpose=f"Hosting{BIDI}{ZERO_WIDTH}")

    html = client.get("/public/subprocessors.html").get_data(as_text=True)

    assert_nothing_hidden(html)
    assert PUBLISHED_NAME in cell_texts(html)


def test_csv_and_markdown_lists_show_what_a_lying_name_is(app, client, editor):
    processor = current(editor, name="Acme Cloud")
    store_facts(app, processor["id"], name=LYING_NAME)

    body = client.get("/public/subprocessors.csv").data.decode("utf-8-sig")
    markdown = client.get("/public/subprocessors.md").get_data(as_text=True)

    header, row = csv.reader(io.StringIO(body, newline=""))
    assert dict(zip(header, row, strict=True))["name"] == PUBLISHED_NAME
    assert_nothing_hidden(body)
    assert_nothing_hidden(markdown)
    assert PUBLISHED_NAME in cell_texts(gfm(markdown))


def test_feeds_show_what_a_lying_name_is(app, client, editor):
    processor = current(editor, name="Acme Cloud")
    store_facts(app, processor["id"], name=LYING_NAME)

    for path in ("/public/feed.atom", "/public/feed.rss"):
        response = client.get(path)
        assert_nothing_hidden(response.get_data(as_text=True))
        assert feedparser.parse(response.data).entries[0].title.startswith(PUBLISHED_NAME)
    json_feed = client.get("/public/feed.json").get_json()
    assert json_feed["items"][0]["title"].startswith(PUBLISHED_NAME)


# -- the embed, in a real browser ------------------------------------------------------------


def test_embed_shows_what_a_lying_name_is(app, client, editor, browser):
    processor = current(editor, name="Acme Cloud", website=None)
    store_facts(app, processor["id"], name=LYING_NAME)
    host_page = ('<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>'
                 '<script src="http://registry.test/public/embed.js" defer></script>'
                 "<div data-subprocessor-list></div></body></html>")

    def from_the_app(route) -> None:
        url = urlsplit(route.request.url)
        answer = client.get(url.path, query_string=url.query)
        route.fulfill(status=answer.status_code, headers=dict(answer.headers),
                      body=answer.get_data())

    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.route("http://registry.test/**", from_the_app)
        page.route("http://host.test/**", lambda route: route.fulfill(
            status=200, content_type="text/html", body=host_page))
        page.goto("http://host.test/privacy")
        page.wait_for_selector("[data-subprocessor-list][data-spl-state=ready]")
        names = page.locator(".spl-name").all_text_contents()
        cells = page.locator(".spl-table").all_text_contents()
    finally:
        context.close()

    assert names == [PUBLISHED_NAME]
    assert_nothing_hidden("".join(cells))
