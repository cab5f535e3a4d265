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


def keys(account_sid: str) -> str:
    return f"{API_VERSION}/Accounts/{account_sid}/Keys.json"
