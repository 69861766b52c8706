"""The public change log and its Atom, RSS and JSON feeds."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from sqlalchemy import select

from registry import db
from registry.changes.models import ChangeEvent
from registry.public.cache import RenderCache
from tests.factories import create_processor

FEEDS = ("/public/feed.atom", "/public/feed.rss", "/public/feed.json")
BASE = "http://127.0.0.1:8000"  # PUBLIC_BASE_URL's default



KINDS = {"processor.added": "added", "processor.removed": "removed"}


def day_or_moment(value: str) -> str:
    moment = datetime.fromisoformat(value)
    return (moment.strftime("%Y-%m-%d") if moment.time() == datetime.min.time()
            else moment.strftime("%Y-%m-%d %H:%M UTC"))


def entry_text(change: dict, withdrawal: str | None = None) -> str:
    """A feed entry's text, which adds to its title (the summary) rather than repeating
    it: a withdrawal's summary, what kind of change and from when, then what a reader
    needs to decide, one line each: the processor's facts, every location with the
    ground its transfer relies on, and until when (and where) to object."""
    processor = change["processor"]
    lines = [withdrawal] if withdrawal else []
    lines += [f"Change: {KINDS[change['type']]}",
              f"Effective: {day_or_moment(change['effective_at'])}"]
    if processor:
        def shown(value):
            return ", ".join(value) if isinstance(value, list) else value or "none"
        lines += [f"Legal entity: {shown(processor['legal_name'])}",
                  f"Established in: {shown(processor['country_name'])}",
                  f"Website: {shown(processor['website'])}",
                  f"Purpose: {shown(processor['purpose'])}",
                  f"Services: {shown(processor['services'])}",
                  f"Data categories: {shown(processor['data_categories'])}",
                  f"Data subjects: {shown(processor['data_subjects'])}"]
        if processor["locations"]:
            lines.append("Processing locations: " + "; ".join(
                f"{location['country_name']} — {location['role_label']} — "
                f"{location['transfer_basis_label']}" for location in processor["locations"]))
    if change["objection_deadline"]:
        lines.append(f"Object to this change (possible until "
                     f"{change['objection_deadline'][:10]} {change['objection_deadline'][11:16]} "
                     f"UTC): {change['objection_url']}")
    return "\n".join(lines)


def patch_processor(editor, processor_id: str, **changes):
    url = f"/v1/processors/{processor_id}"
    response = editor.patch(url, json=changes, headers={"If-Match": editor.get(url).headers["ETag"]})
    assert response.status_code == 200, response.get_json()
    return response


@pytest.fixture
def history(editor) -> dict[str, str]:
    """Two processors added (30 days' notice), one retired, one editorial fix."""
    acme = create_processor(editor, name="Acme Cloud").get_json()["id"]
    beta = create_processor(editor, name="Beta Mail").get_json()["id"]
    patch_processor(editor, beta, status="retired")
    patch_processor(editor, acme, purpose={"en": "Hosting of the whole service"}, minor=True)
    return {"acme": acme, "beta": beta}


def all_changes(client, **params) -> list[dict]:
    response = client.get("/public/changes", query_string={"limit": 200, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["changes"]


def notified(client) -> list[dict]:
    return [change for change in all_changes(client) if not change["minor"]]


@pytest.mark.parametrize("path", ["/public/feed.atom", "/public/feed.rss"])
def test_xml_feeds_are_valid_and_list_the_notified_changes(client, history, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.mimetype == ("application/atom+xml" if path.endswith("atom")
                                 else "application/rss+xml")
    feed = feedparser.parse(response.data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.title == "Example AI Ltd: Subprocessors"
    changes = notified(client)
    assert [c["type"] for c in changes] == [
        "processor.removed", "processor.added", "processor.added"]
    assert len(feed.entries) == len(changes)
    for entry, change in zip(feed.entries, changes, strict=True):
        assert change["processor_name"] in entry.title
        # The link is the page for people; the id stays the change's permanent one.
        assert entry.link == f"{BASE}/public/changes/{change['seq']}.html"
        assert entry.id == f"{BASE}/public/changes/{change['seq']}"
        assert change["effective_at"][:10] in entry.summary
        # RSS readers take a description as HTML: "&" arrives as "&amp;" and means "&".
        summary = html.unescape(entry.summary) if path.endswith("rss") else entry.summary
        assert summary == entry_text(change)
        assert change["summary"] not in summary  # the title, not repeated
    assert "Effective: " in feed.entries[-1].summary
    assert "United States — hosting — Standard contractual clauses (module 3)" in (
        feed.entries[-1].summary)
    assert "/public/objections/new?change=" in feed.entries[-1].summary


def test_feeds_in_dutch(client, history):
    atom = feedparser.parse(client.get("/public/feed.atom?lang=nl").data)
    assert atom.bozo == 0
    assert atom.feed.title == "Example AI Ltd: Subverwerkers"
    assert atom.feed.links[0].href == f"{BASE}/public/feed.atom?lang=nl"
    assert all("met ingang van" in entry.title for entry in atom.entries)
    assert all("\nIngangsdatum: " in entry.summary for entry in atom.entries)
    assert atom.feed.link == f"{BASE}/public/subprocessors.html?lang=nl"
    assert all(entry.link.endswith(".html?lang=nl") for entry in atom.entries)

    rss = feedparser.parse(client.get("/public/feed.rss?lang=nl").data)
    assert rss.feed.language == "nl"
    assert rss.entries[-1].title.startswith("Acme Cloud wordt toegevoegd als subverwerker")

    json_feed = client.get("/public/feed.json?lang=nl").get_json()
    assert json_feed["language"] == "nl"
    assert "Ingangsdatum: " in json_feed["items"][0]["content_text"]
    assert json_feed["home_page_url"] == f"{BASE}/public/subprocessors.html?lang=nl"
    assert all_changes(client, lang="nl")[1]["summary"].startswith("Beta Mail is geen subverwerker")


def test_json_feed_follows_version_1_1(client, history):
    response = client.get("/public/feed.json")

    assert response.status_code == 200
    assert response.mimetype == "application/feed+json"
    feed = response.get_json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Example AI Ltd: Subprocessors"
    assert feed["home_page_url"] == f"{BASE}/public/subprocessors.html?lang=en"
    assert feed["feed_url"] == f"{BASE}/public/feed.json"
    changes = notified(client)
    assert len(feed["items"]) == len(changes)
    for item, change in zip(feed["items"], changes, strict=True):
        assert item["id"] == f"{BASE}/public/changes/{change['seq']}"
        assert item["url"] == f"{BASE}/public/changes/{change['seq']}.html"
        assert change["processor_name"] in item["title"]
        assert change["effective_at"][:10] in item["content_text"]
        assert datetime.fromisoformat(item["date_published"]).tzinfo is not None
        assert "date_modified" not in item
        assert item["tags"] == [change["type"]]


def test_minor_change_is_logged_but_not_notified(client, history):
    minor = all_changes(client)[0]
    assert minor["minor"] is True
    assert minor["type"] == "processor.updated"
    assert minor["changes"] == [{"field": "purpose",
                                 "before": {"en": "Hosting of the service",
                                            "nl": "Hosting van de dienst"},
                                 "after": {"en": "Hosting of the whole service"}}]
    link = f"{BASE}/public/changes/{minor['seq']}"
    assert minor["link"] == link
    for path in FEEDS:
        body = client.get(path).get_data(as_text=True)
        assert link not in body
        assert "whole service" not in body


def test_changes_are_paged_newest_first_by_cursor(client, history):
    everything = [c["seq"] for c in all_changes(client)]
    assert everything == sorted(everything, reverse=True)
    assert len(everything) == 4

    seen, url = [], "/public/changes?limit=3&lang=de"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_json()
        seen += [c["seq"] for c in page["changes"]]
        assert all("mit Wirkung zum" in c["summary"] for c in page["changes"]
                   if c["type"] != "processor.updated")
        if page["next_cursor"] is None:
            assert "Link" not in response.headers
            url = None
        else:
            assert page["next_cursor"] == page["changes"][-1]["seq"]
            link = response.headers["Link"]
            assert link.endswith('>; rel="next"')
            assert f"cursor={page['next_cursor']}" in link and "lang=de" in link
            assert link.startswith(f"<{BASE}/public/changes?")
            url = link[1:link.index(">")]
    assert seen == everything

    last = client.get(f"/public/changes?cursor={everything[-1]}").get_json()
    assert last == {"changes": [], "next_cursor": None}


def test_one_change_and_a_missing_one(client, history):
    listed = all_changes(client, lang="sv")[1]
    response = client.get(f"/public/changes/{listed['seq']}?lang=sv")
    assert response.status_code == 200
    assert response.get_json() == listed

    for missing_seq in (999, 2**31, 10**30):
        missing = client.get(f"/public/changes/{missing_seq}")
        assert missing.status_code == 404
        assert missing.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", [
    "/public/changes?limit=0", "/public/changes?limit=201", "/public/changes?cursor=abc",
    "/public/changes?cursor=0", f"/public/changes?cursor={2**31}", "/public/changes?lang=xx", "/public/changes?page=2&x=1",
    "/public/changes/1?limit=5", "/public/feed.atom?lang=es", "/public/feed.rss?cursor=1",
    "/public/feed.json?lang=",
])
def test_bad_queries_are_422_problems(client, query):
    response = client.get(query)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"]


def test_internal_facts_never_appear_in_public(client, editor, app, history):
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    create_processor(editor, name="Gamma Support", effective_at=soon,
                     notice_override_reason="internal reason xyz")
    with app.app_context():
        reasons = db.session.scalars(select(ChangeEvent.notice_override_reason)).all()
    assert "internal reason xyz" in reasons

    seqs = [c["seq"] for c in all_changes(client)]
    paths = ["/public/changes", *(f"/public/changes/{seq}" for seq in seqs), *FEEDS]
    for path in paths:
        for lang in ("en", "nl", "sv", "de", "fr"):
            response = client.get(path, query_string={"lang": lang})
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert "internal reason xyz" not in body, path
            assert "notice_override_reason" not in body, path
            assert "internal only" not in body, path  # the processor's notes


def test_withdrawn_change_is_marked_and_updated_in_feeds(client, editor):
    create_processor(editor, name="Delta Analytics")
    added = all_changes(client)[0]
    withdrawn = editor.post(f"/v1/changes/{added['seq']}/withdraw", json={})
    assert withdrawn.status_code == 201, withdrawn.get_json()

    withdrawal, original = all_changes(client)
    assert original["withdrawn"] is True
    assert original["withdrawn_by"] == withdrawal["seq"]
    assert withdrawal["type"] == "change.withdrawn"
    assert withdrawal["withdraws"] == original["seq"]
    assert withdrawal["withdrawn"] is False

    atom = feedparser.parse(client.get("/public/feed.atom").data)
    entry = atom.entries[1]
    assert entry.updated != entry.published
    assert entry.updated == atom.feed.updated
    assert entry.summary == entry_text(original, withdrawal["summary"])
    item = client.get("/public/feed.json").get_json()["items"][1]
    assert item["date_modified"] == withdrawal["announced_at"]


@pytest.mark.parametrize("path", [*FEEDS, "/public/changes", "/public/changes/1"])
def test_conditional_requests_cors_and_stable_etags(client, editor, app, history, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Cache-Control"].startswith("public")
    assert first.headers["Last-Modified"]
    etag = first.headers["ETag"]

    repeat = client.get(path, headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert repeat.headers["ETag"] == etag

    # Another process renders the same bytes: the ETag depends on the events only.
    app.extensions["registry.public_cache"] = RenderCache()
    assert client.get(path).headers["ETag"] == etag

    create_processor(editor, name="Epsilon Pay")
    after = client.get(path, headers={"If-None-Match": etag})
    if path == "/public/changes/1":
        assert after.status_code == 304  # change 1 itself did not change
    else:
        assert after.status_code == 200
        assert after.headers["ETag"] != etag
        assert "Epsilon Pay" in after.get_data(as_text=True)


@pytest.mark.parametrize("path", FEEDS)
def test_empty_feeds_are_valid(client, path):
    response = client.get(path)
    assert response.status_code == 200
    if path.endswith("json"):
        assert response.get_json()["items"] == []
    else:
        feed = feedparser.parse(response.data)
        assert feed.bozo == 0
        assert feed.entries == []
