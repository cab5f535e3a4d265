"""Signed-in web sessions that the server can end: sign-out, sign-out everywhere, password change.

The signed cookie (web/sessions.py) names a random session id; a signed-in session is also a row
in ``web_sessions``, keyed by the SHA-256 of that id, and is believed only while the row exists
and has not expired. Why a row per session rather than a per-user generation counter: a counter
can only end *all* of a user's sessions at once, while signing out must end just the one it is
asked from. The cost is the same one indexed read per request as before: the session row joined
to its user replaces the lookup of the user alone. Only signed-in sessions are stored (a
signed-out visitor's session anchors nothing but a CSRF token), each created after a password
check, and each user keeps at most ``MAX_PER_USER`` of them; expired rows go as new ones come.
"""

import hashlib
from datetime import datetime

from connectapps.domain.models import User, WebSession
from connectapps.domain.store import SessionStore

MAX_PER_USER = 50


def stored_id(session_id: str) -> str:
    """What the database keeps for a session id: its digest (a copy of the table opens nothing)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def begin(store: SessionStore, user_id: str, session_id: str, expires: datetime, now: datetime) -> None:
    """Remember a new signed-in session (after the user proved who they are)."""
    store.insert_web_session(WebSession(stored_id(session_id), user_id, expires, now), MAX_PER_USER)


def user_of(store: SessionStore, session_id: str, user_id: str, now: datetime) -> User | None:
    """The signed-in user, if this session is still live on the server."""
    return store.web_session_user(stored_id(session_id), user_id, now)


def end(store: SessionStore, session_id: str) -> None:
    """Sign-out: this session, and only it, ends."""
    store.delete_web_session(stored_id(session_id))


def end_everywhere(store: SessionStore, user_id: str) -> None:
    """Every session of the user ends, in every browser."""
    store.delete_web_sessions(user_id)


def count(store: SessionStore, user_id: str, now: datetime) -> int:
    return store.count_web_sessions(user_id, now)
