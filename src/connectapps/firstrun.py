"""``connectapps serve --demo``: what a person needs in their first ten minutes, printed.

On an empty database it creates a demo person (an email and a random password, printed once),
their account and a Connect App whose consent page sends people back to the console, and prints
the three URLs that matter: the console, the app's consent page, the API base URL. On a
database that has data it creates nothing and prints how to get back in.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from connectapps.domain import connect_apps, users
from connectapps.domain.models import Account, ConnectApp
from connectapps.domain.store import Store

DEMO_EMAIL = "demo@example.com"
DEMO_ACCOUNT_NAME = "Demo account"
DEMO_APP_NAME = "Demo Connect App"
DEMO_STATE = "demo"
# Where the consent page sends the person back to: the console's list of apps they authorized,
# which greets them with a fixed notice (web/console.py NOTICES["connected"]).
DEMO_RETURN_PATH = "/console/authorized?done=connected"
_WILDCARD_HOSTS = ("", "0.0.0.0", "::")
STARTING = "Starting the server at {base} (Ctrl-C stops it)."

SNIPPET = """\
from twilio.rest import Client

client = Client("{account_sid}", "{auth_token}")
client.api.base_url = "{base_url}"
app = client.api.v2010.account.connect_apps("{app_sid}").fetch()
print(app.friendly_name, app.permissions)
"""


def base_url(host: str, port: int) -> str:
    """The URL a browser on this machine reaches the server at (a wildcard address means loopback)."""
    shown = "127.0.0.1" if host in _WILDCARD_HOSTS else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def consent_url(base: str, app_sid: str) -> str:
    return f"{base}/authorize/{app_sid}?state={DEMO_STATE}"


@dataclass(frozen=True, slots=True)
class Demo:
    email: str
    password: str
    account: Account
    app: ConnectApp


def create_demo(store: Store, base: str) -> Demo:
    """The demo person, their account, and a Connect App they own that returns to the console."""
    password = secrets.token_urlsafe(12)
    created = users.create(store, DEMO_EMAIL, password)
    account = store.update_account(created.account.sid, {"friendly_name": DEMO_ACCOUNT_NAME}, datetime.now(UTC))
    assert account is not None
    app = connect_apps.create(store, account.sid, {
        "friendly_name": DEMO_APP_NAME,
        "company_name": "Example Co",
        "description": "Created by connectapps serve --demo. Authorizing it sends you back to the console.",
        "homepage_url": "https://example.com",
        "authorize_redirect_url": base + DEMO_RETURN_PATH,
        "deauthorize_callback_url": "https://example.com/deauthorize",
        "deauthorize_callback_method": "POST",
        "permissions": ["get-all"],
    })
    return Demo(created.user.email, password, account, app)


def demo_text(demo: Demo, base: str, database_flag: str = "") -> str:
    """What ``serve --demo`` prints on an empty database: how to sign in, the URLs, the snippet."""
    snippet = SNIPPET.format(account_sid=demo.account.sid, auth_token=demo.account.auth_token,
                             base_url=base, app_sid=demo.app.sid)
    return "\n".join([
        "Empty database: created a demo person, their account and a Connect App.",
        "",
        f"  Console:         {base}/console",
        f"    Email:         {demo.email}",
        f"    Password:      {demo.password}",
        f"  Consent page:    {consent_url(base, demo.app.sid)}",
        f"  API base URL:    {base}",
        "",
        f"  Account SID:     {demo.account.sid}",
        f"  Auth token:      {demo.account.auth_token}",
        f"  ConnectApp SID:  {demo.app.sid}",
        "",
        "The password is shown only now; to set a new one:",
        f"  connectapps users set-password --email {demo.email}{database_flag}",
        "",
        "twilio-python:",
        "",
        snippet,
    ])


def _demo_app(store: Store) -> ConnectApp | None:
    """The demo person's demo app, if both are still there."""
    person = store.get_user_by_email(DEMO_EMAIL)
    for account in store.accounts_of_user(person.id) if person else []:
        for app in store.all_connect_apps(account.sid):
            if app.friendly_name == DEMO_APP_NAME:
                return app
    return None


def welcome_back_text(store: Store, base: str, database: str, database_flag: str) -> str:
    """What ``serve --demo`` prints when the database has data: where to go, and how to get back in.

    ``database`` is the URL shown (password masked); ``database_flag`` is added to each command.
    """
    people = store.all_users()
    emails = ", ".join(u.email for u in people[:5]) + (f" and {len(people) - 5} more" if len(people) > 5 else "")
    app = _demo_app(store)
    lines = [
        f"This database already has data ({database}): nothing was created.",
        "",
        f"  Console:         {base}/console" + (f"  (people: {emails})" if people else ""),
    ]
    if app is not None:
        lines.append(f"  Consent page:    {consent_url(base, app.sid)}")
    lines += [
        f"  API base URL:    {base}",
        "",
        "To get back in:",
        f"  who can sign in:       connectapps users list{database_flag}",
        f"  a new password:        connectapps users set-password --email EMAIL{database_flag}",
        f"  SIDs and auth tokens:  connectapps accounts list --show-tokens{database_flag}",
        f"  Connect Apps:          connectapps apps list{database_flag}",
        "",
    ]
    return "\n".join(lines)


def first_run(store: Store, host: str, port: int, database: str, database_flag: str = "") -> str:
    """The text ``serve --demo`` prints, creating the demo first if the database is empty."""
    base = base_url(host, port)
    if store.count_accounts() == 0:
        text = demo_text(create_demo(store, base), base, database_flag)
    else:
        text = welcome_back_text(store, base, database, database_flag)
    return f"{text}\n{STARTING.format(base=base)}"

