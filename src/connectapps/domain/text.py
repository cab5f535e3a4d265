"""What a text value and a URL may contain: the character rules every text parameter shares.

Text must not carry control characters (Unicode category Cc: C0, DEL, C1): they are invisible on
every page, can forge lines in logs and CSV exports, and U+0000 cannot be stored in PostgreSQL.
A multi-line field (a description) may still hold tabs and line breaks.

A URL must be made of the characters RFC 3986 allows — unreserved, reserved and ``%`` followed by two
hex digits — or of non-ASCII letters (an IRI, as browsers send them), never of spaces, controls, or
``"<>\\^`{|}``. The apostrophe is a legal sub-delimiter in RFC 3986 but is refused as well: no
callback or redirect needs it, and it is the character that ends a quoted HTML attribute.
"""

import re
import unicodedata

from connectapps.domain.errors import InvalidParameter

LINE_BREAKS = frozenset("\t\n\r")

# RFC 3986 section 2: unreserved + gen-delims + sub-delims (less the apostrophe) + "%".
_URL_ASCII = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~" ":/?#[]@" "!$&()*+,;=" "%"
)
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def check_text(field: str, value: str, multiline: bool = False) -> str:
    """``value`` if it has no control character (tabs and line breaks allowed when ``multiline``)."""
    for ch in value:
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in LINE_BREAKS):
            raise InvalidParameter(field, InvalidParameter.CONTROL, value)
    return value


def url_characters_legal(value: str) -> bool:
    """Whether every character of ``value`` may appear in a URI (or an IRI's non-ASCII part)."""
    for ch in value:
        if ch.isascii():
            if ch not in _URL_ASCII:
                return False
        elif unicodedata.category(ch)[0] in "CZ":  # controls, format characters, separators (spaces)
            return False
    return _PERCENT.search(value) is None
