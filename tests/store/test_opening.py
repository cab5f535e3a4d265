"""Opening a database URL: passwords masked in every message, a connect timeout on every connection."""

from __future__ import annotations

import pytest

from connectapps.store import opening


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://app:s3cret@db.example:5432/connectapps", "postgresql://app:***@db.example:5432/connectapps"),
    ("postgresql://app@db/x?password=s3cret&sslmode=require", "postgresql://app@db/x?password=***&sslmode=require"),
    ("postgresql://app:p%40ss@db/x", "postgresql://app:***@db/x"),
    ("postgresql://db/x?connect_timeout=3", "postgresql://db/x?connect_timeout=3"),
    ("sqlite:///relative.db", "sqlite:///relative.db"),
    ("sqlite:////abs/path.db", "sqlite:////abs/path.db"),
    ("mysql://root:hunter2@x/y", "mysql://root:***@x/y"),
])
def test_redact_masks_any_password(url: str, shown: str) -> None:
    assert opening.redact(url) == shown


def test_every_postgresql_connection_gets_a_connect_timeout_unless_the_url_sets_one() -> None:
    assert opening.with_connect_timeout("postgresql://db/x") == "postgresql://db/x?connect_timeout=5"
    assert opening.with_connect_timeout("postgresql://db/x?sslmode=require") == (
        "postgresql://db/x?sslmode=require&connect_timeout=5")
    assert opening.with_connect_timeout("postgresql://db/x?connect_timeout=30") == "postgresql://db/x?connect_timeout=30"


@pytest.mark.parametrize(("message", "reason"), [
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "x" does not exist',
     'database "x" does not exist'),
    ('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server '
     "running on that host and accepting TCP/IP connections?", "Connection refused"),
    ("failed to resolve host 'nohost.invalid': [Errno -2] Name or service not known",
     "failed to resolve host 'nohost.invalid': [Errno -2] Name or service not known"),
    ("", "unknown error"),
])
def test_a_driver_message_becomes_its_reason_on_one_line(message: str, reason: str) -> None:
    assert opening.short_reason(message) == reason
