"""The embed under a strict Content-Security-Policy, in headless Chromium, and embed.css.

The host page allows nothing inline: scripts, requests and styles only from the registry
(and the page's own stylesheet from its own origin). The embed must render, styled and
themed, without a single CSP violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from werkzeug.wrappers import Request, Response

from registry.i18n.labels import HEADINGS
from registry.i18n.mail import mail_text
from registry.public.embed import STYLESHEET
from tests.public import test_embed_browser as embed_browser

NL = HEADINGS["nl"]
# The fixtures of the other browser test: the live registry, a Chromium page and its log.
registry_url = embed_browser.registry_url
page = embed_browser.page
log = embed_browser.log

HEADER_BG = "rgb(238, 243, 248)"  # #eef3f8, set by the host page's own stylesheet
THEME = "[data-subprocessor-list] { --spl-header-bg: #eef3f8; }\n"
DEFAULT_BORDER = "rgb(208, 215, 222)"  # #d0d7de, embed.css's own default

COLLECT_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push({directive: event.effectiveDirective,
                            blocked: event.blockedURI, sample: event.sample});
});
"""


def strict_csp(registry: str) -> str:
    """The policy of the acceptance criterion (the README's snippet without 'self'
    for scripts and connections, which the README adds for the page's own use)."""
    return (f"default-src 'self'; script-src {registry}; connect-src {registry}; "
            f"style-src 'self' {registry}")


@dataclass
class StrictSite:
    """The customer's website, every page sent with a strict CSP naming the registry."""

    url: str = ""
    csp: str = ""
    pages: dict[str, str] = field(default_factory=dict)

    def page(self, path: str, body: str) -> str:
        self.pages[path] = ('<!doctype html><html lang="nl"><head><meta charset="utf-8">'
                            '<title>Privacy</title><link rel="stylesheet" href="/theme.css">'
                            f"</head><body>{body}</body></html>")
        return self.url + path


@pytest.fixture
def strict_host(registry_url) -> Iterator[StrictSite]:
    site = StrictSite(csp=strict_csp(registry_url))

    @Request.application
    def serve(request: Request) -> Response:
        if request.path == "/favicon.ico":
            return Response(status=204)
        if request.path == "/theme.css":
            return Response(THEME, mimetype="text/css")
        if request.path not in site.pages:
            return Response("not found", status=404)
        return Response(site.pages[request.path], mimetype="text/html",
                        headers={"Content-Security-Policy": site.csp})

    with embed_browser.serving(serve) as url:
        site.url = url
        yield site


def violations(page) -> list[dict]:
    return page.evaluate("() => window.__violations")


def style_of(locator, prop: str) -> str:
    return locator.evaluate(f"node => getComputedStyle(node).{prop}")


def test_the_embed_renders_styled_and_themed_under_a_strict_csp(
        editor, registry_url, strict_host, page, log):
    embed_browser.add_current(editor, name="Acme Cloud", services=["voice"])
    script = f'<script src="{registry_url}/public/embed.js" defer></script>'
    # Included twice, two containers: still one stylesheet link.
    body = (script + '<div id="first" data-subprocessor-list data-lang="nl"></div>'
            + script + '<div id="second" data-subprocessor-list data-lang="nl" '
            'data-service="voice"></div>')
    page.add_init_script(COLLECT_VIOLATIONS)
    css_responses = []
    page.on("response", lambda r: r.url.endswith("/public/embed.css")
            and css_responses.append(r))

    page.goto(strict_host.page("/privacy", body))
    page.wait_for_selector("#first[data-spl-state=ready]")
    page.wait_for_selector("#second[data-spl-state=ready]")

    heading = page.locator("#first table.spl-current thead th").first
    assert heading.inner_text() == NL["name"]
    assert style_of(heading, "fontWeight") == "600"  # embed.css, not the UA's bold
    assert style_of(heading, "borderTopColor") == DEFAULT_BORDER
    assert style_of(heading, "backgroundColor") == HEADER_BG  # the host page's theme
    assert style_of(page.locator("#second .spl-feeds"), "display") == "flex"
    caption = page.locator("#second table.spl-current caption")
    assert style_of(caption, "fontWeight") == "600"

    links = page.locator("link[data-spl-style]")
    assert links.count() == 1
    assert links.get_attribute("href") == f"{registry_url}/public/embed.css"
    assert page.evaluate("() => document.head.contains("
                         "document.querySelector('link[data-spl-style]'))")
    assert page.locator("style").count() == 0
    assert page.locator("[style]").count() == 0
    [stylesheet] = css_responses
    assert stylesheet.status == 200
    assert stylesheet.headers["content-type"] == "text/css; charset=utf-8"

    # The sign-up is a fetch: connect-src covers it, no form-action needed.
    follow = page.locator("#second .spl-follow")
    follow.get_by_label(NL["email"]).fill("privacy@customer.example")
    follow.get_by_role("button", name=NL["subscribe"]).click()
    page.wait_for_selector("#second .spl-follow[data-spl-subscribe=sent]")
    assert follow.get_by_role("status").inner_text() == mail_text("nl", "accepted")

    assert violations(page) == []
    assert log.console_errors == []
    assert log.page_errors == []


def test_the_violation_check_sees_what_the_strict_csp_blocks(
        editor, registry_url, strict_host, page):
    """The check is not blind: the old README's inline `style` attribute on the
    container is refused by the same policy, and shows up as a violation."""
    embed_browser.add_current(editor, name="Acme Cloud")
    body = (f'<script src="{registry_url}/public/embed.js" defer></script>'
            '<div data-subprocessor-list data-lang="nl" '
            'style="--spl-header-bg: rgb(1, 2, 3)"></div>')
    page.add_init_script(COLLECT_VIOLATIONS)

    page.goto(strict_host.page("/inline", body))
    page.wait_for_selector("[data-spl-state=ready]")

    assert [v["directive"] for v in violations(page)] == ["style-src-attr"]
    heading = page.locator("table.spl-current thead th").first
    assert style_of(heading, "backgroundColor") == HEADER_BG  # the blocked value lost


def test_embed_css_is_cacheable_cors_css(client):
    response = client.get("/public/embed.css")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == client.get(
        "/public/embed.js").headers["Cache-Control"]
    assert "Last-Modified" in response.headers
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.get_data() == STYLESHEET.read_bytes()
    assert ".spl-table thead th" in response.get_data(as_text=True)

    again = client.get("/public/embed.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_embed_js_sets_no_inline_styles(client):
    source = client.get("/public/embed.js").get_data(as_text=True)

    assert "embed.css" in source
    for inline in ('createElement("style")', "setAttribute(\"style\"", ".style.",
                   ".cssText", "insertRule", "adoptedStyleSheets"):
        assert inline not in source
