"""CSRF tokens: an HMAC of the session id, so a token is good only with the cookie it was made for.

Every form carries one; every POST checks it (in constant time) before anything changes.
"""

import hashlib
import hmac

FIELD = "csrf"


def token(key: bytes, session_id: str) -> str:
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def valid(key: bytes, session_id: str | None, given: str | None) -> bool:
    """Whether ``given`` is the token of ``session_id``; False when either is missing."""
    if not session_id or not given:
        return False
    return hmac.compare_digest(token(key, session_id).encode(), given.encode("utf-8", "replace"))
