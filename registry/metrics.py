"""What this process counts for /metrics: requests, the public cache, delivery attempts.

With PROMETHEUS_MULTIPROC_DIR set (before this module is imported) every process
writes its figures to files of its own in that directory, and a scrape adds up all of
them: the gunicorn workers and the delivery worker beside them. What the database
knows (the outbox, the workers' heartbeats) is read when scraped, by `health`.
"""

from __future__ import annotations

import os
import time
from collections import Counter as Tally
from collections.abc import Iterable

from flask import Flask, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.multiprocess import MultiProcessCollector

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
# Sub-millisecond buckets: a cached public answer takes well under one.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
                   2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"  # no route: the raw path would make a label per URL tried

REQUESTS = Counter("registry_http_requests", "HTTP requests answered by the app",
                   ["route", "method", "status"])
LATENCY = Histogram("registry_http_request_duration_seconds",
                    "Time the app took to answer, by route template",
                    ["route", "method"], buckets=LATENCY_BUCKETS)
PUBLIC_CACHE = Counter("registry_public_cache_lookups",
                       "Public representations answered from the cache (hit) or rendered (miss)",
                       ["result"])
PUBLIC_CACHE_HIT = PUBLIC_CACHE.labels("hit")
PUBLIC_CACHE_MISS = PUBLIC_CACHE.labels("miss")
ATTEMPTS = Counter("registry_delivery_attempts", "Delivery attempts recorded, by outcome",
                   ["outcome"])

ROUTE = "registry.route"  # the environ key of the route template (the access log reads it)
# (route, method, status) -> its counter and histogram: labels() costs more than inc().
_request_series: dict[tuple[str, str, int | str], tuple] = {}


def observe_request(route: str, method: str, status: int | str, seconds: float) -> None:
    """Count one answered request and its duration (`status` as a number or its text)."""
    key = (route, method, status)
    series = _request_series.get(key)
    if series is None:
        series = _request_series.setdefault(key, (
            REQUESTS.labels(route, method, status), LATENCY.labels(route, method)))
    series[0].inc()
    series[1].observe(seconds)


def count_attempts(outcomes: Iterable[str]) -> None:
    """Count a batch of recorded attempts: one increment per outcome, not per attempt."""
    for outcome, count in Tally(outcomes).items():
        ATTEMPTS.labels(str(outcome)).inc(count)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_registry() -> CollectorRegistry:
    """Every process's figures (multiprocess mode), or this process's own."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


class RequestMetrics:
    """WSGI middleware: times every request from entering the app to its answer, and
    counts it by route template (which `init_app`'s hook notes in the environ), method
    and status. Outside Flask's hooks, it reads no request proxy: it is on every request."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        answered: list[str] = []

        def noting_status(status, headers, exc_info=None):
            answered.append(status)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, noting_status)
        if answered:
            method = environ.get("REQUEST_METHOD", "")
            observe_request(environ.get(ROUTE, UNMATCHED), method if method in METHODS
                            else "OTHER", answered[-1][:3], time.perf_counter() - started)
        return body


def init_app(app: Flask) -> None:
    """Count and time every request of `app` by route template and status."""
    app.wsgi_app = RequestMetrics(app.wsgi_app)

    @app.after_request
    def _note_route(response):
        current = request._get_current_object()  # one proxy lookup, not one per attribute
        rule = current.url_rule
        current.environ[ROUTE] = rule.rule if rule is not None else UNMATCHED
        return response
