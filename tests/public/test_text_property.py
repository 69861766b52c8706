"""Any text the input policy accepts is stored and published intact in every representation:
the list (JSON, CSV, Markdown, HTML), the change log and its feeds, e-mail and webhook
notices, and the static export."""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import socket
import tempfile
import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from marshmallow import ValidationError

from registry.cli import main
from registry.notify.worker import Worker
from registry.schemas import FORBIDDEN_TEXT, one_script_per_word
from tests.factories import (
    add_email_subscriber,
    delete_all_but_tokens,
    location_payload,
    processor_payload,
)
from tests.notify.receiver import Receiver

OTHER_LANGUAGES = ("nl", "sv", "de", "fr")
SUBSCRIBER = "dpo@customer.example"
# OWASP CSV injection: a spreadsheet evaluates a cell that starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ATOM = "{http://www.w3.org/2005/Atom}"
MAIL_HEADERS = {"from", "to", "reply-to", "subject", "date", "message-id", "auto-submitted",
                "list-unsubscribe", "list-unsubscribe-post", "content-language",
                "mime-version", "content-type", "content-transfer-encoding"}
HOOK_NUMBERS = itertools.count(1)
# Each example is a whole write, render and delivery; shrinking one takes minutes, so a
# failure is reported unshrunk, with its texts in a note.
END_TO_END = settings(
    max_examples=20, deadline=None, derandomize=True, database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much])

# -- the text space the input accepts --------------------------------------------------

FRAGMENTS = [
    *"<>&\"'",  # markup
    *"|*_[]()#=+-@`~\\{}!$:./", "://", "www.", "a.example", "&amp;", "<!--", "]]>",  # active
    "\n", "\r", "\r\n", "\t", "  ", "\u00a0", "\u3000",  # line breaks and spaces
    "\U0001f600", "\U0001d518", "\U00010348", "\U0001f1ea\U0001f1fa",  # outside the BMP
    "e\u0301", "\u0301", "\u0308\u0323", "\u212b", "\ufb2c", "\U0001d160",  # NFC changes these
    "\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "\u0661",  # right to left
    "\uff1d", "\ufe6b",  # full-width "=", small "@"
    "=?utf-8?q?", "?=", "Subject: ",  # what mail headers are made of
]
# Any code point but the refused ones (so that long texts are not nearly all refused).
pieces = st.one_of(st.characters().filter(lambda c: FORBIDDEN_TEXT.search(c) is None),
                   st.sampled_from(FRAGMENTS))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def accepted_text(max_length: int) -> st.SearchStrategy[str]:
    """Text the policy accepts and whose stored (NFC) form fits the field."""
    plain = st.lists(pieces, min_size=1, max_size=30).map("".join)
    formula = st.tuples(st.sampled_from(FORMULA_STARTS), plain).map("".join)
    return st.one_of(plain, formula).filter(
        lambda text: FORBIDDEN_TEXT.search(text) is None and 1 <= len(nfc(text)) <= max_length)


def accepted_name(max_length: int) -> st.SearchStrategy[str]:
    """A name the policy accepts: as text, and with no word mixing confusable scripts."""
    return accepted_text(max_length).filter(_in_one_script_per_word)


def _in_one_script_per_word(text: str) -> bool:
    try:
        one_script_per_word(nfc(text))
    except ValidationError:
        return False
    return True


processor_texts = st.fixed_dictionaries({
    "name": accepted_name(200),
    "legal_name": accepted_name(300),
    "registered_address": accepted_text(1000),
    "company_number": accepted_text(100),
    "region": accepted_text(100),
    "purpose_en": accepted_text(2000),
    "other_lang": st.sampled_from(OTHER_LANGUAGES),
    "purpose_other": accepted_text(2000),
})


def edge_case(name: str) -> dict[str, str]:
    """Every text field set to `name` (cut to the field's length)."""
    return {"name": name, "legal_name": name, "registered_address": name,
            "company_number": nfc(name)[:100], "region": nfc(name)[:100], "purpose_en": name,
            "other_lang": "nl", "purpose_other": name}


# Always tried first (current, upcoming): text a random draw is unlikely to assemble.
EDGE_CASES = [
    (edge_case(" "), edge_case("\r\n")),  # nothing visible
    (edge_case("\U0001f600" * 200), edge_case("e\u0301" * 200)),  # 200 once in NFC
    (edge_case('=HYPERLINK("https://evil.example")'), edge_case("\uff1dSUM(1)")),
    (edge_case("https://evil.example/x?a=1&b=2"), edge_case("privacy@evil.example")),
    # An RFC 2047 encoded word (it reads "Beta Mail"), and a header in a name.
    (edge_case("=?utf-8?b?QmV0YSBNYWls?="), edge_case("Subject: x\r\nBcc: victim@evil.example")),
]


def with_edge_cases(test):
    for current, upcoming in reversed(EDGE_CASES):
        test = example(current=current, upcoming=upcoming)(test)
    return test


def stored(texts: dict[str, str], lang: str = "en") -> dict[str, str]:
    """What the public list must show: the NFC texts, and the purpose in `lang`."""
    purpose = texts["purpose_other"] if lang == texts["other_lang"] else texts["purpose_en"]
    return {"name": nfc(texts["name"]), "legal_name": nfc(texts["legal_name"]),
            "registered_address": nfc(texts["registered_address"]),
            "company_number": nfc(texts["company_number"]), "purpose": nfc(purpose)}


def same_words(text: str) -> str:
    """Prose (a mail, a Markdown cell) may turn line breaks and runs of space into one."""
    return " ".join(text.split())


# -- writing ---------------------------------------------------------------------------


def announce(editor, current: dict, upcoming: dict) -> dict[str, dict]:
    """From an empty catalogue, one processor on the list now (notice shortened) and one
    announced with notice; {id: texts}."""
    note(f"current={current!r}")
    note(f"upcoming={upcoming!r}")
    now = datetime.now(UTC).isoformat()
    written = {}
    for texts, notice in ((current, {"effective_at": now, "notice_override_reason": "test"}),
                          (upcoming, {})):
        body = processor_payload(
            name=texts["name"], legal_name=texts["legal_name"],
            registered_address=texts["registered_address"],
            company_number=texts["company_number"],
            purpose={"en": texts["purpose_en"], texts["other_lang"]: texts["purpose_other"]},
            locations=[location_payload(region=texts["region"])], **notice)
        response = editor.post("/v1/processors", json=body)
        assert response.status_code == 201, (texts, response.get_json())
        written[response.get_json()["id"]] = texts
    return written


# -- reading -----------------------------------------------------------------------------


class TextCollector(HTMLParser):
    """Every text node, the text of every table cell, and whether the tags nest."""

    VOID = frozenset({"meta", "br", "input", "img", "hr", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.cells: list[tuple[str, dict, list[str]]] = []
        self.texts: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        self.open.append(tag)
        if tag in ("th", "td"):
            self.cells.append((tag, dict(attrs), []))

    def handle_endtag(self, tag):
        self.balanced &= bool(self.open) and self.open.pop() == tag

    def handle_data(self, data):
        self.texts.append(data)
        if "th" in self.open or "td" in self.open:
            self.cells[-1][2].append(data)

    def cell_texts(self, tag: str, **attrs: str) -> list[str]:
        return ["".join(parts) for name, found, parts in self.cells
                if name == tag and all(found.get(k) == v for k, v in attrs.items())]


def parse_html(text: str) -> TextCollector:
    collector = TextCollector()
    collector.feed(text)
    collector.close()
    return collector


def markdown_rows(text: str) -> list[list[list]]:
    """Every table row as GFM (markdown-it with linkify) reads it: its cells' inline tokens."""
    tokens = MarkdownIt("gfm-like").parse(text)
    rows: list[list[list]] = []
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and tokens[index - 1].type in ("th_open", "td_open"):
            rows[-1].append(token.children or [])
    return rows


def csv_cell_keeps(text: str, cell: str) -> bool:
    """The cell is the text, or the text behind a `'` that stops a spreadsheet evaluating
    it: always before a formula character, and otherwise only where the text could read as
    a formula (after leading white space, or in a compatibility form such as "＝")."""
    if text.startswith(FORMULA_STARTS):
        return cell == "'" + text
    first = unicodedata.normalize("NFKC", text.lstrip()[:1])
    could_be_formula = text[:1].isspace() or first.startswith(("=", "+", "-", "@"))
    return cell == text or (could_be_formula and cell == "'" + text)


def change_log(client) -> list[dict]:
    response = client.get("/public/changes?limit=200")
    assert response.status_code == 200
    return json.loads(response.data)["changes"]


def mail_header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return [line.split(b":", 1)[0].decode("ascii").lower()
            for line in head.splitlines() if line and line[:1] not in (b" ", b"\t")]


# -- the parts a notice passes through -----------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps the raw bytes of every message it is given."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp():
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture(scope="module")
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def app_config(app_config, smtp):
    # A failure is retried after a minute: one worker pass sends each message once.
    return {**app_config, "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
            "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_ALLOW_HTTP": True,
            "WEBHOOK_RETRY_SCHEDULE": "60,300", "WEBHOOK_TIMEOUT_SECONDS": 5}


@pytest.fixture
def worker(app):
    worker = Worker(app, name="text-property-worker")
    yield worker
    worker.close()


# -- the properties ------------------------------------------------------------------------


@END_TO_END
@with_edge_cases
@given(current=processor_texts, upcoming=processor_texts)
def test_the_list_keeps_accepted_text_in_every_format(app, client, editor, current, upcoming):
    delete_all_but_tokens(app)
    written = announce(editor, current, upcoming)

    for lang in ("en", current["other_lang"]):
        document = json.loads(client.get(f"/public/subprocessors?lang={lang}").data)
        rows = {row["id"]: row for row in document["subprocessors"] + document["upcoming"]}
        for processor_id, texts in written.items():
            expected = stored(texts, lang)
            assert {key: rows[processor_id][key] for key in expected} == expected

    header, *records = csv.reader(io.StringIO(
        client.get("/public/subprocessors.csv").data.decode("utf-8"), newline=""))
    cells = {record[0]: dict(zip(header, record, strict=True)) for record in records}
    assert len(records) == len(written)
    for processor_id, texts in written.items():
        for column in ("name", "legal_name", "purpose"):
            text, cell = stored(texts)[column], cells[processor_id][column]
            assert csv_cell_keeps(text, cell), (column, text, cell)

    markdown = client.get("/public/subprocessors.md").data.decode("utf-8")
    MarkdownIt("gfm-like").render(markdown)  # with linkify: linkify-it-py is installed
    rows = markdown_rows(markdown)
    names = [same_words("".join(child.content for child in row[0])) for row in rows]
    for texts in written.values():
        assert same_words(stored(texts)["name"]) in names  # one line per cell
    # Text stays text: the one link of a row is its name's, to the processor's website.
    links_or_markup = [child.type for row in rows for cell in row[1:] for child in cell
                       if child.type not in ("text", "text_special")]
    assert links_or_markup == []
    name_markup = [child for row in rows for child in row[0]
                   if child.type not in ("text", "text_special")]
    assert {child.type for child in name_markup} <= {"link_open", "link_close"}
    assert {child.attrs["href"] for child in name_markup if child.type == "link_open"} <= {
        processor_payload()["website"]}

    page = parse_html(client.get("/public/subprocessors.html").data.decode("utf-8"))
    assert page.balanced and not page.open
    assert sorted(page.cell_texts("th", scope="row")) == sorted(
        stored(texts)["name"] for texts in written.values())
    legal_name, _country, purpose, *_ = page.cell_texts("td")  # the current row's
    assert (legal_name, purpose) == (stored(current)["legal_name"], stored(current)["purpose"])


@END_TO_END
@with_edge_cases
@given(current=processor_texts, upcoming=processor_texts)
def test_the_change_log_and_feeds_keep_accepted_text(app, client, editor, current, upcoming):
    delete_all_but_tokens(app)
    written = announce(editor, current, upcoming)

    changes = change_log(client)
    assert len(changes) == len(written)
    for change in changes:
        texts = written[change["processor_id"]]
        after = {item["field"]: item["after"] for item in change["changes"]}
        expected = stored(texts)
        assert change["processor_name"] == expected["name"]
        assert expected["name"] in change["summary"]
        assert {key: after[key] for key in ("name", "legal_name", "registered_address",
                                            "company_number")} == {
            key: expected[key] for key in ("name", "legal_name", "registered_address",
                                           "company_number")}
        assert after["purpose"] == {"en": nfc(texts["purpose_en"]),
                                    texts["other_lang"]: nfc(texts["purpose_other"])}
    summaries = [change["summary"] for change in changes]

    for path in ("/public/feed.atom", "/public/feed.rss"):
        feed = feedparser.parse(client.get(path).data)
        assert feed.bozo == 0, (path, feed.get("bozo_exception"))
        assert len(feed.entries) == len(changes), path
    atom = ElementTree.fromstring(client.get("/public/feed.atom").data)
    assert [entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")] == summaries
    rss = ElementTree.fromstring(client.get("/public/feed.rss").data)
    # RSS 2.0 titles are HTML (feedgen escapes them once more): readers unescape them.
    assert [html.unescape(item.findtext("title")) for item in rss.iter("item")] == summaries
    json_feed = json.loads(client.get("/public/feed.json").data)
    assert [item["title"] for item in json_feed["items"]] == summaries


@END_TO_END
@with_edge_cases
@given(current=processor_texts, upcoming=processor_texts)
def test_notices_keep_accepted_text(app, editor, smtp, receiver, worker, current, upcoming):
    delete_all_but_tokens(app)
    smtp.handler.raw.clear()
    hook = f"text-{next(HOOK_NUMBERS)}"
    subscribed = editor.post("/v1/subscriptions", json={"name": hook, "url": receiver.url(hook)})
    assert subscribed.status_code == 201, subscribed.get_json()
    receiver.expect_secret(hook, subscribed.get_json()["secret"])
    add_email_subscriber(app, SUBSCRIBER, current["other_lang"])
    written = announce(editor, current, upcoming)
    names = sorted(stored(texts)["name"] for texts in written.values())

    while worker.run_once():
        pass

    assert receiver.wait_until(lambda r: len(r.to(hook)) == len(written), timeout=10)
    hooks = receiver.to(hook)
    assert all(request.verified for request in hooks)
    assert sorted(request.payload["data"]["processor_name"] for request in hooks) == names

    notices: list[EmailMessage] = []
    for raw in smtp.handler.raw:
        headers = mail_header_names(raw)
        assert set(headers) <= MAIL_HEADERS, headers  # nothing injected by a name
        assert headers.count("subject") == 1
        message = message_from_bytes(raw, policy=policy.default)
        if "List-Unsubscribe" in message:
            notices.append(message)
    assert len(notices) == len(written)
    subjects = [same_words(str(notice["Subject"])) for notice in notices]
    texts = [same_words(notice.get_body(preferencelist=("plain",)).get_content())
             for notice in notices]
    pages = [parse_html(notice.get_body(preferencelist=("html",)).get_content())
             for notice in notices]
    assert all(page.balanced and not page.open for page in pages)
    page_texts = [same_words("".join(page.texts)) for page in pages]
    for name in names:
        assert any(same_words(name) in subject for subject in subjects), (name, subjects)
        assert any(same_words(name) in text for text in texts), name
        assert any(same_words(name) in text for text in page_texts), name


@settings(END_TO_END, max_examples=5)
@with_edge_cases
@given(current=processor_texts, upcoming=processor_texts)
def test_the_static_export_writes_every_file_for_accepted_text(
        app, editor, database_url, current, upcoming):
    delete_all_but_tokens(app)
    announce(editor, current, upcoming)

    with tempfile.TemporaryDirectory() as out:
        result = CliRunner().invoke(main, ["publish", "--out", out],
                                    env={"DATABASE_URL": database_url})
        assert result.exit_code == 0, result.output
        index = json.loads((Path(out) / "index.json").read_text(encoding="utf-8"))
        assert len(index["files"]) > 50
        for item in index["files"]:
            assert (Path(out) / item["path"]).stat().st_size > 0, item["path"]
        listed = json.loads((Path(out) / "subprocessors.json").read_text(encoding="utf-8"))
        assert [row["name"] for row in listed["subprocessors"]] == [stored(current)["name"]]
