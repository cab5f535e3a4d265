"""Twilio's error envelope, and the one table from domain exceptions to Twilio error codes.

Body: ``{"code", "message", "more_info", "status"}`` with the HTTP status. twilio-python reads
``code`` and ``message``; twilio-node and twilio-cli also read ``more_info``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from connectapps.domain.errors import (
    AccountNotActive,
    DomainError,
    Forbidden,
    InvalidParameter,
    KeyNotPermitted,
    NotAuthenticated,
    NotFound,
)
from connectapps.wire import render
from connectapps.wire.forms import FormError, param_name

if TYPE_CHECKING:  # imported by ``install``: the command line, which renders errors too, never loads Falcon
    import falcon

MORE_INFO = "https://www.twilio.com/docs/errors/{code}"
log = logging.getLogger("connectapps.errors")
WWW_AUTHENTICATE = 'Basic realm="Twilio API"'
# What Twilio answers a Standard API key on the Accounts and Keys resources (support article 50301225354651).
INVALID_USERNAME = "Authentication Error - invalid username"

# Codes used here, each from Twilio's error dictionary (docs/compatibility.md has the sources).
ACCOUNT_NOT_ACTIVE = 10001
INVALID_PARAMETER = 20001
INVALID_FRIENDLY_NAME = 20002
AUTHENTICATE = 20003
METHOD_NOT_ALLOWED = 20004
ACCESS_DENIED = 20006
PAGE_SIZE_TOO_LARGE = 20007
NOT_FOUND = 20404
TOO_MANY_REQUESTS = 20429
INTERNAL_ERROR = 20500
INVALID_METHOD = 21403
INVALID_PAGE_TOKEN = 21481
INVALID_URL = 21502


class TwilioError(Exception):
    """An error answer: HTTP status, Twilio code, message. Raised by the wire layer, rendered below."""

    def __init__(self, status: int, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def not_found(path: str) -> TwilioError:
    return TwilioError(404, NOT_FOUND, f"The requested resource {path} was not found")


def not_authenticated(message: str = "Authenticate") -> TwilioError:
    return TwilioError(401, AUTHENTICATE, message, {"WWW-Authenticate": WWW_AUTHENTICATE})


def too_many_requests(retry_after: int = 1) -> TwilioError:
    """Twilio's answer to an account over its concurrency limit: not processed, safe to retry."""
    return TwilioError(429, TOO_MANY_REQUESTS, "Too Many Requests", {"Retry-After": str(retry_after)})


def method_not_allowed(method: str, path: str, allowed: str) -> TwilioError:
    return TwilioError(
        405, METHOD_NOT_ALLOWED, f"Method not allowed: {method} is not supported on {path}", {"Allow": allowed}
    )


def _invalid_parameter(exc: InvalidParameter) -> TwilioError:
    param = param_name(exc.field)
    table: dict[str, tuple[int, str]] = {
        InvalidParameter.URL: (INVALID_URL, f"{param} is not a valid URL: {exc.value}"),
        InvalidParameter.ENUM: (INVALID_METHOD, f"{param} must be GET or POST, not '{exc.value}'"),
        InvalidParameter.TOO_LONG: (
            INVALID_FRIENDLY_NAME, f"{param} must be between 1 and {exc.value} characters long",
        ),
        InvalidParameter.CONTROL: (INVALID_PARAMETER, f"{param} must not contain control characters"),
        InvalidParameter.PERMISSION: (
            INVALID_PARAMETER, f"{param} has an unknown permission '{exc.value}': use get-all or post-all",
        ),
        InvalidParameter.PAGE_SIZE: (
            INVALID_PARAMETER, f"{param} must be an integer from 1 to 1000, not '{exc.value}'",
        ),
        InvalidParameter.PAGE_SIZE_TOO_LARGE: (PAGE_SIZE_TOO_LARGE, "The maximum page size is 1000"),
        InvalidParameter.PAGE: (INVALID_PARAMETER, f"{param} must be a non-negative integer, not '{exc.value}'"),
        InvalidParameter.PAGE_TOKEN: (INVALID_PAGE_TOKEN, f"Invalid {param}: '{exc.value}'"),
        InvalidParameter.ACCOUNT_STATUS: (
            INVALID_PARAMETER, f"{param} must be active, suspended or closed, not '{exc.value}'",
        ),
        InvalidParameter.CLOSED_ACCOUNT: (INVALID_PARAMETER, "A closed account cannot be reopened"),
        InvalidParameter.EMAIL: (INVALID_PARAMETER, f"{param} is not a valid email address"),
        InvalidParameter.EMAIL_TAKEN: (INVALID_PARAMETER, f"{param} is already registered"),
        InvalidParameter.PASSWORD: (INVALID_PARAMETER, f"{param} must be at least {exc.value} characters long"),
        InvalidParameter.NO_REDIRECT_URL: (
            INVALID_PARAMETER, f"The Connect App {exc.value} has no AuthorizeRedirectUrl",
        ),
        InvalidParameter.INACTIVE_ACCOUNT: (
            INVALID_PARAMETER, f"The account is {exc.value}: Connect Apps can only be created in an active account",
        ),
        InvalidParameter.MAIN_ACCOUNT_STATUS: (
            INVALID_PARAMETER, "The status of a main account cannot be changed through the API",
        ),
    }
    code, message = table[exc.kind]
    return TwilioError(400, code, message)


def from_domain(exc: DomainError, path: str) -> TwilioError:
    """The Twilio answer for a rule the caller broke."""
    if isinstance(exc, NotFound):
        return not_found(path)
    if isinstance(exc, KeyNotPermitted):
        return not_authenticated(INVALID_USERNAME)
    if isinstance(exc, NotAuthenticated):
        return not_authenticated()
    if isinstance(exc, InvalidParameter):
        return _invalid_parameter(exc)
    if isinstance(exc, Forbidden):
        return TwilioError(403, ACCESS_DENIED, f"Access Denied: {exc.reason}")
    if isinstance(exc, AccountNotActive):
        return TwilioError(403, ACCOUNT_NOT_ACTIVE, f"Account is not active: it is {exc.status}")
    raise TypeError(f"no Twilio code for {type(exc).__name__}")  # a missing row in this table


def envelope(error: TwilioError) -> dict[str, Any]:
    return {
        "code": error.code,
        "message": error.message,
        "more_info": MORE_INFO.format(code=error.code),
        "status": error.status,
    }


def render_error(resp: falcon.Response, error: TwilioError) -> None:
    resp.context.twilio_code = error.code  # for the admin API's request journal
    resp.status = error.status
    resp.content_type = render.JSON
    resp.data = render.encode(envelope(error))
    resp.context.twilio_code = error.code  # for the access log
    for name, value in error.headers.items():
        resp.set_header(name, value)


def log_unexpected(req: falcon.Request, exc: BaseException) -> None:
    """A 500's traceback in the server's log, the same for the API and the web pages. The traceback
    names code, never request data: no credentials reach the log."""
    log.error("unhandled error on %s %s", req.method, req.path, exc_info=exc,
              extra={"event": "unhandled_error", "fields": {"method": req.method, "path": req.path}})


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    """Route every failure through the envelope: ours, the domain's, Falcon's, and the unexpected."""
    import falcon

    def on_twilio(req: falcon.Request, resp: falcon.Response, exc: TwilioError, params: Any) -> None:
        render_error(resp, exc)

    def on_domain(req: falcon.Request, resp: falcon.Response, exc: DomainError, params: Any) -> None:
        render_error(resp, from_domain(exc, req.path))

    def on_form(req: falcon.Request, resp: falcon.Response, exc: FormError, params: Any) -> None:
        render_error(resp, TwilioError(400, INVALID_PARAMETER, f"Unreadable request body: {exc}"))

    def on_http(req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError, params: Any) -> None:
        if exc.status_code == 404:
            error = not_found(req.path)
        elif exc.status_code == 405:
            allowed = dict(exc.headers or {}).get("Allow", "")
            error = method_not_allowed(req.method, req.path, allowed)
        else:
            error = TwilioError(exc.status_code, exc.status_code, exc.title or "Error")
        render_error(resp, error)

    def on_unexpected(req: falcon.Request, resp: falcon.Response, exc: Exception, params: Any) -> None:
        log_unexpected(req, exc)
        render_error(resp, TwilioError(500, INTERNAL_ERROR, "Internal Server Error"))

    # Falcon picks the most specific handler for an exception.
    app.add_error_handler(Exception, on_unexpected)
    app.add_error_handler(falcon.HTTPError, on_http)
    app.add_error_handler(DomainError, on_domain)
    app.add_error_handler(TwilioError, on_twilio)
    app.add_error_handler(FormError, on_form)
