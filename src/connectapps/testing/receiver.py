"""A receiver of deauthorize callbacks for tests: collects each one and checks its signature
with twilio's own ``RequestValidator``, keyed with the Connect App owner's auth token (as
Twilio signs them)."""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from connectapps.testing.server import ConnectAppsServer

BODY_MAX = 64 * 1024


@dataclass(frozen=True)
class ReceivedCallback:
    method: str
    path: str
    params: dict[str, str]
    signature: str | None
    signature_valid: bool

    @property
    def account_sid(self) -> str | None:
        return self.params.get("AccountSid")

    @property
    def connect_app_sid(self) -> str | None:
        return self.params.get("ConnectAppSid")


class CallbackReceiver:
    """``url`` is where to point a Connect App's deauthorize callback (``attach`` does it)."""

    def __init__(self, server: "ConnectAppsServer", path: str = "/deauthorize") -> None:
        self.server = server
        self.path = path
        self.received: list[ReceivedCallback] = []
        self._arrived = threading.Condition()
        self._http: ThreadingHTTPServer | None = None
        self.url = ""

    def start(self) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}{self.path}"
        threading.Thread(target=self._http.serve_forever, name="connectapps-callbacks", daemon=True).start()

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def attach(self, connect_app_sid: str, method: str = "POST") -> None:
        """Point the app's deauthorize callback here, through the API as its owner would."""
        assert self.server.store is not None
        app = self.server.store.find_connect_app(connect_app_sid)
        if app is None:
            raise KeyError(f"no Connect App {connect_app_sid}")
        client = self.server.client(app.account_sid)
        client.api.v2010.accounts(app.account_sid).connect_apps(connect_app_sid).update(
            deauthorize_callback_url=self.url, deauthorize_callback_method=method)

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedCallback]:
        """Block until ``count`` callbacks arrived (the server's sender retries on its own; call
        ``deliver_callbacks()`` first not to wait for a backoff); every one received so far."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.received)} deauthorize callbacks arrived, not {count}")
                self._arrived.wait(min(left, 0.1))
        return list(self.received)

    def _record(self, callback: ReceivedCallback) -> None:
        with self._arrived:
            self.received.append(callback)
            self._arrived.notify_all()

    def token_for(self, connect_app_sid: str | None) -> str | None:
        store = self.server.store
        app = store.find_connect_app(connect_app_sid) if store and connect_app_sid else None
        owner = store.get_account(app.account_sid) if store and app else None
        return owner.auth_token if owner else None


def _handler(receiver: CallbackReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._receive(dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True)), {})

        def do_POST(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), BODY_MAX)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True))
            self._receive(form, form)

        def _receive(self, params: dict[str, str], signed: dict[str, str]) -> None:
            from twilio.request_validator import RequestValidator

            signature = self.headers.get("X-Twilio-Signature")
            host = self.headers.get("Host") or ""
            url = f"http://{host}{self.path}"
            token = receiver.token_for(params.get("ConnectAppSid"))
            valid = bool(token and signature and RequestValidator(token).validate(url, signed, signature))
            self.send_response(204)
            self.end_headers()
            receiver._record(ReceivedCallback(self.command, urlsplit(self.path).path, params, signature, valid))

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Handler
