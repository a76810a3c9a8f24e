"""SoftLayer dates: ISO-8601 with a numeric UTC offset, in US Central time (the API's default).

Internally every time is a float (seconds on the sandbox clock, i.e. a Unix time); it is
formatted only when a response is built.
"""

import calendar
import datetime
import re

try:  # the machine's tz database; a fixed CST offset when it is missing
    from zoneinfo import ZoneInfo

    CENTRAL = ZoneInfo("America/Chicago")
except Exception:  # pragma: no cover - depends on the machine
    CENTRAL = datetime.timezone(datetime.timedelta(hours=-6), "CST")


def to_datetime(ts):
    return datetime.datetime.fromtimestamp(float(ts), CENTRAL)


def fmt(ts):
    """``2016-01-20T10:56:44-06:00`` for a clock time, or None."""
    if ts is None:
        return None
    return to_datetime(ts).isoformat(timespec="seconds")


def parse(text):
    """A date from a response or a filter value, as a timestamp (float), or None.

    Accepts ISO-8601 (with or without offset; no offset means US Central) and the
    ``MM/DD/YYYY[ HH:MM[:SS]]`` form SoftLayer's date filters use.
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return _in_range(float(text))
    text = str(text).strip()
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        value = None
        for pattern in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d %H:%M:%S"):
            try:
                value = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        if value is None:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CENTRAL)
    try:
        return _in_range(value.timestamp())
    except (OverflowError, ValueError):
        return None


def _in_range(ts):
    """``ts`` when it is a time the formatter can show (a finite Unix time), else None."""
    try:
        to_datetime(ts)
    except (OverflowError, ValueError, OSError):
        return None
    return ts


_SYSDATE = re.compile(r"^(?:sysdate|currentDate)\s*(?:([+-])\s*(\d+(?:\.\d+)?))?$", re.I)


def parse_relative(text, now):
    """``sysdate - 30`` or ``currentDate - 30`` (days) as a timestamp, or None when ``text`` is not that form."""
    match = _SYSDATE.match(str(text).strip())
    if not match:
        return None
    days = float(match.group(2) or 0)
    return now + (days * 86400 if match.group(1) == "+" else -days * 86400)


def add_months(ts, months):
    """The same local wall time ``months`` calendar months later (day clamped to the month)."""
    start = to_datetime(ts)
    month_index = start.month - 1 + int(months)
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    naive = start.replace(tzinfo=None, year=year, month=month, day=day)
    return naive.replace(tzinfo=CENTRAL).timestamp()


def expiration_for(approved_at, months):
    """The certificate's expiration: ``months`` after approval, at 23:59:59 local time that day."""
    end = to_datetime(add_months(approved_at, months))
    naive = end.replace(tzinfo=None, hour=23, minute=59, second=59, microsecond=0)
    return naive.replace(tzinfo=CENTRAL).timestamp()


def same_local_day(ts_a, ts_b):
    return to_datetime(ts_a).date() == to_datetime(ts_b).date()
