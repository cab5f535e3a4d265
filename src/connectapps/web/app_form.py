"""The console's Connect App form: what it shows, what it reads, and its errors in plain words.

The form sends every field every time (a browser cannot leave one out), so a save writes all of
them, validated by the same domain rules as a POST to the REST API. Every field is checked on its
own, so the form comes back with every problem at once, each next to its field and said in plain
words ("Homepage URL must be a web address starting with http:// or https://"), and with what the
person typed. A rule this module has no words for is shown in the API's own message.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Self

from connectapps.domain.authorizations import PERMISSION_WORDS
from connectapps.domain.connect_apps import DEFAULT_CALLBACK_METHOD, Changes, validate_changes
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
LABELS = {**{f.name: f.label for f in FIELDS}, METHOD: "Deauthorize callback method",
          PERMISSIONS_FIELD: "Permissions"}

# What the form template needs besides the form itself.
TEMPLATE_CONTEXT: dict[str, Any] = {
    "fields": FIELDS,
    "methods": CALLBACK_METHODS,
    "method_param": param_name(METHOD),
    "permission_choices": tuple((p, PERMISSION_WORDS[p]) for p in PERMISSIONS),
    "permissions_param": param_name(PERMISSIONS_FIELD),
}


def plain_words(exc: InvalidParameter, typed: str | Sequence[str]) -> str:
    """What is wrong with a field, said to a person rather than to an API client."""
    label = LABELS.get(exc.field, exc.field)
    if exc.kind == InvalidParameter.URL:
        if isinstance(typed, str) and typed.lower().startswith(("http://", "https://")):
            return f"{label} contains characters a web address cannot have (such as spaces, quotes, < or >)."
        return f"{label} must be a web address starting with http:// or https://"
    if exc.kind == InvalidParameter.TOO_LONG:
        return f"{label} can be at most {exc.value} characters long; this one has {len(typed)}."
    if exc.kind == InvalidParameter.CONTROL:
        return f"{label} contains a control character (such as NUL or Escape) that cannot be saved. Remove it."
    if exc.kind == InvalidParameter.ENUM:
        return f"Choose GET or POST as the {label.lower()}."
    if exc.kind == InvalidParameter.PERMISSION:
        return f"“{exc.value}” is not a permission: choose from the ones listed."
    return errors.from_domain(exc, "").message


@dataclass(frozen=True, slots=True)
class AppForm:
    """The values a Connect App form shows (the app's, or what the user sent) and their problems."""

    values: dict[str, str]
    permissions: tuple[str, ...]
    account_sid: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # field name -> what is wrong, in plain words

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

    def checked(self) -> Self:
        """This form with the problem of every field that breaks a rule (none: ``errors`` is empty)."""
        problems: dict[str, str] = {}
        for name, value in self.changes().items():
            try:
                validate_changes({name: value})
            except InvalidParameter as exc:
                problems[exc.field] = plain_words(exc, value)
        return replace(self, errors=problems)

    def failed(self, exc: InvalidParameter) -> Self:
        """This form with one more problem, found when it was saved."""
        typed = self.changes().get(exc.field, "")
        return replace(self, errors={**self.errors, exc.field: plain_words(exc, typed)})
