"""Twilio SIDs: a two-letter prefix and 32 hex digits; and every other random value the server makes.

New SIDs and tokens are lowercase hex from the OS CSPRNG, unless a run is made reproducible with
``seed_random`` (``--random-seed`` / ``CONNECTAPPS_RANDOM_SEED``, for tests): then they come from one
seeded generator, so the same requests in the same order make the same SIDs and tokens. Never in
production: seeded values are predictable. Incoming SIDs are matched against the spec's pattern
(either case of hex), so a malformed SID can be answered with a 404.
"""

import base64
import random
import re
import secrets
import threading

ACCOUNT = "AC"
CONNECT_APP = "CN"
KEY = "SK"
REQUEST = "RQ"
USER = "US"
CALLBACK = "CB"

_PATTERNS = {
    prefix: re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}\Z") for prefix in (ACCOUNT, CONNECT_APP, KEY, REQUEST)
}

_seeded: random.Random | None = None
_seeded_lock = threading.Lock()


def seed_random(value: str | None) -> None:
    """Make every later SID and token reproducible from ``value`` (None or "": back to the CSPRNG)."""
    global _seeded
    with _seeded_lock:
        _seeded = random.Random(f"connectapps:{value}") if value else None


def is_seeded() -> bool:
    return _seeded is not None


def token_bytes(nbytes: int) -> bytes:
    """``nbytes`` random bytes: the CSPRNG's, or the seeded generator's in a reproducible run."""
    with _seeded_lock:
        if _seeded is not None:
            return _seeded.randbytes(nbytes)
    return secrets.token_bytes(nbytes)


def token_hex(nbytes: int = 16) -> str:
    return token_bytes(nbytes).hex()


def token_urlsafe(nbytes: int = 32) -> str:
    return base64.urlsafe_b64encode(token_bytes(nbytes)).rstrip(b"=").decode("ascii")


def randbelow(n: int) -> int:
    """A number in [0, n): the CSPRNG's, or the seeded generator's."""
    with _seeded_lock:
        if _seeded is not None:
            return _seeded.randrange(n)
    return secrets.randbelow(n)


def new_sid(prefix: str) -> str:
    """A fresh SID such as ``CN`` + 32 lowercase hex digits."""
    return prefix + token_hex(16)


def new_auth_token() -> str:
    """An auth token: 32 lowercase hex digits, like Twilio's."""
    return token_hex(16)


def is_sid(value: str, prefix: str) -> bool:
    """Whether ``value`` is a well-formed SID with this prefix."""
    return _PATTERNS[prefix].match(value) is not None
