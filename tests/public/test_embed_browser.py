"""embed.js in headless Chromium: a host page on another origin renders the live list."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from registry import db
from registry.i18n.labels import CHANGES, HEADINGS, ROLES
from registry.i18n.mail import mail_text
from registry.notify.models import Delivery, Subscription
from registry.notify.vocabularies import DeliveryPurpose, SubscriptionKind, SubscriptionStatus
from registry.public.embed import SCRIPT, STYLESHEET
from tests.factories import create_processor, location_payload

XSS_NAME = "<img src=x onerror=alert(1)>"
NL = HEADINGS["nl"]


@contextmanager
def serving(wsgi_app) -> Iterator[str]:
    """`wsgi_app` on a real HTTP server on a free loopback port, for the block's duration."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class HostSite:
    """The customer's website: static pages on an origin of its own."""

    url: str
    pages: dict[str, str] = field(default_factory=dict)

    def page(self, path: str, body: str) -> str:
        self.pages[path] = f'<!doctype html><html lang="nl"><head><meta charset="utf-8">' \
                           f"<title>Privacy</title></head><body>{body}</body></html>"
        return self.url + path


@pytest.fixture(scope="module")
def host() -> Iterator[HostSite]:
    site = HostSite(url="")

    @Request.application
    def serve(request: Request) -> Response:
        if request.path == "/favicon.ico":
            return Response(status=204)
        if request.path not in site.pages:
            return Response("not found", status=404)
        return Response(site.pages[request.path], mimetype="text/html")

    with serving(serve) as url:
        site.url = url
        yield site


@pytest.fixture
def registry_url(app) -> Iterator[str]:
    """The real app on a real HTTP server (another origin than the host page), with its
    PUBLIC_BASE_URL set to where it serves, as in production."""
    with serving(app) as url:
        app.config["SETTINGS"] = replace(app.config["SETTINGS"], PUBLIC_BASE_URL=url)
        yield url


@dataclass
class PageLog:
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


@pytest.fixture
def log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser, log: PageLog):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_dialog(dialog) -> None:
        log.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))
    yield page
    context.close()


def container(registry_url: str, **data: str) -> str:
    attributes = "".join(f' data-{name}="{value}"' for name, value in data.items())
    return (f'<script src="{registry_url}/public/embed.js" defer></script>'
            f"<div data-subprocessor-list{attributes}></div>")


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def add_current(editor, **overrides) -> dict:
    return create_processor(editor, effective_at=now_iso(), notice_override_reason="test",
                            **overrides).get_json()


def texts(locator) -> list[str]:
    return [text.strip() for text in locator.all_inner_texts()]


def row_named(table, name: str):
    return table.locator("tbody tr").filter(
        has=table.page.locator(".spl-name").get_by_text(name, exact=True))


def test_embed_renders_the_dutch_list_from_another_origin_without_running_data(
        editor, client, registry_url, host, page, log):
    add_current(editor, name=XSS_NAME, legal_name="Evil Corp B.V.", country="IE",
                services=["voice"], website="https://evil.example",
                locations=[location_payload(country="US", role="hosting")])
    create_processor(editor, name="Nordic Speech AB", country="SE", services=["voice"],
                     locations=[location_payload(country="SE", role="processing",
                                                 safeguards=[], tia=None)])
    expected = client.get("/public/subprocessors?lang=nl").get_json()
    assert [row["name"] for row in expected["upcoming"]] == ["Nordic Speech AB"]
    list_responses = []
    page.on("response", lambda r: "/public/subprocessors" in r.url and list_responses.append(r))
    url = host.page("/privacy", container(registry_url, lang="nl"))

    page.goto(url)
    page.wait_for_selector("[data-subprocessor-list][data-spl-state=ready]")

    current = page.locator("table.spl-current")
    assert current.locator("caption").inner_text() == NL["title"]
    assert texts(current.locator("thead th")) == [
        NL["name"], NL["country"], NL["purpose"], NL["locations"], NL["since"]]
    row = row_named(current, XSS_NAME)
    assert row.count() == 1
    cells = row.locator("td")
    assert cells.nth(0).locator(".spl-name").inner_text() == XSS_NAME
    assert cells.nth(0).locator(".spl-legal").inner_text() == "Evil Corp B.V."
    assert cells.nth(0).locator("a").get_attribute("href") == "https://evil.example/"
    assert cells.nth(1).inner_text() == "Ierland"
    assert cells.nth(2).inner_text() == "Hosting van de dienst"
    location = cells.nth(3).locator("li")
    assert location.count() == 1
    assert "Verenigde Staten" in location.inner_text()
    assert location.locator(".spl-detail").inner_text() == (
        f"{ROLES['nl']['hosting']} · Standaardcontractbepalingen (module 3)")
    assert cells.nth(4).locator("time").get_attribute("datetime") == (
        expected["subprocessors"][0]["since"])

    upcoming = page.locator("table.spl-upcoming")
    assert upcoming.locator("caption").inner_text() == NL["upcoming"]
    assert texts(upcoming.locator("thead th")) == [
        NL["name"], NL["change"], NL["country"], NL["purpose"], NL["locations"],
        NL["effective_at"], NL["objection_deadline"]]
    announced = row_named(upcoming, "Nordic Speech AB").locator("td")
    assert announced.nth(1).inner_text() == CHANGES["nl"]["processor.added"]
    assert announced.nth(2).inner_text() == "Zweden"
    assert announced.nth(3).inner_text() == "Hosting van de dienst"
    assert announced.nth(4).locator(".spl-detail").inner_text() == (
        f"{ROLES['nl']['processing']} · Geen doorgifte")
    assert announced.nth(5).locator("time").get_attribute("datetime") == (
        expected["upcoming"][0]["effective_at"])
    assert announced.nth(6).locator("time").get_attribute("datetime") == (
        expected["upcoming"][0]["objection_deadline"])
    objection = announced.nth(6).locator("a.spl-object")
    assert objection.inner_text() == NL["object"]
    assert objection.get_attribute("href") == expected["upcoming"][0]["objection_url"]
    assert row_named(current, "Nordic Speech AB").count() == 0

    assert page.locator("img").count() == 0
    assert page.locator("style").count() == 0
    assert page.locator("link[data-spl-style]").get_attribute("href") == (
        f"{registry_url}/public/embed.css")
    assert log.dialogs == []
    assert log.console_errors == []
    assert log.page_errors == []
    # The list came cross-origin (CORS), not from the host page's own server.
    [response] = list_responses
    assert response.url.startswith(registry_url + "/public/subprocessors?")
    assert "lang=nl" in response.url
    assert not url.startswith(registry_url)
    assert response.headers["access-control-allow-origin"] == "*"


def test_data_service_filters_and_late_containers_render_on_request(
        editor, registry_url, host, page, log):
    add_current(editor, name="Voice Cloud", services=["voice"])
    add_current(editor, name="Text Only BV", services=["text"])
    url = host.page("/text", container(registry_url, lang="nl", service="text"))

    page.goto(url)
    page.wait_for_selector("[data-spl-state=ready]")
    names = texts(page.locator("table.spl-current .spl-name"))
    assert names == ["Text Only BV"]
    assert page.locator("table.spl-upcoming").count() == 0

    shown = page.evaluate("""() => {
        const late = document.createElement("div");
        late.id = "late";
        late.setAttribute("data-subprocessor-list", "");
        late.setAttribute("data-lang", "nl");
        late.setAttribute("data-service", "voice");
        document.body.appendChild(late);
        return window.SubprocessorList.render(late);
    }""")
    assert shown is True
    assert texts(page.locator("#late .spl-name")) == ["Voice Cloud"]
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert log.console_errors == [] and log.page_errors == []


def test_the_embed_ends_with_a_sign_up_that_reaches_the_registry(
        app, editor, registry_url, host, page, log):
    add_current(editor, name="Voice Cloud", services=["voice"])
    create_processor(editor, name="Nordic Speech AB", country="SE", services=["voice"],
                     purpose={"en": "Speech recognition", "nl": "Spraakherkenning"})
    sign_ups = []
    page.on("request", lambda r: r.method == "POST" and sign_ups.append(r))
    page.goto(host.page("/follow", container(registry_url, lang="nl", service="voice")))
    page.wait_for_selector("[data-spl-state=ready]")

    announced = row_named(page.locator("table.spl-upcoming"), "Nordic Speech AB").locator("td")
    assert texts(announced)[2:4] == ["Zweden", "Spraakherkenning"]
    follow = page.locator(".spl-follow")
    assert follow.locator(".spl-follow-title").inner_text() == NL["follow"]
    feeds = follow.locator(".spl-feeds a")
    assert texts(feeds) == ["Atom", "RSS", "JSON Feed"]
    assert [feeds.nth(i).get_attribute("href") for i in range(3)] == [
        f"{registry_url}/public/feed.{fmt}?lang=nl" for fmt in ("atom", "rss", "json")]
    address = follow.get_by_label(NL["email"])
    assert address.get_attribute("type") == "email"
    address.fill("privacy@customer.example")
    follow.get_by_role("button", name=NL["subscribe"]).click()
    page.wait_for_selector(".spl-follow[data-spl-subscribe=sent]")

    assert follow.get_by_role("status").inner_text() == mail_text("nl", "accepted")
    assert address.input_value() == ""
    [sign_up] = sign_ups
    assert sign_up.url == f"{registry_url}/public/subscriptions"
    assert sign_up.headers["content-type"] == "application/json"
    assert sign_up.post_data_json == {"email": "privacy@customer.example", "lang": "nl",
                                      "services": ["voice"]}
    with app.app_context():
        subscription = db.session.scalar(select(Subscription).where(
            Subscription.kind == SubscriptionKind.EMAIL,
            Subscription.email == "privacy@customer.example"))
        assert subscription is not None
        assert (subscription.status, subscription.lang, subscription.services) == (
            SubscriptionStatus.PENDING, "nl", ["voice"])
        confirmations = db.session.scalars(select(Delivery).where(
            Delivery.subscription_id == subscription.id,
            Delivery.purpose == DeliveryPurpose.CONFIRMATION)).all()
        assert len(confirmations) == 1
    assert log.console_errors == [] and log.page_errors == []


@pytest.mark.parametrize("status", [429, 500])
def test_a_refused_sign_up_says_so_in_the_lists_language(
        editor, registry_url, host, page, log, status):
    add_current(editor, name="Voice Cloud")
    page.route(f"{registry_url}/public/subscriptions", lambda route: route.fulfill(
        status=status, content_type="application/problem+json",
        headers={"access-control-allow-origin": "*", "retry-after": "60"},
        body=json.dumps({"title": "Too Many Requests", "status": status})))
    page.goto(host.page("/refused", container(registry_url, lang="de")))
    page.wait_for_selector("[data-spl-state=ready]")

    follow = page.locator(".spl-follow")
    follow.get_by_label(HEADINGS["de"]["email"]).fill("privacy@customer.example")
    follow.get_by_role("button", name=HEADINGS["de"]["subscribe"]).click()
    page.wait_for_selector(".spl-follow[data-spl-subscribe=failed]")

    assert follow.get_by_role("status").inner_text() == HEADINGS["de"]["subscribe_failed"]
    assert follow.get_by_label(HEADINGS["de"]["email"]).input_value() == (
        "privacy@customer.example")
    assert follow.get_by_role("button").is_enabled()
    assert log.page_errors == []


def test_data_subscribe_false_leaves_the_follow_part_out(editor, registry_url, host, page):
    add_current(editor, name="Acme Cloud")
    create_processor(editor, name="Nordic Speech AB", country="SE")
    body = (container(registry_url, lang="nl", subscribe="false")
            + '<div id="other" data-subprocessor-list data-lang="nl"></div>')
    page.goto(host.page("/quiet", body))
    page.wait_for_selector("#other[data-spl-state=ready]")
    page.wait_for_selector("[data-subscribe][data-spl-state=ready]")

    quiet = page.locator("[data-subscribe=false]")
    assert quiet.locator("table.spl-upcoming").count() == 1
    assert quiet.locator(".spl-upcoming a.spl-object").count() == 1
    assert quiet.locator(".spl-follow, form, .spl-feeds").count() == 0
    assert page.locator("#other .spl-follow form").count() == 1


def test_theming_by_custom_properties_on_the_container(editor, registry_url, host, page):
    add_current(editor, name="Acme Cloud")
    body = ("<style>[data-subprocessor-list] { --spl-header-bg: rgb(1, 2, 3); "
            "--spl-border: rgb(4, 5, 6); }</style>" + container(registry_url, lang="nl"))
    page.goto(host.page("/themed", body))
    page.wait_for_selector("[data-spl-state=ready]")

    heading = page.locator("table.spl-current thead th").first
    assert heading.evaluate("th => getComputedStyle(th).backgroundColor") == "rgb(1, 2, 3)"
    assert heading.evaluate("th => getComputedStyle(th).borderTopColor") == "rgb(4, 5, 6)"


def test_a_failed_fetch_shows_a_message_and_leaves_the_page_alone(registry_url, host, page,
                                                                   log):
    body = ('<p id="kept">Onze privacyverklaring</p>'
            + container(registry_url, lang="nl", regime="XX"))
    page.goto(host.page("/broken", body))
    page.wait_for_selector("[data-spl-state=failed]")

    assert page.locator(".spl-error").inner_text() == (
        "De lijst van subverwerkers kon niet worden geladen.")
    assert page.locator("table").count() == 0
    assert page.locator("#kept").inner_text() == "Onze privacyverklaring"
    assert log.page_errors == []


def test_unsafe_data_the_api_would_refuse_is_still_rendered_inert(browser):
    """Defence in depth: even a list the API's validation never lets through
    (a javascript: website, markup in every field) renders as plain text."""
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    document = {
        "lang": "nl", "labels": {**NL, "title": hostile},
        "subprocessors": [{"name": hostile, "legal_name": hostile, "website": "javascript:alert(3)",
                           "country": {"code": "US", "name": hostile}, "purpose": hostile,
                           "since": hostile, "locations": [{"country": {"name": hostile},
                                                            "role_label": hostile,
                                                            "adequacy_label": hostile}]}],
        "upcoming": [{"name": hostile, "website": " https://ok.example", "change_label": hostile,
                      "country": {"code": "US", "name": hostile}, "purpose": hostile,
                      "locations": [{"country": {"name": hostile}, "role_label": hostile,
                                     "transfer_basis_label": hostile}],
                      "effective_at": hostile, "objection_deadline": hostile},
                     {"name": "Off-site", "objection_url": "https://evil.example/public/x",
                      "effective_at": hostile, "objection_deadline": hostile},
                     {"name": "Script", "objection_url": "javascript:alert(4)",
                      "effective_at": hostile, "objection_deadline": hostile}],
    }
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.route("http://registry.test/public/embed.js",
               fulfil(SCRIPT.read_bytes(), "text/javascript"))
    page.route("http://registry.test/public/embed.css",
               fulfil(STYLESHEET.read_bytes(), "text/css"))
    page.route("http://registry.test/public/subprocessors?lang=nl",
               fulfil(json.dumps(document), "application/json",
                      **{"access-control-allow-origin": "*"}))
    page.route("http://site.test/", fulfil(
        '<!doctype html><script src="http://registry.test/public/embed.js" defer></script>'
        '<div data-subprocessor-list data-lang="nl"></div>', "text/html"))
    try:
        page.goto("http://site.test/")
        page.wait_for_selector("[data-spl-state=ready]")
        assert page.locator("caption").first.inner_text() == hostile
        assert page.locator(".spl-name").first.inner_text() == hostile
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 1  # only the embed's own tag
        # The https website, not javascript:, and no objection link off the registry.
        assert page.locator(".spl-table a").count() == 1
        assert page.locator(".spl-table a").get_attribute("href") == "https://ok.example/"
        feeds = page.locator(".spl-feeds a")
        assert [feeds.nth(i).get_attribute("href") for i in range(feeds.count())] == [
            f"http://registry.test/public/feed.{fmt}?lang=nl" for fmt in ("atom", "rss", "json")]
        page.wait_for_timeout(100)
        assert dialogs == []
    finally:
        context.close()


def fulfil(body: str | bytes, kind: str, **headers: str) -> Callable:
    """A route handler answering with `body` (requests that never reach a network)."""
    return lambda route: route.fulfill(status=200, body=body,
                                       headers={"content-type": kind, **headers})


def test_embed_js_is_cacheable_cors_javascript_without_html_sinks(client):
    response = client.get("/public/embed.js")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert etag.startswith('"')
    source = response.get_data(as_text=True)
    assert "document.currentScript" in source
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source

    again = client.get("/public/embed.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"
