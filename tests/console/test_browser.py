"""The console in a real browser (headless Chromium, no JavaScript of ours needed): an
editor adds a processor with a US location under SCC module 3, reads the preview, saves,
sees it upcoming on the public list, opens the objection a customer files through the
public form, resolves it and signs out. Then: a reader finds no edit forms, a form sent
without its CSRF token writes nothing, and two editors of one processor see the conflict.

Screenshots of three screens go to $REGISTRY_TEST_ARTIFACTS (default test-artifacts/);
docs/console.png in the README is one of them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import issue_token
from tests.console.conftest import serving
from tests.factories import run_worker
from tests.notify.test_email import free_port, inbox, parts, smtp  # noqa: F401

ARTIFACTS = Path(os.environ.get("REGISTRY_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "test-artifacts")
PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def app_config(app_config, smtp):  # noqa: F811 (the fixture imported above)
    return {**app_config, "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "PUBLIC_BASE_URL": BASE}


@pytest.fixture
def server(app):
    with serving(app, PORT) as base:
        yield base


def shot(page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"console-{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 10_000
    return path


def sign_in(context, secret: str):
    page = context.new_page()
    page.goto(f"{BASE}/console/sign-in")
    page.get_by_label("Registry token").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{BASE}/console/processors")
    return page


def api(client, secret):
    from tests.conftest import TokenClient

    return TokenClient(client, secret)


def test_an_editor_adds_a_processor_and_resolves_the_objection_to_it(
        app, client, server, browser, inbox):  # noqa: F811
    editor_secret = issue_token(app, "editor", "Alex (legal)")
    made = api(client, editor_secret).post("/v1/customers", json={
        "name": "Harbourline Logistics", "contacts": ["dpo@harbour.example"],
        "notice_days": 45})
    assert made.status_code == 201, made.get_json()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = sign_in(context, editor_secret)
    assert editor_secret not in page.content()

    page.get_by_role("link", name="New processor").click()
    page.get_by_label("Name (required)").fill("Northwind Analytics")
    page.get_by_label("Country of establishment (required)").fill("US")
    page.get_by_label("Purpose (English)").fill("Product analytics")
    page.get_by_label("Services").fill("voice")
    location = page.get_by_role("group", name="A location (optional)")
    location.get_by_label("Country (ISO code)").fill("US")
    location.get_by_label("Role").select_option("processing")
    first = location.get_by_role("group", name="Safeguard 1")
    first.get_by_label("Safeguard", exact=True).select_option("scc")
    first.get_by_label("SCC module").select_option("3")
    first.get_by_label("SCC version").select_option("2021/914")
    page.get_by_role("button", name="Preview the announcement").click()

    preview = page.get_by_role("region", name="What saving will do")
    text = preview.inner_text()
    assert "45 day(s)" in text                       # Harbourline's contracted notice
    assert "Customers it concerns: 1: Harbourline Logistics" in text
    assert "who will be told: 1" in text
    assert "UTC" in text
    shot(page, "preview", full_page=False)  # docs/console.png, in the README
    page.get_by_role("button", name="Save and announce").click()
    page.wait_for_url(re.compile(r"/console/processors/[0-9a-f-]+$"))
    assert "The processor was created." in page.inner_text("main")
    assert "Standard contractual clauses (Module 3: processor to processor)" in page.inner_text(
        "#locations")
    shot(page, "processor")

    public = context.new_page()
    public.goto(f"{BASE}/public/subprocessors.html")
    assert "Northwind Analytics" not in public.inner_text("table.subprocessors")
    assert "Northwind Analytics" in public.inner_text("table.subprocessor-changes")

    # The customer's contact gets the notice by e-mail, with its own objection link.
    assert run_worker(app) >= 1
    mail = next(m for m in inbox.take() if m["To"] == "dpo@harbour.example")
    link = re.search(rf"{re.escape(BASE)}/public/objections/new\?token=[\w.-]+", parts(mail)[0])
    customer = browser.new_context().new_page()
    customer.goto(link.group(0))
    customer.get_by_label("Reason").fill("Our DPA forbids US processing for analytics.")
    customer.get_by_role("button", name="Send").click()
    assert "Objection received" in customer.inner_text("body")

    page.get_by_role("link", name="Objections", exact=True).click()
    queue = page.inner_text("main")
    assert "Northwind Analytics" in queue and "Harbourline Logistics" in queue
    shot(page, "objections")
    page.get_by_role("link", name="Harbourline Logistics").first.click()
    page.get_by_label("Status").select_option("resolved")
    page.get_by_label("Outcome").select_option("objection_rejected")
    page.get_by_label("Note to the sender").fill(
        "Analytics runs on pseudonymised data; see the TIA.")
    page.get_by_role("button", name="Save the triage").click()
    assert "objection rejected" in page.inner_text("main")
    objections = api(client, editor_secret).get("/v1/objections").get_json()
    assert [o["status"] for o in objections] == ["resolved"]

    page.get_by_role("button", name="Sign out").click()
    assert "You are signed out" in page.inner_text("main")
    page.goto(f"{BASE}/console/processors")
    assert "/console/sign-in" in page.url
    context.close()


def test_a_reader_finds_no_edit_forms(app, client, server, browser):
    editor = api(client, issue_token(app, "editor"))
    from tests.factories import create_processor

    processor = create_processor(editor).get_json()
    context = browser.new_context(viewport=PHONE)
    page = sign_in(context, issue_token(app, "reader", "Robin (audit)"))
    for path in ("/console/processors", f"/console/processors/{processor['id']}",
                 "/console/changes", "/console/compliance", "/console/documents"):
        page.goto(f"{BASE}{path}")
        posting = page.locator("form[method=post]:not([action$='/sign-out'])")
        assert posting.count() == 0, path
        # Readable on a phone: nothing but the tables' own scroll areas is wider than it.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    assert page.get_by_role("link", name="New processor").count() == 0
    context.close()


def test_a_form_without_its_csrf_token_writes_nothing(app, client, server, browser):
    secret = issue_token(app, "editor")
    editor = api(client, secret)
    from tests.factories import create_processor

    processor = create_processor(editor).get_json()
    context = browser.new_context()
    page = sign_in(context, secret)
    page.goto(f"{BASE}/console/processors/{processor['id']}")
    page.get_by_text("Edit the identity, purpose and status").click()
    form = page.locator(f"form[action='/console/processors/{processor['id']}']")
    form.get_by_label("Name (required)").fill("Renamed without CSRF")
    form.locator("input[name=csrf_token]").evaluate("input => input.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.get_by_role("button", name="Save").click()
    assert answer.value.status == 400
    assert "Nothing was saved" in page.inner_text("main")
    assert editor.get(f"/v1/processors/{processor['id']}").get_json()["name"] == "Acme Cloud"
    context.close()


def test_two_editors_of_one_processor_the_second_sees_the_conflict(app, client, server, browser):
    editor = api(client, issue_token(app, "editor"))
    from tests.factories import create_processor

    processor = create_processor(editor).get_json()
    path = f"{BASE}/console/processors/{processor['id']}"
    pages = []
    for name in ("Alex (legal)", "Sam (legal)"):
        page = sign_in(browser.new_context(), issue_token(app, "editor", name))
        page.goto(path)
        page.get_by_text("Edit the identity, purpose and status").click()
        pages.append(page)
    for page, purpose in zip(pages, ("Hosting, by Alex", "Hosting, by Sam"), strict=True):
        form = page.locator(f"form[action='/console/processors/{processor['id']}']")
        form.get_by_label("Purpose (English)").fill(purpose)
        form.get_by_role("button", name="Save").click()
    assert "Saved." in pages[0].inner_text("main")
    clash = pages[1].inner_text("main")
    assert "changed by Alex (legal) at" in clash and "since you opened it" in clash
    assert pages[1].get_by_role("link", name="Reload the current version").count() == 1
    assert editor.get(f"/v1/processors/{processor['id']}").get_json()["purpose"]["en"] == (
        "Hosting, by Alex")
