"""HTTP methods, answered alike on every route (API, web pages, health).

- ``HEAD`` works wherever ``GET`` works: the same responder, and Falcon sends the headers without the
  body (keeping ``Content-Length``), so load balancers can probe with either.
- ``OPTIONS`` answers 200 with ``Allow`` naming exactly the methods that work, and no body nor
  ``Content-Type``.
- Every other method Falcon knows (PUT, PATCH, DELETE, TRACE, the WebDAV ones…) gets the resource
  kind's refusal: a 405 with the same ``Allow``. Falcon's own 405 would list every ``on_*`` attribute,
  refusals included.
"""

from collections.abc import Callable
from typing import Any, ClassVar

import falcon
from falcon.constants import COMBINED_METHODS

from connectapps.wire import errors

Responder = Callable[..., None]

# The order methods are listed in ``Allow``; any other method that works comes before OPTIONS.
_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_KNOWN = tuple(m for m in COMBINED_METHODS if m != "WEBSOCKET")  # WEBSOCKET is Falcon's, not HTTP's


def _name(method: str) -> str:
    return f"on_{method.lower()}"


def complete(cls: type, refuse: Responder) -> str:
    """Give ``cls`` HEAD (if it answers GET), OPTIONS, and ``refuse`` for every other method;
    return its ``Allow`` value. ``refuse`` marks a method as not working wherever it is found."""
    def works(method: str) -> bool:
        responder = getattr(cls, _name(method), None)
        return responder is not None and responder is not refuse

    if works("GET") and _name("HEAD") not in cls.__dict__:
        setattr(cls, _name("HEAD"), getattr(cls, _name("GET")))
    working = [m for m in _KNOWN if m != "OPTIONS" and works(m)]
    ordered = [m for m in _ORDER if m in working] + [m for m in working if m not in _ORDER]
    allowed = ", ".join([*ordered, "OPTIONS"])
    setattr(cls, _name("OPTIONS"), _options)
    for method in _KNOWN:
        if method != "OPTIONS" and not works(method):
            setattr(cls, _name(method), refuse)
    return allowed


def _options(self: Any, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
    """The methods this route answers; no body, so no content type."""
    resp.status = 200
    resp.set_header("Allow", self.allowed)
    resp.data = b""


class Unauthenticated:
    """A resource outside the API's authentication (health probes, ``/openapi.json``): its methods
    completed as above, every other method a 405 in Twilio's envelope."""

    allowed: ClassVar[str] = ""

    def _refuse(self, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        raise errors.method_not_allowed(req.method, req.path, self.allowed)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.allowed = complete(cls, Unauthenticated._refuse)
