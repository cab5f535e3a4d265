"""What the spec's ``format: uri`` means for a URL Twilio would call: absolute http(s), with a host."""

from urllib.parse import urlsplit


def is_http_url(value: str) -> bool:
    """An absolute http or https URL with a host and a valid port, without spaces or control characters."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a bad port
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    return valid and not any(ch.isspace() or ch <= " " or ch == "\x7f" for ch in value)
