"""Resource URIs, host-relative as Twilio gives them (the SDKs prepend their base URL)."""

API_VERSION = "/2010-04-01"


def account(account_sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}.json"


def connect_apps(account_sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}/ConnectApps.json"


def connect_app(account_sid: str, sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}/ConnectApps/{sid}.json"


def authorized_connect_apps(account_sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}/AuthorizedConnectApps.json"


def authorized_connect_app(account_sid: str, connect_app_sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}/AuthorizedConnectApps/{connect_app_sid}.json"


def accounts() -> str:
    return f"{API_VERSION}/Accounts.json"


# An account's ``subresource_uris``: every entry of the spec's own Account example, in its order. (``sip`` and
# ``usage`` name groups of resources, not lists: Twilio's example carries them all the same.)
ACCOUNT_SUBRESOURCES = (
    ("available_phone_numbers", "AvailablePhoneNumbers"), ("calls", "Calls"), ("conferences", "Conferences"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"), ("notifications", "Notifications"),
    ("outgoing_caller_ids", "OutgoingCallerIds"), ("recordings", "Recordings"), ("transcriptions", "Transcriptions"),
    ("addresses", "Addresses"), ("signing_keys", "SigningKeys"), ("connect_apps", "ConnectApps"), ("sip", "SIP"),
    ("authorized_connect_apps", "AuthorizedConnectApps"), ("usage", "Usage"), ("keys", "Keys"),
    ("applications", "Applications"), ("short_codes", "SMS/ShortCodes"), ("queues", "Queues"),
    ("messages", "Messages"), ("balance", "Balance"),
)


def account_subresources(account_sid: str) -> dict[str, str]:
    return {name: f"{API_VERSION}/Accounts/{account_sid}/{path}.json" for name, path in ACCOUNT_SUBRESOURCES}


def keys(account_sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}/Keys.json"
