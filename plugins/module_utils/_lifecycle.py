# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A certificate's remaining life, the same way for every provider (private: not for use outside
this collection).

Both providers report an expiration date-time with an offset (SoftLayer ``expirationDate``,
``2024-11-03T23:59:59-06:00``; CPS ``expiration_date``, ``2022-05-16T23:59:59.000000Z``). The modules
turn it into ``days_left`` and select or renew by it; this module is the one place that does the
arithmetic, so that "expires within 30 days" means the same at both providers. No pydantic here.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError

#: the longest window the day options accept: ten years is longer than any certificate lives
MAX_DAYS = 3650
SECONDS_PER_DAY = 86400


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from a provider's ISO 8601 date-time, or None when it is missing or not a
    date (a provider's placeholder or garbage is "not known", never a crash). A date-time without an
    offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def days_left(expiration: str | None, now: datetime | None = None) -> int | None:
    """Whole days from ``now`` until ``expiration``, rounded down (a certificate that expires in 23
    hours has 0 days left; one that expired an hour ago has -1); None when the date is not known."""
    end = parse_date(expiration)
    if end is None:
        return None
    now = now or datetime.now(timezone.utc)
    return int((end - now).total_seconds() // SECONDS_PER_DAY)


def expiring(left: int | None, within: int | None) -> bool:
    """Whether a certificate with ``left`` days left expires within ``within`` days (expired ones
    included: they need renewing most). ``within`` None selects everything; a certificate whose
    expiration is not known yet (not issued) is never expiring."""
    if within is None:
        return True
    return left is not None and left <= within


def check_days(option: str, value: int | None) -> None:
    """Raise :class:`OptionError` unless ``value`` (when set) is a day count from 0 to :data:`MAX_DAYS`."""
    if value is not None and not 0 <= value <= MAX_DAYS:
        raise OptionError("%s must be a number of days from 0 to %d, got %s" % (option, MAX_DAYS, value))


def selection_argument_spec() -> dict:
    """The expiry selector both info modules share (doc fragment ``certops.orders._lifecycle``)."""
    return dict(expiring_within_days=dict(type="int"))
