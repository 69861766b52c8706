"""/metrics: who may scrape it, what it counts, the database's figures, and sums that
hold across gunicorn's worker processes."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from registry import create_app, db
from registry.config import Settings
from registry.db import upgrade_database, utcnow
from registry.health.scrape import serve_process_metrics
from registry.metrics import count_attempts
from registry.notify.models import Delivery, WorkerHeartbeat
from tests.factories import add_token, run_worker
from tests.notify.receiver import Receiver
from tests.ops.processes import (
    free_port,
    gunicorn,
    request,
    run_worker_once,
    service_env,
)

METRICS_TOKEN = "metrics-scraper-secret"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def app_config(app_config):
    # Receivers on loopback over plain http; a heartbeat counts as fresh for a minute.
    return {**app_config, "WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_TIMEOUT_SECONDS": 2,
            "WORKER_STALE_AFTER": 60}


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(client, **kwargs) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def value(scraped: dict, name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


# -- who may scrape -------------------------------------------------------------------------


def test_without_a_metrics_token_loopback_may_scrape(client):
    assert client.get("/metrics").status_code == 200


def test_without_a_metrics_token_another_address_is_refused(client):
    response = client.get("/metrics", environ_base=OUTSIDE)

    assert (response.status_code, response.mimetype) == (403, "application/problem+json")
    assert "METRICS_TOKEN" in response.get_json()["detail"]


def test_a_scrape_relayed_by_a_proxy_the_app_was_not_told_of_is_refused(client):
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})

    assert (response.status_code, response.mimetype) == (403, "application/problem+json")


@pytest.fixture
def guarded(app_config):
    app = create_app({**app_config, "METRICS_TOKEN": METRICS_TOKEN})
    yield app.test_client()
    app.extensions["registry.engine"].dispose()


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", METRICS_TOKEN])
def test_with_a_metrics_token_a_scrape_without_it_is_401(guarded, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    response = guarded.get("/metrics", headers=headers)  # from loopback, all the same

    assert (response.status_code, response.mimetype) == (401, "application/problem+json")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert METRICS_TOKEN not in response.get_data(as_text=True)


def test_with_a_metrics_token_any_address_may_scrape_with_it(guarded):
    response = guarded.get("/metrics", environ_base=OUTSIDE,
                           headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    assert response.status_code == 200
    assert ("registry_database_up", frozenset()) in samples(response.get_data(as_text=True))


# -- what the app counts ------------------------------------------------------------------------


def test_requests_are_counted_by_route_template_not_path(client):
    before = scrape(client)
    for processor_id in ("one", "two", "three"):
        assert client.get(f"/v1/processors/{processor_id}").status_code == 401

    after = scrape(client)
    route = {"route": "/v1/processors/<processor_id>", "method": "GET"}
    assert value(after, "registry_http_requests_total", **route, status="401") - value(
        before, "registry_http_requests_total", **route, status="401") == 3
    assert value(after, "registry_http_request_duration_seconds_count", **route) - value(
        before, "registry_http_request_duration_seconds_count", **route) == 3
    assert not [labels for _, labels in after if ("route", "/v1/processors/one") in labels]


def test_paths_no_route_matches_share_one_label(client):
    before = scrape(client)
    assert client.get("/no/such/thing-12345").status_code == 404

    after = scrape(client)
    labels = {"route": "(unmatched)", "method": "GET", "status": "404"}
    assert value(after, "registry_http_requests_total", **labels) - value(
        before, "registry_http_requests_total", **labels) == 1
    assert not [labels for _, labels in after if ("route", "/no/such/thing-12345") in labels]


def test_public_cache_hits_and_misses_are_counted(client):
    before = scrape(client)
    assert client.get("/public/subprocessors?lang=de").status_code == 200
    middle = scrape(client)
    assert client.get("/public/subprocessors?lang=de").status_code == 200
    after = scrape(client)

    def delta(first, second, result):
        return (value(second, "registry_public_cache_lookups_total", result=result)
                - value(first, "registry_public_cache_lookups_total", result=result))

    assert (delta(before, middle, "miss"), delta(before, middle, "hit")) == (1, 0)
    assert (delta(middle, after, "miss"), delta(middle, after, "hit")) == (0, 1)


def test_delivery_attempts_are_counted_by_outcome(app, client, editor):
    closed = f"http://127.0.0.1:{free_port()}/hooks/gone"
    with Receiver() as receiver:
        for name, url in (("up", receiver.url("up")), ("down", closed)):
            created = editor.post("/v1/subscriptions", json={"kind": "webhook", "name": name,
                                                             "url": url})
            assert created.status_code == 201, created.get_json()
            assert editor.post(f"/v1/subscriptions/{created.get_json()['id']}/test"
                               ).status_code == 202
        before = scrape(client)
        assert run_worker(app) == 2

    after = scrape(client)
    for outcome in ("delivered", "retry"):
        assert value(after, "registry_delivery_attempts_total", outcome=outcome) - value(
            before, "registry_delivery_attempts_total", outcome=outcome) == 1


# -- what the database holds, read at scrape time -----------------------------------------------


def _delivery(status: str, next_attempt_at, **fields) -> Delivery:
    return Delivery(purpose="message", to_address=None, message_id=os.urandom(8).hex(),
                    status=status, next_attempt_at=next_attempt_at, **fields)


def test_outbox_depth_oldest_due_and_heartbeats_come_from_the_database(app, client):
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            _delivery("pending", now - timedelta(seconds=120)),         # due for two minutes
            _delivery("pending", now + timedelta(hours=1)),             # a retry, not yet due
            _delivery("sending", now - timedelta(seconds=60),           # its lease ran out
                      lease_until=now - timedelta(seconds=1)),
            _delivery("sending", now - timedelta(seconds=600),          # being sent
                      lease_until=now + timedelta(seconds=100)),
            _delivery("failed", now - timedelta(days=1)),
            _delivery("delivered", now - timedelta(days=1)),
            WorkerHeartbeat(worker="host-a:1", started_at=now, seen_at=now),
            WorkerHeartbeat(worker="host-b:2", started_at=now - timedelta(hours=2),
                            seen_at=now - timedelta(hours=1)),
        ])
        db.session.commit()

    scraped = scrape(client)

    depth = {status: value(scraped, "registry_outbox_deliveries", status=status)
             for status in ("pending", "sending", "failed")}
    assert depth == {"pending": 2, "sending": 2, "failed": 1}
    assert value(scraped, "registry_outbox_due_deliveries") == 2
    assert 120 <= value(scraped, "registry_outbox_oldest_due_age_seconds") < 180
    assert value(scraped, "registry_workers_fresh") == 1
    assert value(scraped, "registry_worker_last_heartbeat_timestamp_seconds",
                 worker="host-b:2") == pytest.approx((now - timedelta(hours=1)).timestamp())
    assert value(scraped, "registry_database_up") == 1


def test_nothing_due_is_an_oldest_age_of_zero(client):
    scraped = scrape(client)

    assert value(scraped, "registry_outbox_due_deliveries") == 0
    assert ("registry_outbox_oldest_due_age_seconds", frozenset()) in scraped
    assert value(scraped, "registry_outbox_oldest_due_age_seconds") == 0


def test_an_unreachable_database_is_a_figure_not_an_error():
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})

    scraped = scrape(app.test_client())

    assert value(scraped, "registry_database_up") == 0
    assert ("registry_outbox_due_deliveries", frozenset()) not in scraped
    app.extensions["registry.engine"].dispose()


# -- under gunicorn -------------------------------------------------------------------------------


def _served_by_each(metrics_dir: Path, pids: list[int], route: str) -> dict[int, float]:
    """Each worker's own count of `route`, from its own file in the metrics directory."""
    served = {}
    for pid in pids:
        alone = metrics_dir.parent / f"alone-{pid}"
        alone.mkdir(exist_ok=True)
        if (metrics_dir / f"counter_{pid}.db").exists():
            shutil.copy(metrics_dir / f"counter_{pid}.db", alone / f"counter_{pid}.db")
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        served[pid] = sum(sample.value for family in registry.collect() for sample in family.samples
                          if sample.name == "registry_http_requests_total"
                          and sample.labels.get("route") == route)
    return served


def test_request_counts_add_up_across_two_gunicorn_workers(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade_database(url)
    metrics_dir = tmp_path / "metrics"
    env = service_env(DATABASE_URL=url, WEB_CONCURRENCY="2", GUNICORN_THREADS="2",
                      PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    route = "/public/subprocessors"
    with gunicorn(env, tmp_path / "gunicorn.log") as server:
        pids = server.worker_pids(2)
        # Each request on a connection of its own, until both workers have served some
        # (Linux spreads connections over the workers' sockets; 400 to one is 2**-399).
        sent = 0
        while sent < 20 or (sent < 400 and 0 in _served_by_each(metrics_dir, pids,
                                                                  route).values()):
            assert request(server.port, "GET", route)[0] == 200
            sent += 1
        served = _served_by_each(metrics_dir, pids, route)
        status, headers, body = request(server.port, "GET", "/metrics")

    assert status == 200 and headers["content-type"].startswith("text/plain")
    assert 0 not in served.values() and sum(served.values()) == sent
    scraped = samples(body.decode())
    labels = {"route": route, "method": "GET"}
    assert value(scraped, "registry_http_requests_total", **labels, status="200") == sent
    assert value(scraped, "registry_http_request_duration_seconds_count", **labels) == sent
    lookups = [value(scraped, "registry_public_cache_lookups_total", result=result)
               for result in ("hit", "miss")]
    assert sum(lookups) == sent and lookups[1] == 2  # each worker rendered the list once


def test_the_worker_counts_into_the_directory_gunicorn_adds_up(tmp_path):
    """What `registry serve` sets up: one metrics directory for gunicorn and the worker."""
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade_database(url)
    metrics_dir = tmp_path / "metrics"
    env = service_env(DATABASE_URL=url, WEB_CONCURRENCY="2", WEBHOOK_ALLOW_PRIVATE="true",
                      WEBHOOK_ALLOW_HTTP="true", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    with Receiver() as receiver:
        setup = create_app({"DATABASE_URL": url, "WEBHOOK_ALLOW_PRIVATE": True,
                            "WEBHOOK_ALLOW_HTTP": True})
        with setup.app_context():
            editor = add_token(db.session, name="editor", role="editor")
            db.session.commit()
        client, auth = setup.test_client(), {"Authorization": f"Bearer {editor}"}
        for name in ("first", "second"):
            created = client.post("/v1/subscriptions", headers=auth, json={
                "kind": "webhook", "name": name, "url": receiver.url(name)}).get_json()
            assert client.post(f"/v1/subscriptions/{created['id']}/test",
                               headers=auth).status_code == 202
        setup.extensions["registry.engine"].dispose()
        with gunicorn(env, tmp_path / "gunicorn.log") as server:
            run_worker_once(env, tmp_path / "worker.log")
            status, _, body = request(server.port, "GET", "/metrics")

    assert status == 200
    assert value(samples(body.decode()), "registry_delivery_attempts_total",
                 outcome="delivered") == 2


def test_a_worker_alone_serves_its_own_counters(tmp_path):
    port = free_port()
    server = serve_process_metrics(Settings(HOST="127.0.0.1", METRICS_TOKEN=METRICS_TOKEN), port)
    try:
        before = request(port, "GET", "/metrics",
                         headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        count_attempts(["gone"])
        refused = request(port, "GET", "/metrics")
        after = request(port, "GET", "/metrics",
                        headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    finally:
        server.shutdown()
        server.server_close()

    assert (refused[0], refused[1]["content-type"]) == (401, "application/problem+json")
    assert refused[1]["www-authenticate"].startswith("Bearer")
    assert before[0] == after[0] == 200
    assert value(samples(after[2].decode()), "registry_delivery_attempts_total",
                 outcome="gone") - value(samples(before[2].decode()),
                                         "registry_delivery_attempts_total", outcome="gone") == 1
