"""One outbound HTTP request, bounded: http(s) only, no redirects followed, a timeout, a capped read."""

import http.client
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from connectapps.wire import signing

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "connectapps-callbacks/1"


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send(url: str, method: str, params: dict[str, str], auth_token: str, timeout: float) -> Outcome:
    """Send ``params`` to ``url`` (GET: in the query string; POST: as a form body), signed as
    Twilio signs webhooks. Never raises: every failure becomes an Outcome with an error."""
    started = time.monotonic()
    try:
        status = _send(url, method, params, auth_token, timeout)
        return Outcome(status, _ms(started), None if 200 <= status < 300 else f"HTTP {status}")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Outcome(None, _ms(started), f"{type(exc).__name__}: {exc}"[:500])


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _send(url: str, method: str, params: dict[str, str], auth_token: str, timeout: float) -> int:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"refusing to call a {parts.scheme or 'relative'} URL")
    body: bytes | None = None
    headers = {"User-Agent": USER_AGENT, "Connection": "close"}
    if method == "GET":
        query = urlencode(params)
        target_url = f"{url}{'&' if parts.query else '?'}{query}"
        headers[signing.HEADER] = signing.signature(auth_token, target_url)
    else:
        target_url = url
        body = urlencode(params).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers[signing.HEADER] = signing.signature(auth_token, url, params)
    target = urlsplit(target_url)
    path = (target.path or "/") + (f"?{target.query}" if target.query else "")
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)  # redirects are answers too: never followed
        return response.status
    finally:
        connection.close()
