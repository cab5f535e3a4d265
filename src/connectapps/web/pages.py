"""Rendering the web pages: Jinja2 with autoescaping on for every template, the security headers
every page carries, and the one place where a failure becomes an HTML error page.

Web pages never answer with Twilio's JSON error envelope: each page resource derives from
``HtmlResource``, whose responders turn WebError, domain errors, Falcon errors and the unexpected into
an HTML page here, and answer 405 (as HTML) to methods they do not define.
"""

import functools
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

import falcon

from connectapps.domain.errors import Busy, DomainError, Forbidden, InvalidParameter, NotFound, Throttled
from connectapps.web import static
from connectapps.wire import methods
from connectapps.wire.errors import log_unexpected

if TYPE_CHECKING:
    import jinja2

HTML = "text/html; charset=utf-8"
BUSY_RETRY_SECONDS = 1

log = logging.getLogger("connectapps.web")


def when(moment: datetime) -> str:
    """A date as the console shows it: UTC, to the second, the same on every page."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@functools.cache
def _templates() -> "jinja2.Environment":
    """Made, and Jinja2 imported, at the first page: a worker that only answers the API never holds
    them (1.8 MB of RSS a worker; docs/benchmarks.md)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("connectapps.web", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["static"] = static.url
    env.filters["when"] = when
    return env


def content_security_policy(form_target: str | None = None) -> str:
    """Scripts and styles only from our static files (no inline script), forms only to us (and ``form_target``).

    Chromium applies ``form-action`` to the redirect that answers a form post too, so the
    consent page must name the origin of the app's stored redirect URL.
    """
    form_action = "'self'" + (f" {form_target}" if form_target else "")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )


def security_headers(resp: falcon.Response, form_target: str | None = None) -> None:
    resp.set_header("Content-Security-Policy", content_security_policy(form_target))
    resp.set_header("X-Frame-Options", "DENY")
    resp.set_header("Referrer-Policy", "no-referrer")
    resp.set_header("Cache-Control", "no-store")
    resp.set_header("X-Content-Type-Options", "nosniff")


def render(resp: falcon.Response, template: str, status: int = 200, form_target: str | None = None,
           **context: Any) -> None:
    """Answer with ``template`` rendered (its values escaped) and the security headers."""
    security_headers(resp, form_target)
    resp.status = status
    resp.content_type = HTML
    resp.text = _templates().get_template(template).render(**context)


def redirect(resp: falcon.Response, location: str) -> None:
    """A 303 See Other: after a form post the browser follows with a GET."""
    security_headers(resp)
    resp.status = 303
    resp.location = location


class SeeOther(Exception):
    """Raised by a responder to send the browser elsewhere (a 303, as Falcon's ``HTTPSeeOther``):
    a handler that cannot go on (a signed-out visitor) stops there, without a guard in its caller."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class WebError(Exception):
    """A failure a person sees as a page: HTTP status, a title and a sentence that explains it."""

    def __init__(self, status: int, title: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.message = message
        self.headers = headers or {}


def from_domain(exc: DomainError) -> WebError:
    """The page for a rule the request broke."""
    if isinstance(exc, NotFound):
        return WebError(404, "Connect App not found",
                        f"There is no Connect App {exc}. Check the link that brought you here.")
    if isinstance(exc, InvalidParameter) and exc.kind == InvalidParameter.NO_REDIRECT_URL:
        return WebError(400, "This Connect App cannot be authorized yet",
                        "It has no Authorize URL to send you back to. Its developer must set one first.")
    if isinstance(exc, Throttled):
        seconds = math.ceil(exc.retry_after.total_seconds())
        later = "in a minute" if seconds <= 60 else f"in {math.ceil(seconds / 60)} minutes"
        return WebError(429, "Too many attempts", f"Too many failed sign-in attempts. Try again {later}.",
                        {"Retry-After": str(seconds)})
    if isinstance(exc, Busy):
        return WebError(503, "Try again", "Too many people are signing in right now. Try again in a moment.",
                        {"Retry-After": str(BUSY_RETRY_SECONDS)})
    if isinstance(exc, Forbidden):
        return WebError(403, "Not allowed", "You are not allowed to do that.")
    return WebError(400, "Bad request", "The request could not be completed.")


def error_page(resp: falcon.Response, error: WebError) -> None:
    resp.delete_header("Location")
    for name, value in error.headers.items():
        resp.set_header(name, value)
    security_headers(resp)
    resp.status = error.status
    resp.content_type = HTML
    resp.text = _error_html(error.title, error.message)


@functools.lru_cache(maxsize=64)
def _error_html(title: str, message: str) -> str:
    """An error page's HTML: the same for everyone (no user, no token), so rendered once — the
    503 a flood of sign-ins gets costs next to nothing."""
    return _templates().get_template("error.html").render(title=title, message=message)


def not_found(resp: falcon.Response) -> None:
    """The page for an address that no route serves."""
    error_page(resp, WebError(404, "Page not found",
                              "There is no page at this address. Check the link that brought you here."))


Responder = Callable[..., None]


def _guarded(responder: Responder) -> Responder:
    @functools.wraps(responder)
    def guarded(self: Any, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        try:
            responder(self, req, resp, **params)
        except SeeOther as exc:
            redirect(resp, exc.location)
        except WebError as exc:
            error_page(resp, exc)
        except DomainError as exc:
            error_page(resp, from_domain(exc))
        except falcon.HTTPError as exc:
            error_page(resp, WebError(exc.status_code, exc.title or "Error", exc.description or ""))
        except Exception as exc:
            log_unexpected(req, exc)
            error_page(resp, WebError(500, "Something went wrong", "The server could not answer. Try again."))

    return guarded


def _not_allowed(self: "HtmlResource", req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
    error_page(resp, WebError(405, "Method not allowed", f"{req.method} is not supported here.",
                              {"Allow": self.allowed}))


class HtmlResource:
    """A web page resource. Subclasses define ``on_get``/``on_post``; every failure is a page.
    HEAD and OPTIONS come with GET (wire/methods.py); any other method is a 405 page."""

    allowed: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, responder in list(cls.__dict__.items()):
            if name.startswith("on_") and callable(responder):
                setattr(cls, name, _guarded(responder))
        cls.allowed = methods.complete(cls, _not_allowed)
