"""The JSON list over HTTP: caching, CORS, languages, services, and the static export."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from registry.cli import main
from tests.factories import location_payload, processor_payload


def make_current(editor, **overrides) -> dict:
    response = editor.post("/v1/processors", json=processor_payload(
        effective_at=datetime.now(UTC).isoformat(), notice_override_reason="test", **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_repeat_with_etag_is_304_and_a_change_gives_a_new_etag(editor, client):
    acme = make_current(editor, name="Acme")
    first = client.get("/public/subprocessors")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert not etag.startswith("W/")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert "stale-while-revalidate=" in first.headers["Cache-Control"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert first.headers["Last-Modified"]

    again = client.get("/public/subprocessors", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/public/subprocessors",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304

    url = f"/v1/processors/{acme['id']}"
    assert editor.patch(url, json={"purpose": {"en": "Changed"}},
                        headers={"If-Match": editor.get(url).headers["ETag"]}).status_code == 200
    changed = client.get("/public/subprocessors", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.get_json()["subprocessors"][0]["purpose"] == "Changed"


def test_identical_requests_give_identical_bytes_across_processes(app, editor, client):
    make_current(editor, name="Acme")
    first = client.get("/public/subprocessors?lang=de")
    # Another process has its own cache: simulate it with a fresh one.
    from registry.public.cache import RenderCache

    app.extensions["registry.public_cache"] = RenderCache()
    second = client.get("/public/subprocessors?lang=de")
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]


def test_language_from_accept_language_varies(editor, client):
    make_current(editor, name="Acme", locations=[location_payload(country="DE")])
    response = client.get("/public/subprocessors", headers={"Accept-Language": "sv, en;q=0.5"})
    body = response.get_json()
    assert body["lang"] == "sv"
    assert body["subprocessors"][0]["locations"][0]["country"]["name"] == "Tyskland"
    assert "Accept-Language" in response.headers["Vary"]
    explicit = client.get("/public/subprocessors?lang=fr")
    assert explicit.get_json()["subprocessors"][0]["country"]["name"] == "Irlande"
    assert "Vary" not in explicit.headers or "Accept-Language" not in explicit.headers["Vary"]


def test_purpose_falls_back_to_english_and_service_filters(editor, client):
    make_current(editor, name="Voice Only", services=["voice"], purpose={"en": "Speech"})
    make_current(editor, name="Mail Only", services=["mail"], purpose={"en": "Mail",
                                                                      "sv": "E-post"})
    rows = client.get("/public/subprocessors?lang=sv").get_json()["subprocessors"]
    assert {r["name"]: r["purpose"] for r in rows} == {"Voice Only": "Speech",
                                                       "Mail Only": "E-post"}
    voice = client.get("/public/subprocessors?service=voice").get_json()["subprocessors"]
    assert [r["name"] for r in voice] == ["Voice Only"]


def test_cors_preflight_and_bad_parameters(client):
    preflight = client.options("/public/subprocessors", headers={
        "Origin": "https://www.example", "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    for query in ("lang=xx", "as_of=2026-02-30", "regime=US", "colour=red"):
        response = client.get(f"/public/subprocessors?{query}")
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_past_list_is_what_it_said_then(editor, client):
    make_current(editor, name="Acme")
    assert client.get("/public/subprocessors?as_of=2020-01-01").get_json()[
        "subprocessors"] == []


def test_publish_writes_every_representation_with_an_index(editor, database_url, tmp_path):
    make_current(editor, name="Acme", locations=[location_payload(country="US")])
    # An addition announced and withdrawn: two more changes, each with its pages.
    upcoming = editor.post("/v1/processors", json=processor_payload(name="Later"))
    assert upcoming.status_code == 201, upcoming.get_json()
    announced = editor.get("/v1/changes", query_string={"processor_id": upcoming.get_json()[
        "id"]}).get_json()[0]["seq"]
    assert editor.post(f"/v1/changes/{announced}/withdraw").status_code == 201
    result = CliRunner().invoke(main, ["publish", "--out", str(tmp_path)],
                                env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    index = json.loads((tmp_path / "index.json").read_text())
    paths = {item["path"] for item in index["files"]}
    for lang in ("nl", "sv", "de", "fr", "en"):
        for name in ("subprocessors.json", "subprocessors.csv", "subprocessors.md",
                     "subprocessors.html", "feed.atom", "feed.rss", "feed.json",
                     "changes.json", "countries.eu.json", "countries.uk.json",
                     "countries.ch.json"):
            assert f"{lang}/{name}" in paths
            assert (tmp_path / lang / name).stat().st_size > 0
    assert {"subprocessors.md", "embed.js", "embed.css"} <= paths
    # Each change, as JSON and as the page the exported feeds' entries link to.
    seqs = [c["seq"] for c in editor.client.get("/public/changes").get_json()["changes"]]
    assert len(seqs) == 3
    for seq in seqs:
        assert {f"changes/{seq}.json", f"changes/{seq}.html", f"de/changes/{seq}.html"} <= paths
    page = (tmp_path / "de" / "changes" / f"{seq}.html").read_text(encoding="utf-8")
    assert page == editor.client.get(f"/public/changes/{seq}.html?lang=de").get_data(
        as_text=True)
    assert (tmp_path / "embed.css").read_bytes() == editor.client.get(
        "/public/embed.css").get_data()
    dutch = (tmp_path / "nl" / "subprocessors.md").read_text(encoding="utf-8")
    assert "Verenigde Staten" in dutch
    served = editor.client.get("/public/subprocessors.md?lang=nl").get_data(as_text=True)
    assert dutch == served
    assert "nl/subprocessors.md" in (tmp_path / "index.html").read_text()


def test_a_write_in_another_process_shows_after_the_version_ttl(app, editor, client,
                                                                 database_url):
    import time

    from registry import create_app

    make_current(editor, name="First")
    app.extensions["registry.public_cache"].version_ttl = 0.2
    before = client.get("/public/subprocessors")
    other = create_app({"DATABASE_URL": database_url})  # another gunicorn worker, say
    try:
        from tests.conftest import TokenClient, issue_token

        other_editor = TokenClient(other.test_client(), issue_token(other, "editor", "other"))
        make_current(other_editor, name="Second")
    finally:
        other.extensions["registry.engine"].dispose()
    time.sleep(0.25)
    after = client.get("/public/subprocessors", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert [r["name"] for r in after.get_json()["subprocessors"]] == ["First", "Second"]
