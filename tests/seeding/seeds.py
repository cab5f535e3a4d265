"""Seed files shared by the seeding and admin API tests."""

from pathlib import Path

OWNER = "AC" + "1" * 32
OWNER_TOKEN = "owner-token-000000000001"
CUSTOMER = "AC" + "2" * 32
CUSTOMER_TOKEN = "customer-token-00000001"
SUB = "AC" + "3" * 32
CONNECT_SUB = "AC" + "4" * 32
APP = "CN" + "1" * 32
EMAIL = "customer@example.com"
PASSWORD = "customer-password"
STANDARD_KEY = "SK" + "a" * 32
STANDARD_SECRET = "standardSecretForTheSeedTests0001"
MAIN_KEY = "SK" + "b" * 32
MAIN_SECRET = "main-secret-for-the-seed-tests-0002!"

SEED = f"""\
users:
  - email: {EMAIL}
    password: {PASSWORD}
accounts:
  - sid: {OWNER}
    auth_token: {OWNER_TOKEN}
    friendly_name: App owner
    subaccounts:
      - sid: {SUB}
        friendly_name: Owner's subaccount
        status: suspended
  - sid: {CUSTOMER}
    auth_token: {CUSTOMER_TOKEN}
    friendly_name: Customer
    user: {EMAIL}
connect_apps:
  - sid: {APP}
    account_sid: {OWNER}
    friendly_name: Seeded app
    company_name: Seed Inc.
    description: Declared in a seed file
    homepage_url: https://seed.example.com
    authorize_redirect_url: https://seed.example.com/authorized?from=seed
    deauthorize_callback_url: https://seed.example.com/deauthorized
    deauthorize_callback_method: POST
    permissions: [get-all, post-all]
authorizations:
  - account_sid: {CUSTOMER}
    connect_app_sid: {APP}
    subaccount_sid: {CONNECT_SUB}
    subaccount_auth_token: connect-sub-token-0001
keys:
  - sid: {STANDARD_KEY}
    account_sid: {CUSTOMER}
    secret: {STANDARD_SECRET}
    friendly_name: Customer's standard key
  - sid: {MAIN_KEY}
    account_sid: {OWNER}
    secret: "{MAIN_SECRET}"
    friendly_name: Owner's main key
    type: main
"""


def bench_seed(accounts: int = 10, apps: int = 20) -> str:
    """A seed of ``accounts`` main accounts and ``apps`` Connect Apps spread over them."""
    lines = ["accounts:"]
    for n in range(accounts):
        lines += [f"  - sid: AC{n + 1:032x}", f"    auth_token: token-{n:026d}"]
    lines.append("connect_apps:")
    for n in range(apps):
        lines += [f"  - sid: CN{n + 1:032x}", f"    account_sid: AC{n % accounts + 1:032x}",
                  f"    friendly_name: App {n}", "    permissions: [get-all]",
                  "    authorize_redirect_url: https://example.com/connect"]
    return "\n".join(lines) + "\n"


def write(tmp: Path, text: str = SEED, name: str = "seed.yaml") -> Path:
    path = tmp / name
    path.write_text(text)
    return path
