"""A browser without a browser: the Flask test client with the console's cookie and the
CSRF token of the page it last read."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Console:
    def __init__(self, client) -> None:
        self.client = client
        self.csrf: str | None = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        response = self.client.post(path, data=form, **kwargs)
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def sign_in(self, secret: str):
        self.get("/console/sign-in")
        response = self.post("/console/sign-in", {"token": secret})
        assert response.status_code == 303, response.get_data(as_text=True)
        # Signing in starts a new session with a new CSRF secret: read a page for it.
        self.get(response.headers["Location"])
        return response


class Forms(HTMLParser):
    """The forms of a page: their actions, methods and field names."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attributes.get("action"),
                               "method": (attributes.get("method") or "get").lower(),
                               "fields": []})
        elif tag in ("input", "select", "textarea", "button") and self.forms and (
                attributes.get("name")):
            self.forms[-1]["fields"].append(attributes["name"])


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


def post_forms(html: str) -> list[str]:
    """The actions of the page's POST forms, except signing out."""
    return [form["action"] for form in forms_of(html)
            if form["method"] == "post" and not form["action"].endswith("/sign-out")]
