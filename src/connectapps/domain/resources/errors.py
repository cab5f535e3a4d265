"""What a request to a spec-driven resource can get wrong. The wire maps each to Twilio's code
(api/resources/errors.py), per operation where Twilio documents a specific one."""

from connectapps.domain.errors import DomainError


class ParameterError(DomainError):
    """A parameter of ``operation`` breaks a rule; ``param`` is its wire name (``To``)."""

    def __init__(self, operation: str, param: str, value: str = "") -> None:
        super().__init__(f"{operation}: {param}")
        self.operation = operation
        self.param = param
        self.value = value


class MissingParameter(ParameterError):
    """A required parameter (or one of a required group, named by the first) was not sent."""


class InvalidValue(ParameterError):
    """A value of the wrong type, outside the enum, not matching the pattern, or not a URL.

    ``expected`` says what would have been accepted, for the message.
    """

    def __init__(self, operation: str, param: str, value: str, expected: str) -> None:
        super().__init__(operation, param, value)
        self.expected = expected


class Conflict(ParameterError):
    """The value names something that already exists where only one may (a mapping made twice)."""
