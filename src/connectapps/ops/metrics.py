"""Prometheus metrics: counted in every Granian worker, served by the main process on their own port.

- **Off by default.** ``--metrics ADDRESS`` (``CONNECTAPPS_METRICS``): ``PORT`` listens on loopback
  only, ``HOST:PORT`` where told. The API port never serves ``/metrics``, so no account credential
  can read them; ``CONNECTAPPS_METRICS_TOKEN`` also requires ``Authorization: Bearer <token>``.
- **Every worker counts.** ``serve`` creates a directory for this run (``PROMETHEUS_MULTIPROC_DIR``)
  before the workers start, and removes it at exit (counters start at 0 with each run); each worker
  writes its counters there (``prometheus_client``'s multi-process mode) and a scrape sums them,
  those of workers that a restart replaced included.
- **The outbox** is read from the database at scrape time (pending callbacks, oldest one's age):
  what every server sharing the database sees, not one process's view.
"""

import hmac
import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from connectapps.domain import meter

ADDRESS_ENV = "CONNECTAPPS_METRICS"
TOKEN_ENV = "CONNECTAPPS_METRICS_TOKEN"
DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: from a cached read (tens of microseconds) to a slow PostgreSQL list or a password check.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def address() -> tuple[str, int] | None:
    """Where to serve the metrics: None when off; ``PORT`` alone means loopback."""
    value = os.environ.get(ADDRESS_ENV, "").strip()
    if not value or value.lower() == "off":
        return None
    host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{ADDRESS_ENV} must be PORT or HOST:PORT, not {value!r}") from None
    if not 0 < number < 65536:
        raise ValueError(f"{ADDRESS_ENV}: no port {number}")
    return (host.strip("[]") or "127.0.0.1"), number


def prepare_directory(run: str) -> str:
    """A fresh directory in this run's folder for the counters, named in the environment the workers inherit."""
    folder = os.path.join(run, "metrics")
    os.mkdir(folder)
    os.environ[DIR_ENV] = folder
    return folder


def install() -> Callable[[str, str, int, float], None]:
    """Bind ``meter``'s counting points in this worker; the observer of requests for the access log."""
    from prometheus_client import Counter, Histogram

    requests = Counter("connectapps_http_requests", "HTTP requests answered, by route template, method and status",
                       ["route", "method", "status"])
    latency = Histogram("connectapps_http_request_duration_seconds", "Time to answer, by route template and method",
                        ["route", "method"], buckets=BUCKETS)
    round_trips = Counter("connectapps_db_round_trips", "Statements sent to the database")
    cache = Counter("connectapps_cache_lookups", "Records read through the per-thread cache", ["result"])
    attempts = Counter("connectapps_callback_attempts", "Deauthorize callback attempts, by outcome", ["outcome"])
    deliveries = Counter("connectapps_callback_deliveries", "Deauthorize callbacks delivered (a 2xx answer)")
    give_ups = Counter("connectapps_callback_give_ups", "Deauthorize callbacks that failed for good")
    signin = Counter("connectapps_signin_refused", "Sign-ins refused before the password check", ["reason"])
    limited = Counter("connectapps_concurrency_limited", "API requests refused with 429 / 20429 (concurrency)")
    hit, miss = cache.labels("hit"), cache.labels("miss")

    children: dict[tuple[str, str, int], tuple[Any, Any]] = {}  # routes x methods x statuses: bounded

    def observe(route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method if method in METHODS else "OTHER", status)
        counted = children.get(key)
        if counted is None:
            counted = children[key] = (requests.labels(*key[:2], str(status)), latency.labels(*key[:2]))
        counted[0].inc()
        counted[1].observe(seconds)

    def attempt(outcome: str) -> None:
        attempts.labels(outcome).inc()
        if outcome == "delivered":
            deliveries.inc()

    meter.db_round_trip = round_trips.inc
    meter.cache_lookup = lambda found: (hit if found else miss).inc()
    meter.callback_attempt = attempt
    meter.callback_given_up = give_ups.inc
    meter.signin_refused = lambda reason: signin.labels(reason).inc()
    meter.concurrency_limited = limited.inc
    return observe


Outbox = Callable[[], tuple[int, datetime | None]]
"""Reads (pending callbacks, date the oldest was queued) from the database."""


class _OutboxCollector:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        pending, oldest = self.outbox()
        yield GaugeMetricFamily("connectapps_callbacks_pending", "Deauthorize callbacks not yet delivered or "
                                "given up (the outbox depth)", value=pending)
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily("connectapps_callback_oldest_pending_age_seconds", "Age of the oldest pending "
                                "deauthorize callback (0 when none)", value=max(0.0, age))


def _app(outbox: Outbox, token: str | None) -> Callable[..., Iterable[bytes]]:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(_OutboxCollector(outbox))
    expected = f"Bearer {token}".encode() if token else None

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found: the metrics are at /metrics\n"]
        given = environ.get("HTTP_AUTHORIZATION", "").encode()
        if expected is not None and not hmac.compare_digest(given, expected):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"a bearer token is required\n"]
        body = generate_latest(registry)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not the access log
        return None


class _Server6(WSGIServer):
    address_family = socket.AF_INET6


def serve(where: tuple[str, int], outbox: Outbox) -> WSGIServer:
    """Serve ``/metrics`` on ``where`` from a daemon thread of this (the main) process."""
    kind = _Server6 if ":" in where[0] else WSGIServer
    server = make_server(where[0], where[1], _app(outbox, os.environ.get(TOKEN_ENV) or None), server_class=kind,
                         handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
