"""axe-core (from the npm registry, pinned) finds no WCAG 2.1 A/AA violation on any
console screen, for an admin (who sees every form), on a desktop and a phone."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import TokenClient, issue_token
from tests.console.conftest import serving
from tests.factories import create_processor, processor_payload
from tests.notify.test_email import free_port

AXE = "axe-core@4.14.1"
PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"
SCREENS = ("/console/sign-in", "/console/processors", "/console/processors/new",
           "/console/processors/{processor}", "/console/changes", "/console/changes/1",
           "/console/objections", "/console/customers", "/console/customers/new",
           "/console/subscriptions", "/console/compliance", "/console/import",
           "/console/documents", "/console/tokens", "/console/audit", "/console/nowhere")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if shutil.which("npm") is None:
        message = "npm is missing: the console is checked with axe-core from the npm registry"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    prefix = Path(tempfile.gettempdir()) / f"registry-{AXE.replace('@', '-')}"
    script = prefix / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund",
                        "--prefix", str(prefix), AXE], check=True, capture_output=True,
                       timeout=300)
    return script.read_text()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "PUBLIC_BASE_URL": BASE}


@pytest.fixture
def server(app):
    with serving(app, PORT) as base:
        yield base


def violations(page, source: str) -> list[str]:
    page.add_script_tag(content=source)
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return result.violations.map(v => v.id + ': ' + v.help + ' — ' +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return found


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900},
                                      {"width": 375, "height": 812}], ids=["desktop", "phone"])
def test_no_screen_has_an_accessibility_violation(app, client, server, browser, axe_source,
                                                  viewport):
    editor = TokenClient(client, issue_token(app, "editor"))
    editor.post("/v1/customers", json={"name": "Harbourline", "contacts": ["dpo@h.example"]})
    processor = create_processor(editor, dpas=[]).get_json()
    editor.post("/v1/processors", json=processor_payload(name="Second", locations=[]))
    admin_secret = issue_token(app, "admin", "Ada (admin)")
    # bypass_csp: only so that the test can inject axe; the pages themselves run no script.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{BASE}/console/sign-in")
    assert violations(page, axe_source) == []
    page.get_by_label("Registry token").fill(admin_secret)
    page.get_by_role("button", name="Sign in").click()
    found = {}
    for screen in SCREENS[1:]:
        page.goto(BASE + screen.format(processor=processor["id"]))
        for details in page.locator("details").all():
            details.evaluate("element => element.open = true")
        problems = violations(page, axe_source)
        if problems:
            found[screen] = problems
    assert found == {}
    context.close()
