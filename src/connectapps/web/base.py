"""What every web page stands on: the ``Web`` a page is built with (store, sessions, proxies),
the CSRF refusal, the sign-in address and safe links. Sign-in and consent (views.py) and the
console (console*.py, app_forms.py) build on this module, not on each other.
"""

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import falcon

from connectapps.domain.models import User
from connectapps.domain.store import Store
from connectapps.ops.access import note_principal
from connectapps.web.pages import WebError
from connectapps.web.sessions import Session, Sessions

SIGN_IN = "/signin"
BAD_TOKEN = WebError(
    403, "This form has expired",
    "The form was not sent from this site, or your session ended. Go back, reload the page and try again.",
)


@dataclass(frozen=True, slots=True)
class Web:
    """What every page needs: the store, the sessions, how many proxies to trust."""

    store: Store
    sessions: Sessions
    proxy_hops: int

    def begin(self, req: falcon.Request) -> Session | None:
        """Start the request for the store; the browser's session, if it has a good one."""
        self.store.begin_request()
        return self.sessions.read(req)

    def user(self, session: Session | None) -> User | None:
        """The signed-in user: a good cookie whose session the server has not ended."""
        user = self.sessions.user(session)
        if user is not None:
            note_principal("user", user.id)  # for the access log
        return user

    def check_csrf(self, session: Session | None, token: str | None) -> None:
        """Refuse the form (403) unless ``token`` is this session's CSRF token."""
        if not self.sessions.csrf_valid(session, token):
            raise BAD_TOKEN


def sign_in_url(next_path: str) -> str:
    return SIGN_IN if next_path == "/" else f"{SIGN_IN}?{urlencode({'next': next_path})}"


def web_link(url: str | None) -> str | None:
    """``url`` if a browser may follow it from our page (http or https only)."""
    if not url:
        return None
    return url if urlsplit(url).scheme.lower() in ("http", "https") else None
