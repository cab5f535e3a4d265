"""Resources Twilio computes rather than stores: the Balance, Usage Records, numbers for sale.

- Balance: ``0.00 USD``. Nothing is charged here (every price is null).
- Usage Records: one record per category (calls, sms, phonenumbers, recordings, totalprice), counting
  what the account holds now, for the period the list names (Today, LastMonth… or StartDate/EndDate).
- AvailablePhoneNumbers: a synthetic catalogue in ranges reserved for fiction (NANP 555-01XX, Ofcom's
  drama ranges), 20 numbers per country and type; ``AreaCode`` and ``Contains`` select among them.
"""

import re
from calendar import monthrange
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from connectapps.domain.errors import NotFound
from connectapps.domain.models import Page, PageRequest
from connectapps.domain.resources.behaviours import formatted
from connectapps.domain.resources.context import Call
from connectapps.domain.resources.conventions import ACCOUNT_PATH
from connectapps.domain.resources.errors import InvalidValue
from connectapps.domain.resources.values import fit
from connectapps.domain.resources.view import Item

BALANCE = "balance"
USAGE = "usage.usage_record"
COUNTRY = "available_phone_number_country"
NUMBERS = COUNTRY + ".available_phone_number_"
NUMBERS_PER_TYPE = 20
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_KEY = re.compile(r"[A-Za-z0-9+._-]{1,64}\Z")

# category: (stored kind it counts, description, unit)
CATEGORIES = {
    "calls": ("call", "Voice Minutes", "calls"),
    "phonenumbers": ("incoming_phone_number", "Phone Numbers", "numbers"),
    "recordings": ("recording", "Voice Recordings", "recordings"),
    "sms": ("message", "SMS Messages", "messages"),
    "totalprice": (None, "Total Price", "usd"),
}
PERIODS = {"": "", "all_time": "AllTime", "daily": "Daily", "last_month": "LastMonth", "monthly": "Monthly",
           "this_month": "ThisMonth", "today": "Today", "yearly": "Yearly", "yesterday": "Yesterday"}

# country: (name, {number type: number prefix}); each type offers prefix + 00..19.
COUNTRIES = {
    "CA": ("Canada", {"local": "+160455501", "toll_free": "+188855501"}),
    "GB": ("United Kingdom", {"local": "+4420794600", "mobile": "+4477009000", "toll_free": "+4480815700",
                              "national": "+4430699900", "shared_cost": "+4484399900", "voip": "+4456099900",
                              "machine_to_machine": "+4478899900"}),
    "US": ("United States", {"local": "+141555501", "toll_free": "+180055501"}),
}


def is_catalog(kind: str) -> bool:
    return kind == BALANCE or kind.startswith(USAGE) or kind.startswith(COUNTRY)


def has(kind: str, value: str) -> bool:
    """Whether a catalogue parent exists (a country of the number catalogue)."""
    return kind == COUNTRY and value in COUNTRIES


def is_key(value: str) -> bool:
    """A well-formed paging key of a catalogue list (a category, a country code, a number)."""
    return _KEY.match(value) is not None


def fetch(c: Call) -> Item:
    if c.op.kind.name == BALANCE:
        return _item(c, "balance", {"account_sid": c.account.sid, "balance": "0.00", "currency": "USD"})
    code = c.identity
    if code not in COUNTRIES:
        raise NotFound(code)
    return _country(c, code)


def _item(c: Call, key: str, properties: Mapping[str, Any]) -> Item:
    shown = c.op.representation.properties if c.op.representation else ()
    return Item(key, {p.name: fit(p, properties.get(p.name)) for p in shown})


def _country(c: Call, code: str) -> Item:
    return _item(c, code, {"country_code": code, "country": COUNTRIES[code][0], "beta": False})


def list_page(c: Call, query: Mapping[str, Sequence[str]], request: PageRequest) -> Page[Item]:
    kind = c.op.kind.name
    if kind == COUNTRY:
        items = [_country(c, code) for code in sorted(COUNTRIES)]
    elif kind.startswith(USAGE):
        items = _usage(c, kind.rsplit("usage_record_", 1)[-1] if "usage_record_" in kind else "", query)
    else:
        items = _numbers(c, kind.removeprefix(NUMBERS), query)
    return page_of(items, request)


def page_of(items: list[Item], request: PageRequest) -> Page[Item]:
    """A page of a computed list, in key order, read as the stored lists are (keyset or offset)."""
    ordered = sorted(items, key=lambda item: item.key)
    if request.before is not None:
        earlier = [i for i in ordered if i.key < request.before]
        return Page(earlier[-request.size:], has_more=True)
    rest = [i for i in ordered if i.key > request.after] if request.after is not None else ordered[request.offset:]
    return Page(rest[: request.size], has_more=len(rest) > request.size)


def _last(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values and values[-1] != "" else None


def _period(variant: str, today: date, opened: date) -> tuple[date, date]:
    if variant in ("today", "daily"):
        return today, today
    if variant == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if variant in ("this_month", "monthly"):
        return today.replace(day=1), today
    if variant == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end.replace(day=monthrange(end.year, end.month)[1])
    if variant == "yearly":
        return today.replace(month=1, day=1), today
    return opened, today


def _date(c: Call, query: Mapping[str, Sequence[str]], name: str, default: date) -> date:
    raw = _last(query, name)
    if raw is None:
        return default
    if _DAY.match(raw) is None:
        raise InvalidValue(c.op.id, name, raw, "a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(c.op.id, name, raw, "a date, YYYY-MM-DD") from None


def _usage(c: Call, variant: str, query: Mapping[str, Sequence[str]]) -> list[Item]:
    start, end = _period(variant, c.now.date(), c.account.date_created.date())
    start, end = _date(c, query, "StartDate", start), _date(c, query, "EndDate", end)
    wanted = _last(query, "Category")
    base = f"{ACCOUNT_PATH}/Usage/Records".replace("{AccountSid}", c.account.sid)
    items = []
    for category, (kind, description, unit) in CATEGORIES.items():
        if wanted and wanted != category:
            continue
        count = c.store.count_resources(c.account.sid, kind) if kind else 0
        window = f"?Category={category}&StartDate={start.isoformat()}&EndDate={end.isoformat()}"
        suffix = f"/{PERIODS[variant]}" if PERIODS[variant] else ""
        items.append(_item(c, category, {
            "account_sid": c.account.sid, "api_version": "2010-04-01", "as_of": c.now.isoformat(timespec="seconds"),
            "category": category, "count": str(count), "count_unit": unit, "description": description,
            "end_date": end.isoformat(), "price": 0, "price_unit": "usd", "start_date": start.isoformat(),
            "subresource_uris": {name: f"{base}/{path}.json?Category={category}"
                                 for name, path in PERIODS.items() if path},
            "uri": f"{base}{suffix}.json{window}", "usage": str(count), "usage_unit": unit,
        }))
    return items


def _numbers(c: Call, number_type: str, query: Mapping[str, Sequence[str]]) -> list[Item]:
    country = c.path["CountryCode"]
    prefix = COUNTRIES[country][1].get(number_type)
    if prefix is None:
        raise NotFound(number_type)
    area = _last(query, "AreaCode")
    if area is not None and prefix.startswith("+1") and number_type == "local":
        if not re.fullmatch(r"[2-9][0-9]{2}", area):
            raise InvalidValue(c.op.id, "AreaCode", area, "a three-digit area code")
        prefix = f"+1{area}{prefix[5:]}"
    contains = re.sub(r"[^0-9]", "", _last(query, "Contains") or "")
    items = []
    for n in range(NUMBERS_PER_TYPE):
        number = f"{prefix}{n:02d}"
        if contains and contains not in number:
            continue
        items.append(_item(c, number, {
            "phone_number": number, "friendly_name": formatted(number), "iso_country": country,
            "region": "CA" if prefix.startswith("+1415") else None, "address_requirements": "none",
            "beta": False, "capabilities": {"voice": True, "SMS": True, "MMS": number_type != "toll_free",
                                            "fax": False},
        }))
    return items
