"""The CSV, Markdown and HTML representations, read by the parsers their consumers use."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, ValidationError
from markdown_it import MarkdownIt

from registry.i18n.labels import HEADINGS
from tests.factories import create_processor, location_payload

OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
CSV_HEADER = [
    "id", "status", "name", "legal_name", "country_code", "country", "purpose", "services",
    "data_categories", "locations", "parent_id", "since", "change", "effective_at",
    "objection_deadline", "objection_url", "website", "data_subjects",
]
NL_CURRENT = [HEADINGS["nl"][k] for k in
              ("name", "legal_name", "country", "purpose", "locations", "since")]
NL_UPCOMING = [HEADINGS["nl"][k] for k in ("name", "change", "country", "purpose", "locations",
                                           "effective_at", "objection_deadline")]
HOSTILE_NAMES = [
    "Pipe | Co",
    "Back\\slash \\| Ltd",
    "<script>alert(1)</script>",
    "*bold* _em_ `code` [link](javascript:alert(1)) ![i](x)",
    "AT&amp;T {mdx} ~~gone~~ # not a heading",
    "Line\nbreak",
]


def current(editor, **overrides):
    """A processor on the list from now on (notice shortened, as the API allows)."""
    return create_processor(editor, effective_at=datetime.now(UTC).isoformat(),
                            notice_override_reason="test", **overrides)


def beta_seq(client) -> int:
    [upcoming] = client.get("/public/subprocessors").get_json()["upcoming"]
    return upcoming["seq"]


def get_public(client, path: str, **headers):
    response = client.get(path, headers=headers)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response


# -- CSV ---------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    # UTF-8 behind a byte order mark (for spreadsheets): "utf-8-sig" reads it.
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def test_csv_round_trips_current_and_upcoming_rows(client, editor):
    tricky = 'Acme, "Cloud"\nEurope'
    acme = current(editor, name=tricky, locations=[
        location_payload(), location_payload(country="DE", role="storage", region=None,
                                             safeguards=[], tia=None)]).get_json()
    current(editor, name='=HYPERLINK("x")', legal_name="@SUM(1)", purpose={"en": "-2+3"},
            services=[], locations=[])
    beta = create_processor(editor, name="Beta Mail", country="US").get_json()

    response = get_public(client, "/public/subprocessors.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.mimetype_params == {"charset": "utf-8", "header": "present"}
    assert response.data.startswith(b'\xef\xbb\xbf"id","status","name",')
    assert response.data.endswith(b"\r\n") and b"\r\n\"" in response.data
    header, *rows = csv_rows(response)
    assert header == CSV_HEADER
    by_name = {row[2]: dict(zip(header, row, strict=True)) for row in rows}
    assert len(rows) == 3
    assert by_name[tricky] == {
        "id": acme["id"], "status": "current", "name": tricky,
        "legal_name": "Acme Cloud Ireland Ltd", "country_code": "IE", "country": "Ireland",
        "purpose": "Hosting of the service", "services": "voice, text",
        "data_categories": "contact, content",
        "locations": "DE storage (No transfer); US hosting (Standard contractual clauses (module 3))",
        "parent_id": "", "since": acme["effective_at"][:10], "change": "",
        "effective_at": "", "objection_deadline": "", "objection_url": "",
        "website": "https://acme.example", "data_subjects": "customers",
    }
    formula = by_name["'=HYPERLINK(\"x\")"]
    assert (formula["legal_name"], formula["purpose"]) == ("'@SUM(1)", "'-2+3")
    upcoming = by_name["Beta Mail"]
    effective = datetime.fromisoformat(upcoming["effective_at"])
    assert upcoming["id"] == beta["id"]
    assert (upcoming["status"], upcoming["change"], upcoming["since"]) == ("upcoming", "added", "")
    assert upcoming["country"] == "United States"
    assert effective.date() == (datetime.now(UTC) + timedelta(days=30)).date()
    assert datetime.fromisoformat(upcoming["objection_deadline"]) == effective
    assert upcoming["objection_url"] == (
        f"http://127.0.0.1:8000/public/objections/new?change={beta_seq(client)}&lang=en")


def test_csv_of_an_empty_list_is_the_header(client):
    response = get_public(client, "/public/subprocessors.csv")
    assert csv_rows(response) == [CSV_HEADER]


# -- Markdown ----------------------------------------------------------------------


def markdown_tables(text: str) -> tuple[list[str], list[dict[str, list[list[str]]]]]:
    """(heading texts, tables as {"head": rows, "body": rows}) as markdown-it sees them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    headings, tables, section = [], [], "head"
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            tables.append({"head": [], "body": []})
        elif token.type in ("thead_open", "tbody_open"):
            section = token.type[1:5]
        elif token.type == "tr_open":
            tables[-1][section].append([])
        elif token.type == "inline":
            content = "".join(child.content for child in token.children or [])
            if tokens[index - 1].type == "heading_open":
                headings.append(content)
            elif tokens[index - 1].type in ("th_open", "td_open"):
                tables[-1][section][-1].append(content)
    return headings, tables


def test_markdown_in_dutch(client, editor):
    current(editor, name="Acme | Cloud")
    current(editor, name="Zeta Support", country="US", purpose={"en": "Support"},
            locations=[location_payload(country="IE", role="support_access", safeguards=[],
                                        tia=None)])
    create_processor(editor, name="Beta Mail", country="DE")

    response = get_public(client, "/public/subprocessors.md?lang=nl")

    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.mimetype_params == {"charset": "utf-8", "variant": "GFM"}
    headings, (listed, announced) = markdown_tables(response.data.decode("utf-8"))
    assert headings == ["Subverwerkers", "Aangekondigde wijzigingen"]
    assert listed["head"] == [NL_CURRENT] and NL_CURRENT[:2] == ["Naam", "Rechtspersoon"]
    assert len(listed["body"]) == 2
    assert all(len(row) == len(NL_CURRENT) for row in listed["body"])
    acme, zeta = listed["body"]
    assert acme[:4] == ["Acme | Cloud", "Acme Cloud Ireland Ltd", "Ierland",
                        "Hosting van de dienst"]
    assert acme[4] == "Verenigde Staten: hosting, Standaardcontractbepalingen (module 3)"
    assert zeta[2:5] == ["Verenigde Staten", "Support",
                         "Ierland: toegang voor support, Geen doorgifte"]
    assert announced["head"] == [NL_UPCOMING]
    [beta] = announced["body"]
    assert beta[:5] == ["Beta Mail", "toegevoegd", "Duitsland", "Hosting van de dienst",
                        "Verenigde Staten: hosting, Standaardcontractbepalingen (module 3)"]
    assert beta[5] == beta[6]


def test_markdown_cells_keep_hostile_names_as_text(client, editor):
    for name in HOSTILE_NAMES:
        current(editor, name=name)

    text = get_public(client, "/public/subprocessors.md").data.decode("utf-8")

    _, (listed,) = markdown_tables(text)
    assert sorted(row[0] for row in listed["body"]) == sorted(
        name.replace("\n", " ") for name in HOSTILE_NAMES)
    assert all(len(row) == 6 for row in listed["body"])
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    for active in ("<script", "<img", "<em>", "<strong>", "<code>", "<h2", "<s>"):
        assert active not in html
    # The one link is each name's to the processor's website (factories' default).
    assert html.count("<a ") == len(HOSTILE_NAMES)
    assert html.count('<a href="https://acme.example">') == len(HOSTILE_NAMES)


def test_markdown_of_an_empty_list_says_so(client):
    # A fixed day: the test must not depend on when it runs (midnight, say).
    text = get_public(client, "/public/subprocessors.md?lang=de&as_of=2026-01-15").data.decode(
        "utf-8")
    assert text == "# Unterauftragsverarbeiter\n\nStand 2026-01-15\n\nKeine\n"


# -- HTML --------------------------------------------------------------------------


class Collector(HTMLParser):
    """Every tag with its attributes, every text node in its element, and whether tags nest."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[tuple[str, dict[str, str | None]], str]] = []
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.balanced = True

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(self.tags[-1])

    def handle_endtag(self, tag):
        self.balanced &= bool(self.open) and self.open.pop()[0] == tag

    def handle_data(self, data):
        if data.strip():
            self.texts.append((self.open[-1] if self.open else ("", {}), data))

    def text_in(self, tag: str, **attrs: str) -> list[str]:
        return [text for (name, found), text in self.texts
                if name == tag and all(found.get(k) == v for k, v in attrs.items())]


def parse_html(response) -> Collector:
    collector = Collector()
    collector.feed(response.data.decode("utf-8"))
    collector.close()
    return collector


def test_html_fragment_in_dutch(client, editor):
    attack = "<img src=x onerror=alert(1)>"
    current(editor, name=attack, legal_name='"><script>alert(2)</script>')
    current(editor, name="Acme Cloud")
    create_processor(editor, name="Beta Mail", country="US")

    response = get_public(client, "/public/subprocessors.html?lang=nl")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = parse_html(response)
    names = [tag for tag, _ in page.tags]
    assert page.balanced and not page.open
    assert page.tags[0] == ("section", {"lang": "nl", "class": "subprocessor-list"})
    assert not {"script", "img", "style", "html", "body", "head", "iframe"} & set(names)
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on") or a == "style"]
    assert names.count("table") == 2
    assert page.text_in("caption") == ["Subverwerkers", "Aangekondigde wijzigingen"]
    assert page.text_in("th", scope="col") == NL_CURRENT + NL_UPCOMING
    # Rows sort by name, and "<" sorts before letters.
    assert page.text_in("th", scope="row") == [attack, "Acme Cloud", "Beta Mail"]
    texts = [text for _, text in page.texts]
    assert '"><script>alert(2)</script>' in page.text_in("td")
    assert texts.count("Ierland") == 2
    us_hosting = "Verenigde Staten: hosting, Standaardcontractbepalingen (module 3)"
    assert page.text_in("li") == [us_hosting, us_hosting, us_hosting]  # the last: Beta Mail's
    assert "toegevoegd" in page.text_in("td")


def test_html_of_an_empty_list_says_so(client):
    page = parse_html(get_public(client, "/public/subprocessors.html?lang=fr"))
    assert ("td", {"colspan": "6"}) in page.tags
    assert page.text_in("td", colspan="6") == ["Aucun"]
    assert [tag for tag, _ in page.tags].count("table") == 1


# -- JSON against the published contract -------------------------------------------


def test_json_list_validates_against_the_openapi_schema(client, editor):
    spec = json.loads(OPENAPI.read_text(encoding="utf-8"))
    schema = {"$ref": "#/components/schemas/SubprocessorList", "components": spec["components"]}
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    current(editor, name="Acme Cloud")
    create_processor(editor, name="Beta Mail")

    document = get_public(client, "/public/subprocessors?lang=sv").get_json()

    assert [len(document["subprocessors"]), len(document["upcoming"])] == [1, 1]
    validator.validate(document)
    document["subprocessors"][0]["notes"] = "internal only"
    with pytest.raises(ValidationError):
        validator.validate(document)


# -- caching -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".md", ".html"])
def test_each_format_is_cached_until_the_catalogue_changes(client, editor, suffix):
    created = current(editor, name="Acme Cloud", purpose={"en": "Hosting of the service"})
    path = f"/public/subprocessors{suffix}"

    first = get_public(client, path)
    etag = first.headers["ETag"]
    repeat = get_public(client, path, **{"If-None-Match": etag})
    patched = editor.patch(created.headers["Location"], json={"purpose": {"en": "Backups"}},
                           headers={"If-Match": created.headers["ETag"]})
    changed = get_public(client, path, **{"If-None-Match": etag})

    assert first.status_code == 200 and b"Hosting of the service" in first.data
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert "Last-Modified" in first.headers
    assert (repeat.status_code, repeat.data, repeat.headers["ETag"]) == (304, b"", etag)
    assert patched.status_code == 200, patched.get_json()
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"Backups" in changed.data and b"Hosting of the service" not in changed.data


@pytest.mark.parametrize("suffix", [".csv", ".md", ".html"])
def test_unknown_query_parameters_are_rejected(client, suffix):
    response = client.get(f"/public/subprocessors{suffix}?langauge=nl")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
