# Copyright (c) certops.orders contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Days left and the expiry window: the one date arithmetic of both providers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from ansible_collections.certops.orders.plugins.module_utils._contract import OptionError
from ansible_collections.certops.orders.plugins.module_utils._lifecycle import (
    check_days,
    days_left,
    expiring,
    parse_date,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, left", [
    # SoftLayer's form (softlayer.md: "expirationDate": "2024-11-03T23:59:59-06:00")
    ("2026-12-16T06:00:00-06:00", 10),
    # CPS's form, fractional seconds and Z
    ("2026-12-16T12:00:00.000000Z", 10),
    ("2026-12-16T11:59:59Z", 9),          # a second short of 10 days: 9 whole days
    ("2026-12-07T11:00:00Z", 0),          # 23 hours left
    ("2026-12-06T11:00:00Z", -1),         # expired an hour ago
    ("2026-12-16T12:00:00", 10),          # no offset: UTC
])
def test_days_left_reads_both_providers_forms(text, left):
    assert days_left(text, NOW) == left


@pytest.mark.parametrize("text", [None, "", "  ", "soon", "0001-13-01T00:00:00Z", 20261216, ["2026-12-16"]])
def test_an_unreadable_date_is_unknown_not_a_crash(text):
    assert parse_date(text) is None
    assert days_left(text, NOW) is None


@given(st.integers(min_value=-4000, max_value=4000), st.integers(min_value=0, max_value=86399))
def test_days_left_is_the_floor_of_the_distance(days, seconds):
    end = NOW + timedelta(days=days, seconds=seconds)
    assert days_left(end.isoformat(), NOW) == days


def test_expiring_window():
    assert expiring(None, None) and expiring(5, None)
    assert expiring(30, 30) and expiring(-3, 30) and not expiring(31, 30)
    assert not expiring(None, 30)  # not issued: no expiration, never selected


@pytest.mark.parametrize("value", [-1, 3651])
def test_check_days_refuses_out_of_range(value):
    with pytest.raises(OptionError, match="0 to 3650"):
        check_days("expiring_within_days", value)


def test_check_days_accepts_range_and_unset():
    for value in (None, 0, 30, 3650):
        check_days("renew_within_days", value)
