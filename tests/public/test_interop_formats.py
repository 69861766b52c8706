"""The list and the feeds in the clients people already have: GFM renderers (links we
publish work, links from free text do not appear), feed readers (entries lead to pages
for people) and spreadsheets (a BOM, a file name, headings and labels in `lang`)."""

from __future__ import annotations

import csv
import html as markup
import io
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from markdown_it import MarkdownIt

from registry.i18n import LANGUAGES
from registry.i18n.labels import HEADINGS
from registry.public.formats import CSV_COLUMNS, CSV_HEADINGS, markdown_link
from tests.factories import create_processor, location_payload

BASE = "http://127.0.0.1:8000"  # PUBLIC_BASE_URL's default
UNDERSCORE_URL = "https://postwise.example/dpa_(v2)"
# URLs a website may be (RFC 3986 characters: renderers percent-encode others, such as
# "[" or "`", to an equivalent href), each with what Markdown would otherwise take as markup.
PUBLISHED_URLS = [
    UNDERSCORE_URL, "https://x.example/a*b*c", "https://x.example/~user/;a=1,b+c",
    "https://x.example/a?b=1&c=2&amp;d=3&copy;", "https://x.example/#frag!",
    "http://x.example/a_b_/c", "https://x.example/p(1)/q)", "https://x.example/a'b'$",
    "https://x.example/%41_b", "https://x.example/a:b@c/d_e",
]
FREE_TEXT_LINKS = ["https://evil.example", "a@b.example", "www.evil.example",
                   "<https://evil.example>", "[x](https://evil.example)"]


def current(editor, **overrides) -> dict:
    """A processor on the list from now on (notice shortened, as the API allows)."""
    return create_processor(editor, effective_at=datetime.now(UTC).isoformat(),
                            notice_override_reason="test", **overrides).get_json()


class Links(HTMLParser):
    """Every `<a>`: its href and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str]] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append({"href": dict(attrs).get("href") or "", "text": ""})
            self.inside = True

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "a"

    def handle_data(self, data):
        if self.inside:
            self.links[-1]["text"] += data


def links_in(html: str) -> list[dict[str, str]]:
    parser = Links()
    parser.feed(html)
    parser.close()
    return parser.links


def renderers() -> list[MarkdownIt]:
    """GFM as markdown-it-py renders it with linkify-it-py: the preset, and commonmark with
    tables and linkify turned on."""
    return [MarkdownIt("gfm-like"),
            MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])]


# -- Markdown ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", PUBLISHED_URLS)
def test_a_published_url_is_the_href_of_its_markdown_link(url):
    cell = markdown_link("Post_wise https://evil.example a@b.example", url)

    for md in renderers():
        html = md.render(f"| name |\n| --- |\n| {cell} |\n")
        assert links_in(html) == [
            {"href": url, "text": "Post_wise https://evil.example a@b.example"}], html


def test_a_website_with_an_underscore_renders_to_the_right_href(client, editor):
    current(editor, name="Postwise", website=UNDERSCORE_URL)
    current(editor, name="Beta Mail", website="https://beta.example/a_b")

    text = client.get("/public/subprocessors.md").get_data(as_text=True)

    assert "dpa\\_" not in text
    for md in renderers():
        links = links_in(md.render(text))
        assert [link["href"] for link in links if link["text"] == "Postwise"] == [
            UNDERSCORE_URL]
        assert [link["href"] for link in links if link["text"] == "Beta Mail"] == [
            "https://beta.example/a_b"]
        assert "%5C" not in md.render(text)


def test_markdown_links_only_what_it_publishes(client, editor):
    for index, bait in enumerate(FREE_TEXT_LINKS):
        current(editor, name=f"{index} {bait}", legal_name=f"Ltd {bait}",
                purpose={"en": f"Support via {bait}"}, website=None)
    current(editor, name="Acme Cloud", purpose={"en": "Mail a@b.example or https://evil.example"})
    current(editor, name="Beta Mail", purpose={"en": "See https://evil.example/x_y"},
            website=UNDERSCORE_URL)
    create_processor(editor, name="Gamma https://evil.example", website="https://gamma.example")
    text = client.get("/public/subprocessors.md").get_data(as_text=True)

    for md in renderers():
        html = md.render(text)
        links = links_in(html)
        # The websites, on the names: the only links the list publishes.
        assert sorted((link["text"], link["href"]) for link in links) == [
            ("Acme Cloud", "https://acme.example"), ("Beta Mail", UNDERSCORE_URL)]
        assert "evil.example" not in "".join(link["href"] for link in links)
        assert "mailto:" not in html
        for index, bait in enumerate(FREE_TEXT_LINKS):
            assert f"{index} {bait}" in markup.unescape(html)


def test_a_website_that_is_not_http_stays_text():
    for url in ("javascript:alert(1)", "mailto:a@b.example", " https://ok.example", "", None):
        assert markdown_link("Acme", url) == "Acme"


# -- feeds --------------------------------------------------------------------------------


@pytest.fixture
def announced(editor) -> None:
    """A processor on the list, one announced (with notice), in the change log."""
    current(editor, name="Acme Cloud")
    create_processor(editor, name="Zürich Mail", country="CH", purpose={
        "en": "E-mail delivery", "de": "E-Mail-Zustellung"},
        locations=[location_payload(country="US")])


def follow(client, url: str):
    """GET an absolute public URL through the test client, as a reader would."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return client.get(parts.path, query_string=parts.query, headers={"Accept": "text/html"})


@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize("lang", ["en", "de"])
def test_feed_item_links_answer_html_in_the_feeds_language(client, announced, fmt, lang):
    feed = feedparser.parse(client.get(f"/public/feed.{fmt}?lang={lang}").data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert len(feed.entries) == 2

    home = follow(client, feed.feed.link)
    assert home.status_code == 200 and home.mimetype == "text/html"
    assert parse_qs(urlsplit(feed.feed.link).query) == {"lang": [lang]}
    assert f'lang="{lang}"' in home.get_data(as_text=True)
    for entry in feed.entries:
        query = parse_qs(urlsplit(entry.link).query)
        assert query == ({} if lang == "en" else {"lang": [lang]})
        page = follow(client, entry.link)
        assert page.status_code == 200, entry.link
        assert page.mimetype == "text/html"
        body = page.get_data(as_text=True)
        assert body.startswith("<!DOCTYPE html>")
        assert f'<html lang="{lang}">' in body
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Access-Control-Allow-Origin"] == "*"
        assert "<script" not in body and "<style" not in body and "style=" not in body
        assert f"<h1>{entry.title}</h1>" in body
        # The id stays the change's JSON URL, which still answers JSON by default.
        assert follow(client, entry.id).status_code == 200
        assert client.get(urlsplit(entry.id).path).mimetype == "application/json"


def test_feed_summaries_add_to_the_title_instead_of_repeating_it(client, announced):
    feed = client.get("/public/feed.json?lang=de").get_json()
    for item in feed["items"]:
        assert item["title"] not in item["content_text"]
        lines = item["content_text"].splitlines()
        assert lines[0].startswith("Änderung: ")
        assert lines[1].startswith("Wirksam ab: ")
    zurich = feed["items"][0]["content_text"]
    assert "Zweck: E-Mail-Zustellung" in zurich
    assert "Vereinigte Staaten" in zurich  # where the data goes
    assert "/public/objections/new?change=" in zurich


def test_the_change_page_escapes_every_value_and_links_the_objection_form(client, editor):
    hostile = '<img src=x onerror=alert(1)> & "quoted"'
    create_processor(editor, name=hostile, purpose={"en": "<script>alert(2)</script>"})
    [change] = client.get("/public/changes?lang=fr").get_json()["changes"]

    page = client.get(f"/public/changes/{change['seq']}.html?lang=fr")

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<img" not in body and "<script" not in body
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;quoted&#34;" in body
    links = {link["href"]: link["text"] for link in links_in(body)}
    assert links[change["objection_url"]].startswith("S'opposer")
    assert links[f"{BASE}/public/subprocessors.html?lang=fr"].endswith(
        HEADINGS["fr"]["title"])
    assert f'href="{BASE}/public/changes/{change["seq"]}"' in body  # the JSON, alternate
    again = client.get(f"/public/changes/{change['seq']}.html?lang=fr",
                       headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/public/changes/999999.html").status_code == 404
    assert client.get(f"/public/changes/{change['seq']}.html?lang=xx").status_code == 422


# -- CSV ----------------------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    """The CSV as a spreadsheet import with "UTF-8" (behind its BOM) reads it."""
    header, *rows = csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""))
    return [dict(zip(header, row, strict=True)) for row in rows], header


@pytest.fixture
def listed(editor) -> dict[str, dict]:
    zurich = current(editor, name="Zürich Daten AG", country="CH",
                     legal_name="Zürich Daten AG", purpose={"en": "Backups",
                                                            "de": "Datensicherung"},
                     website=UNDERSCORE_URL, data_subjects=["customers", "employees"],
                     locations=[location_payload(), location_payload(
                         country="DE", role="storage", region=None, safeguards=[], tia=None)])
    beta = create_processor(editor, name="=Beta Mail", country="US").get_json()
    return {"zurich": zurich, "beta": beta}


def test_csv_is_an_attachment_with_a_bom_and_a_dated_name(client, listed):
    response = client.get("/public/subprocessors.csv")

    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.mimetype_params["charset"] == "utf-8"
    as_of = client.get("/public/subprocessors").get_json()["as_of"]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="subprocessors-{as_of}.csv"')

    plain = client.get("/public/subprocessors.csv?bom=false")
    assert plain.data == response.data[3:]
    assert plain.headers["Content-Disposition"] == response.headers["Content-Disposition"]
    assert plain.headers["ETag"] != response.headers["ETag"]
    # The query argument is part of the cache key: asking again gives each its own bytes.
    assert client.get("/public/subprocessors.csv").data == response.data
    assert client.get("/public/subprocessors.csv?bom=false").data == plain.data
    assert client.get("/public/subprocessors.csv?bom=maybe").status_code == 422


def test_csv_for_machines_keeps_keys_and_codes_in_every_column(client, listed):
    rows, header = read_csv(client.get("/public/subprocessors.csv"))
    assert header == list(CSV_COLUMNS)
    by_id = {row["id"]: row for row in rows}
    zurich = by_id[listed["zurich"]["id"]]
    assert zurich == {
        "id": listed["zurich"]["id"], "status": "current", "name": "Zürich Daten AG",
        "legal_name": "Zürich Daten AG", "country_code": "CH", "country": "Switzerland",
        "purpose": "Backups", "services": "voice, text", "data_categories": "contact, content",
        "locations": "DE storage (No transfer); "
                     "US hosting (Standard contractual clauses (module 3))",
        "parent_id": "", "since": listed["zurich"]["effective_at"][:10], "change": "",
        "effective_at": "", "objection_deadline": "", "objection_url": "",
        "website": UNDERSCORE_URL, "data_subjects": "customers, employees",
    }
    beta = by_id[listed["beta"]["id"]]
    assert (beta["name"], beta["status"], beta["change"]) == ("'=Beta Mail", "upcoming", "added")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_csv_in_a_language_has_its_headings_and_labels(client, listed, lang):
    response = client.get(f"/public/subprocessors.csv?lang={lang}")

    assert response.data.startswith(b"\xef\xbb\xbf")
    rows, header = read_csv(response)
    labels = HEADINGS[lang]
    assert header == [labels[CSV_HEADINGS.get(column, column)] for column in CSV_COLUMNS]
    assert len(set(header)) == len(header)
    document = client.get(f"/public/subprocessors?lang={lang}").get_json()
    [listed_row] = document["subprocessors"]
    [upcoming_row] = document["upcoming"]
    cells = {row[labels["id"]]: dict(zip(CSV_COLUMNS, row.values(), strict=True))
             for row in rows}
    zurich, beta = cells[listed["zurich"]["id"]], cells[listed["beta"]["id"]]
    assert zurich["status"] == labels["status_current"]
    assert beta["status"] == labels["status_upcoming"]
    assert beta["change"] == upcoming_row["change_label"]
    assert zurich["name"] == "Zürich Daten AG"
    assert zurich["country"] == listed_row["country"]["name"]
    assert zurich["purpose"] == listed_row["purpose"]
    assert zurich["website"] == UNDERSCORE_URL
    assert zurich["data_subjects"] == "customers, employees"
    assert zurich["locations"] == "; ".join(
        f"{loc['country']['name']}: {loc['role_label']}, {loc['transfer_basis_label']}"
        for loc in listed_row["locations"])
    assert zurich["since"] == listed_row["since"]
    text = response.get_data(as_text=True)
    assert "DE storage (" not in text and "US hosting (" not in text  # the machine form


def test_csv_in_german_starts_with_a_bom_and_german_headings(client, listed):
    response = client.get("/public/subprocessors.csv?lang=de")

    assert response.data.startswith('\ufeff"ID","Status","Name","Rechtsträger"'.encode())
    rows, header = read_csv(response)
    assert {"Land", "Zweck", "Verarbeitungsorte", "Website", "Betroffene Personen",
            "Widerspruch bis"} <= set(header)
    zurich = next(row for row in rows if row["ID"] == listed["zurich"]["id"])
    assert zurich["Land"] == "Schweiz"
    assert zurich["Zweck"] == "Datensicherung"
    assert zurich["Status"] == "aktuell"
    assert "Deutschland: Speicherung" in zurich["Verarbeitungsorte"]
