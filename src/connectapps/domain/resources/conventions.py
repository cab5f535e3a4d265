"""The few facts the spec does not state in a form a program can read, as explicit tables.

Everything else the engine knows comes from the spec itself (spec.py, compiled by contract.py).
"""

import re

ACCOUNT_PATH = "/2010-04-01/Accounts/{AccountSid}"

# Schemas that are other views of one stored resource: a call's recordings are Recordings, a local
# number is an IncomingPhoneNumber. Key: the schema name without "api.v2010.account."; value: the kind.
ALIASES = {
    "call.call_recording": "recording",
    "conference.conference_recording": "recording",
    "recording.recording_transcription": "transcription",
    "notification-instance": "notification",
    "call.call_notification": "notification",
    "call.call_notification-instance": "notification",
    "incoming_phone_number.incoming_phone_number_local": "incoming_phone_number",
    "incoming_phone_number.incoming_phone_number_mobile": "incoming_phone_number",
    "incoming_phone_number.incoming_phone_number_toll_free": "incoming_phone_number",
    "address.dependent_phone_number": "incoming_phone_number",
}

# Form parameters that set a property of another name (the rule is FriendlyName -> friendly_name).
# A SIP mapping's SID is the SID of the list it maps, as on Twilio.
PARAM_FIELDS = {
    ("CreateSipCredentialListMapping", "CredentialListSid"): "sid",
    ("CreateSipAuthCallsCredentialListMapping", "CredentialListSid"): "sid",
    ("CreateSipAuthRegistrationsCredentialListMapping", "CredentialListSid"): "sid",
    ("CreateSipIpAccessControlListMapping", "IpAccessControlListSid"): "sid",
    ("CreateSipAuthCallsIpAccessControlListMapping", "IpAccessControlListSid"): "sid",
}

# Path parameters naming the parent that the representation calls otherwise (Media: ``parent_sid``).
PATH_FIELDS = {
    ("message.media", "MessageSid"): "parent_sid",
}

# Lists that are a view of another collection, selected by a property rather than by a parent:
# an Address's dependent phone numbers are the account's numbers whose ``address_sid`` is that
# Address; the Local/Mobile/TollFree lists are the numbers of that type (a create there sets it).
PATH_MATCHES = {
    "ListDependentPhoneNumber": (("address_sid", "AddressSid"),),
}
NUMBER_TYPE = "_type"  # a stored property no representation shows
FIXED = {
    "ListIncomingPhoneNumberLocal": {NUMBER_TYPE: "local"},
    "CreateIncomingPhoneNumberLocal": {NUMBER_TYPE: "local"},
    "ListIncomingPhoneNumberMobile": {NUMBER_TYPE: "mobile"},
    "CreateIncomingPhoneNumberMobile": {NUMBER_TYPE: "mobile"},
    "ListIncomingPhoneNumberTollFree": {NUMBER_TYPE: "toll_free"},
    "CreateIncomingPhoneNumberTollFree": {NUMBER_TYPE: "toll_free"},
}

# Query parameters that select by date: ``DateSent=2024-05-01`` (that day), ``DateSent<=…`` (sent
# then or before; the SDKs send the name ``DateSent<``), ``DateSent>=…`` (then or after).
DATE_FILTERS = {"DateSent": "date_sent", "DateCreated": "date_created", "DateUpdated": "date_updated",
                "StartTime": "start_time", "EndTime": "end_time", "MessageDate": "message_date"}

# Documented defaults, read from the parameters' descriptions ("The default is `POST`").
_DEFAULT_TEXT = (
    re.compile(r"(?:[Dd]efaults?(?: value)?(?: is| to)?:?|[Dd]efaults to|default of)\s+(?:is\s+)?`([^`]+)`"),
    re.compile(r"[Tt]he default(?: value)? is (\d+)\b"),
)
# Descriptions whose "default" is not a value of the property (a template, or another account's).
IGNORED_DEFAULTS = frozenset({("CreateAccount", "FriendlyName")})


def documented_default(description: str) -> str | None:
    """The default a parameter's description states, or None."""
    for pattern in _DEFAULT_TEXT:
        match = pattern.search(description)
        if match:
            return match.group(1)
    return None


def kind_name(schema: str) -> str:
    """The stored kind a response schema shows: ``api.v2010.account.call.call_recording`` -> ``recording``."""
    short = schema.removeprefix("api.v2010.account.")
    return ALIASES.get(short, short)
