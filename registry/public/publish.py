"""Static export of every public representation, for nginx, a CDN or object storage."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from registry.adequacy.dataset import REGIMES
from registry.i18n import DEFAULT_LANGUAGE, LANGUAGES

LIST_FORMATS = ("json", "csv", "md", "html")
FEEDS = ("feed.atom", "feed.rss", "feed.json")


@dataclass(frozen=True)
class Export:
    url: str
    path: str
    content_type: str = ""


def exports(seqs: Sequence[int] = ()) -> list[Export]:
    """Every file of the static site, with the URL it is rendered from.

    English sits at the top level and every language also has its own folder, so
    `/public/subprocessors.md?lang=nl` becomes `nl/subprocessors.md`. `seqs`: the change
    log's numbers, each change as JSON and as the page the feeds' entries link to
    (`changes/12.html`).
    """
    items = [Export("/public/embed.js", "embed.js"), Export("/public/embed.css", "embed.css")]
    for lang in LANGUAGES:
        prefix = "" if lang == DEFAULT_LANGUAGE else f"{lang}/"
        for folder in {prefix, f"{lang}/"}:
            for fmt in LIST_FORMATS:
                items.append(Export(f"/public/subprocessors.{fmt}?lang={lang}"
                                    if fmt != "json" else f"/public/subprocessors?lang={lang}",
                                    f"{folder}subprocessors.{fmt}"))
            items.extend(Export(f"/public/{feed}?lang={lang}", f"{folder}{feed}")
                         for feed in FEEDS)
            items.append(Export(f"/public/changes?lang={lang}", f"{folder}changes.json"))
            items.extend(Export(f"/public/countries?regime={regime}&lang={lang}",
                                f"{folder}countries.{regime.lower()}.json")
                         for regime in REGIMES)
            for seq in seqs:
                items.append(Export(f"/public/changes/{seq}?lang={lang}",
                                    f"{folder}changes/{seq}.json"))
                items.append(Export(f"/public/changes/{seq}.html?lang={lang}",
                                    f"{folder}changes/{seq}.html"))
    return items


def change_numbers(client: FlaskClient) -> list[int]:
    """Every number of the public change log, read through its pages."""
    seqs: list[int] = []
    url = "/public/changes?limit=200"
    while True:
        page = client.get(url)
        if page.status_code != 200:
            raise RuntimeError(f"{url} answered {page.status_code}")
        log = page.get_json()
        seqs.extend(change["seq"] for change in log["changes"])
        if log["next_cursor"] is None:
            return seqs
        url = f"/public/changes?limit=200&cursor={log['next_cursor']}"


def publish(app: Flask, out: Path) -> list[Export]:
    """Render every export through the app itself (so files equal what it serves)."""
    client = app.test_client()
    written = []
    for item in exports(change_numbers(client)):
        response = client.get(item.url)
        if response.status_code != 200:
            raise RuntimeError(f"{item.url} answered {response.status_code}")
        target = out / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(response.get_data())
        written.append(Export(item.url, item.path, response.content_type))
    _write_index(out, written)
    return written


def _write_index(out: Path, written: list[Export]) -> None:
    index = [{"path": item.path, "source": item.url, "content_type": item.content_type}
             for item in written]
    (out / "index.json").write_text(json.dumps({"files": index}, indent=2) + "\n",
                                    encoding="utf-8")
    rows = "\n".join(
        f'<li><a href="{escape(item.path)}">{escape(item.path)}</a> '
        f"<small>{escape(item.content_type)}</small></li>"
        for item in written
    )
    (out / "index.html").write_text(
        "<!doctype html>\n<html lang=\"en\"><meta charset=\"utf-8\">"
        "<title>Subprocessor list: static export</title>\n"
        f"<h1>Subprocessor list: static export</h1>\n<ul>\n{rows}\n</ul>\n</html>\n",
        encoding="utf-8",
    )
