"""Twilio's RFC 2822 dates, written by hand for speed, exactly as the standard library writes them."""

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

from connectapps.wire import render


def test_dates_are_what_format_datetime_writes() -> None:
    start = datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    for hours in range(0, 24 * 400, 37):
        moment = start + timedelta(hours=hours, seconds=hours)
        assert render.date(moment) == format_datetime(moment)
    assert render.date(datetime(2010, 8, 20, 3, 13, 42, tzinfo=timezone(timedelta(hours=2)))) \
        == "Fri, 20 Aug 2010 01:13:42 +0000"
