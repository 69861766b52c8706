"""An upcoming row tells customers enough to decide, and the list says how to follow it.

Every list format's `upcoming` rows carry the announced processor's country of
establishment, purpose and locations (with their transfer basis) and, where the
format can link, the form to object with; the HTML fragment ends with an e-mail
sign-up form and the feeds, which work without JavaScript.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from markdown_it import MarkdownIt

from registry.i18n import LANGUAGES
from registry.i18n.labels import HEADINGS
from tests.factories import create_processor, location_payload

BASE = "https://registry.example"
FOLLOW_KEYS = ("object", "follow", "email", "subscribe", "subscribe_failed", "feeds")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PUBLIC_BASE_URL": BASE + "/"}


def announce(editor, **overrides) -> dict:
    """An announced addition (the default notice): upcoming, not yet on the list."""
    payload = {"name": "Nordic Speech AB", "legal_name": "Nordic Speech Aktiebolag",
               "country": "SE", "purpose": {"en": "Speech recognition",
                                            "nl": "Spraakherkenning"},
               "services": ["voice"],
               "locations": [location_payload(country="US", role="processing")],
               **overrides}
    return create_processor(editor, **payload).get_json()


def upcoming_rows(client, query: str = "") -> list[dict]:
    return client.get(f"/public/subprocessors{query}").get_json()["upcoming"]


class Fragment(HTMLParser):
    """The fragment's elements, each with its attributes and its own text, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": list(self._open)}
        self.elements.append(element)
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append(element)

    def handle_endtag(self, tag):
        assert self._open and self._open[-1]["tag"] == tag, (tag, self._open[-1:])
        self._open.pop()

    def handle_data(self, data):
        if self._open:
            self._open[-1]["text"] += data

    def find(self, tag: str, **attrs: str) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag
                and all(e["attrs"].get(k.rstrip("_")) == v for k, v in attrs.items())]

    def within(self, parent: dict, tag: str) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag
                and any(p is parent for p in e["parents"])]


def fragment(client, query: str = "") -> Fragment:
    response = client.get(f"/public/subprocessors.html{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    parser = Fragment()
    parser.feed(response.get_data(as_text=True))
    parser.close()
    return parser


def upcoming_html_row(page: Fragment, name: str) -> tuple[list[str], dict]:
    """The upcoming table's row for `name`: its cell texts (lists joined) and the row."""
    [table] = page.find("table", class_="subprocessor-changes")
    [row] = [tr for tr in page.within(table, "tr")
             if any(th["text"] == name for th in page.within(tr, "th"))]
    cells = []
    for td in page.within(row, "td"):
        items = page.within(td, "li")
        cells.append("; ".join(li["text"] for li in items) if items else td["text"].strip())
    return cells, row


# -- JSON ------------------------------------------------------------------------------


def test_every_upcoming_row_carries_its_objection_url(client, editor):
    announce(editor)

    for lang in LANGUAGES:
        [row] = upcoming_rows(client, f"?lang={lang}")
        assert row["objection_url"] == (
            f"{BASE}/public/objections/new?change={row['seq']}&lang={lang}")
        assert row["country"]["code"] == "SE"
        assert row["legal_name"] == "Nordic Speech Aktiebolag"
        assert [loc["transfer_basis"] for loc in row["locations"]] == ["scc"]


def test_the_list_document_says_where_to_follow_it(client):
    document = client.get("/public/subprocessors?lang=sv").get_json()

    assert document["subscribe_url"] == f"{BASE}/public/subscriptions"
    assert document["feeds"] == {fmt: f"{BASE}/public/feed.{fmt}?lang=sv"
                                 for fmt in ("atom", "rss", "json")}


# -- Markdown --------------------------------------------------------------------------


def markdown_upcoming(text: str) -> tuple[list[str], list[list[str]]]:
    """The last table's heading row and body rows, as markdown-it reads them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    rows: list[list[str]] = []
    starts = [i for i, t in enumerate(tokens) if t.type == "table_open"]
    for index, token in enumerate(tokens[starts[-1]:], start=starts[-1]):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and tokens[index - 1].type in ("th_open", "td_open"):
            rows[-1].append("".join(child.content for child in token.children or []))
    return rows[0], rows[1:]


@pytest.mark.parametrize("lang, country, purpose, location", [
    ("en", "Sweden", "Speech recognition",
     "United States: processing, Standard contractual clauses (module 3)"),
    ("nl", "Zweden", "Spraakherkenning",
     "Verenigde Staten: verwerking, Standaardcontractbepalingen (module 3)"),
])
def test_markdown_upcoming_rows_show_country_purpose_and_locations(
        client, editor, lang, country, purpose, location):
    announce(editor)

    text = client.get(f"/public/subprocessors.md?lang={lang}").get_data(as_text=True)

    head, [row] = markdown_upcoming(text)
    labels = HEADINGS[lang]
    assert head == [labels[k] for k in ("name", "change", "country", "purpose", "locations",
                                        "effective_at", "objection_deadline")]
    assert row[0] == "Nordic Speech AB"
    assert row[2:5] == [country, purpose, location]
    # Markdown gets no links (yet): the cells are text.
    assert "objections" not in text
    assert "<a" not in MarkdownIt("commonmark").enable("table").render(text)


# -- HTML fragment ---------------------------------------------------------------------


def test_html_upcoming_rows_show_country_purpose_locations_and_the_objection_link(
        client, editor):
    announce(editor, locations=[location_payload(country="US", role="processing"),
                                location_payload(country="SE", role="storage", region=None,
                                                 safeguards=[], tia=None)])
    [expected] = upcoming_rows(client, "?lang=nl")

    page = fragment(client, "?lang=nl")

    cells, row = upcoming_html_row(page, "Nordic Speech AB")
    assert cells[:4] == [
        "toegevoegd", "Zweden", "Spraakherkenning",
        # Sorted by country code, as on the current table.
        ("Zweden: opslag, Geen doorgifte; "
         "Verenigde Staten: verwerking, Standaardcontractbepalingen (module 3)")]
    [link] = page.within(row, "a")
    assert link["attrs"]["href"] == expected["objection_url"]
    assert link["attrs"]["href"].startswith(f"{BASE}/public/objections/new?change=")
    assert link["text"] == HEADINGS["nl"]["object"] == "Bezwaar maken tegen deze wijziging"
    # The link sits with the deadline it must be used by.
    cell = link["parents"][-1]
    assert cell["tag"] == "td"
    assert [t["attrs"]["datetime"] for t in page.within(cell, "time")] == [
        expected["objection_deadline"]]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_fragment_ends_with_a_sign_up_form_and_the_feeds(client, lang):
    page = fragment(client, f"?lang={lang}")
    labels = HEADINGS[lang]

    [follow] = page.find("div", class_="follow")
    assert page.elements.index(follow) > max(
        page.elements.index(t) for t in page.find("table"))
    [title] = page.within(follow, "p")[:1]
    assert title["text"] == labels["follow"]
    [form] = page.within(follow, "form")
    assert form["attrs"]["method"] == "post"
    assert form["attrs"]["action"] == f"{BASE}/public/subscriptions"
    inputs = {i["attrs"]["name"]: i["attrs"] for i in page.within(form, "input")}
    assert inputs["email"]["type"] == "email" and "required" in inputs["email"]
    assert inputs["lang"] == {"type": "hidden", "name": "lang", "value": lang}
    assert "services" not in inputs  # no service filter: every change
    [label] = page.within(form, "label")
    assert label["text"].strip() == labels["email"]
    assert [e for e in page.within(label, "input")] == page.find("input", name="email")
    [button] = page.within(form, "button")
    assert (button["attrs"]["type"], button["text"]) == ("submit", labels["subscribe"])
    links = {a["text"]: a["attrs"]["href"] for a in page.within(follow, "a")}
    assert links == {"Atom": f"{BASE}/public/feed.atom?lang={lang}",
                     "RSS": f"{BASE}/public/feed.rss?lang={lang}",
                     "JSON Feed": f"{BASE}/public/feed.json?lang={lang}"}


def test_the_feed_links_lead_to_the_feeds_in_the_lists_language(client, editor):
    announce(editor)
    page = fragment(client, "?lang=de")

    [follow] = page.find("div", class_="follow")
    for link in page.within(follow, "a"):
        url = urlsplit(link["attrs"]["href"])
        response = client.get(url.path, query_string=url.query)
        assert response.status_code == 200, url
        assert response.mimetype == link["attrs"]["type"]
        assert parse_qs(url.query) == {"lang": ["de"]}


def test_a_service_filter_subscribes_to_that_service(client, editor):
    announce(editor)

    page = fragment(client, "?lang=fr&service=voice")

    [form] = page.find("form", class_="subscribe")
    inputs = {i["attrs"]["name"]: i["attrs"] for i in page.within(form, "input")}
    assert inputs["services"] == {"type": "hidden", "name": "services", "value": "voice"}
    assert inputs["lang"]["value"] == "fr"


def test_subscribe_false_leaves_the_follow_part_out(client, editor):
    announce(editor)

    page = fragment(client, "?lang=nl&subscribe=false")
    default = fragment(client, "?lang=nl")

    assert page.find("form") == [] and page.find("div", class_="follow") == []
    assert len(page.find("table")) == 2
    assert len(default.find("form")) == 1
    [row] = [e for e in page.find("a") if "objections" in e["attrs"]["href"]]
    assert row["text"] == HEADINGS["nl"]["object"]


def test_subscribe_is_a_boolean_query_argument(client):
    assert client.get("/public/subprocessors.html?subscribe=maybe").status_code == 422
    # The other list formats have nothing to leave out.
    assert client.get("/public/subprocessors.md?subscribe=false").status_code == 422


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_new_labels_exist_in_every_language(lang):
    labels = HEADINGS[lang]
    assert all(labels.get(key) for key in FOLLOW_KEYS)
    if lang != "en":
        assert labels["object"] != HEADINGS["en"]["object"]
        assert labels["subscribe"] != HEADINGS["en"]["subscribe"]


def test_the_objection_url_opens_the_form_for_that_change(client, editor):
    announce(editor)
    [row] = upcoming_rows(client, "?lang=nl")

    url = urlsplit(row["objection_url"])
    response = client.get(url.path, query_string=url.query)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
