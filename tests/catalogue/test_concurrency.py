"""Two editors changing one processor at once: exactly one wins, the other gets 412."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.orm.exc import StaleDataError

from registry.catalogue.models import Processor
from tests.factories import create_processor


def test_second_writer_with_a_stale_version_fails_at_commit(app, editor):
    processor_id = create_processor(editor, name="Original").get_json()["id"]

    with app.app_context():
        make_session = app.extensions["registry.sessionmaker"]
        first, second = make_session(), make_session()
        try:
            mine = first.get(Processor, processor_id)
            theirs = second.get(Processor, processor_id)
            read_version = mine.version
            assert theirs.version == read_version
            mine.name = "First writer"
            theirs.name = "Second writer"

            first.commit()
            with pytest.raises(StaleDataError):
                second.commit()
            second.rollback()
        finally:
            first.close()
            second.close()

        with make_session() as check:
            stored = check.get(Processor, processor_id)
            assert stored.name == "First writer"
            assert stored.version == read_version + 1


def test_a_nested_change_bumps_the_processor_version(app, editor):
    created = create_processor(editor)
    processor_id = created.get_json()["id"]
    location_id = created.get_json()["locations"][0]["id"]
    location_url = f"{created.headers['Location']}/locations/{location_id}"
    etag = editor.get(location_url).headers["ETag"]

    def stored_version() -> int:
        with app.app_context(), app.extensions["registry.sessionmaker"]() as session:
            return session.get(Processor, processor_id).version

    before = stored_version()
    assert editor.patch(location_url, json={"region": "eu"},
                        headers={"If-Match": etag}).status_code == 200

    assert stored_version() > before


def test_concurrent_patches_with_the_same_etag_one_wins_one_gets_412(app, editor, admin):
    created = create_processor(editor, name="Original")
    url, etag = created.headers["Location"], created.headers["ETag"]
    names = ("Renamed by one", "Renamed by two")
    barrier = threading.Barrier(len(names), timeout=10)
    results: dict[str, int] = {}
    failures: list[BaseException] = []

    def patch(name: str) -> None:
        try:
            client = app.test_client()
            headers = {"Authorization": f"Bearer {editor.secret}", "If-Match": etag}
            barrier.wait()
            results[name] = client.patch(url, json={"name": name}, headers=headers).status_code
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=patch, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert sorted(results.values()) == [200, 412], results
    winner = next(name for name, status in results.items() if status == 200)
    stored = editor.get(url)
    assert stored.get_json()["name"] == winner
    # The loser's transaction rolled back whole: no audit entry for its update.
    audit = admin.get(f"/v1/audit?entity_id={created.get_json()['id']}&page_size=500").get_json()
    assert [e["after"]["name"] for e in audit if e["action"] == "update"] == [winner]
