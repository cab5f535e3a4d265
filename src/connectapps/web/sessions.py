"""Sessions in signed cookies, and signed in only while the server still has them.

The cookie is ``v1.<session id>.<user id or ->.<expiry>.<signature>``. The signature is an
HMAC-SHA256 of the rest, keyed from the server-wide ``session_key`` setting (made once, kept in
the database, so every worker and machine shares it), checked in constant time before any part
is believed. A session ends 12 hours after it began (``LIFETIME``), whatever the browser says.

A good signature is not enough to be signed in: the session must also be live on the server
(domain/sessions.py, one indexed read per request), so signing out, "sign out everywhere" and a
password change end it for every copy of the cookie.

Every visitor gets a session (signed out, it only anchors the CSRF token of the sign-in form);
signing in or out always starts a new one with a fresh id, so an id planted before sign-in is
worthless after it. Cookies are HttpOnly and SameSite=Lax; over https they are Secure and named
with the ``__Host-`` prefix (no other host or path can set them).
"""

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import falcon

from connectapps.domain import sessions as server_sessions
from connectapps.domain.models import User
from connectapps.domain.store import SessionStore, SettingsStore
from connectapps.web import csrf
from connectapps.web.inputs import is_https

LIFETIME_SECONDS = 12 * 60 * 60
COOKIE = "connectapps_session"
SECURE_COOKIE = "__Host-connectapps_session"
KEY_SETTING = "session_key"
VERSION = "v1"

_ID = re.compile(r"^[0-9a-f]{32}\Z")
_USER = re.compile(r"^(?:US[0-9a-f]{32}|-)\Z")


class KeyedSessionStore(SettingsStore, SessionStore, Protocol):
    """What sessions use: the signing key's setting and the server-side session rows."""


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    user_id: str | None
    expires: int  # Unix time


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, b"connectapps web " + purpose, hashlib.sha256).digest()


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Sessions:
    """Reads, starts and signs sessions; makes and checks their CSRF tokens."""

    def __init__(self, store: KeyedSessionStore, proxy_hops: int) -> None:
        self.store = store
        self.proxy_hops = proxy_hops
        self._keys: tuple[bytes, bytes] | None = None

    def _signing_keys(self) -> tuple[bytes, bytes]:
        """(cookie key, CSRF key), from the shared setting, read once per process."""
        if self._keys is None:
            master = bytes.fromhex(self.store.setting(KEY_SETTING, lambda: secrets.token_hex(32)))
            self._keys = (_derive(master, b"session"), _derive(master, b"csrf"))
        return self._keys

    def _cookie_name(self, req: falcon.Request) -> tuple[str, bool]:
        secure = is_https(req, self.proxy_hops)
        return (SECURE_COOKIE if secure else COOKIE), secure

    def encode(self, session: Session) -> str:
        payload = f"{VERSION}.{session.id}.{session.user_id or '-'}.{session.expires}"
        return f"{payload}.{_sign(self._signing_keys()[0], payload)}"

    def decode(self, value: str, now: float | None = None) -> Session | None:
        """The session a cookie value carries, if its signature is ours and it has not expired."""
        payload, _, signature = value.rpartition(".")
        expected = _sign(self._signing_keys()[0], payload)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            return None
        parts = payload.split(".")
        if len(parts) != 4:
            return None
        version, session_id, user_id, expires = parts
        if version != VERSION or not _ID.match(session_id) or not _USER.match(user_id) or not expires.isdigit():
            return None
        if int(expires) <= (time.time() if now is None else now):
            return None
        return Session(session_id, None if user_id == "-" else user_id, int(expires))

    def read(self, req: falcon.Request) -> Session | None:
        """This request's session, or None (no cookie, a forged or an expired one)."""
        name, _ = self._cookie_name(req)
        for value in req.get_cookie_values(name) or ():
            session = self.decode(value)
            if session is not None:
                return session
        return None

    def start(self, req: falcon.Request, resp: falcon.Response, user_id: str | None = None) -> Session:
        """A new session with a fresh id (signed in as ``user_id``, or signed out), set as the cookie."""
        now = time.time()
        session = Session(secrets.token_hex(16), user_id, int(now) + LIFETIME_SECONDS)
        if user_id is not None:
            server_sessions.begin(self.store, user_id, session.id, datetime.fromtimestamp(session.expires, UTC),
                                  datetime.fromtimestamp(now, UTC))
        name, secure = self._cookie_name(req)
        resp.set_cookie(name, self.encode(session), max_age=LIFETIME_SECONDS, path="/", secure=secure,
                        http_only=True, same_site="Lax")
        return session

    def user(self, session: Session | None) -> User | None:
        """The signed-in user of ``session``, if the server has not ended it."""
        if session is None or session.user_id is None:
            return None
        return server_sessions.user_of(self.store, session.id, session.user_id, datetime.now(UTC))

    def end(self, session: Session | None) -> None:
        """End ``session`` on the server: its cookie, wherever copied, no longer signs anyone in."""
        if session is not None and session.user_id is not None:
            server_sessions.end(self.store, session.id)

    def seal(self, session: Session, value: str) -> str:
        """``value`` signed for this session, to be sent back unchanged by a form (``unseal``)."""
        return f"{value}.{_sign(self._signing_keys()[1], f'seal.{session.id}.{value}')}"

    def unseal(self, session: Session, sealed: str) -> str | None:
        """The value ``seal`` signed for this session, or None if ``sealed`` is not one."""
        value, _, signature = sealed.rpartition(".")
        expected = _sign(self._signing_keys()[1], f"seal.{session.id}.{value}")
        return value if hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")) else None

    def csrf_token(self, session: Session) -> str:
        return csrf.token(self._signing_keys()[1], session.id)

    def csrf_valid(self, session: Session | None, given: str | None) -> bool:
        return csrf.valid(self._signing_keys()[1], session.id if session else None, given)
