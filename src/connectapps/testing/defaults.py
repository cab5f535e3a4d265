"""The seed ``connectapps.testing`` uses when given none: a developer's account that owns a Connect
App, and a customer — a person who signs in, with an account — who may authorize it."""

DEVELOPER_SID = "AC" + "d" * 31 + "1"
DEVELOPER_TOKEN = "developer-auth-token-0001"
CUSTOMER_SID = "AC" + "c" * 31 + "1"
CUSTOMER_TOKEN = "customer-auth-token-0001"
CUSTOMER_EMAIL = "customer@example.com"
CUSTOMER_PASSWORD = "customer-password"
CONNECT_APP_SID = "CN" + "a" * 31 + "1"

DEFAULT_SEED = f"""
users:
  - email: {CUSTOMER_EMAIL}
    password: {CUSTOMER_PASSWORD}
accounts:
  - sid: {DEVELOPER_SID}
    auth_token: {DEVELOPER_TOKEN}
    friendly_name: Connect App developer
  - sid: {CUSTOMER_SID}
    auth_token: {CUSTOMER_TOKEN}
    friendly_name: Customer
    user: {CUSTOMER_EMAIL}
connect_apps:
  - sid: {CONNECT_APP_SID}
    account_sid: {DEVELOPER_SID}
    friendly_name: Example Connect App
    company_name: Example Inc.
    homepage_url: https://app.example.com
    authorize_redirect_url: https://app.example.com/connect/authorized
    deauthorize_callback_url: https://app.example.com/connect/deauthorized
    deauthorize_callback_method: POST
    permissions: [get-all, post-all]
"""
