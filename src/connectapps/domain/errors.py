"""Domain exceptions. The wire layer maps each to a Twilio error code in one table (wire/errors.py)."""

from datetime import timedelta


class DomainError(Exception):
    """Base of every rule violation a caller can trigger."""


class NotFound(DomainError):
    """The resource does not exist, or is not visible to the caller."""


class NotAuthenticated(DomainError):
    """Missing or wrong credentials, or an account that may not authenticate."""


class KeyNotPermitted(NotAuthenticated):
    """A Standard API key on the Accounts or Keys resources: Twilio answers these as an
    authentication error (401 / 20003, "invalid username"), not as a 403."""


class Forbidden(DomainError):
    """The caller is known, and may reach this account, but not do this."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccountNotActive(DomainError):
    """The account is suspended or closed: what it holds can be read (by its parent or an app it
    authorized), but nothing in it can be created, changed or deleted."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Throttled(DomainError):
    """Too many recent failed attempts; try again after ``retry_after``."""

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after


class Busy(DomainError):
    """Too many passwords are being checked at this moment; try again in a moment.

    Checking a password costs tens of milliseconds of CPU and 64 MiB; refusing at once keeps the
    server answering everything else during a flood of sign-ins.
    """


class ConsentChanged(DomainError):
    """The Connect App changed between showing its consent page and the user's answer."""


class InvalidParameter(DomainError):
    """A parameter value breaks a rule. ``kind`` says which rule, for the code table."""

    URL = "url"
    ENUM = "enum"
    TOO_LONG = "too_long"
    CONTROL = "control"
    PERMISSION = "permission"
    PAGE_SIZE = "page_size"
    PAGE_SIZE_TOO_LARGE = "page_size_too_large"
    PAGE = "page"
    PAGE_TOKEN = "page_token"
    ACCOUNT_STATUS = "account_status"
    CLOSED_ACCOUNT = "closed_account"
    MAIN_ACCOUNT_STATUS = "main_account_status"
    EMAIL = "email"
    EMAIL_TAKEN = "email_taken"
    PASSWORD = "password"
    NO_REDIRECT_URL = "no_redirect_url"
    INACTIVE_ACCOUNT = "inactive_account"

    def __init__(self, field: str, kind: str, value: str) -> None:
        super().__init__(f"{field}: {kind}")
        self.field = field
        self.kind = kind
        self.value = value
