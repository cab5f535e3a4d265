"""Twilio's request signature, ``X-Twilio-Signature``: how Twilio signs the webhooks it sends.

Base64 of HMAC-SHA1, keyed with an auth token, over the full URL (with its query string)
followed by each POST parameter name and value, names sorted. twilio-python's
``RequestValidator(token).validate(url, params, signature)`` checks exactly this.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping

HEADER = "X-Twilio-Signature"


def signature(auth_token: str, url: str, params: Mapping[str, str] | None = None) -> str:
    fields = params or {}
    payload = url + "".join(f"{name}{fields[name]}" for name in sorted(fields))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
