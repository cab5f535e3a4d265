"""Twilio SIDs: a two-letter prefix and 32 hex digits.

New SIDs are lowercase hex from the OS CSPRNG. Incoming SIDs are matched against the
spec's pattern (either case of hex), so a malformed SID can be answered with a 404.
"""

import re
import secrets

ACCOUNT = "AC"
CONNECT_APP = "CN"
KEY = "SK"
REQUEST = "RQ"

_PATTERNS = {
    prefix: re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}\Z") for prefix in (ACCOUNT, CONNECT_APP, KEY, REQUEST)
}


def new_sid(prefix: str) -> str:
    """A fresh SID such as ``CN`` + 32 lowercase hex digits."""
    return prefix + secrets.token_hex(16)


def new_auth_token() -> str:
    """An auth token: 32 lowercase hex digits, like Twilio's."""
    return secrets.token_hex(16)


def is_sid(value: str, prefix: str) -> bool:
    """Whether ``value`` is a well-formed SID with this prefix."""
    return _PATTERNS[prefix].match(value) is not None
