"""The example dataset behind `registry demo`: loads, is idempotent, is marked as example data."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from sqlalchemy import func, select

from registry import db
from registry.catalogue.models import Processor
from registry.demo import DATA_FILE, load_demo

EXAMPLE_NOTE = "Example data (registry demo); not a real contract."


def _entries() -> list[dict]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))["processors"]


def _load(app, **kwargs) -> int:
    with app.app_context():
        created = load_demo(db.session, settings=app.config["SETTINGS"], **kwargs)
        db.session.commit()
    return created


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Processor.id)))


def test_file_is_marked_as_example_data():
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert "example data" in document["_comment"].lower()
    keys = [entry["key"] for entry in document["processors"]]
    assert len(keys) == len(set(keys))
    for entry in document["processors"]:
        assert urlsplit(entry["website"]).hostname.endswith(".example")
        assert entry["contact"]["email"].endswith(".example")


def test_load_creates_every_processor_then_is_idempotent(app):
    expected = len(_entries())

    assert _load(app) == expected
    assert _count(app) == expected

    assert _load(app) == 0
    assert _load(app, only_if_empty=True) == 0
    assert _count(app) == expected


def test_only_if_empty_skips_a_non_empty_catalogue(app, editor):
    from tests.factories import create_processor

    create_processor(editor, name="Someone Else's Processor")

    assert _load(app, only_if_empty=True) == 0
    assert _count(app) == 1


def test_chain_child_points_at_its_parent_and_notes_say_example(app):
    _load(app)
    children = [entry for entry in _entries() if entry.get("parent")]
    assert children, "the demo should include a sub-processor chain"
    names_by_key = {entry["key"]: entry["name"] for entry in _entries()}

    with app.app_context():
        by_name = {p.name: p for p in db.session.scalars(select(Processor))}
        for entry in children:
            child = by_name[entry["name"]]
            parent = by_name[names_by_key[entry["parent"]]]
            assert child.parent_id == parent.id
        for processor in by_name.values():
            assert EXAMPLE_NOTE in (processor.notes or "")
        assert {p.status for p in by_name.values()} >= {"active", "draft"}


def test_api_lists_all_demo_processors(app, editor):
    _load(app)

    response = editor.get("/v1/processors?page_size=100")

    assert response.status_code == 200, response.get_json()
    listed = response.get_json()
    assert sorted(p["name"] for p in listed) == sorted(e["name"] for e in _entries())
    for processor in listed:
        assert EXAMPLE_NOTE in processor["notes"]
        assert processor["purpose"]["en"]
