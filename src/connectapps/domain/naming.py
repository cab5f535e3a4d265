"""Twilio's naming rule between a property and the request parameter that sets it.

``deauthorize_callback_url`` is sent as ``DeauthorizeCallbackUrl``: the rule every generated
client follows, and the one the spec-driven resources read their parameters by.
"""

import re
from functools import lru_cache

_CAPITAL = re.compile(r"(?<!^)(?=[A-Z])")


@lru_cache(maxsize=1024)  # the fields are the spec's and ours: a few hundred names, asked on every write
def param_name(field: str) -> str:
    """``deauthorize_callback_url`` -> ``DeauthorizeCallbackUrl``."""
    return "".join(part.capitalize() for part in field.split("_"))


def field_name(param: str) -> str:
    """``DeauthorizeCallbackUrl`` -> ``deauthorize_callback_url``."""
    return _CAPITAL.sub("_", param).lower()
