"""The Twilio error for a parameter a spec-driven operation refused: 400, with the specific code
Twilio documents for the common resources, 20001 otherwise (docs/compatibility.md cites each)."""

from typing import Any

import falcon

from connectapps.domain.resources.errors import Conflict, InvalidValue, MissingParameter, ParameterError
from connectapps.wire.errors import INVALID_PARAMETER, TwilioError, render_error

MISSING = "missing"
INVALID = "invalid"

# (operation, parameter, problem) -> (code, message); {value} is the value sent.
SPECIFIC: dict[tuple[str, str, str], tuple[int, str]] = {
    ("CreateMessage", "To", MISSING): (21604, "A 'To' phone number is required."),
    ("CreateMessage", "From", MISSING): (21603, "A 'From' phone number is required."),
    ("CreateMessage", "Body", MISSING): (21619, "A text message body or media urls must be specified."),
    ("CreateCall", "To", MISSING): (21201, "No 'To' number is specified"),
    ("CreateCall", "From", MISSING): (21213, "No 'From' number is specified"),
    ("CreateCall", "Url", MISSING): (
        21205, "Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml"),
    ("CreateCall", "Url", INVALID): (21205, "Url is not a valid URL: {value}"),
}


def twilio_error(exc: ParameterError) -> TwilioError:
    problem = MISSING if isinstance(exc, MissingParameter) else INVALID
    specific = SPECIFIC.get((exc.operation, exc.param, problem))
    if specific is not None:
        code, template = specific
        return TwilioError(400, code, template.format(value=exc.value))
    if isinstance(exc, MissingParameter):
        return TwilioError(400, INVALID_PARAMETER, f"Missing required parameter {exc.param} in the post body")
    if isinstance(exc, InvalidValue):
        return TwilioError(400, INVALID_PARAMETER, f"{exc.param} must be {exc.expected}, not '{exc.value}'")
    if isinstance(exc, Conflict):
        return TwilioError(400, INVALID_PARAMETER, f"{exc.param} {exc.value} is already there")
    raise TypeError(f"no Twilio code for {type(exc).__name__}")


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    def on_parameter(req: falcon.Request, resp: falcon.Response, exc: ParameterError, params: Any) -> None:
        render_error(resp, twilio_error(exc))

    app.add_error_handler(ParameterError, on_parameter)
