"""Schemathesis hooks for the fuzz run (loaded by the CLI through ``SCHEMATHESIS_HOOKS``): every error
answer must be Twilio's envelope."""

from typing import Any

import orjson
import schemathesis

ENVELOPE_KEYS = {"code", "message", "more_info", "status"}


@schemathesis.check
def twilio_error_envelope(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                          case: schemathesis.Case[Any]) -> bool | None:
    """A 4xx answer (a 5xx fails ``not_a_server_error`` already) is ``{code, message, more_info,
    status}``: ``status`` the HTTP status, ``code`` an integer, ``more_info`` Twilio's error page."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return None
    try:
        body: Any = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise AssertionError(f"{response.status_code} answer is not JSON: {response.content[:200]!r}") from None
    if not isinstance(body, dict) or set(body) != ENVELOPE_KEYS:
        raise AssertionError(f"{response.status_code} answer is not Twilio's error envelope: {body!r}")
    if body["status"] != response.status_code or not isinstance(body["code"], int) or isinstance(body["code"], bool):
        raise AssertionError(f"envelope does not match the answer's status {response.status_code}: {body!r}")
    if body["more_info"] != f"https://www.twilio.com/docs/errors/{body['code']}" or not body["message"]:
        raise AssertionError(f"envelope's more_info or message is wrong: {body!r}")
    content_type = response.headers.get("content-type", [""])[0]
    if not content_type.startswith("application/json"):
        raise AssertionError(f"error envelope served as {content_type!r}")
    return None
