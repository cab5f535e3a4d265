"""The console's Connect App form: what it shows, what it reads, and its error in the API's words.

The form sends every field every time (a browser cannot leave one out), so a save writes all of
them, validated by the same domain rules as a POST to the REST API; an invalid value re-shows the
form with what the user typed and the message Twilio's API gives for it (wire/errors.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Self

from connectapps.domain.authorizations import PERMISSION_WORDS
from connectapps.domain.connect_apps import DEFAULT_CALLBACK_METHOD, Changes
from connectapps.domain.errors import InvalidParameter
from connectapps.domain.models import CALLBACK_METHODS, PERMISSIONS, ConnectApp
from connectapps.web.inputs import last
from connectapps.wire import errors
from connectapps.wire.forms import param_name

METHOD = "deauthorize_callback_method"
PERMISSIONS_FIELD = "permissions"
ACCOUNT_FIELD = "account"


@dataclass(frozen=True, slots=True)
class Field:
    """One text input of the form, labelled with the API parameter it stands for."""

    name: str
    label: str
    kind: str  # an <input> type, or "textarea"
    hint: str

    @property
    def param(self) -> str:
        return param_name(self.name)


FIELDS = (
    Field("friendly_name", "Name", "text", "Shown to people on the consent page. Up to 64 characters."),
    Field("company_name", "Company", "text", "Who makes the app."),
    Field("description", "Description", "textarea", "What the app does with the access it asks for."),
    Field("homepage_url", "Homepage URL", "url", "Linked from the consent page."),
    Field("authorize_redirect_url", "Authorize redirect URL", "url",
          "Where people go after they answer, with AccountSid (or error) and state. "
          "The app cannot be authorized without one."),
    Field("deauthorize_callback_url", "Deauthorize callback URL", "url",
          "Called with AccountSid and ConnectAppSid when someone revokes access."),
)
TEXT_NAMES = tuple(f.name for f in FIELDS)

# What the form template needs besides the form itself.
TEMPLATE_CONTEXT = {
    "fields": FIELDS,
    "methods": CALLBACK_METHODS,
    "method_param": param_name(METHOD),
    "permission_choices": tuple((p, PERMISSION_WORDS[p]) for p in PERMISSIONS),
    "permissions_param": param_name(PERMISSIONS_FIELD),
}


@dataclass(frozen=True, slots=True)
class AppForm:
    """The values a Connect App form shows (the app's, or what the user sent) and its error."""

    values: dict[str, str]
    permissions: tuple[str, ...]
    account_sid: str = ""
    error: str | None = None
    error_field: str | None = None

    @classmethod
    def blank(cls, account_sid: str = "") -> Self:
        return cls({**dict.fromkeys(TEXT_NAMES, ""), METHOD: DEFAULT_CALLBACK_METHOD}, (), account_sid)

    @classmethod
    def of(cls, app: ConnectApp) -> Self:
        values = {name: getattr(app, name) or "" for name in TEXT_NAMES}
        values[METHOD] = app.deauthorize_callback_method or DEFAULT_CALLBACK_METHOD
        return cls(values, app.permissions, app.account_sid)

    @classmethod
    def read(cls, fields: dict[str, list[str]]) -> Self:
        """The form as sent: one value per text field, every checked permission."""
        values = {name: last(fields, name) for name in (*TEXT_NAMES, METHOD)}
        return cls(values, tuple(fields.get(PERMISSIONS_FIELD, ())), last(fields, ACCOUNT_FIELD))

    def changes(self) -> Changes:
        """The raw changes for the domain: every field, as the REST API would receive them."""
        raw: dict[str, str | Sequence[str]] = dict(self.values)
        raw[PERMISSIONS_FIELD] = list(self.permissions)
        return raw

    def failed(self, exc: InvalidParameter, path: str) -> Self:
        """This form again, with the message the REST API gives for ``exc``."""
        return replace(self, error=errors.from_domain(exc, path).message, error_field=exc.field)
